//! Tar member headers, read one block at a time with a bounded budget.
//!
//! This is the one tar reader of the core: the outer archive and every layer
//! are walked through it. It applies GNU long names and links (`L`, `K`),
//! PAX local and global records (`x`, `g`) and skips GNU sparse extension
//! blocks, as tar-rs and GNU tar do, but never reads a record past
//! [`MAX_HEADER_RECORD_BYTES`]: a larger record is skipped as data and
//! reported. Paths longer than [`MAX_PATH_BYTES`] or deeper than
//! [`MAX_PATH_COMPONENTS`] are reported, and the caller decides what to keep.
//! Member contents are never buffered: [`Headers::data`] streams them, and
//! whatever the caller leaves unread is skipped (by seeking, where the source
//! can) before the next header.

use std::io::{self, Read};
use std::rc::Rc;

use crate::entry::Kind;
use crate::limits::{limit, MAX_HEADER_RECORD_BYTES, MAX_PATH_BYTES, MAX_PATH_COMPONENTS};
use crate::pax::{parse_int, Records};
use crate::problem::{Location, Problem};
use crate::source::Advance;

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

/// What [`Headers::save`] keeps.
pub struct Saved {
    pos: u64,
    next: u64,
    data_end: u64,
    globals: Rc<Records>,
    problems: usize,
    ended: bool,
}

impl Saved {
    /// Where the source stood.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Where the next header starts: bytes before it are never read again.
    pub fn next_header_at(&self) -> u64 {
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

/// The long-name and PAX records read before a member's own header.
#[derive(Default)]
struct Group {
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    local: Option<Records>,
    /// Where the first of them starts (the member's header offset).
    first: Option<u64>,
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

    /// The walk's state before a [`Headers::next_header`] call, so a call
    /// that stops because a fed source has no more bytes yet
    /// ([`io::ErrorKind::WouldBlock`]) can be undone and tried again once
    /// more bytes are in ([`Headers::restore`]).
    pub fn save(&self) -> Saved {
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
    pub fn restore(&mut self, saved: Saved) {
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
        let Group {
            long_name,
            long_link,
            local,
            first,
        } = group;
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
                if first.is_some() {
                    return Err(invalid(format!(
                        "records at offset {} describe a member that never comes",
                        first.unwrap_or(at)
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
            let first_at = *first.get_or_insert(at);
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
            if let Some(v) = local.as_ref().and_then(|l| l.get(b"size")) {
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
                        *long_name = data;
                    } else {
                        *long_link = data;
                    }
                    continue;
                }
                b'x' | b'g' => {
                    let what = if flag == b'x' { "PAX" } else { "PAX global" };
                    if let Some(data) = self.record(size, at, what)? {
                        if flag == b'x' {
                            local.get_or_insert_with(Records::default).parse(&data);
                        } else {
                            Rc::make_mut(&mut self.globals).parse(&data);
                        }
                    }
                    if flag == b'x' {
                        local.get_or_insert_with(Records::default).any = true;
                        continue;
                    }
                    // a global header is a member of its own, as GNU tar
                    // lists it; callers skip it
                }
                _ => {}
            }
            let pick = |key: &[u8]| {
                local
                    .as_ref()
                    .and_then(|l| l.get(key))
                    .or_else(|| self.globals.get(key))
            };
            let path = match (&long_name, pick(b"path")) {
                (Some(n), _) => n.clone(),
                (None, Some(p)) => p.to_vec(),
                (None, None) => header.path_bytes().into_owned(),
            };
            let link = match (pick(b"linkpath"), &long_link) {
                (Some(l), _) => Some(l.to_vec()),
                (None, Some(l)) => Some(l.clone()),
                (None, None) => header.link_name_bytes().map(|l| l.into_owned()),
            };
            let num = |key: &[u8]| pick(key).and_then(parse_int);
            let uid = num(b"uid")
                .map(|v| v as u64)
                .or_else(|| header.uid().ok())
                .unwrap_or(0);
            let gid = num(b"gid")
                .map(|v| v as u64)
                .or_else(|| header.gid().ok())
                .unwrap_or(0);
            let mtime = num(b"mtime")
                .or_else(|| header.mtime().ok().map(|v| v as i64))
                .unwrap_or(0);
            let pax = local.as_ref().is_some_and(|l| l.any) || self.globals.any;
            let mut h = Header {
                flag,
                kind: Kind::from_typeflag(flag),
                path,
                link,
                size,
                header_offset: first_at,
                data_offset,
                mode: header.mode().unwrap_or(0) & 0o7777,
                uid,
                gid,
                mtime,
                pax,
                over_limit: false,
            };
            h.over_limit = self.check_name(&h.path, first_at, "path")
                | h.link
                    .as_ref()
                    .is_some_and(|l| self.check_name(l, first_at, "link target"));
            if h.over_limit {
                h.path.truncate(MAX_PATH_BYTES);
                if let Some(l) = &mut h.link {
                    l.truncate(MAX_PATH_BYTES);
                }
            }
            return Ok(Some(h));
        }
    }

    /// Reports a name past the path limits; true if it is.
    fn check_name(&mut self, name: &[u8], at: u64, what: &str) -> bool {
        let shown = || {
            let head = String::from_utf8_lossy(&name[..name.len().min(64)]).into_owned();
            format!("{head}…")
        };
        let fault = if name.len() > MAX_PATH_BYTES {
            limit!(
                MAX_PATH_BYTES,
                format!("a {what} of {} bytes ({})", name.len(), shown())
            )
        } else {
            let parts = name.split(|&b| b == b'/').filter(|p| !p.is_empty()).count();
            if parts <= MAX_PATH_COMPONENTS {
                return false;
            }
            limit!(
                MAX_PATH_COMPONENTS,
                format!("a {what} of {parts} components ({})", shown())
            )
        };
        self.problems
            .push(Problem::new(fault, Location::default().at(at)));
        true
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
mod tests {
    use super::*;
    use crate::source::Stream;

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in members {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn reads_long_names_and_skips_unread_content() {
        let long = "d/".repeat(100) + "file";
        let bytes = tar_of(&[("a", b"hello"), (&long, b"x")]);
        let mut h = Headers::new(Stream(&bytes[..]));
        let a = h.next_header().unwrap().unwrap();
        assert_eq!((a.path.as_slice(), a.size), (&b"a"[..], 5));
        let b = h.next_header().unwrap().unwrap();
        assert_eq!(b.path, long.as_bytes());
        let mut data = Vec::new();
        h.data().read_to_end(&mut data).unwrap();
        assert_eq!(data, b"x");
        assert!(h.next_header().unwrap().is_none());
        assert!(h.second_zero_block());
    }

    #[test]
    fn a_huge_pax_record_is_skipped_not_read() {
        // a PAX header claiming 1 GiB, with only its first block present
        let mut block = tar::Header::new_ustar();
        block.set_size(1 << 30);
        block.set_entry_type(tar::EntryType::XHeader);
        block.set_path("pax").unwrap();
        block.set_cksum();
        let mut bytes = block.as_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(0u8, 1024));
        let mut h = Headers::new(Stream(&bytes[..]));
        let err = h.next_header().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let problems = h.take_problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "limit");
        assert!(problems[0].message.contains("MAX_HEADER_RECORD_BYTES"));
    }
}
