//! The manifest, index and other documents, every digest a link.

use yew::prelude::*;

use crate::web::components::json::{explain, Json};
use crate::web::components::use_page;
use crate::web::state::{Action, Tab};

#[function_component(Manifest)]
pub fn manifest() -> Html {
    let (state, _) = use_page();
    let Some(img) = state.current() else {
        return html! {};
    };
    let on_digest = {
        let d = state.dispatcher();
        let images = state.images.clone();
        let current = state.image;
        Callback::from(move |digest: String| {
            let img = &images[current];
            // a digest, or a file name that holds its hex
            let same = |x: &Option<crate::digest::Digest>| {
                x.as_ref()
                    .is_some_and(|d| digest == d.to_string() || digest.contains(d.hex()))
            };
            if let Some(j) = img.layers.iter().position(|l| {
                same(&l.digest) || same(&l.diff_id) || l.path.as_deref() == Some(digest.as_str())
            }) {
                d.dispatch(Action::SelectLayer(Some(j)));
                d.dispatch(Action::SelectTab(Tab::Files));
            } else if same(&img.config_digest) {
                d.dispatch(Action::SelectTab(Tab::Config));
            } else if let Some(i) = images
                .iter()
                .position(|i| same(&i.manifest_digest) || same(&i.config_digest))
            {
                d.dispatch(Action::SelectImage(i));
            } else if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|doc| doc.get_element_by_id(&format!("doc-{digest}")))
            {
                el.scroll_into_view();
            }
        })
    };
    let docs = state
        .archive
        .as_ref()
        .map(|a| a.documents.clone())
        .unwrap_or_default();
    html! {
        <section class="manifest">
            <h3>{"This image's manifest"}</h3>
            if let Some(mt) = &img.manifest_media_type {
                <p class="media-type"><code>{ mt }</code>{ explain(mt).map(|e| format!(" — {e}")).unwrap_or_default() }</p>
            }
            if let Some(m) = &img.manifest { <Json value={m.clone()} on_digest={on_digest.clone()} /> }
            else { <p class="muted">{"Legacy archives have no manifest."}</p> }
            { for docs.iter().map(|doc| html! {
                <details class="document" id={doc.digest.as_ref().map(|d| format!("doc-{d}")).unwrap_or_else(|| format!("doc-{}", doc.path))}
                         open={doc.path == "index.json" || doc.path == "manifest.json"}>
                    <summary><code>{ &doc.path }</code>
                        { doc.media_type.as_deref().and_then(explain).map(|e| format!(" — {e}")).unwrap_or_default() }</summary>
                    <Json value={doc.json.clone()} on_digest={on_digest.clone()} />
                </details>
            }) }
        </section>
    }
}
