//! Reading archives built in code, both ways and through random short
//! reads, and small views of the results, for the format tests.

use std::io::Cursor;

use layercake::{
    dissect, dissect_stream, Dissection, Entry, Error, Expect, LayerFacts, Options, Quiet, Tree,
};

use super::ShortReads;

pub fn seek_read(bytes: &[u8]) -> Result<Dissection, Error> {
    let src = ShortReads::new(Cursor::new(bytes.to_vec()), 7);
    dissect(src, &Options::default(), &mut Quiet)
}

pub fn stream_read(bytes: &[u8]) -> Result<Dissection, Error> {
    let size = Some(bytes.len() as u64);
    dissect_stream(
        ShortReads::new(bytes, 11),
        size,
        &Options::default(),
        &mut Quiet,
    )
}

/// Both ways of reading an archive that must succeed.
pub fn read_both(bytes: &[u8]) -> [Dissection; 2] {
    [seek_read(bytes).unwrap(), stream_read(bytes).unwrap()]
}

pub fn analyze(blob: &[u8], expect: &Expect) -> (LayerFacts, Vec<Entry>) {
    layercake::analyze(ShortReads::new(blob, 5), expect, None)
}

pub fn entries_of(tar: &[u8]) -> Vec<Entry> {
    let (facts, entries) = analyze(tar, &Expect::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    entries
}

pub fn merged(layers: &[Vec<Entry>]) -> Tree {
    let refs: Vec<&[Entry]> = layers.iter().map(Vec::as_slice).collect();
    Tree::merge(&refs)
}

/// The merged listing, one raw line per path.
pub fn listing(tree: &Tree) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    tree.write_listing(&mut out).unwrap();
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

pub fn lines(ls: &[&str]) -> Vec<Vec<u8>> {
    ls.iter().map(|l| l.as_bytes().to_vec()).collect()
}

pub fn codes(d: &Dissection) -> Vec<String> {
    d.report
        .all_problems()
        .into_iter()
        .map(|p| p.code.to_string())
        .collect()
}

pub fn not_an_image(r: Result<Dissection, Error>) -> String {
    match r {
        Err(Error::NotAnImage { found }) => found,
        Err(e) => panic!("expected NotAnImage, got {e}"),
        Ok(d) => panic!("expected NotAnImage, got {} images", d.report.images.len()),
    }
}
