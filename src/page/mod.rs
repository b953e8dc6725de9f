//! The page's state and its reducer, as in Yew's `function_todomvc`
//! example: plain Rust, no browser type, nothing logged, so it is tested
//! natively (below). The browser wires it up in `web/state.rs`.
//!
//! Data walks one way: the workers' [`Update`](crate::message::Update)s and [`Answer`](crate::message::Answer)s and the
//! reader's choices come in as [`Action`]s; [`reduce`] folds them into a new
//! [`State`]; the views render it; and [`State::wanted`] says which
//! [`Query`]s the views need that nobody asked yet, for the root to ask.
//!
//! A new state shares what did not change with the old one: the heavy
//! parts are behind `Rc`, so a progress tick copies a few numbers.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::rc::Rc;

use crate::attestation::Said;
use crate::layer::LayerFacts;
use crate::listing::{Marks, Sort};
use crate::message::{Query, View};
use crate::packages::PackageList;
use crate::problem::Problem;
use crate::report::{ArchiveInfo, Image, Report};

/// Rows asked per directory; the rest are reached by search.
pub const PAGE: usize = 500;
/// Rows asked for the largest files and the wasted space.
pub const SPACE_ROWS: usize = 20;
/// The members of a one-pass read drawn as they arrive, before the
/// manifest: 128, the most layers overlayfs stacks (Docker refuses an
/// image of more). More are counted, not drawn; drawing a thousand bands
/// at once held the page for 180 ms.
pub const ARRIVING_SHOWN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Where the page is (the `data-state` attribute says it).
pub enum Phase {
    /// Nothing opened yet.
    Landing,
    /// A file is being read.
    Loading,
    /// Read: every view can be shown.
    Done,
    /// The file cannot be read, nothing was found in it, or the reader crashed.
    Error,
    /// The reader pressed Stop: every worker is ended.
    Stopped,
}

impl Phase {
    /// The `data-state` test hook.
    pub fn attr(self) -> &'static str {
        match self {
            Phase::Landing => "idle",
            Phase::Loading => "loading",
            Phase::Done => "done",
            Phase::Error => "error",
            Phase::Stopped => "stopped",
        }
    }
}

mod action;
mod answers;
mod compare;
mod params;
mod reducer;

pub use action::Action;
pub use answers::*;
pub use compare::*;
pub use params::*;
pub use reducer::reduce;

/// How far the read is: what a progress tick changes, and nothing else.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    /// When reading started (ms).
    pub started: f64,
    /// The time of the latest news (ms).
    pub now: f64,
    /// Bytes read by the gathering worker (or fetched).
    pub read: u64,
    /// The file's bytes, when known.
    pub total: Option<u64>,
    /// Bytes of uncompressed layer streams walked by the gathering worker.
    pub inflated: u64,
    /// Bytes read by the helpers, summed.
    pub helpers_read: u64,
    /// Bytes inflated by the helpers, summed.
    pub helpers_inflated: u64,
    /// Layer blobs begun.
    pub blobs_started: usize,
    /// Layer blobs read.
    pub blobs_done: usize,
    /// Distinct layer blobs of the images known so far.
    pub blobs_total: usize,
}

impl Reading {
    /// Bytes read so far by every worker.
    pub fn bytes_read(&self) -> u64 {
        let all = self.read + self.helpers_read;
        self.total.map_or(all, |t| all.min(t))
    }

    /// Bytes of uncompressed layer streams walked so far by every worker.
    pub fn bytes_inflated(&self) -> u64 {
        self.inflated + self.helpers_inflated
    }
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Where the page is.
    pub phase: Phase,
    /// The file's name.
    pub file_name: Option<String>,
    /// How far the read is.
    pub reading: Reading,
    /// Per helper worker, bytes read and inflated (summed in `reading`).
    pub helpers: Rc<HashMap<usize, (u64, u64)>>,
    /// What the views show of the archive: known as the workers find it,
    /// and settled from the final report.
    pub archive: Option<Rc<ArchiveInfo>>,
    /// The images, in the report's order.
    pub images: Rc<Vec<Rc<Image>>>,
    /// Facts of each layer blob read, by blob number.
    pub blobs: Rc<HashMap<usize, Rc<LayerFacts>>>,
    /// A one-pass read's members read before the manifest numbers them
    /// (shown as they come), at most [`ARRIVING_SHOWN`].
    pub arriving: Rc<Vec<(String, Rc<LayerFacts>)>>,
    /// Members read past the [`ARRIVING_SHOWN`] drawn.
    pub arriving_more: usize,
    /// Every problem, where it happened (all of the report's, once finished).
    pub problems: Rc<Vec<Problem>>,
    /// The final report, kept whole only for Export JSON.
    pub report: Option<Rc<Report>>,
    /// A report file of what is open was asked for, recorded at this time.
    pub save_report: Option<String>,
    /// Why saving a report failed.
    pub save_report_error: Option<String>,
    /// Why nothing (more) is read.
    pub failure: Option<String>,
    /// The gathering worker died (the failure says why).
    pub crashed: bool,
    /// The image shown.
    pub image: usize,
    /// The layer the files tab shows (`None`: the merged tree).
    pub layer: Option<usize>,
    /// The tab shown.
    pub tab: Tab,
    /// The order of the files tree.
    pub sort: Sort,
    /// Which changes the files tab shows.
    pub marks: Marks,
    /// The search typed.
    pub query: String,
    /// The open directories of the files tree.
    pub expanded: Rc<Vec<String>>,
    /// The rows of each directory, by view and directory, as answered.
    pub listings: Rc<HashMap<(View, String), Rc<RowsPage>>>,
    /// The results of the search, once answered.
    pub search: Option<Rc<Found>>,
    /// Each image's space, as answered.
    pub space: Rc<HashMap<usize, Rc<Space>>>,
    /// What each image's attestations say, as answered (asked only when
    /// the Attestations view is open).
    pub attestations: Rc<HashMap<usize, Rc<Vec<Said>>>>,
    /// Each image's installed packages, as answered (asked only when the
    /// Packages view is open).
    pub packages: Rc<HashMap<usize, Rc<PackageList>>>,
    /// The package search typed (the SBOM packages of the Attestations
    /// view, the installed packages of the Packages view).
    pub package_query: String,
    /// The file shown.
    pub opened: Option<Rc<Opened>>,
    /// Queries asked and not answered yet, by number.
    pub pending: Rc<HashMap<u32, Query>>,
    /// Queries that failed: not asked again for this file.
    pub refused: Rc<Vec<Query>>,
    /// The archive's URL, when loaded with `?src=`.
    pub src: Option<String>,
    /// Embedded in another page: one compact view.
    pub embed: bool,
    /// The theme the URL names.
    pub theme: Option<String>,
    /// The embedding page's origin, from the URL.
    pub parent: Option<String>,
    /// A deep link to apply once the dissection finishes.
    pub deep: Option<Rc<Params>>,
    /// Milliseconds from the file being handed over to the first image
    /// being known (manifest, config and history).
    pub first_image_ms: Option<f64>,
    /// Milliseconds from the file being handed over to the end.
    pub done_ms: Option<f64>,
    /// The URL of a second image to compare with, from `?against=`, until
    /// it is opened.
    pub against: Option<String>,
    /// The comparison with a second image, once asked for.
    pub compare: Option<Rc<Compare>>,
    /// The comparison's view shown.
    pub compare_view: CompareView,
    /// Which file changes the comparison's Changes view shows.
    pub change_filter: crate::against::ChangeFilter,
    /// The search typed in the Changes view.
    pub change_search: String,
}

impl Default for State {
    fn default() -> State {
        State {
            phase: Phase::Landing,
            file_name: None,
            reading: Reading::default(),
            helpers: Rc::default(),
            archive: None,
            images: Rc::default(),
            blobs: Rc::default(),
            arriving: Rc::default(),
            arriving_more: 0,
            problems: Rc::default(),
            report: None,
            save_report: None,
            save_report_error: None,
            failure: None,
            crashed: false,
            image: 0,
            layer: None,
            tab: Tab::Cake,
            sort: Sort::Name,
            marks: Marks::default(),
            query: String::new(),
            expanded: Rc::default(),
            listings: Rc::default(),
            search: None,
            space: Rc::default(),
            attestations: Rc::default(),
            packages: Rc::default(),
            package_query: String::new(),
            opened: None,
            pending: Rc::default(),
            refused: Rc::default(),
            src: None,
            embed: false,
            theme: None,
            parent: None,
            deep: None,
            first_image_ms: None,
            done_ms: None,
            against: None,
            compare: None,
            compare_view: CompareView::Cake,
            change_filter: Default::default(),
            change_search: String::new(),
        }
    }
}

impl State {
    /// The view the Files tab shows.
    pub fn view(&self) -> View {
        View {
            image: self.image,
            layer: self.layer,
        }
    }

    /// The image shown.
    pub fn current(&self) -> Option<&Rc<Image>> {
        self.images.get(self.image)
    }

    /// Facts of a layer's blob, once read.
    pub fn facts(&self, img: &Image, layer: usize) -> Option<&Rc<LayerFacts>> {
        img.layers.get(layer)?.blob.and_then(|b| self.blobs.get(&b))
    }

    /// True when nothing more comes from the workers (crashed or stopped).
    pub fn ended(&self) -> bool {
        self.crashed || self.phase == Phase::Stopped
    }

    /// The search results for the query typed, once answered.
    pub fn found(&self) -> Option<&Rc<Found>> {
        self.search
            .as_ref()
            .filter(|f| !f.query.is_empty() && f.query == self.query)
    }

    /// What the views show needs from the worker and nobody asked yet:
    /// for the root to ask. Nothing until the dissection is done (the
    /// worker answers queries from then on), nor after a crash or a stop.
    pub fn wanted(&self) -> Vec<Query> {
        if self.phase != Phase::Done || self.images.is_empty() {
            return Vec::new();
        }
        let view = self.view();
        let mut want = Vec::new();
        if self.tab == Tab::Files {
            if !self.query.is_empty() && self.found().is_none() {
                want.push(Query::Search {
                    view,
                    query: self.query.clone(),
                    marks: self.marks,
                    limit: PAGE,
                });
            }
            for dir in self.shown_dirs() {
                if !self.listings.contains_key(&(view, dir.clone())) {
                    want.push(Query::List {
                        view,
                        dir,
                        sort: self.sort,
                        marks: self.marks,
                        offset: 0,
                        limit: PAGE,
                    });
                }
            }
            if self.layer.is_none() && !self.space.contains_key(&self.image) {
                want.push(Query::Space {
                    image: self.image,
                    limit: SPACE_ROWS,
                });
            }
        }
        let attached = self
            .current()
            .is_some_and(|i| !i.attestations.is_empty() || !i.referrers.is_empty());
        if self.tab == Tab::Attestations && attached && !self.attestations.contains_key(&self.image)
        {
            want.push(Query::Attestations { image: self.image });
        }
        if let (Some(at), Phase::Done) = (&self.save_report, self.phase) {
            want.push(Query::SaveReport { at: at.clone() });
        }
        self.compare_wanted(&mut want);
        if self.tab == Tab::Packages && !self.packages.contains_key(&self.image) {
            want.push(Query::Packages { image: self.image });
        }
        if let Some(o) = &self.opened {
            if o.bytes.is_none() && o.error.is_none() && !o.not_in_report {
                want.push(Query::Read {
                    view,
                    path: o.path.clone(),
                    limit: crate::contents::PREVIEW_BYTES,
                });
            }
            if o.downloading.is_some() && !o.complete() {
                want.push(Query::Download {
                    view,
                    path: o.path.clone(),
                });
            }
        }
        want.retain(|q| !self.pending.values().any(|p| p == q) && !self.refused.contains(q));
        want
    }

    /// The directories of the files tree on screen: the root, and every
    /// expanded directory whose parents are expanded.
    fn shown_dirs(&self) -> Vec<String> {
        let open = |d: &str| self.expanded.iter().any(|e| e == d);
        let mut dirs = vec![String::new()];
        for d in self.expanded.iter() {
            let mut parents = d.match_indices('/').map(|(i, _)| &d[..i]);
            if parents.all(open) && !dirs.contains(d) {
                dirs.push(d.clone());
            }
        }
        dirs
    }

    /// The summary an embedding page receives when the read ends
    /// (`layercake:done`). The name of a file the reader chose never
    /// leaves the page: `file` is set only for an archive named by `?src=`.
    pub fn summary(&self) -> serde_json::Value {
        let img = self.current();
        serde_json::json!({
            "file": self.src.as_ref().and(self.file_name.as_ref()),
            "src": self.src,
            "images": self.images.len(),
            "tags": img.map(|i| i.tags.clone()),
            "config_digest": img.and_then(|i| i.config_digest.as_ref().map(|d| d.to_string())),
            "layers": img.map(|i| i.layers.len()),
            "verified": img.and_then(|i| i.verified),
            "problems": self.report.as_ref().map(|_| self.problems.len()),
            "error": self.failure,
            "state": self.phase.attr(),
            "compared": self.compare().and_then(|c| c.diff.as_ref().map(|d| d.summary.clone())),
        })
    }
}

#[cfg(test)]
mod tests;
