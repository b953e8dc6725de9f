//! The image header: what the image is, and which image of the archive.

use std::rc::Rc;

use web_sys::{Blob, HtmlSelectElement};
use yew::prelude::*;

use crate::reference;
use crate::report::{AbsentPlatform, Image, Report};
use crate::web::components::open_another::OpenAnother;
use crate::web::components::source_origin::SourceOrigin;
use crate::web::components::{human, mark};
use crate::web::link;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub images: Rc<Vec<Rc<Image>>>,
    /// Platforms the index names whose manifest is not in the archive.
    #[prop_or_default]
    pub absent: Rc<Vec<AbsentPlatform>>,
    /// The image shown.
    pub current: usize,
    pub file_name: String,
    /// The archive's URL, when loaded with `?src=`.
    pub src: Option<String>,
    /// Still reading.
    pub loading: bool,
    /// The final report, for Export JSON.
    pub report: Option<Rc<Report>>,
    pub on_image: Callback<usize>,
    pub on_open: Callback<(Blob, String)>,
    /// Save a report file of what is open (the time it is recorded at).
    #[prop_or_default]
    pub on_save_report: Callback<String>,
    /// A report file is being made.
    #[prop_or_default]
    pub saving_report: bool,
    /// Why the last one could not be made.
    #[prop_or_default]
    pub save_report_error: Option<String>,
}

#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    let name = p.file_name.clone();
    let Some(img) = p.images.get(p.current) else {
        return html! {
            <header class="image-header">
                <div class="title-row">
                    <h2 class="file">{ name }</h2>
                    <SourceOrigin src={p.src.clone()} />
                    <OpenAnother on_open={p.on_open.clone()} />
                </div>
                if p.loading { <p class="muted">{"Reading the archive…"}</p> }
            </header>
        };
    };
    let on_image = {
        let on_image = p.on_image.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(i) = s.value().parse() {
                on_image.emit(i);
            }
        })
    };
    // platforms of the images that share this one's tags (a multi-platform index)
    let siblings: Vec<(usize, String)> = p
        .images
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.is_artifact() && !i.tags.is_empty() && i.tags == img.tags)
        .map(|(n, i)| (n, i.platform.label()))
        .collect();
    // platforms the same index names that were never saved: shown, not chosen
    let absent: Vec<String> = p
        .absent
        .iter()
        .filter(|a| {
            let same_index = !a.parents.is_empty() && a.parents == img.parents;
            let same_name = a
                .name
                .as_deref()
                .is_some_and(|n| img.tags.iter().any(|t| reference::same(t, n)));
            same_index || same_name
        })
        .map(|a| a.platform.label())
        .collect();
    let export = {
        let report = p.report.clone();
        let name = name.clone();
        Callback::from(move |_| {
            if let Some(r) = &report {
                if let Ok(json) = serde_json::to_string_pretty(&**r) {
                    crate::web::download::bytes(
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
                if p.images.len() > 1 {
                    <label class="picker">{"Image "}
                        <select id="image-picker" onchange={on_image.clone()}>
                            { for p.images.iter().enumerate().map(|(i, im)| html! {
                                <option value={i.to_string()} selected={i == p.current}>
                                    { format!("{i}: {} ({}{})", im.name(), im.platform.label(), if im.is_artifact() { ", artifact" } else { "" }) }
                                </option>
                            }) }
                        </select>
                    </label>
                }
                if siblings.len() + absent.len() > 1 {
                    <label class="picker">{"Platform "}
                        <select id="platform-picker" onchange={on_image}>
                            { for siblings.iter().map(|(i, platform)| html! {
                                <option value={i.to_string()} selected={*i == p.current}>{ platform }</option>
                            }) }
                            { for absent.iter().map(|platform| html! {
                                <option value="" disabled=true class="absent">{ format!("{platform} (not in this archive)") }</option>
                            }) }
                        </select>
                    </label>
                }
                <span class="verified" id="verified">{ mark(img.verified) }</span>
                if p.report.is_some() {
                    <button class="button" id="export" onclick={export}>{"Export JSON"}</button>
                    <button class="button" id="save-report" disabled={p.saving_report}
                        title="Save a report (.layercake.json.gz) that this page opens like the archive"
                        onclick={p.on_save_report.reform(|_: MouseEvent| String::from(js_sys::Date::new_0().to_iso_string()))}>
                        { if p.saving_report { "Saving report…" } else { "Save report" } }</button>
                    <button class="button" id="copy-link" onclick={Callback::from(|_| crate::web::copy(&link::href()))}
                        title="Copy a link that opens this view">{"Copy link to this view"}</button>
                }
                <OpenAnother on_open={p.on_open.clone()} />
            </div>
            if let Some(e) = &p.save_report_error { <p class="bad" id="save-report-error">{ format!("The report could not be saved: {e}") }</p> }
            <dl class="facts">
                <dt>{"File"}</dt><dd id="file-name">{ name }</dd>
                if let Some(rec) = p.report.as_ref().and_then(|r| r.recorded.as_ref()) {
                    <dt>{"Report"}</dt>
                    <dd id="recorded-by">{ format!("as recorded on {} by {} ({} files' contents held)", rec.at, rec.by, rec.files) }</dd>
                }
                if p.src.is_some() { <dt>{"From"}</dt><dd><SourceOrigin src={p.src.clone()} /></dd> }
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
                if !img.attestations.is_empty() || !img.referrers.is_empty() {
                    <dt>{"Attestations"}</dt>
                    <dd id="attestation-count">{ attached_count(img.attestations.len(), img.referrers.len()) }</dd>
                }
            </dl>
        </header>
    }
}

/// "1 attestation or signature, 2 referrers".
fn attached_count(attestations: usize, referrers: usize) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if attestations > 0 {
        parts.push(plural(
            attestations,
            "attestation or signature",
            "attestations and signatures",
        ));
    }
    if referrers > 0 {
        parts.push(plural(referrers, "referrer", "referrers"));
    }
    parts.join(", ")
}
