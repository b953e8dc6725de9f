//! The image header: what the image is, and which image of the archive.

use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, Url};
use yew::prelude::*;

use crate::web::components::history::copy;
use crate::web::components::landing::OpenAnother;
use crate::web::components::{human, mark, use_page};
use crate::web::link;
use crate::web::state::{Action, Phase};

/// The compact bar an embedded cake shows instead of the header.
#[function_component(EmbedBar)]
pub fn embed_bar() -> Html {
    let (state, _) = use_page();
    let img = state.current();
    let full = link::href().replace("embed=1", "embed=0");
    html! {
        <div class="embed-bar">
            <strong id="image-tags">{ img.map(|i| if i.tags.is_empty() { "(untagged)".to_string() } else { i.tags.join(", ") }).unwrap_or_else(|| state.file_name.clone().unwrap_or_default()) }</strong>
            if let Some(i) = img {
                <span class="muted">{ format!(" · {} · ", i.platform.label()) }<span id="layer-count">{ i.layers.len() }</span>{ " layers · " }{ human(i.sizes().1) }</span>
                <span class="verified">{ " " }{ mark(i.verified) }</span>
            }
            <SourceOrigin />
            <a class="open-full" href={full} target="_blank" rel="noopener">{"Open in Layer Cake ↗"}</a>
        </div>
    }
}

/// Offers `bytes` as a download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) {
    let arr = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&arr);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    if let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) {
        offer(&blob, name);
    }
}

/// Offers a Blob as a download named `name`. The object URL is revoked a
/// minute later (at once, some browsers would lose the download).
pub fn offer(blob: &web_sys::Blob, name: &str) {
    let Ok(url) = Url::create_object_url_with_blob(blob) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
}

/// Where a `?src=` archive comes from: its origin, shown in the header so
/// that a link cannot pass a stranger's file off as the page's own.
#[function_component(SourceOrigin)]
pub fn source_origin() -> Html {
    let (state, _) = use_page();
    let Some(origin) = state
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

#[function_component(Header)]
pub fn header() -> Html {
    let (state, _) = use_page();
    let name = state.file_name.clone().unwrap_or_default();
    let Some(img) = state.current() else {
        return html! {
            <header class="image-header">
                <div class="title-row">
                    <h2 class="file">{ name }</h2>
                    <SourceOrigin />
                    <OpenAnother />
                </div>
                if state.phase == Phase::Loading { <p class="muted">{"Reading the archive…"}</p> }
            </header>
        };
    };
    let on_image = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = s.value().parse() {
                d.dispatch(Action::SelectImage(i));
            }
        })
    };
    // platforms of the images that share this one's tags (a multi-platform index)
    let siblings: Vec<(usize, String)> = state
        .images
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.is_artifact() && !i.tags.is_empty() && i.tags == img.tags)
        .map(|(n, i)| (n, i.platform.label()))
        .collect();
    let export = {
        let report = state.report.clone();
        let name = name.clone();
        Callback::from(move |_| {
            if let Some(r) = &report {
                if let Ok(json) = serde_json::to_string_pretty(&**r) {
                    download(
                        &format!("{name}.layercake.json"),
                        json.as_bytes(),
                        "application/json",
                    );
                }
            }
        })
    };
    let (packed, unpacked) = img.sizes();
    let c = &img.summary;
    html! {
        <header class="image-header">
            <div class="title-row">
                <h2 class="tags" id="image-tags">
                    { if img.tags.is_empty() { "(untagged)".to_string() } else { img.tags.join(", ") } }
                </h2>
                if state.images.len() > 1 {
                    <label class="picker">{"Image "}
                        <select id="image-picker" onchange={on_image.clone()}>
                            { for state.images.iter().enumerate().map(|(i, im)| html! {
                                <option value={i.to_string()} selected={i == state.image}>
                                    { format!("{i}: {} ({}{})", im.name(), im.platform.label(), if im.is_artifact() { ", artifact" } else { "" }) }
                                </option>
                            }) }
                        </select>
                    </label>
                }
                if siblings.len() > 1 {
                    <label class="picker">{"Platform "}
                        <select id="platform-picker" onchange={on_image}>
                            { for siblings.iter().map(|(i, p)| html! {
                                <option value={i.to_string()} selected={*i == state.image}>{ p }</option>
                            }) }
                        </select>
                    </label>
                }
                <span class="verified" id="verified">{ mark(img.verified) }</span>
                if state.report.is_some() {
                    <button class="button" id="export" onclick={export}>{"Export JSON"}</button>
                    <button class="button" id="copy-link" onclick={Callback::from(|_| copy(&link::href()))}
                        title="Copy a link that opens this view">{"Copy link to this view"}</button>
                }
                <OpenAnother />
            </div>
            <dl class="facts">
                <dt>{"File"}</dt><dd id="file-name">{ name }</dd>
                if state.src.is_some() { <dt>{"From"}</dt><dd><SourceOrigin /></dd> }
                <dt>{"Image ID"}</dt><dd class="digest" id="config-digest">{ img.config_digest.as_ref().map(|d| d.to_string()).unwrap_or_else(|| "(none)".into()) }</dd>
                if let Some(m) = &img.manifest_digest { <dt>{"Manifest"}</dt><dd class="digest">{ m.to_string() }</dd> }
                <dt>{"Created"}</dt><dd>{ c.created.clone().unwrap_or_else(|| "–".into()) }</dd>
                <dt>{"Platform"}</dt><dd id="platform">{ img.platform.label() }</dd>
                <dt>{"Layers"}</dt><dd id="layer-count">{ img.layers.len() }</dd>
                <dt>{"Size"}</dt><dd>{ format!("{} stored, {} uncompressed", human(packed), human(unpacked)) }</dd>
                if let Some(f) = &img.files {
                    <dt>{"Files"}</dt>
                    <dd>{ format!("{} paths, {} wasted, efficiency {}", f.paths, human(f.wasted_bytes), crate::report::percent(f.efficiency)) }</dd>
                }
                if let Some(t) = &img.artifact_type { <dt>{"Artifact type"}</dt><dd>{ t }</dd> }
            </dl>
        </header>
    }
}
