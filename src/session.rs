//! Answers the page's queries about a finished dissection: listings,
//! searches, space and file contents. The worker owns one session per open
//! file; it is plain Rust, so its tests run natively (below, and
//! tests/session.rs).

#![deny(missing_docs)]

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::contents::{read_file, stream_file, FileRef, DOWNLOAD_CHUNK, PREVIEW_BYTES};
use crate::dissect::Dissection;
use crate::listing::Listing;
use crate::message::{Answer, Query, View};
use crate::report_file::write_report_file;
use crate::tree::Tree;

/// The most rows one listing, search or space answer carries, whatever
/// the page asks for (the page pages through the rest).
pub const MAX_ROWS: usize = 10_000;

/// Bytes of a compressed layer inflated between two progress answers.
const PROGRESS_STEP: u64 = 8 << 20;

/// A finished dissection and the listings built from it so far.
pub struct Session {
    /// What the worker found in the file.
    pub dissection: Dissection,
    trees: HashMap<usize, Tree>,
    listings: HashMap<View, Listing>,
}

impl Session {
    /// A session over a finished dissection; listings are built when
    /// first asked for.
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

    /// Which layer and entry wrote the content of `path` (in `view`).
    fn content(&mut self, view: View, path: &str) -> Result<(usize, usize), String> {
        self.listing(view)?
            .get(path)
            .ok_or_else(|| format!("{path} is not in this view"))?
            .content
            .ok_or_else(|| format!("{path} has no content to read"))
    }

    /// The contents of `path` (in `view`) a report holds, or that it does
    /// not; `Ok(None)` when the dissection is not read from a report.
    fn recorded(&mut self, view: View, path: &str) -> Result<Option<Answer>, String> {
        if self.dissection.recorded.is_none() {
            return Ok(None);
        }
        let (layer, entry) = self.content(view, path)?;
        Ok(Some(
            match self.dissection.recorded_contents(view.image, layer, entry) {
                Some(bytes) => Answer::Contents {
                    size: bytes.len() as u64,
                    bytes: bytes.to_vec(),
                },
                None => Answer::NotInReport { path: path.into() },
            },
        ))
    }

    /// Where the content of `path` (in `view`) is.
    fn locate(&mut self, view: View, path: &str) -> Result<FileRef, String> {
        let (layer, entry) = self.content(view, path)?;
        self.dissection
            .locate(view.image, layer, entry)
            .ok_or_else(|| format!("cannot locate {path}"))
    }

    /// Answers one query; `src` is the archive, for reading contents.
    /// Answers that come before the last one (progress, a download's
    /// chunks) go to `early`, in order; a failure is [`Answer::Error`].
    pub fn answer<R: Read + Seek>(
        &mut self,
        query: &Query,
        src: &mut R,
        early: &mut dyn FnMut(Answer),
    ) -> Answer {
        self.try_answer(query, src, early)
            .unwrap_or_else(|message| Answer::Error { message })
    }

    fn try_answer<R: Read + Seek>(
        &mut self,
        query: &Query,
        src: &mut R,
        early: &mut dyn FnMut(Answer),
    ) -> Result<Answer, String> {
        Ok(match query {
            Query::List {
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
                Answer::Rows { rows, total }
            }
            Query::Search {
                view,
                query,
                marks,
                limit,
            } => {
                let l = self.listing(*view)?;
                let (rows, total) = l.search(query, *marks, (*limit).min(MAX_ROWS));
                Answer::Found {
                    rows: rows.into_iter().cloned().collect(),
                    total,
                }
            }
            Query::Space { image, limit } => {
                let limit = (*limit).min(MAX_ROWS);
                let view = View {
                    image: *image,
                    layer: None,
                };
                let largest = self
                    .listing(view)?
                    .largest(limit)
                    .into_iter()
                    .cloned()
                    .collect();
                let tree = &self.trees[image];
                let mut waste = tree.waste();
                waste.truncate(limit);
                Answer::Space {
                    largest,
                    waste,
                    stats: tree.stats(),
                }
            }
            Query::Read { view, path, limit } => {
                if let Some(answer) = self.recorded(*view, path)? {
                    return Ok(match answer {
                        Answer::Contents { size, mut bytes } => {
                            bytes.truncate((*limit).min(PREVIEW_BYTES) as usize);
                            Answer::Contents { size, bytes }
                        }
                        other => other,
                    });
                }
                let f = self.locate(*view, path)?;
                let early = RefCell::new(early);
                let bytes = read_file(
                    src,
                    &f,
                    (*limit).min(PREVIEW_BYTES),
                    &mut stepped(f.offset, &early),
                )
                .map_err(|e| format!("cannot read {path}: {e}"))?;
                Answer::Contents {
                    size: f.size,
                    bytes,
                }
            }
            Query::SaveReport { at } => {
                let files = self.dissection.recorded.clone().unwrap_or_default();
                let bytes = write_report_file(&self.dissection, &files, at, Vec::new())
                    .map_err(|e| format!("cannot write the report: {e}"))?;
                for piece in bytes.chunks(DOWNLOAD_CHUNK) {
                    early(Answer::Chunk {
                        bytes: piece.to_vec(),
                    });
                }
                Answer::Downloaded {
                    size: bytes.len() as u64,
                }
            }
            Query::Download { view, path } => {
                if let Some(answer) = self.recorded(*view, path)? {
                    return Ok(match answer {
                        Answer::Contents { size, bytes } => {
                            early(Answer::Chunk { bytes });
                            Answer::Downloaded { size }
                        }
                        other => other,
                    });
                }
                let f = self.locate(*view, path)?;
                let early = RefCell::new(early);
                // each piece goes out as it is read: nothing is gathered here
                let size = stream_file(src, &f, &mut stepped(f.offset, &early), &mut |b| {
                    (early.borrow_mut())(Answer::Chunk { bytes: b.to_vec() })
                })
                .map_err(|e| format!("cannot read {path}: {e}"))?;
                Answer::Downloaded { size }
            }
            Query::Attestations { image } => Answer::Attestations {
                said: crate::attestation::read_image(src, &self.dissection.report, *image)?,
            },
            Query::Changes { .. } | Query::PackageChanges => {
                return Err("no comparison is open".into())
            }
            Query::Packages { image } => {
                if *image >= self.dissection.report.images.len() {
                    return Err(format!("no image {image}"));
                }
                Answer::Packages {
                    list: crate::packages::read_image(src, &self.dissection, *image),
                }
            }
        })
    }
}

/// Progress while skipping to a file's content: an answer every
/// [`PROGRESS_STEP`] bytes, and at the end.
fn stepped<'a, 'b>(
    total: u64,
    early: &'a RefCell<&'b mut dyn FnMut(Answer)>,
) -> impl FnMut(u64) + use<'a, 'b> {
    let mut last = 0;
    move |done| {
        if done >= last + PROGRESS_STEP || done == total {
            last = done;
            (early.borrow_mut())(Answer::Progress { done, total });
        }
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
        let preview = match s.answer(
            &Query::Read {
                view: VIEW,
                path: "bin/busybox".into(),
                limit: u64::MAX,
            },
            &mut src,
            &mut |_| {},
        ) {
            Answer::Contents { bytes, size } => {
                assert_eq!(size, 96 * 1024);
                bytes
            }
            other => panic!("{other:?}"),
        };
        let mut got = Vec::new();
        let last = s.answer(
            &Query::Download {
                view: VIEW,
                path: "bin/busybox".into(),
            },
            &mut src,
            &mut |a| {
                if let Answer::Chunk { bytes } = a {
                    got.extend(bytes);
                }
            },
        );
        assert_eq!(last, Answer::Downloaded { size: 96 * 1024 });
        assert_eq!(got, preview);
    }

    #[test]
    fn row_limits_are_capped() {
        let (mut s, mut src) = session();
        let r = s.answer(
            &Query::Search {
                view: VIEW,
                query: String::new(),
                marks: crate::listing::Marks::default(),
                limit: usize::MAX,
            },
            &mut src,
            &mut |_| {},
        );
        assert!(matches!(r, Answer::Found { .. }), "{r:?}");
        let r = s.answer(
            &Query::List {
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
            matches!(r, Answer::Rows { ref rows, .. } if rows.is_empty()),
            "{r:?}"
        );
    }
}
