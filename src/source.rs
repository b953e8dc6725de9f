//! Readers that sit between a source and the parsers: hashing, counting,
//! and reporting progress.

use std::io::{self, Read};

use crate::digest::{Digest, Hasher};

/// Hashes and counts every byte read through it.
pub struct Tap<'p, R> {
    inner: R,
    hasher: Option<Hasher>,
    count: u64,
    /// Told how many bytes each read brought, for progress.
    progress: Option<&'p mut dyn FnMut(u64)>,
    /// The first read error, kept so callers can tell a source failure from
    /// a format error downstream.
    pub error: Option<String>,
}

impl<'p, R: Read> Tap<'p, R> {
    pub fn new(inner: R, hasher: Option<Hasher>) -> Tap<'p, R> {
        Tap {
            inner,
            hasher,
            count: 0,
            progress: None,
            error: None,
        }
    }

    pub fn with_progress(mut self, progress: &'p mut dyn FnMut(u64)) -> Tap<'p, R> {
        self.progress = Some(progress);
        self
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Reads to the end, hashing all that is left. Returns the bytes drained.
    pub fn drain(&mut self) -> io::Result<u64> {
        io::copy(self, &mut io::sink())
    }

    /// The digest of everything read, if a hasher was set.
    pub fn finish(self) -> (Option<Digest>, u64, R) {
        (self.hasher.map(Hasher::finish), self.count, self.inner)
    }
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                if let Some(h) = &mut self.hasher {
                    h.update(&buf[..n]);
                }
                self.count += n as u64;
                if let Some(p) = &mut self.progress {
                    p(n as u64);
                }
                Ok(n)
            }
            Err(e) => {
                if self.error.is_none() && e.kind() != io::ErrorKind::Interrupted {
                    self.error = Some(e.to_string());
                }
                Err(e)
            }
        }
    }
}

/// Reads at least `want` bytes unless the stream ends first (short-read safe).
pub fn read_up_to<R: Read>(r: &mut R, want: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Counts bytes read into a shared counter, for progress across readers.
pub struct Counted<R> {
    pub inner: R,
    pub counter: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.set(self.counter.get() + n as u64);
        Ok(n)
    }
}
