//! The history of a comparison: the steps each side has that the other
//! lacks (the common steps at the bottom and the top are shared).

use std::rc::Rc;

use yew::prelude::*;

use crate::diff::{Diff, HistoryRow};

#[derive(Properties, PartialEq)]
pub struct HistoryDiffProps {
    pub diff: Rc<Diff>,
}

fn steps(rows: &[HistoryRow], side: &str) -> Html {
    if rows.is_empty() {
        return html! { <p class="muted">{ format!("None only in {}.", side.to_uppercase()) }</p> };
    }
    html! {
        <ol class="steps">
        { for rows.iter().map(|r| html! {
            <li class={classes!("step", r.empty_layer.then_some("empty"))} data-index={r.index.to_string()}>
                <span class="muted">{ format!("#{} ", r.index) }</span>
                <code>{ r.created_by.clone().unwrap_or_default() }</code>
                if r.empty_layer { <span class="muted">{" (no layer)"}</span> }
            </li>
        }) }
        </ol>
    }
}

#[function_component(HistoryDiff)]
pub fn history_diff(p: &HistoryDiffProps) -> Html {
    let h = &p.diff.history;
    html! {
        <section class="history-diff" id="history-diff">
            <div class="side" id="history-only-a"><h3>{"Only in A"}</h3>{ steps(&h.only_a, "a") }</div>
            <div class="side" id="history-only-b"><h3>{"Only in B"}</h3>{ steps(&h.only_b, "b") }</div>
        </section>
    }
}
