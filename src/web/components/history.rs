//! The history table: every build step, mapped onto layers.

use yew::prelude::*;

use crate::web::components::{human, use_page};
use crate::web::state::{Action, Tab};

/// Copies text to the clipboard.
pub fn copy(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

#[function_component(History)]
pub fn history() -> Html {
    let (state, _) = use_page();
    let Some(img) = state.current() else {
        return html! {};
    };
    if img.history.is_empty() {
        return html! { <p class="muted">{"This image's config has no history."}</p> };
    }
    html! {
        <table class="history">
            <thead><tr><th>{"Created"}</th><th>{"Command"}</th><th>{"Size"}</th><th>{"Empty"}</th><th>{"Layer"}</th></tr></thead>
            <tbody>
            { for img.history.iter().map(|h| {
                let by = h.created_by.clone().unwrap_or_default();
                let size = h.layer.and_then(|l| img.layers.get(l)).and_then(|l| l.uncompressed_size.or(l.size));
                let on_copy = { let by = by.clone(); Callback::from(move |_| copy(&by)) };
                let layer = h.layer.map(|l| {
                    let d = state.dispatcher();
                    let go = Callback::from(move |_| { d.dispatch(Action::SelectLayer(Some(l))); d.dispatch(Action::SelectTab(Tab::Files)); });
                    html! { <button class="link" onclick={go}>{ l }</button> }
                });
                html! {
                    <tr class={classes!(h.empty_layer.then_some("empty"))}>
                        <td class="created">{ h.created.clone().unwrap_or_default() }</td>
                        <td class="command"><code>{ &by }</code>
                            <button class="copy" title="Copy the command" aria-label="Copy the command" onclick={on_copy}>{"copy"}</button></td>
                        <td class="size">{ size.map(human).unwrap_or_default() }</td>
                        <td>{ if h.empty_layer { "yes" } else { "" } }</td>
                        <td>{ layer }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}
