//! The files browser: the merged filesystem or one layer, with A/M/R
//! marks, filters, sorting, search, and the space that layers waste.
//! Directories load lazily from the worker; nothing renders 300,000 rows.

use std::collections::HashMap;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::config::short_command;
use crate::layer::LayerFacts;
use crate::listing::{Marks, Sort};
use crate::report::Image;
use crate::web::components::dir::{Browse, Dir};
use crate::web::components::row::RowLine;
use crate::web::components::space::SpacePanel;
use crate::web::components::viewer::Viewer;
use crate::web::state::{Action, Found, Opened, Space};

#[derive(Properties, PartialEq)]
pub struct FilesProps {
    pub image: Rc<Image>,
    /// Every layer is read: the tree can open.
    pub done: bool,
    /// Facts of the layer blobs read so far.
    pub blobs: Rc<HashMap<usize, Rc<LayerFacts>>>,
    pub sort: Sort,
    pub marks: Marks,
    /// The search typed, and its results once answered.
    pub query: String,
    pub found: Option<Rc<Found>>,
    /// The tree: its view (the merged filesystem, or a layer) and rows.
    pub browse: Browse,
    pub space: Option<Rc<Space>>,
    pub opened: Option<Rc<Opened>>,
}

#[function_component(Files)]
pub fn files(p: &FilesProps) -> Html {
    let img = &*p.image;
    let facts = |j: usize| img.layers[j].blob.and_then(|b| p.blobs.get(&b));
    let layer = p.browse.view.layer;
    let on = &p.browse.on_action;
    if !p.done {
        // while reading: each layer's members as it is read; the tree
        // opens once every layer is in
        return html! {
            <section class="files">
                <p class="muted">{ format!("Reading layers: {} of {} read. The file tree opens when every layer is in.", (0..img.layers.len()).filter(|&j| facts(j).is_some()).count(), img.layers.len()) }</p>
                <table class="layer-counts">
                    <thead><tr><th>{"Layer"}</th><th>{"Members"}</th><th>{"Files"}</th><th>{"Dirs"}</th><th>{"Links"}</th><th>{"Whiteouts"}</th><th>{"Size"}</th></tr></thead>
                    <tbody>
                    { for (0..img.layers.len()).map(|j| match facts(j) {
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
    let on_view = on.reform(|e: Event| {
        let s: HtmlSelectElement = e.target_unchecked_into();
        Action::SelectLayer(s.value().parse().ok())
    });
    let on_sort = on.reform(|e: Event| {
        let s: HtmlSelectElement = e.target_unchecked_into();
        Action::Sort(if s.value() == "size" {
            Sort::Size
        } else {
            Sort::Name
        })
    });
    let toggle = |which: &'static str| {
        let m = p.marks;
        on.reform(move |_: Event| {
            let mut m: Marks = m;
            match which {
                "a" => m.added = !m.added,
                "m" => m.modified = !m.modified,
                _ => m.removed = !m.removed,
            }
            Action::Marks(m)
        })
    };
    let on_query = on.reform(|e: InputEvent| {
        let i: HtmlInputElement = e.target_unchecked_into();
        Action::Query(i.value())
    });
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
    html! {
        <section class="files">
            <div class="toolbar">
                <label>{"Show "}
                    <select id="view-picker" onchange={on_view}>
                        <option value="merged" selected={layer.is_none()}>{"Merged filesystem"}</option>
                        { for (0..img.layers.len()).map(|j| html! {
                            <option value={j.to_string()} selected={layer == Some(j)}>{ format!("Layer {j}: {}", cmds[j]) }</option>
                        }) }
                    </select>
                </label>
                <label>{"Sort "}
                    <select id="sort" onchange={on_sort}>
                        <option value="name" selected={p.sort == Sort::Name}>{"name"}</option>
                        <option value="size" selected={p.sort == Sort::Size}>{"size"}</option>
                    </select>
                </label>
                <span class="filters" role="group" aria-label="Show changes">
                    <label class="added"><input type="checkbox" checked={p.marks.added} onchange={toggle("a")} />{" A added"}</label>
                    <label class="modified"><input type="checkbox" checked={p.marks.modified} onchange={toggle("m")} />{" M modified"}</label>
                    <label class="removed"><input type="checkbox" checked={p.marks.removed} onchange={toggle("r")} />{" R removed"}</label>
                </span>
                <input type="search" id="path-search" placeholder="Search paths" value={p.query.clone()} oninput={on_query} aria-label="Search paths" />
            </div>
            <div class="files-body">
                <div class="tree" role="tree" aria-label="Files">
                    <div class="row head"><span></span><span>{"Name"}</span><span class="size">{"Size"}</span><span>{"Mode"}</span><span>{"Owner"}</span><span>{"Layers"}</span></div>
                    if let Some(found) = &p.found {
                        { for found.page.rows.iter().map(|r| html! { <RowLine key={r.path.clone()} row={r.clone()} depth={0} full={true} browse={p.browse.clone()} /> }) }
                        <p class="muted">{ format!("{} of {} matches shown", found.page.rows.len(), found.page.total) }</p>
                    } else {
                        <Dir dir={String::new()} depth={0} browse={p.browse.clone()} />
                    }
                </div>
                if layer.is_none() { <SpacePanel space={p.space.clone()} /> }
            </div>
            if let Some(opened) = &p.opened { <Viewer opened={opened.clone()} on_action={on.clone()} /> }
        </section>
    }
}
