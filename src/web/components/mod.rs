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

/// The state and the bridge, from context.
#[hook]
pub fn use_page() -> (UseReducerHandle<State>, Bridge) {
    let state = use_context::<UseReducerHandle<State>>().expect("state context");
    let bridge = use_context::<Bridge>().expect("bridge context");
    (state, bridge)
}

/// "1.5 MB": decimal units, as docker and registries show sizes.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
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
