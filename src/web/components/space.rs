//! The space panel: efficiency, the largest files, the wasted space.

use yew::prelude::*;

use crate::message::Request;
use crate::web::components::{human, use_page};

#[function_component(SpacePanel)]
pub fn space_panel() -> Html {
    let (state, bridge) = use_page();
    let image = state.image;
    let space = state.space.get(&image).cloned();
    {
        let send = bridge.send.clone();
        let missing = space.is_none();
        use_effect_with((image, missing), move |(image, missing)| {
            if *missing {
                send.emit(Request::Space {
                    id: 1,
                    image: *image,
                    limit: 20,
                });
            }
        });
    }
    let Some(s) = space else { return html! {} };
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
