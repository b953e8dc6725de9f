//! The reducer: every [`Action`] folded into a new [`State`], sharing what
//! did not change with the old one.

use std::rc::Rc;

use super::*;
use crate::layer::LayerFacts;
use crate::message::Update;

/// The reducer: the state after `action`. The old state is left as it
/// was; what did not change is shared with it.
pub fn reduce(old: Rc<State>, action: Action) -> Rc<State> {
    if let Action::Batch(actions) = action {
        return actions.into_iter().fold(old, reduce);
    }
    // a state no one else holds (within a batch) is changed in place, and
    // so are the maps and lists it alone holds: a layer read adds to the
    // blobs' map, not to a copy of it
    let mut s = Rc::unwrap_or_clone(old);
    match action {
        Action::Link(p) => {
            s.embed = p.embed;
            s.theme = p.theme.clone();
            s.parent = p.parent.clone();
            s.src = p.src.clone();
            if let Some(t) = p.view {
                s.tab = t;
            }
            if p.src.is_some() && p.against.is_some() {
                s.against = p.against.clone();
                s.tab = Tab::Compare;
                if let Some(v) = p.compare_view {
                    s.compare_view = v;
                }
            }
            s.deep = Some(Rc::new(p));
        }
        Action::Open {
            name,
            size,
            src,
            now,
        } => s = s.opening(name, size, src, now),
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
            // a comparison is of one image of the file
            if i != s.image {
                s.compare = None;
            }
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
        Action::SaveReport(at) => {
            s.save_report = Some(at);
            s.save_report_error = None;
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
        Action::PackageQuery(q) => s.package_query = q,
        Action::Compare { name, src } => {
            s.compare = Some(Rc::new(Compare::reading(name, src)));
            s.against = None;
            s.tab = Tab::Compare;
        }
        Action::CompareView(v) => s.compare_view = v,
        Action::ChangeFilter(f) => s.change_filter = f,
        Action::ChangeSearch(q) => s.change_search = q,
        Action::CloseCompare => s.compare = None,
        Action::Batch(_) => {} // folded above
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

impl State {
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
            Update::MemberRead { path, facts } => self.member_read(path, facts),
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
                let report_artifacts = report.artifacts.len();
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
                    self.failure = Some(match report_artifacts {
                        0 => "no image was found in this archive (see the problems below)".into(),
                        n => format!(
                            "no image was found in this archive, only {n} artifact{} (attestations, signatures or referrers of images it does not hold; `layercake inspect` lists them)",
                            if n == 1 { "" } else { "s" }
                        ),
                    });
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
            Update::CompareProgress { side, read, total } => self.comparing(|c| {
                if c.phase == ComparePhase::Reading {
                    c.side = side;
                    c.read = read;
                    c.total = total;
                }
            }),
            Update::Compared { report, diff } => self.comparing(|c| {
                c.phase = ComparePhase::Done;
                c.report = Some(Rc::new(*report));
                c.diff = Some(Rc::new(*diff));
            }),
            Update::CompareFailed { message } => self.comparing(|c| {
                c.phase = ComparePhase::Failed;
                c.failure = Some(message);
            }),
        }
    }

    /// A member of a one-pass read was read (by the worker walking the
    /// archive, or by the one it handed the member to): drawn as it comes.
    fn member_read(&mut self, path: String, facts: LayerFacts) {
        if self.arriving.len() < crate::page::ARRIVING_SHOWN {
            Rc::make_mut(&mut self.arriving).push((path, Rc::new(facts)));
        } else {
            self.arriving_more += 1;
        }
    }

    fn helper(&mut self, i: usize, update: Update) {
        match update {
            Update::MemberRead { path, facts } => self.member_read(path, facts),
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

    /// What the page has when a file is being opened: the URL's settings
    /// stay, everything about the last file goes.
    fn opening(&self, name: String, size: Option<u64>, src: Option<String>, now: f64) -> State {
        // a deep link belongs to the URL it came with
        let (deep, against) = if src.is_some() {
            (self.deep.clone(), self.against.clone())
        } else {
            (None, None)
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
            against,
            compare_view: self.compare_view,
            ..State::default()
        }
    }
}
