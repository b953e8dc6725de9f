//! The landing view: drop a file, choose one, or try the sample.

use web_sys::Blob;
use yew::prelude::*;

use crate::web::components::open_another::on_choose;

#[derive(Properties, PartialEq)]
pub struct LandingProps {
    /// Embedded: a compact drop zone.
    pub embed: bool,
    pub on_open: Callback<(Blob, String)>,
    /// "Try a sample" was chosen.
    pub on_sample: Callback<()>,
}

#[function_component(Landing)]
pub fn landing(p: &LandingProps) -> Html {
    let onchange = on_choose(p.on_open.clone());
    let sample = p.on_sample.reform(|e: MouseEvent| e.prevent_default());
    if p.embed {
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
