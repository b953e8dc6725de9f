//! The installed packages of the image (dpkg, apk, Python, npm): name,
//! version, source and the layer that introduced or last changed each,
//! with a filter. Asked of the worker only when this view is open.

use std::rc::Rc;

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::packages::PackageList;
use crate::web::state::Action;

/// Rows rendered at most; the filter narrows the rest.
const SHOWN_PACKAGES: usize = 1_000;

#[derive(Properties, PartialEq)]
pub struct PackagesProps {
    /// The packages, once answered.
    pub list: Option<Rc<PackageList>>,
    /// The filter typed.
    pub query: String,
    pub on_action: Callback<Action>,
    /// Clicking a layer number shows that layer's files.
    pub on_layer: Callback<usize>,
}

#[function_component(Packages)]
pub fn packages(p: &PackagesProps) -> Html {
    let Some(list) = &p.list else {
        return html! {
            <section class="packages" id="packages">
                <p class="muted" id="packages-loading">{"Reading the package databases…"}</p>
            </section>
        };
    };
    let on_query = p.on_action.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::PackageQuery(input.value())
    });
    let q = p.query.to_lowercase();
    let matching: Vec<_> = list
        .packages
        .iter()
        .filter(|x| {
            q.is_empty()
                || x.name.to_lowercase().contains(&q)
                || x.version.to_lowercase().contains(&q)
                || x.source.name() == q
        })
        .collect();
    let shown = matching.len().min(SHOWN_PACKAGES);
    html! {
        <section class="packages" id="packages">
            <label class="search">{"Filter "}
                <input type="search" id="installed-search" value={p.query.clone()} oninput={on_query}
                    placeholder="name, version, or dpkg / apk / python / npm" />
            </label>
            <p class="muted" id="packages-count">
                { format!("{} of {} packages", matching.len(), list.packages.len()) }
                if shown < matching.len() { { format!(" (the first {shown} shown)") } }
            </p>
            { for list.not_read.iter().map(|n| html! { <p class="note">{ n.clone() }</p> }) }
            { for list.problems.iter().map(|pr| html! { <p class="bad">{ pr.message.clone() }</p> }) }
            if list.packages.is_empty() && list.not_read.is_empty() {
                <p class="muted">{"No dpkg, apk, Python or npm package metadata in this image."}</p>
            } else {
                <table class="packages-table">
                    <thead><tr><th>{"Name"}</th><th>{"Version"}</th><th>{"Source"}</th><th>{"Layer"}</th></tr></thead>
                    <tbody>
                    { for matching.iter().take(shown).map(|x| {
                        let layer = x.layer;
                        let onclick = p.on_layer.reform(move |_: MouseEvent| layer);
                        html! {
                            <tr class="package" title={x.path.clone()}>
                                <td class="name">{ x.name.clone() }</td>
                                <td class="version">{ x.version.clone() }</td>
                                <td class="source">{ x.source.name() }</td>
                                <td class="layer"><button class="link" {onclick}>{ layer }</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
