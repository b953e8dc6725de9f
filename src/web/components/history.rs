//! The history table: every build step, mapped onto layers.

use std::rc::Rc;

use yew::prelude::*;

use crate::report::Image;
use crate::web::components::human;
use crate::web::copy;

#[derive(Properties, PartialEq)]
pub struct HistoryProps {
    pub image: Rc<Image>,
    /// A step's layer was chosen: browse its files.
    pub on_layer: Callback<usize>,
}

#[function_component(History)]
pub fn history(p: &HistoryProps) -> Html {
    let img = &*p.image;
    let as_dockerfile = use_state(|| false);
    if img.history.is_empty() {
        return html! { <p class="muted">{"This image's config has no history."}</p> };
    }
    let toggle = {
        let as_dockerfile = as_dockerfile.clone();
        Callback::from(move |_: MouseEvent| as_dockerfile.set(!*as_dockerfile))
    };
    let switch = html! {
        <p><button class="button" id="dockerfile-toggle" aria-pressed={(*as_dockerfile).to_string()} onclick={toggle}>
            { if *as_dockerfile { "Show as a table" } else { "Show as a Dockerfile" } }</button></p>
    };
    if *as_dockerfile {
        let text = crate::dockerfile(img);
        let on_copy = {
            let text = text.clone();
            Callback::from(move |_| copy(&text))
        };
        return html! {
            <>
                { switch }
                <button class="copy" title="Copy the Dockerfile" aria-label="Copy the Dockerfile" onclick={on_copy}>{"copy"}</button>
                <pre class="dockerfile" id="dockerfile">{ text }</pre>
            </>
        };
    }
    html! {
        <>
        { switch }
        <table class="history">
            <thead><tr><th>{"Created"}</th><th>{"Command"}</th><th>{"Size"}</th><th>{"Empty"}</th><th>{"Layer"}</th></tr></thead>
            <tbody>
            { for img.history.iter().map(|h| {
                let by = h.created_by.clone().unwrap_or_default();
                let size = h.layer.and_then(|l| img.layers.get(l)).and_then(|l| l.uncompressed_size.or(l.size));
                let on_copy = { let by = by.clone(); Callback::from(move |_| copy(&by)) };
                let layer = h.layer.map(|l| {
                    let go = p.on_layer.reform(move |_: MouseEvent| l);
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
        </>
    }
}
