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
    if list.is_empty() && failure.is_none() {
        return html! {};
    }
    html! {
        <section class="problems" id="problems" aria-label="Problems">
            if let Some(f) = failure {
                <p class="failure"><strong>{"Cannot read this file: "}</strong>{ f }</p>
            }
            if !list.is_empty() {
                <details open={state.phase == Phase::Done && list.iter().any(|p| p.severity > crate::problem::Severity::Note)}>
                    <summary>{ format!("{} problem{}", list.len(), if list.len() == 1 { "" } else { "s" }) }</summary>
                    <ul>
                        { for list.iter().map(|p| html! {
                            <li class={format!("problem {:?}", p.severity).to_lowercase()}>
                                <span class="severity">{ format!("{:?}", p.severity).to_lowercase() }</span>
                                { " " }{ &p.message }
                                <span class="where">{ where_(p) }</span>
                            </li>
                        }) }
                    </ul>
                </details>
            }
        </section>
    }
}

fn where_(p: &Problem) -> String {
    let l = &p.location;
    let mut at = Vec::new();
    if let Some(e) = &l.entry {
        at.push(format!("entry {e}"));
    }
    if let Some(o) = l.offset {
        at.push(format!("offset {o}"));
    }
    if let Some(d) = &l.digest {
        at.push(format!("{}:{}", d.algorithm().name(), d.short()));
    }
    if let Some(i) = l.image {
        at.push(format!("image {i}"));
    }
    if let Some(i) = l.layer {
        at.push(format!("layer {i}"));
    }
    if at.is_empty() {
        String::new()
    } else {
        format!(" ({})", at.join(", "))
    }
}
