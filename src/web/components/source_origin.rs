//! Where a `?src=` archive comes from: its origin, shown in the header so
//! that a link cannot pass a stranger's file off as the page's own.

use yew::prelude::*;

use crate::web::link;

#[derive(Properties, PartialEq)]
pub struct SourceOriginProps {
    /// The archive's URL, when loaded with `?src=`.
    pub src: Option<String>,
}

#[function_component(SourceOrigin)]
pub fn source_origin(p: &SourceOriginProps) -> Html {
    let Some(origin) = p
        .src
        .as_deref()
        .and_then(|s| link::origin_of(&link::absolute(s)))
    else {
        return html! {};
    };
    html! {
        <span class="source muted">{"from "}<code id="source-origin">{ origin }</code></span>
    }
}
