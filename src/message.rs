//! The protocol between the page and its dissecting workers. Plain serde
//! types: the page never sees tar, and the worker never sees the DOM.
//!
//! The page sends a worker [`ToWorker`]: a [`Command`] about the file's
//! lifecycle (open it, gather the other workers' shares of it), or a
//! [`Query`] about the finished dissection, numbered by the page. The
//! worker sends back [`ToPage`]: an [`Update`] as the dissection goes
//! (the page's reducer folds them into its state), one [`Answer`] or more
//! per query, with the query's id, and a few messages about the worker
//! itself.
//!
//! On the wire, a message is its JSON text, with three exceptions, each
//! a plain JS object so that the large part is never JSON:
//! - opening a file: `{command, blob}`, `command` being the text of a
//!   [`Command::OpenBlob`] (or [`Command::Compare`]) and `blob` the
//!   `Blob` it names (so a worker always learns its share with the file,
//!   never apart from it);
//! - a piece of a download: `{chunk: id, bytes}`, `bytes` a transferred
//!   `ArrayBuffer` ([`Answer::Chunk`] never goes as JSON);
//! - a helper's blobs: `{forward}`, `forward` the text of a
//!   [`Command::Gather`], for the page to hand to the gathering worker
//!   unread (see [`gather_text`]).

#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

pub use crate::query::{Answer, Query, View};
pub use profile::Profile;

mod profile;

use crate::diff::Diff;
use crate::dissect::Event;
use crate::entry::Entry;
use crate::layer::LayerFacts;
use crate::problem::Problem;
use crate::report::{ArchiveInfo, Image, Report};
use crate::share::Share;

/// Everything the page sends a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ToWorker {
    /// The file's lifecycle.
    Command {
        /// What to do.
        command: Command,
    },
    /// A question about the finished dissection.
    Query {
        /// The query's number, chosen by the page; every answer carries it.
        id: u32,
        /// What is asked.
        query: Query,
    },
}

/// The file's lifecycle: what a worker reads, and how the workers that
/// share one file put their parts together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Dissect the `Blob` that travels with this message. With a share,
    /// read only that share of the layers (several workers read one file
    /// in parallel; share 0 gathers the others' blobs).
    OpenBlob {
        /// This worker's share, when several read the file.
        share: Option<Share>,
    },
    /// Dissect the archive at a URL (read with Range requests when the
    /// server answers them; else the worker answers
    /// [`ToPage::NeedsDownload`]).
    OpenUrl {
        /// The archive's absolute URL.
        url: String,
    },
    /// Blobs a helper read, for the gathering worker (share 0).
    Gather {
        /// The blobs the helper read.
        blobs: Vec<SharedBlob>,
    },
    /// A helper failed or died: the gathering worker reads the blobs
    /// still missing itself.
    ReadMissing,
    /// For the gathering worker, once the file is open: read the `Blob`
    /// that travels with this message as image B and compare image
    /// `image` of the open file with B's first image (see
    /// [`crate::against`]). Answered by [`Update::CompareProgress`]es, then
    /// [`Update::Compared`] or [`Update::CompareFailed`]; the worker then
    /// answers [`Query::Changes`] and [`Query::PackageChanges`].
    Compare {
        /// A's image, by its place in the report.
        image: usize,
    },
}

/// One blob read by a helper worker, for the worker that gathers them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedBlob {
    /// The blob's number in the dissection.
    pub blob: usize,
    /// What reading it found.
    pub facts: LayerFacts,
    /// Its tar entries.
    pub entries: Vec<Entry>,
}

/// A layer member of a one-pass read, read by the worker it was handed
/// to (see [`crate::Relay`]), for the worker walking the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelayedMember {
    /// Its number among the members handed on (from 0).
    pub member: usize,
    /// What reading it found.
    pub facts: LayerFacts,
    /// Its tar entries.
    pub entries: Vec<Entry>,
}

/// Everything a worker sends the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    /// The worker's wasm is loaded; messages sent before this are lost
    /// (the page holds them back until then).
    Ready,
    /// How the dissection goes.
    Update {
        /// What happened.
        update: Update,
    },
    /// An answer to a query.
    Answer {
        /// The query's number.
        id: u32,
        /// The answer.
        answer: Answer,
    },
    /// The server does not answer Range requests: the page must stream
    /// the body and hand it over whole, as a `Blob`.
    NeedsDownload {
        /// The URL, as the worker was given it.
        url: String,
    },
    /// The worker's wasm memory after reading a file, for diagnostics.
    Memory {
        /// Bytes of wasm memory.
        bytes: u64,
    },
    /// Where this worker's time went, posted when its part of a file is
    /// done; only when the page runs with `?profile=1` (it then starts the
    /// workers with `profile=1` in their URL).
    Profile {
        /// The worker's phases.
        profile: Profile,
    },
    /// The worker panicked; it is unusable from now on.
    Crashed {
        /// The panic's message.
        message: String,
    },
}

/// One step of a dissection: the core's [`Event`]s, and its failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Update {
    /// The outer archive: size, compression, formats, documents.
    Archive {
        /// The archive's facts.
        archive: ArchiveInfo,
    },
    /// An image, with its manifest, config and history (before any of
    /// its layers is read); `index` is its place in the report.
    Image {
        /// Its place in the report.
        index: usize,
        /// The image (its layers' facts come as they are read).
        image: Box<Image>,
    },
    /// A member of a one-pass read was hashed and walked, before the
    /// manifest that may name it as a layer is read.
    MemberRead {
        /// Its path in the archive.
        path: String,
        /// What reading it found.
        facts: LayerFacts,
    },
    /// A layer blob began to be read.
    LayerStarted {
        /// The blob's number.
        blob: usize,
        /// Its member in the archive.
        path: String,
        /// Its bytes in the archive.
        size: u64,
    },
    /// Bytes read of the file (of `total`, when known), and bytes of
    /// uncompressed layer streams walked so far.
    Progress {
        /// Bytes of the file read.
        read: u64,
        /// The file's bytes, when known.
        total: Option<u64>,
        /// Bytes of uncompressed layer streams walked.
        #[serde(default)]
        inflated: u64,
    },
    /// A layer blob was read: its entries' counts, digests, checks.
    LayerDone {
        /// The blob's number.
        blob: usize,
        /// Its member in the archive.
        path: String,
        /// What reading it found.
        facts: LayerFacts,
    },
    /// Something odd, as soon as it is found.
    Problem {
        /// The problem, and where it happened.
        problem: Problem,
    },
    /// The whole report; the worker answers queries from now on.
    Finished {
        /// The report, as `layercake inspect --json` prints it.
        report: Box<Report>,
    },
    /// The input could not be dissected at all.
    Failed {
        /// Why, in words.
        message: String,
    },
    /// Bytes read so far for a comparison ([`Command::Compare`]): A's
    /// layers again (for per-file digests), then B.
    CompareProgress {
        /// What is being read: `a` or `b`.
        side: String,
        /// Bytes read of that file.
        read: u64,
        /// That file's bytes, when known.
        total: Option<u64>,
    },
    /// The comparison is done.
    Compared {
        /// B's report.
        report: Box<Report>,
        /// The comparison, without its file changes (asked for with
        /// [`Query::Changes`]) and with at most
        /// [`MAX_CHANGED_DIRS_SENT`](crate::limits::MAX_CHANGED_DIRS_SENT)
        /// directory totals.
        diff: Box<Diff>,
    },
    /// The comparison failed (A stays open).
    CompareFailed {
        /// Why, in words.
        message: String,
    },
}

impl Update {
    /// The update for a dissection event.
    pub fn from_event(e: &Event<'_>) -> Update {
        match e {
            Event::Archive(a) => Update::Archive {
                archive: (*a).clone(),
            },
            Event::Image { index, image } => Update::Image {
                index: *index,
                image: Box::new((*image).clone()),
            },
            Event::MemberRead { path, facts } => Update::MemberRead {
                path: path.to_string(),
                facts: (*facts).clone(),
            },
            Event::LayerStarted { blob, path, size } => Update::LayerStarted {
                blob: *blob,
                path: path.to_string(),
                size: *size,
            },
            Event::Progress {
                read,
                total,
                inflated,
            } => Update::Progress {
                read: *read,
                total: *total,
                inflated: *inflated,
            },
            Event::LayerDone {
                blob, path, facts, ..
            } => Update::LayerDone {
                blob: *blob,
                path: path.to_string(),
                facts: (*facts).clone(),
            },
            Event::Problem(p) => Update::Problem {
                problem: (*p).clone(),
            },
            Event::Finished(r) => Update::Finished {
                report: Box::new((*r).clone()),
            },
        }
    }
}

/// The text of a [`ToWorker`] command for the gathering worker, carrying
/// a helper's blobs: the helper writes it, the page forwards it unread.
pub fn gather_text(blobs: Vec<SharedBlob>) -> serde_json::Result<String> {
    serde_json::to_string(&ToWorker::Command {
        command: Command::Gather { blobs },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::against::ChangeFilter;

    #[test]
    fn a_helpers_blobs_read_as_a_gather_command() {
        let d = crate::dissect(
            std::io::Cursor::new(crate::sample::build()),
            &crate::Options::default(),
            &mut crate::Quiet,
        )
        .unwrap();
        let blob = d.blobs[1].clone();
        let text = gather_text(vec![SharedBlob {
            blob: 1,
            facts: blob.facts.clone().unwrap(),
            entries: blob.entries.clone(),
        }])
        .unwrap();
        match serde_json::from_str::<ToWorker>(&text).unwrap() {
            ToWorker::Command {
                command: Command::Gather { blobs },
            } => {
                assert_eq!(blobs[0].entries, blob.entries);
                assert_eq!(Some(&blobs[0].facts), blob.facts.as_ref());
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn messages_round_trip() {
        let view = View {
            image: 1,
            layer: Some(2),
        };
        for m in [
            ToWorker::Command {
                command: Command::OpenBlob {
                    share: Some(Share { index: 1, of: 3 }),
                },
            },
            ToWorker::Command {
                command: Command::ReadMissing,
            },
            ToWorker::Command {
                command: Command::Compare { image: 2 },
            },
            ToWorker::Query {
                id: 8,
                query: Query::Changes {
                    filter: ChangeFilter::default(),
                    search: "app/".into(),
                    limit: 100,
                },
            },
            ToWorker::Query {
                id: 9,
                query: Query::PackageChanges,
            },
            ToWorker::Query {
                id: 7,
                query: Query::Read {
                    view,
                    path: "etc/passwd".into(),
                    limit: 10,
                },
            },
        ] {
            let text = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<ToWorker>(&text).unwrap(), m);
        }
        for m in [
            ToPage::Ready,
            ToPage::Profile {
                profile: Profile {
                    read_ms: 1.5,
                    reads: 2,
                    ..Profile::default()
                },
            },
            ToPage::Answer {
                id: 3,
                answer: Answer::Downloaded { size: 5 },
            },
            ToPage::Update {
                update: Update::Progress {
                    read: 1,
                    total: None,
                    inflated: 2,
                },
            },
            ToPage::Update {
                update: Update::CompareProgress {
                    side: "b".into(),
                    read: 1,
                    total: Some(2),
                },
            },
            ToPage::Update {
                update: Update::CompareFailed {
                    message: "no".into(),
                },
            },
        ] {
            let text = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<ToPage>(&text).unwrap(), m);
        }
    }
}
