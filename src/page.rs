//! The page's state and its reducer, as in Yew's `function_todomvc`
//! example: plain Rust, no browser type, nothing logged, so it is tested
//! natively (below). The browser wires it up in `web/state.rs`.
//!
//! Data walks one way: the workers' [`Update`]s and [`Answer`]s and the
//! reader's choices come in as [`Action`]s; [`reduce`] folds them into a new
//! [`State`]; the views render it; and [`State::wanted`] says which
//! [`Query`]s the views need that nobody asked yet, for the root to ask.
//!
//! A new state shares what did not change with the old one: the heavy
//! parts are behind `Rc`, so a progress tick copies a few numbers.

#![deny(missing_docs)]

use std::collections::HashMap;
use std::rc::Rc;

use crate::layer::LayerFacts;
use crate::listing::{Marks, Row, Sort};
use crate::message::{Answer, Query, Update, View};
use crate::problem::Problem;
use crate::report::{ArchiveInfo, FileStats, Image, Report};
use crate::tree::Waste;

/// Rows asked per directory; the rest are reached by search.
pub const PAGE: usize = 500;
/// Rows asked for the largest files and the wasted space.
pub const SPACE_ROWS: usize = 20;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The views of an image.
pub enum Tab {
    /// The layer cake.
    Cake,
    /// The history, mapped onto layers.
    History,
    /// The config.
    Config,
    /// The manifest, the index and the other documents.
    Manifest,
    /// The files browser.
    Files,
    /// Every digest, checked.
    Verify,
}

impl Tab {
    /// Every tab, in the order shown.
    pub const ALL: [Tab; 6] = [
        Tab::Cake,
        Tab::History,
        Tab::Config,
        Tab::Manifest,
        Tab::Files,
        Tab::Verify,
    ];

    /// The tab's name in URLs and element ids.
    pub fn name(self) -> &'static str {
        match self {
            Tab::Cake => "cake",
            Tab::History => "history",
            Tab::Config => "config",
            Tab::Manifest => "manifest",
            Tab::Files => "files",
            Tab::Verify => "verify",
        }
    }

    /// The tab's label.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Cake => "Layer cake",
            Tab::History => "History",
            Tab::Config => "Config",
            Tab::Manifest => "Manifest & index",
            Tab::Files => "Files",
            Tab::Verify => "Verification",
        }
    }

    /// The tab a name names.
    pub fn from_name(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// What the page's URL asks for (read from the URL by `web/link.rs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    /// `src`: the archive to load.
    pub src: Option<String>,
    /// `view`: the tab to show.
    pub view: Option<Tab>,
    /// `image`: an image by its place.
    pub image: Option<usize>,
    /// `tag`: an image by a tag.
    pub tag: Option<String>,
    /// `platform`: an image by platform (`os/arch[/variant]`, or a prefix).
    pub platform: Option<String>,
    /// `layer`: a layer to browse.
    pub layer: Option<usize>,
    /// `path`: a file to open.
    pub path: Option<String>,
    /// `embed`: one compact view, for a frame.
    pub embed: bool,
    /// `theme`: `light` or `dark`.
    pub theme: Option<String>,
    /// The embedding page's origin (`parent` or `origin`), the only target
    /// of the page's messages when set.
    pub parent: Option<String>,
}

impl Params {
    /// Picks the image the link names: by index, else by tag, else by platform.
    pub fn pick_image(&self, images: &[Rc<Image>]) -> Option<usize> {
        if let Some(i) = self.image.filter(|&i| i < images.len()) {
            return Some(i);
        }
        if self.tag.is_none() && self.platform.is_none() {
            return None;
        }
        let with_tag = |i: &Image| self.tag.as_ref().is_none_or(|t| i.tags.contains(t));
        let on_platform = |i: &Image| self.platform.as_ref().is_none_or(|p| i.runs_on(p));
        images
            .iter()
            .position(|i| !i.is_artifact() && with_tag(i) && on_platform(i))
    }
}

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
    /// Every problem, where it happened (all of the report's, once finished).
    pub problems: Rc<Vec<Problem>>,
    /// The final report, kept whole only for Export JSON.
    pub report: Option<Rc<Report>>,
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
            problems: Rc::default(),
            report: None,
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
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
/// What changes the state: the workers' news and the reader's choices.
pub enum Action {
    /// The page's URL parameters, at start.
    Link(Params),
    /// A file is being opened (from a URL when `src` is set).
    Open {
        /// The file's name.
        name: String,
        /// Its size, when known.
        size: Option<u64>,
        /// Its URL, when named by `?src=`.
        src: Option<String>,
        /// When (ms).
        now: f64,
    },
    /// Bytes fetched of a URL the server would not serve in ranges.
    Fetched {
        /// Bytes fetched.
        read: u64,
        /// Bytes in all, when known.
        total: Option<u64>,
        /// When (ms).
        now: f64,
    },
    /// How the gathering worker's dissection goes, and when (ms).
    Update(Update, f64),
    /// Progress from helper worker `i`, reading a share of the layers.
    Helper(usize, Update),
    /// These queries were asked of the gathering worker, with these numbers.
    Asked(Vec<(u32, Query)>),
    /// An answer to the query with this number.
    Answer(u32, Answer),
    /// Shows another image.
    SelectImage(usize),
    /// Browses a layer, or the merged tree.
    SelectLayer(Option<usize>),
    /// Shows a tab.
    SelectTab(Tab),
    /// A layer's files: the Files tab, showing that layer.
    BrowseLayer(usize),
    /// Orders the files tree.
    Sort(Sort),
    /// Shows only these changes.
    Marks(Marks),
    /// The search typed.
    Query(String),
    /// Opens or closes a directory of the files tree.
    Toggle(String),
    /// Shows a file's contents.
    OpenFile(String),
    /// Closes the file shown.
    CloseFile,
    /// The reader asked for the whole file shown.
    DownloadFile,
    /// Nothing can be read: why.
    Failed(String),
    /// The gathering worker died; every worker is ended.
    Crashed(String),
    /// The reader pressed Stop; every worker is ended.
    Stopped,
    /// Bytes of a download received so far.
    Receiving(u64),
    /// A download was offered to the reader.
    Saved,
    /// A download could not be offered: why.
    SaveFailed(String),
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
        if let Some(o) = &self.opened {
            if o.bytes.is_none() && o.error.is_none() {
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

    fn select_non_artifact(&mut self) {
        if self.current().is_some_and(|i| i.is_artifact()) {
            if let Some(i) = self.images.iter().position(|i| !i.is_artifact()) {
                self.image = i;
            }
        }
    }

    fn count_blobs(&mut self) {
        let mut blobs: Vec<usize> = self
            .images
            .iter()
            .flat_map(|i| i.layers.iter().filter_map(|l| l.blob))
            .collect();
        blobs.sort_unstable();
        blobs.dedup();
        self.reading.blobs_total = blobs.len();
    }

    fn layer_done(&mut self, blob: usize, facts: LayerFacts) {
        Rc::make_mut(&mut self.blobs).insert(blob, Rc::new(facts));
        self.reading.blobs_done = self.blobs.len();
    }

    /// Opens what a deep link names, once the images are known.
    fn follow(&mut self, deep: &Params) {
        if let Some(i) = deep.pick_image(&self.images) {
            self.image = i;
        }
        let layers = self.current().map_or(0, |i| i.layers.len());
        self.layer = deep.layer.filter(|&l| l < layers);
        if let Some(t) = deep.view {
            self.tab = t;
        }
        if let Some(path) = &deep.path {
            self.tab = deep.view.unwrap_or(Tab::Files);
            let expanded = Rc::make_mut(&mut self.expanded);
            let parts: Vec<&str> = path.split('/').collect();
            for n in 1..parts.len() {
                expanded.push(parts[..n].join("/"));
            }
            self.opened = Some(Rc::new(Opened::new(path.clone())));
        }
    }

    fn update(&mut self, update: Update, now: f64) {
        self.reading.now = now;
        match update {
            Update::Archive { archive } => self.archive = Some(Rc::new(archive)),
            Update::Image { index, image } => {
                if self.first_image_ms.is_none() {
                    self.first_image_ms = Some(now - self.reading.started);
                }
                let image = Rc::new(*image);
                let images = Rc::make_mut(&mut self.images);
                if images.len() <= index {
                    images.resize(index + 1, image.clone());
                }
                images[index] = image;
                self.count_blobs();
                self.select_non_artifact();
            }
            Update::LayerStarted { .. } => self.reading.blobs_started += 1,
            Update::Progress {
                read,
                total,
                inflated,
            } => {
                self.reading.read = read;
                self.reading.total = total;
                self.reading.inflated = inflated;
            }
            Update::LayerDone { blob, facts, .. } => self.layer_done(blob, facts),
            Update::Problem { problem } => Rc::make_mut(&mut self.problems).push(problem),
            Update::Finished { report } => {
                // the final report carries every layer's facts
                self.images = Rc::new(report.images.iter().cloned().map(Rc::new).collect());
                self.archive = Some(Rc::new(report.archive.clone()));
                self.problems = Rc::new(report.all_problems());
                self.report = Some(Rc::new(*report));
                self.count_blobs();
                self.done_ms = Some(now - self.reading.started);
                self.reading.read = self.reading.total.unwrap_or(self.reading.read);
                if self.images.is_empty() {
                    // finished, but nothing to show: never a silent "done"
                    self.failure =
                        Some("no image was found in this archive (see the problems below)".into());
                    self.phase = Phase::Error;
                    return;
                }
                self.phase = Phase::Done;
                self.select_non_artifact();
                if let Some(deep) = self.deep.take() {
                    self.follow(&deep);
                }
            }
            Update::Failed { message } => {
                self.failure = Some(message);
                self.phase = Phase::Error;
            }
        }
    }

    fn helper(&mut self, i: usize, update: Update) {
        match update {
            Update::LayerStarted { .. } => self.reading.blobs_started += 1,
            Update::LayerDone { blob, facts, .. } => self.layer_done(blob, facts),
            Update::Progress { read, inflated, .. } => {
                let helpers = Rc::make_mut(&mut self.helpers);
                helpers.insert(i, (read, inflated));
                self.reading.helpers_read = helpers.values().map(|h| h.0).sum();
                self.reading.helpers_inflated = helpers.values().map(|h| h.1).sum();
            }
            _ => {}
        }
    }

    /// Changes the file shown, if it is `path`.
    fn opened(&mut self, path: &str, change: impl FnOnce(&mut Opened)) {
        if let Some(o) = self.opened.as_mut().filter(|o| o.path == path) {
            change(Rc::make_mut(o));
        }
    }

    /// Folds an answer into what it answers. An answer to a question no
    /// longer asked (another sort, another search) is dropped.
    fn answer(&mut self, id: u32, answer: Answer) {
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

    /// What the page has when a file is being opened: the URL's settings
    /// stay, everything about the last file goes.
    fn opening(&self, name: String, size: Option<u64>, src: Option<String>, now: f64) -> State {
        // a deep link belongs to the URL it came with
        let deep = if src.is_some() {
            self.deep.clone()
        } else {
            None
        };
        State {
            phase: Phase::Loading,
            file_name: Some(name),
            reading: Reading {
                started: now,
                now,
                total: size,
                ..Reading::default()
            },
            tab: self.tab,
            embed: self.embed,
            theme: self.theme.clone(),
            parent: self.parent.clone(),
            src,
            deep,
            ..State::default()
        }
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
        })
    }
}

/// The reducer: the state after `action`. The old state is left as it
/// was; what did not change is shared with it.
pub fn reduce(old: Rc<State>, action: Action) -> Rc<State> {
    let mut s = (*old).clone();
    match action {
        Action::Link(p) => {
            s.embed = p.embed;
            s.theme = p.theme.clone();
            s.parent = p.parent.clone();
            s.src = p.src.clone();
            if let Some(t) = p.view {
                s.tab = t;
            }
            s.deep = Some(Rc::new(p));
        }
        Action::Open {
            name,
            size,
            src,
            now,
        } => s = old.opening(name, size, src, now),
        Action::Fetched { read, total, now } => {
            s.reading.read = read;
            s.reading.total = total;
            s.reading.now = now;
        }
        Action::Helper(..) | Action::Update(..) | Action::Answer(..) if s.ended() => {}
        Action::Helper(i, update) => s.helper(i, update),
        Action::Update(u, now) => s.update(u, now),
        Action::Asked(asked) => Rc::make_mut(&mut s.pending).extend(asked),
        Action::Answer(id, a) => s.answer(id, a),
        Action::SelectImage(i) => {
            s.image = i;
            s.layer = None;
            s.expanded = Rc::default();
            s.search = None;
            s.opened = None;
        }
        Action::SelectLayer(l) => {
            s.layer = l;
            s.expanded = Rc::default();
            s.search = None;
            s.opened = None;
        }
        Action::SelectTab(t) => s.tab = t,
        Action::BrowseLayer(l) => {
            s.layer = Some(l);
            s.expanded = Rc::default();
            s.search = None;
            s.opened = None;
            s.tab = Tab::Files;
        }
        Action::Sort(o) => {
            s.sort = o;
            s.listings = Rc::default();
        }
        Action::Marks(m) => {
            s.marks = m;
            s.listings = Rc::default();
            s.search = None;
        }
        Action::Query(q) => {
            if q.is_empty() {
                s.search = None;
            }
            s.query = q;
        }
        Action::Toggle(dir) => {
            let expanded = Rc::make_mut(&mut s.expanded);
            if let Some(i) = expanded.iter().position(|d| *d == dir) {
                expanded.remove(i);
            } else {
                expanded.push(dir);
            }
        }
        Action::OpenFile(path) => s.opened = Some(Rc::new(Opened::new(path))),
        Action::CloseFile => s.opened = None,
        Action::DownloadFile => {
            if let Some(o) = &mut s.opened {
                let o = Rc::make_mut(o);
                o.downloading = Some(0);
                o.download_error = None;
                o.progress = None;
            }
        }
        Action::Failed(m) => {
            s.phase = Phase::Error;
            s.failure = Some(m);
        }
        Action::Crashed(why) => {
            s.crashed = true;
            s.failure = Some(why);
            s.phase = Phase::Error;
            if let Some(o) = &mut s.opened {
                Rc::make_mut(o).downloading = None;
            }
        }
        Action::Stopped => {
            if s.phase == Phase::Loading {
                s.phase = Phase::Stopped;
                s.failure = Some("nothing more is read. Open another file to start again.".into());
            }
        }
        Action::Receiving(n) => {
            if let Some(o) = &mut s.opened {
                let o = Rc::make_mut(o);
                o.downloading = Some(n);
                o.progress = None;
            }
        }
        Action::Saved => {
            if let Some(o) = &mut s.opened {
                Rc::make_mut(o).downloading = None;
            }
        }
        Action::SaveFailed(m) => {
            if let Some(o) = &mut s.opened {
                let o = Rc::make_mut(o);
                o.downloading = None;
                o.download_error = Some(m);
            }
        }
    }
    Rc::new(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Row;

    fn updates() -> Vec<Update> {
        let mut out = Vec::new();
        crate::dissect(
            std::io::Cursor::new(crate::sample::build()),
            &crate::Options::default(),
            &mut |e: crate::Event<'_>| out.push(Update::from_event(&e)),
        )
        .unwrap();
        out
    }

    fn open(s: Rc<State>) -> Rc<State> {
        reduce(
            s,
            Action::Open {
                name: "x.tar".into(),
                size: Some(10),
                src: None,
                now: 0.0,
            },
        )
    }

    fn sample() -> Rc<State> {
        updates().into_iter().fold(open(Rc::default()), |s, u| {
            reduce(s, Action::Update(u, 5.0))
        })
    }

    fn report() -> Report {
        (*sample().report.clone().unwrap()).clone()
    }

    fn finished(report: Report) -> Action {
        Action::Update(
            Update::Finished {
                report: Box::new(report),
            },
            0.0,
        )
    }

    /// Asks what the state wants, as the root does; returns the numbers.
    fn ask(s: Rc<State>) -> (Rc<State>, Vec<(u32, Query)>) {
        let first = s.pending.keys().max().map_or(1, |n| n + 1);
        let asked: Vec<(u32, Query)> = s
            .wanted()
            .into_iter()
            .zip(first..)
            .map(|(q, i)| (i, q))
            .collect();
        (reduce(s, Action::Asked(asked.clone())), asked)
    }

    fn row(path: &str) -> Row {
        let d = crate::dissect(
            std::io::Cursor::new(crate::sample::build()),
            &crate::Options::default(),
            &mut crate::Quiet,
        )
        .unwrap();
        let tree = d.tree(0);
        crate::listing::Listing::merged(&tree)
            .get(path)
            .unwrap()
            .clone()
    }

    #[test]
    fn the_sample_reads_to_done() {
        let s = sample();
        assert_eq!(s.phase, Phase::Done);
        assert_eq!(s.images.len(), 1);
        assert_eq!(s.reading.blobs_done, 4);
        assert_eq!(s.reading.blobs_total, 4);
        assert_eq!(*s.problems, s.report.as_ref().unwrap().all_problems());
        assert!(s.first_image_ms.is_some() && s.done_ms.is_some());
    }

    #[test]
    fn a_progress_tick_shares_everything_else() {
        let s = sample();
        let t = reduce(
            s.clone(),
            Action::Update(
                Update::Progress {
                    read: 1,
                    total: Some(2),
                    inflated: 3,
                },
                9.0,
            ),
        );
        assert!(Rc::ptr_eq(&s.images, &t.images));
        assert!(Rc::ptr_eq(
            s.report.as_ref().unwrap(),
            t.report.as_ref().unwrap()
        ));
        assert!(Rc::ptr_eq(&s.problems, &t.problems));
        assert_eq!(
            (t.reading.read, t.reading.inflated, t.reading.now),
            (1, 3, 9.0)
        );
    }

    #[test]
    fn helpers_progress_adds_up() {
        let mut s = open(Rc::default());
        for (i, read) in [(1, 3), (2, 4), (1, 5)] {
            s = reduce(
                s,
                Action::Helper(
                    i,
                    Update::Progress {
                        read,
                        total: None,
                        inflated: read * 2,
                    },
                ),
            );
        }
        assert_eq!(s.reading.bytes_read(), 9);
        assert_eq!(s.reading.bytes_inflated(), 18);
    }

    #[test]
    fn a_crash_or_a_stop_is_final_and_no_image_is_never_done() {
        let sample = report();
        let s = reduce(
            open(Rc::default()),
            Action::Crashed("a stack overflow".into()),
        );
        assert_eq!((s.phase.attr(), s.crashed), ("error", true));
        let s = reduce(s, finished(sample.clone()));
        assert_eq!(s.phase.attr(), "error");
        assert_eq!(s.failure.as_deref(), Some("a stack overflow"));
        let s = reduce(open(s), finished(sample.clone()));
        assert_eq!((s.phase.attr(), s.crashed), ("done", false));
        let s = reduce(open(s), Action::Stopped);
        assert_eq!(s.phase.attr(), "stopped");
        let s = reduce(s, finished(sample));
        assert_eq!(s.phase.attr(), "stopped");
        assert!(s.wanted().is_empty(), "nothing is asked of ended workers");
        let s = reduce(open(s), finished(Report::default()));
        assert_eq!(s.phase.attr(), "error");
        assert!(s.failure.as_deref().unwrap().contains("no image"));
    }

    #[test]
    fn nothing_is_asked_before_the_end_and_files_ask_once() {
        let mut s = open(Rc::default());
        for u in updates() {
            assert!(s.wanted().is_empty(), "asked while reading");
            s = reduce(s, Action::Update(u, 0.0));
        }
        assert!(s.wanted().is_empty(), "the cake needs no query");
        let s = reduce(s, Action::SelectTab(Tab::Files));
        let (s, asked) = ask(s);
        let kinds: Vec<&str> = asked
            .iter()
            .map(|(_, q)| match q {
                Query::List { dir, .. } if dir.is_empty() => "root",
                Query::Space { .. } => "space",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["root", "space"]);
        assert!(s.wanted().is_empty(), "asked once");
        // the root's rows arrive; opening a directory asks for its rows
        let s = reduce(
            s,
            Action::Answer(
                1,
                Answer::Rows {
                    rows: vec![row("bin")],
                    total: 1,
                },
            ),
        );
        assert_eq!(s.listings[&(s.view(), String::new())].rows.len(), 1);
        let s = reduce(s, Action::Toggle("bin".into()));
        assert!(matches!(&s.wanted()[..], [Query::List { dir, .. }] if dir == "bin"));
        // closed again: not wanted
        let s = reduce(s, Action::Toggle("bin".into()));
        assert!(s.wanted().is_empty());
        // a failed space is not asked again
        let s = reduce(
            s,
            Action::Answer(
                2,
                Answer::Error {
                    message: "no".into(),
                },
            ),
        );
        assert!(s.wanted().is_empty());
    }

    #[test]
    fn an_answer_for_another_sort_is_dropped() {
        let s = reduce(sample(), Action::SelectTab(Tab::Files));
        let (s, asked) = ask(s);
        let s = reduce(s, Action::Sort(Sort::Size));
        let root = asked[0].0;
        let s = reduce(
            s,
            Action::Answer(
                root,
                Answer::Rows {
                    rows: vec![],
                    total: 0,
                },
            ),
        );
        assert!(s.listings.is_empty());
        match &s.wanted()[..] {
            [Query::List { sort, .. }] => assert_eq!(*sort, Sort::Size),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deep_link_opens_its_file_and_reads_it_when_done() {
        let link = Params {
            view: None,
            path: Some("bin/busybox".into()),
            ..Params::default()
        };
        let mut s = reduce(Rc::default(), Action::Link(link));
        s = reduce(
            s,
            Action::Open {
                name: "x".into(),
                size: None,
                src: Some("x.tar".into()),
                now: 0.0,
            },
        );
        for u in updates() {
            s = reduce(s, Action::Update(u, 0.0));
        }
        assert_eq!(s.tab, Tab::Files);
        assert_eq!(*s.expanded, ["bin"]);
        let (s, asked) = ask(s);
        let read = asked
            .iter()
            .find(|(_, q)| matches!(q, Query::Read { path, .. } if path == "bin/busybox"))
            .expect("the file is read")
            .0;
        let s = reduce(
            s,
            Action::Answer(read, Answer::Progress { done: 1, total: 2 }),
        );
        assert_eq!(s.opened.as_ref().unwrap().progress, Some((1, 2)));
        let s = reduce(
            s,
            Action::Answer(
                read,
                Answer::Contents {
                    size: 3,
                    bytes: vec![1, 2, 3],
                },
            ),
        );
        let o = s.opened.as_ref().unwrap();
        assert!(o.complete() && o.progress.is_none());
        assert!(!s.wanted().iter().any(|q| matches!(q, Query::Read { .. })));
    }

    #[test]
    fn a_download_is_asked_once_and_its_failure_shown() {
        let s = reduce(sample(), Action::OpenFile("bin/busybox".into()));
        let s = reduce(
            s,
            Action::Answer(
                99,
                Answer::Contents {
                    size: 9,
                    bytes: vec![0],
                },
            ),
        );
        // not asked: the answer was to nothing pending
        assert!(s.opened.as_ref().unwrap().bytes.is_none());
        let (s, _) = ask(s);
        let s = reduce(s, Action::DownloadFile);
        let (s, asked) = ask(s);
        let [(id, Query::Download { .. })] = &asked[..] else {
            panic!("{asked:?}")
        };
        assert!(s.wanted().is_empty());
        let s = reduce(
            s,
            Action::Answer(
                *id,
                Answer::Error {
                    message: "gone".into(),
                },
            ),
        );
        let o = s.opened.as_ref().unwrap();
        assert_eq!(
            (o.downloading, o.download_error.as_deref()),
            (None, Some("gone"))
        );
    }

    #[test]
    fn a_deep_link_picks_its_image_by_tag_or_platform() {
        let img = |tag: &str, arch: &str| {
            let mut i = Image::new(crate::report::Format::Oci);
            i.tags = vec![tag.into()];
            i.platform.os = Some("linux".into());
            i.platform.architecture = Some(arch.into());
            Rc::new(i)
        };
        let images = vec![img("a", "amd64"), img("b", "amd64"), img("b", "arm64")];
        let by = |tag: Option<&str>, platform: Option<&str>| {
            Params {
                tag: tag.map(String::from),
                platform: platform.map(String::from),
                ..Params::default()
            }
            .pick_image(&images)
        };
        assert_eq!(by(Some("b"), None), Some(1));
        assert_eq!(by(Some("b"), Some("linux/arm64")), Some(2));
        assert_eq!(by(None, Some("linux")), Some(0));
        assert_eq!(by(Some("c"), None), None);
        assert_eq!(by(None, None), None);
    }

    #[test]
    fn the_embed_summary_names_only_a_src_file() {
        let s = sample();
        let v = s.summary();
        assert_eq!(v["file"], serde_json::Value::Null);
        assert_eq!(v["state"], "done");
        assert_eq!(v["layers"], 4);
    }
}
