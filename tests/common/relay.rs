//! The page's way of reading a compressed archive with two workers: one
//! inflates and walks the outer archive ([`OnePass`]), handing each layer
//! member on ([`Relay`]) to the other, which hashes and walks it
//! ([`RelayReader`]) and sends the facts back.

use layercake::{
    Dissection, Entry, Error, LayerFacts, OnePass, OnePassStart, Options, Quiet, Relay,
    RelayReader, Stage,
};

/// A relay whose far end is in the same thread.
struct Hand {
    reader: RelayReader,
    answers: Vec<(usize, LayerFacts, Vec<Entry>)>,
    taken: usize,
}

impl Relay for Hand {
    fn offer(&mut self, _: &str, _: u64) -> bool {
        self.taken += 1;
        true
    }
    fn piece(&mut self, bytes: &[u8]) {
        self.reader.piece(bytes);
    }
    fn end(&mut self, error: Option<&std::io::Error>) {
        let e = error.map(|e| e.to_string());
        self.answers.push(self.reader.end(e.as_deref()));
    }
}

/// Reads `bytes` in one pass, relaying every layer member; the answers
/// come back as each member ends, or (`late`) all after the walk, last
/// first. Returns the dissection and how many members were relayed.
pub fn relayed_read(
    bytes: &[u8],
    opts: &Options,
    late: bool,
) -> Result<(Dissection, usize), Error> {
    let mut pass = match OnePass::start(bytes, Some(bytes.len() as u64), opts, &mut Quiet)? {
        OnePassStart::Read(d) => return Ok((*d, 0)),
        OnePassStart::Walking(p) => p,
    };
    let mut hand = Hand {
        reader: RelayReader::default(),
        answers: Vec::new(),
        taken: 0,
    };
    while pass.step(&mut Quiet, &mut hand) != Stage::Ended {
        if !late {
            for (n, facts, entries) in hand.answers.drain(..) {
                pass.complete(n, facts, entries);
            }
        }
    }
    for (n, facts, entries) in hand.answers.drain(..).rev() {
        pass.complete(n, facts, entries);
    }
    assert_eq!(pass.awaited(), 0, "every relayed member was answered");
    Ok((pass.finish(&mut Quiet)?, hand.taken))
}

/// A report as JSON, to compare a relayed read with a lone one: where a
/// damaged stream stops the outer walk (the offset of the archive's
/// `truncated` problem) depends on how far each tried to read past the
/// damage, and is left out.
pub fn comparable(d: &Dissection) -> serde_json::Value {
    let mut v = serde_json::to_value(&d.report).expect("a report serialises");
    if let Some(problems) = v["problems"].as_array_mut() {
        for p in problems.iter_mut().filter(|p| p["code"] == "truncated") {
            if let Some(p) = p.as_object_mut() {
                p.remove("offset");
            }
        }
    }
    v
}
