//! One worker of the pool: its slot (messages wait in it until the worker
//! is ready), the compiled module handed to it, and its end.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{MessageEvent, Worker};

/// One worker and what waits for it to be ready.
pub(super) struct Slot {
    pub(super) worker: Worker,
    pub(super) ready: bool,
    /// Ended (crashed, or terminated after a crash).
    pub(super) dead: bool,
    /// Messages for when it is ready, each with what it transfers.
    pub(super) pending: Vec<(JsValue, Option<js_sys::Array>)>,
    pub(super) _onmessage: Closure<dyn FnMut(MessageEvent)>,
    pub(super) _onerror: Closure<dyn FnMut(web_sys::Event)>,
}

impl Slot {
    pub(super) fn post(&mut self, v: JsValue) {
        self.post_transfer(v, None);
    }

    /// Posts `v`, transferring what `transfer` lists (ports, buffers).
    pub(super) fn post_transfer(&mut self, v: JsValue, transfer: Option<js_sys::Array>) {
        if self.dead {
            return;
        }
        if !self.ready {
            self.pending.push((v, transfer));
            return;
        }
        let _ = match &transfer {
            Some(t) => self.worker.post_message_with_transfer(&v, t),
            None => self.worker.post_message(&v),
        };
    }
}

thread_local! {
    /// The workers' wasm, compiled once for every worker of the page.
    static MODULE: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Compiles the workers' wasm (once per page) and hands the compiled
/// `WebAssembly.Module` to `worker` as its first message; if it cannot be
/// compiled here, the worker is told to fetch it itself (`null`).
pub(super) fn hand_module(worker: &Worker) {
    let module = MODULE.with(|m| {
        m.borrow_mut()
            .get_or_insert_with(|| {
                let Some(window) = web_sys::window() else {
                    return js_sys::Promise::reject(&"no window".into());
                };
                wasm_bindgen_futures::future_to_promise(async move {
                    let response =
                        JsFuture::from(window.fetch_with_str("./worker_bg.wasm")).await?;
                    let response: web_sys::Response = response.dyn_into()?;
                    if !response.ok() {
                        return Err(JsValue::from_str("worker_bg.wasm: not found"));
                    }
                    let bytes = JsFuture::from(response.array_buffer()?).await?;
                    JsFuture::from(js_sys::WebAssembly::compile(&bytes)).await
                })
            })
            .clone()
    });
    let send = |worker: &Worker, m: &JsValue| {
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"layercakeModule".into(), m);
        let _ = worker.post_message(&msg);
    };
    let worker = worker.clone();
    spawn_local(async move {
        match JsFuture::from(module).await {
            Ok(m) => send(&worker, &m),
            Err(_) => send(&worker, &JsValue::NULL),
        }
    });
}

/// Drops slots after the current event (their closures may be running).
pub(super) fn retire(slots: Vec<Slot>) {
    if !slots.is_empty() {
        spawn_local(async move { drop(slots) });
    }
}

/// Why a worker died, from its `error` event, in words.
pub(super) fn why(e: &web_sys::Event) -> String {
    let message = e
        .dyn_ref::<web_sys::ErrorEvent>()
        .map(|e| e.message())
        .unwrap_or_default();
    let cause = if message.contains("unreachable") {
        "a WebAssembly trap, most likely out of memory"
    } else if message.contains("call stack") || message.contains("too much recursion") {
        "a stack overflow"
    } else if message.to_ascii_lowercase().contains("memory") {
        "out of memory"
    } else if message.is_empty() {
        "it stopped without saying why (out of memory, or it failed to load)"
    } else {
        "an uncaught error"
    };
    if message.is_empty() {
        cause.to_string()
    } else {
        format!("{cause} ({message})")
    }
}
