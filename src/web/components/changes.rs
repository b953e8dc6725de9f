//! The file changes of a comparison: A/M/R marks, a filter by kind, a
//! search, sizes on both sides, and the directories that changed most.
//! The worker filters and searches; at most `MAX_CHANGES_SENT` rows come.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::against::ChangeFilter;
use crate::diff::{Diff, FileChange, FileState};
use crate::entry::Kind;
use crate::page::Changes as Answered;
use crate::web::components::human;
use crate::web::state::Action;

#[derive(Properties, PartialEq)]
pub struct ChangesProps {
    pub diff: Rc<Diff>,
    /// The changes for the filter and search shown, once answered.
    pub changes: Option<Rc<Answered>>,
    pub filter: ChangeFilter,
    pub search: String,
    pub on_action: Callback<Action>,
}

fn size(s: &Option<FileState>) -> String {
    match s {
        Some(s) if s.kind == Kind::File => human(s.size),
        Some(s) => format!("{:?}", s.kind).to_lowercase(),
        None => "–".into(),
    }
}

fn row(c: &FileChange) -> Html {
    let letter = c.change.letter().to_string();
    let what = if c.mtime_only() {
        "timestamp only".to_string()
    } else {
        c.what.join(", ")
    };
    html! {
        <tr class={classes!("change", format!("change-{}", letter))} data-path={c.path.clone()} data-change={letter.clone()}>
            <td class={classes!("mark", format!("mark-{letter}"))}>{ letter.clone() }</td>
            <td class="path">{ format!("/{}", c.path) }</td>
            <td class="num size-a">{ size(&c.a) }</td>
            <td class="num size-b">{ size(&c.b) }</td>
            <td class="what muted">{ what }</td>
        </tr>
    }
}

#[function_component(ChangesView)]
pub fn changes(p: &ChangesProps) -> Html {
    let toggle = |set: fn(&mut ChangeFilter, bool),
                  on: bool,
                  id: &'static str,
                  label: &'static str| {
        let filter = p.filter;
        let onchange = p.on_action.reform(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let mut f = filter;
            set(&mut f, input.checked());
            Action::ChangeFilter(f)
        });
        html! {
            <label class="toggle"><input type="checkbox" {id} checked={on} {onchange} />{ label }</label>
        }
    };
    let on_search = p.on_action.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::ChangeSearch(input.value())
    });
    let c = &p.diff.counts;
    let f = p.filter;
    let body = match &p.changes {
        None => {
            html! { <p class="muted" id="changes-loading">{"Asking the reader for the changes…"}</p> }
        }
        Some(ch) => html! {
            <>
                <p class="muted" id="changes-count">
                    { format!("{} change{} match", ch.total, if ch.total == 1 { "" } else { "s" }) }
                    if ch.cut() {
                        <span class="note" id="changes-cut">{ format!(" (the first {} by path shown: narrow the filter or search, or run `layercake diff --json` for all)", ch.rows.len()) }</span>
                    }
                </p>
                if !ch.rows.is_empty() {
                    <table class="changes-table" id="changes-table">
                        <thead><tr><th></th><th>{"Path"}</th><th class="num">{"A"}</th><th class="num">{"B"}</th><th>{"What differs"}</th></tr></thead>
                        <tbody>{ for ch.rows.iter().map(row) }</tbody>
                    </table>
                }
            </>
        },
    };
    let dirs = &p.diff.directories;
    html! {
        <section class="changes" id="changes">
            <div class="filters">
                { toggle(|f, v| f.added = v, f.added, "changes-added", "Added") }
                { toggle(|f, v| f.modified = v, f.modified, "changes-modified", "Modified") }
                { toggle(|f, v| f.removed = v, f.removed, "changes-removed", "Removed") }
                { toggle(|f, v| f.timestamps = v, f.timestamps, "changes-timestamps", "Timestamps only") }
                <label class="search">{"Search "}
                    <input type="search" id="changes-search" value={p.search.clone()} oninput={on_search} placeholder="path" />
                </label>
            </div>
            <p class="muted">{ format!("{} added, {} modified, {} removed; {} that differ only in timestamps.", c.added, c.modified, c.removed, c.metadata) }</p>
            if p.diff.unhashed_files > 0 {
                <p class="note" id="changes-unhashed">{ format!("{} files were compared by size alone (one side was read without per-file digests: a report, or a compressed archive).", p.diff.unhashed_files) }</p>
            }
            { body }
            if !dirs.is_empty() {
                <details class="dir-totals" id="dir-totals">
                    <summary>{"Directories that changed most"}</summary>
                    <table>
                        <thead><tr><th>{"Directory"}</th><th class="num">{"Added"}</th><th class="num">{"Removed"}</th></tr></thead>
                        <tbody>
                        { for dirs.iter().take(50).map(|d| html! {
                            <tr><td class="path">{ d.path.clone() }</td><td class="num">{ human(d.added_bytes) }</td><td class="num">{ human(d.removed_bytes) }</td></tr>
                        }) }
                        </tbody>
                    </table>
                </details>
            }
        </section>
    }
}
