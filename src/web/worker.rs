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

use crate::message::{Reply, Request};
use crate::session::Session;
use crate::web::blob_reader::{blob_reader, probe, Probe};
use crate::{dissect, Event, Options};

trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

struct Open {
    session: Session,
    source: Box<dyn Source>,
}

type Shared = Rc<RefCell<Option<Open>>>;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts one reply to the page.
pub fn post(reply: &Reply) {
    match serde_json::to_string(reply) {
        Ok(s) => {
            let _ = scope().post_message(&JsValue::from_str(&s));
        }
        Err(e) => web_sys::console::error_1(&format!("cannot encode a reply: {e}").into()),
    }
}

/// Dissects `source`, posting events, and keeps the session for requests;
/// `again` opens a second reader for reading files later.
fn run(
    source: Box<dyn Source>,
    again: impl FnOnce() -> std::io::Result<Box<dyn Source>>,
    state: &Shared,
) {
    *state.borrow_mut() = None;
    let mut sink = |e: Event<'_>| {
        if let Some(reply) = Reply::from_event(&e) {
            post(&reply);
        }
    };
    match dissect(source, &Options::default(), &mut sink) {
        Ok(d) => match again() {
            Ok(source) => {
                *state.borrow_mut() = Some(Open {
                    session: Session::new(d),
                    source,
                })
            }
            Err(e) => post(&Reply::Failed {
                message: format!("cannot read the file again: {e}"),
            }),
        },
        Err(e) => post(&Reply::Failed {
            message: e.to_string(),
        }),
    }
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
    if let Request::OpenUrl { url } = req {
        open_url(url, state);
        return;
    }
    let mut guard = state.borrow_mut();
    let Some(open) = guard.as_mut() else {
        post(&Reply::Error {
            id: 0,
            message: "no file is open".into(),
        });
        return;
    };
    let reply = open
        .session
        .handle(&req, &mut open.source, &mut |r| post(&r));
    post(&reply);
}

/// The worker's entry point.
pub fn start() {
    console_error_panic_hook::set_once();
    let state: Shared = Rc::new(RefCell::new(None));
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
