//! The report file (`NAME.layercake.json.gz`): a dissection written down
//! (the inspect document, every layer's entries, the contents of chosen
//! small files) and read back into the same [`Dissection`] an archive
//! gives, so `inspect`, `ls` and every view of the page work from it.
//!
//! It is gzip-compressed JSON whose first key is `"layercake_report"` (the
//! format's version), detected from its content, never its name:
//!
//! ```text
//! {"layercake_report": 1, "by": "layercake 0.1.0", "at": "2026-12-03T14:00:00Z",
//!  "report": {…the inspect document…},
//!  "blobs": [{"path", "offset", "size", "facts": {…} | null,
//!             "entries": [[path, type, mode, uid, gid, size, mtime, link | null], …]}],
//!  "files": [{"blob": 0, "entry": 12, "path": "etc/os-release", "data": "…" | [bytes]}]}
//! ```
//!
//! A report is untrusted input like an archive: it is read within
//! [`MAX_REPORT_BYTES`] inflated, its entries within [`MAX_ENTRIES`] and
//! [`MAX_LAYER_ENTRIES`], its paths within [`MAX_PATH_BYTES`], its files
//! within [`MAX_RECORDED_FILE_BYTES`]; a limit reached is a `limit`
//! problem, and a report whose parts do not fit together (a layer naming
//! a blob the report lacks) is an [`Error::BadReport`].

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read, Seek, Write};
use std::rc::Rc;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contents::read_files;
use crate::dissect::{announce, Blob, Dissection, Sink};
use crate::entry::{bytes_lossy, normalize, Entry, Kind, TextOrBytes};
use crate::layer::LayerFacts;
use crate::limits::{
    limit, MAX_ENTRIES, MAX_IMAGES, MAX_LAYERS_PER_IMAGE, MAX_LAYER_ENTRIES, MAX_PATH_BYTES,
    MAX_RECORDED_CONTENT_BYTES, MAX_RECORDED_FILE_BYTES, MAX_REPORT_BYTES,
};
use crate::pattern::{any_matches, Pattern};
use crate::problem::{Error, Location, Problem};
use crate::report::Report;
use crate::source::{read_up_to, Counted};
use crate::whiteout::classify;

/// The version of the report format this build writes and reads.
pub const REPORT_VERSION: u64 = 1;

/// The key a report file starts with.
const MAGIC_KEY: &[u8] = b"\"layercake_report\"";

/// "layercake 0.1.0": who writes reports.
pub fn tool() -> String {
    format!("layercake {}", env!("CARGO_PKG_VERSION"))
}

/// When and by what a report's facts were found (the report's `recorded`
/// field, set only when the report was read from a report file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The tool that wrote the report file: "layercake 0.1.0".
    pub by: String,
    /// When, as the writer gave it (RFC 3339, UTC).
    pub at: String,
    /// Files whose contents the report holds.
    pub files: usize,
}

/// Contents of files a report holds, by blob and entry number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedFiles {
    files: BTreeMap<(usize, usize), Vec<u8>>,
}

impl RecordedFiles {
    /// The contents of entry `entry` of blob `blob`, if held.
    pub fn get(&self, blob: usize, entry: usize) -> Option<&[u8]> {
        self.files.get(&(blob, entry)).map(Vec::as_slice)
    }

    /// Holds `bytes` as the contents of entry `entry` of blob `blob`.
    pub fn insert(&mut self, blob: usize, entry: usize, bytes: Vec<u8>) {
        self.files.insert((blob, entry), bytes);
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Bytes held, in all.
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|v| v.len() as u64).sum()
    }
}

impl Dissection {
    /// The contents a report holds of what entry `entry` of layer `layer`
    /// of image `image` wrote (none for a dissection of an archive).
    pub fn recorded_contents(&self, image: usize, layer: usize, entry: usize) -> Option<&[u8]> {
        let blob = self.report.images.get(image)?.layers.get(layer)?.blob?;
        self.recorded.as_ref()?.get(blob, entry)
    }
}

/// The version a report file's first bytes (inflated) name, if they are
/// the start of one: `{"layercake_report": N`.
pub fn report_version(head: &[u8]) -> Option<u64> {
    let skip_ws = |b: &[u8]| -> usize { b.iter().take_while(|c| c.is_ascii_whitespace()).count() };
    let mut i = skip_ws(head);
    if head.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    i += skip_ws(&head[i..]);
    if !head[i..].starts_with(MAGIC_KEY) {
        return None;
    }
    i += MAGIC_KEY.len();
    i += skip_ws(&head[i..]);
    if head.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    i += skip_ws(&head[i..]);
    let digits: Vec<u8> = head[i..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .take(18)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

// ---- writing ----

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

// ---- reading ----

thread_local! {
    /// Entries still to keep while a report is parsed, and entries dropped.
    static BUDGET: Cell<(usize, usize, usize)> = const { Cell::new((0, 0, 0)) };
}

/// An entry row as read.
#[derive(Deserialize)]
struct EntryIn(
    TextOrBytes,
    String,
    u32,
    u64,
    u64,
    u64,
    i64,
    Option<TextOrBytes>,
);

fn kind_of(letter: &str) -> Option<Kind> {
    Some(match letter {
        "f" => Kind::File,
        "d" => Kind::Dir,
        "l" => Kind::Symlink,
        "h" => Kind::Hardlink,
        "c" => Kind::CharDev,
        "b" => Kind::BlockDev,
        "p" => Kind::Fifo,
        "?" => Kind::Other,
        _ => return None,
    })
}

/// Reads a blob's entry rows, keeping at most [`MAX_LAYER_ENTRIES`] of
/// them and [`MAX_ENTRIES`] over the whole report (the rest are parsed and
/// dropped, never kept), and none whose path is past [`MAX_PATH_BYTES`].
fn entries_within_budget<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Entry>, D::Error> {
    struct Rows;
    impl<'de> Visitor<'de> for Rows {
        type Value = Vec<Entry>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of entry rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Entry>, A::Error> {
            let mut out = Vec::new();
            loop {
                let (left, over, long) = BUDGET.with(Cell::get);
                if left == 0 || out.len() >= MAX_LAYER_ENTRIES {
                    match seq.next_element::<IgnoredAny>()? {
                        Some(_) => BUDGET.with(|b| b.set((left, over + 1, long))),
                        None => break,
                    }
                    continue;
                }
                let Some(row) = seq.next_element::<EntryIn>()? else {
                    break;
                };
                let kind = kind_of(&row.1)
                    .ok_or_else(|| serde::de::Error::custom(format!("entry type {:?}", row.1)))?;
                let path = normalize(&Vec::from(row.0));
                let link: Option<Vec<u8>> = row.7.map(|l| {
                    let l = Vec::from(l);
                    if kind == Kind::Hardlink {
                        normalize(&l)
                    } else {
                        l
                    }
                });
                if path.len() > MAX_PATH_BYTES
                    || link.as_ref().is_some_and(|l| l.len() > MAX_PATH_BYTES)
                {
                    BUDGET.with(|b| b.set((left, over, long + 1)));
                    continue;
                }
                let whiteout = (kind == Kind::File)
                    .then(|| classify(&path).map(|(w, _)| w))
                    .flatten();
                out.push(Entry {
                    path,
                    kind,
                    mode: row.2,
                    uid: row.3,
                    gid: row.4,
                    size: row.5,
                    mtime: row.6,
                    link,
                    whiteout,
                    offset: 0,
                    // a report records no content digests (diff compares sizes then)
                    content: None,
                });
                BUDGET.with(|b| b.set((left - 1, over, long)));
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Rows)
}

#[derive(Deserialize)]
struct BlobIn {
    path: String,
    offset: u64,
    size: u64,
    facts: Option<LayerFacts>,
    #[serde(deserialize_with = "entries_within_budget")]
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct FileIn {
    blob: usize,
    entry: usize,
    data: TextOrBytes,
}

#[derive(Deserialize)]
struct ReportFileIn {
    #[allow(dead_code)]
    layercake_report: u64,
    by: String,
    at: String,
    report: Report,
    blobs: Vec<BlobIn>,
    #[serde(default)]
    files: Vec<FileIn>,
}

/// Reads a report file's JSON (already inflated) into the dissection it
/// records, and reports it to `sink` as the archive's read would be (the
/// archive, its problems, each image; [`Dissection::finish`] reports it
/// finished).
pub(crate) fn read_report_file<R: Read>(src: R, sink: &mut dyn Sink) -> Result<Dissection, Error> {
    let bad = |detail: String| Error::BadReport { detail };
    // parsed as it is read (the text is never held whole), within the budget
    let read = Rc::new(Cell::new(0u64));
    let mut src = Counted {
        inner: src.take(MAX_REPORT_BYTES + 1),
        counter: read.clone(),
    };
    let head = read_up_to(&mut src, 512).map_err(|e| bad(format!("cannot inflate it: {e}")))?;
    let past_limit = || {
        (read.get() > MAX_REPORT_BYTES).then(|| {
            bad(format!(
                "it inflates past MAX_REPORT_BYTES ({MAX_REPORT_BYTES} bytes)"
            ))
        })
    };
    match report_version(&head) {
        Some(REPORT_VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "it is format version {v}; this layercake reads version {REPORT_VERSION}"
            )))
        }
        None => return Err(bad("it does not start with \"layercake_report\"".into())),
    }
    BUDGET.with(|b| b.set((MAX_ENTRIES, 0, 0)));
    let text = io::BufReader::with_capacity(256 * 1024, io::Cursor::new(head).chain(src));
    let parsed: Result<ReportFileIn, _> = serde_json::from_reader(text);
    let (_, over, long) = BUDGET.with(Cell::get);
    if let Some(e) = past_limit() {
        return Err(e);
    }
    let file = parsed.map_err(|e| match e.io_error_kind() {
        Some(_) => bad(format!("cannot inflate it: {e}")),
        None => bad(format!("{e}")),
    })?;
    let mut report = file.report;
    let mut problems = Vec::new();
    if over > 0 {
        problems.push(Problem::new(
            limit!(
                MAX_ENTRIES,
                format!(
                    "the report's entries: {over} past MAX_ENTRIES or MAX_LAYER_ENTRIES not kept"
                )
            ),
            Location::default(),
        ));
    }
    if long > 0 {
        problems.push(Problem::new(
            limit!(
                MAX_PATH_BYTES,
                format!("{long} entry paths or links of the report")
            ),
            Location::default(),
        ));
    }
    if report.images.len() > MAX_IMAGES {
        report.images.truncate(MAX_IMAGES);
        problems.push(Problem::new(
            limit!(MAX_IMAGES, "the report's images"),
            Location::default(),
        ));
    }
    let blobs_n = file.blobs.len();
    for (i, img) in report.images.iter_mut().enumerate() {
        if img.layers.len() > MAX_LAYERS_PER_IMAGE {
            img.layers.truncate(MAX_LAYERS_PER_IMAGE);
            problems.push(Problem::new(
                limit!(MAX_LAYERS_PER_IMAGE, format!("image {i}'s layers")),
                Location::default(),
            ));
        }
        for (j, l) in img.layers.iter().enumerate() {
            if let Some(b) = l.blob.filter(|&b| b >= blobs_n) {
                return Err(bad(format!(
                    "image {i} layer {j} names blob {b}, but it holds {blobs_n} blobs"
                )));
            }
        }
        let layers = img.layers.len();
        if let Some(h) = img
            .history
            .iter()
            .find_map(|h| h.layer.filter(|&l| l >= layers))
        {
            return Err(bad(format!(
                "image {i}'s history names layer {h}, but it has {layers} layers"
            )));
        }
    }
    let blobs: Vec<Blob> = file
        .blobs
        .into_iter()
        .map(|b| Blob {
            path: b.path,
            offset: b.offset,
            size: b.size,
            // a blob the report never read stays unread, not missing
            facts: Some(b.facts.unwrap_or_else(LayerFacts::empty)),
            entries: b.entries,
        })
        .collect();
    let mut files = RecordedFiles::default();
    let mut total = 0u64;
    for f in file.files {
        let data = Vec::from(f.data);
        let size = data.len() as u64;
        let Some(e) = blobs.get(f.blob).and_then(|b| b.entries.get(f.entry)) else {
            continue; // names no entry the report holds: nothing to show it for
        };
        if size > MAX_RECORDED_FILE_BYTES || total + size > MAX_RECORDED_CONTENT_BYTES {
            let which = if size > MAX_RECORDED_FILE_BYTES {
                limit!(
                    MAX_RECORDED_FILE_BYTES,
                    format!("{} ({size} bytes)", e.path_lossy())
                )
            } else {
                limit!(
                    MAX_RECORDED_CONTENT_BYTES,
                    format!("{} and the files before it", e.path_lossy())
                )
            };
            problems.push(Problem::new(which, Location::default()));
            continue;
        }
        total += size;
        files.insert(f.blob, f.entry, data);
    }
    report.problems.extend(problems);
    report.recorded = Some(Recorded {
        by: file.by,
        at: file.at,
        files: files.len(),
    });
    announce(&report, sink);
    Ok(Dissection {
        report,
        blobs,
        recorded: Some(files),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_read_from_the_first_key() {
        assert_eq!(
            report_version(br#"{"layercake_report":1,"by":"x"}"#),
            Some(1)
        );
        assert_eq!(
            report_version(b" {\n  \"layercake_report\" : 27 ,"),
            Some(27)
        );
        assert_eq!(report_version(br#"{"by":"x","layercake_report":1}"#), None);
        assert_eq!(report_version(br#"{"layercake_report":"1"}"#), None);
        assert_eq!(report_version(b"[1]"), None);
        assert_eq!(report_version(b""), None);
    }
}
