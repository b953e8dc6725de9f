//! The config of a comparison, field by field: what differs, A's value
//! beside B's; timestamps and storage marked as such.

use std::rc::Rc;

use yew::prelude::*;

use crate::diff::Diff;

#[derive(Properties, PartialEq)]
pub struct ConfigDiffProps {
    pub diff: Rc<Diff>,
}

fn value(v: &Option<String>) -> Html {
    match v {
        Some(v) => html! { <code>{ v.clone() }</code> },
        None => html! { <span class="muted">{"–"}</span> },
    }
}

#[function_component(ConfigDiff)]
pub fn config_diff(p: &ConfigDiffProps) -> Html {
    let fields = &p.diff.config;
    html! {
        <section class="config-diff" id="config-diff">
            if fields.is_empty() {
                <p class="muted">{"The configs do not differ."}</p>
            } else {
                <table>
                    <thead><tr><th>{"Field"}</th><th>{"Key"}</th><th>{"A"}</th><th>{"B"}</th></tr></thead>
                    <tbody>
                    { for fields.iter().map(|f| html! {
                        <tr class={classes!("field", f.metadata.then_some("metadata"))} data-field={f.field.clone()}
                            data-key={f.key.clone()} title={f.note.clone()}>
                            <td>{ f.field.clone() } if f.metadata { <span class="muted">{" (metadata)"}</span> }</td>
                            <td>{ f.key.clone().unwrap_or_default() }</td>
                            <td class="a">{ value(&f.a) }</td>
                            <td class="b">{ value(&f.b) }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
