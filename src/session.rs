//! Answers the page's requests about a finished dissection: listings,
//! searches, space, file contents and the JSON export. The worker owns one
//! session per open file; it is plain Rust, tested natively.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::contents::{read_file, stream_file, FileRef, PREVIEW_BYTES};
use crate::dissect::Dissection;
use crate::listing::Listing;
use crate::message::{Reply, Request, View};
use crate::tree::Tree;

/// The most rows one listing, search or space answer carries, whatever
/// the page asks for (the page pages through the rest).
pub const MAX_ROWS: usize = 10_000;

/// Bytes of a compressed layer inflated between two progress messages.
const PROGRESS_STEP: u64 = 8 << 20;

/// A finished dissection and the listings built from it so far.
pub struct Session {
    pub dissection: Dissection,
    trees: HashMap<usize, Tree>,
    listings: HashMap<View, Listing>,
}

impl Session {
    pub fn new(dissection: Dissection) -> Session {
        Session {
            dissection,
            trees: HashMap::new(),
            listings: HashMap::new(),
        }
    }

    fn listing(&mut self, view: View) -> Result<&Listing, String> {
        let images = self.dissection.report.images.len();
        if view.image >= images {
            return Err(format!(
                "image {} does not exist ({images} images)",
                view.image
            ));
        }
        if !self.trees.contains_key(&view.image) {
            let t = self.dissection.tree(view.image);
            self.trees.insert(view.image, t);
        }
        if !self.listings.contains_key(&view) {
            let tree = &self.trees[&view.image];
            let listing = match view.layer {
                None => Listing::merged(tree),
                Some(l) => {
                    let entries = self.dissection.layer_entries(view.image);
                    let e = entries.get(l).ok_or_else(|| {
                        format!("layer {l} does not exist ({} layers)", entries.len())
                    })?;
                    Listing::layer(tree, l, e)
                }
            };
            self.listings.insert(view, listing);
        }
        Ok(&self.listings[&view])
    }

    /// Where the content of `path` (in `view`) is.
    fn locate(&mut self, view: View, path: &str) -> Result<FileRef, String> {
        let row = self
            .listing(view)?
            .get(path)
            .ok_or_else(|| format!("{path} is not in this view"))?;
        let (layer, entry) = row
            .content
            .ok_or_else(|| format!("{path} has no content to read"))?;
        self.dissection
            .locate(view.image, layer, entry)
            .ok_or_else(|| format!("cannot locate {path}"))
    }

    /// Answers one request; `src` is the archive, for reading contents.
    pub fn handle<R: Read + Seek>(
        &mut self,
        req: &Request,
        src: &mut R,
        progress: &mut dyn FnMut(Reply),
    ) -> Reply {
        match self.answer(req, src, progress) {
            Ok(r) => r,
            Err(message) => Reply::Error {
                id: request_id(req),
                message,
            },
        }
    }

    fn answer<R: Read + Seek>(
        &mut self,
        req: &Request,
        src: &mut R,
        progress: &mut dyn FnMut(Reply),
    ) -> Result<Reply, String> {
        Ok(match req {
            Request::OpenUrl { .. }
            | Request::Share { .. }
            | Request::Shared { .. }
            | Request::ReadMissing => return Err("a file is already open".into()),
            Request::List {
                id,
                view,
                dir,
                sort,
                marks,
                offset,
                limit,
            } => {
                let l = self.listing(*view)?;
                let all = l.children(dir, *sort, *marks);
                let total = all.len();
                let rows = all
                    .into_iter()
                    .skip(*offset)
                    .take((*limit).min(MAX_ROWS))
                    .cloned()
                    .collect();
                Reply::Rows {
                    id: *id,
                    view: *view,
                    dir: dir.clone(),
                    rows,
                    total,
                }
            }
            Request::Search {
                id,
                view,
                query,
                marks,
                limit,
            } => {
                let l = self.listing(*view)?;
                let (rows, total) = l.search(query, *marks, (*limit).min(MAX_ROWS));
                Reply::Found {
                    id: *id,
                    view: *view,
                    query: query.clone(),
                    rows: rows.into_iter().cloned().collect(),
                    total,
                }
            }
            Request::Space { id, image, limit } => {
                let limit = &(*limit).min(MAX_ROWS);
                let view = View {
                    image: *image,
                    layer: None,
                };
                let largest = self
                    .listing(view)?
                    .largest(*limit)
                    .into_iter()
                    .cloned()
                    .collect();
                let tree = &self.trees[image];
                let mut waste = tree.waste();
                waste.truncate(*limit);
                Reply::Space {
                    id: *id,
                    image: *image,
                    largest,
                    waste,
                    stats: tree.stats(),
                }
            }
            Request::Read {
                id,
                view,
                path,
                limit,
            } => {
                let f = self.locate(*view, path)?;
                let id = *id;
                let progress = RefCell::new(progress);
                let bytes = read_file(
                    src,
                    &f,
                    (*limit).min(PREVIEW_BYTES),
                    &mut stepped(id, f.offset, &progress),
                )
                .map_err(|e| format!("cannot read {path}: {e}"))?;
                Reply::Contents {
                    id,
                    path: path.clone(),
                    size: f.size,
                    bytes,
                }
            }
            Request::Download { id, view, path } => {
                let f = self.locate(*view, path)?;
                let id = *id;
                let progress = RefCell::new(progress);
                // each piece goes out as it is read: nothing is gathered here
                let size = stream_file(src, &f, &mut stepped(id, f.offset, &progress), &mut |b| {
                    (progress.borrow_mut())(Reply::Chunk {
                        id,
                        bytes: b.to_vec(),
                    })
                })
                .map_err(|e| format!("cannot read {path}: {e}"))?;
                Reply::Downloaded {
                    id,
                    path: path.clone(),
                    size,
                }
            }
            Request::Export { id } => Reply::Exported {
                id: *id,
                json: serde_json::to_string_pretty(&self.dissection.report)
                    .map_err(|e| e.to_string())?,
            },
        })
    }
}

/// Progress while skipping to a file's content: a message every
/// [`PROGRESS_STEP`] bytes, and at the end.
fn stepped<'a, 'b>(
    id: u32,
    total: u64,
    progress: &'a RefCell<&'b mut dyn FnMut(Reply)>,
) -> impl FnMut(u64) + use<'a, 'b> {
    let mut last = 0;
    move |done| {
        if done >= last + PROGRESS_STEP || done == total {
            last = done;
            (progress.borrow_mut())(Reply::ReadProgress { id, done, total });
        }
    }
}

fn request_id(req: &Request) -> u32 {
    match req {
        Request::OpenUrl { .. }
        | Request::Share { .. }
        | Request::Shared { .. }
        | Request::ReadMissing => 0,
        Request::List { id, .. }
        | Request::Search { id, .. }
        | Request::Space { id, .. }
        | Request::Read { id, .. }
        | Request::Download { id, .. }
        | Request::Export { id } => *id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn session() -> (Session, Cursor<Vec<u8>>) {
        let bytes = crate::sample::build();
        let d = crate::dissect(
            Cursor::new(bytes.clone()),
            &crate::Options::default(),
            &mut crate::Quiet,
        )
        .unwrap();
        (Session::new(d), Cursor::new(bytes))
    }

    const VIEW: View = View {
        image: 0,
        layer: None,
    };

    #[test]
    fn a_download_is_chunks_then_downloaded() {
        let (mut s, mut src) = session();
        let preview = match s.handle(
            &Request::Read {
                id: 1,
                view: VIEW,
                path: "bin/busybox".into(),
                limit: u64::MAX,
            },
            &mut src,
            &mut |_| {},
        ) {
            Reply::Contents { bytes, size, .. } => {
                assert_eq!(size, 96 * 1024);
                bytes
            }
            other => panic!("{other:?}"),
        };
        let mut got = Vec::new();
        let last = s.handle(
            &Request::Download {
                id: 2,
                view: VIEW,
                path: "bin/busybox".into(),
            },
            &mut src,
            &mut |r| {
                if let Reply::Chunk { id, bytes } = r {
                    assert_eq!(id, 2);
                    got.extend(bytes);
                }
            },
        );
        assert_eq!(
            last,
            Reply::Downloaded {
                id: 2,
                path: "bin/busybox".into(),
                size: 96 * 1024
            }
        );
        assert_eq!(got, preview);
    }

    #[test]
    fn row_limits_are_capped() {
        let (mut s, mut src) = session();
        let r = s.handle(
            &Request::Search {
                id: 3,
                view: VIEW,
                query: String::new(),
                marks: crate::listing::Marks::default(),
                limit: usize::MAX,
            },
            &mut src,
            &mut |_| {},
        );
        assert!(matches!(r, Reply::Found { .. }), "{r:?}");
        let r = s.handle(
            &Request::List {
                id: 4,
                view: VIEW,
                dir: String::new(),
                sort: crate::listing::Sort::Name,
                marks: crate::listing::Marks::default(),
                offset: usize::MAX,
                limit: usize::MAX,
            },
            &mut src,
            &mut |_| {},
        );
        assert!(
            matches!(r, Reply::Rows { ref rows, .. } if rows.is_empty()),
            "{r:?}"
        );
    }
}
