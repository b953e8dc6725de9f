//! The comparison of the open image (A) with a second one (B): what the
//! Compare tab shows, folded by the reducer from the worker's
//! [`Update::CompareProgress`](crate::message::Update::CompareProgress),
//! [`Update::Compared`](crate::message::Update::Compared) and the answers
//! to [`Query::Changes`] and [`Query::PackageChanges`].

use std::rc::Rc;

use crate::against::ChangeFilter;
use crate::diff::{Diff, FileChange, PackageChange};
use crate::limits::MAX_CHANGES_SENT;
use crate::message::Query;
use crate::report::Report;

use super::{Phase, State, Tab};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// The views of a comparison.
pub enum CompareView {
    /// The two cakes side by side, the shared base aligned.
    Cake,
    /// The file changes.
    Changes,
    /// The config, field by field.
    Config,
    /// The history steps each side lacks.
    History,
    /// The package changes (read when opened).
    Packages,
}

impl CompareView {
    /// Every view, in the order shown.
    pub const ALL: [CompareView; 5] = [
        CompareView::Cake,
        CompareView::Changes,
        CompareView::Config,
        CompareView::History,
        CompareView::Packages,
    ];

    /// The view's name in URLs (`view=` beside `against=`) and ids.
    pub fn name(self) -> &'static str {
        match self {
            CompareView::Cake => "cake",
            CompareView::Changes => "changes",
            CompareView::Config => "config",
            CompareView::History => "history",
            CompareView::Packages => "packages",
        }
    }

    /// The view's label.
    pub fn label(self) -> &'static str {
        match self {
            CompareView::Cake => "Layers",
            CompareView::Changes => "Changes",
            CompareView::Config => "Config",
            CompareView::History => "History",
            CompareView::Packages => "Packages",
        }
    }

    /// The view a name names.
    pub fn from_name(s: &str) -> Option<CompareView> {
        CompareView::ALL.into_iter().find(|v| v.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// How far a comparison is.
pub enum ComparePhase {
    /// A's layers and B are being read.
    Reading,
    /// Compared: every view can be shown.
    Done,
    /// B cannot be read or compared (the failure says why); A stays open.
    Failed,
}

impl ComparePhase {
    /// The `data-state` of `#compare`.
    pub fn attr(self) -> &'static str {
        match self {
            ComparePhase::Reading => "loading",
            ComparePhase::Done => "done",
            ComparePhase::Failed => "error",
        }
    }
}

/// File changes as answered, for one filter and search.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    /// The filter they were asked with.
    pub filter: ChangeFilter,
    /// The search they were asked with.
    pub search: String,
    /// The first matches, by path.
    pub rows: Vec<FileChange>,
    /// Matches in all (more than `rows` when the answer was cut).
    pub total: usize,
}

impl Changes {
    /// The answer holds fewer rows than match.
    pub fn cut(&self) -> bool {
        self.total > self.rows.len()
    }
}

/// A comparison with image B.
#[derive(Debug, Clone, PartialEq)]
pub struct Compare {
    /// B's file name.
    pub name: String,
    /// B's URL, when named by `?against=`.
    pub src: Option<String>,
    /// How far it is.
    pub phase: ComparePhase,
    /// Why it failed.
    pub failure: Option<String>,
    /// What is being read: `a` (A's layers again) or `b`.
    pub side: String,
    /// Bytes read of that file.
    pub read: u64,
    /// That file's bytes, when known.
    pub total: Option<u64>,
    /// B's report, once read.
    pub report: Option<Rc<Report>>,
    /// The comparison (without file changes), once done.
    pub diff: Option<Rc<Diff>>,
    /// The file changes, as last answered.
    pub changes: Option<Rc<Changes>>,
    /// The package changes, as answered (asked only when that view opens).
    pub packages: Option<Rc<Vec<PackageChange>>>,
}

impl Compare {
    /// A comparison just asked for.
    pub fn reading(name: String, src: Option<String>) -> Compare {
        Compare {
            name,
            src,
            phase: ComparePhase::Reading,
            failure: None,
            side: "a".into(),
            read: 0,
            total: None,
            report: None,
            diff: None,
            changes: None,
            packages: None,
        }
    }
}

impl State {
    /// The comparison, if one is open.
    pub fn compare(&self) -> Option<&Compare> {
        self.compare.as_deref()
    }

    /// The file changes for the filter and search as they are now, once
    /// answered.
    pub fn changes(&self) -> Option<&Rc<Changes>> {
        self.compare()?
            .changes
            .as_ref()
            .filter(|c| c.filter == self.change_filter && c.search == self.change_search)
    }

    /// The URL of a second image the page's link names (`?against=`) and
    /// nobody opened yet: for the root to open once A is read.
    pub fn against_wanted(&self) -> Option<String> {
        if self.phase != Phase::Done || self.compare.is_some() || self.images.is_empty() {
            return None;
        }
        self.against.clone()
    }

    /// What the Compare tab needs from the worker (see [`State::wanted`]).
    pub(super) fn compare_wanted(&self, want: &mut Vec<Query>) {
        let Some(c) = self.compare().filter(|c| c.phase == ComparePhase::Done) else {
            return;
        };
        if self.tab != Tab::Compare {
            return;
        }
        match self.compare_view {
            CompareView::Changes if self.changes().is_none() => want.push(Query::Changes {
                filter: self.change_filter,
                search: self.change_search.clone(),
                limit: MAX_CHANGES_SENT,
            }),
            CompareView::Packages if c.packages.is_none() => want.push(Query::PackageChanges),
            _ => {}
        }
    }

    /// Changes the comparison, if one is open.
    pub(super) fn comparing(&mut self, change: impl FnOnce(&mut Compare)) {
        if let Some(c) = &mut self.compare {
            change(Rc::make_mut(c));
        }
    }
}
