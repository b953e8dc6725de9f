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
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use crate::message::{gather_text, Answer, Command, Query, SharedBlob, ToPage, ToWorker, Update};
use crate::session::Session;
use crate::sha256x4::LANES;
use crate::share::Share;
use crate::web::blob_reader::{blob_reader, probe, Probe};
use crate::web::profile;
use crate::{
    dissect, reads_in_one_pass, Batch, Dissection, Event, OnePass, OnePassStart, Options, Outcome,
};

mod compare;
mod relay;

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
            _ => {}
        }
        update(Update::from_event(&e))
    }
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn update(update: Update) {
    post(&ToPage::Update { update });
}

/// Posts one answer to the page; a download's piece goes as a transferable
/// `ArrayBuffer` (`{chunk: id, bytes}`), never as JSON.
fn answer_with(id: u32, answer: Answer) {
    match answer {
        Answer::Chunk { bytes } => post_chunk(id, &bytes),
        answer => post(&ToPage::Answer { id, answer }),
    }
}

fn post_chunk(id: u32, bytes: &[u8]) {
    let arr = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    arr.copy_from(bytes);
    let buf = arr.buffer();
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"chunk".into(), &id.into());
    let _ = js_sys::Reflect::set(&msg, &"bytes".into(), &buf);
    if let Err(e) = scope().post_message_with_transfer(&msg, &js_sys::Array::of1(&buf)) {
        web_sys::console::error_1(&e);
    }
}

/// Posts one message to the page as JSON.
fn post(message: &ToPage) {
    profile::with(|p| p.posts += 1);
    profile::time(
        |p| &mut p.post_ms,
        || match serde_json::to_string(message) {
            Ok(s) => {
                let _ = scope().post_message(&JsValue::from_str(&s));
            }
            Err(e) => web_sys::console::error_1(&format!("cannot encode a message: {e}").into()),
        },
    )
}

/// Posts a helper's blobs as `{forward}`, for the page to hand to the
/// gathering worker unread.
fn post_forward(blobs: Vec<SharedBlob>) {
    profile::time(|p| &mut p.forward_ms, || forward_now(blobs))
}

fn forward_now(blobs: Vec<SharedBlob>) {
    match gather_text(blobs) {
        Ok(text) => {
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"forward".into(), &text.into());
            let _ = scope().post_message(&msg);
        }
        Err(e) => update(Update::Failed {
            message: format!("cannot encode the blobs read: {e}"),
        }),
    }
}

/// Pieces each lane has in flight ahead of the one it hashes (each up to
/// [`PIECE`] bytes, in the browser's memory until taken).
const READ_AHEAD: usize = 2;

/// Bytes of a layer blob read at once, per lane.
const PIECE: usize = 6 << 20;

/// A piece of the file being read asynchronously (`Blob.arrayBuffer()`).
struct Reading {
    start: u64,
    end: u64,
    promise: JsFuture,
}

/// Starts reading `start..end` of `blob`.
fn start_read(blob: &Blob, start: u64, end: u64) -> Result<Reading, String> {
    let slice = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|e| format!("{e:?}"))?;
    Ok(Reading {
        start,
        end,
        promise: JsFuture::from(slice.array_buffer()),
    })
}

/// Waits for a read and copies it into `buf` (wasm memory).
async fn finish_read(r: Reading, buf: &mut Vec<u8>) -> Result<(), String> {
    let t = profile::on().then(profile::now);
    let ab = r.promise.await.map_err(|e| format!("{e:?}"))?;
    let arr = js_sys::Uint8Array::new(&ab);
    buf.resize(arr.length() as usize, 0);
    arr.copy_to(buf);
    if let Some(t) = t {
        profile::with(|p| {
            p.read_ms += profile::now() - t;
            p.reads += 1;
            p.read_bytes += r.end - r.start;
        });
    }
    Ok(())
}

/// Blobs smaller than this are read one at a time from the buffered
/// `source` (a read of its own costs about a millisecond, whatever its
/// size, and a buffered source reads many small blobs at once), not
/// through a [`Batch`].
const SMALL_BLOB: u64 = 256 << 10;

/// Reads this reader's layer blobs: the small ones one at a time from
/// `source`; the others four at a time through a [`Batch`] (uncompressed
/// layers, hashed in step), with the next piece of each lane already being
/// read while the current ones are hashed; then the blobs it declines, one
/// at a time from `source`.
async fn read_layers(
    d: &mut Dissection,
    share: Option<Share>,
    blob: &Blob,
    source: &mut dyn Source,
) {
    let (small, mine): (Vec<usize>, Vec<usize>) = d
        .share_blobs(share)
        .into_iter()
        .partition(|&b| d.blobs[b].size < SMALL_BLOB);
    d.read_blobs(&mut *source, &small, &mut sink());
    let total = d.report.archive.size;
    let mut batch = Batch::new(d, &mine, PIECE, total, Options::default().progress_step);
    let mut bufs: [Vec<u8>; LANES] = Default::default();
    let mut declined = Vec::new();
    let mut events = batch_sink();
    let mut ahead: Vec<Reading> = Vec::new();
    loop {
        let wants = batch.wants(&mut events);
        // this round's reads: started last round if guessed right
        let mut now: Vec<(usize, Result<Reading, String>)> = Vec::new();
        for w in &wants {
            let r = match ahead
                .iter()
                .position(|r| r.start == w.start && r.end == w.end)
            {
                Some(i) => Ok(ahead.swap_remove(i)),
                None => start_read(blob, w.start, w.end),
            };
            now.push((w.lane, r));
        }
        // the next rounds', most likely: each lane's next pieces (a read
        // guessed wrong is dropped, unread)
        ahead.retain(|r| {
            wants
                .iter()
                .any(|w| r.start >= w.end && r.end <= w.blob_end)
        });
        for w in &wants {
            let mut at = w.end;
            for _ in 0..READ_AHEAD {
                if at >= w.blob_end {
                    break;
                }
                let end = (at + PIECE as u64).min(w.blob_end);
                if !ahead.iter().any(|r| r.start == at) {
                    if let Ok(r) = start_read(blob, at, end) {
                        ahead.push(r);
                    }
                }
                at = end;
            }
        }
        let mut errors: [Option<String>; LANES] = Default::default();
        for (lane, r) in now {
            let got = match r {
                Ok(r) => finish_read(r, &mut bufs[lane]).await,
                Err(e) => Err(e),
            };
            errors[lane] = got.err();
        }
        let pieces = wants
            .iter()
            .map(|w| {
                let piece = match errors[w.lane].take() {
                    Some(e) => Err(e),
                    None => Ok(bufs[w.lane].as_slice()),
                };
                (w.lane, piece)
            })
            .collect();
        let outcomes = profile::time(|p| &mut p.analyze_ms, || batch.take(pieces, &mut events));
        for o in outcomes {
            match o {
                Outcome::Read {
                    blob,
                    facts,
                    entries,
                } => {
                    profile::with(|p| p.layers += 1);
                    d.complete(blob, *facts, entries)
                }
                Outcome::Declined { blob } => declined.push(blob),
            }
        }
        if wants.is_empty() {
            break;
        }
    }
    d.read_blobs(source, &declined, &mut sink());
}

/// The sink for a batch's events: several layers are read at once, so the
/// profile times the batch's steps, not each layer.
fn batch_sink() -> impl FnMut(Event<'_>) {
    |e: Event<'_>| update(Update::from_event(&e))
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
        if one_pass(&mut source) {
            return relayed(source, near, share, blob, again, opts, state);
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

/// Whether `source` is read in one pass (left at its start).
fn one_pass(source: &mut Box<dyn Source>) -> bool {
    use std::io::SeekFrom;
    let mut head = [0u8; 512];
    let mut got = 0;
    let read = (|| {
        source.seek(SeekFrom::Start(0))?;
        while got < head.len() {
            match source.read(&mut head[got..])? {
                0 => break,
                n => got += n,
            }
        }
        source.seek(SeekFrom::Start(0))
    })();
    read.is_ok() && reads_in_one_pass(&head[..got])
}

/// Reads a compressed archive in one pass, handing its layer members to
/// the second worker through `near`, asynchronously (the walk waits for
/// the second when it is too far behind).
fn relayed(
    mut source: Box<dyn Source>,
    near: relay::Near,
    share: Option<Share>,
    blob: Option<Blob>,
    again: impl FnOnce() -> std::io::Result<Box<dyn Source>> + 'static,
    opts: Options,
    state: &Shared,
) {
    let t = profile::on().then(profile::now);
    let size = source.seek(std::io::SeekFrom::End(0)).ok();
    let rewound = source.seek(std::io::SeekFrom::Start(0));
    let started = rewound
        .map_err(|source| crate::Error::Read { offset: 0, source })
        .and_then(|_| OnePass::start(source, size, &opts, &mut sink()));
    let pass = match started {
        Ok(OnePassStart::Walking(pass)) => pass,
        Ok(OnePassStart::Read(d)) => return after(*d, share, blob, again, &opts, state),
        Err(e) => {
            return update(Update::Failed {
                message: e.to_string(),
            })
        }
    };
    {
        let mut s = state.borrow_mut();
        s.held = Some(Held::Reading {
            waiting: Vec::new(),
        });
        s.heard = Some(near.heard());
    }
    let state = state.clone();
    spawn_local(async move {
        let result = relay::walk(pass, near, &mut sink()).await;
        state.borrow_mut().heard = None;
        if let Some(t) = t {
            profile::with(|p| p.dissect_ms += profile::now() - t);
        }
        match result {
            Ok(d) => after(d, share, blob, again, &opts, &state),
            Err(e) => update(Update::Failed {
                message: e.to_string(),
            }),
        }
    });
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
                read_layers(&mut d, share, &blob, &mut source).await;
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

/// Tells the page how much wasm memory this worker holds.
fn post_memory() {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let bytes = mem
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64;
    post(&ToPage::Memory { bytes });
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
