//! The root component, and the one place of the page's side effects: it
//! owns the workers' pool, asks the worker what the state lacks
//! ([`State::wanted`]), follows and writes the URL, tells an embedding
//! page, and lays out the views (or one compact view when embedded),
//! giving each its props. What the workers say reaches the reducer as
//! actions (see `pool.rs`).

use std::rc::Rc;

use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;
use yew::prelude::*;

use crate::web::components::{
    arriving::Arriving, attestations::Attestations, cake::Cake, compare::CompareTab,
    config::ConfigView, dir::Browse, embed_bar::EmbedBar, files::Files, header::Header,
    history::History, landing::Landing, manifest::Manifest, packages::Packages, problems::Problems,
    progress::Progress, tabs::Tabs, verify::Verify,
};
use crate::web::download::fetch_blob;
use crate::web::embed;
use crate::web::link;
use crate::web::now;
use crate::web::pool::Pool;
use crate::web::state::Params;
use crate::web::state::{Action, Phase, State, Tab};

/// The callbacks the views are given, made once per page (so they compare
/// equal from one render to the next, and props that did not change skip
/// their view's render).
#[derive(Clone, PartialEq)]
struct Handlers {
    pool: Pool,
    /// Any action.
    act: Callback<Action>,
    /// Opens a file (a `File` is a `Blob`) with its name.
    open: Callback<(Blob, String)>,
    /// Opens the built-in sample.
    sample: Callback<()>,
    /// Stops reading: ends every worker.
    stop: Callback<()>,
    /// Browses a layer's files.
    browse_layer: Callback<usize>,
    select_image: Callback<usize>,
    select_tab: Callback<Tab>,
    /// Opens a second file (with its name and URL, if any), to compare
    /// image `.3` of the open one with.
    compare: Callback<(Blob, String, Option<String>, usize)>,
}

impl Handlers {
    fn new(dispatch: UseReducerDispatcher<State>) -> Handlers {
        let act = Callback::from(move |a| dispatch.dispatch(a));
        let pool = Pool::new(act.clone());
        let open = {
            let (pool, act) = (pool.clone(), act.clone());
            Callback::from(move |(blob, name): (Blob, String)| {
                act.emit(Action::Open {
                    name,
                    size: Some(blob.size() as u64),
                    src: None,
                    now: now(),
                });
                pool.open_file(blob);
            })
        };
        let sample = {
            let (open, act) = (open.clone(), act.clone());
            Callback::from(move |()| {
                let (open, act) = (open.clone(), act.clone());
                spawn_local(async move {
                    match fetch_blob("./sample.tar").await {
                        Ok(b) => open.emit((b, "sample.tar".into())),
                        Err(m) => act.emit(Action::Failed(m)),
                    }
                });
            })
        };
        let stop = {
            let (pool, act) = (pool.clone(), act.clone());
            Callback::from(move |()| {
                pool.stop();
                act.emit(Action::Stopped);
            })
        };
        let compare = {
            let (pool, act) = (pool.clone(), act.clone());
            Callback::from(
                move |(blob, name, src, image): (Blob, String, Option<String>, usize)| {
                    act.emit(Action::Compare { name, src });
                    pool.compare(blob, image);
                },
            )
        };
        Handlers {
            compare,
            browse_layer: act.reform(Action::BrowseLayer),
            select_image: act.reform(Action::SelectImage),
            select_tab: act.reform(Action::SelectTab),
            pool,
            act,
            open,
            sample,
            stop,
        }
    }
}

#[function_component(App)]
pub fn app() -> Html {
    crate::web::profile::render_begins();
    let state = use_reducer(State::default);
    let root = use_node_ref();
    // after every render of the page (its children rendered too)
    use_effect(crate::web::profile::render_ends);
    let h = {
        let dispatch = state.dispatcher();
        (*use_memo((), move |_| Handlers::new(dispatch))).clone()
    };

    // at start: the URL's parameters, and ?src=
    {
        let (act, pool) = (h.act.clone(), h.pool.clone());
        let root = root.clone();
        use_effect_with((), move |_| {
            let params = Params::current();
            embed::apply_theme(params.theme.as_deref());
            if params.embed {
                if let Some(el) = root.cast::<web_sys::Element>() {
                    embed::report_height(&el, params.parent.clone());
                }
            }
            act.emit(Action::Link(params.clone()));
            if let Some(src) = &params.src {
                act.emit(Action::Open {
                    name: src.rsplit('/').next().unwrap_or(src).to_string(),
                    size: None,
                    src: Some(src.clone()),
                    now: now(),
                });
                pool.open_url(link::absolute(src));
            } else {
                pool.warm_up();
            }
        });
    }
    // the worker is asked what the views need and nobody asked yet
    {
        let (act, pool) = (h.act.clone(), h.pool.clone());
        use_effect_with(state.wanted(), move |wanted| {
            if !wanted.is_empty() {
                let asked = wanted
                    .iter()
                    .map(|q| (pool.ask(q.clone()), q.clone()))
                    .collect();
                act.emit(Action::Asked(asked));
            }
        });
    }
    // `?against=`: the second image, fetched once the first is read
    {
        let (compare, act, image) = (h.compare.clone(), h.act.clone(), state.image);
        use_effect_with(state.against_wanted(), move |against| {
            if let Some(src) = against.clone() {
                let name = src.rsplit('/').next().unwrap_or(&src).to_string();
                act.emit(Action::Compare {
                    name: name.clone(),
                    src: Some(src.clone()),
                });
                spawn_local(async move {
                    match fetch_blob(&link::absolute(&src)).await {
                        Ok(b) => compare.emit((b, name, Some(src), image)),
                        Err(message) => act.emit(Action::Update(
                            crate::message::Update::CompareFailed { message },
                            now(),
                        )),
                    }
                });
            }
        });
    }
    // the URL follows what the user opens
    {
        let s = state.clone();
        let key = (
            state.tab,
            state.image,
            state.layer,
            state.opened.as_ref().map(|o| o.path.clone()),
            state.phase,
            state.compare_view,
            state.compare.as_ref().and_then(|c| c.src.clone()),
        );
        use_effect_with(key, move |_| {
            if s.phase == Phase::Done {
                link::write(&s);
            }
        });
    }
    // an embedding page hears how the read ended
    {
        let state = state.clone();
        use_effect_with(state.phase, move |phase| {
            if matches!(phase, Phase::Done | Phase::Error | Phase::Stopped) {
                embed::notify_done(&state);
            }
        });
    }

    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let open = h.open.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = dropped_file(&e) {
                open.emit(file);
            }
        })
    };

    let s = &*state;
    let file_name = s.file_name.clone().unwrap_or_default();
    // the views need a worker to answer them: none after a crash or a stop
    let image = s
        .current()
        .filter(|_| matches!(s.phase, Phase::Loading | Phase::Done))
        .cloned();
    let view = image.map(|image| {
        let body = match s.tab {
            Tab::Cake => html! {
                <Cake image={image} blobs={s.blobs.clone()} selected={s.layer} on_layer={h.browse_layer.clone()} />
            },
            Tab::History => html! { <History image={image} on_layer={h.browse_layer.clone()} /> },
            Tab::Config => html! { <ConfigView image={image} /> },
            Tab::Manifest => html! {
                <Manifest images={s.images.clone()} current={s.image} archive={s.archive.clone()} on_action={h.act.clone()} />
            },
            Tab::Files => {
                let browse = Browse {
                    view: s.view(),
                    listings: s.listings.clone(),
                    expanded: s.expanded.clone(),
                    on_action: h.act.clone(),
                };
                html! {
                    <Files image={image} done={s.phase == Phase::Done} blobs={s.blobs.clone()}
                        sort={s.sort} marks={s.marks} query={s.query.clone()} found={s.found().cloned()}
                        {browse} space={s.space.get(&s.image).cloned()} opened={s.opened.clone()} />
                }
            }
            Tab::Verify => html! { <Verify image={image} recorded={s.report.as_ref().and_then(|r| r.recorded.clone())} /> },
            Tab::Attestations => html! {
                <Attestations image={image} said={s.attestations.get(&s.image).cloned()}
                    query={s.package_query.clone()} on_action={h.act.clone()} />
            },
            Tab::Packages => html! {
                <Packages list={s.packages.get(&s.image).cloned()} query={s.package_query.clone()}
                    on_action={h.act.clone()} on_layer={h.browse_layer.clone()} />
            },
            Tab::Compare if s.phase != Phase::Done => html! {
                <p class="muted" id="compare-wait">{"This image is still being read: compare it once it is done."}</p>
            },
            Tab::Compare => {
                let index = s.image;
                let on_open = h.compare.reform(move |(blob, name): (Blob, String)| (blob, name, None, index));
                html! {
                    <CompareTab image={image} compare={s.compare.clone()} view={s.compare_view}
                        changes={s.changes().cloned()} filter={s.change_filter} search={s.change_search.clone()}
                        embed={s.embed} on_action={h.act.clone()} {on_open} />
                }
            }
        };
        html! { <main class="view" id={format!("view-{}", s.tab.name())}>{ body }</main> }
    });
    let progress = (s.phase == Phase::Loading)
        .then(|| html! { <Progress reading={s.reading} on_stop={h.stop.clone()} /> });
    // a one-pass read shows its layers before the manifest comes
    let arriving = (s.phase == Phase::Loading && s.images.is_empty() && !s.arriving.is_empty())
        .then(|| html! { <main class="view"><Arriving members={s.arriving.clone()} more={s.arriving_more} /></main> });
    let problems = html! {
        <Problems problems={s.problems.clone()} failure={s.failure.clone()} crashed={s.crashed} phase={s.phase} />
    };
    let body = match (s.phase, s.embed) {
        (Phase::Landing, _) => html! {
            <Landing embed={s.embed} on_open={h.open.clone()} on_sample={h.sample.clone()} />
        },
        (_, true) => html! {
            <>
                <EmbedBar image={s.current().cloned()} file_name={file_name} src={s.src.clone()} />
                { progress }
                { problems }
                { view }
                { arriving.clone() }
            </>
        },
        (_, false) => html! {
            <>
                <Header images={s.images.clone()} current={s.image} file_name={file_name} src={s.src.clone()}
                    absent={s.archive.as_ref().map(|a| Rc::new(a.absent_platforms.clone())).unwrap_or_default()}
                    loading={s.phase == Phase::Loading} report={s.report.clone()}
                    on_image={h.select_image.clone()} on_open={h.open.clone()}
                    on_save_report={h.act.reform(Action::SaveReport)} saving_report={s.save_report.is_some()}
                    save_report_error={s.save_report_error.clone()} />
                { progress }
                { problems }
                if view.is_some() {
                    <Tabs tab={s.tab} on_tab={h.select_tab.clone()} />
                }
                { view }
                { arriving }
            </>
        },
    };

    html! {
        <div id="layercake" ref={root} class={classes!("app", s.embed.then_some("embed"))}
             data-state={s.phase.attr()} {ondragover} {ondrop}
             data-first-image-ms={s.first_image_ms.map(|t| format!("{t:.0}"))}
             data-done-ms={s.done_ms.map(|t| format!("{t:.0}"))}>
            { body }
        </div>
    }
}

/// The page's entry point.
pub fn start() {
    crate::web::show_panics();
    yew::Renderer::<App>::new().render();
}

/// The first file a drop brings, and its name.
pub(crate) fn dropped_file(e: &DragEvent) -> Option<(web_sys::Blob, String)> {
    let f = e
        .data_transfer()
        .and_then(|dt| dt.files())
        .and_then(|f| f.get(0))?;
    let name = f.name();
    Some((f.into(), name))
}
