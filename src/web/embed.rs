//! The page inside another page (`?embed=1`, `embed.js`): the theme the
//! URL names, the content's height, and the `layercake:done` message.
//! Messages go only to the embedding page's origin when the URL names it.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::web::state::State;

/// Tells an embedding page that the dissection finished (or failed, or
/// was stopped). The name of a file the reader chose never leaves the
/// page: `file` is set only for an archive named by `?src=`.
pub fn notify_done(state: &State) {
    post_parent(
        &serde_json::json!({"type": "layercake:done", "summary": state.summary()}),
        state.parent.as_deref(),
    );
}

/// Posts to the embedding page, when there is one: to the origin the URL
/// names (`parent` or `origin`), else to any.
fn post_parent(msg: &serde_json::Value, origin: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if js_sys::Object::is(&parent, &window) {
        return; // not embedded
    }
    if let Ok(v) = js_sys::JSON::parse(&msg.to_string()) {
        let _ = parent.post_message(&v, origin.unwrap_or("*"));
    }
}

/// Reports the content's height to an embedding page whenever it changes
/// (the root's own height, so a frame can shrink as well as grow).
pub fn report_height(root: &web_sys::Element, origin: Option<String>) {
    let el = root.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| {
        // the root's own height (the body has no margin)
        let h = el.scroll_height().max(el.client_height());
        post_parent(
            &serde_json::json!({"type": "layercake:resize", "height": h}),
            origin.as_deref(),
        );
    });
    if let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
        obs.observe(root);
        std::mem::forget(obs);
    }
    cb.forget();
}

/// Sets the theme the URL names (`light`, `dark`), or follows the system's.
pub fn apply_theme(theme: Option<&str>) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        match theme {
            Some(t) => {
                let _ = el.set_attribute("data-theme", t);
            }
            None => {
                let _ = el.remove_attribute("data-theme");
            }
        }
    }
}
