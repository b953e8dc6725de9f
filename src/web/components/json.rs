//! Pretty JSON in which every digest is a link to the thing it names.

use serde_json::Value;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct JsonProps {
    pub value: Value,
    /// Called with the string when a digest (or a name holding one) is clicked.
    #[prop_or_default]
    pub on_digest: Option<Callback<String>>,
}

/// A digest, or a name that holds one (docker archives name blobs
/// `<hex>.tar`, `<hex>.json`, `blobs/sha256/<hex>`).
fn names_a_digest(s: &str) -> bool {
    if s.parse::<crate::digest::Digest>().is_ok() {
        return true;
    }
    let hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    s.split(|c: char| !hex(c)).any(|run| run.len() == 64)
}

pub use crate::media_type::explain;

fn render(v: &Value, indent: usize, on_digest: &Option<Callback<String>>) -> Html {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) if m.is_empty() => html! { {"{}"} },
        Value::Array(a) if a.is_empty() => html! { {"[]"} },
        Value::Object(m) => {
            let n = m.len();
            html! { <>{"{\n"}{ for m.iter().enumerate().map(|(i, (k, v))| {
                let title = if k == "mediaType" || k == "artifactType" { v.as_str().and_then(explain) } else { None };
                html! { <>{ format!("{pad}  ") }<span class="key">{ format!("{k:?}") }</span>{": "}
                    if let Some(t) = title { <span class="explained" title={t}>{ render(v, indent + 1, on_digest) }</span> }
                    else { { render(v, indent + 1, on_digest) } }
                    { if i + 1 < n { ",\n" } else { "\n" } }</> }
            }) }{ format!("{pad}}}") }</> }
        }
        Value::Array(a) => {
            let n = a.len();
            html! { <>{"[\n"}{ for a.iter().enumerate().map(|(i, v)| html! {
                <>{ format!("{pad}  ") }{ render(v, indent + 1, on_digest) }{ if i + 1 < n { ",\n" } else { "\n" } }</>
            }) }{ format!("{pad}]") }</> }
        }
        Value::String(s) if names_a_digest(s) => match on_digest {
            Some(cb) => {
                let cb = cb.clone();
                let d = s.clone();
                html! { <a href="#" class="digest-link" onclick={Callback::from(move |e: MouseEvent| { e.prevent_default(); cb.emit(d.clone()) })}>{ format!("{s:?}") }</a> }
            }
            None => html! { <span class="string">{ format!("{s:?}") }</span> },
        },
        Value::String(s) => html! { <span class="string">{ format!("{s:?}") }</span> },
        other => html! { <span class="literal">{ other.to_string() }</span> },
    }
}

#[function_component(Json)]
pub fn json(props: &JsonProps) -> Html {
    html! { <pre class="json">{ render(&props.value, 0, &props.on_digest) }</pre> }
}
