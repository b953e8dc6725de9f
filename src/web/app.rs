//! The root component: owns the worker, folds its replies into the state,
//! and lays out the views.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, MessageEvent, Worker};
use yew::prelude::*;

use crate::message::{Reply, Request};
use crate::web::components::{
    cake::Cake, config::ConfigView, files::Files, header::Header, history::History,
    landing::Landing, manifest::Manifest, problems::Problems, progress::Progress, tabs::Tabs,
    verify::Verify,
};
use crate::web::state::{Action, Phase, State, Tab};

/// What components use to talk to the worker and the state.
#[derive(Clone)]
pub struct Bridge {
    pub send: Callback<Request>,
    pub open: Callback<(Blob, String)>,
    pub dispatch: UseReducerDispatcher<State>,
}

impl PartialEq for Bridge {
    fn eq(&self, _: &Bridge) -> bool {
        true
    }
}

pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The worker and what waits for it to be ready.
struct Link {
    worker: Worker,
    ready: bool,
    pending: Vec<JsValue>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
}

impl Link {
    fn post(&mut self, v: JsValue) {
        if self.ready {
            let _ = self.worker.post_message(&v);
        } else {
            self.pending.push(v);
        }
    }
}

fn spawn(
    link: Rc<RefCell<Option<Link>>>,
    dispatch: UseReducerDispatcher<State>,
) -> Result<(), String> {
    if let Some(old) = link.borrow_mut().take() {
        old.worker.terminate();
    }
    let worker =
        Worker::new("./worker_loader.js").map_err(|e| format!("cannot start the worker: {e:?}"))?;
    let weak = Rc::downgrade(&link);
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Some(text) = e.data().as_string() else {
            return;
        };
        let reply: Reply = match serde_json::from_str(&text) {
            Ok(r) => r,
            Err(err) => {
                web_sys::console::error_1(&format!("bad message from the worker: {err}").into());
                return;
            }
        };
        if reply == Reply::Ready {
            if let Some(link) = weak.upgrade() {
                if let Some(l) = link.borrow_mut().as_mut() {
                    l.ready = true;
                    for v in std::mem::take(&mut l.pending) {
                        let _ = l.worker.post_message(&v);
                    }
                }
            }
            return;
        }
        dispatch.dispatch(Action::Reply(reply, now()));
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    *link.borrow_mut() = Some(Link {
        worker,
        ready: false,
        pending: Vec::new(),
        _onmessage: onmessage,
    });
    Ok(())
}

/// Tells an embedding page that the dissection finished.
fn notify_parent(state: &State) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    let img = state.current();
    let summary = serde_json::json!({
        "file": state.file_name,
        "images": state.images.len(),
        "tags": img.map(|i| i.tags.clone()),
        "config_digest": img.and_then(|i| i.config_digest.as_ref().map(|d| d.to_string())),
        "layers": img.map(|i| i.layers.len()),
        "verified": img.and_then(|i| i.verified),
        "problems": state.report.as_ref().map(|r| r.all_problems().len()),
        "state": state.phase.attr(),
    });
    let msg = serde_json::json!({"type": "layercake:done", "summary": summary});
    if let Ok(v) = js_sys::JSON::parse(&msg.to_string()) {
        let _ = parent.post_message(&v, "*");
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let link: Rc<RefCell<Option<Link>>> = use_mut_ref(|| None);

    let open = {
        let link = link.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |(blob, name): (Blob, String)| {
            dispatch.dispatch(Action::Open {
                name,
                size: Some(blob.size() as u64),
                now: now(),
            });
            match spawn(link.clone(), dispatch.clone()) {
                Ok(()) => {
                    if let Some(l) = link.borrow_mut().as_mut() {
                        l.post(blob.into());
                    }
                }
                Err(e) => dispatch.dispatch(Action::Failed(e)),
            }
        })
    };
    let send = {
        let link = link.clone();
        Callback::from(move |req: Request| {
            if let Ok(text) = serde_json::to_string(&req) {
                if let Some(l) = link.borrow_mut().as_mut() {
                    l.post(JsValue::from_str(&text));
                }
            }
        })
    };
    let bridge = Bridge {
        send,
        open: open.clone(),
        dispatch: state.dispatcher(),
    };

    {
        let state = state.clone();
        use_effect_with(state.phase, move |phase| {
            if matches!(phase, Phase::Done | Phase::Error) {
                notify_parent(&state);
            }
        });
    }

    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let open = open.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let file = e
                .data_transfer()
                .and_then(|dt| dt.files())
                .and_then(|f| f.get(0));
            if let Some(f) = file {
                let name = f.name();
                open.emit((f.into(), name));
            }
        })
    };

    let body = match state.phase {
        Phase::Landing => html! { <Landing /> },
        _ => {
            let view = match state.tab {
                Tab::Cake => html! { <Cake /> },
                Tab::History => html! { <History /> },
                Tab::Config => html! { <ConfigView /> },
                Tab::Manifest => html! { <Manifest /> },
                Tab::Files => html! { <Files /> },
                Tab::Verify => html! { <Verify /> },
            };
            html! {
                <>
                    <Header />
                    <Progress />
                    <Problems />
                    if !state.images.is_empty() {
                        <Tabs />
                        <main class="view" id={format!("view-{}", state.tab.name())}>{ view }</main>
                    }
                </>
            }
        }
    };

    html! {
        <ContextProvider<Bridge> context={bridge}>
            <ContextProvider<UseReducerHandle<State>> context={state.clone()}>
                <div id="layercake" class="app" data-state={state.phase.attr()} {ondragover} {ondrop}>
                    { body }
                </div>
            </ContextProvider<UseReducerHandle<State>>>
        </ContextProvider<Bridge>>
    }
}

/// The page's entry point.
pub fn start() {
    console_error_panic_hook::set_once();
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // a panic is a bug: say so instead of leaving a dead page
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.get_element_by_id("layercake") {
                let _ = root.set_attribute("data-state", "error");
            }
            if let Some(body) = doc.body() {
                let div = doc.create_element("div");
                if let Ok(div) = div {
                    div.set_class_name("bug");
                    div.set_text_content(Some(&format!(
                        "Layer Cake hit a bug and stopped: {info}. Please report it; reload the page to start again."
                    )));
                    let _ = body.prepend_with_node_1(&div);
                }
            }
        }
    }));
    yew::Renderer::<App>::new().render();
}
