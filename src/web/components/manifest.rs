//! The manifest, index and other documents, every digest a link.

use std::rc::Rc;

use yew::prelude::*;

use crate::report::{ArchiveInfo, Image};
use crate::web::components::json::{explain, Json};
use crate::web::state::{Action, Tab};

#[derive(Properties, PartialEq)]
pub struct ManifestProps {
    pub images: Rc<Vec<Rc<Image>>>,
    /// The image shown.
    pub current: usize,
    pub archive: Option<Rc<ArchiveInfo>>,
    /// Where a digest leads: a layer, the config, another image.
    pub on_action: Callback<Action>,
}

#[function_component(Manifest)]
pub fn manifest(p: &ManifestProps) -> Html {
    let Some(img) = p.images.get(p.current) else {
        return html! {};
    };
    let on_digest = {
        let d = p.on_action.clone();
        let images = p.images.clone();
        let current = p.current;
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
                d.emit(Action::BrowseLayer(j));
            } else if same(&img.config_digest) {
                d.emit(Action::SelectTab(Tab::Config));
            } else if let Some(i) = images
                .iter()
                .position(|i| same(&i.manifest_digest) || same(&i.config_digest))
            {
                d.emit(Action::SelectImage(i));
            } else if let Some(el) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|doc| doc.get_element_by_id(&format!("doc-{digest}")))
            {
                el.scroll_into_view();
            }
        })
    };
    let docs = p
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
