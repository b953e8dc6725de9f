//! Which layers' entries a reader keeps, within its budget.

use crate::entry::Entry;
use crate::layer::LayerFacts;
use crate::limits::{limit, MAX_ENTRIES};
use crate::problem::{Location, Problem, ProblemBudget};

/// Which layers' entries a reader keeps: all, within [`MAX_ENTRIES`] for
/// the reader (a share counts its own), or none when not asked to.
pub(crate) struct Keep {
    /// Whether entries are kept at all.
    pub(crate) on: bool,
    entries: usize,
    full: bool,
    problems: ProblemBudget,
}

impl Keep {
    /// Keeps entries if `on`, none otherwise.
    pub(crate) fn new(on: bool) -> Keep {
        Keep {
            on,
            entries: 0,
            full: false,
            problems: ProblemBudget::default(),
        }
    }

    /// The entries to report and keep for a layer: none once the budget is
    /// spent, and the layer that spends it says so.
    pub(crate) fn admit(&mut self, facts: &mut LayerFacts, entries: Vec<Entry>) -> Vec<Entry> {
        self.problems.admit(&mut facts.problems);
        if !self.on {
            return entries;
        }
        if !self.full && self.entries.saturating_add(entries.len()) > MAX_ENTRIES {
            self.full = true;
            facts.problems.push(Problem::new(
                limit!(
                    MAX_ENTRIES,
                    format!("the entries kept, with this layer's {} more", entries.len())
                ),
                Location::default(),
            ));
        }
        if self.full {
            return Vec::new();
        }
        self.entries += entries.len();
        entries
    }
}
