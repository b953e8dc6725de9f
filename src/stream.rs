//! The one-pass read: a source that cannot seek (a compressed archive, a
//! download) is read once, front to back. Every member is hashed and, if it
//! is a tar stream, walked as it goes by; JSON members are kept within a
//! budget, to be read as documents at the end.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::rc::Rc;

use crate::archive::{self, member_of, MemStore, MemberKind};
use crate::decompress::decoder;
use crate::detect::{sniff, Compression, Sniffed};
use crate::dissect::{
    announce, close, deliver, expectations, member_at, Dissection, Event, Keep, Options, Progress,
    Sink,
};
use crate::entry::Entry;
use crate::feed::Feed;
use crate::headers::Headers;
use crate::image::{assign_blobs, find_images};
use crate::layer::{self, Expect, LayerFacts};
use crate::limits::{limit, MAX_DOCUMENT_BYTES, MAX_KEPT_BYTES, MAX_MEMBERS};
use crate::problem::{Code, Error, Fault, Location, Problem};
use crate::relay::{NoRelay, Relay, RelayReader};
use crate::report::Report;
use crate::report_file::{read_report_file, report_version};
use crate::source::{read_up_to, Counted, Stream};

/// The names of documents a one-pass read always keeps (within
/// [`MAX_DOCUMENT_BYTES`]), whatever else has been kept: they say what the
/// archive is.
fn is_root_document(path: &str) -> bool {
    matches!(
        path,
        "manifest.json" | "index.json" | "repositories" | "oci-layout"
    )
}

/// Dissects a source that cannot seek (a compressed archive, a download) in
/// one pass: every member is hashed and, if it is a tar stream, walked as it
/// goes by; JSON members are kept, within [`MAX_KEPT_BYTES`], to be read as
/// documents at the end. Past that budget a member's digest and size are
/// kept instead of its bytes.
pub fn dissect_stream<R: Read>(
    src: R,
    size: Option<u64>,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<Dissection, Error> {
    match OnePass::start(src, size, opts, sink)? {
        OnePassStart::Read(d) => Ok(*d),
        OnePassStart::Walking(mut pass) => {
            while pass.step(sink, &mut NoRelay) != Stage::Ended {}
            pass.finish(sink)
        }
    }
}

/// Bytes of a relayed member read and handed on per [`OnePass::step`].
pub const RELAY_PIECE: usize = 4 << 20;

/// Where a one-pass walk stands after a [`OnePass::step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Between members: the next step reads the next member.
    Between,
    /// Handing a member to the relay, one piece a step.
    Relaying,
    /// The outer archive is walked to its end (or to where it could not be
    /// read); [`OnePass::finish`] ends the read.
    Ended,
}

/// How a one-pass read begins.
pub enum OnePassStart<'a> {
    /// The source was a report file, read at once.
    Read(Box<Dissection>),
    /// An archive, to walk member by member with [`OnePass::step`].
    Walking(Box<OnePass<'a>>),
}

/// Who read a member last seen under a path: later members of the same
/// path win, so a relay's late answer for an earlier one is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Here,
    Relayed(usize),
}

/// Who reads a layer member handed on piece by piece: the relay, or the
/// reader itself (the same [`RelayReader`] a relay's far end uses, so a
/// member reads the same either way).
enum Handing {
    Relay,
    Here(String),
}

/// A one-pass read of an archive, walked a step at a time, so that its
/// caller can wait between steps (for a relay to catch up).
pub struct OnePass<'a> {
    opts: Options,
    progress: Progress,
    headers: Headers<Stream<Box<dyn Read + 'a>>>,
    report: Report,
    store: MemStore,
    analyzed: HashMap<String, (LayerFacts, Vec<Entry>)>,
    kept_bytes: u64,
    /// Who reads the member being handed on, piece by piece.
    handing: Option<Handing>,
    /// Reads the layer members the relay does not take.
    local: RelayReader,
    /// Members handed to the relay, in order, and whether each came back.
    relayed: Vec<(String, bool)>,
    last_reader: HashMap<String, Reader>,
    /// The piece being handed on; grows to the largest piece read, at
    /// most [`RELAY_PIECE`].
    piece: Vec<u8>,
    /// Why the walk ended early, if it did.
    walk_error: Option<std::io::Error>,
    ended: bool,
    /// The members' entries and problems kept so far, within
    /// [`MAX_ENTRIES`](crate::limits::MAX_ENTRIES) and
    /// [`MAX_PROBLEMS`](crate::limits::MAX_PROBLEMS): every tar member is
    /// walked before the manifest says which are layers, and all are held
    /// until the end.
    keep: Keep,
}

impl<'a> OnePass<'a> {
    /// Sniffs the source: a report file is read whole; an archive's walk
    /// begins.
    pub fn start<R: Read + 'a>(
        src: R,
        size: Option<u64>,
        opts: &Options,
        sink: &mut dyn Sink,
    ) -> Result<OnePassStart<'a>, Error> {
        let counter = Rc::new(Cell::new(0));
        let progress = Progress::new(counter.clone(), size, opts.progress_step);
        let mut raw = BufReader::with_capacity(
            256 * 1024,
            Counted {
                inner: src,
                counter: counter.clone(),
            },
        );
        let head = {
            use std::io::BufRead;
            let buf = raw
                .fill_buf()
                .map_err(|source| Error::Read { offset: 0, source })?;
            buf[..buf.len().min(512)].to_vec()
        };
        let compression = match sniff(&head) {
            Sniffed::Gzip => Compression::Gzip,
            Sniffed::Zstd => Compression::Zstd,
            _ => Compression::None,
        };
        let mut outer = decoder(compression, raw);
        let outer_head = match read_up_to(&mut outer, 512) {
            Ok(head) => head,
            // the bytes arrived but do not inflate: not an archive, not a
            // failing source
            Err(e)
                if compression != Compression::None
                    && matches!(
                        e.kind(),
                        std::io::ErrorKind::InvalidData
                            | std::io::ErrorKind::InvalidInput
                            | std::io::ErrorKind::UnexpectedEof
                            | std::io::ErrorKind::Other
                    ) =>
            {
                return Err(Error::not_an_image(format!(
                    "a {} stream that cannot be inflated: {e}",
                    compression.name()
                )));
            }
            Err(source) => return Err(Error::Read { offset: 0, source }),
        };
        if report_version(&outer_head).is_some() {
            let d = read_report_file(std::io::Cursor::new(outer_head).chain(outer), sink)?;
            if opts.share.is_some() {
                return Ok(OnePassStart::Read(Box::new(d)));
            }
            return Ok(OnePassStart::Read(Box::new(d.finish(opts, sink))));
        }
        if let Err(e) = archive::not_a_tar(&outer_head, size.unwrap_or(0)) {
            if compression == Compression::None {
                return Err(e);
            }
            let inner = match outer_head.is_empty() {
                true => "nothing".to_string(),
                false => format!(
                    "{}, not a tar archive",
                    crate::detect::describe(&outer_head)
                ),
            };
            return Err(Error::not_an_image(format!(
                "a {} stream holding {inner}",
                compression.name()
            )));
        }
        let chained: Box<dyn Read + 'a> = Box::new(std::io::Cursor::new(outer_head).chain(outer));
        let mut report = Report::default();
        report.archive.size = size;
        report.archive.compression = Some(compression);
        report.archive.seekable = false;
        Ok(OnePassStart::Walking(Box::new(OnePass {
            opts: opts.clone(),
            progress,
            headers: Headers::new(Stream(chained)),
            report,
            store: MemStore::default(),
            analyzed: HashMap::new(),
            kept_bytes: 0,
            handing: None,
            local: RelayReader::default(),
            relayed: Vec::new(),
            last_reader: HashMap::new(),
            piece: Vec::new(),
            walk_error: None,
            ended: false,
            keep: Keep::new(true),
        })))
    }

    /// Reads one member (or, for a member the relay took, one piece of it).
    pub fn step(&mut self, sink: &mut dyn Sink, relay: &mut dyn Relay) -> Stage {
        if self.ended {
            return Stage::Ended;
        }
        match self.try_step(sink, relay) {
            Ok(stage) => {
                self.ended = stage == Stage::Ended;
                stage
            }
            Err(e) => {
                self.end_member(Some(&e), sink, relay);
                self.walk_error = Some(e);
                self.ended = true;
                Stage::Ended
            }
        }
    }

    fn try_step(&mut self, sink: &mut dyn Sink, relay: &mut dyn Relay) -> std::io::Result<Stage> {
        if let Some(handing) = &self.handing {
            let mut data = self.headers.data();
            // no more than the member holds: a walk of many small members
            // must not clear a whole piece for each
            let want = data.left().min(RELAY_PIECE as u64) as usize;
            if self.piece.len() < want {
                self.piece.resize(want, 0);
            }
            let mut filled = 0;
            let mut failed = None;
            while filled < want {
                // in reads no larger than a pull read's, so that a
                // decoder failing midway has given the same bytes first
                let to = (filled + layer::READ_BUF).min(want);
                match data.read(&mut self.piece[filled..to]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let ended = failed.is_some() || filled < want || data.left() == 0;
            if filled > 0 {
                let bytes = &self.piece[..filled];
                match handing {
                    Handing::Relay => relay.piece(bytes),
                    Handing::Here(_) => self.local.piece(bytes),
                }
                self.progress.inflate(filled as u64, sink);
            }
            if ended {
                // a member cut short by a read error ends with it, and
                // the walk finds what follows
                self.end_member(failed.as_ref(), sink, relay);
                return Ok(Stage::Between);
            }
            return Ok(Stage::Relaying);
        }
        let Some(h) = self.headers.next_header()? else {
            return Ok(Stage::Ended);
        };
        if h.flag == b'g' {
            return Ok(Stage::Between);
        }
        if self.store.index.members.len() >= MAX_MEMBERS {
            self.report.problems.push(Problem::new(
                limit!(MAX_MEMBERS, "the outer archive's members"),
                Location::default().at(h.header_offset),
            ));
            return Ok(Stage::Ended);
        }
        let m = member_of(&h, &mut self.report.problems);
        let path = m.path.clone();
        self.store.index.push(m.clone());
        if m.kind != MemberKind::File {
            return Ok(Stage::Between);
        }
        let mut data = self.headers.data();
        let head = read_up_to(&mut data, 512)?;
        let looks_json = matches!(sniff(&head), Sniffed::Other("JSON text"));
        // a later member of the same path replaces what an earlier one
        // gave, as unpacking the archive would (and as the index of a
        // seekable read has it)
        if let Some(old) = self.store.kept.remove(&path) {
            self.kept_bytes -= old.len() as u64;
        }
        self.store.unkept.remove(&path);
        self.analyzed.remove(&path);
        let fits = self.kept_bytes.saturating_add(m.size) <= MAX_KEPT_BYTES;
        if looks_json && m.size <= MAX_DOCUMENT_BYTES && (fits || is_root_document(&path)) {
            let mut bytes = head;
            data.read_to_end(&mut bytes)?;
            self.kept_bytes += bytes.len() as u64;
            self.store.kept.insert(path.clone(), bytes);
            self.last_reader.insert(path, Reader::Here);
            return Ok(Stage::Between);
        }
        let feedable =
            !looks_json && !self.opts.content_digests && Feed::takes(&Expect::default(), &head);
        if feedable {
            // a tar layer: read piece by piece, here or by the relay
            let handing = if relay.offer(&path, m.size) {
                relay.piece(&head);
                self.last_reader
                    .insert(path.clone(), Reader::Relayed(self.relayed.len()));
                self.relayed.push((path, false));
                Handing::Relay
            } else {
                self.local.piece(&head);
                Handing::Here(path)
            };
            self.progress.inflate(head.len() as u64, sink);
            self.handing = Some(handing);
            return Ok(Stage::Relaying);
        }
        // a layer, or a document that cannot be kept: hash and walk it
        let reader = std::io::Cursor::new(head).chain(&mut data);
        let progress = &mut self.progress;
        let mut tick = |n: u64| progress.inflate(n, sink);
        let (mut facts, entries) = layer::analyze_with(
            reader,
            &Expect::default(),
            Some(&mut tick),
            self.opts.content_digests,
        );
        if looks_json {
            let why = if m.size > MAX_DOCUMENT_BYTES {
                limit!(MAX_DOCUMENT_BYTES, format!("{path} ({} bytes)", m.size))
            } else {
                limit!(
                    MAX_KEPT_BYTES,
                    format!("the JSON members kept in a one-pass read, at {path}")
                )
            };
            self.store.unkept.insert(path.clone(), why);
            facts.problems.retain(|p| p.code != Code::NotATar);
        } else if facts.compression.is_some() {
            sink.event(Event::MemberRead {
                path: &path,
                facts: &facts,
            });
        }
        self.last_reader.insert(path.clone(), Reader::Here);
        let entries = self.keep.admit(&mut facts, entries);
        self.analyzed.insert(path, (facts, entries));
        Ok(Stage::Between)
    }

    /// Ends the member being handed on (cut short by `error`, if given).
    fn end_member(
        &mut self,
        error: Option<&std::io::Error>,
        sink: &mut dyn Sink,
        relay: &mut dyn Relay,
    ) {
        match self.handing.take() {
            None => {}
            Some(Handing::Relay) => relay.end(error),
            Some(Handing::Here(path)) => {
                let why = error.map(|e| e.to_string());
                let (_, mut facts, entries) = self.local.end(why.as_deref());
                let entries = self.keep.admit(&mut facts, entries);
                sink.event(Event::MemberRead {
                    path: &path,
                    facts: &facts,
                });
                self.last_reader.insert(path.clone(), Reader::Here);
                self.analyzed.insert(path, (facts, entries));
            }
        }
    }

    /// Members handed to the relay whose facts have not come back.
    pub fn awaited(&self) -> usize {
        self.relayed.iter().filter(|(_, back)| !back).count()
    }

    /// The facts and entries of the `n`th member handed to the relay
    /// (counting from 0); an answer for a member that a later one of the
    /// same path replaced is dropped.
    pub fn complete(&mut self, n: usize, mut facts: LayerFacts, entries: Vec<Entry>) {
        let Some((path, back)) = self.relayed.get_mut(n) else {
            return;
        };
        if std::mem::replace(back, true) {
            return;
        }
        if self.last_reader.get(path.as_str()) == Some(&Reader::Relayed(n)) {
            let entries = self.keep.admit(&mut facts, entries);
            self.analyzed.insert(path.clone(), (facts, entries));
        }
    }

    /// Ends the read: the images found, each layer's facts, the report.
    /// A relayed member whose facts never came back is reported unread.
    pub fn finish(mut self, sink: &mut dyn Sink) -> Result<Dissection, Error> {
        for (n, (path, back)) in self.relayed.iter().enumerate() {
            if !back && self.last_reader.get(path.as_str()) == Some(&Reader::Relayed(n)) {
                let facts = LayerFacts::unreadable(Problem::new(
                    Fault::Other {
                        detail: format!(
                            "{path} was handed to another reader, which stopped before it was read"
                        ),
                    },
                    Location::entry(path.clone()),
                ));
                self.analyzed.insert(path.clone(), (facts, Vec::new()));
            }
        }
        let OnePass {
            opts,
            mut progress,
            mut headers,
            mut report,
            mut store,
            mut analyzed,
            walk_error,
            ..
        } = self;
        report.problems.extend(headers.take_problems());
        let truncated = walk_error.is_some();
        if let Some(e) = walk_error {
            let at = headers.position();
            report.problems.push(Problem::new(
                Fault::Truncated {
                    detail: format!(
                        "outer archive unreadable after {} members: {e}",
                        store.index.members.len()
                    ),
                },
                Location::default().at(at),
            ));
        }
        drop(headers);
        for (path, (facts, _)) in &analyzed {
            if let Some(d) = &facts.digest {
                store.digests.insert(path.clone(), d.clone());
            }
        }
        report.archive.members = store.index.members.len();
        find_images(&mut store, &mut report)?;
        announce(&report, sink);
        let paths = assign_blobs(&mut report, &store.index);
        let mut blobs = Vec::with_capacity(paths.len());
        let mut keep = Keep::new(opts.keep_entries);
        let mut expects = expectations(&report, paths.len());
        for (b, path) in paths.iter().enumerate() {
            let expect = std::mem::take(&mut expects[b]);
            let (facts, entries) = match analyzed.remove(path) {
                Some((mut facts, entries)) => {
                    facts.recheck(&expect);
                    (facts, entries)
                }
                None => match store.kept.get(path) {
                    Some(bytes) => {
                        layer::analyze_with(&bytes[..], &expect, None, opts.content_digests)
                    }
                    None if truncated => (
                        LayerFacts::unreadable(Problem::new(
                            Fault::Truncated {
                                detail: format!("the archive ends before layer {path}"),
                            },
                            Location::entry(path.clone()),
                        )),
                        Vec::new(),
                    ),
                    None => (
                        LayerFacts::unreadable(Problem::new(
                            Fault::Missing { what: path.clone() },
                            Location::entry(path.clone()),
                        )),
                        Vec::new(),
                    ),
                },
            };
            sink.event(Event::LayerStarted {
                blob: b,
                path,
                size: facts.size,
            });
            let m = member_at(&store.index, path);
            blobs.push(deliver(sink, b, &m, (facts, entries), &mut keep));
        }
        close(report, blobs, &mut progress, &opts, sink)
    }
}
