//! What is said about the image: its attestations (provenance, SBOMs),
//! signatures and referrers. What each is comes with the image; what its
//! blobs say is asked of the worker only when this view is open.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::attachment::{Attachment, Kind};
use crate::attestation::{BlobSays, Provenance, Said, Sbom, NOT_VERIFIED};
use crate::report::Image;
use crate::web::state::Action;

/// SBOM rows rendered at most; the search narrows the rest.
const SHOWN_PACKAGES: usize = 500;

#[derive(Properties, PartialEq)]
pub struct AttestationsProps {
    pub image: Rc<Image>,
    /// What the attachments say, once answered.
    pub said: Option<Rc<Vec<Said>>>,
    /// The SBOM package search typed.
    pub query: String,
    pub on_action: Callback<Action>,
}

fn dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "–".into())
}

fn headline(a: &Attachment) -> String {
    let what = match a.kind {
        Kind::Attestation => "Attestation",
        Kind::Signature => "Signature",
        Kind::Referrer => "Referrer",
        Kind::Artifact => "Artifact",
    };
    let about = if !a.predicate_types.is_empty() {
        crate::attachment::describe_predicates(&a.predicate_types)
    } else {
        a.artifact_type.clone().unwrap_or_default()
    };
    format!("{what}: {about}")
}

#[function_component(Attestations)]
pub fn attestations(p: &AttestationsProps) -> Html {
    let img = &*p.image;
    let all: Vec<&Attachment> = img
        .attestations
        .iter()
        .chain(&img.referrers)
        .map(|a| &**a)
        .collect();
    if all.is_empty() {
        return html! {
            <section class="attestations" id="attestations">
                <p class="muted">{"No attestations, signatures or referrers about this image in the archive."}</p>
            </section>
        };
    }
    let on_query = p.on_action.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::PackageQuery(input.value())
    });
    let has_sbom = p
        .said
        .as_ref()
        .is_some_and(|s| s.iter().flat_map(|a| &a.blobs).any(|b| b.sbom.is_some()));
    html! {
        <section class="attestations" id="attestations">
            if p.said.is_none() { <p class="muted" id="attestations-loading">{"Reading the attestations…"}</p> }
            if has_sbom {
                <label class="search">{"Search packages "}
                    <input type="search" id="package-search" value={p.query.clone()} oninput={on_query}
                        placeholder="name, version, purl or licence" />
                </label>
            }
            { for all.iter().enumerate().map(|(n, a)| {
                let said = p.said.as_ref().and_then(|s| s.get(n));
                html! {
                    <article class="attachment" data-kind={a.kind.name()}>
                        <h3>{ headline(a) }</h3>
                        <dl class="facts">
                            <dt>{"Manifest"}</dt><dd class="digest">{ a.manifest_digest.as_ref().map(|d| d.to_string()).unwrap_or_default() }</dd>
                            if let Some(s) = &a.subject {
                                <dt>{"About"}</dt>
                                <dd class="digest">{ s.to_string() }{ if a.attached_to.as_deref() == Some("index") { " (the index that lists this image)" } else { "" } }</dd>
                            }
                            if a.kind == Kind::Signature { <dt>{"Verified"}</dt><dd class="muted">{ NOT_VERIFIED }</dd> }
                        </dl>
                        { for said.into_iter().flat_map(|s| &s.blobs).map(|b| blob(b, &p.query)) }
                    </article>
                }
            }) }
        </section>
    }
}

fn blob(b: &BlobSays, query: &str) -> Html {
    html! {
        <div class="attestation-blob">
            <p class="muted">
                { b.media_type.clone().unwrap_or_default() }{" "}
                <code>{ b.digest.as_ref().map(|d| d.labelled_short()).unwrap_or_default() }</code>
                if let Some(t) = &b.predicate_type { {" · predicate "}<code class="predicate">{ t.clone() }</code> }
            </p>
            if !b.subjects.is_empty() {
                <p>{"Subject: "}{ for b.subjects.iter().map(|s| html! {
                    <code>{ format!("{} {}", dash(&s.name), s.digests.join(" ")) }</code>
                }) }</p>
            }
            if let Some(why) = &b.signed { <p class="muted">{ format!("Signed envelope (DSSE): {why}") }</p> }
            if let Some(pv) = &b.provenance { { provenance(pv) } }
            if let Some(s) = &b.sbom { { sbom(s, query) } }
            if let Some(c) = &b.signature {
                <dl class="facts signature">
                    <dt>{"Signed image"}</dt><dd class="digest">{ dash(&c.image_digest) }</dd>
                    <dt>{"Identity"}</dt><dd>{ dash(&c.identity) }</dd>
                    { for c.optional.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
                    <dt>{"Verified"}</dt><dd class="muted">{ c.verified.clone() }</dd>
                </dl>
            }
            if let Some(n) = &b.note { <p class="muted">{ n.clone() }</p> }
            { for b.problems.iter().map(|pr| html! { <p class="bad">{ pr.to_line() }</p> }) }
        </div>
    }
}

fn provenance(p: &Provenance) -> Html {
    html! {
        <dl class="facts provenance">
            <dt>{"Provenance"}</dt><dd>{ format!("SLSA {}", p.slsa_version) }</dd>
            <dt>{"Builder"}</dt><dd id="provenance-builder">{ dash(&p.builder_id) }</dd>
            <dt>{"Build type"}</dt><dd>{ dash(&p.build_type) }</dd>
            <dt>{"Repository"}</dt><dd>{ dash(&p.source.repository) }</dd>
            if p.source.git_ref.is_some() { <dt>{"Ref"}</dt><dd>{ dash(&p.source.git_ref) }</dd> }
            if p.source.revision.is_some() { <dt>{"Revision"}</dt><dd class="digest">{ dash(&p.source.revision) }</dd> }
            <dt>{"Build file"}</dt><dd>{ dash(&p.source.path) }</dd>
            { for p.args.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd><code>{ v.clone() }</code></dd></> }) }
            if !p.materials.is_empty() {
                <dt>{"Materials"}</dt>
                <dd><ul>{ for p.materials.iter().map(|m| html! {
                    <li><code>{ dash(&m.uri) }</code>{" "}<span class="digest">{ m.digests.join(" ") }</span></li>
                }) }</ul>
                if p.materials_total > p.materials.len() { <span class="muted">{ format!("… {} more", p.materials_total - p.materials.len()) }</span> }
                </dd>
            }
        </dl>
    }
}

fn sbom(s: &Sbom, query: &str) -> Html {
    let matching: Vec<_> = s.packages.iter().filter(|p| p.matches(query)).collect();
    html! {
        <div class="sbom">
            <p>{ format!("SBOM ({}): {} packages", s.format, s.total) }
                if !query.is_empty() { { format!(", {} match", matching.len()) } }
                if s.packages.len() < s.total { <span class="muted">{ format!(" ({} kept)", s.packages.len()) }</span> }
            </p>
            <table class="packages" id="sbom-packages">
                <thead><tr><th>{"Name"}</th><th>{"Version"}</th><th>{"purl"}</th><th>{"Licence"}</th></tr></thead>
                <tbody>
                    { for matching.iter().take(SHOWN_PACKAGES).map(|p| html! {
                        <tr class="package">
                            <td class="name">{ p.name.clone() }</td><td>{ dash(&p.version) }</td>
                            <td><code>{ dash(&p.purl) }</code></td><td>{ dash(&p.license) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if matching.len() > SHOWN_PACKAGES {
                <p class="muted">{ format!("{} more: search to narrow", matching.len() - SHOWN_PACKAGES) }</p>
            }
        </div>
    }
}
