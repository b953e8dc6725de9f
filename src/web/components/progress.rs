//! The progress bar: bytes, speed, layers, and the Stop button.

use yew::prelude::*;

use crate::web::components::{human, use_page};
use crate::web::state::Phase;

/// Re-renders every second while mounted, so the elapsed time moves even
/// when no message comes (a layer that inflates far more than it reads).
#[hook]
fn use_tick() {
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let cb = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
                tick.set(tick.wrapping_add(1))
            });
            let id = web_sys::window().and_then(|w| {
                use wasm_bindgen::JsCast;
                w.set_interval_with_callback_and_timeout_and_arguments_0(
                    cb.as_ref().unchecked_ref(),
                    1000,
                )
                .ok()
            });
            move || {
                if let (Some(w), Some(id)) = (web_sys::window(), id) {
                    w.clear_interval_with_handle(id);
                }
                drop(cb);
            }
        });
    }
}

#[function_component(Progress)]
pub fn progress() -> Html {
    let (state, _) = use_page();
    if state.phase != Phase::Loading {
        return html! {};
    }
    html! { <Bar /> }
}

#[function_component(Bar)]
fn bar() -> Html {
    use_tick();
    let (state, bridge) = use_page();
    let total = state.total.unwrap_or(0);
    let pct = if total > 0 {
        state.bytes_read() as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let elapsed = (crate::web::app::now() - state.started).max(0.0) / 1000.0;
    let secs = ((state.now - state.started) / 1000.0).max(0.001);
    let speed = state.bytes_read() as f64 / secs;
    let layers_total = state
        .images
        .iter()
        .flat_map(|i| i.layers.iter().filter_map(|l| l.blob))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let inflating = state.blobs_started > state.layers_done();
    let stop = {
        let stop = bridge.stop.clone();
        Callback::from(move |_| stop.emit(()))
    };
    html! {
        <div class="progress" role="status" aria-live="polite">
            <div class="bar"><div class="fill" style={format!("width:{pct:.1}%")}></div></div>
            <span id="progress-text">{ format!("{} of {} read · {}/s · {} of {} layers read · {} inflated",
                human(state.bytes_read()), human(total), human(speed as u64), state.layers_done(), layers_total,
                human(state.bytes_inflated())) }</span>
            <span class="muted" id="progress-time">{ format!(" · {elapsed:.0} s{}", if inflating { ", inflating a layer" } else { "" }) }</span>
            <button class="button stop" id="stop" onclick={stop} title="Stop reading this file">{"Stop"}</button>
        </div>
    }
}
