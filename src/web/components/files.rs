//! The files browser: the merged filesystem or one layer, with A/M/R
//! marks, filters, sorting, search, and the space that layers waste.
//! Directories load lazily from the worker; nothing renders 300,000 rows.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::config::short_command;
use crate::entry::Kind;
use crate::listing::{Marks, Row, Sort};
use crate::message::Request;
use crate::tree::Change;
use crate::web::components::viewer::Viewer;
use crate::web::components::{human, use_page};
use crate::web::state::{Action, Phase};

/// Rows shown per directory; the rest are reached by search.
pub const PAGE: usize = 500;

fn mark_letter(c: Change) -> Html {
    let (cls, letter, title) = match c {
        Change::Added => ("added", "A", "added"),
        Change::Modified => ("modified", "M", "modified"),
        Change::Removed => ("removed", "R", "removed"),
        Change::Ignored => ("", " ", ""),
    };
    html! { <span class={classes!("mark", cls)} title={title}>{ letter }</span> }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    row: Row,
    depth: usize,
    /// Show the full path (search results) instead of the name.
    #[prop_or_default]
    full: bool,
}

#[function_component(RowLine)]
fn row_line(p: &RowProps) -> Html {
    let (state, bridge) = use_page();
    let r = &p.row;
    let is_dir = r.kind == Kind::Dir;
    let expanded = state.expanded.contains(&r.path);
    let onclick = {
        let d = state.dispatcher();
        let path = r.path.clone();
        let send = bridge.send.clone();
        let view = state.view();
        let readable = r.content.is_some() && r.change != Change::Removed;
        Callback::from(move |_| {
            if is_dir {
                d.dispatch(Action::Toggle(path.clone()));
            } else if readable {
                d.dispatch(Action::OpenFile(path.clone()));
                send.emit(Request::Read {
                    id: 1,
                    view,
                    path: path.clone(),
                    limit: 256 * 1024,
                });
            }
        })
    };
    let icon = match (r.kind, expanded) {
        (Kind::Dir, true) => "▾",
        (Kind::Dir, false) => "▸",
        (Kind::Symlink, _) => "↪",
        _ => " ",
    };
    let name = if p.full {
        r.path.clone()
    } else {
        r.name.clone()
    };
    let layers = match (r.layer, r.modified_by.is_empty()) {
        (Some(a), true) => format!("L{a}"),
        (Some(a), false) => format!(
            "L{a}→{}",
            r.modified_by
                .iter()
                .map(|m| format!("L{m}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => String::new(),
    };
    html! {
        <>
            <div class={classes!("row", (r.change == Change::Removed && !is_dir).then_some("gone"))} role="treeitem"
                 aria-expanded={is_dir.then(|| expanded.to_string())} data-path={r.path.clone()}>
                { mark_letter(r.change) }
                <button class="name" style={format!("padding-left:{}em", p.depth as f64 * 1.1)} {onclick}>
                    <span class="icon">{ icon }</span>{ name }
                    if let Some(l) = &r.link { <span class="link-target">{ format!(" → {l}") }</span> }
                </button>
                <span class="size">{ if is_dir || r.kind == Kind::File { human(r.size) } else { String::new() } }</span>
                <span class="mode">{ format!("{}{:o}", r.kind.letter(), r.mode) }</span>
                <span class="owner">{ format!("{}:{}", r.uid, r.gid) }</span>
                <span class="layers" title={layers.clone()}>{ layers.clone() }</span>
            </div>
            if is_dir && expanded && !p.full { <Dir dir={r.path.clone()} depth={p.depth + 1} /> }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct DirProps {
    dir: String,
    depth: usize,
}

#[function_component(Dir)]
fn dir(p: &DirProps) -> Html {
    let (state, bridge) = use_page();
    let key = (state.view(), p.dir.clone());
    let page = state.listings.get(&key).cloned();
    {
        let send = bridge.send.clone();
        let missing = page.is_none();
        let (sort, marks, dir) = (state.sort, state.marks, p.dir.clone());
        use_effect_with(
            (key.0, dir.clone(), sort, marks, missing),
            move |(view, _, _, _, missing)| {
                if *missing {
                    send.emit(Request::List {
                        id: 1,
                        view: *view,
                        dir,
                        sort,
                        marks,
                        offset: 0,
                        limit: PAGE,
                    });
                }
            },
        );
    }
    let Some(page) = page else {
        return html! { <div class="row loading" style={format!("padding-left:{}em", p.depth as f64 * 1.1 + 2.0)}>{"…"}</div> };
    };
    html! {
        <>
            { for page.rows.iter().map(|r| html! { <RowLine key={r.path.clone()} row={r.clone()} depth={p.depth} /> }) }
            if page.total > page.rows.len() {
                <div class="row more" style={format!("padding-left:{}em", p.depth as f64 * 1.1 + 2.0)}>
                    { format!("… and {} more entries here; use the search to find them", page.total - page.rows.len()) }
                </div>
            }
            if page.total == 0 && p.dir.is_empty() { <p class="muted">{"No files."}</p> }
        </>
    }
}

#[function_component(SpacePanel)]
fn space_panel() -> Html {
    let (state, bridge) = use_page();
    let image = state.image;
    let space = state.space.get(&image).cloned();
    {
        let send = bridge.send.clone();
        let missing = space.is_none();
        use_effect_with((image, missing), move |(image, missing)| {
            if *missing {
                send.emit(Request::Space {
                    id: 1,
                    image: *image,
                    limit: 20,
                });
            }
        });
    }
    let Some(s) = space else { return html! {} };
    html! {
        <aside class="space">
            <h3>{"Space"}</h3>
            <p id="efficiency">{ format!("Efficiency {:.1}%: {} wasted of {} written by layers", s.stats.efficiency * 100.0, human(s.stats.wasted_bytes), human(s.stats.layer_bytes)) }</p>
            <h4>{"Largest files"}</h4>
            <ol class="largest">{ for s.largest.iter().map(|r| html! { <li><span class="size">{ human(r.size) }</span>{ " " }<code>{ &r.path }</code></li> }) }</ol>
            <h4>{"Wasted space"}</h4>
            if s.waste.is_empty() { <p class="muted">{"No layer hides another's files."}</p> } else {
                <ol class="waste">{ for s.waste.iter().map(|w| html! {
                    <li><span class="size">{ human(w.wasted_bytes) }</span>{ format!(" ×{} ", w.copies) }<code>{ &w.path }</code></li>
                }) }</ol>
            }
        </aside>
    }
}

#[function_component(Files)]
pub fn files() -> Html {
    let (state, bridge) = use_page();
    let Some(img) = state.current() else {
        return html! {};
    };
    if state.phase != Phase::Done {
        return html! { <p class="muted">{ format!("Files appear once every layer is read ({} read so far).", state.layers_done()) }</p> };
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
