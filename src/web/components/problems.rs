//! The problems panel: everything odd about the archive, where it happened.

use std::rc::Rc;

use yew::prelude::*;

use crate::problem::{Code, Problem};
use crate::web::state::Phase;

#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    pub problems: Rc<Vec<Problem>>,
    /// Why nothing (more) is read, if so.
    pub failure: Option<String>,
    /// The reader crashed.
    pub crashed: bool,
    pub phase: Phase,
}

/// Problems drawn, the worst (and limits) first: an archive can have a hundred thousand
/// (an unsafe name per member), and drawing them all held the page.
pub const PROBLEMS_SHOWN: usize = 500;

#[function_component(Problems)]
pub fn problems(p: &ProblemsProps) -> Html {
    let mut list: Vec<&Problem> = p.problems.iter().collect();
    // the worst first, and of those the limits, which say what was not read
    list.sort_by_key(|p| (std::cmp::Reverse(p.severity), p.code != Code::Limit));
    let total = list.len();
    list.truncate(PROBLEMS_SHOWN);
    let failure = p.failure.clone();
    let heading = if p.crashed {
        "The reader crashed: "
    } else if p.phase == Phase::Stopped {
        "Stopped: "
    } else {
        "Cannot read this file: "
    };
    if list.is_empty() && failure.is_none() {
        return html! {};
    }
    html! {
        <section class="problems" id="problems" aria-label="Problems">
            if let Some(f) = failure {
                <p class={classes!("failure", p.crashed.then_some("crashed"), (p.phase == Phase::Stopped).then_some("stopped"))}>
                    <strong>{ heading }</strong>{ f }
                </p>
            }
            if !list.is_empty() {
                <details open={p.phase != Phase::Loading && list.iter().any(|p| p.severity > crate::problem::Severity::Note)}>
                    <summary>{ format!("{} problem{}", total, if total == 1 { "" } else { "s" }) }</summary>
                    <ul>
                        { for list.iter().map(|p| html! {
                            <li class={format!("problem {}", p.severity.name())}>
                                <span class="severity">{ p.severity.name() }</span>
                                { " " }{ &p.message }
                                <span class="where">{ p.location.describe(true).map(|w| format!(" ({w})")).unwrap_or_default() }</span>
                            </li>
                        }) }
                    </ul>
                    if total > list.len() {
                        <p class="note more-problems">{ format!("The {} worst are shown; Export JSON holds all {}.", list.len(), total) }</p>
                    }
                </details>
            }
        </section>
    }
}
