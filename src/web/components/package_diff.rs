//! The package changes of a comparison: added, removed, and other
//! versions. Both images' package files are read when this view opens.

use std::rc::Rc;

use yew::prelude::*;

use crate::diff::{PackageChange, PackageChangeKind};

#[derive(Properties, PartialEq)]
pub struct PackageDiffProps {
    /// The changes, once answered.
    pub changes: Option<Rc<Vec<PackageChange>>>,
}

#[function_component(PackageDiff)]
pub fn package_diff(p: &PackageDiffProps) -> Html {
    let Some(changes) = &p.changes else {
        return html! {
            <section class="package-diff" id="package-diff">
                <p class="muted" id="package-diff-loading">{"Reading both images' package databases…"}</p>
            </section>
        };
    };
    let mark = |k: PackageChangeKind| match k {
        PackageChangeKind::Added => "A",
        PackageChangeKind::Removed => "R",
        PackageChangeKind::Changed => "M",
    };
    html! {
        <section class="package-diff" id="package-diff">
            if changes.is_empty() {
                <p class="muted">{"No package differs (dpkg, apk, Python and npm metadata)."}</p>
            } else {
                <table>
                    <thead><tr><th></th><th>{"Name"}</th><th>{"Source"}</th><th>{"A"}</th><th>{"B"}</th></tr></thead>
                    <tbody>
                    { for changes.iter().map(|c| html! {
                        <tr class="package-change" data-name={c.name.clone()} data-change={mark(c.change)}>
                            <td class={classes!("mark", format!("mark-{}", mark(c.change)))}>{ mark(c.change) }</td>
                            <td class="name">{ c.name.clone() }</td>
                            <td class="source">{ c.source.clone() }</td>
                            <td class="a">{ c.a.clone().unwrap_or_else(|| "–".into()) }</td>
                            <td class="b">{ c.b.clone().unwrap_or_else(|| "–".into()) }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
