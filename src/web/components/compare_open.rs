//! "Compare with another image…": a picker and a drop zone for the
//! second image of a comparison.

use web_sys::{Blob, DragEvent};
use yew::prelude::*;

use crate::web::components::open_another::on_choose;

#[derive(Properties, PartialEq)]
pub struct CompareOpenProps {
    /// A second file was chosen or dropped.
    pub on_open: Callback<(Blob, String)>,
}

#[function_component(CompareOpen)]
pub fn compare_open(p: &CompareOpenProps) -> Html {
    let onchange = on_choose(p.on_open.clone());
    let ondragover = Callback::from(|e: DragEvent| {
        e.prevent_default();
        e.stop_propagation();
    });
    let ondrop = {
        let open = p.on_open.clone();
        Callback::from(move |e: DragEvent| {
            // the page's own drop zone would open it as the first file
            e.prevent_default();
            e.stop_propagation();
            if let Some(file) = crate::web::app::dropped_file(&e) {
                open.emit(file);
            }
        })
    };
    html! {
        <div class="compare-open drop" id="compare-drop" {ondragover} {ondrop}>
            <label class="button">
                {"Compare with another image…"}
                <input type="file" id="compare-input" class="visually-hidden" {onchange} />
            </label>
            <span class="muted">{" or drop its archive here. It is read beside this one, in this page; nothing is uploaded."}</span>
        </div>
    }
}
