//! Writing a report file: the dissection, every layer's entries as rows,
//! and the contents of the files chosen with `--include`.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, Write};

use serde::ser::SerializeTuple;
use serde::{Serialize, Serializer};

use crate::contents::read_files;
use crate::dissect::Dissection;
use crate::entry::{bytes_lossy, Entry, Kind};
use crate::layer::LayerFacts;
use crate::limits::{MAX_RECORDED_CONTENT_BYTES, MAX_RECORDED_FILE_BYTES};
use crate::pattern::{any_matches, Pattern};
use crate::report::Report;

use super::{tool, RecordedFiles, REPORT_VERSION};

/// One entry as a row: `[path, type, mode, uid, gid, size, mtime, link]`.
struct EntryRow<'a>(&'a Entry);

impl Serialize for EntryRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Raw<'a>(&'a [u8]);
        impl Serialize for Raw<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                bytes_lossy::serialize(self.0, s)
            }
        }
        let e = self.0;
        let mut t = s.serialize_tuple(8)?;
        t.serialize_element(&Raw(&e.path))?;
        t.serialize_element(&e.kind.letter().to_string())?;
        t.serialize_element(&e.mode)?;
        t.serialize_element(&e.uid)?;
        t.serialize_element(&e.gid)?;
        t.serialize_element(&e.size)?;
        t.serialize_element(&e.mtime)?;
        t.serialize_element(&e.link.as_deref().map(Raw))?;
        t.end()
    }
}

struct Rows<'a>(&'a [Entry]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(EntryRow))
    }
}

#[derive(Serialize)]
struct BlobOut<'a> {
    path: &'a str,
    offset: u64,
    size: u64,
    facts: Option<&'a LayerFacts>,
    entries: Rows<'a>,
}

#[derive(Serialize)]
struct FileOut<'a> {
    blob: usize,
    entry: usize,
    path: String,
    #[serde(serialize_with = "bytes_lossy::serialize")]
    data: &'a [u8],
}

#[derive(Serialize)]
struct ReportFileOut<'a> {
    layercake_report: u64,
    by: &'a str,
    at: &'a str,
    report: &'a Report,
    blobs: Vec<BlobOut<'a>>,
    files: Vec<FileOut<'a>>,
}

/// Writes `d` as a report file (gzip-compressed JSON) to `out`, with the
/// contents of `files`; `at` is the time to record (RFC 3339, UTC). A
/// dissection read from a report keeps the time and tool it recorded.
pub fn write_report_file<W: Write>(
    d: &Dissection,
    files: &RecordedFiles,
    at: &str,
    out: W,
) -> io::Result<W> {
    let by = tool();
    let (by, at) = match &d.report.recorded {
        Some(r) => (r.by.as_str(), r.at.as_str()),
        None => (by.as_str(), at),
    };
    let mut report = d.report.clone();
    report.recorded = None;
    let doc = ReportFileOut {
        layercake_report: REPORT_VERSION,
        by,
        at,
        report: &report,
        blobs: d
            .blobs
            .iter()
            .map(|b| BlobOut {
                path: &b.path,
                offset: b.offset,
                size: b.size,
                facts: b.facts.as_ref(),
                entries: Rows(&b.entries),
            })
            .collect(),
        files: files
            .files
            .iter()
            .filter_map(|(&(blob, entry), data)| {
                let e = d.blobs.get(blob)?.entries.get(entry)?;
                Some(FileOut {
                    blob,
                    entry,
                    path: e.path_lossy(),
                    data,
                })
            })
            .collect(),
    };
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::best());
    serde_json::to_writer(&mut gz, &doc).map_err(io::Error::other)?;
    gz.finish()
}

/// What choosing files for a report found.
#[derive(Debug, Default)]
pub struct Chosen {
    /// The contents read.
    pub files: RecordedFiles,
    /// Files that matched but were not held, and why ("etc/big: 2.1 MB,
    /// more than --max-file-bytes").
    pub skipped: Vec<String>,
}

/// Reads the contents of the regular files whose paths match `patterns`
/// (in every layer; a hardlink that matches holds its target's) from `src`, the archive `d` was read from, each of at
/// most `max_file_bytes` (capped at [`MAX_RECORDED_FILE_BYTES`]), within
/// [`MAX_RECORDED_CONTENT_BYTES`] in all. Each layer blob is read once.
pub fn choose_files<R: Read + Seek>(
    src: &mut R,
    d: &Dissection,
    patterns: &[Pattern],
    max_file_bytes: u64,
) -> Chosen {
    let max = max_file_bytes.min(MAX_RECORDED_FILE_BYTES);
    let mut chosen = Chosen::default();
    if patterns.is_empty() {
        return chosen;
    }
    let mut total = 0u64;
    for (b, blob) in d.blobs.iter().enumerate() {
        let mut wanted = Vec::new();
        let mut taken = HashSet::new();
        // a hardlink's content is its target's: the regular file of that
        // path before it in the layer (looked up only if a hardlink matched)
        let mut files_by_path: Option<HashMap<&[u8], usize>> = None;
        for (n, e) in blob.entries.iter().enumerate() {
            if e.whiteout.is_some() || !any_matches(patterns, &e.path) {
                continue;
            }
            let n = match (e.kind, &e.link) {
                (Kind::File, _) => n,
                (Kind::Hardlink, Some(target)) => {
                    let by_path = files_by_path.get_or_insert_with(|| {
                        let mut m = HashMap::new();
                        for (k, f) in blob.entries.iter().enumerate() {
                            if f.kind == Kind::File {
                                m.entry(f.path.as_slice()).or_insert(k);
                            }
                        }
                        m
                    });
                    match by_path.get(target.as_slice()) {
                        Some(&k) if k < n && !taken.contains(&k) => k,
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let e = &blob.entries[n];
            if e.size > max {
                chosen.skipped.push(format!(
                    "{}: {} bytes, more than --max-file-bytes ({max})",
                    e.path_lossy(),
                    e.size
                ));
                continue;
            }
            if total + e.size > MAX_RECORDED_CONTENT_BYTES {
                chosen.skipped.push(format!(
                    "{}: past MAX_RECORDED_CONTENT_BYTES ({MAX_RECORDED_CONTENT_BYTES} bytes in all)",
                    e.path_lossy()
                ));
                continue;
            }
            total += e.size;
            taken.insert(n);
            wanted.push(n);
        }
        if wanted.is_empty() {
            continue;
        }
        // any layer that is this blob says how to reach it
        let at = d.report.images.iter().enumerate().find_map(|(i, img)| {
            let j = img.layers.iter().position(|l| l.blob == Some(b))?;
            d.locate(i, j, wanted[0])
        });
        let Some(layer) = at else {
            chosen
                .skipped
                .push(format!("blob {}: cannot be reached", blob.path));
            continue;
        };
        let spans: Vec<(u64, u64)> = wanted
            .iter()
            .map(|&n| (blob.entries[n].offset, blob.entries[n].size))
            .collect();
        let files = &mut chosen.files;
        if let Err(e) = read_files(src, &layer, &spans, max, &mut |k, bytes| {
            files.insert(b, wanted[k], bytes)
        }) {
            chosen
                .skipped
                .push(format!("files of {}: cannot be read: {e}", blob.path));
        }
    }
    chosen
}
