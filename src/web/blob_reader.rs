//! `Read + Seek` over a browser `Blob` (a dropped `File`), for the worker.
//! Each `FileReaderSync` call costs about a millisecond, so it reads 4 MiB
//! slices and serves small reads from that buffer.

use std::io::{self, Read, Seek, SeekFrom};

use js_sys::Uint8Array;
use web_sys::{Blob, FileReaderSync};

/// Bytes fetched per `FileReaderSync` call.
pub const CHUNK: usize = 4 << 20;

pub struct BlobReader {
    blob: Blob,
    reader: FileReaderSync,
    size: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

fn js_err(e: wasm_bindgen::JsValue) -> io::Error {
    io::Error::other(format!("{e:?}"))
}

impl BlobReader {
    pub fn new(blob: Blob) -> io::Result<BlobReader> {
        let reader = FileReaderSync::new().map_err(js_err)?;
        Ok(BlobReader {
            size: blob.size() as u64,
            blob,
            reader,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    fn fill(&mut self) -> io::Result<()> {
        let end = (self.pos + CHUNK as u64).min(self.size);
        let slice = self
            .blob
            .slice_with_f64_and_f64(self.pos as f64, end as f64)
            .map_err(js_err)?;
        let ab = self.reader.read_as_array_buffer(&slice).map_err(js_err)?;
        let arr = Uint8Array::new(&ab);
        self.buf.resize(arr.length() as usize, 0);
        arr.copy_to(&mut self.buf);
        self.buf_start = self.pos;
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.size || out.is_empty() {
            return Ok(0);
        }
        let in_buf =
            self.pos >= self.buf_start && self.pos < self.buf_start + self.buf.len() as u64;
        if !in_buf {
            self.fill()?;
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let off = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - off);
        out[..n].copy_from_slice(&self.buf[off..off + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match pos {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the blob",
            )),
        }
    }
}
