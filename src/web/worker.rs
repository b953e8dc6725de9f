//! The dissecting worker: the only place where the browser meets the core.
//! It receives a `File` (structured clone, no copy) or a URL, reads it
//! through a range source, posts every event as an [`Update`], then
//! answers the page's [`Query`]s from the finished dissection (the
//! protocol is `crate::message`).

use std::cell::RefCell;
use std::io::{Read, Seek};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, MessageEvent};

use crate::message::{Answer, Command, Query, SharedBlob, ToPage, ToWorker, Update};
use crate::session::Session;
use crate::share::Share;
use crate::web::blob_reader::{blob_reader, probe, Probe};
use crate::web::profile;
use crate::{dissect, Dissection, Event, Options};

mod compare;
mod layers;
mod post;
mod relay;

use post::{answer_with, post, post_forward, post_memory, scope, update};

trait Source: Read + Seek {}
impl<T: Read + Seek> Source for T {}

/// What the worker holds.
enum Held {
    /// A finished dissection, answering requests.
    Open {
        session: Session,
        source: Box<dyn Source>,
    },
    /// Reading our share's blobs; what the page sends meanwhile for
    /// gathering waits here.
    Reading {
        waiting: Vec<Option<Vec<SharedBlob>>>,
    },
    /// Our share is read; waiting for the other workers' blobs.
    Gathering {
        dissection: Dissection,
        source: Box<dyn Source>,
    },
}

#[derive(Default)]
struct WorkerState {
    held: Option<Held>,
    /// A comparison of the open file with a second one.
    against: Option<compare::Compared>,
    /// The first worker's end of the port to the second, for the next
    /// file if it is read in one pass (see `relay`).
    near: Option<relay::Near>,
    /// What the first worker knows of the second while handing it
    /// members, so the page can say it is gone.
    heard: Option<Rc<RefCell<relay::Heard>>>,
}

type Shared = Rc<RefCell<WorkerState>>;

fn sink() -> impl FnMut(Event<'_>) {
    |e: Event<'_>| {
        match e {
            Event::LayerStarted { .. } => profile::layer_started(),
            Event::LayerDone { .. } => profile::layer_done(),
            Event::Progress { .. } if !progress_due() => return,
            _ => {}
        }
        update(Update::from_event(&e))
    }
}

/// The least time between two progress updates posted to the page. Each
/// is a message, a reducer step and a render on the page's main thread;
/// unthrottled, a one-pass read of `large.tar.gz` posted 216 of them in
/// 3 s. Progress is a running total, so a later one stands for those
/// dropped, and every other event (a layer started or read) still goes at
/// once.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// Whether a progress update may be posted now (and, if so, notes it).
fn progress_due() -> bool {
    thread_local! {
        static LAST: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NEG_INFINITY) };
    }
    let now = profile::now();
    LAST.with(|last| {
        let due = now - last.get() >= PROGRESS_EVERY_MS;
        if due {
            last.set(now);
        }
        due
    })
}

/// Dissects `source`, posting events, and keeps the session for requests;
/// `again` opens a second reader for reading files later. With `blob`
/// (a dropped or chosen file), an uncompressed archive's layer blobs are
/// read asynchronously, four at a time, after the images are posted. A
/// helper (a share other than the first) posts the blobs it read and
/// keeps nothing.
fn run(
    mut source: Box<dyn Source>,
    share: Option<Share>,
    blob: Option<Blob>,
    again: impl FnOnce() -> std::io::Result<Box<dyn Source>> + 'static,
    state: &Shared,
) {
    state.borrow_mut().held = None;
    state.borrow_mut().against = None;
    let opts = Options {
        share,
        read_layers: blob.is_none(),
        ..Options::default()
    };
    // the first of several workers reading a compressed archive (or the
    // one reading a URL or a download) hands its layer members to the
    // second
    let near = state.borrow_mut().near.take();
    if let Some(near) = near.filter(|_| share.is_none_or(|s| s.index == 0)) {
        if relay::one_pass(&mut source) {
            return relay::relayed(source, near, share, blob, again, opts, state);
        }
    }
    let result = profile::time(
        |p| &mut p.dissect_ms,
        || dissect(source, &opts, &mut sink()),
    );
    let d = match result {
        Ok(d) => d,
        Err(e) => {
            update(Update::Failed {
                message: e.to_string(),
            });
            return;
        }
    };
    after(d, share, blob, again, &opts, state)
}

/// What follows the first read of the file: a seekable archive's layers
/// read in batches, then the session (or, for a helper, its share posted).
fn after(
    d: Dissection,
    share: Option<Share>,
    blob: Option<Blob>,
    again: impl FnOnce() -> std::io::Result<Box<dyn Source>>,
    opts: &Options,
    state: &Shared,
) {
    let source = match again() {
        Ok(s) => s,
        Err(e) => {
            update(Update::Failed {
                message: format!("cannot read the file again: {e}"),
            });
            return;
        }
    };
    match blob {
        Some(blob) if !opts.read_layers && d.report.archive.seekable && d.recorded.is_none() => {
            state.borrow_mut().held = Some(Held::Reading {
                waiting: Vec::new(),
            });
            let state = state.clone();
            spawn_local(async move {
                let (mut d, mut source) = (d, source);
                let t = profile::on().then(profile::now);
                layers::read_layers(&mut d, share, &blob, &mut source).await;
                if let Some(t) = t {
                    profile::with(|p| p.dissect_ms += profile::now() - t);
                }
                if share.is_none() {
                    d = profile::time(
                        |p| &mut p.finish_ms,
                        || d.finish(&Options::default(), &mut sink()),
                    );
                }
                settle(d, share, source, &state);
            });
        }
        _ => settle(d, share, source, state),
    }
}

/// After this reader's blobs are read: a helper posts them, the first of
/// several readers waits for the others', and a lone reader opens its
/// session.
fn settle(d: Dissection, share: Option<Share>, source: Box<dyn Source>, state: &Shared) {
    if share.is_some_and(|s| s.index > 0) {
        let blobs = d
            .blobs
            .into_iter()
            .enumerate()
            .filter_map(|(blob, b)| {
                b.facts.map(|facts| SharedBlob {
                    blob,
                    facts,
                    entries: b.entries,
                })
            })
            .collect();
        post_memory();
        post_forward(blobs);
        profile::report(post);
        state.borrow_mut().held = None;
        return;
    }
    let waiting = match state.borrow_mut().held.take() {
        Some(Held::Reading { waiting }) => waiting,
        _ => Vec::new(),
    };
    state.borrow_mut().held = Some(if share.is_some() {
        gathered(d, source)
    } else {
        post_memory();
        profile::report(post);
        Held::Open {
            session: Session::new(d),
            source,
        }
    });
    // what the page sent while this reader was still reading
    for blobs in waiting {
        gather(state, blobs);
    }
}

/// Finishes a shared dissection once no blob is missing.
fn gathered(d: Dissection, source: Box<dyn Source>) -> Held {
    if d.missing().is_empty() {
        let d = profile::time(
            |p| &mut p.finish_ms,
            || d.finish(&Options::default(), &mut sink()),
        );
        post_memory();
        profile::report(post);
        Held::Open {
            session: Session::new(d),
            source,
        }
    } else {
        Held::Gathering {
            dissection: d,
            source,
        }
    }
}

/// Blobs from a helper, or "read what is missing yourself".
fn gather(state: &Shared, blobs: Option<Vec<SharedBlob>>) {
    let held = state.borrow_mut().held.take();
    let next = match held {
        Some(Held::Reading { mut waiting }) => {
            waiting.push(blobs);
            Some(Held::Reading { waiting })
        }
        Some(Held::Gathering {
            mut dissection,
            mut source,
        }) => {
            profile::time(
                |p| &mut p.merge_ms,
                || match blobs {
                    Some(blobs) => {
                        for b in blobs {
                            dissection.complete(b.blob, b.facts, b.entries);
                        }
                    }
                    None => dissection.read_missing(&mut source, &mut sink()),
                },
            );
            Some(gathered(dissection, source))
        }
        other => other,
    };
    state.borrow_mut().held = next;
}

fn open_blob(blob: Blob, share: Option<Share>, state: &Shared) {
    match blob_reader(blob.clone()) {
        Ok(r) => run(
            Box::new(r),
            share,
            Some(blob.clone()),
            move || Ok(Box::new(blob_reader(blob)?) as Box<dyn Source>),
            state,
        ),
        Err(e) => update(Update::Failed {
            message: format!("cannot read the file: {e}"),
        }),
    }
}

fn open_url(url: String, state: &Shared) {
    match probe(&url) {
        Ok(Probe::Ranges(r)) => {
            let again = url.clone();
            run(
                Box::new(r),
                None,
                None,
                move || match probe(&again) {
                    Ok(Probe::Ranges(r)) => Ok(Box::new(r) as Box<dyn Source>),
                    _ => Err(std::io::Error::other(
                        "the server stopped answering range requests",
                    )),
                },
                state,
            )
        }
        Ok(Probe::Whole) => post(&ToPage::NeedsDownload { url }),
        Err(message) => update(Update::Failed { message }),
    }
}

/// One message from the page: a command (with the `Blob` it opens, if
/// any), or a query.
fn receive(text: &str, blob: Option<Blob>, state: &Shared) {
    let started = profile::on().then(profile::now);
    let message: ToWorker = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            web_sys::console::error_1(&format!("layercake: a bad message: {e}").into());
            return;
        }
    };
    if let (
        Some(t),
        ToWorker::Command {
            command: Command::Gather { .. },
        },
    ) = (started, &message)
    {
        // decoding a helper's blobs is part of the merge
        profile::with(|p| p.merge_ms += profile::now() - t);
    }
    match message {
        ToWorker::Command { command } => match (command, blob) {
            (Command::OpenBlob { share }, Some(blob)) => open_blob(blob, share, state),
            (Command::OpenBlob { .. }, None) => update(Update::Failed {
                message: "no file came with the command to open it".into(),
            }),
            (Command::OpenUrl { url }, _) => open_url(url, state),
            (Command::Gather { blobs }, _) => gather(state, Some(blobs)),
            (Command::ReadMissing, _) => {
                // the second worker is gone: the walk stops handing it
                // members and waiting for it
                let heard = state.borrow().heard.clone();
                if let Some(h) = heard {
                    h.borrow_mut().gone();
                }
                gather(state, None)
            }
            (Command::Compare { image }, Some(blob)) => compare::compare(blob, image, state),
            (Command::Compare { .. }, None) => update(Update::CompareFailed {
                message: "no file came with the command to compare".into(),
            }),
        },
        ToWorker::Query { id, query } => ask(id, &query, state),
    }
}

fn ask(id: u32, query: &Query, state: &Shared) {
    if matches!(query, Query::Changes { .. } | Query::PackageChanges) {
        return answer_with(id, compare::answer(query, state));
    }
    let mut guard = state.borrow_mut();
    let Some(Held::Open { session, source }) = guard.held.as_mut() else {
        let message = "no file is open yet".into();
        return answer_with(id, Answer::Error { message });
    };
    let last = session.answer(query, source, &mut |a| answer_with(id, a));
    answer_with(id, last);
}

/// The worker's entry point.
pub fn start() {
    // a panic leaves the worker unusable: say why before the trap ends it
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&ToPage::Crashed {
            message: format!("a bug: {info}"),
        });
    }));
    let state: Shared = Rc::new(RefCell::new(WorkerState::default()));
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(text) = data.as_string() {
            receive(&text, None, &state);
            return;
        }
        let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok();
        // {relay, first}: this worker's end of the port between the first
        // two workers, for reading a compressed archive together
        if let Some(port) = get("relay").and_then(|p| p.dyn_into::<web_sys::MessagePort>().ok()) {
            match get("first").and_then(|f| f.as_bool()) {
                Some(true) => state.borrow_mut().near = Some(relay::Near::new(port)),
                _ => relay::serve(port),
            }
            return;
        }
        // {command, blob}: a file to open
        let text = get("command").and_then(|c| c.as_string());
        let blob = get("blob").and_then(|b| b.dyn_into::<Blob>().ok());
        if let (Some(text), Some(blob)) = (text, blob) {
            receive(&text, Some(blob), &state);
        }
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    profile::started();
    post(&ToPage::Ready);
}
