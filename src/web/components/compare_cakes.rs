//! Two layer cakes side by side, the shared base aligned at the bottom and
//! marked as shared; each side's own layers above it.

use std::rc::Rc;

use yew::prelude::*;

use crate::diff::{Diff, LayerRow};
use crate::web::components::cake::band_height;
use crate::web::components::human;

#[derive(Properties, PartialEq)]
pub struct CompareCakesProps {
    pub diff: Rc<Diff>,
}

fn band(row: Option<&LayerRow>, side: &str, shared: bool, max: u64) -> Html {
    let Some(r) = row else {
        return html! { <div class="cell empty"></div> };
    };
    let h = band_height(r.size.unwrap_or(0), max);
    let by = r
        .created_by
        .clone()
        .unwrap_or_else(|| format!("layer {}", r.index));
    let title = format!(
        "{side} layer {}{}\n{}",
        r.index,
        if shared { " (shared)" } else { "" },
        r.diff_id
            .as_ref()
            .map(|d| d.to_string())
            .unwrap_or_default()
    );
    html! {
        <div class={classes!("cell", "band", shared.then_some("shared"), (!shared).then_some(format!("only-{side}")))}
             data-layer={r.index.to_string()} data-shared={shared.to_string()} {title}
             style={format!("height:{h:.0}px")}>
            <span class="size">{ r.size.map(human).unwrap_or_else(|| "…".into()) }</span>
            <span class="cmd">{ by }</span>
            if shared { <span class="tag shared-tag">{"shared"}</span> }
        </div>
    }
}

#[function_component(CompareCakes)]
pub fn compare_cakes(p: &CompareCakesProps) -> Html {
    let l = &p.diff.layers;
    let max = l
        .shared
        .iter()
        .chain(&l.only_a)
        .chain(&l.only_b)
        .filter_map(|r| r.size)
        .max()
        .unwrap_or(0);
    let own = l.only_a.len().max(l.only_b.len());
    // top first: each side's own layers (the top one first), then the base
    let mut rows = Vec::new();
    for i in (0..own).rev() {
        rows.push(html! {
            <div class="pair">
                { band(l.only_a.get(i), "a", false, max) }
                { band(l.only_b.get(i), "b", false, max) }
            </div>
        });
    }
    for r in l.shared.iter().rev() {
        rows.push(html! {
            <div class="pair shared">
                { band(Some(r), "a", true, max) }
                { band(Some(r), "b", true, max) }
            </div>
        });
    }
    html! {
        <section class="compare-cakes" id="compare-cakes" aria-label="The two layer cakes">
            <div class="pair head"><div class="cell">{"A"}</div><div class="cell">{"B"}</div></div>
            { for rows }
            <p class="muted" id="compare-layers-note">
                { format!("{} shared layer{} at the bottom (the same diff_ids in the same order); {} only in A, {} only in B.",
                    l.shared.len(), if l.shared.len() == 1 { "" } else { "s" }, l.only_a.len(), l.only_b.len()) }
            </p>
        </section>
    }
}
