//! A directory's rows, loaded from the worker when first shown.

use yew::prelude::*;

use crate::message::Request;
use crate::web::components::row::RowLine;
use crate::web::components::use_page;

/// Rows shown per directory; the rest are reached by search.
pub const PAGE: usize = 500;

#[derive(Properties, PartialEq)]
pub struct DirProps {
    pub dir: String,
    pub depth: usize,
}

#[function_component(Dir)]
pub fn dir(p: &DirProps) -> Html {
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
