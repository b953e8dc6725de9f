//! One layer blob: sniff its compression, hash it compressed and
//! uncompressed, and walk its tar members.

use std::collections::HashMap;
use std::io::{self, BufReader, Cursor, Read};

use serde::{Deserialize, Serialize};

use crate::decompress::decoder;
use crate::detect::{sniff, Compression, Sniffed};
use crate::digest::{Algorithm, Digest, Hasher};
use crate::entry::{normalize, Entry, Kind};
use crate::problem::{Fault, Location, Problem};
use crate::source::{read_up_to, Tap};
use crate::whiteout::{classify, Whiteout};

/// What the manifest says about a blob, to check against.
#[derive(Debug, Clone, Default)]
pub struct Expect<'a> {
    pub digest: Option<&'a Digest>,
    pub size: Option<u64>,
    pub media_type: Option<&'a str>,
}

/// Member counts by type. Whiteout markers are regular files, so they are
/// counted in `files` too; `opaque` markers are not counted in `whiteouts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    pub hardlinks: u64,
    pub chardevs: u64,
    pub blockdevs: u64,
    pub fifos: u64,
    pub other: u64,
    pub whiteouts: u64,
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
    pub counts: Counts,
    pub has_eof_blocks: bool,
    pub problems: Vec<Problem>,
}

/// True for media types that name something other than a filesystem layer
/// (artifact blobs, configs, empty descriptors).
pub fn is_layer_media_type(media_type: &str) -> bool {
    media_type.contains("image.rootfs.diff")
        || media_type.contains("image.layer.")
        || media_type.contains("foreign.diff")
}

const BUF: usize = 256 * 1024;

/// Reads a whole blob from `src` and returns its facts and tar members.
/// Never fails: what goes wrong becomes a problem in the facts.
pub fn analyze<R: Read>(
    src: R,
    expect: &Expect<'_>,
    progress: Option<&mut dyn FnMut(u64)>,
) -> (LayerFacts, Vec<Entry>) {
    let algorithm = expect
        .digest
        .map(Digest::algorithm)
        .unwrap_or(Algorithm::Sha256);
    let mut raw = Tap::new(src, Some(Hasher::new(algorithm)));
    if let Some(p) = progress {
        raw = raw.with_progress(p);
    }
    let mut facts = LayerFacts {
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
    };
    let mut entries = Vec::new();
    let at = |offset: Option<u64>| Location {
        offset,
        digest: expect.digest.cloned(),
        ..Location::default()
    };

    let head = read_up_to(&mut raw, 512).unwrap_or_default();
    let sniffed = sniff(&head);
    let not_a_layer = expect.media_type.is_some_and(|m| !is_layer_media_type(m));
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
    if not_a_layer && compression != Some(Compression::None) {
        // artifact blobs and the like: hash them, nothing more
        finish_raw(&mut facts, raw, expect);
        return (facts, entries);
    }
    let Some(compression) = compression else {
        finish_raw(&mut facts, raw, expect);
        return (facts, entries);
    };
    facts.compression = Some(compression);

    {
        let chained = BufReader::with_capacity(BUF, Cursor::new(head).chain(&mut raw));
        let mut plain = Tap::new(
            decoder(compression, chained),
            (compression != Compression::None).then(|| Hasher::new(Algorithm::Sha256)),
        );
        walk(&mut plain, &mut entries, &mut facts, &at);
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
fn finish_raw<R: Read>(facts: &mut LayerFacts, mut raw: Tap<'_, R>, expect: &Expect<'_>) {
    let drained = raw.drain();
    let failed = raw
        .error
        .clone()
        .or_else(|| drained.err().map(|e| e.to_string()));
    let (digest, count, _) = raw.finish();
    facts.size = count;
    let loc = Location {
        digest: expect.digest.cloned(),
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
            facts.problems.push(Problem::new(
                Fault::Unexpected {
                    what: "blob size".into(),
                    found: format!("{count} bytes"),
                    expected: format!("{want} bytes (as its descriptor says)"),
                },
                loc,
            ));
            if count < want {
                return;
            }
        }
    }
    facts.digest = digest;
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
    if !facts
        .problems
        .iter()
        .any(|p| p.message == Problem::new(fault.clone(), Location::default()).message)
    {
        facts.problems.push(Problem::new(fault, at(Some(offset))));
    }
}

/// Walks the tar members of the uncompressed stream.
fn walk<R: Read>(
    plain: &mut Tap<'_, R>,
    out: &mut Vec<Entry>,
    facts: &mut LayerFacts,
    at: &dyn Fn(Option<u64>) -> Location,
) {
    let mut globals: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    // where the last member's data (padded) ends
    let mut end_of_last: u64 = 0;
    let result: io::Result<()> = (|| {
        let mut archive = tar::Archive::new(&mut *plain);
        for item in archive.entries()? {
            let mut e = item?;
            let flag = e.header().entry_type().as_byte();
            let size = e.size();
            end_of_last = e.raw_file_position() + size.div_ceil(512) * 512;
            if flag == b'g' {
                if let Some(exts) = e.pax_extensions()? {
                    for ext in exts.flatten() {
                        globals.insert(ext.key_bytes().to_vec(), ext.value_bytes().to_vec());
                    }
                }
                continue;
            }
            let (entry, local_pax) = to_entry(&mut e, &globals)?;
            count(&entry, &mut facts.counts, local_pax || !globals.is_empty());
            facts.entries += 1;
            out.push(entry);
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            let pos = plain.count();
            if pos >= end_of_last + 512 {
                // the walk stopped at a zero block; the second one should follow
                let next = read_up_to(plain, 512).unwrap_or_default();
                facts.has_eof_blocks = next.len() == 512 && next.iter().all(|&b| b == 0);
            }
            if !facts.has_eof_blocks && facts.compression.is_some() && pos > 0 {
                facts
                    .problems
                    .push(Problem::new(Fault::NoEndOfArchive, at(Some(pos))));
            }
        }
        Err(e) => {
            let compression = facts.compression.unwrap_or(Compression::None);
            let decode_error = plain.error.clone();
            push_read_problem(facts, compression, &decode_error, &e, plain.count(), at);
        }
    }
}

fn pax_value<'a>(
    local: &'a [(Vec<u8>, Vec<u8>)],
    globals: &'a HashMap<Vec<u8>, Vec<u8>>,
    key: &[u8],
) -> Option<&'a [u8]> {
    local
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_slice())
        .or_else(|| globals.get(key).map(Vec::as_slice))
}

/// Parses a PAX number such as "3000000" or "-315619200.25", flooring
/// fractions (so -1.5 is -2, one and a half seconds before the epoch).
fn parse_int(v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let n: i64 = whole.parse().ok()?;
    if whole.starts_with('-') && frac.bytes().any(|b| b != b'0') {
        return n.checked_sub(1);
    }
    Some(n)
}

/// Converts a tar member; also says whether it carried PAX records of its own.
fn to_entry<R: Read>(
    e: &mut tar::Entry<'_, R>,
    globals: &HashMap<Vec<u8>, Vec<u8>>,
) -> io::Result<(Entry, bool)> {
    let local: Vec<(Vec<u8>, Vec<u8>)> = match e.pax_extensions()? {
        Some(exts) => exts
            .flatten()
            .map(|x| (x.key_bytes().to_vec(), x.value_bytes().to_vec()))
            .collect(),
        None => Vec::new(),
    };
    let header = e.header();
    let flag = header.entry_type().as_byte();
    let kind = Kind::from_typeflag(flag);
    let mut raw_path = e.path_bytes().into_owned();
    if local.iter().all(|(k, _)| k != b"path") {
        if let Some(p) = globals.get(b"path".as_slice()) {
            raw_path = p.clone();
        }
    }
    let path = normalize(&raw_path);
    let link = e.link_name_bytes().map(|l| {
        if kind == Kind::Hardlink {
            normalize(&l)
        } else {
            l.into_owned()
        }
    });
    let num = |key: &[u8]| pax_value(&local, globals, key).and_then(parse_int);
    let uid = num(b"uid")
        .map(|v| v as u64)
        .or_else(|| header.uid().ok())
        .unwrap_or(0);
    let gid = num(b"gid")
        .map(|v| v as u64)
        .or_else(|| header.gid().ok())
        .unwrap_or(0);
    let mtime = num(b"mtime")
        .or_else(|| header.mtime().ok().map(|v| v as i64))
        .unwrap_or(0);
    let mode = header.mode().unwrap_or(0) & 0o7777;
    let whiteout = if kind == Kind::File {
        classify(&path).map(|(w, _)| w)
    } else {
        None
    };
    let size = if kind == Kind::File { e.size() } else { 0 };
    let mut entry = Entry {
        path,
        kind,
        mode,
        uid,
        gid,
        size,
        mtime,
        link,
        whiteout,
        offset: e.raw_file_position(),
    };
    if kind == Kind::Symlink {
        entry.size = entry.link.as_ref().map_or(0, |l| l.len() as u64);
    }
    Ok((entry, !local.is_empty()))
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
    pub fn recheck(&mut self, expect: &Expect<'_>) {
        let artifact = expect.media_type.is_some_and(|m| !is_layer_media_type(m));
        if artifact && self.compression != Some(Compression::None) {
            self.problems.retain(|p| p.code != "not_a_tar");
            self.compression = None;
        }
        if let Some(want) = expect.size {
            if want != self.size && self.problems.iter().all(|p| p.code != "unexpected") {
                self.problems.push(Problem::new(
                    Fault::Unexpected {
                        what: "blob size".into(),
                        found: format!("{} bytes", self.size),
                        expected: format!("{want} bytes (as its descriptor says)"),
                    },
                    Location {
                        digest: expect.digest.cloned(),
                        ..Location::default()
                    },
                ));
            }
        }
    }

    /// Facts for a blob that could not be read at all.
    pub fn unreadable(problem: Problem) -> LayerFacts {
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
            problems: vec![problem],
        }
    }
}
