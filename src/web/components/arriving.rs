//! The layers of a one-pass read (a whole-archive gzip or zstd file), shown
//! as they are read, before the manifest that names them arrives (it often
//! comes last): one band per member read, in the order read, with its
//! size, its entries and its digest. Tags, config and history attach when the
//! manifest comes, and the cake replaces this.

use std::rc::Rc;

use yew::prelude::*;

use crate::layer::LayerFacts;
use crate::web::components::cake::band_height;
use crate::web::components::human;

#[derive(Properties, PartialEq)]
pub struct ArrivingProps {
    /// The members read so far, in the order read: path and facts.
    pub members: Rc<Vec<(String, Rc<LayerFacts>)>>,
    /// Members read past those drawn.
    #[prop_or_default]
    pub more: usize,
}

#[function_component(Arriving)]
pub fn arriving(p: &ArrivingProps) -> Html {
    let blobs = &p.members;
    let size = |f: &LayerFacts| f.uncompressed_size.unwrap_or(f.size);
    let max = blobs.iter().map(|(_, f)| size(f)).max().unwrap_or(0);
    const W: f64 = 720.0;
    let mut y = 0.0;
    let mut bands = Vec::new();
    // the last read on top, as a cake is drawn
    for (j, (path, f)) in blobs.iter().enumerate().rev() {
        let h = band_height(size(f), max);
        let what = match (f.compression, f.entries) {
            (Some(c), n) => format!("{n} entries, {}", c.name()),
            (None, _) => "not a layer".to_string(),
        };
        let digest = f
            .digest
            .as_ref()
            .map(|d| d.labelled_short())
            .unwrap_or_default();
        bands.push(html! {
            <g class="band" data-member={path.clone()}>
                <title>{ format!("{path}: {} bytes, {what}", size(f)) }</title>
                <rect x="0" y={y.to_string()} width={W.to_string()} height={(h - 2.0).to_string()} rx="4"
                      class={format!("c{}", j % 8)} />
                <text x="10" y={(y + h / 2.0 + 4.0).to_string()} class="size">{ human(size(f)) }</text>
                <text x="90" y={(y + h / 2.0 + 4.0).to_string()} class="share">{ what }</text>
                <text x="300" y={(y + h / 2.0 + 4.0).to_string()} class="cmd">{ digest }</text>
            </g>
        });
        y += h;
    }
    html! {
        <section class="cake arriving" id="arriving" aria-label="Layers read so far">
            <p>{ format!("{} layers read so far; the manifest that names them has not come yet.", blobs.len() + p.more) }</p>
            if p.more > 0 {
                <p class="note">{ format!("The first {} are drawn.", blobs.len()) }</p>
            }
            <svg viewBox={format!("0 0 {W} {y}")} width={W.to_string()} role="list" class="cake-svg">
                { for bands }
            </svg>
        </section>
    }
}
