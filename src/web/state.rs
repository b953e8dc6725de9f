//! The page's state: a pure reducer over the worker's replies and the
//! user's actions, as in Yew's `function_todomvc` example.

use std::collections::HashMap;
use std::rc::Rc;

use yew::Reducible;

use crate::layer::LayerFacts;
use crate::listing::{Marks, Row, Sort};
use crate::message::{Reply, View};
use crate::problem::Problem;
use crate::report::{ArchiveInfo, FileStats, Image, Report};
use crate::tree::Waste;
use crate::web::link::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Landing,
    Loading,
    Done,
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
pub enum Tab {
    Cake,
    History,
    Config,
    Manifest,
    Files,
    Verify,
}

impl Tab {
    pub const ALL: [Tab; 6] = [
        Tab::Cake,
        Tab::History,
        Tab::Config,
        Tab::Manifest,
        Tab::Files,
        Tab::Verify,
    ];

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

    pub fn from_name(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// A page of a directory listing, or search results.
#[derive(Debug, Clone, PartialEq)]
pub struct RowsPage {
    pub rows: Vec<Row>,
    pub total: usize,
}

/// A file whose contents are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub path: String,
    pub size: u64,
    pub bytes: Option<Rc<Vec<u8>>>,
    pub progress: Option<(u64, u64)>,
    pub error: Option<String>,
    /// Bytes of the whole file received so far, while downloading it.
    pub downloading: Option<u64>,
    pub download_error: Option<String>,
}

impl Opened {
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    pub largest: Vec<Row>,
    pub waste: Vec<Waste>,
    pub stats: FileStats,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub phase: Phase,
    pub file_name: Option<String>,
    pub file_size: Option<u64>,
    /// When reading started (ms, performance.now()).
    pub started: f64,
    pub now: f64,
    pub archive: Option<ArchiveInfo>,
    pub images: Vec<Image>,
    pub blobs: HashMap<usize, LayerFacts>,
    pub blobs_started: usize,
    pub problems: Vec<Problem>,
    pub report: Option<Rc<Report>>,
    pub failure: Option<String>,
    /// The gathering worker died (the failure says why).
    pub crashed: bool,
    pub read: u64,
    pub total: Option<u64>,
    /// Bytes of uncompressed layer streams walked by the gathering worker.
    pub inflated: u64,
    pub image: usize,
    pub layer: Option<usize>,
    pub tab: Tab,
    pub sort: Sort,
    pub marks: Marks,
    pub query: String,
    pub expanded: Vec<String>,
    pub listings: HashMap<(View, String), RowsPage>,
    pub search: Option<(String, RowsPage)>,
    pub space: HashMap<usize, Space>,
    pub opened: Option<Opened>,
    /// The archive's URL, when loaded with `?src=`.
    pub src: Option<String>,
    /// Embedded in another page: one compact view.
    pub embed: bool,
    pub theme: Option<String>,
    /// The embedding page's origin, from the URL.
    pub parent: Option<String>,
    /// A deep link to apply once the dissection finishes.
    pub deep: Option<Params>,
    /// A file to read as soon as possible (from a deep link).
    pub read_request: Option<String>,
    /// Bytes read by each helper worker.
    pub helper_read: HashMap<usize, u64>,
    pub helper_inflated: HashMap<usize, u64>,
    /// Milliseconds from the file being handed over to the first image
    /// being known (manifest, config and history), and to the end.
    pub first_image_ms: Option<f64>,
    pub done_ms: Option<f64>,
}

impl Default for State {
    fn default() -> State {
        State {
            phase: Phase::Landing,
            file_name: None,
            file_size: None,
            started: 0.0,
            now: 0.0,
            archive: None,
            images: Vec::new(),
            blobs: HashMap::new(),
            blobs_started: 0,
            problems: Vec::new(),
            report: None,
            failure: None,
            crashed: false,
            read: 0,
            total: None,
            inflated: 0,
            image: 0,
            layer: None,
            tab: Tab::Cake,
            sort: Sort::Name,
            marks: Marks::default(),
            query: String::new(),
            expanded: Vec::new(),
            listings: HashMap::new(),
            search: None,
            space: HashMap::new(),
            opened: None,
            src: None,
            embed: false,
            theme: None,
            parent: None,
            deep: None,
            read_request: None,
            helper_read: HashMap::new(),
            helper_inflated: HashMap::new(),
            first_image_ms: None,
            done_ms: None,
        }
    }
}

/// The request id of a whole-file download.
pub const DOWNLOAD_ID: u32 = 2;

/// True when nothing more comes from the workers (crashed or stopped).
fn ended(s: &State) -> bool {
    s.crashed || s.phase == Phase::Stopped
}

pub enum Action {
    /// The page's URL parameters, at start.
    Link(Params),
    /// A file is being opened (from a URL when `src` is set).
    Open {
        name: String,
        size: Option<u64>,
        src: Option<String>,
        now: f64,
    },
    /// Bytes downloaded of a URL the server would not serve in ranges.
    Downloaded {
        read: u64,
        total: Option<u64>,
        now: f64,
    },
    /// The deep link's file read was sent.
    ReadSent,
    /// Progress from a helper worker reading a share of the layers.
    Helper(usize, Reply),
    Reply(Reply, f64),
    SelectImage(usize),
    SelectLayer(Option<usize>),
    SelectTab(Tab),
    Sort(Sort),
    Marks(Marks),
    Query(String),
    Toggle(String),
    OpenFile(String),
    CloseFile,
    Failed(String),
    /// The gathering worker died; every worker is ended.
    Crashed(String),
    /// The reader pressed Stop; every worker is ended.
    Stopped,
    /// Bytes of a download received so far.
    Receiving(u64),
    /// A download was offered to the reader.
    Saved,
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

    pub fn current(&self) -> Option<&Image> {
        self.images.get(self.image)
    }

    /// Facts of a layer's blob, once read.
    pub fn facts(&self, img: &Image, layer: usize) -> Option<&LayerFacts> {
        img.layers.get(layer)?.blob.and_then(|b| self.blobs.get(&b))
    }

    /// Bytes read so far by every worker.
    pub fn bytes_read(&self) -> u64 {
        let total = self.read + self.helper_read.values().sum::<u64>();
        self.total.map_or(total, |t| total.min(t))
    }

    /// Bytes of uncompressed layer streams walked so far by every worker.
    pub fn bytes_inflated(&self) -> u64 {
        self.inflated + self.helper_inflated.values().sum::<u64>()
    }

    /// Layers read so far, of distinct blobs.
    pub fn layers_done(&self) -> usize {
        self.blobs.len()
    }

    /// Opens what a deep link names, once the images are known.
    fn follow(&mut self, deep: &Params) {
        if let Some(i) = deep.pick_image(self) {
            self.image = i;
        }
        let layers = self.current().map_or(0, |i| i.layers.len());
        self.layer = deep.layer.filter(|&l| l < layers);
        if let Some(t) = deep.view {
            self.tab = t;
        }
        if let Some(path) = &deep.path {
            self.tab = deep.view.unwrap_or(Tab::Files);
            let mut dir = String::new();
            for part in path
                .split('/')
                .take(path.split('/').count().saturating_sub(1))
            {
                if !dir.is_empty() {
                    dir.push('/');
                }
                dir.push_str(part);
                self.expanded.push(dir.clone());
            }
            self.opened = Some(Opened::new(path.clone()));
            self.read_request = Some(path.clone());
        }
    }

    fn apply(&mut self, reply: Reply, now: f64) {
        self.now = now;
        match reply {
            Reply::Ready => {}
            Reply::Archive { archive } => self.archive = Some(archive),
            Reply::Image { index, image } => {
                if self.first_image_ms.is_none() {
                    self.first_image_ms = Some(now - self.started);
                }
                if self.images.len() <= index {
                    self.images.resize(index + 1, (*image).clone());
                }
                self.images[index] = *image;
                if self.current().is_some_and(Image::is_artifact) {
                    if let Some(i) = self.images.iter().position(|i| !i.is_artifact()) {
                        self.image = i;
                    }
                }
            }
            Reply::LayerStarted { .. } => self.blobs_started += 1,
            Reply::Progress {
                read,
                total,
                inflated,
            } => {
                self.read = read;
                self.total = total;
                self.inflated = inflated;
            }
            Reply::LayerDone { blob, facts, .. } => {
                self.blobs.insert(blob, facts);
            }
            Reply::Problem { problem } => self.problems.push(problem),
            Reply::Finished { report } => {
                // the final report carries every layer's facts
                self.images = report.images.clone();
                self.archive = Some(report.archive.clone());
                self.problems = report.problems.clone();
                self.report = Some(Rc::new(*report));
                self.done_ms = Some(now - self.started);
                self.read = self.total.unwrap_or(self.read);
                if self.images.is_empty() {
                    // finished, but nothing to show: never a silent "done"
                    self.failure =
                        Some("no image was found in this archive (see the problems below)".into());
                    self.phase = Phase::Error;
                    return;
                }
                self.phase = Phase::Done;
                if self.current().is_some_and(Image::is_artifact) {
                    if let Some(i) = self.images.iter().position(|i| !i.is_artifact()) {
                        self.image = i;
                    }
                }
                if let Some(deep) = self.deep.take() {
                    self.follow(&deep);
                }
            }
            Reply::Failed { message } => {
                self.failure = Some(message);
                self.phase = Phase::Error;
            }
            Reply::NeedsDownload { .. } | Reply::Shared { .. } | Reply::Memory { .. } => {}
            Reply::Rows {
                view,
                dir,
                rows,
                total,
                ..
            } => {
                self.listings.insert((view, dir), RowsPage { rows, total });
            }
            Reply::Found {
                view,
                query,
                rows,
                total,
                ..
            } => {
                if view == self.view() && query == self.query {
                    self.search = Some((query, RowsPage { rows, total }));
                }
            }
            Reply::Space {
                image,
                largest,
                waste,
                stats,
                ..
            } => {
                self.space.insert(
                    image,
                    Space {
                        largest,
                        waste,
                        stats,
                    },
                );
            }
            Reply::Contents {
                path, size, bytes, ..
            } => {
                if let Some(o) = &mut self.opened {
                    if o.path == path {
                        o.size = size;
                        o.bytes = Some(Rc::new(bytes));
                        o.progress = None;
                    }
                }
            }
            Reply::ReadProgress { done, total, .. } => {
                if let Some(o) = &mut self.opened {
                    o.progress = Some((done, total));
                }
            }
            Reply::Exported { .. } | Reply::Chunk { .. } => {}
            Reply::Downloaded { .. } => {
                if let Some(o) = &mut self.opened {
                    o.downloading = None;
                }
            }
            Reply::Crashed { message } => {
                self.failure = Some(message);
                self.crashed = true;
                self.phase = Phase::Error;
            }
            Reply::Error { message, id } => {
                if let Some(o) = self.opened.as_mut().filter(|o| o.downloading.is_some()) {
                    if id == DOWNLOAD_ID {
                        o.downloading = None;
                        o.download_error = Some(message);
                        return;
                    }
                }
                if let Some(o) = &mut self.opened {
                    if o.bytes.is_none() {
                        o.error = Some(message.clone());
                        o.progress = None;
                        return;
                    }
                }
                web_sys::console::warn_1(&message.into());
            }
        }
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Link(p) => {
                s.embed = p.embed;
                s.theme = p.theme.clone();
                s.parent = p.parent.clone();
                s.src = p.src.clone();
                if let Some(t) = p.view {
                    s.tab = t;
                }
                s.deep = Some(p);
            }
            Action::Open {
                name,
                size,
                src,
                now,
            } => {
                // a deep link belongs to the URL it came with
                let deep = if src.is_some() {
                    self.deep.clone()
                } else {
                    None
                };
                s = State {
                    phase: Phase::Loading,
                    file_name: Some(name),
                    file_size: size,
                    total: size,
                    started: now,
                    now,
                    tab: self.tab,
                    embed: self.embed,
                    theme: self.theme.clone(),
                    parent: self.parent.clone(),
                    src,
                    deep,
                    ..State::default()
                };
            }
            Action::Downloaded { read, total, now } => {
                s.read = read;
                s.total = total;
                s.now = now;
            }
            Action::ReadSent => s.read_request = None,
            Action::Helper(..) | Action::Reply(..) if ended(&s) => {}
            Action::Helper(i, reply) => match reply {
                Reply::LayerStarted { .. } => s.blobs_started += 1,
                Reply::LayerDone { blob, facts, .. } => {
                    s.blobs.insert(blob, facts);
                }
                Reply::Progress { read, inflated, .. } => {
                    s.helper_read.insert(i, read);
                    s.helper_inflated.insert(i, inflated);
                }
                _ => {}
            },
            Action::Reply(r, now) => s.apply(r, now),
            Action::SelectImage(i) => {
                s.image = i;
                s.layer = None;
                s.expanded.clear();
                s.search = None;
                s.opened = None;
            }
            Action::SelectLayer(l) => {
                s.layer = l;
                s.expanded.clear();
                s.search = None;
                s.opened = None;
            }
            Action::SelectTab(t) => s.tab = t,
            Action::Sort(o) => {
                s.sort = o;
                s.listings.clear();
            }
            Action::Marks(m) => {
                s.marks = m;
                s.listings.clear();
                s.search = None;
            }
            Action::Query(q) => {
                if q.is_empty() {
                    s.search = None;
                }
                s.query = q;
            }
            Action::Toggle(dir) => {
                if let Some(i) = s.expanded.iter().position(|d| *d == dir) {
                    s.expanded.remove(i);
                } else {
                    s.expanded.push(dir);
                }
            }
            Action::OpenFile(path) => s.opened = Some(Opened::new(path)),
            Action::CloseFile => s.opened = None,
            Action::Failed(m) => {
                s.phase = Phase::Error;
                s.failure = Some(m);
            }
            Action::Crashed(why) => {
                s.crashed = true;
                s.failure = Some(why);
                s.phase = Phase::Error;
                if let Some(o) = &mut s.opened {
                    o.downloading = None;
                }
            }
            Action::Stopped => {
                if s.phase == Phase::Loading {
                    s.phase = Phase::Stopped;
                    s.failure =
                        Some("nothing more is read. Open another file to start again.".into());
                }
            }
            Action::Receiving(n) => {
                if let Some(o) = &mut s.opened {
                    o.downloading = Some(n);
                    o.progress = None;
                }
            }
            Action::Saved => {
                if let Some(o) = &mut s.opened {
                    o.downloading = None;
                }
            }
            Action::SaveFailed(m) => {
                if let Some(o) = &mut s.opened {
                    o.downloading = None;
                    o.download_error = Some(m);
                }
            }
        }
        Rc::new(s)
    }
}
