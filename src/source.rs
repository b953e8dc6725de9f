//! Readers that sit between a source and the parsers: hashing, counting,
//! and reporting progress; fetching ranges; and the sources the tar walk
//! moves forward through (one pass, seekable, or fed in pieces).

use std::io::{self, Read, Seek, SeekFrom};

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
    /// Reads `inner`, hashing with `hasher` if one is given.
    pub fn new(inner: R, hasher: Option<Hasher>) -> Tap<'p, R> {
        Tap {
            inner,
            hasher,
            count: 0,
            progress: None,
            error: None,
        }
    }

    /// Tells `progress` how many bytes each read brings.
    pub fn with_progress(mut self, progress: &'p mut dyn FnMut(u64)) -> Tap<'p, R> {
        self.progress = Some(progress);
        self
    }

    /// Bytes read so far.
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
    /// The source.
    pub inner: R,
    /// Bytes read, shared with the other readers.
    pub counter: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.set(self.counter.get() + n as u64);
        Ok(n)
    }
}

/// Seeking moves the source; only bytes read are counted.
impl<R: io::Seek> io::Seek for Counted<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// Something that can hand over a byte range at a time: a browser `Blob`
/// (FileReaderSync), an HTTP server that answers Range requests.
pub trait Ranges {
    /// Total bytes.
    fn size(&self) -> u64;
    /// Replaces `buf` with the bytes `start..end`.
    fn fetch(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()>;
}

/// `Read + Seek` over a [`Ranges`] source, fetching up to `chunk` bytes at
/// a time (each fetch is costly: a FileReaderSync call, an HTTP request)
/// and serving small reads from that buffer. After a seek it fetches a
/// small piece first (a tar header needs 512 bytes, not 4 MiB), doubling
/// while reads stay sequential.
pub struct Chunked<S> {
    source: S,
    chunk: u64,
    next: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

/// The first fetch after a seek.
const FIRST_FETCH: u64 = 64 * 1024;

impl<S: Ranges> Chunked<S> {
    /// Reads `source` from its start, `chunk` bytes at most per fetch.
    pub fn new(source: S, chunk: usize) -> Chunked<S> {
        let chunk = chunk.max(1) as u64;
        Chunked {
            source,
            chunk,
            next: FIRST_FETCH.min(chunk),
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        }
    }

    /// Total bytes of the source.
    pub fn size(&self) -> u64 {
        self.source.size()
    }

    /// The source.
    pub fn source(&self) -> &S {
        &self.source
    }
}

impl<S: Ranges> Read for Chunked<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let size = self.source.size();
        if self.pos >= size || out.is_empty() {
            return Ok(0);
        }
        let buffered =
            self.pos >= self.buf_start && self.pos < self.buf_start + self.buf.len() as u64;
        if !buffered {
            let sequential = self.pos == self.buf_start + self.buf.len() as u64;
            self.next = if sequential {
                (self.next * 2).min(self.chunk)
            } else {
                FIRST_FETCH.min(self.chunk)
            };
            let end = (self.pos + self.next).min(size);
            self.source.fetch(self.pos, end, &mut self.buf)?;
            self.buf_start = self.pos;
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

impl<S: Ranges> std::io::Seek for Chunked<S> {
    fn seek(&mut self, to: std::io::SeekFrom) -> io::Result<u64> {
        use std::io::SeekFrom;
        let pos = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => self.source.size().checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let p = pos
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.pos = p;
        Ok(p)
    }
}

/// A `Read + Seek` source (a file) as [`Ranges`], to be read through
/// [`Chunked`]: a seek keeps what is buffered, and the first read after a
/// far seek fetches 64 KiB, not a whole buffer. (A `BufReader` drops its
/// buffer at every seek and refills all of it: 1 MiB read per tiny layer.)
pub struct ReadAt<R> {
    inner: R,
    size: u64,
}

impl<R: Read + Seek> ReadAt<R> {
    /// `inner`, whose size is where it ends.
    pub fn new(mut inner: R) -> io::Result<ReadAt<R>> {
        let size = inner.seek(SeekFrom::End(0))?;
        Ok(ReadAt { inner, size })
    }
}

impl<R: Read + Seek> Ranges for ReadAt<R> {
    fn size(&self) -> u64 {
        self.size
    }

    fn fetch(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        self.inner.seek(SeekFrom::Start(start))?;
        (&mut self.inner)
            .take(end.saturating_sub(start))
            .read_to_end(buf)?;
        Ok(())
    }
}

// Sources a tar walk moves forward through (see `headers`): one pass,
// seekable, or fed in pieces by the caller.

/// A source that can move forward past bytes it does not need.
pub trait Advance: Read {
    /// Moves `n` bytes forward; returns how many bytes could be passed.
    fn advance(&mut self, n: u64) -> io::Result<u64>;
}

/// A one-pass source: skipping means reading and dropping.
pub struct Stream<R>(pub R);

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Advance for Stream<R> {
    fn advance(&mut self, n: u64) -> io::Result<u64> {
        // large reads: each read of a decoder inflates as much as it is asked
        let mut buf = vec![0u8; (n.min(256 * 1024)) as usize];
        let mut done = 0;
        while done < n {
            let want = buf.len().min((n - done) as usize);
            match self.0.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(got) => done += got as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

/// A seekable source of known length: skipping is a seek.
pub struct Seeking<R> {
    inner: R,
    pos: u64,
    len: u64,
}

impl<R: Read + Seek> Seeking<R> {
    /// Starts at the source's current position.
    pub fn new(mut inner: R) -> io::Result<Seeking<R>> {
        let pos = inner.stream_position()?;
        let len = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(pos))?;
        Ok(Seeking { inner, pos, len })
    }
}

impl<R: Read + Seek> Read for Seeking<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Read + Seek> Advance for Seeking<R> {
    fn advance(&mut self, n: u64) -> io::Result<u64> {
        let to = self.pos.saturating_add(n).min(self.len);
        self.inner.seek(SeekFrom::Start(to))?;
        let moved = to - self.pos;
        self.pos = to;
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};

    struct Mem(Vec<u8>, usize);

    impl Ranges for Mem {
        fn size(&self) -> u64 {
            self.0.len() as u64
        }
        fn fetch(&mut self, start: u64, end: u64, buf: &mut Vec<u8>) -> io::Result<()> {
            self.1 += 1;
            buf.clear();
            buf.extend_from_slice(&self.0[start as usize..end as usize]);
            Ok(())
        }
    }

    #[test]
    fn chunked_reads_seek_and_fetch_whole_chunks() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut r = Chunked::new(Mem(data.clone(), 0), 4096);
        let mut all = Vec::new();
        r.read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
        assert_eq!(r.source().1, 3, "three 4 kB fetches for 10 kB");
        // large chunks start small after a seek and grow while sequential
        let mut big = Chunked::new(Mem(vec![7u8; 1 << 20], 0), 256 * 1024);
        big.seek(SeekFrom::Start(1000)).unwrap();
        let mut header = [0u8; 512];
        big.read_exact(&mut header).unwrap();
        assert_eq!(
            big.buf.len(),
            64 * 1024,
            "a header read fetches 64 kB, not 256 kB"
        );
        let mut rest = Vec::new();
        big.read_to_end(&mut rest).unwrap();
        assert_eq!(rest.len(), (1 << 20) - 1512);
        assert!(big.source().1 <= 7, "{} fetches", big.source().1);
        r.seek(SeekFrom::Start(9999)).unwrap();
        let mut two = [0u8; 2];
        assert_eq!(r.read(&mut two).unwrap(), 1, "a read stops at the end");
        assert_eq!(two[0], data[9999]);
        assert_eq!(r.source().1, 3, "served from the buffered last chunk");
        r.seek(SeekFrom::Start(100)).unwrap();
        assert_eq!(r.read(&mut two).unwrap(), 2);
        assert_eq!(two, [data[100], data[101]]);
        assert_eq!(r.source().1, 4, "a seek outside the buffer fetches again");
        assert_eq!(r.seek(SeekFrom::End(0)).unwrap(), 10_000);
        assert_eq!(r.read(&mut two).unwrap(), 0);
        assert!(r.seek(SeekFrom::Current(-20_000)).is_err());
    }

    #[test]
    fn read_at_serves_chunked_reads_with_seeks_like_the_source_itself() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let mut r = Chunked::new(ReadAt::new(io::Cursor::new(data.clone())).unwrap(), 1 << 16);
        assert_eq!(r.size(), 300_000);
        // a seek forward, within and past the buffer, back, and to the end
        for (at, len) in [
            (0u64, 512usize),
            (600, 10_000),
            (200_000, 99_999),
            (5, 3),
            (299_990, 10),
        ] {
            r.seek(SeekFrom::Start(at)).unwrap();
            let mut got = vec![0u8; len];
            r.read_exact(&mut got).unwrap();
            assert_eq!(got, &data[at as usize..at as usize + len], "at {at}");
        }
        let mut past = [0u8; 4];
        assert_eq!(r.read(&mut past).unwrap(), 0, "nothing past the end");
    }
}
