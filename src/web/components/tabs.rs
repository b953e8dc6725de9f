//! The tab bar.

use yew::prelude::*;

use crate::web::components::use_page;
use crate::web::state::{Action, Tab};

#[function_component(Tabs)]
pub fn tabs() -> Html {
    let (state, _) = use_page();
    html! {
        <nav class="tabs" role="tablist">
            { for Tab::ALL.into_iter().map(|t| {
                let d = state.dispatcher();
                let onclick = Callback::from(move |_| d.dispatch(Action::SelectTab(t)));
                let selected = state.tab == t;
                html! {
                    <button role="tab" aria-selected={selected.to_string()} id={format!("tab-{}", t.name())}
                        class={classes!("tab", selected.then_some("selected"))} {onclick}>{ t.label() }</button>
                }
            }) }
        </nav>
    }
}
