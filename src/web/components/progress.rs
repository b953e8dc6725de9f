//! The progress bar: bytes, speed, layers.

use yew::prelude::*;

use crate::web::components::{human, use_page};
use crate::web::state::Phase;

#[function_component(Progress)]
pub fn progress() -> Html {
    let (state, _) = use_page();
    if state.phase != Phase::Loading {
        return html! {};
    }
    let total = state.total.unwrap_or(0);
    let pct = if total > 0 {
        state.bytes_read() as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let secs = ((state.now - state.started) / 1000.0).max(0.001);
    let speed = state.bytes_read() as f64 / secs;
    let layers_total = state
        .images
        .iter()
        .flat_map(|i| i.layers.iter().filter_map(|l| l.blob))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    html! {
        <div class="progress" role="status" aria-live="polite">
            <div class="bar"><div class="fill" style={format!("width:{pct:.1}%")}></div></div>
            <span>{ format!("{} of {} · {}/s · {} of {} layers read",
                human(state.bytes_read()), human(total), human(speed as u64), state.layers_done(), layers_total) }</span>
        </div>
    }
}
