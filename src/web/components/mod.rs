//! One component per file; each renders a slice of the plain state.

pub mod cake;
pub mod config;
pub mod dir;
pub mod files;
pub mod header;
pub mod history;
pub mod json;
pub mod landing;
pub mod manifest;
pub mod problems;
pub mod progress;
pub mod row;
pub mod space;
pub mod tabs;
pub mod verify;
pub mod viewer;

use yew::prelude::*;

use crate::web::app::Bridge;
use crate::web::state::State;

pub use crate::report::human;

/// The state and the bridge, from context.
#[hook]
pub fn use_page() -> (UseReducerHandle<State>, Bridge) {
    let state = use_context::<UseReducerHandle<State>>().expect("state context");
    let bridge = use_context::<Bridge>().expect("bridge context");
    (state, bridge)
}

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
