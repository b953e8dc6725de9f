//! What the worker says to the page: updates and answers as JSON, a
//! download's pieces and a helper's blobs as they are, and its memory.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::DedicatedWorkerGlobalScope;

use crate::message::{gather_text, Answer, SharedBlob, ToPage, Update};
use crate::web::profile;

pub(super) fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

pub(super) fn update(update: Update) {
    post(&ToPage::Update { update });
}

/// Posts one answer to the page; a download's piece goes as a transferable
/// `ArrayBuffer` (`{chunk: id, bytes}`), never as JSON.
pub(super) fn answer_with(id: u32, answer: Answer) {
    match answer {
        Answer::Chunk { bytes } => post_chunk(id, &bytes),
        answer => post(&ToPage::Answer { id, answer }),
    }
}

fn post_chunk(id: u32, bytes: &[u8]) {
    let arr = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    arr.copy_from(bytes);
    let buf = arr.buffer();
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"chunk".into(), &id.into());
    let _ = js_sys::Reflect::set(&msg, &"bytes".into(), &buf);
    if let Err(e) = scope().post_message_with_transfer(&msg, &js_sys::Array::of1(&buf)) {
        web_sys::console::error_1(&e);
    }
}

/// Posts one message to the page as JSON.
pub(super) fn post(message: &ToPage) {
    profile::with(|p| p.posts += 1);
    profile::time(
        |p| &mut p.post_ms,
        || match serde_json::to_string(message) {
            Ok(s) => {
                let _ = scope().post_message(&JsValue::from_str(&s));
            }
            Err(e) => web_sys::console::error_1(&format!("cannot encode a message: {e}").into()),
        },
    )
}

/// Posts a helper's blobs as `{forward}`, for the page to hand to the
/// gathering worker unread.
pub(super) fn post_forward(blobs: Vec<SharedBlob>) {
    profile::time(|p| &mut p.forward_ms, || forward_now(blobs))
}

fn forward_now(blobs: Vec<SharedBlob>) {
    match gather_text(blobs) {
        Ok(text) => {
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"forward".into(), &text.into());
            let _ = scope().post_message(&msg);
        }
        Err(e) => update(Update::Failed {
            message: format!("cannot encode the blobs read: {e}"),
        }),
    }
}

/// Tells the page how much wasm memory this worker holds.
pub(super) fn post_memory() {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = mem
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64;
    post(&ToPage::Memory { bytes });
}
