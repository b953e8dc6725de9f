//! The tab bar.

use yew::prelude::*;

use crate::web::state::Tab;

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub tab: Tab,
    pub on_tab: Callback<Tab>,
}

#[function_component(Tabs)]
pub fn tabs(p: &TabsProps) -> Html {
    html! {
        <nav class="tabs" role="tablist">
            { for Tab::ALL.into_iter().map(|t| {
                let onclick = p.on_tab.reform(move |_: MouseEvent| t);
                let selected = p.tab == t;
                html! {
                    <button role="tab" aria-selected={selected.to_string()} id={format!("tab-{}", t.name())}
                        class={classes!("tab", selected.then_some("selected"))} {onclick}>{ t.label() }</button>
                }
            }) }
        </nav>
    }
}
