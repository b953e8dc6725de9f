//! The dissecting workers, seen from the page: started, given a file (each
//! with its share of the layers), asked queries, stopped, and buried when
//! they die. Everything they say becomes an [`Action`] for the reducer;
//! the only messages handled here are about the workers themselves.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, MessageEvent, Worker};
use yew::Callback;

use crate::message::{Answer, Command, Query, ToPage, ToWorker, Update};
use crate::share::Share;
use crate::web::batch::Batch;
use crate::web::download::{self, Saving};
use crate::web::now;
use crate::web::profile;
use crate::web::state::Action;

mod slot;

use slot::{hand_module, retire, why, Slot};

/// The workers' state.
#[derive(Default)]
struct Inner {
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
    /// The number of the next query.
    next_id: u32,
    /// A file being downloaded from the gathering worker, piece by piece.
    saving: Option<Saving>,
}

impl Inner {
    fn post(&mut self, i: usize, v: JsValue) {
        if let Some(s) = self.slots.get_mut(i) {
            s.post(v);
        }
    }

    fn send(&mut self, i: usize, message: &ToWorker) {
        if let Ok(text) = serde_json::to_string(message) {
            self.post(i, JsValue::from_str(&text));
        }
    }

    fn command(&mut self, i: usize, command: Command) {
        self.send(i, &ToWorker::Command { command });
    }

    /// Ends every worker (and what it was doing). The slots are returned,
    /// to be dropped later: this may run inside one of their handlers.
    fn stop(&mut self) -> Vec<Slot> {
        self.generation += 1;
        self.deferred.clear();
        self.saving = None;
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

    /// Gives the first two workers the two ends of a port, for reading a
    /// compressed archive together: the first inflates and hands layer
    /// members on, the second hashes and walks them. Sent at once, not
    /// held back with the helpers' shares, since the first needs the
    /// second from its first layer on.
    fn connect_first_two(&mut self) {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            return;
        };
        for (i, port) in [channel.port1(), channel.port2()].into_iter().enumerate() {
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"relay".into(), &port);
            let _ = js_sys::Reflect::set(&msg, &"first".into(), &(i == 0).into());
            let transfer = js_sys::Array::of1(&port);
            if let Some(s) = self.slots.get_mut(i) {
                s.post_transfer(msg.into(), Some(transfer));
            }
        }
    }

    fn release_helpers(&mut self) {
        for (i, v) in std::mem::take(&mut self.deferred) {
            self.post(i, v);
        }
    }
}

/// The page's workers: the first gathers, the others read shares of a
/// file's layers in parallel. Cheap to clone (a handle).
#[derive(Clone)]
pub struct Pool {
    inner: Rc<RefCell<Inner>>,
    /// Where what the workers say goes (the frequent updates a frame at a
    /// time).
    dispatch: Batch,
}

impl PartialEq for Pool {
    fn eq(&self, other: &Pool) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }
}

/// How many workers read a file: `?workers=N` if given (1 to 8, for
/// measuring), else one per core, up to four. Each worker reads ahead
/// asynchronously and hashes up to four blobs at once, so one a core keeps
/// the cores busy.
fn worker_count() -> usize {
    let window = web_sys::window();
    let asked = window
        .as_ref()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
        .and_then(|p| p.get("workers"))
        .and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = asked {
        return n.clamp(1, 8);
    }
    window
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .clamp(1, 4)
}

impl Pool {
    pub fn new(dispatch: Callback<Action>) -> Pool {
        Pool {
            inner: Rc::default(),
            dispatch: Batch::new(dispatch),
        }
    }

    /// Starts workers before any file is chosen, so the first read is quick.
    pub fn warm_up(&self) {
        if let Err(e) = self.spawn(worker_count()) {
            web_sys::console::warn_1(&e.into());
        }
    }

    /// Gives a file to the workers, each with its share of the layers.
    /// Workers warmed up are used for the first file; later files get
    /// fresh ones.
    pub fn open_file(&self, blob: Blob) {
        let fresh = {
            let p = self.inner.borrow();
            !p.used && !p.slots.is_empty()
        };
        if !fresh {
            if let Err(e) = self.spawn(worker_count()) {
                self.dispatch.emit(Action::Failed(e));
                return;
            }
        }
        let mut p = self.inner.borrow_mut();
        p.used = true;
        let of = p.slots.len();
        p.deferred.clear();
        if of > 1 {
            p.connect_first_two();
        }
        for index in 0..of {
            let share = (of > 1).then_some(Share { index, of });
            let message = open_message(&blob, share);
            if index == 0 {
                p.post(index, message);
            } else {
                p.deferred.push((index, message));
            }
        }
    }

    /// Reads the archive at `url` with one worker.
    pub fn open_url(&self, url: String) {
        // the first worker reads the URL; a second, if there is a core for
        // it, takes the layer members of a compressed archive from it
        let n = worker_count().min(2);
        match self.spawn(n) {
            Ok(()) => {
                let mut p = self.inner.borrow_mut();
                p.used = true;
                if n > 1 {
                    p.connect_first_two();
                }
                p.command(0, Command::OpenUrl { url });
            }
            Err(e) => self.dispatch.emit(Action::Failed(e)),
        }
    }

    /// Hands a second file to the gathering worker, to compare image
    /// `image` of the open one with (`Command::Compare`).
    pub fn compare(&self, blob: Blob, image: usize) {
        let message = blob_message(&blob, Command::Compare { image });
        self.inner.borrow_mut().post(0, message);
    }

    /// Asks the gathering worker a query; returns its number, which every
    /// answer carries. A download's pieces are gathered here.
    pub fn ask(&self, query: Query) -> u32 {
        let mut p = self.inner.borrow_mut();
        p.next_id = p.next_id.wrapping_add(1);
        let id = p.next_id;
        match &query {
            Query::Download { path, .. } => p.saving = Some(Saving::new(id, path)),
            Query::SaveReport { .. } => p.saving = Some(Saving::new(id, "saved.layercake.json.gz")),
            _ => {}
        }
        p.send(0, &ToWorker::Query { id, query });
        id
    }

    /// Ends every worker: nothing more is read.
    pub fn stop(&self) {
        self.dispatch.clear();
        let slots = self.inner.borrow_mut().stop();
        retire(slots);
    }

    /// Starts fresh workers (ending any old ones, and whatever they were reading).
    fn spawn(&self, n: usize) -> Result<(), String> {
        self.stop();
        profile::forget();
        self.inner.borrow_mut().used = false;
        for i in 0..n {
            let url = if profile::on() {
                "./worker_loader.js?profile=1"
            } else {
                "./worker_loader.js"
            };
            let worker = Worker::new(url).map_err(|e| format!("cannot start a worker: {e:?}"))?;
            let weak = Rc::downgrade(&self.inner);
            let dispatch = self.dispatch.clone();
            let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                if let Some(pool) = upgrade(&weak, &dispatch) {
                    pool.heard(i, &e.data());
                }
            });
            let weak = Rc::downgrade(&self.inner);
            let dispatch = self.dispatch.clone();
            let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                e.prevent_default();
                if let Some(pool) = upgrade(&weak, &dispatch) {
                    pool.crashed(i, why(&e));
                }
            });
            worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
            worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
            hand_module(&worker);
            self.inner.borrow_mut().slots.push(Slot {
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

    /// A message from worker `i`.
    fn heard(&self, i: usize, data: &JsValue) {
        let Some(text) = data.as_string() else {
            return self.heard_object(data);
        };
        let message: ToPage = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(err) => {
                web_sys::console::error_1(&format!("bad message from a worker: {err}").into());
                return;
            }
        };
        match message {
            ToPage::Ready => {
                if let Some(s) = self.inner.borrow_mut().slots.get_mut(i) {
                    s.ready = true;
                    for (v, transfer) in std::mem::take(&mut s.pending) {
                        let _ = match &transfer {
                            Some(t) => s.worker.post_message_with_transfer(&v, t),
                            None => s.worker.post_message(&v),
                        };
                    }
                }
            }
            ToPage::NeedsDownload { url } => spawn_local(self.clone().fetch(url)),
            ToPage::Memory { bytes } => web_sys::console::info_1(
                &format!(
                    "layercake: worker {i} holds {} MiB of wasm memory",
                    bytes >> 20
                )
                .into(),
            ),
            ToPage::Profile { profile } => profile::heard(i, profile),
            ToPage::Crashed { message } => self.crashed(i, message),
            ToPage::Answer { id, answer } => self.answered(id, answer),
            // the first render is out: let the helpers start
            ToPage::Update {
                update: update @ (Update::Image { .. } | Update::Finished { .. }),
            } if i == 0 => {
                self.inner.borrow_mut().release_helpers();
                self.dispatch.emit(Action::Update(update, now()));
            }
            // a helper that fails leaves its share to the gatherer
            ToPage::Update {
                update: Update::Failed { .. },
            } if i > 0 => self.inner.borrow_mut().command(0, Command::ReadMissing),
            ToPage::Update { update } if i > 0 => self.dispatch.emit(Action::Helper(i, update)),
            ToPage::Update { update } => self.dispatch.emit(Action::Update(update, now())),
        }
    }

    /// `{chunk: id, bytes}` (a piece of a download), or `{forward}` (a
    /// helper's blobs, for the gathering worker).
    fn heard_object(&self, data: &JsValue) {
        let get = |k: &str| js_sys::Reflect::get(data, &k.into()).ok();
        if let Some(text) = get("forward").and_then(|t| t.as_string()) {
            self.inner.borrow_mut().post(0, JsValue::from_str(&text));
            return;
        }
        let id = get("chunk").and_then(|v| v.as_f64()).unwrap_or(-1.0);
        let Some(bytes) = get("bytes").and_then(|b| b.dyn_into::<js_sys::ArrayBuffer>().ok())
        else {
            return;
        };
        let received = {
            let mut p = self.inner.borrow_mut();
            let Some(s) = p.saving.as_mut().filter(|s| f64::from(s.id) == id) else {
                return;
            };
            s.push(&bytes)
        };
        self.dispatch.emit(Action::Receiving(received));
    }

    fn answered(&self, id: u32, answer: Answer) {
        match &answer {
            Answer::Downloaded { size } => {
                let done = self.inner.borrow_mut().saving.take_if(|s| s.id == id);
                if let Some(s) = done {
                    self.dispatch.emit(match s.save(*size) {
                        Ok(()) => Action::Saved,
                        Err(m) => Action::SaveFailed(m),
                    });
                }
            }
            Answer::Error { message } => {
                web_sys::console::warn_1(&format!("layercake: query {id}: {message}").into())
            }
            _ => {}
        }
        self.dispatch.emit(Action::Answer(id, answer));
    }

    /// A worker died. A helper's share goes to the gathering worker; the
    /// gathering worker's death ends the read as an error, with every worker.
    fn crashed(&self, i: usize, why: String) {
        let was_alive = self.inner.borrow().slots.get(i).is_some_and(|s| !s.dead);
        if !was_alive {
            return;
        }
        web_sys::console::error_1(&format!("layercake: worker {i} crashed: {why}").into());
        // what it said before it died is shown
        self.dispatch.flush();
        if i > 0 {
            let mut p = self.inner.borrow_mut();
            p.bury(i);
            p.command(0, Command::ReadMissing);
            return;
        }
        self.stop();
        self.dispatch.emit(Action::Crashed(why));
    }

    /// Streams a URL whose server does not answer Range requests into a
    /// Blob, then hands the Blob to the gathering worker.
    async fn fetch(self, url: String) {
        let generation = self.inner.borrow().generation;
        let weak = Rc::downgrade(&self.inner);
        let current = move || {
            weak.upgrade()
                .is_some_and(|p| p.borrow().generation == generation)
        };
        let result = download::fetch_stream(&url, self.dispatch.direct(), &current).await;
        if !current() {
            return;
        }
        match result {
            Ok(blob) => self.inner.borrow_mut().post(0, open_message(&blob, None)),
            Err(message) => self
                .dispatch
                .emit(Action::Update(Update::Failed { message }, now())),
        }
    }
}

fn upgrade(weak: &Weak<RefCell<Inner>>, dispatch: &Batch) -> Option<Pool> {
    weak.upgrade().map(|inner| Pool {
        inner,
        dispatch: dispatch.clone(),
    })
}

/// `{command, blob}`: a file and the share of it to read.
fn open_message(blob: &Blob, share: Option<Share>) -> JsValue {
    let msg = js_sys::Object::new();
    let command = ToWorker::Command {
        command: Command::OpenBlob { share },
    };
    if let Ok(text) = serde_json::to_string(&command) {
        let _ = js_sys::Reflect::set(&msg, &"command".into(), &text.into());
    }
    let _ = js_sys::Reflect::set(&msg, &"blob".into(), blob);
    msg.into()
}

/// `{command, blob}`: a command and the file it is about.
fn blob_message(blob: &Blob, command: Command) -> JsValue {
    let msg = js_sys::Object::new();
    if let Ok(text) = serde_json::to_string(&ToWorker::Command { command }) {
        let _ = js_sys::Reflect::set(&msg, &"command".into(), &text.into());
    }
    let _ = js_sys::Reflect::set(&msg, &"blob".into(), blob);
    msg.into()
}
