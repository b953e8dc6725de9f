//! The space panel: efficiency, the largest files, the wasted space.

use std::rc::Rc;

use yew::prelude::*;

use crate::web::components::human;
use crate::web::state::Space;

#[derive(Properties, PartialEq)]
pub struct SpaceProps {
    /// The image's space, once the worker answered.
    pub space: Option<Rc<Space>>,
}

#[function_component(SpacePanel)]
pub fn space_panel(p: &SpaceProps) -> Html {
    let Some(s) = &p.space else { return html! {} };
    html! {
        <aside class="space">
            <h3>{"Space"}</h3>
            <p id="efficiency">{ format!("Efficiency {}: {} wasted of {} written by layers", crate::report::percent(s.stats.efficiency), human(s.stats.wasted_bytes), human(s.stats.layer_bytes)) }</p>
            <h4>{"Largest files"}</h4>
            <ol class="largest">{ for s.largest.iter().map(|r| html! { <li><span class="size">{ human(r.size) }</span>{ " " }<code>{ &r.path }</code></li> }) }</ol>
            <h4>{"Wasted space"}</h4>
            if s.waste.is_empty() { <p class="muted">{"No layer hides another's files."}</p> } else {
                <ol class="waste">{ for s.waste.iter().map(|w| html! {
                    <li><span class="size">{ human(w.wasted_bytes) }</span>{ format!(" ×{} ", w.copies) }<code>{ &w.path }</code></li>
                }) }</ol>
            }
        </aside>
    }
}
