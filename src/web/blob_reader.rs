//! Range sources for the worker: a browser `Blob` (a dropped `File`) read
//! with `FileReaderSync`, and a URL read with synchronous Range requests
//! (allowed in workers). Both are wrapped in [`Chunked`] for `Read + Seek`;
//! each call costs about a millisecond, so they fetch 4 MiB at a time.

use std::io;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::{Blob, FileReaderSync, XmlHttpRequest, XmlHttpRequestResponseType};

use crate::source::{Chunked, Ranges};
use crate::web::profile;

/// A read, timed as such when profiling.
fn timed<T>(start: u64, end: u64, f: impl FnOnce() -> T) -> T {
    profile::with(|p| {
        p.reads += 1;
        p.read_bytes += end.saturating_sub(start);
    });
    profile::time(|p| &mut p.read_ms, f)
}

/// Bytes fetched per call.
pub const CHUNK: usize = 4 << 20;

fn js_err(e: JsValue) -> io::Error {
    io::Error::other(format!("{e:?}"))
}

fn copy_into(ab: &ArrayBuffer, buf: &mut Vec<u8>) {
    let arr = Uint8Array::new(ab);
    buf.resize(arr.length() as usize, 0);
    arr.copy_to(buf);
}

/// A `Blob` as a range source.
pub struct BlobSource {
    blob: Blob,
    reader: FileReaderSync,
}

impl Ranges for BlobSource {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }

    fn fetch(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        timed(start, end, || self.fetch_now(start, end, buf))
    }
}

impl BlobSource {
    fn fetch_now(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        let slice = self
            .blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(js_err)?;
        let ab = self.reader.read_as_array_buffer(&slice).map_err(js_err)?;
        copy_into(&ab, buf);
        Ok(())
    }
}

pub type BlobReader = Chunked<BlobSource>;

/// A Blob (or File) as a range source, for reads of whole pieces.
fn blob_source(blob: Blob) -> io::Result<BlobSource> {
    let reader = FileReaderSync::new().map_err(js_err)?;
    Ok(BlobSource { blob, reader })
}

/// Reads a Blob (or File) in 4 MiB slices.
pub fn blob_reader(blob: Blob) -> io::Result<BlobReader> {
    Ok(Chunked::new(blob_source(blob)?, CHUNK))
}

/// A URL whose server answers Range requests.
pub struct HttpSource {
    url: String,
    size: u64,
}

/// What a first Range request found out about a URL.
pub enum Probe {
    /// The server answers ranges: read it with seeks.
    Ranges(Chunked<HttpSource>),
    /// The server sends the whole body: it must be streamed.
    Whole,
}

/// A HEAD request; errors (404, network) are reported as for GET.
fn head(url: &str) -> Result<XmlHttpRequest, String> {
    let xhr = XmlHttpRequest::new().map_err(|e| format!("{e:?}"))?;
    xhr.open_with_async("HEAD", url, false)
        .map_err(|e| format!("cannot fetch {url}: {e:?}"))?;
    xhr.send().map_err(|_| format!("cannot fetch {url}: a network error, or the server does not allow cross-origin requests (CORS)"))?;
    match xhr.status().unwrap_or(0) {
        0 => Err(format!("cannot fetch {url}: a network error, or the server does not allow cross-origin requests (CORS)")),
        200..=299 => Ok(xhr),
        s => Err(format!("cannot fetch {url}: the server answered HTTP {s} {}", xhr.status_text().unwrap_or_default())),
    }
}

fn request(url: &str, range: Option<(u64, u64)>) -> Result<XmlHttpRequest, String> {
    let xhr = XmlHttpRequest::new().map_err(|e| format!("{e:?}"))?;
    xhr.open_with_async("GET", url, false)
        .map_err(|e| format!("cannot fetch {url}: {e:?}"))?;
    xhr.set_response_type(XmlHttpRequestResponseType::Arraybuffer);
    if let Some((a, b)) = range {
        xhr.set_request_header("Range", &format!("bytes={a}-{}", b - 1))
            .map_err(|e| format!("{e:?}"))?;
    }
    xhr.send().map_err(|_| {
        format!("cannot fetch {url}: a network error, or the server does not allow cross-origin requests (CORS)")
    })?;
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(format!(
            "cannot fetch {url}: a network error, or the server does not allow cross-origin requests (CORS)"
        ));
    }
    if !(200..300).contains(&status) {
        let text = xhr.status_text().unwrap_or_default();
        return Err(format!(
            "cannot fetch {url}: the server answered HTTP {status} {text}"
        ));
    }
    Ok(xhr)
}

/// Asks whether the server answers ranges. A HEAD request first, so that a
/// server that ignores Range is not made to send the whole body here (the
/// page then streams it); then one byte: a 206 with a Content-Range gives
/// the size.
pub fn probe(url: &str) -> Result<Probe, String> {
    if let Ok(head) = head(url) {
        let ranges = head
            .get_response_header("Accept-Ranges")
            .ok()
            .flatten()
            .is_some_and(|v| v.to_ascii_lowercase().contains("bytes"));
        if !ranges {
            return Ok(Probe::Whole);
        }
    }
    let xhr = request(url, Some((0, 1)))?;
    if xhr.status().unwrap_or(0) != 206 {
        return Ok(Probe::Whole);
    }
    let total = xhr
        .get_response_header("Content-Range")
        .ok()
        .flatten()
        .and_then(|r| {
            r.rsplit('/')
                .next()
                .and_then(|t| t.trim().parse::<u64>().ok())
        });
    match total {
        Some(size) => Ok(Probe::Ranges(Chunked::new(
            HttpSource {
                url: url.to_string(),
                size,
            },
            CHUNK,
        ))),
        // a 206 whose total size is hidden (no Access-Control-Expose-Headers)
        None => Ok(Probe::Whole),
    }
}

impl Ranges for HttpSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn fetch(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        timed(start, end, || self.fetch_now(start, end, buf))
    }
}

impl HttpSource {
    fn fetch_now(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        let xhr = request(&self.url, Some((start, end))).map_err(io::Error::other)?;
        if xhr.status().unwrap_or(0) != 206 {
            return Err(io::Error::other(format!(
                "{} stopped answering range requests",
                self.url
            )));
        }
        let ab: ArrayBuffer = xhr.response().map_err(js_err)?.into();
        copy_into(&ab, buf);
        if buf.len() as u64 != end - start {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{} sent {} bytes at {start}, should send {}",
                    self.url,
                    buf.len(),
                    end - start
                ),
            ));
        }
        Ok(())
    }
}
