//! The problems panel: everything odd about the archive, where it happened.

use yew::prelude::*;

use crate::problem::Problem;
use crate::web::components::use_page;
use crate::web::state::Phase;

#[function_component(Problems)]
pub fn problems() -> Html {
    let (state, _) = use_page();
    let mut list: Vec<Problem> = match &state.report {
        Some(r) => r.all_problems(),
        None => state.problems.clone(),
    };
    list.sort_by_key(|p| std::cmp::Reverse(p.severity));
    let failure = state.failure.clone();
    let heading = if state.crashed {
        "The reader crashed: "
    } else if state.phase == Phase::Stopped {
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
                <p class={classes!("failure", state.crashed.then_some("crashed"), (state.phase == Phase::Stopped).then_some("stopped"))}>
                    <strong>{ heading }</strong>{ f }
                </p>
            }
            if !list.is_empty() {
                <details open={state.phase != Phase::Loading && list.iter().any(|p| p.severity > crate::problem::Severity::Note)}>
                    <summary>{ format!("{} problem{}", list.len(), if list.len() == 1 { "" } else { "s" }) }</summary>
                    <ul>
                        { for list.iter().map(|p| html! {
                            <li class={format!("problem {}", p.severity.name())}>
                                <span class="severity">{ p.severity.name() }</span>
                                { " " }{ &p.message }
                                <span class="where">{ p.location.describe(true).map(|w| format!(" ({w})")).unwrap_or_default() }</span>
                            </li>
                        }) }
                    </ul>
                </details>
            }
        </section>
    }
}
