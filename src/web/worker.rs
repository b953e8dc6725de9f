//! The dissecting worker: the only place where the browser meets the core.
//! It receives a `File` (structured clone, no copy), reads it through a
//! `BlobReader`, posts every event as a JSON message, then answers the
//! page's requests from the finished dissection.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use crate::message::{Reply, Request};
use crate::session::Session;
use crate::web::blob_reader::BlobReader;
use crate::{dissect, Event, Options};

struct Open {
    session: Session,
    reader: BlobReader,
}

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

fn open(blob: Blob, state: &Rc<RefCell<Option<Open>>>) {
    *state.borrow_mut() = None;
    let reader = match BlobReader::new(blob.clone()) {
        Ok(r) => r,
        Err(e) => {
            post(&Reply::Failed {
                message: format!("cannot read the file: {e}"),
            });
            return;
        }
    };
    let mut sink = |e: Event<'_>| {
        if let Some(reply) = Reply::from_event(&e) {
            post(&reply);
        }
    };
    match dissect(reader, &Options::default(), &mut sink) {
        Ok(d) => match BlobReader::new(blob) {
            Ok(reader) => {
                *state.borrow_mut() = Some(Open {
                    session: Session::new(d),
                    reader,
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

fn answer(text: &str, state: &Rc<RefCell<Option<Open>>>) {
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
        .handle(&req, &mut open.reader, &mut |r| post(&r));
    post(&reply);
}

/// The worker's entry point.
pub fn start() {
    console_error_panic_hook::set_once();
    let state: Rc<RefCell<Option<Open>>> = Rc::new(RefCell::new(None));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(text) = data.as_string() {
            answer(&text, &state);
        } else if let Ok(blob) = data.dyn_into::<Blob>() {
            open(blob, &state);
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&Reply::Ready);
}
