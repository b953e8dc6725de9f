//! The progress line: bytes, speed, layers, time, and the Stop button.

use yew::prelude::*;

use crate::web::components::human;
use crate::web::state::Reading;

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

#[derive(Properties, PartialEq)]
pub struct ProgressProps {
    pub reading: Reading,
    /// Stop reading: ends every worker.
    pub on_stop: Callback<()>,
}

/// Shown while a file is read.
#[function_component(Progress)]
pub fn progress(p: &ProgressProps) -> Html {
    use_tick();
    let r = &p.reading;
    let total = r.total.unwrap_or(0);
    let pct = if total > 0 {
        r.bytes_read() as f64 * 100.0 / total as f64
    } else {
        0.0
    };
    let elapsed = (crate::web::now() - r.started).max(0.0) / 1000.0;
    let secs = ((r.now - r.started) / 1000.0).max(0.001);
    let speed = r.bytes_read() as f64 / secs;
    let inflating = r.blobs_started > r.blobs_done;
    let stop = p.on_stop.reform(|_: MouseEvent| ());
    html! {
        <div class="progress" role="status" aria-live="polite">
            <div class="bar"><div class="fill" style={format!("width:{pct:.1}%")}></div></div>
            <span id="progress-text">{ format!("{} of {} read · {}/s · {} of {} layers read · {} inflated",
                human(r.bytes_read()), human(total), human(speed as u64), r.blobs_done, r.blobs_total,
                human(r.bytes_inflated())) }</span>
            <span class="muted" id="progress-time">{ format!(" · {elapsed:.0} s{}", if inflating { ", inflating a layer" } else { "" }) }</span>
            <button class="button stop" id="stop" onclick={stop} title="Stop reading this file">{"Stop"}</button>
        </div>
    }
}
