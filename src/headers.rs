//! Tar member headers, read one block at a time with a bounded budget.
//!
//! This is the one tar reader of the core: the outer archive and every layer
//! are walked through it. It applies GNU long names and links (`L`, `K`),
//! PAX local and global records (`x`, `g`) and skips GNU sparse extension
//! blocks, as tar-rs and GNU tar do, but never reads a record past
//! [`MAX_HEADER_RECORD_BYTES`]: a larger record is skipped as data and
//! reported (the records a member's own header follows are a [`group`]).
//! Paths longer than [`MAX_PATH_BYTES`](crate::limits::MAX_PATH_BYTES) or deeper than
//! [`MAX_PATH_COMPONENTS`](crate::limits::MAX_PATH_COMPONENTS) are reported, and the caller decides what to keep.
//! Member contents are never buffered: [`Headers::data`] streams them, and
//! whatever the caller leaves unread is skipped (by seeking, where the source
//! can) before the next header.

use std::io::{self, Read};
use std::rc::Rc;

use crate::entry::Kind;
use crate::limits::{limit, MAX_HEADER_RECORD_BYTES};
use crate::pax::{parse_int, Records};

mod group;

use crate::problem::{Location, Problem};
use crate::source::Advance;
use group::Group;

const BLOCK: u64 = 512;

/// One member, as the archive describes it once its long names and PAX
/// records are applied. Paths are raw, not normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The type flag byte.
    pub flag: u8,
    /// What the member becomes once unpacked.
    pub kind: Kind,
    /// The raw path.
    pub path: Vec<u8>,
    /// The raw link target, for links.
    pub link: Option<Vec<u8>>,
    /// Bytes of content stored in the archive.
    pub size: u64,
    /// Offset of the header block (the first of its long-name or PAX
    /// records, if any) in the stream.
    pub header_offset: u64,
    /// Offset of the content in the stream.
    pub data_offset: u64,
    /// Permission bits, with setuid, setgid and sticky.
    pub mode: u32,
    /// Owner's user ID.
    pub uid: u64,
    /// Owner's group ID.
    pub gid: u64,
    /// Seconds since the epoch, floored; may be negative.
    pub mtime: i64,
    /// Whether PAX records (local or global) apply to the member.
    pub pax: bool,
    /// Whether the path or link target reached a limit; such a member is
    /// reported, and callers keep its counts but not its name.
    pub over_limit: bool,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// The walk's state at a record boundary, which [`Headers::rewind`] goes
/// back to.
struct Saved {
    pos: u64,
    next: u64,
    data_end: u64,
    globals: Rc<Records>,
    problems: usize,
    ended: bool,
}

impl Saved {
    /// Where the source stood.
    fn position(&self) -> u64 {
        self.pos
    }

    /// Where the next header starts: bytes before it are never read again.
    fn next_header_at(&self) -> u64 {
        self.next.max(self.pos)
    }
}

/// Reads a tar stream's headers one member at a time.
pub struct Headers<R> {
    inner: R,
    /// Bytes of the stream consumed so far.
    pos: u64,
    /// Where the next header starts.
    next: u64,
    /// Where the current member's content ends.
    data_end: u64,
    /// Shared with saved states, so saving costs no copy.
    globals: Rc<Records>,
    /// Limits reached since the caller last took them.
    problems: Vec<Problem>,
    /// Set once the walk met a zero block (the end-of-archive marker).
    ended: bool,
    /// The records read so far of a member whose header a fed source has
    /// not given whole yet: [`Headers::next_header`] goes on from them.
    group: Group,
    /// The state at the last record boundary of the current call, where
    /// [`Headers::rewind`] goes back to.
    checkpoint: Option<Saved>,
}

impl<R: Advance> Headers<R> {
    /// Reads from `inner`, whose current position is offset 0 of the tar.
    pub fn new(inner: R) -> Headers<R> {
        Headers {
            inner,
            pos: 0,
            next: 0,
            data_end: 0,
            globals: Rc::default(),
            problems: Vec::new(),
            ended: false,
            group: Group::default(),
            checkpoint: None,
        }
    }

    /// Bytes of the stream consumed so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The source, to look at.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The source.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The walk's state now, for [`Headers::rewind`].
    fn save(&self) -> Saved {
        Saved {
            pos: self.pos,
            next: self.next,
            data_end: self.data_end,
            globals: self.globals.clone(),
            problems: self.problems.len(),
            ended: self.ended,
        }
    }

    /// Undoes what happened since `saved` was taken; the source must be
    /// moved back to [`Saved::position`] by the caller.
    fn restore(&mut self, saved: Saved) {
        self.pos = saved.pos;
        self.next = saved.next;
        self.data_end = saved.data_end;
        self.globals = saved.globals;
        self.problems.truncate(saved.problems);
        self.ended = saved.ended;
    }

    /// Undoes a [`Headers::next_header`] call that stopped because a fed
    /// source has no more bytes yet ([`io::ErrorKind::WouldBlock`]) back to
    /// the last record boundary it reached, keeping the records read
    /// before it: the next call goes on from there. Returns where the
    /// source must be moved back to, and the first offset that will be
    /// read again (bytes before it are never read again). A member's
    /// header group may be long (records skipped past
    /// [`MAX_HEADER_RECORD_BYTES`], or many records in a row), but a fed
    /// source never holds more than one record of it.
    pub fn rewind(&mut self) -> (u64, u64) {
        let Some(cp) = self.checkpoint.take() else {
            return (self.pos, self.next.max(self.pos));
        };
        let at = (cp.position(), cp.next_header_at());
        self.restore(cp);
        at
    }

    /// The limits reached so far, taken.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    fn skip_to(&mut self, offset: u64) -> io::Result<bool> {
        if offset > self.pos {
            let want = offset - self.pos;
            let moved = self.inner.advance(want)?;
            self.pos += moved;
            if moved < want {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads a block; `Ok(None)` at a clean end of stream.
    fn block(&mut self) -> io::Result<Option<[u8; 512]>> {
        let mut b = [0u8; 512];
        let mut got = 0;
        while got < b.len() {
            match self.inner.read(&mut b[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pos += got as u64;
        match got {
            0 => Ok(None),
            512 => Ok(Some(b)),
            n => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "header block at offset {} holds {n} of its 512 bytes",
                    self.pos - n as u64
                ),
            )),
        }
    }

    /// Reads a long-name or PAX record's content, up to the budget; a
    /// larger record is skipped and reported, and yields `None`.
    fn record(&mut self, size: u64, at: u64, what: &str) -> io::Result<Option<Vec<u8>>> {
        if size > MAX_HEADER_RECORD_BYTES {
            self.problems.push(Problem::new(
                limit!(
                    MAX_HEADER_RECORD_BYTES,
                    format!("a {what} record of {size} bytes")
                ),
                Location::default().at(at),
            ));
            return Ok(None);
        }
        let mut data = Vec::new();
        (&mut self.inner).take(size).read_to_end(&mut data)?;
        self.pos += data.len() as u64;
        if (data.len() as u64) < size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "{what} record at offset {at} holds {} of its {size} bytes",
                    data.len()
                ),
            ));
        }
        Ok(Some(data))
    }

    /// The next member's header, or `None` at the end of the archive (a
    /// zero block, or the end of the stream).
    pub fn next_header(&mut self) -> io::Result<Option<Header>> {
        let mut group = std::mem::take(&mut self.group);
        let read = self.next_in_group(&mut group);
        if matches!(&read, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            // kept for the call that goes on after a rewind
            self.group = group;
        } else {
            self.checkpoint = None;
        }
        read
    }

    /// [`Headers::next_header`], from the records `group` already holds.
    fn next_in_group(&mut self, group: &mut Group) -> io::Result<Option<Header>> {
        loop {
            self.checkpoint = Some(self.save());
            if !self.skip_to(self.next)? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the stream ends at {} inside a member that runs to {}",
                        self.pos, self.next
                    ),
                ));
            }
            let at = self.pos;
            let Some(block) = self.block()? else {
                if group.first.is_some() {
                    return Err(invalid(format!(
                        "records at offset {} describe a member that never comes",
                        group.first.unwrap_or(at)
                    )));
                }
                return Ok(None);
            };
            if block.iter().all(|&b| b == 0) {
                self.ended = true;
                self.next = self.pos;
                return Ok(None);
            }
            let header = tar::Header::from_byte_slice(&block);
            let sum: u32 = block[..148]
                .iter()
                .chain(&block[156..])
                .map(|&b| b as u32)
                .sum::<u32>()
                + 8 * 32;
            match header.cksum() {
                Ok(c) if c == sum => {}
                _ => {
                    return Err(invalid(format!(
                        "header at offset {at} has a bad checksum: not a tar header"
                    )))
                }
            }
            let first_at = *group.first.get_or_insert(at);
            let mut size = header
                .entry_size()
                .map_err(|e| invalid(format!("header at offset {at}: {e}")))?;
            let flag = block[156];
            // GNU sparse files: extension blocks follow the header
            if flag == b'S' && header.as_gnu().is_some_and(|g| g.is_extended()) {
                loop {
                    let Some(ext) = self.block()? else {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("sparse header at offset {at} lacks its extension"),
                        ));
                    };
                    if ext[504] == 0 {
                        break;
                    }
                }
            }
            let data_offset = self.pos;
            if let Some(v) = group.local.as_ref().and_then(|l| l.get(b"size")) {
                if let Some(n) = parse_int(v).filter(|&n| n >= 0) {
                    size = n as u64;
                }
            }
            self.data_end = data_offset
                .checked_add(size)
                .ok_or_else(|| invalid(format!("member size overflows at offset {at}")))?;
            self.next = size
                .checked_add(BLOCK - 1)
                .map(|s| s & !(BLOCK - 1))
                .and_then(|s| data_offset.checked_add(s))
                .ok_or_else(|| invalid(format!("member size overflows at offset {at}")))?;
            let recognised = header.as_gnu().is_some() || header.as_ustar().is_some();
            match flag {
                b'L' | b'K' if recognised => {
                    let what = if flag == b'L' {
                        "long name"
                    } else {
                        "long link"
                    };
                    let data = self.record(size, at, what)?.map(|mut d| {
                        while d.last() == Some(&0) {
                            d.pop();
                        }
                        d
                    });
                    if flag == b'L' {
                        group.long_name = data;
                    } else {
                        group.long_link = data;
                    }
                    continue;
                }
                b'x' | b'g' => {
                    let what = if flag == b'x' { "PAX" } else { "PAX global" };
                    if let Some(data) = self.record(size, at, what)? {
                        if flag == b'x' {
                            group
                                .local
                                .get_or_insert_with(Records::default)
                                .parse(&data);
                        } else {
                            Rc::make_mut(&mut self.globals).parse(&data);
                        }
                    }
                    if flag == b'x' {
                        group.local.get_or_insert_with(Records::default).any = true;
                        continue;
                    }
                    // a global header is a member of its own, as GNU tar
                    // lists it; callers skip it
                }
                _ => {}
            }
            let (h, limits) =
                group.header(header, flag, &self.globals, size, first_at, data_offset);
            self.problems.extend(limits);
            return Ok(Some(h));
        }
    }

    /// The current member's content, from where the caller left it.
    pub fn data(&mut self) -> Data<'_, R> {
        Data { headers: self }
    }

    /// After the walk stopped at a zero block: whether a second zero block
    /// follows, as the end-of-archive marker should.
    pub fn second_zero_block(&mut self) -> bool {
        if !self.ended {
            return false;
        }
        matches!(self.block(), Ok(Some(b)) if b.iter().all(|&x| x == 0))
    }
}

/// The content of the current member.
pub struct Data<'h, R> {
    headers: &'h mut Headers<R>,
}

impl<R> Data<'_, R> {
    /// Bytes of the member not yet read (as its header gives its size).
    pub fn left(&self) -> u64 {
        self.headers.data_end.saturating_sub(self.headers.pos)
    }
}

impl<R: Advance> Read for Data<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let h = &mut *self.headers;
        let left = h.data_end.saturating_sub(h.pos);
        if left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(left.min(usize::MAX as u64) as usize);
        let n = h.inner.read(&mut buf[..want])?;
        h.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
