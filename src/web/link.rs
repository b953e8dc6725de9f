//! The page's URL: `?src=` to load an archive, deep links to a view
//! (`view`, `image` or `tag`, `platform`, `layer`, `path`), the embed mode
//! and theme; and the URL written back as the user moves around.

use web_sys::UrlSearchParams;

use crate::page::CompareView;
use crate::web::state::{Params, State, Tab};

/// The origin of a URL (`https://host:port`), if it has one.
pub fn origin_of(url: &str) -> Option<String> {
    let o = web_sys::Url::new(url).ok()?.origin();
    (o != "null" && !o.is_empty()).then_some(o)
}

impl Params {
    /// Reads a query string ("?a=b&…", or a hash "#a=b&…").
    pub fn parse(query: &str) -> Params {
        let q = query.trim_start_matches(['?', '#']);
        let Ok(p) = UrlSearchParams::new_with_str(q) else {
            return Params::default();
        };
        let get = |k: &str| p.get(k).filter(|v| !v.is_empty());
        let against = get("against");
        // beside `against`, `view` names one of the comparison's views
        let compare_view = against
            .as_ref()
            .and(get("view"))
            .and_then(|v| CompareView::from_name(&v));
        Params {
            src: get("src"),
            view: get("view")
                .filter(|_| compare_view.is_none())
                .and_then(|v| Tab::from_name(&v)),
            against,
            compare_view,
            image: get("image").and_then(|v| v.parse().ok()),
            tag: get("tag"),
            platform: get("platform"),
            layer: get("layer").and_then(|v| v.parse().ok()),
            path: get("path").map(|p| p.trim_start_matches('/').to_string()),
            embed: get("embed").is_some_and(|v| v != "0" && v != "false"),
            theme: get("theme").filter(|t| t == "light" || t == "dark"),
            parent: get("parent")
                .or_else(|| get("origin"))
                .and_then(|u| origin_of(&u)),
        }
    }

    /// The page's own URL parameters (query, then hash).
    pub fn current() -> Params {
        let Some(loc) = web_sys::window().map(|w| w.location()) else {
            return Params::default();
        };
        let search = loc.search().unwrap_or_default();
        let mut p = Params::parse(&search);
        if p == Params::default() {
            p = Params::parse(&loc.hash().unwrap_or_default());
        }
        p
    }
}

/// The query string for the state as it is now.
pub fn query_for(state: &State) -> String {
    let p = UrlSearchParams::new().expect("URLSearchParams");
    if let Some(src) = &state.src {
        p.append("src", src);
    }
    let against = state.compare.as_ref().and_then(|c| c.src.as_ref());
    match against {
        Some(b) if state.tab == Tab::Compare => {
            p.append("against", b);
            p.append("view", state.compare_view.name());
        }
        _ => p.append("view", state.tab.name()),
    }
    if state.images.len() > 1 {
        p.append("image", &state.image.to_string());
    }
    if let Some(l) = state.layer {
        p.append("layer", &l.to_string());
    }
    if let Some(o) = &state.opened {
        p.append("path", &format!("/{}", o.path));
    }
    if state.embed {
        p.append("embed", "1");
    }
    if let Some(o) = &state.parent {
        p.append("parent", o);
    }
    if let Some(t) = &state.theme {
        p.append("theme", t);
    }
    format!("?{}", String::from(p.to_string()))
}

/// Writes the state into the address bar without reloading.
pub fn write(state: &State) {
    let Some(w) = web_sys::window() else { return };
    let q = query_for(state);
    if w.location().search().ok().as_deref() == Some(q.as_str()) {
        return;
    }
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&q));
    }
}

/// The page's address, for "copy link".
pub fn href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Makes `src` absolute against the page's address.
pub fn absolute(src: &str) -> String {
    web_sys::Url::new_with_base(src, &href())
        .map(|u| u.href())
        .unwrap_or_else(|_| src.to_string())
}
