//! One layer blob: sniff its compression, hash it compressed and
//! uncompressed, and walk its tar members.

use std::io::{self, BufReader, Cursor, Read};

use serde::{Deserialize, Serialize};

use crate::decompress::decoder;
use crate::detect::{sniff, Compression, Sniffed};
use crate::digest::{Algorithm, Digest, Hasher};
use crate::entry::{Entry, Kind};
use crate::headers::Headers;
use crate::media_type;
use crate::problem::{Code, Fault, Location, Problem};
use crate::source::{read_up_to, Stream, Tap};
use crate::walk::{push_read_problem, Walk};
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
pub(crate) fn wrong_size(found: u64, want: u64, at: Location) -> Problem {
    Problem::new(
        Fault::Unexpected {
            what: "blob size".into(),
            found: format!("{found} bytes"),
            expected: format!("{want} bytes (as its descriptor says)"),
        },
        at,
    )
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
