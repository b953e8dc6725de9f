//! The workers' answers as the page keeps them: pages of rows, search
//! results, an opened file, the space view; and how an answer is folded
//! into the state that asked for it.

use std::rc::Rc;

use super::{Changes, State};
use crate::query::{Answer, Query};

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

impl State {
    /// Changes the file shown, if it is `path`.
    fn opened(&mut self, path: &str, change: impl FnOnce(&mut Opened)) {
        if let Some(o) = self.opened.as_mut().filter(|o| o.path == path) {
            change(Rc::make_mut(o));
        }
    }

    /// Folds an answer into what it answers. An answer to a question no
    /// longer asked (another sort, another search) is dropped.
    pub(super) fn answer(&mut self, id: u32, answer: Answer) {
        let last = !matches!(answer, Answer::Progress { .. } | Answer::Chunk { .. });
        let query = if last {
            Rc::make_mut(&mut self.pending).remove(&id)
        } else {
            self.pending.get(&id).cloned()
        };
        let Some(query) = query else { return };
        match (query, answer) {
            (
                Query::List {
                    view,
                    dir,
                    sort,
                    marks,
                    ..
                },
                Answer::Rows { rows, total },
            ) if sort == self.sort && marks == self.marks => {
                let page = Rc::new(RowsPage { rows, total });
                Rc::make_mut(&mut self.listings).insert((view, dir), page);
            }
            (
                Query::Search {
                    view, query, marks, ..
                },
                Answer::Found { rows, total },
            ) if view == self.view() && query == self.query && marks == self.marks => {
                let page = RowsPage { rows, total };
                self.search = Some(Rc::new(Found { query, page }));
            }
            (
                Query::Space { image, .. },
                Answer::Space {
                    largest,
                    waste,
                    stats,
                },
            ) => {
                let space = Rc::new(Space {
                    largest,
                    waste,
                    stats,
                });
                Rc::make_mut(&mut self.space).insert(image, space);
            }
            (Query::Attestations { image }, Answer::Attestations { said }) => {
                Rc::make_mut(&mut self.attestations).insert(image, Rc::new(said));
            }
            (Query::Packages { image }, Answer::Packages { list }) => {
                Rc::make_mut(&mut self.packages).insert(image, Rc::new(list));
            }
            (Query::Changes { filter, search, .. }, Answer::Changes { rows, total }) => self
                .comparing(|c| {
                    c.changes = Some(Rc::new(Changes {
                        filter,
                        search,
                        rows,
                        total,
                    }))
                }),
            (Query::PackageChanges, Answer::PackageChanges { changes }) => {
                self.comparing(|c| c.packages = Some(Rc::new(changes)))
            }
            (Query::Read { path, .. }, Answer::Contents { size, bytes }) => {
                self.opened(&path, |o| {
                    o.size = size;
                    o.bytes = Some(Rc::new(bytes));
                    o.progress = None;
                });
            }
            (
                Query::Read { path, .. } | Query::Download { path, .. },
                Answer::Progress { done, total },
            ) => self.opened(&path, |o| o.progress = Some((done, total))),
            (Query::SaveReport { .. }, Answer::Downloaded { .. }) => self.save_report = None,
            (Query::SaveReport { .. }, Answer::Error { message }) => {
                self.save_report = None;
                self.save_report_error = Some(message);
            }
            (
                Query::Read { path, .. } | Query::Download { path, .. },
                Answer::NotInReport { .. },
            ) => self.opened(&path, |o| {
                o.not_in_report = true;
                o.downloading = None;
                o.progress = None;
            }),
            (Query::Download { path, .. }, Answer::Downloaded { .. }) => {
                self.opened(&path, |o| o.downloading = None)
            }
            (Query::Download { path, .. }, Answer::Error { message }) => self.opened(&path, |o| {
                o.downloading = None;
                o.download_error = Some(message);
            }),
            (Query::Read { path, .. }, Answer::Error { message }) => self.opened(&path, |o| {
                if o.bytes.is_none() {
                    o.error = Some(message);
                    o.progress = None;
                }
            }),
            // a listing, search or space that failed is not asked again
            (query, Answer::Error { .. }) => Rc::make_mut(&mut self.refused).push(query),
            _ => {}
        }
    }
}
