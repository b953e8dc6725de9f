//! The config: how the image runs, then the raw JSON.

use std::rc::Rc;

use yew::prelude::*;

use crate::report::Image;
use crate::web::components::json::Json;

/// Quotes words for a shell line.
pub fn shell_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A healthcheck in words: "CMD /bin/true, every 30s, timeout 5s".
pub fn healthcheck(v: &serde_json::Value) -> String {
    let test: Vec<String> = v
        .get("Test")
        .and_then(|t| t.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut parts = vec![match test.split_first() {
        Some((kind, _)) if kind == "NONE" => "disabled".to_string(),
        Some((kind, rest)) if kind == "CMD" => shell_line(rest),
        Some((kind, rest)) if kind == "CMD-SHELL" => rest.join(" "),
        _ => "inherited".to_string(),
    }];
    let secs = |k: &str| {
        v.get(k)
            .and_then(|n| n.as_u64())
            .filter(|&n| n > 0)
            .map(|ns| ns as f64 / 1e9)
    };
    for (key, label) in [
        ("Interval", "every"),
        ("Timeout", "timeout"),
        ("StartPeriod", "start period"),
    ] {
        if let Some(s) = secs(key) {
            parts.push(format!("{label} {s}s"));
        }
    }
    if let Some(r) = v.get("Retries").and_then(|n| n.as_u64()) {
        parts.push(format!("{r} retries"));
    }
    parts.join(", ")
}

#[derive(Properties, PartialEq)]
pub struct ConfigProps {
    pub image: Rc<Image>,
}

#[function_component(ConfigView)]
pub fn config_view(p: &ConfigProps) -> Html {
    let img = &*p.image;
    let c = &img.summary;
    let run: Vec<String> = c
        .entrypoint
        .iter()
        .flatten()
        .chain(c.cmd.iter().flatten())
        .cloned()
        .collect();
    let row = |k: &str, v: Option<String>| -> Html {
        match v {
            Some(v) if !v.is_empty() => html! { <><dt>{ k.to_string() }</dt><dd>{ v }</dd></> },
            _ => html! {},
        }
    };
    html! {
        <section class="config">
            <h3>{"Runs"}</h3>
            <pre class="shell" id="run-line">{ if run.is_empty() { "(no entrypoint or cmd)".to_string() } else { shell_line(&run) } }</pre>
            <dl class="facts">
                { row("Entrypoint", c.entrypoint.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default())) }
                { row("Cmd", c.cmd.as_ref().map(|v| serde_json::to_string(v).unwrap_or_default())) }
                { row("User", c.user.clone()) }
                { row("Working dir", c.working_dir.clone()) }
                { row("Ports", (!c.exposed_ports.is_empty()).then(|| c.exposed_ports.join(", "))) }
                { row("Volumes", (!c.volumes.is_empty()).then(|| c.volumes.join(", "))) }
                { row("Stop signal", c.stop_signal.clone()) }
                { row("Shell", c.shell.as_ref().map(|v| shell_line(v))) }
                { row("Healthcheck", c.healthcheck.as_ref().map(healthcheck)) }
                { row("On build", c.on_build.as_ref().filter(|v| !v.is_empty()).map(|v| v.join("; "))) }
                { row("Author", c.author.clone()) }
            </dl>
            <h3>{"Environment"}</h3>
            if c.env.as_ref().is_none_or(|e| e.is_empty()) { <p class="muted">{"No environment variables."}</p> } else {
                <table class="env"><thead><tr><th>{"Name"}</th><th>{"Value"}</th></tr></thead><tbody>
                { for c.env.iter().flatten().map(|e| {
                    let (k, v) = e.split_once('=').unwrap_or((e, ""));
                    html! { <tr><td><code>{ k }</code></td><td><code>{ v }</code></td></tr> }
                }) }
                </tbody></table>
            }
            if !c.labels.is_empty() {
                <h3>{"Labels"}</h3>
                <table class="labels"><tbody>
                { for c.labels.iter().map(|(k, v)| html! { <tr><td><code>{ k }</code></td><td>{ v }</td></tr> }) }
                </tbody></table>
            }
            if let Some(raw) = &img.config {
                <details class="raw"><summary>{"Raw config JSON"}</summary><Json value={serde_json::Value::clone(raw)} /></details>
            }
        </section>
    }
}
