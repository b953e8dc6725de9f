//! The landing view: drop a file, choose one, or try the sample.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, HtmlInputElement, Response};
use yew::prelude::*;

use crate::web::components::use_page;
use crate::web::state::Action;

/// Fetches a same-origin file as a Blob.
pub async fn fetch_blob(url: &str) -> Result<Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let resp: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch {url}: {e:?}"))?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    if !resp.ok() {
        return Err(format!(
            "cannot fetch {url}: HTTP {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    let blob = JsFuture::from(resp.blob().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("cannot read {url}: {e:?}"))?;
    blob.dyn_into().map_err(|_| "not a blob".to_string())
}

/// Opens the file chosen in an `<input type=file>`.
fn on_choose(open: Callback<(web_sys::Blob, String)>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Some(f) = input.files().and_then(|f| f.get(0)) {
            let name = f.name();
            open.emit((f.into(), name));
        }
        input.set_value("");
    })
}

/// "Open another file": a file picker for when one is already shown.
#[function_component(OpenAnother)]
pub fn open_another() -> Html {
    let (_, bridge) = use_page();
    let onchange = on_choose(bridge.open.clone());
    html! {
        <label class="button open-another">
            {"Open another file"}
            <input type="file" id="file-input-another" class="visually-hidden" {onchange} />
        </label>
    }
}

#[function_component(Landing)]
pub fn landing() -> Html {
    let (state, bridge) = use_page();
    let onchange = on_choose(bridge.open.clone());
    let sample = {
        let open = bridge.open.clone();
        let dispatch = bridge.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let open = open.clone();
            let dispatch = dispatch.clone();
            spawn_local(async move {
                match fetch_blob("./sample.tar").await {
                    Ok(b) => open.emit((b, "sample.tar".into())),
                    Err(m) => dispatch.dispatch(Action::Failed(m)),
                }
            });
        })
    };
    if state.embed {
        // embedded: a compact drop zone, for readers to drop their own image
        return html! {
            <section class="landing compact">
                <div class="drop">
                    <p>{"Drop an image archive here (docker save, podman save, OCI layout)"}</p>
                    <label class="button primary">
                        {"Choose a file"}
                        <input type="file" id="file-input" class="visually-hidden" {onchange} />
                    </label>
                    <a href="#" class="sample" onclick={sample}>{"or try a sample"}</a>
                    <p class="privacy">{"Your file never leaves this machine: it is read in your browser and nothing is uploaded."}</p>
                </div>
            </section>
        };
    }
    html! {
        <section class="landing">
            <h1>
                <svg class="logo" viewBox="0 0 32 32" width="44" height="44" aria-hidden="true">
                    <rect x="4" y="22" width="24" height="6" rx="2" class="l0" />
                    <rect x="6" y="15" width="20" height="6" rx="2" class="l1" />
                    <rect x="8" y="8" width="16" height="6" rx="2" class="l2" />
                    <rect x="15" y="3" width="2" height="5" class="wick" />
                </svg>
                {" Layer Cake"}
            </h1>
            <p class="lead">{"Look inside a saved container image: manifest, config, history, every layer and every file."}</p>
            <div class="drop">
                <p>{"Drop an image archive here"}</p>
                <p class="muted">{"from docker save, podman save, or an OCI image layout (.tar, .tar.gz, .tar.zst)"}</p>
                <label class="button primary">
                    {"Choose a file"}
                    <input type="file" id="file-input" class="visually-hidden" {onchange} />
                </label>
                <a href="#" class="sample" onclick={sample}>{"or try a sample"}</a>
            </div>
            <p class="privacy">{"Your file never leaves this machine: it is read entirely in your browser, in WebAssembly, and nothing is uploaded."}</p>
        </section>
    }
}
