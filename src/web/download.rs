//! Moving files in and out of the page without holding them in wasm
//! memory: a `?src=` archive streamed into a `Blob` when its server does
//! not answer Range requests, and a file from the archive received from
//! the worker in pieces and offered to the reader.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ReadableStreamDefaultReader, Response, Url};
use yew::Callback;

use crate::web::now;
use crate::web::state::Action;

/// Pieces are folded into one Blob every this many bytes (into the
/// browser's blob store, out of JS memory).
const FOLD_BYTES: u64 = 32 << 20;

/// A file streamed from the worker as `ArrayBuffer` pieces, gathered into
/// a `Blob`.
pub struct Saving {
    /// The download query's number.
    pub id: u32,
    name: String,
    parts: js_sys::Array,
    pending: u64,
    received: u64,
}

impl Saving {
    pub fn new(id: u32, path: &str) -> Saving {
        Saving {
            id,
            name: path.rsplit('/').next().unwrap_or("file").to_string(),
            parts: js_sys::Array::new(),
            pending: 0,
            received: 0,
        }
    }

    /// Adds a piece; returns the bytes received so far.
    pub fn push(&mut self, bytes: &js_sys::ArrayBuffer) -> u64 {
        let len = u64::from(bytes.byte_length());
        self.parts.push(bytes);
        self.pending += len;
        self.received += len;
        if self.pending >= FOLD_BYTES {
            if let Ok(b) = Blob::new_with_buffer_source_sequence(&self.parts) {
                self.parts = js_sys::Array::of1(&b);
                self.pending = 0;
            }
        }
        self.received
    }

    /// Every piece arrived (`size` bytes, the worker says): offer the file.
    pub fn save(self, size: u64) -> Result<(), String> {
        let blob =
            Blob::new_with_buffer_source_sequence(&self.parts).map_err(|e| format!("{e:?}"))?;
        if blob.size() as u64 != size {
            return Err(format!(
                "the download holds {} bytes, the file {size}",
                blob.size()
            ));
        }
        offer(&blob, &self.name);
        Ok(())
    }
}

/// Offers `bytes` as a download named `name`.
pub fn bytes(name: &str, bytes: &[u8], mime: &str) {
    let arr = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&arr);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    if let Ok(blob) = Blob::new_with_u8_array_sequence_and_options(&parts, &opts) {
        offer(&blob, name);
    }
}

/// Offers a Blob as a download named `name`. The object URL is revoked a
/// minute later (at once, some browsers would lose the download).
pub fn offer(blob: &Blob, name: &str) {
    let Ok(url) = Url::create_object_url_with_blob(blob) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    }
}

fn blob_of(parts: &js_sys::Array) -> Result<Blob, String> {
    Blob::new_with_blob_sequence(parts).map_err(|e| format!("cannot assemble the download: {e:?}"))
}

/// Streams a URL into a Blob (held by the browser's blob store, not by
/// wasm memory), telling `dispatch` how far it got; ends early when
/// `current` says the read was stopped or replaced.
pub async fn fetch_stream(
    url: &str,
    dispatch: &Callback<Action>,
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
        if pending >= FOLD_BYTES {
            blob = blob_of(&parts)?;
            parts = js_sys::Array::of1(&blob);
            pending = 0;
        }
        dispatch.emit(Action::Fetched {
            read,
            total,
            now: now(),
        });
    }
    blob_of(&parts)
}

/// Fetches a same-origin file as a Blob.
pub async fn fetch_blob(url: &str) -> Result<Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let resp: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch {url}: {e:?}"))?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    if !resp.ok() {
        return Err(format!(
            "cannot fetch {url}: HTTP {} {}",
            resp.status(),
            resp.status_text()
        ));
    }
    let blob = JsFuture::from(resp.blob().map_err(|e| format!("{e:?}"))?)
        .await
        .map_err(|e| format!("cannot read {url}: {e:?}"))?;
    blob.dyn_into().map_err(|_| "not a blob".to_string())
}
