//! Messages between the page and the dissecting worker. Plain serde types:
//! the page never sees tar, and the worker never sees the DOM.

use serde::{Deserialize, Serialize};

use crate::dissect::Event;
use crate::entry::Entry;
use crate::layer::LayerFacts;
use crate::listing::{Marks, Row, Sort};
use crate::problem::Problem;
use crate::report::{ArchiveInfo, FileStats, Image, Report};
use crate::share::Share;
use crate::tree::Waste;

/// Which filesystem to look at: an image's merged tree, or one of its layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct View {
    pub image: usize,
    pub layer: Option<usize>,
}

/// What the page asks of the worker once a file is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Dissect the archive at a URL (read with Range requests when the
    /// server answers them).
    OpenUrl { url: String },
    /// Read only this share of the next file's layers (several workers
    /// read one file in parallel; share 0 gathers the others' blobs).
    Share { share: Share },
    /// Blobs another worker read (forwarded verbatim from its
    /// [`Reply::Shared`]: the two have the same shape).
    Shared { blobs: Vec<SharedBlob> },
    /// A helper failed: read the blobs still missing yourself.
    ReadMissing,
    /// Children of a directory ("" is the root).
    List {
        id: u32,
        view: View,
        dir: String,
        sort: Sort,
        marks: Marks,
        offset: usize,
        limit: usize,
    },
    /// Paths containing a string.
    Search {
        id: u32,
        view: View,
        query: String,
        marks: Marks,
        limit: usize,
    },
    /// The largest files and the paths that waste space.
    Space { id: u32, image: usize, limit: usize },
    /// The first `limit` bytes of a file, for the preview (never more than
    /// [`PREVIEW_BYTES`](crate::contents::PREVIEW_BYTES)).
    Read {
        id: u32,
        view: View,
        path: String,
        limit: u64,
    },
    /// The whole file, as [`Reply::Chunk`]s then [`Reply::Downloaded`].
    Download { id: u32, view: View, path: String },
    /// The report as `layercake inspect --json` prints it.
    Export { id: u32 },
}

/// One blob read by a helper worker, for the worker that gathers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedBlob {
    pub blob: usize,
    pub facts: LayerFacts,
    pub entries: Vec<Entry>,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// The worker's wasm is loaded; messages sent before this are lost.
    Ready,
    Archive {
        archive: ArchiveInfo,
    },
    Image {
        index: usize,
        image: Box<Image>,
    },
    LayerStarted {
        blob: usize,
        path: String,
        size: u64,
    },
    Progress {
        read: u64,
        total: Option<u64>,
        /// Bytes of uncompressed layer streams walked so far.
        #[serde(default)]
        inflated: u64,
    },
    LayerDone {
        blob: usize,
        path: String,
        facts: LayerFacts,
    },
    Problem {
        problem: Problem,
    },
    Finished {
        report: Box<Report>,
    },
    /// The worker's wasm memory after reading a file, for diagnostics.
    Memory {
        bytes: u64,
    },
    /// A helper's blobs, to forward to the gathering worker.
    Shared {
        blobs: Vec<SharedBlob>,
    },
    /// The input could not be dissected at all.
    Failed {
        message: String,
    },
    /// The server does not answer Range requests: the page must stream
    /// the body and hand it over whole.
    NeedsDownload {
        url: String,
    },
    Rows {
        id: u32,
        view: View,
        dir: String,
        rows: Vec<Row>,
        total: usize,
    },
    /// Search results.
    Found {
        id: u32,
        view: View,
        query: String,
        rows: Vec<Row>,
        total: usize,
    },
    Space {
        id: u32,
        image: usize,
        largest: Vec<Row>,
        waste: Vec<Waste>,
        stats: FileStats,
    },
    Contents {
        id: u32,
        path: String,
        size: u64,
        bytes: Vec<u8>,
    },
    /// A piece of a file being downloaded, in order. The worker posts it as
    /// a transferable `ArrayBuffer` (`{type: "chunk", id, bytes}`), not as
    /// JSON.
    Chunk {
        id: u32,
        bytes: Vec<u8>,
    },
    /// Every piece of a download was sent.
    Downloaded {
        id: u32,
        path: String,
        size: u64,
    },
    /// The worker panicked; it is unusable from now on.
    Crashed {
        message: String,
    },
    /// Bytes of a compressed layer inflated so far, while reading a file.
    ReadProgress {
        id: u32,
        done: u64,
        total: u64,
    },
    Exported {
        id: u32,
        json: String,
    },
    /// A request failed.
    Error {
        id: u32,
        message: String,
    },
}

impl Reply {
    /// The message for a dissection event.
    pub fn from_event(e: &Event<'_>) -> Option<Reply> {
        Some(match e {
            Event::Archive(a) => Reply::Archive {
                archive: (*a).clone(),
            },
            Event::Image { index, image } => Reply::Image {
                index: *index,
                image: Box::new((*image).clone()),
            },
            Event::LayerStarted { blob, path, size } => Reply::LayerStarted {
                blob: *blob,
                path: path.to_string(),
                size: *size,
            },
            Event::Progress {
                read,
                total,
                inflated,
            } => Reply::Progress {
                read: *read,
                total: *total,
                inflated: *inflated,
            },
            Event::LayerDone {
                blob, path, facts, ..
            } => Reply::LayerDone {
                blob: *blob,
                path: path.to_string(),
                facts: (*facts).clone(),
            },
            Event::Problem(p) => Reply::Problem {
                problem: (*p).clone(),
            },
            Event::Finished(r) => Reply::Finished {
                report: Box::new((*r).clone()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_helpers_shared_reply_is_the_gatherers_request() {
        let d = crate::dissect(
            std::io::Cursor::new(crate::sample::build()),
            &crate::Options::default(),
            &mut crate::Quiet,
        )
        .unwrap();
        let blob = d.blobs[1].clone();
        let reply = Reply::Shared {
            blobs: vec![SharedBlob {
                blob: 1,
                facts: blob.facts.clone().unwrap(),
                entries: blob.entries.clone(),
            }],
        };
        let text = serde_json::to_string(&reply).unwrap();
        assert!(text.starts_with(r#"{"type":"shared""#), "{}", &text[..40]);
        match serde_json::from_str::<Request>(&text).unwrap() {
            Request::Shared { blobs } => {
                assert_eq!(blobs[0].entries, blob.entries);
                assert_eq!(Some(&blobs[0].facts), blob.facts.as_ref());
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
