//! `?profile=1`: where the time goes, per worker and on the page. Off by
//! default, and then nothing is timed: every clock below is behind one
//! thread-local flag, checked once per coarse step (a 4 MiB read, a
//! message, a layer), never per byte.
//!
//! The page starts its workers as `worker_loader.js?profile=1`; each worker
//! adds up its phases and posts them as [`ToPage::Profile`] when its part
//! is done. The page prints them with its own (time to the first render
//! and to done, reducer and render time) as a `console.table`, and puts
//! them, as JSON, in `#layercake[data-profile]` for scripts
//! (`scripts/bench-page.mjs`, the e2e tests).

use std::cell::{Cell, RefCell};

use wasm_bindgen::{JsCast, JsValue};

use crate::message::{Profile, ToPage};

thread_local! {
    static ON: Cell<Option<bool>> = const { Cell::new(None) };
    /// This worker's phases.
    static WORKER: RefCell<Profile> = RefCell::new(Profile::default());
    /// The clocks when the current layer began: time, read_ms, post_ms.
    static LAYER: Cell<[f64; 3]> = const { Cell::new([0.0; 3]) };
    /// The page: reducer and render time.
    static PAGE: RefCell<PageTimes> = RefCell::new(PageTimes::default());
    /// The page: the workers' profiles heard, by worker.
    static HEARD: RefCell<Vec<(usize, Profile)>> = const { RefCell::new(Vec::new()) };
}

/// Whether this page or worker was started with `profile=1` in its URL.
pub fn on() -> bool {
    ON.with(|on| match on.get() {
        Some(b) => b,
        None => {
            let b = js_sys::Reflect::get(&js_sys::global(), &"location".into())
                .and_then(|l| js_sys::Reflect::get(&l, &"search".into()))
                .ok()
                .and_then(|s| s.as_string())
                .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
                .and_then(|p| p.get("profile"))
                .is_some_and(|v| v == "1");
            on.set(Some(b));
            b
        }
    })
}

/// Milliseconds since this page or worker started (`performance.now()`).
pub fn now() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Runs `f`, adding its time to one of this worker's phases when profiling.
pub fn time<T>(phase: fn(&mut Profile) -> &mut f64, f: impl FnOnce() -> T) -> T {
    if !on() {
        return f();
    }
    let t = now();
    let r = f();
    let dt = now() - t;
    WORKER.with(|w| *phase(&mut w.borrow_mut()) += dt);
    r
}

/// Changes this worker's profile (only when profiling).
pub fn with(f: impl FnOnce(&mut Profile)) {
    if on() {
        WORKER.with(|w| f(&mut w.borrow_mut()));
    }
}

/// Reads this worker's profile.
pub fn get() -> Profile {
    WORKER.with(|w| w.borrow().clone())
}

/// The worker's time to start: from its creation to now (`Ready`).
pub fn started() {
    with(|p| p.start_ms = now());
}

/// A layer began (`LayerStarted`): remembers the clocks.
pub fn layer_started() {
    with(|p| LAYER.set([now(), p.read_ms, p.post_ms]));
}

/// A layer ended (`LayerDone`): its time, less the reads and the posts
/// made meanwhile, is the core's analysis (hash, inflate, tar walk, entries).
pub fn layer_done() {
    with(|p| {
        let [t, read, post] = LAYER.get();
        p.analyze_ms += (now() - t) - (p.read_ms - read) - (p.post_ms - post);
        p.layers += 1;
    });
}

/// Posts this worker's profile to the page (only when profiling).
pub fn report(post: impl FnOnce(&ToPage)) {
    if on() {
        post(&ToPage::Profile { profile: get() });
    }
}

/// The page's own phases.
#[derive(Default)]
struct PageTimes {
    reduce_ms: f64,
    actions: u32,
    render_ms: f64,
    renders: u32,
    render_start: f64,
}

/// Runs the reducer, timing it when profiling.
pub fn reduce<T>(f: impl FnOnce() -> T) -> T {
    if !on() {
        return f();
    }
    let t = now();
    let r = f();
    let dt = now() - t;
    PAGE.with(|p| {
        let mut p = p.borrow_mut();
        p.reduce_ms += dt;
        p.actions += 1;
    });
    r
}

/// The root component begins to render.
pub fn render_begins() {
    if on() {
        PAGE.with(|p| p.borrow_mut().render_start = now());
    }
}

/// The render is out (the root's effect runs after its children rendered).
pub fn render_ends() {
    if on() {
        PAGE.with(|p| {
            let mut p = p.borrow_mut();
            p.render_ms += now() - p.render_start;
            p.renders += 1;
        });
    }
}

/// New workers: forgets the old ones' profiles.
pub fn forget() {
    HEARD.with(|h| h.borrow_mut().clear());
}

/// Worker `i`'s profile reached the page. Once the gathering worker (0)
/// has reported (it finishes last), prints the table and sets
/// `data-profile`; again if a helper's comes later.
pub fn heard(i: usize, profile: Profile) {
    let all = HEARD.with(|h| {
        let mut h = h.borrow_mut();
        h.retain(|(j, _)| *j != i);
        h.push((i, profile));
        h.sort_by_key(|(j, _)| *j);
        h.clone()
    });
    if all.first().is_none_or(|(j, _)| *j != 0) {
        return;
    }
    let doc = web_sys::window().and_then(|w| w.document());
    let root = doc.and_then(|d| d.get_element_by_id("layercake"));
    let attr = |k: &str| {
        root.as_ref()
            .and_then(|r| r.get_attribute(k))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let page = PAGE.with(|p| {
        let p = p.borrow();
        serde_json::json!({
            "first_render_ms": attr("data-first-image-ms"),
            "done_ms": attr("data-done-ms"),
            "reduce_ms": round(p.reduce_ms),
            "actions": p.actions,
            "render_ms": round(p.render_ms),
            "renders": p.renders,
        })
    });
    let workers: Vec<serde_json::Value> = all
        .iter()
        .map(|(i, p)| {
            serde_json::json!({
                "worker": i,
                "start_ms": round(p.start_ms),
                "dissect_ms": round(p.dissect_ms),
                "read_ms": round(p.read_ms),
                "reads": p.reads,
                "read_mb": round(p.read_bytes as f64 / 1e6),
                "analyze_ms": round(p.analyze_ms),
                "inflate_ms": round(p.inflate_ms),
                "walk_ms": round(p.walk_ms),
                "hash_ms": round(p.hash_ms),
                "lanes": round(p.busy_lanes as f64 / p.rounds.max(1) as f64),
                "layers": p.layers,
                "post_ms": round(p.post_ms),
                "posts": p.posts,
                "forward_ms": round(p.forward_ms),
                "merge_ms": round(p.merge_ms),
                "finish_ms": round(p.finish_ms),
                "relay_wait_ms": round(p.relay_wait_ms),
                "relayed_mb": round(p.relayed_bytes as f64 / 1e6),
            })
        })
        .collect();
    let json = serde_json::json!({ "page": page, "workers": workers }).to_string();
    if let Some(r) = &root {
        let _ = r.set_attribute("data-profile", &json);
    }
    if let Ok(v) = js_sys::JSON::parse(&json) {
        let get = |k: &str| js_sys::Reflect::get(&v, &k.into()).unwrap_or(JsValue::UNDEFINED);
        web_sys::console::log_2(&"layercake profile: the page (ms)".into(), &get("page"));
        web_sys::console::log_1(&"layercake profile: the workers (ms)".into());
        web_sys::console::table_1(&get("workers"));
    }
}

fn round(ms: f64) -> f64 {
    (ms * 10.0).round() / 10.0
}
