//! Reading a report file back into a [`Dissection`], within its budgets
//! (an untrusted input, like an archive).

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::dissect::{announce, Blob, Dissection, Sink};
use crate::entry::{normalize, Entry, Kind, TextOrBytes};
use crate::layer::LayerFacts;
use crate::limits::{
    limit, MAX_ENTRIES, MAX_IMAGES, MAX_LAYERS_PER_IMAGE, MAX_LAYER_ENTRIES, MAX_PATH_BYTES,
    MAX_RECORDED_CONTENT_BYTES, MAX_RECORDED_FILE_BYTES, MAX_REPORT_BYTES,
};
use crate::problem::{Error, Location, Problem};
use crate::report::Report;
use crate::source::{read_up_to, Counted};
use crate::whiteout::classify;

use super::{report_version, Recorded, RecordedFiles, REPORT_VERSION};

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
            inflated: None,
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
    Ok(Dissection::new(report, blobs, Some(files)))
}
