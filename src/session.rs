//! Answers the page's requests about a finished dissection: listings,
//! searches, space, file contents and the JSON export. The worker owns one
//! session per open file; it is plain Rust, tested natively.

use std::collections::HashMap;
use std::io::{Read, Seek};

use crate::contents::read_file;
use crate::dissect::Dissection;
use crate::listing::Listing;
use crate::message::{Reply, Request, View};
use crate::tree::Tree;

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
                    .take(*limit)
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
                let (rows, total) = l.search(query, *marks, *limit);
                Reply::Found {
                    id: *id,
                    view: *view,
                    query: query.clone(),
                    rows: rows.into_iter().cloned().collect(),
                    total,
                }
            }
            Request::Space { id, image, limit } => {
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
                let row = self
                    .listing(*view)?
                    .get(path)
                    .ok_or_else(|| format!("{path} is not in this view"))?;
                let (layer, entry) = row
                    .content
                    .ok_or_else(|| format!("{path} has no content to read"))?;
                let f = self
                    .dissection
                    .locate(view.image, layer, entry)
                    .ok_or_else(|| format!("cannot locate {path}"))?;
                let total = f.offset;
                let mut last = 0;
                let id = *id;
                let bytes = read_file(src, &f, *limit, &mut |done| {
                    if done >= last + (8 << 20) || done == total {
                        last = done;
                        progress(Reply::ReadProgress { id, done, total });
                    }
                })
                .map_err(|e| format!("cannot read {path}: {e}"))?;
                Reply::Contents {
                    id,
                    path: path.clone(),
                    size: f.size,
                    bytes,
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
        | Request::Export { id } => *id,
    }
}
