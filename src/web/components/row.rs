//! One row of the files browser: mark, name, size, mode, owner, layers.

use yew::prelude::*;

use crate::entry::Kind;
use crate::listing::Row;
use crate::tree::Change;
use crate::web::components::dir::{Browse, Dir};
use crate::web::components::human;
use crate::web::state::Action;

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
pub struct RowProps {
    pub row: Row,
    pub depth: usize,
    /// Show the full path (search results) instead of the name.
    #[prop_or_default]
    pub full: bool,
    pub browse: Browse,
}

#[function_component(RowLine)]
pub fn row_line(p: &RowProps) -> Html {
    let r = &p.row;
    let is_dir = r.kind == Kind::Dir;
    let expanded = p.browse.expanded.contains(&r.path);
    let onclick = {
        let d = p.browse.on_action.clone();
        let path = r.path.clone();
        let readable = r.content.is_some() && r.change != Change::Removed;
        Callback::from(move |_| {
            if is_dir {
                d.emit(Action::Toggle(path.clone()));
            } else if readable {
                d.emit(Action::OpenFile(path.clone()));
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
            if is_dir && expanded && !p.full { <Dir dir={r.path.clone()} depth={p.depth + 1} browse={p.browse.clone()} /> }
        </>
    }
}
