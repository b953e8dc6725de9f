//! The compact bar an embedded cake shows instead of the header.

use std::rc::Rc;

use yew::prelude::*;

use crate::report::Image;
use crate::web::components::source_origin::SourceOrigin;
use crate::web::components::{human, mark};
use crate::web::link;

#[derive(Properties, PartialEq)]
pub struct EmbedBarProps {
    pub image: Option<Rc<Image>>,
    pub file_name: String,
    pub src: Option<String>,
}

#[function_component(EmbedBar)]
pub fn embed_bar(p: &EmbedBarProps) -> Html {
    let img = p.image.as_deref();
    let full = link::href().replace("embed=1", "embed=0");
    html! {
        <div class="embed-bar">
            <strong id="image-tags">{ img.map(|i| if i.tags.is_empty() { "(untagged)".to_string() } else { i.tags.join(", ") }).unwrap_or_else(|| p.file_name.clone()) }</strong>
            if let Some(i) = img {
                <span class="muted">{ format!(" · {} · ", i.platform.label()) }<span id="layer-count">{ i.layers.len() }</span>{ " layers · " }{ human(i.sizes().1) }</span>
                <span class="verified">{ " " }{ mark(i.verified) }</span>
            }
            <SourceOrigin src={p.src.clone()} />
            <a class="open-full" href={full} target="_blank" rel="noopener">{"Open in Layer Cake ↗"}</a>
        </div>
    }
}
