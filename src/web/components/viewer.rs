//! A file's contents: text or hex, and a download.

use yew::prelude::*;

use std::rc::Rc;

use crate::contents::PREVIEW_BYTES;
use crate::web::components::human;
use crate::web::state::{Action, Opened};

/// True when the bytes look like text (UTF-8, no NULs).
pub fn is_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        // a multi-byte character cut at the end is still text
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > bytes.len(),
    }
}

/// Classic hex dump lines: offset, 16 bytes, printable characters.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        out.push_str(&format!("{:08x}  ", i * 16));
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => out.push_str(&format!("{b:02x} ")),
                None => out.push_str("   "),
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

#[derive(Properties, PartialEq)]
pub struct ViewerProps {
    pub opened: Rc<Opened>,
    pub on_action: Callback<Action>,
}

#[function_component(Viewer)]
pub fn viewer(p: &ViewerProps) -> Html {
    let o = &*p.opened;
    let close = p.on_action.reform(|_: MouseEvent| Action::CloseFile);
    let name = o.path.rsplit('/').next().unwrap_or("file").to_string();
    let on_download = {
        let opened = p.opened.clone();
        let d = p.on_action.clone();
        Callback::from(move |_: MouseEvent| match &opened.bytes {
            // the whole file is here already
            Some(b) if opened.complete() => {
                crate::web::download::bytes(&name, b, "application/octet-stream")
            }
            // the worker streams it in pieces, gathered into a Blob
            _ => d.emit(Action::DownloadFile),
        })
    };
    let body = match (&o.bytes, &o.error, o.progress) {
        _ if o.not_in_report => {
            let line = format!(
                "layercake report --include '{}' IMAGE.tar -o NAME.layercake.json.gz",
                o.path
            );
            html! {
                <div class="not-in-report" id="not-in-report">
                    <p>{ format!("This report does not hold the contents of /{}: only its name, size and owner.", o.path) }</p>
                    <p>{"A report made with this line would hold it:"}</p>
                    <pre><code id="include-line">{ line }</code></pre>
                </div>
            }
        }
        (Some(b), _, _) if is_text(b) => {
            html! { <pre class="contents text" id="file-contents">{ String::from_utf8_lossy(&b[..b.len().min(PREVIEW_BYTES as usize)]) }</pre> }
        }
        (Some(b), _, _) => {
            html! { <pre class="contents hex" id="file-contents">{ hex_dump(&b[..b.len().min(64 * 1024)]) }</pre> }
        }
        (None, Some(e), _) => html! { <p class="bad">{ e }</p> },
        (None, None, Some((done, total))) => html! {
            <p class="muted">{ format!("Inflating the layer to reach this file: {} of {}", human(done), human(total)) }</p>
        },
        _ => html! { <p class="muted">{"Reading…"}</p> },
    };
    let complete = o.complete();
    let saving = match (o.downloading, &o.download_error) {
        (Some(n), _) if n > 0 => html! {
            <p class="muted" id="download-status">{ format!("Downloading: {} of {}", human(n), human(o.size)) }</p>
        },
        (Some(_), _) => html! {
            <p class="muted" id="download-status">{ match o.progress {
                Some((done, total)) => format!("Inflating the layer to reach this file: {} of {}", human(done), human(total)),
                None => "Preparing the download…".to_string(),
            } }</p>
        },
        (None, Some(e)) => {
            html! { <p class="bad" id="download-status">{ format!("The download failed: {e}") }</p> }
        }
        (None, None) => html! {},
    };
    html! {
        <section class="viewer" aria-label="File contents">
            <header>
                <code class="path">{ &o.path }</code>
                <span class="muted">{ format!(" {}", human(o.size)) }{ if !complete && o.bytes.is_some() { format!(" (first {} shown)", human(PREVIEW_BYTES)) } else { String::new() } }</span>
                <button class="button" id="download" disabled={o.downloading.is_some() || o.not_in_report} onclick={on_download}>{ if complete { "Download" } else { "Download whole file" } }</button>
                <button class="button" onclick={close} aria-label="Close">{"✕"}</button>
            </header>
            { saving }
            { body }
        </section>
    }
}
