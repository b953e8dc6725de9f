//! The views, one component per file. Each takes its props (`Rc`s of the
//! state's parts, values, callbacks) and renders them; a click becomes an
//! action for the reducer. No view talks to a worker: the root asks what
//! the state lacks.

pub mod arriving;
pub mod attestations;
pub mod cake;
pub mod changes;
pub mod compare;
pub mod compare_cakes;
pub mod compare_open;
pub mod config;
pub mod config_diff;
pub mod dir;
pub mod embed_bar;
pub mod files;
pub mod header;
pub mod history;
pub mod history_diff;
pub mod json;
pub mod landing;
pub mod manifest;
pub mod open_another;
pub mod package_diff;
pub mod packages;
pub mod problems;
pub mod progress;
pub mod row;
pub mod source_origin;
pub mod space;
pub mod tabs;
pub mod verify;
pub mod viewer;

use yew::prelude::*;

pub use crate::report::human;

/// A verification mark for a tri-state check.
pub fn mark(v: Option<bool>) -> Html {
    match v {
        Some(true) => html! { <span class="ok" title="verified">{"✓ verified"}</span> },
        Some(false) => {
            html! { <span class="bad" title="a digest does not match">{"✗ mismatch"}</span> }
        }
        None => {
            html! { <span class="muted" title="nothing to check against">{"– not checked"}</span> }
        }
    }
}
