//! The files browser: the merged filesystem or one layer, with A/M/R
//! marks, filters, sorting, search, and the space that layers waste.
//! Directories load lazily from the worker; nothing renders 300,000 rows.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::config::short_command;
use crate::listing::{Marks, Sort};
use crate::message::Request;
use crate::web::components::dir::{Dir, PAGE};
use crate::web::components::row::RowLine;
use crate::web::components::space::SpacePanel;
use crate::web::components::use_page;
use crate::web::components::viewer::Viewer;
use crate::web::state::{Action, Phase};

#[function_component(Files)]
pub fn files() -> Html {
    let (state, bridge) = use_page();
    let Some(img) = state.current() else {
        return html! {};
    };
    if state.phase != Phase::Done {
        // while reading: each layer's members as it is read; the tree
        // opens once every layer is in
        return html! {
            <section class="files">
                <p class="muted">{ format!("Reading layers: {} of {} read. The file tree opens when every layer is in.", state.layers_done(), img.layers.len()) }</p>
                <table class="layer-counts">
                    <thead><tr><th>{"Layer"}</th><th>{"Members"}</th><th>{"Files"}</th><th>{"Dirs"}</th><th>{"Links"}</th><th>{"Whiteouts"}</th><th>{"Size"}</th></tr></thead>
                    <tbody>
                    { for (0..img.layers.len()).map(|j| match state.facts(img, j) {
                        Some(f) => html! { <tr>
                            <td>{ j }</td><td>{ f.entries }</td><td>{ f.counts.files }</td><td>{ f.counts.dirs }</td>
                            <td>{ f.counts.symlinks + f.counts.hardlinks }</td><td>{ f.counts.whiteouts + f.counts.opaque }</td>
                            <td>{ crate::report::human(f.uncompressed_size.unwrap_or(f.size)) }</td>
                        </tr> },
                        None => html! { <tr class="pending"><td>{ j }</td><td colspan="6" class="muted">{"…"}</td></tr> },
                    }) }
                    </tbody>
                </table>
            </section>
        };
    }
    let on_view = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::SelectLayer(s.value().parse().ok()));
        })
    };
    let on_sort = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            d.dispatch(Action::Sort(if s.value() == "size" {
                Sort::Size
            } else {
                Sort::Name
            }));
        })
    };
    let toggle = |which: &'static str| {
        let d = state.dispatcher();
        let m = state.marks;
        Callback::from(move |_| {
            let mut m: Marks = m;
            match which {
                "a" => m.added = !m.added,
                "m" => m.modified = !m.modified,
                _ => m.removed = !m.removed,
            }
            d.dispatch(Action::Marks(m));
        })
    };
    let on_query = {
        let d = state.dispatcher();
        let send = bridge.send.clone();
        let view = state.view();
        let marks = state.marks;
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            let q = i.value();
            if !q.is_empty() {
                send.emit(Request::Search {
                    id: 1,
                    view,
                    query: q.clone(),
                    marks,
                    limit: PAGE,
                });
            }
            d.dispatch(Action::Query(q));
        })
    };
    let cmds: Vec<String> = (0..img.layers.len())
        .map(|j| {
            img.history
                .iter()
                .find(|h| h.layer == Some(j))
                .and_then(|h| h.created_by.as_deref())
                .map(short_command)
                .map(|s| s.chars().take(60).collect())
                .unwrap_or_default()
        })
        .collect();
    let search = state
        .search
        .as_ref()
        .filter(|(q, _)| !q.is_empty() && *q == state.query);
    html! {
        <section class="files">
            <div class="toolbar">
                <label>{"Show "}
                    <select id="view-picker" onchange={on_view}>
                        <option value="merged" selected={state.layer.is_none()}>{"Merged filesystem"}</option>
                        { for (0..img.layers.len()).map(|j| html! {
                            <option value={j.to_string()} selected={state.layer == Some(j)}>{ format!("Layer {j}: {}", cmds[j]) }</option>
                        }) }
                    </select>
                </label>
                <label>{"Sort "}
                    <select id="sort" onchange={on_sort}>
                        <option value="name" selected={state.sort == Sort::Name}>{"name"}</option>
                        <option value="size" selected={state.sort == Sort::Size}>{"size"}</option>
                    </select>
                </label>
                <span class="filters" role="group" aria-label="Show changes">
                    <label class="added"><input type="checkbox" checked={state.marks.added} onchange={toggle("a")} />{" A added"}</label>
                    <label class="modified"><input type="checkbox" checked={state.marks.modified} onchange={toggle("m")} />{" M modified"}</label>
                    <label class="removed"><input type="checkbox" checked={state.marks.removed} onchange={toggle("r")} />{" R removed"}</label>
                </span>
                <input type="search" id="path-search" placeholder="Search paths" value={state.query.clone()} oninput={on_query} aria-label="Search paths" />
            </div>
            <div class="files-body">
                <div class="tree" role="tree" aria-label="Files">
                    <div class="row head"><span></span><span>{"Name"}</span><span class="size">{"Size"}</span><span>{"Mode"}</span><span>{"Owner"}</span><span>{"Layers"}</span></div>
                    if let Some((_, page)) = search {
                        { for page.rows.iter().map(|r| html! { <RowLine key={r.path.clone()} row={r.clone()} depth={0} full={true} /> }) }
                        <p class="muted">{ format!("{} of {} matches shown", page.rows.len(), page.total) }</p>
                    } else {
                        <Dir dir={String::new()} depth={0} />
                    }
                </div>
                if state.layer.is_none() { <SpacePanel /> }
            </div>
            <Viewer />
        </section>
    }
}
