//! What the page asks of a finished dissection (listings, searches, space,
//! file contents, packages, attestations, a comparison's changes) and the
//! worker's answers: the part of the protocol ([`crate::message`]) that a
//! [`Session`](crate::session::Session) answers.

#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::against::ChangeFilter;
use crate::attestation::Said;
use crate::diff::{FileChange, PackageChange};
use crate::listing::{Marks, Row, Sort};
use crate::packages::PackageList;
use crate::report::FileStats;
use crate::tree::Waste;

/// Which filesystem to look at: an image's merged tree, or one of its layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct View {
    /// The image, by its place in the report.
    pub image: usize,
    /// One of its layers (from the base, 0), or `None` for the merged tree.
    pub layer: Option<usize>,
}

/// A question about a finished dissection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Query {
    /// Children of a directory ("" is the root), `limit` of them from
    /// `offset`: answered by [`Answer::Rows`].
    List {
        /// The filesystem.
        view: View,
        /// The directory, without a trailing slash ("" is the root).
        dir: String,
        /// The order of the rows.
        sort: Sort,
        /// Which changes to show.
        marks: Marks,
        /// Rows to skip.
        offset: usize,
        /// Rows at most (never more than [`MAX_ROWS`](crate::session::MAX_ROWS)).
        limit: usize,
    },
    /// Paths containing a string: answered by [`Answer::Found`].
    Search {
        /// The filesystem.
        view: View,
        /// What the paths contain (case-insensitive).
        query: String,
        /// Which changes to show.
        marks: Marks,
        /// Rows at most (never more than [`MAX_ROWS`](crate::session::MAX_ROWS)).
        limit: usize,
    },
    /// An image's largest files and the paths that waste space: answered
    /// by [`Answer::Space`].
    Space {
        /// The image, by its place in the report.
        image: usize,
        /// Rows at most of each list.
        limit: usize,
    },
    /// The first `limit` bytes of a file, for the preview (never more than
    /// [`PREVIEW_BYTES`](crate::contents::PREVIEW_BYTES)): answered by
    /// [`Answer::Progress`]es, then [`Answer::Contents`].
    Read {
        /// The filesystem.
        view: View,
        /// The file's path.
        path: String,
        /// Bytes at most.
        limit: u64,
    },
    /// A report file (`.layercake.json.gz`) of what is open, recorded at
    /// `at`: answered by [`Answer::Chunk`]s in order, then
    /// [`Answer::Downloaded`].
    SaveReport {
        /// When, as RFC 3339 (the page's clock).
        at: String,
    },
    /// The whole file: answered by [`Answer::Progress`]es, then
    /// [`Answer::Chunk`]s in order, then [`Answer::Downloaded`].
    Download {
        /// The filesystem.
        view: View,
        /// The file's path.
        path: String,
    },
    /// What an image's attestations, signatures and referrers say (their
    /// blobs read and parsed now, within the attestation limits):
    /// answered by [`Answer::Attestations`].
    Attestations {
        /// The image, by its place in the report.
        image: usize,
    },
    /// The OS and language packages of an image (their few files read
    /// now, within the package limits): answered by [`Answer::Packages`].
    Packages {
        /// The image, by its place in the report.
        image: usize,
    },
    /// The file changes of the comparison that `filter` keeps and whose
    /// path holds `search`: answered by [`Answer::Changes`].
    Changes {
        /// Which kinds of change.
        filter: ChangeFilter,
        /// What the paths contain (case-insensitive; "" for all).
        search: String,
        /// Rows at most (never more than
        /// [`MAX_CHANGES_SENT`](crate::limits::MAX_CHANGES_SENT)).
        limit: usize,
    },
    /// The package changes between the compared images (both images'
    /// package files read now): answered by [`Answer::PackageChanges`].
    PackageChanges,
}

/// An answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Answer {
    /// A page of a directory's children, and how many it has in all.
    Rows {
        /// The rows asked for.
        rows: Vec<Row>,
        /// Children in all.
        total: usize,
    },
    /// Search results, and how many paths match in all.
    Found {
        /// The first matches, by path.
        rows: Vec<Row>,
        /// Matches in all.
        total: usize,
    },
    /// The largest files, the wasted space, and the image's file stats.
    Space {
        /// The largest files, biggest first.
        largest: Vec<Row>,
        /// The paths whose bytes a later layer hides, most wasted first.
        waste: Vec<Waste>,
        /// The image's paths, bytes and efficiency.
        stats: FileStats,
    },
    /// Bytes of a compressed layer inflated so far to reach a file being
    /// read or downloaded, of `total` (the file's offset in the stream).
    Progress {
        /// Bytes inflated so far.
        done: u64,
        /// Bytes to inflate in all.
        total: u64,
    },
    /// The start of a file (the preview), and the file's whole size.
    Contents {
        /// The file's size.
        size: u64,
        /// Its first bytes.
        bytes: Vec<u8>,
    },
    /// A piece of a file being downloaded, in order. Posted as a
    /// transferable `ArrayBuffer` (`{chunk: id, bytes}`), never as JSON.
    Chunk {
        /// The piece.
        bytes: Vec<u8>,
    },
    /// Every piece of a download was sent: `size` bytes in all.
    Downloaded {
        /// Bytes sent in all.
        size: u64,
    },
    /// What each of an image's attachments says, attestations first.
    Attestations {
        /// One per attachment, in the image's order.
        said: Vec<Said>,
    },
    /// The file is opened from a report that does not hold its contents
    /// (`layercake report --include PATH` would have added them).
    NotInReport {
        /// The file's path.
        path: String,
    },
    /// An image's packages.
    Packages {
        /// What its package files list.
        list: PackageList,
    },
    /// File changes of the comparison, by path, and how many match in
    /// all (more than `rows` holds when the answer is cut).
    Changes {
        /// The first matches.
        rows: Vec<FileChange>,
        /// Matches in all.
        total: usize,
    },
    /// The package changes between the compared images.
    PackageChanges {
        /// Added, removed and changed packages.
        changes: Vec<PackageChange>,
    },
    /// The query failed.
    Error {
        /// Why, in words.
        message: String,
    },
}
