//! The layer cake: one band per layer, base at the bottom, sized by bytes.

use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::config::short_command;
use crate::layer::LayerFacts;
use crate::report::Image;
use crate::web::components::human;

/// Band height: a square-root scale, so a 4 kB layer stays visible and
/// clickable beside a 500 MB one.
pub fn band_height(size: u64, max: u64) -> f64 {
    const MIN: f64 = 22.0;
    const MAX: f64 = 120.0;
    if max == 0 {
        return MIN;
    }
    MIN + (MAX - MIN) * (size as f64 / max as f64).sqrt()
}

/// For each layer, its command and the empty steps that precede it.
fn labels(img: &Image) -> (Vec<Option<String>>, Vec<Vec<String>>, Vec<String>) {
    let n = img.layers.len();
    let mut cmd = vec![None; n];
    let mut before: Vec<Vec<String>> = vec![Vec::new(); n];
    let mut pending = Vec::new();
    for h in img.history.iter() {
        let by = h.created_by.clone().unwrap_or_default();
        match h.layer {
            Some(l) if l < n => {
                cmd[l] = Some(by);
                before[l] = std::mem::take(&mut pending);
            }
            _ if h.empty_layer => pending.push(by),
            _ => {}
        }
    }
    (cmd, before, pending)
}

#[derive(Properties, PartialEq)]
pub struct CakeProps {
    pub image: Rc<Image>,
    /// Facts of the layer blobs read so far.
    pub blobs: Rc<HashMap<usize, Rc<LayerFacts>>>,
    /// The layer the files tab shows.
    pub selected: Option<usize>,
    /// A band was chosen: browse that layer's files.
    pub on_layer: Callback<usize>,
}

#[function_component(Cake)]
pub fn cake(p: &CakeProps) -> Html {
    let img = &*p.image;
    let facts = |j: usize| img.layers[j].blob.and_then(|b| p.blobs.get(&b));
    let sizes: Vec<Option<u64>> = img
        .layers
        .iter()
        .enumerate()
        .map(|(j, l)| {
            l.uncompressed_size
                .or_else(|| facts(j).and_then(|f| f.uncompressed_size))
        })
        .collect();
    let max = sizes.iter().flatten().copied().max().unwrap_or(0);
    let total: u64 = sizes.iter().flatten().sum();
    let (cmds, before, after) = labels(img);
    // narrow screens get a narrower drawing, so labels stay readable
    let screen = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(1024.0);
    let w_px = (screen - 32.0).clamp(300.0, 720.0);
    #[allow(non_snake_case)]
    let W = w_px;
    let (share_x, cmd_x, max_chars) = if W < 520.0 {
        (None, 78.0, ((W - 90.0) / 7.5) as usize)
    } else {
        (Some(90.0), 150.0, 70)
    };
    const MARK: f64 = 6.0;
    // top of the cake first: the last layer is drawn at the top
    let mut y = 0.0;
    let mut bands = Vec::new();
    let marker = |y: f64, steps: &[String]| {
        let title = steps
            .iter()
            .map(|s| short_command(s))
            .collect::<Vec<_>>()
            .join("\n");
        html! {
            <g class="marker">
                <title>{ title }</title>
                <rect x="0" y={y.to_string()} width={W.to_string()} height={(MARK - 2.0).to_string()} rx="2" />
            </g>
        }
    };
    if !after.is_empty() {
        bands.push(marker(y, &after));
        y += MARK;
    }
    for j in (0..img.layers.len()).rev() {
        let size = sizes[j];
        let h = band_height(size.unwrap_or(0), max);
        let share = match (size, total) {
            (Some(s), t) if t > 0 => format!("{:.1}%", s as f64 * 100.0 / t as f64),
            _ => String::new(),
        };
        let full = cmds[j].clone().unwrap_or_default();
        let short = short_command(&full);
        let short = if short.chars().count() > max_chars {
            short
                .chars()
                .take(max_chars.saturating_sub(1))
                .chain(std::iter::once('…'))
                .collect()
        } else if short.is_empty() {
            format!("layer {j}")
        } else {
            short
        };
        let selected = p.selected == Some(j);
        let onclick = p.on_layer.reform(move |_: MouseEvent| j);
        let onkeydown = {
            let on_layer = p.on_layer.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    on_layer.emit(j);
                }
            })
        };
        let read = img.layers[j].read || facts(j).is_some();
        bands.push(html! {
            <g class={classes!("band", selected.then_some("selected"), (!read).then_some("pending"))}
               data-layer={j.to_string()} tabindex="0" role="button"
               aria-label={format!("layer {j}: {short}")} {onclick} {onkeydown}>
                <title>{ if full.is_empty() { format!("layer {j}") } else { full.clone() } }</title>
                <rect x="0" y={y.to_string()} width={W.to_string()} height={(h - 2.0).to_string()} rx="4"
                      class={format!("c{}", j % 8)} />
                <text x="10" y={(y + h / 2.0 + 4.0).to_string()} class="size">
                    { size.map(human).unwrap_or_else(|| "…".into()) }
                </text>
                if let Some(x) = share_x {
                    <text x={x.to_string()} y={(y + h / 2.0 + 4.0).to_string()} class="share">{ share }</text>
                }
                <text x={cmd_x.to_string()} y={(y + h / 2.0 + 4.0).to_string()} class="cmd">{ short }</text>
            </g>
        });
        y += h;
        if !before[j].is_empty() {
            bands.push(marker(y, &before[j]));
            y += MARK;
        }
    }
    html! {
        <section class="cake" aria-label="Layer cake">
            <svg viewBox={format!("0 0 {W} {y}")} width={W.to_string()} role="list" class="cake-svg">
                { for bands }
            </svg>
            <p class="muted">{"Base layer at the bottom. Band height grows with the layer's uncompressed size; thin bars are history steps that made no layer. Click a band to browse its files."}</p>
        </section>
    }
}
