//! Browser front end: the Yew page and the dissecting worker.
//!
//! The page: `app.rs` (the root component), `state.rs` (actions and the
//! reducer), `pool.rs` (the workers), `download.rs` (files in and out),
//! `embed.rs` (the embedding page), `link.rs` (the URL), `components/`
//! (the views), `profile.rs` (`?profile=1`). The worker: `worker.rs` and
//! `blob_reader.rs`. The
//! protocol between them is `crate::message`.

// the page's and the worker's items are not a library's API
#![allow(missing_docs)]

pub mod app;
pub mod batch;
pub mod blob_reader;
pub mod components;
pub mod download;
pub mod embed;
pub mod link;
pub mod pool;
pub mod profile;
pub mod state;
pub mod worker;

/// Milliseconds since the page started (`performance.now()`).
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Makes a panic in the page visible: a bug is said, instead of leaving a
/// dead page.
pub fn show_panics() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.get_element_by_id("layercake") {
                let _ = root.set_attribute("data-state", "error");
            }
            if let (Some(body), Ok(div)) = (doc.body(), doc.create_element("div")) {
                div.set_class_name("bug");
                div.set_text_content(Some(&format!(
                    "Layer Cake hit a bug and stopped: {info}. Please report it; reload the page to start again."
                )));
                let _ = body.prepend_with_node_1(&div);
            }
        }
    }));
}

/// Copies text to the clipboard.
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}
