//! Two workers reading one compressed archive (a whole-archive gzip or
//! zstd file, read in one pass): the first inflates it and walks the outer
//! archive ([`OnePass`]), handing each layer member on, piece by piece,
//! through a `MessagePort` ([`Near`]) to the second, which hashes and walks
//! it ([`serve`], a [`RelayReader`]) and sends its facts back. Inflating
//! and hashing then run side by side, on two cores.
//!
//! On the port, each message is a plain object:
//! - first to second: `{start: path}`, then `{piece: ArrayBuffer, n}` (its
//!   first `n` bytes, the buffer transferred, never copied) as often as it
//!   takes, then `{end: null}`, or `{end: "why"}` when reading the member
//!   failed;
//! - second to first: `{read: n, back: ArrayBuffer}` once it has read a
//!   piece of `n` bytes, handing its buffer back (transferred) for the
//!   first to fill again, and `{member: text}` once a member is read,
//!   `text` being a [`RelayedMember`] as JSON.
//!
//! The buffers go round: 812 MB handed on in fresh 4 MiB buffers cost the
//! two workers about half a second of the kernel's page faults, zeroing and
//! unmapping (`perf record -a` over a page run of `large.tar.gz`).
//!
//! The first never has more than [`MAX_RELAYED_UNREAD_BYTES`] handed on
//! and unread: past that it waits for the second.

use std::cell::RefCell;
use std::io::{Read, Seek};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, MessageEvent, MessagePort};

use super::{after, sink, update, Held, Shared, Source};
use crate::limits::MAX_RELAYED_UNREAD_BYTES;
use crate::message::{RelayedMember, Update};
use crate::web::profile;
use crate::{
    reads_in_one_pass, Dissection, Error, OnePass, OnePassStart, Options, Relay, RelayReader,
    Share, Sink, Stage, RELAY_PIECE,
};

/// The smallest member handed on: three messages and a copy cost about as
/// much as hashing and walking a few tens of KiB, so a smaller member is
/// read where it is (an archive may hold [`crate::limits::MAX_MEMBERS`]
/// tiny ones).
pub const MIN_RELAYED_MEMBER_BYTES: u64 = 1 << 20;

/// Buffers kept for pieces to come: as many as may be handed on and
/// unread at once, and two more.
const MAX_FREE_PIECES: usize = (MAX_RELAYED_UNREAD_BYTES / RELAY_PIECE as u64) as usize + 2;

/// What the first worker knows of the second.
#[derive(Default)]
pub struct Heard {
    /// Bytes handed on.
    posted: u64,
    /// Bytes the second has read.
    read: u64,
    /// Buffers the second has handed back, to be filled again (at most
    /// [`MAX_FREE_PIECES`]).
    free: Vec<js_sys::ArrayBuffer>,
    /// Members the second has read, not yet added to the walk.
    members: Vec<RelayedMember>,
    /// The second is gone (it crashed or failed): nothing more is handed
    /// on, and nothing more will come back.
    gone: bool,
    /// Wakes the walk waiting for the second.
    wake: Option<js_sys::Function>,
}

impl Heard {
    /// The second worker is gone: wake the walk, which stops waiting.
    pub fn gone(&mut self) {
        self.gone = true;
        self.woken();
    }

    fn woken(&mut self) {
        if let Some(f) = self.wake.take() {
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

/// The first worker's end of the port, as the walk's [`Relay`].
pub struct Near {
    port: MessagePort,
    heard: Rc<RefCell<Heard>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
}

fn object(key: &str, value: &JsValue) -> js_sys::Object {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &key.into(), value);
    o
}

fn get(data: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(data, &key.into())
        .ok()
        .filter(|v| !v.is_undefined())
}

impl Near {
    /// Listens on `port` for what the second worker says.
    pub fn new(port: MessagePort) -> Near {
        let heard: Rc<RefCell<Heard>> = Rc::default();
        let h = heard.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let mut h = h.borrow_mut();
            if let Some(n) = get(&data, "read").and_then(|v| v.as_f64()) {
                h.read += n as u64;
            }
            if let Some(buf) = get(&data, "back").and_then(|v| v.dyn_into().ok()) {
                if h.free.len() < MAX_FREE_PIECES {
                    h.free.push(buf);
                }
            }
            if let Some(text) = get(&data, "member").and_then(|v| v.as_string()) {
                match serde_json::from_str::<RelayedMember>(&text) {
                    Ok(m) => h.members.push(m),
                    Err(e) => web_sys::console::error_1(
                        &format!("layercake: a bad relayed member: {e}").into(),
                    ),
                }
            }
            h.woken();
        });
        port.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        Near {
            port,
            heard,
            _onmessage: onmessage,
        }
    }

    /// What the first worker knows of the second (the page says when the
    /// second is gone).
    pub fn heard(&self) -> Rc<RefCell<Heard>> {
        self.heard.clone()
    }

    fn send(&self, message: &js_sys::Object, transfer: Option<&JsValue>) {
        let sent = match transfer {
            Some(t) => self
                .port
                .post_message_with_transferable(message, &js_sys::Array::of1(t)),
            None => self.port.post_message(message),
        };
        if let Err(e) = sent {
            web_sys::console::error_1(&e);
            self.heard.borrow_mut().gone = true;
        }
    }

    /// Waits for the second worker to say something (or to be gone).
    async fn news(&self) {
        let heard = self.heard.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            heard.borrow_mut().wake = Some(resolve);
        });
        let _ = JsFuture::from(promise).await;
    }

    /// Whether the second has more than the budget handed on and unread.
    fn behind(&self) -> bool {
        let h = self.heard.borrow();
        !h.gone && h.posted.saturating_sub(h.read) > MAX_RELAYED_UNREAD_BYTES
    }
}

impl Relay for Near {
    fn offer(&mut self, path: &str, size: u64) -> bool {
        if self.heard.borrow().gone || size < MIN_RELAYED_MEMBER_BYTES {
            return false;
        }
        self.send(&object("start", &path.into()), None);
        true
    }

    fn piece(&mut self, bytes: &[u8]) {
        if self.heard.borrow().gone {
            return;
        }
        let len = bytes.len() as u32;
        let free = self.heard.borrow_mut().free.pop();
        let buf = free
            .filter(|b| b.byte_length() >= len)
            .unwrap_or_else(|| js_sys::ArrayBuffer::new(len.max(RELAY_PIECE as u32)));
        js_sys::Uint8Array::new_with_byte_offset_and_length(&buf, 0, len).copy_from(bytes);
        let message = object("piece", &buf);
        let _ = js_sys::Reflect::set(&message, &"n".into(), &len.into());
        self.send(&message, Some(&buf));
        self.heard.borrow_mut().posted += bytes.len() as u64;
    }

    fn end(&mut self, error: Option<&std::io::Error>) {
        let why = error.map_or(JsValue::NULL, |e| e.to_string().into());
        self.send(&object("end", &why), None);
    }
}

/// How long the walk runs between pauses that let this worker's messages
/// in (the second's answers): a pause per member would cost a task each,
/// and an archive may hold [`crate::limits::MAX_MEMBERS`] members.
const SLICE_MS: f64 = 20.0;

/// A macrotask's pause, so that messages waiting for this worker are
/// handled: a message to itself through a new `MessageChannel`, which,
/// unlike a `setTimeout(0)` called again and again, browsers do not clamp
/// to 4 ms.
async fn pause() {
    let Ok(channel) = web_sys::MessageChannel::new() else {
        return;
    };
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        channel.port1().set_onmessage(Some(&resolve));
        let _ = channel.port2().post_message(&JsValue::NULL);
    });
    let _ = JsFuture::from(promise).await;
    // held until here, so the ports live until the message is delivered
    channel.port1().close();
}

/// Walks `pass` to its end, handing layer members to the second worker
/// through `near` (waiting whenever it is too far behind), then waits for
/// the members handed on and finishes the read. If the second is gone, the
/// first reads the rest itself, and members that never came back are
/// reported unread.
pub async fn walk(
    mut pass: Box<OnePass<'static>>,
    mut near: Near,
    sink: &mut dyn Sink,
) -> Result<Dissection, Error> {
    let mut waited = 0.0;
    let mut paused_at = profile::now();
    let add = |pass: &mut OnePass<'static>, near: &Near| {
        let members = std::mem::take(&mut near.heard.borrow_mut().members);
        for m in members {
            pass.complete(m.member, m.facts, m.entries);
        }
    };
    loop {
        let stage = pass.step(sink, &mut near);
        add(&mut pass, &near);
        match stage {
            Stage::Ended => break,
            Stage::Between => {
                if profile::now() - paused_at > SLICE_MS {
                    pause().await;
                    paused_at = profile::now();
                }
            }
            Stage::Relaying => {
                while near.behind() {
                    let t = profile::on().then(profile::now);
                    near.news().await;
                    if let Some(t) = t {
                        waited += profile::now() - t;
                    }
                }
            }
        }
    }
    while pass.awaited() > 0 && !near.heard.borrow().gone {
        let t = profile::on().then(profile::now);
        near.news().await;
        if let Some(t) = t {
            waited += profile::now() - t;
        }
        add(&mut pass, &near);
    }
    profile::with(|p| {
        p.relay_wait_ms += waited;
        p.relayed_bytes += near.heard.borrow().posted;
    });
    pass.finish(sink)
}

/// The second worker's end: reads the members handed on through `port`,
/// says what it has read, and posts each member's facts back (and to the
/// page, which draws each layer as it is read). Runs for as long as the
/// worker lives.
pub fn serve(port: MessagePort) {
    let reader = Rc::new(RefCell::new(RelayReader::default()));
    let path: Rc<RefCell<String>> = Rc::default();
    let mut bytes: Vec<u8> = Vec::new();
    let reply = port.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        if let Some(p) = get(&data, "start").and_then(|v| v.as_string()) {
            *path.borrow_mut() = p;
        } else if let Some(buf) = get(&data, "piece") {
            let Ok(buf) = buf.dyn_into::<js_sys::ArrayBuffer>() else {
                // only this module's first end sends pieces, always buffers
                web_sys::console::error_1(&"layercake: a relayed piece is not a buffer".into());
                return;
            };
            let n = get(&data, "n")
                .and_then(|v| v.as_f64())
                .map_or(buf.byte_length(), |n| (n as u32).min(buf.byte_length()));
            bytes.resize(n as usize, 0);
            js_sys::Uint8Array::new_with_byte_offset_and_length(&buf, 0, n).copy_to(&mut bytes);
            profile::time(|p| &mut p.analyze_ms, || reader.borrow_mut().piece(&bytes));
            let answer = object("read", &n.into());
            let _ = js_sys::Reflect::set(&answer, &"back".into(), &buf);
            let _ = reply.post_message_with_transferable(&answer, &js_sys::Array::of1(&buf));
        } else if let Some(end) = get(&data, "end") {
            let why = end.as_string();
            let (member, facts, entries) = reader.borrow_mut().end(why.as_deref());
            profile::with(|p| p.layers += 1);
            super::update(Update::MemberRead {
                path: path.borrow().clone(),
                facts: facts.clone(),
            });
            let text = serde_json::to_string(&RelayedMember {
                member,
                facts,
                entries,
            });
            match text {
                Ok(text) => {
                    let _ = reply.post_message(&object("member", &text.into()));
                }
                Err(e) => web_sys::console::error_1(
                    &format!("layercake: cannot encode a relayed member: {e}").into(),
                ),
            }
        }
    });
    port.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
}

/// Whether `source` is read in one pass (left at its start).
pub(super) fn one_pass(source: &mut Box<dyn Source>) -> bool {
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
pub(super) fn relayed(
    mut source: Box<dyn Source>,
    near: Near,
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
        let result = walk(pass, near, &mut sink()).await;
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
