//! The dissecting worker: the only place where the browser meets the core.
//! It receives a `File` (structured clone, no copy) or a URL, reads it
//! through a range source, posts every event as a JSON message, then
//! answers the page's requests from the finished dissection.

use std::cell::RefCell;
use std::io::{Read, Seek};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use crate::message::{Reply, Request, SharedBlob};
use crate::session::Session;
use crate::share::Share;
use crate::web::blob_reader::{blob_reader, probe, Probe};
use crate::{dissect, Dissection, Event, Options};

trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

/// What the worker holds.
enum Held {
    /// A finished dissection, answering requests.
    Open {
        session: Session,
        source: Box<dyn Source>,
    },
    /// Our share is read; waiting for the other workers' blobs.
    Gathering {
        dissection: Dissection,
        source: Box<dyn Source>,
    },
}

#[derive(Default)]
struct WorkerState {
    held: Option<Held>,
    /// The share of the next file this worker reads.
    share: Option<Share>,
}

type Shared = Rc<RefCell<WorkerState>>;

fn sink() -> impl FnMut(Event<'_>) {
    |e: Event<'_>| {
        if let Some(reply) = Reply::from_event(&e) {
            post(&reply);
        }
    }
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts one reply to the page; a download's piece goes as a transferable
/// `ArrayBuffer` (`{type: "chunk", id, bytes}`), never as JSON.
pub fn send(reply: Reply) {
    match reply {
        Reply::Chunk { id, bytes } => post_chunk(id, &bytes),
        other => post(&other),
    }
}

fn post_chunk(id: u32, bytes: &[u8]) {
    let arr = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    arr.copy_from(bytes);
    let buf = arr.buffer();
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"chunk".into());
    let _ = js_sys::Reflect::set(&msg, &"id".into(), &id.into());
    let _ = js_sys::Reflect::set(&msg, &"bytes".into(), &buf);
    if let Err(e) = scope().post_message_with_transfer(&msg, &js_sys::Array::of1(&buf)) {
        web_sys::console::error_1(&e);
    }
}

/// Posts one reply to the page as JSON.
pub fn post(reply: &Reply) {
    match serde_json::to_string(reply) {
        Ok(s) => {
            let _ = scope().post_message(&JsValue::from_str(&s));
        }
        Err(e) => web_sys::console::error_1(&format!("cannot encode a reply: {e}").into()),
    }
}

/// Dissects `source`, posting events, and keeps the session for requests;
/// `again` opens a second reader for reading files later. A helper (a
/// share other than the first) posts the blobs it read and keeps nothing.
fn run(
    source: Box<dyn Source>,
    again: impl FnOnce() -> std::io::Result<Box<dyn Source>>,
    state: &Shared,
) {
    let share = state.borrow_mut().share.take();
    state.borrow_mut().held = None;
    let opts = Options {
        share,
        ..Options::default()
    };
    let result = dissect(source, &opts, &mut sink());
    let d = match result {
        Ok(d) => d,
        Err(e) => {
            post(&Reply::Failed {
                message: e.to_string(),
            });
            return;
        }
    };
    if share.is_some_and(|s| s.index > 0) {
        let blobs = d
            .blobs
            .into_iter()
            .enumerate()
            .filter_map(|(blob, b)| {
                b.facts.map(|facts| SharedBlob {
                    blob,
                    facts,
                    entries: b.entries,
                })
            })
            .collect();
        post_memory();
        post(&Reply::Shared { blobs });
        return;
    }
    let source = match again() {
        Ok(s) => s,
        Err(e) => {
            post(&Reply::Failed {
                message: format!("cannot read the file again: {e}"),
            });
            return;
        }
    };
    state.borrow_mut().held = Some(if share.is_some() {
        gathered(d, source)
    } else {
        post_memory();
        Held::Open {
            session: Session::new(d),
            source,
        }
    });
}

/// Tells the page how much wasm memory this worker holds.
fn post_memory() {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = mem
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64;
    post(&Reply::Memory { bytes });
}

/// Finishes a shared dissection once no blob is missing.
fn gathered(d: Dissection, source: Box<dyn Source>) -> Held {
    if d.missing().is_empty() {
        let d = d.finish(&Options::default(), &mut sink());
        post_memory();
        Held::Open {
            session: Session::new(d),
            source,
        }
    } else {
        Held::Gathering {
            dissection: d,
            source,
        }
    }
}

/// Blobs from a helper, or "read what is missing yourself".
fn gather(state: &Shared, blobs: Option<Vec<SharedBlob>>) {
    let held = state.borrow_mut().held.take();
    let next = match held {
        Some(Held::Gathering {
            mut dissection,
            mut source,
        }) => {
            match blobs {
                Some(blobs) => {
                    for b in blobs {
                        dissection.complete(b.blob, b.facts, b.entries);
                    }
                }
                None => dissection.read_missing(&mut source, &mut sink()),
            }
            Some(gathered(dissection, source))
        }
        other => other,
    };
    state.borrow_mut().held = next;
}

fn open_blob(blob: Blob, state: &Shared) {
    match blob_reader(blob.clone()) {
        Ok(r) => run(
            Box::new(r),
            move || Ok(Box::new(blob_reader(blob)?) as Box<dyn Source>),
            state,
        ),
        Err(e) => post(&Reply::Failed {
            message: format!("cannot read the file: {e}"),
        }),
    }
}

fn open_url(url: String, state: &Shared) {
    match probe(&url) {
        Ok(Probe::Ranges(r)) => {
            let again = url.clone();
            run(
                Box::new(r),
                move || match probe(&again) {
                    Ok(Probe::Ranges(r)) => Ok(Box::new(r) as Box<dyn Source>),
                    _ => Err(std::io::Error::other(
                        "the server stopped answering range requests",
                    )),
                },
                state,
            )
        }
        Ok(Probe::Whole) => post(&Reply::NeedsDownload { url }),
        Err(message) => post(&Reply::Failed { message }),
    }
}

fn answer(text: &str, state: &Shared) {
    let req: Request = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            post(&Reply::Error {
                id: 0,
                message: format!("bad request: {e}"),
            });
            return;
        }
    };
    match req {
        Request::OpenUrl { url } => return open_url(url, state),
        Request::Share { share } => {
            state.borrow_mut().share = Some(share);
            return;
        }
        Request::Shared { blobs } => return gather(state, Some(blobs)),
        Request::ReadMissing => return gather(state, None),
        _ => {}
    }
    let mut guard = state.borrow_mut();
    let Some(Held::Open { session, source }) = guard.held.as_mut() else {
        post(&Reply::Error {
            id: 0,
            message: "no file is open yet".into(),
        });
        return;
    };
    let reply = session.handle(&req, source, &mut send);
    send(reply);
}

/// The worker's entry point.
pub fn start() {
    // a panic leaves the worker unusable: say why before the trap ends it
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&Reply::Crashed {
            message: format!("a bug: {info}"),
        });
    }));
    let state: Shared = Rc::new(RefCell::new(WorkerState::default()));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(text) = data.as_string() {
            answer(&text, &state);
        } else if let Ok(blob) = data.dyn_into::<Blob>() {
            open_blob(blob, &state);
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Reply::Ready);
}
