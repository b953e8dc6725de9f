//! The root component: owns the worker, folds its replies into the state,
//! follows and writes the URL, and lays out the views (or one compact view
//! when embedded).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, MessageEvent, ReadableStreamDefaultReader, Response, Worker};
use yew::prelude::*;

use crate::message::{Reply, Request, View};
use crate::web::components::{
    cake::Cake, config::ConfigView, files::Files, header::Header, history::History,
    landing::Landing, manifest::Manifest, problems::Problems, progress::Progress, tabs::Tabs,
    verify::Verify,
};
use crate::web::link::{self, Params};
use crate::web::state::{Action, Phase, State, Tab};

/// What components use to talk to the worker and the state.
#[derive(Clone)]
pub struct Bridge {
    pub send: Callback<Request>,
    pub open: Callback<(Blob, String)>,
    /// Stops reading: ends every worker.
    pub stop: Callback<()>,
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

/// One worker and what waits for it to be ready.
struct Slot {
    worker: Worker,
    ready: bool,
    /// Ended (crashed, or terminated after a crash).
    dead: bool,
    pending: Vec<JsValue>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::Event)>,
}

impl Slot {
    fn post(&mut self, v: JsValue) {
        if self.dead {
            return;
        }
        if self.ready {
            let _ = self.worker.post_message(&v);
        } else {
            self.pending.push(v);
        }
    }
}

/// The dissecting workers: the first gathers, the others read shares of a
/// file's layers in parallel.
#[derive(Default)]
struct Pool {
    slots: Vec<Slot>,
    /// Whether a file was given to these workers yet.
    used: bool,
    /// The helpers' share of a file, held back until the first worker has
    /// read the archive's index and documents (so the first render does not
    /// compete with them for the CPU).
    deferred: Vec<(usize, JsValue)>,
    /// Bumped whenever the workers are replaced or stopped, so that work
    /// begun for old ones (a download of `?src=`) ends.
    generation: u64,
    /// A file being downloaded from the gathering worker, piece by piece.
    download: Option<Download>,
}

/// A file streamed from the worker as `ArrayBuffer` pieces, gathered into
/// a `Blob` (the browser's blob store holds it, not wasm memory).
struct Download {
    id: u32,
    name: String,
    parts: js_sys::Array,
    pending: u64,
    received: u64,
}

/// Pieces are folded into one Blob every this many bytes.
const FOLD_BYTES: u64 = 32 << 20;

impl Pool {
    fn post(&mut self, i: usize, v: JsValue) {
        if let Some(s) = self.slots.get_mut(i) {
            s.post(v);
        }
    }

    /// Ends every worker (and what it was doing). The slots are returned,
    /// to be dropped later: this may run inside one of their handlers.
    fn stop(&mut self) -> Vec<Slot> {
        self.generation += 1;
        self.deferred.clear();
        self.download = None;
        let slots: Vec<Slot> = self.slots.drain(..).collect();
        for s in &slots {
            s.worker.terminate();
        }
        slots
    }

    /// Ends one worker that died, keeping its slot (so indexes hold).
    fn bury(&mut self, i: usize) {
        if let Some(s) = self.slots.get_mut(i) {
            s.dead = true;
            s.worker.terminate();
        }
    }

    fn release_helpers(&mut self) {
        for (i, v) in std::mem::take(&mut self.deferred) {
            self.post(i, v);
        }
    }

    fn request(&mut self, i: usize, req: &Request) {
        if let Request::Download { id, path, .. } = req {
            self.download = Some(Download {
                id: *id,
                name: path.rsplit('/').next().unwrap_or("file").to_string(),
                parts: js_sys::Array::new(),
                pending: 0,
                received: 0,
            });
        }
        if let Ok(text) = serde_json::to_string(req) {
            self.post(i, JsValue::from_str(&text));
        }
    }
}

type Shared = Rc<RefCell<Pool>>;

/// How many workers read a file: one per core, up to four.
fn worker_count() -> usize {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .saturating_mul(2)
        .clamp(1, 4)
}

/// Starts fresh workers (ending any old ones, and whatever they were reading).
fn spawn(pool: &Shared, n: usize, dispatch: UseReducerDispatcher<State>) -> Result<(), String> {
    let old = pool.borrow_mut().stop();
    retire(old);
    pool.borrow_mut().used = false;
    for i in 0..n {
        let worker = Worker::new("./worker_loader.js")
            .map_err(|e| format!("cannot start a worker: {e:?}"))?;
        let weak = Rc::downgrade(pool);
        let on_error_dispatch = dispatch.clone();
        let dispatch = dispatch.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(pool) = weak.upgrade() else { return };
            let Some(text) = e.data().as_string() else {
                piece(&pool, &e.data(), &dispatch);
                return;
            };
            // a helper's blobs go to the gathering worker as they are: a
            // Reply::Shared reads as a Request::Shared
            if text.starts_with(r#"{"type":"shared""#) {
                pool.borrow_mut().post(0, JsValue::from_str(&text));
                return;
            }
            let reply: Reply = match serde_json::from_str(&text) {
                Ok(r) => r,
                Err(err) => {
                    web_sys::console::error_1(&format!("bad message from a worker: {err}").into());
                    return;
                }
            };
            match reply {
                Reply::Ready => {
                    if let Some(s) = pool.borrow_mut().slots.get_mut(i) {
                        s.ready = true;
                        for v in std::mem::take(&mut s.pending) {
                            let _ = s.worker.post_message(&v);
                        }
                    }
                }
                Reply::NeedsDownload { url } => {
                    spawn_local(download(url, pool.clone(), dispatch.clone()));
                }
                Reply::Memory { bytes } => web_sys::console::info_1(
                    &format!(
                        "layercake: worker {i} holds {} MiB of wasm memory",
                        bytes >> 20
                    )
                    .into(),
                ),
                Reply::Crashed { message } => crashed(&pool, i, message, &dispatch),
                Reply::Downloaded { id, size, .. } => {
                    let done = pool.borrow_mut().download.take_if(|d| d.id == id);
                    if let Some(d) = done {
                        save(d, size, &dispatch);
                    }
                }
                // the first render is out: let the helpers start
                reply @ (Reply::Image { .. } | Reply::Finished { .. }) if i == 0 => {
                    pool.borrow_mut().release_helpers();
                    dispatch.dispatch(Action::Reply(reply, now()));
                }
                // a helper that fails leaves its share to the gatherer
                Reply::Failed { .. } if i > 0 => {
                    pool.borrow_mut().request(0, &Request::ReadMissing)
                }
                reply if i > 0 => dispatch.dispatch(Action::Helper(i, reply)),
                reply => dispatch.dispatch(Action::Reply(reply, now())),
            }
        });
        let weak = Rc::downgrade(pool);
        let dispatch = on_error_dispatch;
        let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            if let Some(pool) = weak.upgrade() {
                crashed(&pool, i, why(&e), &dispatch);
            }
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        pool.borrow_mut().slots.push(Slot {
            worker,
            ready: false,
            dead: false,
            pending: Vec::new(),
            _onmessage: onmessage,
            _onerror: onerror,
        });
    }
    Ok(())
}

/// Drops slots after the current event (their closures may be running).
fn retire(slots: Vec<Slot>) {
    if !slots.is_empty() {
        spawn_local(async move { drop(slots) });
    }
}

/// Why a worker died, from its `error` event, in words.
fn why(e: &web_sys::Event) -> String {
    let message = e
        .dyn_ref::<web_sys::ErrorEvent>()
        .map(|e| e.message())
        .unwrap_or_default();
    let cause = if message.contains("unreachable") {
        "a WebAssembly trap, most likely out of memory"
    } else if message.contains("call stack") || message.contains("too much recursion") {
        "a stack overflow"
    } else if message.to_ascii_lowercase().contains("memory") {
        "out of memory"
    } else if message.is_empty() {
        "it stopped without saying why (out of memory, or it failed to load)"
    } else {
        "an uncaught error"
    };
    if message.is_empty() {
        cause.to_string()
    } else {
        format!("{cause} ({message})")
    }
}

/// A worker died. A helper's share goes to the gathering worker; the
/// gathering worker's death ends the read as an error, with every worker.
fn crashed(pool: &Shared, i: usize, why: String, dispatch: &UseReducerDispatcher<State>) {
    let was_alive = pool.borrow().slots.get(i).is_some_and(|s| !s.dead);
    if !was_alive {
        return;
    }
    web_sys::console::error_1(&format!("layercake: worker {i} crashed: {why}").into());
    if i > 0 {
        let mut p = pool.borrow_mut();
        p.bury(i);
        p.request(0, &Request::ReadMissing);
        return;
    }
    let slots = pool.borrow_mut().stop();
    retire(slots);
    dispatch.dispatch(Action::Crashed(why));
}

/// One piece of a download, as a transferable `ArrayBuffer`.
fn piece(pool: &Shared, data: &JsValue, dispatch: &UseReducerDispatcher<State>) {
    let get = |k: &str| js_sys::Reflect::get(data, &k.into()).ok();
    if get("type").and_then(|t| t.as_string()).as_deref() != Some("chunk") {
        return;
    }
    let id = get("id").and_then(|v| v.as_f64()).unwrap_or(-1.0);
    let Some(bytes) = get("bytes").and_then(|b| b.dyn_into::<js_sys::ArrayBuffer>().ok()) else {
        return;
    };
    let mut p = pool.borrow_mut();
    let Some(d) = p.download.as_mut().filter(|d| f64::from(d.id) == id) else {
        return;
    };
    let len = u64::from(bytes.byte_length());
    d.parts.push(&bytes);
    d.pending += len;
    d.received += len;
    if d.pending >= FOLD_BYTES {
        // into the blob store, out of JS memory
        if let Ok(b) = Blob::new_with_buffer_source_sequence(&d.parts) {
            d.parts = js_sys::Array::of1(&b);
            d.pending = 0;
        }
    }
    let received = d.received;
    drop(p);
    dispatch.dispatch(Action::Receiving(received));
}

/// Every piece of a download arrived: offer the file.
fn save(d: Download, size: u64, dispatch: &UseReducerDispatcher<State>) {
    match Blob::new_with_buffer_source_sequence(&d.parts) {
        Ok(blob) if blob.size() as u64 == size => {
            crate::web::components::header::offer(&blob, &d.name);
            dispatch.dispatch(Action::Saved);
        }
        Ok(blob) => dispatch.dispatch(Action::SaveFailed(format!(
            "the download holds {} bytes, the file {size}",
            blob.size()
        ))),
        Err(e) => dispatch.dispatch(Action::SaveFailed(format!("{e:?}"))),
    }
}

/// Gives a file to the workers, each with its share of the layers.
fn give(pool: &Shared, blob: Blob) {
    let mut p = pool.borrow_mut();
    p.used = true;
    let of = p.slots.len();
    p.deferred.clear();
    for index in 0..of {
        if of > 1 {
            p.request(
                index,
                &Request::Share {
                    share: crate::share::Share { index, of },
                },
            );
        }
        if index == 0 {
            p.post(index, blob.clone().into());
        } else {
            p.deferred.push((index, blob.clone().into()));
        }
    }
}

/// Streams a URL whose server does not answer Range requests, gathering it
/// into a Blob (held by the browser's blob store, not by wasm memory), then
/// hands the Blob to the worker.
async fn download(url: String, pool: Shared, dispatch: UseReducerDispatcher<State>) {
    let generation = pool.borrow().generation;
    let current = {
        let pool = Rc::downgrade(&pool);
        move || {
            pool.upgrade()
                .is_some_and(|p| p.borrow().generation == generation)
        }
    };
    let result = fetch_stream(&url, &dispatch, &current).await;
    if !current() {
        return;
    }
    match result {
        Ok(blob) => pool.borrow_mut().post(0, blob.into()),
        Err(m) => dispatch.dispatch(Action::Reply(Reply::Failed { message: m }, now())),
    }
}

fn blob_of(parts: &js_sys::Array) -> Result<Blob, String> {
    Blob::new_with_blob_sequence(parts).map_err(|e| format!("cannot assemble the download: {e:?}"))
}

async fn fetch_stream(
    url: &str,
    dispatch: &UseReducerDispatcher<State>,
    current: &dyn Fn() -> bool,
) -> Result<Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let network = || {
        format!("cannot fetch {url}: a network error, or the server does not allow cross-origin requests (CORS)")
    };
    let resp: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| network())?
        .dyn_into()
        .map_err(|_| network())?;
    if !resp.ok() {
        return Err(format!(
            "cannot fetch {url}: the server answered HTTP {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    let total = resp
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let body = resp.body().ok_or_else(|| format!("{url} has no body"))?;
    let reader: ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "cannot read the response".to_string())?;
    // chunks are folded into a Blob every 32 MiB, so they leave JS memory
    let mut blob = Blob::new().map_err(|e| format!("{e:?}"))?;
    let mut parts = js_sys::Array::new();
    parts.push(&blob);
    let (mut read, mut pending) = (0u64, 0u64);
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| format!("the download of {url} broke off: {e:?}"))?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        if !current() {
            // stopped, or another file was opened
            let _ = reader.cancel();
            return Err("stopped".into());
        }
        let value: js_sys::Uint8Array = js_sys::Reflect::get(&chunk, &"value".into())
            .map_err(|e| format!("{e:?}"))?
            .unchecked_into();
        read += value.length() as u64;
        pending += value.length() as u64;
        let piece = Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&value))
            .map_err(|e| format!("{e:?}"))?;
        parts.push(&piece);
        if pending >= 32 << 20 {
            blob = blob_of(&parts)?;
            parts = js_sys::Array::of1(&blob);
            pending = 0;
        }
        dispatch.dispatch(Action::Downloaded {
            read,
            total,
            now: now(),
        });
    }
    blob_of(&parts)
}

/// Tells an embedding page that the dissection finished (or failed, or
/// was stopped). The name of a file the reader chose never leaves the
/// page: `file` is set only for an archive named by `?src=`.
fn notify_parent(state: &State) {
    let img = state.current();
    let summary = serde_json::json!({
        "file": state.src.as_ref().and(state.file_name.as_ref()),
        "src": state.src,
        "images": state.images.len(),
        "tags": img.map(|i| i.tags.clone()),
        "config_digest": img.and_then(|i| i.config_digest.as_ref().map(|d| d.to_string())),
        "layers": img.map(|i| i.layers.len()),
        "verified": img.and_then(|i| i.verified),
        "problems": state.report.as_ref().map(|r| r.all_problems().len()),
        "error": state.failure,
        "state": state.phase.attr(),
    });
    post_parent(
        &serde_json::json!({"type": "layercake:done", "summary": summary}),
        state.parent.as_deref(),
    );
}

/// Posts to the embedding page, when there is one: to the origin the URL
/// names (`parent` or `origin`), else to any.
fn post_parent(msg: &serde_json::Value, origin: Option<&str>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = window.parent() else {
        return;
    };
    if js_sys::Object::is(&parent, &window) {
        return; // not embedded
    }
    if let Ok(v) = js_sys::JSON::parse(&msg.to_string()) {
        let _ = parent.post_message(&v, origin.unwrap_or("*"));
    }
}

/// Reports the content's height to an embedding page whenever it changes
/// (the root's own height, so a frame can shrink as well as grow).
fn report_height(root: &web_sys::Element, origin: Option<String>) {
    let el = root.clone();
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| {
        // the root's own height (the body has no margin)
        let h = el.scroll_height().max(el.client_height());
        post_parent(
            &serde_json::json!({"type": "layercake:resize", "height": h}),
            origin.as_deref(),
        );
    });
    if let Ok(obs) = web_sys::ResizeObserver::new(cb.as_ref().unchecked_ref()) {
        obs.observe(root);
        std::mem::forget(obs);
    }
    cb.forget();
}

fn apply_theme(theme: Option<&str>) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        match theme {
            Some(t) => {
                let _ = el.set_attribute("data-theme", t);
            }
            None => {
                let _ = el.remove_attribute("data-theme");
            }
        }
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let link: Shared = use_mut_ref(Pool::default);
    let root = use_node_ref();

    let open = {
        let link = link.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |(blob, name): (Blob, String)| {
            dispatch.dispatch(Action::Open {
                name,
                size: Some(blob.size() as u64),
                src: None,
                now: now(),
            });
            // workers started at page load are reused for the first file
            let fresh = {
                let p = link.borrow();
                !p.used && !p.slots.is_empty()
            };
            if !fresh {
                if let Err(e) = spawn(&link, worker_count(), dispatch.clone()) {
                    dispatch.dispatch(Action::Failed(e));
                    return;
                }
            }
            give(&link, blob);
        })
    };
    let send = {
        let link = link.clone();
        Callback::from(move |req: Request| link.borrow_mut().request(0, &req))
    };
    let stop = {
        let link = link.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |()| {
            let slots = link.borrow_mut().stop();
            retire(slots);
            dispatch.dispatch(Action::Stopped);
        })
    };
    let bridge = Bridge {
        send: send.clone(),
        open: open.clone(),
        stop,
        dispatch: state.dispatcher(),
    };

    // at start: the URL's parameters, and ?src=
    {
        let link = link.clone();
        let dispatch = state.dispatcher();
        let root = root.clone();
        use_effect_with((), move |_| {
            let params = Params::current();
            apply_theme(params.theme.as_deref());
            if params.embed {
                if let Some(el) = root.cast::<web_sys::Element>() {
                    report_height(&el, params.parent.clone());
                }
            }
            dispatch.dispatch(Action::Link(params.clone()));
            if let Some(src) = &params.src {
                let url = link::absolute(src);
                dispatch.dispatch(Action::Open {
                    name: src.rsplit('/').next().unwrap_or(src).to_string(),
                    size: None,
                    src: Some(src.clone()),
                    now: now(),
                });
                match spawn(&link, 1, dispatch.clone()) {
                    Ok(()) => {
                        link.borrow_mut().used = true;
                        link.borrow_mut().request(0, &Request::OpenUrl { url });
                    }
                    Err(e) => dispatch.dispatch(Action::Failed(e)),
                }
            } else if let Err(e) = spawn(&link, worker_count(), dispatch.clone()) {
                // ready before a file is dropped, so the first render is quick
                web_sys::console::warn_1(&e.into());
            }
        });
    }
    // a deep link's file: read it once the worker can answer
    {
        let send = send.clone();
        let dispatch = state.dispatcher();
        let view = View {
            image: state.image,
            layer: state.layer,
        };
        use_effect_with(state.read_request.clone(), move |req| {
            if let Some(path) = req {
                send.emit(Request::Read {
                    id: 1,
                    view,
                    path: path.clone(),
                    limit: crate::contents::PREVIEW_BYTES,
                });
                dispatch.dispatch(Action::ReadSent);
            }
        });
    }
    // the URL follows what the user opens
    {
        let s = (*state).clone();
        let key = (
            state.tab,
            state.image,
            state.layer,
            state.opened.as_ref().map(|o| o.path.clone()),
            state.phase,
        );
        use_effect_with(key, move |_| {
            if s.phase == Phase::Done {
                link::write(&s);
            }
        });
    }
    {
        let state = state.clone();
        use_effect_with(state.phase, move |phase| {
            if matches!(phase, Phase::Done | Phase::Error | Phase::Stopped) {
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

    let view = match state.tab {
        Tab::Cake => html! { <Cake /> },
        Tab::History => html! { <History /> },
        Tab::Config => html! { <ConfigView /> },
        Tab::Manifest => html! { <Manifest /> },
        Tab::Files => html! { <Files /> },
        Tab::Verify => html! { <Verify /> },
    };
    // the views need a worker to answer them: none after a crash or a stop
    let views = !state.images.is_empty() && matches!(state.phase, Phase::Loading | Phase::Done);
    let body = match (state.phase, state.embed) {
        (Phase::Landing, _) => html! { <Landing /> },
        (_, true) => html! {
            <>
                <crate::web::components::header::EmbedBar />
                <Progress />
                <Problems />
                if views {
                    <main class="view" id={format!("view-{}", state.tab.name())}>{ view }</main>
                }
            </>
        },
        (_, false) => html! {
            <>
                <Header />
                <Progress />
                <Problems />
                if views {
                    <Tabs />
                    <main class="view" id={format!("view-{}", state.tab.name())}>{ view }</main>
                }
            </>
        },
    };

    html! {
        <ContextProvider<Bridge> context={bridge}>
            <ContextProvider<UseReducerHandle<State>> context={state.clone()}>
                <div id="layercake" ref={root} class={classes!("app", state.embed.then_some("embed"))}
                     data-state={state.phase.attr()} {ondragover} {ondrop}
                     data-first-image-ms={state.first_image_ms.map(|t| format!("{t:.0}"))}
                     data-done-ms={state.done_ms.map(|t| format!("{t:.0}"))}>
                    { body }
                </div>
            </ContextProvider<UseReducerHandle<State>>>
        </ContextProvider<Bridge>>
    }
}

/// The page's entry point.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        // a panic is a bug: say so instead of leaving a dead page
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.get_element_by_id("layercake") {
                let _ = root.set_attribute("data-state", "error");
            }
            if let (Some(body), Ok(div)) = (doc.body(), doc.create_element("div")) {
                div.set_class_name("bug");
                div.set_text_content(Some(&format!(
                    "Layer Cake hit a bug and stopped: {info}. Please report it; reload the page to start again."
                )));
                let _ = body.prepend_with_node_1(&div);
            }
        }
    }));
    yew::Renderer::<App>::new().render();
}
