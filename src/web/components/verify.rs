//! Every digest, checked.

use std::rc::Rc;

use yew::prelude::*;

use crate::digest::Check;
use crate::report::Image;
use crate::report_file::Recorded;
use crate::web::components::mark;

fn check_cell(c: &Check) -> Html {
    match c {
        Check::Verified { digest } => {
            html! { <><span class="ok">{"✓ verified "}</span><code>{ digest.to_string() }</code></> }
        }
        Check::Mismatch { expected, actual } => html! {
            <><span class="bad">{"✗ mismatch"}</span>{" expected "}<code>{ expected.to_string() }</code>{", actual "}<code>{ actual.to_string() }</code></>
        },
        Check::Unreadable { expected } => html! {
            <><span class="bad">{"? unreadable"}</span>{" expected "}<code>{ expected.to_string() }</code>{", but the content could not be read whole"}</>
        },
        Check::NotChecked { reason } => {
            html! { <span class="muted">{ format!("not checked: {reason}") }</span> }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct VerifyProps {
    pub image: Rc<Image>,
    /// Set when the page shows a report: the checks are as it recorded them.
    #[prop_or_default]
    pub recorded: Option<Recorded>,
}

#[function_component(Verify)]
pub fn verify(p: &VerifyProps) -> Html {
    let img = &*p.image;
    html! {
        <section class="verify">
            if let Some(rec) = &p.recorded {
                <p class="recorded" id="recorded">{ format!("As recorded on {} by {}: these checks were made when the report was written, not now. Open the archive itself to verify it afresh.", rec.at, rec.by) }</p>
            }
            <p>{"Image: "}{ mark(img.verified) }{ if p.recorded.is_some() { " (as recorded)" } else { "" } }</p>
            <table class="checks">
                <thead><tr><th>{"What"}</th><th>{"Check"}</th></tr></thead>
                <tbody>
                    <tr><td>{"Manifest"}</td><td>{ check_cell(&img.manifest_check) }</td></tr>
                    <tr><td>{"Config"}</td><td>{ check_cell(&img.config_check) }</td></tr>
                    { for img.layers.iter().enumerate().map(|(j, l)| html! {
                        <>
                            <tr><td>{ format!("Layer {j} blob") }</td><td>{ check_cell(&l.digest_check) }</td></tr>
                            <tr><td>{ format!("Layer {j} diff_id") }</td><td>{ check_cell(&l.diff_id_check) }</td></tr>
                        </>
                    }) }
                </tbody>
            </table>
        </section>
    }
}
