//! "Open another file": a file picker for when one is already shown.

use web_sys::{Blob, HtmlInputElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OpenAnotherProps {
    pub on_open: Callback<(Blob, String)>,
}

/// Opens the file chosen in an `<input type=file>`.
pub fn on_choose(open: Callback<(Blob, String)>) -> Callback<Event> {
    Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        if let Some(f) = input.files().and_then(|f| f.get(0)) {
            let name = f.name();
            open.emit((f.into(), name));
        }
        input.set_value("");
    })
}

#[function_component(OpenAnother)]
pub fn open_another(p: &OpenAnotherProps) -> Html {
    let onchange = on_choose(p.on_open.clone());
    html! {
        <label class="button open-another">
            {"Open another file"}
            <input type="file" id="file-input-another" class="visually-hidden" {onchange} />
        </label>
    }
}
