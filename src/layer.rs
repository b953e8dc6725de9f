//! One layer blob: sniff its compression, hash it compressed and
//! uncompressed, and walk its tar members.

use std::io::{self, BufReader, Cursor, Read};

use serde::{Deserialize, Serialize};

use crate::decompress::decoder;
use crate::detect::{sniff, Compression, Sniffed};
use crate::digest::{Algorithm, Digest, Hasher};
use crate::entry::{normalize, Entry, Kind};
use crate::headers::{Header, Headers};
use crate::limits::{limit, MAX_LAYER_ENTRIES, MAX_LAYER_NAME_BYTES};
use crate::media_type;
use crate::problem::{Code, Fault, Location, Problem, Unlisted};
use crate::source::{read_up_to, Advance, Fed, Stream, Tap};
use crate::whiteout::{classify, Whiteout};
use crate::xxh64::Xxh64;

/// What the manifest says about a blob, to check against.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The digest the descriptor names.
    pub digest: Option<Digest>,
    /// The size the descriptor gives.
    pub size: Option<u64>,
    /// The media type the descriptor gives (a hint).
    pub media_type: Option<String>,
}

/// Member counts by type. Whiteout markers are regular files, so they are
/// counted in `files` too; `opaque` markers are not counted in `whiteouts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Regular files.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Symbolic links.
    pub symlinks: u64,
    /// Hard links.
    pub hardlinks: u64,
    /// Character devices.
    pub chardevs: u64,
    /// Block devices.
    pub blockdevs: u64,
    /// Named pipes.
    pub fifos: u64,
    /// Members of any other type.
    pub other: u64,
    /// `.wh.<name>` markers.
    pub whiteouts: u64,
    /// `.wh..wh..opq` markers.
    pub opaque: u64,
    /// Members carrying PAX records (their own or a global header's).
    pub pax: u64,
    /// Members whose path is not valid UTF-8.
    pub non_utf8: u64,
    /// Bytes of regular-file content.
    pub file_bytes: u64,
}

/// The facts read from one blob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerFacts {
    /// Bytes of the blob as stored.
    pub size: u64,
    /// The blob's digest as computed; `None` if it could not be read whole.
    pub digest: Option<Digest>,
    /// The stream's compression; `None` when the blob is not a layer stream.
    pub compression: Option<Compression>,
    /// A gzip layer with an eStargz table of contents.
    pub estargz: bool,
    /// Bytes of the uncompressed tar stream.
    pub uncompressed_size: Option<u64>,
    /// sha256 of the uncompressed stream as computed (the diff_id).
    pub diff_id: Option<Digest>,
    /// Tar members, counted the way GNU tar lists them.
    pub entries: u64,
    /// Tar members by type.
    pub counts: Counts,
    /// Whether the tar ends with its two zero blocks.
    pub has_eof_blocks: bool,
    /// What went wrong reading the blob.
    pub problems: Vec<Problem>,
}

pub(crate) const READ_BUF: usize = 256 * 1024;

/// Reads a whole blob from `src` and returns its facts and tar members.
/// Never fails: what goes wrong becomes a problem in the facts.
pub fn analyze<R: Read>(
    src: R,
    expect: &Expect,
    progress: Option<&mut dyn FnMut(u64)>,
) -> (LayerFacts, Vec<Entry>) {
    analyze_with(src, expect, progress, false)
}

/// [`analyze`], and when `content_digests` is set, each regular file's
/// content hashed (XXH64) into [`Entry::content`] as the layer streams by.
/// The blob is read whole either way (it is hashed whole), so this costs
/// the hashing alone.
pub fn analyze_with<R: Read>(
    src: R,
    expect: &Expect,
    progress: Option<&mut dyn FnMut(u64)>,
    content_digests: bool,
) -> (LayerFacts, Vec<Entry>) {
    let algorithm = expect
        .digest
        .as_ref()
        .map(Digest::algorithm)
        .unwrap_or(Algorithm::Sha256);
    // progress counts the uncompressed stream where there is one (so a
    // decompression bomb is seen to move), else the blob's own bytes
    let mut progress = progress;
    let mut raw = Tap::new(src, Some(Hasher::new(algorithm)));
    let mut facts = LayerFacts::empty();
    let mut entries = Vec::new();
    let at = |offset: Option<u64>| Location {
        offset,
        digest: expect.digest.clone(),
        ..Location::default()
    };

    let head = read_up_to(&mut raw, 512).unwrap_or_default();
    let sniffed = sniff(&head);
    let not_a_layer = expect
        .media_type
        .as_deref()
        .is_some_and(|m| !media_type::is_layer(m));
    let compression = match sniffed {
        Sniffed::Gzip => Some(Compression::Gzip),
        Sniffed::Zstd => Some(Compression::Zstd),
        Sniffed::Tar => Some(Compression::None),
        Sniffed::Empty if !not_a_layer => {
            facts
                .problems
                .push(Problem::new(Fault::EmptyLayer, at(None)));
            Some(Compression::None)
        }
        Sniffed::Empty => None,
        Sniffed::Other(what) => {
            if !not_a_layer {
                let found = if head.len() < 512 && what != "unrecognised binary data" {
                    format!("{} bytes of {what}", head.len())
                } else {
                    what.to_string()
                };
                facts
                    .problems
                    .push(Problem::new(Fault::NotATar { found }, at(Some(0))));
            }
            None
        }
    };
    let Some(compression) = compression.filter(|&c| !not_a_layer || c == Compression::None) else {
        // artifact blobs and the like: hash them, nothing more
        if let Some(p) = progress.take() {
            raw = raw.with_progress(p);
        }
        finish_raw(&mut facts, raw, expect);
        return (facts, entries);
    };
    facts.compression = Some(compression);

    {
        let chained = BufReader::with_capacity(READ_BUF, Cursor::new(head).chain(&mut raw));
        let mut plain = Tap::new(
            decoder(compression, chained),
            (compression != Compression::None).then(|| Hasher::new(Algorithm::Sha256)),
        );
        if let Some(p) = progress.take() {
            plain = plain.with_progress(p);
        }
        walk(&mut plain, &mut entries, &mut facts, &at, content_digests);
        entries.shrink_to_fit();
        if let Err(e) = plain.drain() {
            push_read_problem(
                &mut facts,
                compression,
                &plain.error,
                &e,
                plain.count(),
                &at,
            );
        }
        let decoded = plain.count();
        let whole = plain.error.is_none();
        let (diff, _, _) = plain.finish();
        // a stream that could not be inflated whole has no diff_id
        facts.uncompressed_size = whole.then_some(decoded);
        facts.diff_id = diff.filter(|_| whole);
    }
    finish_raw(&mut facts, raw, expect);
    if compression == Compression::None {
        facts.diff_id = facts.digest.clone();
    }
    if facts.digest.is_none() {
        facts.diff_id = None;
    }
    if facts.counts.files > 0 && entries.iter().any(|e| e.path == b"stargz.index.json") {
        facts.estargz = true;
    }
    (facts, entries)
}

/// Drains the rest of the raw blob and records its size and digest.
fn finish_raw<R: Read>(facts: &mut LayerFacts, mut raw: Tap<'_, R>, expect: &Expect) {
    let drained = raw.drain();
    let failed = raw
        .error
        .clone()
        .or_else(|| drained.err().map(|e| e.to_string()));
    let (digest, count, _) = raw.finish();
    facts.size = count;
    let loc = Location {
        digest: expect.digest.clone(),
        offset: Some(count),
        ..Location::default()
    };
    if let Some(err) = failed {
        facts.problems.push(Problem::new(
            Fault::Truncated {
                detail: format!("blob read stopped after {count} bytes: {err}"),
            },
            loc,
        ));
        return;
    }
    if let Some(want) = expect.size {
        if want != count {
            facts.problems.push(wrong_size(count, want, loc));
            if count < want {
                return;
            }
        }
    }
    facts.digest = digest;
}

/// A blob whose size is not the one its descriptor gives.
fn wrong_size(found: u64, want: u64, at: Location) -> Problem {
    Problem::new(
        Fault::Unexpected {
            what: "blob size".into(),
            found: format!("{found} bytes"),
            expected: format!("{want} bytes (as its descriptor says)"),
        },
        at,
    )
}

fn push_read_problem(
    facts: &mut LayerFacts,
    compression: Compression,
    decode_error: &Option<String>,
    e: &io::Error,
    offset: u64,
    at: &dyn Fn(Option<u64>) -> Location,
) {
    let fault = match (compression, decode_error) {
        (Compression::None, _) | (_, None) => Fault::BadTar {
            detail: e.to_string(),
        },
        (c, Some(d)) => Fault::BadCompression {
            compression: c.name(),
            detail: d.clone(),
        },
    };
    // one problem per cause is enough
    let code = fault.code();
    if !facts.problems.iter().any(|p| p.code == code) {
        facts.problems.push(Problem::new(fault, at(Some(offset))));
    }
}

/// Walks the tar members of the uncompressed stream, hashing regular
/// files' contents when `content_digests` is set.
fn walk<R: Read>(
    plain: &mut Tap<'_, R>,
    out: &mut Vec<Entry>,
    facts: &mut LayerFacts,
    at: &dyn Fn(Option<u64>) -> Location,
    content_digests: bool,
) {
    let mut headers = Headers::new(Stream(&mut *plain));
    let mut walk = Walk::default();
    let mut buf = if content_digests {
        vec![0u8; READ_BUF]
    } else {
        Vec::new()
    };
    let result: io::Result<()> = (|| {
        while let Some(h) = headers.next_header()? {
            let content = if content_digests && h.kind == Kind::File && h.flag != b'g' {
                Some(hash_content(&mut headers.data(), &mut buf)?)
            } else {
                None
            };
            walk.member(h, content, out, facts, at);
        }
        Ok(())
    })();
    let decode_error = headers.get_mut().0.error.clone();
    walk.end(&mut headers, result, &decode_error, facts, at);
}

/// The XXH64 of a member's content, read to its end (or the stream's).
fn hash_content(data: &mut dyn Read, buf: &mut [u8]) -> io::Result<u64> {
    let mut h = Xxh64::new();
    loop {
        match data.read(buf) {
            Ok(0) => return Ok(h.digest()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// What a layer's walk keeps between members: the one place the pull read
/// ([`analyze`]) and the fed read ([`Feed`]) turn headers into entries.
#[derive(Default)]
struct Walk {
    name_bytes: u64,
    full: bool,
    /// Problems past [`MAX_LAYER_PROBLEMS`](crate::limits::MAX_LAYER_PROBLEMS), counted, not listed.
    unlisted: Unlisted,
}

impl Walk {
    /// Counts one member, checks its names, and keeps its entry within the
    /// layer's budgets.
    fn member(
        &mut self,
        h: Header,
        content: Option<u64>,
        out: &mut Vec<Entry>,
        facts: &mut LayerFacts,
        at: &dyn Fn(Option<u64>) -> Location,
    ) {
        if h.flag == b'g' {
            return;
        }
        let mut entry = to_entry(h);
        entry.entry.content = content;
        count(&entry.entry, &mut facts.counts, entry.pax);
        facts.entries += 1;
        let hardlink = (entry.entry.kind == Kind::Hardlink)
            .then_some(entry.raw_link.as_deref())
            .flatten();
        for (name, why) in [
            unsafe_name(&entry.raw).map(|w| (&entry.raw[..], w)),
            hardlink.and_then(|l| unsafe_name(l).map(|w| (l, w))),
        ]
        .into_iter()
        .flatten()
        {
            self.unlisted.push(&mut facts.problems, || {
                Problem::new(
                    Fault::UnsafeName {
                        name: String::from_utf8_lossy(name).into_owned(),
                        why,
                    },
                    at(Some(entry.header_offset)).entry_path(&entry.raw),
                )
            });
        }
        if entry.over_limit {
            return;
        }
        let e = entry.entry;
        self.name_bytes += (e.path.len() + e.link.as_ref().map_or(0, Vec::len)) as u64;
        if !self.full && (out.len() >= MAX_LAYER_ENTRIES || self.name_bytes > MAX_LAYER_NAME_BYTES)
        {
            self.full = true;
            let fault = if out.len() >= MAX_LAYER_ENTRIES {
                limit!(MAX_LAYER_ENTRIES, "the layer's entries")
            } else {
                limit!(MAX_LAYER_NAME_BYTES, "the layer's entry names")
            };
            facts.problems.push(Problem::new(fault, at(Some(e.offset))));
        }
        if !self.full {
            out.push(e);
        }
    }

    /// Records how the walk ended: the header reader's problems, the
    /// end-of-archive blocks, or the error that stopped it.
    fn end<A: Advance>(
        self,
        headers: &mut Headers<A>,
        result: io::Result<()>,
        decode_error: &Option<String>,
        facts: &mut LayerFacts,
        at: &dyn Fn(Option<u64>) -> Location,
    ) {
        facts
            .problems
            .extend(headers.take_problems().into_iter().map(|mut p| {
                p.location.digest = at(None).digest;
                p
            }));
        facts
            .problems
            .extend(self.unlisted.said("this layer", at(None)));
        match result {
            Ok(()) => {
                let pos = headers.position();
                facts.has_eof_blocks = headers.second_zero_block();
                if !facts.has_eof_blocks && facts.compression.is_some() && pos > 0 {
                    facts
                        .problems
                        .push(Problem::new(Fault::NoEndOfArchive, at(Some(pos))));
                }
            }
            Err(e) => {
                let pos = headers.position();
                let compression = facts.compression.unwrap_or(Compression::None);
                push_read_problem(facts, compression, decode_error, &e, pos, at);
            }
        }
    }
}

/// One layer's tar stream walked from pieces its caller feeds, in order:
/// the same facts and entries as [`analyze`] gives for the same blob, for
/// a caller that drives the reads itself (the browser's asynchronous
/// reads) and hashes elsewhere (several streams at once). The stream is an
/// uncompressed layer's blob ([`Feed::new`]) or a gzip layer's inflated
/// stream ([`Feed::inflated`]). Only the bytes of a member's headers are held
/// between pieces, never its content, so a fed read gives no content
/// digests ([`Entry::content`] stays `None`): a read that wants them uses
/// [`analyze_with`].
pub struct Feed {
    expect: Expect,
    headers: Headers<Fed>,
    walk: Option<Walk>,
    /// Where the walk ended, once it has: what follows is not walked.
    ended_at: Option<(u64, io::Result<()>)>,
    keep_from: u64,
    /// Bytes after the walk's end that were counted, not held.
    unheld: u64,
    facts: LayerFacts,
    entries: Vec<Entry>,
}

impl Feed {
    /// Starts a layer whose first bytes are `head` (at least 512 of them,
    /// or the whole blob); `None` when the blob is not an uncompressed tar
    /// layer hashed with sha256, which [`analyze`] reads instead.
    pub fn new(expect: &Expect, head: &[u8]) -> Option<Feed> {
        Feed::takes(expect, head).then(|| Feed::walking(expect, Compression::None))
    }

    /// Starts the walk of a gzip layer's inflated stream (see
    /// [`Feed::inflates`]): the caller inflates the blob, feeds the
    /// inflated bytes and hashes them (the diff_id), hashes the blob itself
    /// wherever it likes, and ends with [`Feed::finish_inflated`].
    pub fn inflated(expect: &Expect) -> Feed {
        Feed::walking(expect, Compression::Gzip)
    }

    fn walking(expect: &Expect, compression: Compression) -> Feed {
        let mut facts = LayerFacts::empty();
        facts.compression = Some(compression);
        Feed {
            expect: expect.clone(),
            headers: Headers::new(Fed::default()),
            walk: Some(Walk::default()),
            ended_at: None,
            keep_from: 0,
            unheld: 0,
            facts,
            entries: Vec::new(),
        }
    }

    /// Whether a blob whose first bytes are `head` is one a feed reads: an
    /// uncompressed tar layer hashed with sha256 ([`Feed::new`] gives
    /// `Some` exactly then).
    pub fn takes(expect: &Expect, head: &[u8]) -> bool {
        Feed::sha256_layer(expect) && head.len() >= 512 && sniff(head) == Sniffed::Tar
    }

    /// Whether a blob whose first bytes are `head` is a gzip layer hashed
    /// with sha256, whose inflated stream [`Feed::inflated`] walks.
    pub fn inflates(expect: &Expect, head: &[u8]) -> bool {
        Feed::sha256_layer(expect) && sniff(head) == Sniffed::Gzip
    }

    /// A layer (or a blob whose media type is not known) named by a sha256
    /// digest, or by none.
    fn sha256_layer(expect: &Expect) -> bool {
        let layer = expect
            .media_type
            .as_deref()
            .is_none_or(media_type::is_layer);
        let sha256 = expect
            .digest
            .as_ref()
            .is_none_or(|d| d.algorithm() == Algorithm::Sha256);
        layer && sha256
    }

    /// Bytes of the stream held between pieces (a header not yet whole):
    /// at most about one header record's, however the stream is cut.
    pub fn held(&self) -> usize {
        self.headers.get_ref().held()
    }

    /// Walks the next piece of the blob.
    pub fn feed(&mut self, bytes: &[u8]) {
        let fed = self.headers.get_mut();
        match &self.ended_at {
            // past the end of the walk only the block after it is read
            Some((pos, _)) => {
                let want = (pos + 512)
                    .saturating_sub(fed.fed())
                    .min(bytes.len() as u64);
                fed.feed(&bytes[..want as usize], *pos);
                self.unheld += bytes.len() as u64 - want;
            }
            None => {
                fed.feed(bytes, self.keep_from);
                self.step();
            }
        }
    }

    fn step(&mut self) {
        let (Some(walk), None) = (self.walk.as_mut(), &self.ended_at) else {
            return;
        };
        let digest = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest.clone(),
            ..Location::default()
        };
        loop {
            match self.headers.next_header() {
                Ok(Some(h)) => walk.member(h, None, &mut self.entries, &mut self.facts, &at),
                Ok(None) => {
                    self.ended_at = Some((self.headers.position(), Ok(())));
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // back to the last record boundary: the bytes held
                    // are at most a record's, however long the header
                    let (position, keep_from) = self.headers.rewind();
                    self.keep_from = keep_from;
                    self.headers.get_mut().seek_to(position);
                    break;
                }
                Err(e) => {
                    self.ended_at = Some((self.headers.position(), Err(e)));
                    break;
                }
            }
        }
    }

    /// Ends the blob, whose sha256 over every byte fed is `digest`, and
    /// returns its facts and entries.
    pub fn finish(self, digest: Digest) -> (LayerFacts, Vec<Entry>) {
        self.finish_blob(digest, None)
    }

    /// Ends a gzip layer's inflated stream (see [`Feed::inflated`]), whose
    /// sha256 is `diff_id`; the blob is `size` bytes with sha256 `digest`.
    /// The same facts and entries as [`analyze`] finds in a blob that
    /// inflates whole.
    pub fn finish_inflated(
        self,
        diff_id: Digest,
        size: u64,
        digest: Digest,
    ) -> (LayerFacts, Vec<Entry>) {
        self.finish_blob(diff_id, Some((size, digest)))
    }

    /// Ends the walk of a stream whose sha256 is `diff_id`, of a blob of
    /// `blob` (its size and digest), or of the stream itself when `None`.
    fn finish_blob(
        mut self,
        diff_id: Digest,
        blob: Option<(u64, Digest)>,
    ) -> (LayerFacts, Vec<Entry>) {
        self.headers.get_mut().end();
        self.step();
        let fed = self.headers.get_mut().fed();
        let stream_size = fed + self.unheld;
        let digest_of = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest_of.clone(),
            ..Location::default()
        };
        let (pos, result) = self.ended_at.take().unwrap_or((fed, Ok(())));
        if let Some(walk) = self.walk.take() {
            if result.is_ok() {
                // the zero block's position, for the second one to follow
                self.headers.get_mut().seek_to(pos);
            }
            walk.end(&mut self.headers, result, &None, &mut self.facts, &at);
        }
        let (size, digest) = blob.unwrap_or((stream_size, diff_id.clone()));
        let mut facts = self.facts;
        facts.size = size;
        let mut entries = self.entries;
        entries.shrink_to_fit();
        facts.uncompressed_size = Some(stream_size);
        let loc = Location {
            digest: self.expect.digest.clone(),
            offset: Some(size),
            ..Location::default()
        };
        let short = self.expect.size.is_some_and(|want| {
            if want != size {
                facts.problems.push(wrong_size(size, want, loc));
            }
            size < want
        });
        if !short {
            facts.digest = Some(digest);
            facts.diff_id = Some(diff_id);
        }
        if facts.counts.files > 0 && entries.iter().any(|e| e.path == b"stargz.index.json") {
            facts.estargz = true;
        }
        (facts, entries)
    }
}

impl Feed {
    /// Ends a blob whose bytes stopped coming, with `error`, after those
    /// fed: the facts and entries [`analyze`] finds in a read cut short
    /// the same way (no digest, and the error said).
    pub fn finish_cut(mut self, error: &io::Error) -> (LayerFacts, Vec<Entry>) {
        // the walk goes on until it needs what never came: the error
        self.headers.get_mut().fail(error);
        self.step();
        let size = self.headers.get_mut().fed() + self.unheld;
        let digest_of = self.expect.digest.clone();
        let at = |offset: Option<u64>| Location {
            offset,
            digest: digest_of.clone(),
            ..Location::default()
        };
        let (pos, result) = self
            .ended_at
            .take()
            .unwrap_or_else(|| (size, Err(io::Error::new(error.kind(), error.to_string()))));
        let walked = result.is_ok();
        if walked {
            // the zero block's position, for the second one to follow
            self.headers.get_mut().seek_to(pos);
        }
        if let Some(walk) = self.walk.take() {
            walk.end(&mut self.headers, result, &None, &mut self.facts, &at);
        }
        if walked {
            // the walk was over: the error is the rest's
            push_read_problem(&mut self.facts, Compression::None, &None, error, size, &at);
        }
        let mut facts = self.facts;
        let mut entries = self.entries;
        entries.shrink_to_fit();
        facts.size = size;
        facts.uncompressed_size = None;
        facts.digest = None;
        facts.diff_id = None;
        facts.problems.push(Problem::new(
            Fault::Truncated {
                detail: format!("blob read stopped after {size} bytes: {error}"),
            },
            at(Some(size)),
        ));
        if facts.counts.files > 0 && entries.iter().any(|e| e.path == b"stargz.index.json") {
            facts.estargz = true;
        }
        (facts, entries)
    }
}

/// Why a raw member name would land outside the root when unpacked by a
/// naive extractor: an absolute path, or `..` components.
pub fn unsafe_name(raw: &[u8]) -> Option<&'static str> {
    if raw.first() == Some(&b'/') && raw.iter().any(|&b| b != b'/') {
        return Some("is an absolute path (extracted relative to the root)");
    }
    if raw.split(|&b| b == b'/').any(|p| p == b"..") {
        return Some("has `..` components that climb out of the root");
    }
    None
}

struct Walked {
    entry: Entry,
    raw: Vec<u8>,
    raw_link: Option<Vec<u8>>,
    header_offset: u64,
    pax: bool,
    over_limit: bool,
}

/// Converts a member header to an entry, keeping its raw name.
fn to_entry(h: Header) -> Walked {
    let kind = h.kind;
    let path = normalize(&h.path);
    let raw_link = (kind == Kind::Hardlink).then(|| h.link.clone()).flatten();
    let link = h.link.map(|l| {
        if kind == Kind::Hardlink {
            normalize(&l)
        } else {
            l
        }
    });
    let whiteout = if kind == Kind::File {
        classify(&path).map(|(w, _)| w)
    } else {
        None
    };
    let size = match kind {
        Kind::File => h.size,
        Kind::Symlink => link.as_ref().map_or(0, |l| l.len() as u64),
        _ => 0,
    };
    Walked {
        entry: Entry {
            path,
            kind,
            mode: h.mode,
            uid: h.uid,
            gid: h.gid,
            size,
            mtime: h.mtime,
            link,
            whiteout,
            offset: h.data_offset,
            content: None,
        },
        raw: h.path,
        raw_link,
        header_offset: h.header_offset,
        pax: h.pax,
        over_limit: h.over_limit,
    }
}

fn count(entry: &Entry, c: &mut Counts, pax: bool) {
    match entry.kind {
        Kind::File => {
            c.files += 1;
            c.file_bytes += entry.size;
        }
        Kind::Dir => c.dirs += 1,
        Kind::Symlink => c.symlinks += 1,
        Kind::Hardlink => c.hardlinks += 1,
        Kind::CharDev => c.chardevs += 1,
        Kind::BlockDev => c.blockdevs += 1,
        Kind::Fifo => c.fifos += 1,
        Kind::Other => c.other += 1,
    }
    match entry.whiteout {
        Some(Whiteout::Remove) => c.whiteouts += 1,
        Some(Whiteout::Opaque) => c.opaque += 1,
        None => {}
    }
    if pax {
        c.pax += 1;
    }
    if std::str::from_utf8(&entry.path).is_err() {
        c.non_utf8 += 1;
    }
}

impl LayerFacts {
    /// Re-reads facts against what the manifest turned out to expect, for
    /// blobs walked before the manifest was known (one-pass reads): blobs
    /// that are not layers (artifacts) are not faulted for not being tars,
    /// and the descriptor's size is checked.
    pub fn recheck(&mut self, expect: &Expect) {
        let artifact = expect
            .media_type
            .as_deref()
            .is_some_and(|m| !media_type::is_layer(m));
        if artifact && self.compression != Some(Compression::None) {
            self.problems.retain(|p| p.code != Code::NotATar);
            self.compression = None;
        }
        if let Some(want) = expect.size {
            if want != self.size && self.problems.iter().all(|p| p.code != Code::Unexpected) {
                let at = Location {
                    digest: expect.digest.clone(),
                    ..Location::default()
                };
                self.problems.push(wrong_size(self.size, want, at));
            }
        }
    }

    /// Facts for a blob that could not be read at all.
    pub fn unreadable(problem: Problem) -> LayerFacts {
        LayerFacts {
            problems: vec![problem],
            ..LayerFacts::empty()
        }
    }

    /// Facts before anything is read.
    pub fn empty() -> LayerFacts {
        LayerFacts {
            size: 0,
            digest: None,
            compression: None,
            estargz: false,
            uncompressed_size: None,
            diff_id: None,
            entries: 0,
            counts: Counts::default(),
            has_eof_blocks: false,
            problems: Vec::new(),
        }
    }
}
