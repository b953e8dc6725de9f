//! A directory's rows, as the worker answered them (the root asks for the
//! rows of every directory shown).

use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::message::View;
use crate::web::components::row::RowLine;
use crate::web::state::{Action, RowsPage};

/// What every directory of the files tree needs: the view, the rows
/// answered so far, the open directories, and where clicks go.
#[derive(Clone, PartialEq)]
pub struct Browse {
    pub view: View,
    pub listings: Rc<HashMap<(View, String), Rc<RowsPage>>>,
    pub expanded: Rc<Vec<String>>,
    pub on_action: Callback<Action>,
}

#[derive(Properties, PartialEq)]
pub struct DirProps {
    pub dir: String,
    pub depth: usize,
    pub browse: Browse,
}

#[function_component(Dir)]
pub fn dir(p: &DirProps) -> Html {
    let pad = format!("padding-left:{}em", p.depth as f64 * 1.1 + 2.0);
    let Some(page) = p.browse.listings.get(&(p.browse.view, p.dir.clone())) else {
        return html! { <div class="row loading" style={pad}>{"…"}</div> };
    };
    html! {
        <>
            { for page.rows.iter().map(|r| html! { <RowLine key={r.path.clone()} row={r.clone()} depth={p.depth} browse={p.browse.clone()} /> }) }
            if page.total > page.rows.len() {
                <div class="row more" style={pad}>
                    { format!("… and {} more entries here; use the search to find them", page.total - page.rows.len()) }
                </div>
            }
            if page.total == 0 && p.dir.is_empty() { <p class="muted">{"No files."}</p> }
        </>
    }
}
