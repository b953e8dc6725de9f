//! The workers' answers as the page keeps them: pages of rows, search
//! results, an opened file, the space view.

use std::rc::Rc;

use crate::listing::Row;
use crate::report::FileStats;
use crate::tree::Waste;

/// A page of a directory listing, or search results.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsPage {
    /// The rows.
    pub rows: Vec<Row>,
    /// Rows in all.
    pub total: usize,
}

/// Search results, for the query they answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The query answered.
    pub query: String,
    /// Its results.
    pub page: RowsPage,
}

/// A file whose contents are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    /// The file's path.
    pub path: String,
    /// Its size (once the worker says).
    pub size: u64,
    /// Its first bytes, once read.
    pub bytes: Option<Rc<Vec<u8>>>,
    /// Bytes inflated to reach the file, of how many.
    pub progress: Option<(u64, u64)>,
    /// Why it cannot be read.
    pub error: Option<String>,
    /// Bytes of the whole file received so far, while downloading it.
    pub downloading: Option<u64>,
    /// Why the download failed.
    pub download_error: Option<String>,
    /// The page shows a report that does not hold this file's contents.
    pub not_in_report: bool,
}

impl Opened {
    /// A file just opened: nothing read yet.
    pub fn new(path: String) -> Opened {
        Opened {
            path,
            size: 0,
            bytes: None,
            progress: None,
            error: None,
            downloading: None,
            download_error: None,
            not_in_report: false,
        }
    }

    /// The whole file is in the preview.
    pub fn complete(&self) -> bool {
        self.bytes
            .as_ref()
            .is_some_and(|b| b.len() as u64 >= self.size)
    }
}

/// An image's largest files and wasted space.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    /// The largest files, biggest first.
    pub largest: Vec<Row>,
    /// The paths whose bytes a later layer hides.
    pub waste: Vec<Waste>,
    /// The image's paths, bytes and efficiency.
    pub stats: FileStats,
}
