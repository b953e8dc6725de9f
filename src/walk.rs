//! The walk of one layer's tar members, shared by the pull read
//! ([`crate::analyze`]) and the fed read ([`crate::Feed`]): each header
//! turned into an entry, counted, its names checked and kept within the
//! layer's budgets, and how the walk ended.

use std::io;

use crate::detect::Compression;
use crate::entry::{normalize, Entry, Kind};
use crate::headers::{Header, Headers};
use crate::layer::{Counts, LayerFacts};
use crate::limits::{limit, MAX_LAYER_ENTRIES, MAX_LAYER_NAME_BYTES};
use crate::problem::{Fault, Location, Problem, Unlisted};
use crate::source::Advance;
use crate::whiteout::{classify, Whiteout};

/// What a layer's walk keeps between members: the one place the pull read
/// ([`analyze`](crate::analyze)) and the fed read ([`Feed`](crate::Feed)) turn headers into entries.
#[derive(Default)]
pub(crate) struct Walk {
    name_bytes: u64,
    full: bool,
    /// Problems past [`MAX_LAYER_PROBLEMS`](crate::limits::MAX_LAYER_PROBLEMS), counted, not listed.
    unlisted: Unlisted,
}

impl Walk {
    /// Counts one member, checks its names, and keeps its entry within the
    /// layer's budgets.
    pub(crate) fn member(
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
    pub(crate) fn end<A: Advance>(
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

/// Records why a layer's read stopped: a tar fault, or the decoder's.
pub(crate) fn push_read_problem(
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
