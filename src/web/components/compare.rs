//! The Compare tab: the open image (A) against a second one (B). Before a
//! comparison, the control that opens B; while B is read, how far; then
//! the verdict and the comparison's views (the two cakes, the changes,
//! the config, the history, the packages). Embedded, only the view the
//! link names.

use std::rc::Rc;

use web_sys::Blob;
use yew::prelude::*;

use crate::against::ChangeFilter;
use crate::page::{Compare, ComparePhase, CompareView};
use crate::report::Image;
use crate::web::components::changes::ChangesView;
use crate::web::components::compare_cakes::CompareCakes;
use crate::web::components::compare_open::CompareOpen;
use crate::web::components::config_diff::ConfigDiff;
use crate::web::components::history_diff::HistoryDiff;
use crate::web::components::human;
use crate::web::components::package_diff::PackageDiff;
use crate::web::state::Action;

#[derive(Properties, PartialEq)]
pub struct CompareProps {
    /// A, the image shown.
    pub image: Rc<Image>,
    /// The comparison, once asked for.
    pub compare: Option<Rc<Compare>>,
    pub view: CompareView,
    /// The file changes for the filter and search shown, once answered.
    pub changes: Option<Rc<crate::page::Changes>>,
    pub filter: ChangeFilter,
    pub search: String,
    /// One compact view, for a frame.
    pub embed: bool,
    pub on_action: Callback<Action>,
    /// Opens a second file to compare with.
    pub on_open: Callback<(Blob, String)>,
}

#[function_component(CompareTab)]
pub fn compare_tab(p: &CompareProps) -> Html {
    let open = html! { <CompareOpen on_open={p.on_open.clone()} /> };
    let Some(c) = &p.compare else {
        return html! {
            <section class="compare" id="compare" data-state="idle">
                <p>{ format!("Compare {} with another image: its layers side by side, the files, config, history and packages that changed.", p.image.name()) }</p>
                { open }
            </section>
        };
    };
    let state = c.phase.attr();
    let body = match c.phase {
        ComparePhase::Reading => {
            let what = if c.side == "a" {
                "reading this image's layers again, hashing each file".to_string()
            } else {
                format!("reading {}", c.name)
            };
            let of = c
                .total
                .map(|t| format!(" of {}", human(t)))
                .unwrap_or_default();
            html! {
                <p class="progress" role="status" id="compare-progress">
                    { format!("Comparing with {}: {what}… {}{of} read", c.name, human(c.read)) }
                </p>
            }
        }
        ComparePhase::Failed => html! {
            <>
                <p class="bad failure" id="compare-failure">
                    { format!("Cannot compare with {}: {}", c.name, c.failure.clone().unwrap_or_default()) }
                </p>
                { open }
            </>
        },
        ComparePhase::Done => {
            let (Some(diff), Some(report)) = (&c.diff, &c.report) else {
                return html! {};
            };
            let b_name = report
                .images
                .get(diff.b.image)
                .map(|i| i.name())
                .unwrap_or_default();
            let view = match p.view {
                CompareView::Cake => html! { <CompareCakes diff={diff.clone()} /> },
                CompareView::Changes => html! {
                    <ChangesView diff={diff.clone()} changes={p.changes.clone()} filter={p.filter}
                        search={p.search.clone()} on_action={p.on_action.clone()} />
                },
                CompareView::Config => html! { <ConfigDiff diff={diff.clone()} /> },
                CompareView::History => html! { <HistoryDiff diff={diff.clone()} /> },
                CompareView::Packages => html! { <PackageDiff changes={c.packages.clone()} /> },
            };
            let close = p.on_action.reform(|_: MouseEvent| Action::CloseCompare);
            html! {
                <>
                    <p class="compare-names">
                        <span class="side-a" id="compare-a">{ format!("A: {}", p.image.name()) }</span>
                        {" · "}
                        <span class="side-b" id="compare-b">{ format!("B: {b_name} ({})", c.name) }</span>
                        if !p.embed {
                            {" "}<button class="link" id="compare-close" onclick={close}>{"close"}</button>
                        }
                    </p>
                    <p class={classes!("verdict", format!("verdict-{:?}", diff.verdict).to_lowercase())} id="compare-summary">
                        { diff.summary.clone() }
                    </p>
                    if !p.embed {
                        <nav class="tabs subtabs" role="tablist">
                            { for CompareView::ALL.into_iter().map(|v| {
                                let onclick = p.on_action.reform(move |_: MouseEvent| Action::CompareView(v));
                                let selected = p.view == v;
                                html! {
                                    <button role="tab" aria-selected={selected.to_string()} id={format!("compare-tab-{}", v.name())}
                                        class={classes!("tab", selected.then_some("selected"))} {onclick}>{ v.label() }</button>
                                }
                            }) }
                        </nav>
                    }
                    <div class="compare-view" id={format!("compare-view-{}", p.view.name())}>{ view }</div>
                </>
            }
        }
    };
    html! {
        <section class="compare" id="compare" data-state={state}>{ body }</section>
    }
}
