//! How many problems are listed: a list's past
//! [`MAX_LAYER_PROBLEMS`](crate::limits::MAX_LAYER_PROBLEMS), and all layers'
//! past [`MAX_PROBLEMS`](crate::limits::MAX_PROBLEMS), are counted in one
//! `limit` problem, not listed.

use super::{Code, Location, Problem};
use crate::limits::{limit, MAX_PROBLEMS};

/// Problems of one list (a layer's, a merged filesystem's) past
/// [`MAX_LAYER_PROBLEMS`](crate::limits::MAX_LAYER_PROBLEMS): counted, not
/// listed, and said in one `limit` problem at the end.
#[derive(Debug, Clone, Default)]
pub(crate) struct Unlisted(usize);

impl Unlisted {
    /// Lists the problem `make` makes while `problems` are fewer than the
    /// limit; counts it past that.
    pub(crate) fn push(&mut self, problems: &mut Vec<Problem>, make: impl FnOnce() -> Problem) {
        if problems.len() >= crate::limits::MAX_LAYER_PROBLEMS {
            self.0 += 1;
        } else {
            problems.push(make());
        }
    }

    /// The `limit` problem saying how many of `what` were not listed, if
    /// any were not.
    pub(crate) fn said(&self, what: &str, at: Location) -> Option<Problem> {
        (self.0 > 0).then(|| {
            Problem::new(
                limit!(
                    MAX_LAYER_PROBLEMS,
                    format!("the problems listed for {what} ({} more found)", self.0)
                ),
                at,
            )
        })
    }
}

/// How many layer problems a reader has listed, against
/// [`MAX_PROBLEMS`](crate::limits::MAX_PROBLEMS).
#[derive(Debug, Clone, Default)]
pub(crate) struct ProblemBudget {
    listed: usize,
}

impl ProblemBudget {
    /// A budget of which `problems` are spent already.
    pub(crate) fn spent<'a>(problems: impl IntoIterator<Item = &'a Problem>) -> ProblemBudget {
        ProblemBudget {
            listed: problems.into_iter().count(),
        }
    }

    /// Lists what the budget leaves of `problems` (a layer's); the rest are
    /// counted in one `limit` problem. A list cut once is left as it is.
    pub(crate) fn admit(&mut self, problems: &mut Vec<Problem>) {
        let cut = problems
            .iter()
            .any(|p| p.code == Code::Limit && p.message.contains("MAX_PROBLEMS"));
        let room = MAX_PROBLEMS.saturating_sub(self.listed);
        if !cut && problems.len() > room {
            let more = problems.len() - room;
            problems.truncate(room);
            problems.push(Problem::new(
                limit!(
                    MAX_PROBLEMS,
                    format!("the problems listed for all layers ({more} more found in this one)")
                ),
                Location::default(),
            ));
        }
        self.listed += problems.len();
    }
}
