//! Reading one file's contents again, on demand: seek to its layer blob
//! (or inflate a compressed archive up to it), inflate the layer from its
//! start if compressed, and skip to the member.
//!
//! Nothing here is sized by the archive: a preview is capped at
//! [`PREVIEW_BYTES`] and a download is streamed in [`DOWNLOAD_CHUNK`]
//! pieces, whatever size the tar header claims.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use crate::decompress::decoder;
use crate::detect::Compression;

/// The most bytes of a file read for the page's preview (text or hex).
pub const PREVIEW_BYTES: u64 = 256 * 1024;

/// The size of each piece of a file streamed as a download.
pub const DOWNLOAD_CHUNK: usize = 4 << 20;

/// The buffer used to skip to a file's content.
const SKIP_BUFFER: usize = 256 * 1024;

/// Where a file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The layer blob's member in the outer archive.
    pub member: String,
    /// Offset and size of that member in the (uncompressed) outer stream.
    pub member_offset: u64,
    /// See `member_offset`.
    pub member_size: u64,
    /// Compression of the whole archive, and of the layer blob.
    pub archive_compression: Compression,
    /// See `archive_compression`.
    pub layer_compression: Compression,
    /// Offset of the file's content in the uncompressed layer stream.
    pub offset: u64,
    /// Bytes of the file.
    pub size: u64,
}

/// Skips `n` bytes by reading, calling `progress` with bytes done so far.
fn skip(r: &mut dyn Read, n: u64, progress: &mut dyn FnMut(u64)) -> io::Result<()> {
    let mut buf = vec![0u8; SKIP_BUFFER];
    let mut done = 0;
    while done < n {
        let want = buf.len().min((n - done) as usize);
        let got = r.read(&mut buf[..want])?;
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("layer stream ends at {done} bytes, file starts at {n}"),
            ));
        }
        done += got as u64;
        progress(done);
    }
    Ok(())
}

/// Skips `n` bytes of the outer stream, without progress.
fn skip_quietly(r: &mut dyn Read, n: u64) -> io::Result<()> {
    let got = io::copy(&mut r.take(n), &mut io::sink())?;
    if got < n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the archive ends at {got} bytes, the layer starts at {n}"),
        ));
    }
    Ok(())
}

/// Calls `f` with the file's content as a reader of at most `f.size`
/// bytes. `progress` is told how many uncompressed layer bytes have been
/// skipped to reach it (for compressed layers this can be most of the
/// layer).
fn with_content<R: Read + Seek, T>(
    src: &mut R,
    f: &FileRef,
    progress: &mut dyn FnMut(u64),
    then: impl FnOnce(&mut dyn Read) -> io::Result<T>,
) -> io::Result<T> {
    let mut layer = layer_stream(src, f)?;
    skip(&mut layer, f.offset, progress)?;
    then(&mut layer.take(f.size))
}

/// The uncompressed layer stream of the blob `f` names, from its start.
fn layer_stream<'a, R: Read + Seek>(src: &'a mut R, f: &FileRef) -> io::Result<Box<dyn Read + 'a>> {
    let blob: Box<dyn Read + 'a> = if f.archive_compression == Compression::None {
        src.seek(SeekFrom::Start(f.member_offset))?;
        Box::new((&mut *src).take(f.member_size))
    } else {
        // a compressed archive: inflate it up to the member, whose offset
        // in the uncompressed stream the dissection recorded
        src.seek(SeekFrom::Start(0))?;
        let mut outer = decoder(
            f.archive_compression,
            BufReader::with_capacity(SKIP_BUFFER, &mut *src),
        );
        skip_quietly(&mut outer, f.member_offset)?;
        Box::new(outer.take(f.member_size))
    };
    Ok(Box::new(decoder(
        f.layer_compression,
        BufReader::with_capacity(SKIP_BUFFER, blob),
    )))
}

/// Reads several files of one layer blob in one pass: `wanted` holds each
/// file's offset in the uncompressed layer stream and the bytes to read
/// (at most `max` each, never more than the file's size); `each` is given
/// each file's number in `wanted` and its bytes, in offset order. The
/// blob is the one `layer` names (its `offset` and `size` are ignored).
pub fn read_files<R: Read + Seek>(
    src: &mut R,
    layer: &FileRef,
    wanted: &[(u64, u64)],
    max: u64,
    each: &mut dyn FnMut(usize, Vec<u8>),
) -> io::Result<()> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by_key(|&i| wanted[i].0);
    let mut stream = layer_stream(src, layer)?;
    let mut at = 0u64;
    for i in order {
        let (offset, size) = wanted[i];
        if offset < at {
            continue; // overlaps the file before it: not a tar member's content
        }
        skip(&mut stream, offset - at, &mut |_| {})?;
        let want = size.min(max);
        // bounded by `max`, never by the header's size alone
        let mut out = Vec::with_capacity(want.min(SKIP_BUFFER as u64) as usize);
        (&mut stream).take(want).read_to_end(&mut out)?;
        at = offset + out.len() as u64;
        if (out.len() as u64) < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file holds {} of its {want} bytes", out.len()),
            ));
        }
        each(i, out);
    }
    Ok(())
}

/// Reads several files of one layer in one pass over it, each with its own
/// result (unlike [`read_files`], which stops at the first error): `files` are
/// (offset, size) in the uncompressed layer stream, and `blob` names the
/// layer (its `offset` and `size` are not used). A file larger than
/// `limit` is not read and comes back as an error, as does one the stream
/// ends inside; the others are still read.
pub fn read_files_checked<R: Read + Seek>(
    src: &mut R,
    blob: &FileRef,
    files: &[(u64, u64)],
    limit: u64,
) -> io::Result<Vec<Result<Vec<u8>, String>>> {
    let whole = FileRef {
        offset: 0,
        size: u64::MAX,
        ..blob.clone()
    };
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| files[i].0);
    let mut out: Vec<Result<Vec<u8>, String>> = vec![Err(String::new()); files.len()];
    if blob.archive_compression == Compression::None && blob.layer_compression == Compression::None
    {
        // nothing to inflate: seek to each file
        for i in order {
            let (offset, size) = files[i];
            if size > limit {
                out[i] = Err(format!("{size} bytes, more than the {limit} read"));
                continue;
            }
            if offset.saturating_add(size) > blob.member_size {
                out[i] = Err(format!(
                    "ends past the layer, at {}",
                    offset.saturating_add(size)
                ));
                continue;
            }
            src.seek(SeekFrom::Start(blob.member_offset + offset))?;
            let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
            (&mut *src).take(size).read_to_end(&mut bytes)?;
            out[i] = if (bytes.len() as u64) < size {
                Err(format!("file holds {} of its {size} bytes", bytes.len()))
            } else {
                Ok(bytes)
            };
        }
        return Ok(out);
    }
    with_content(src, &whole, &mut |_| {}, |layer| {
        let mut pos = 0u64;
        for i in order {
            let (offset, size) = files[i];
            if offset < pos {
                out[i] = Err(format!("overlaps the file before it, at offset {offset}"));
                continue;
            }
            if size > limit {
                out[i] = Err(format!("{size} bytes, more than the {limit} read"));
                continue;
            }
            if let Err(e) = skip_quietly(layer, offset - pos) {
                out[i] = Err(e.to_string());
                return Ok(());
            }
            pos = offset;
            // bounded by `limit`, never by the header's size alone
            let mut bytes = Vec::with_capacity(size.min(limit).min(1 << 20) as usize);
            layer.take(size).read_to_end(&mut bytes)?;
            pos += bytes.len() as u64;
            out[i] = if (bytes.len() as u64) < size {
                Err(format!("file holds {} of its {size} bytes", bytes.len()))
            } else {
                Ok(bytes)
            };
        }
        Ok(())
    })?;
    Ok(out)
}

/// Reads up to `limit` bytes of the file `f` names, and never more than
/// [`PREVIEW_BYTES`]. `progress` is told how many uncompressed layer bytes
/// have been skipped.
pub fn read_file<R: Read + Seek>(
    src: &mut R,
    f: &FileRef,
    limit: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Vec<u8>> {
    let want = f.size.min(limit).min(PREVIEW_BYTES);
    with_content(src, f, progress, |content| {
        // bounded by PREVIEW_BYTES, never by the header's size alone
        let mut out = Vec::with_capacity(want as usize);
        content.take(want).read_to_end(&mut out)?;
        if (out.len() as u64) < want {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file holds {} of its {want} bytes", out.len()),
            ));
        }
        Ok(out)
    })
}

/// Reads a whole member of the outer archive again (an attestation's blob,
/// not a file inside a layer): at most `limit` bytes, and an error when
/// the member holds more or less than it claims. `member_offset` and
/// `member_size` are where the dissection found it.
pub fn read_member<R: Read + Seek>(
    src: &mut R,
    member_offset: u64,
    member_size: u64,
    archive_compression: Compression,
    limit: u64,
) -> io::Result<Vec<u8>> {
    if member_size > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{member_size} bytes, more than the {limit} read"),
        ));
    }
    let f = FileRef {
        member: String::new(),
        member_offset,
        member_size,
        archive_compression,
        layer_compression: Compression::None,
        offset: 0,
        size: member_size,
    };
    with_content(src, &f, &mut |_| {}, |content| {
        let mut out = Vec::with_capacity(member_size.min(limit) as usize);
        content.take(member_size).read_to_end(&mut out)?;
        if (out.len() as u64) < member_size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("member holds {} of its {member_size} bytes", out.len()),
            ));
        }
        Ok(out)
    })
}

/// Streams the whole file `f` names to `chunk`, [`DOWNLOAD_CHUNK`] bytes
/// at a time (the last piece may be shorter). `progress` is told the bytes
/// skipped to reach the file, then `chunk` the file's bytes as they come.
/// Returns the bytes streamed; fewer than `f.size` is an error (the layer
/// ends early), after the pieces that could be read were given.
pub fn stream_file<R: Read + Seek>(
    src: &mut R,
    f: &FileRef,
    progress: &mut dyn FnMut(u64),
    chunk: &mut dyn FnMut(&[u8]),
) -> io::Result<u64> {
    with_content(src, f, progress, |content| {
        let mut buf = vec![0u8; DOWNLOAD_CHUNK];
        let mut sent = 0u64;
        loop {
            // fill the buffer (short reads are normal), then hand it over
            let mut filled = 0;
            while filled < buf.len() {
                let got = content.read(&mut buf[filled..])?;
                if got == 0 {
                    break;
                }
                filled += got;
            }
            if filled == 0 {
                break;
            }
            chunk(&buf[..filled]);
            sent += filled as u64;
            if filled < buf.len() {
                break;
            }
        }
        if sent < f.size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("file holds {sent} of its {} bytes", f.size),
            ));
        }
        Ok(sent)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn plain(len: u64, size: u64) -> FileRef {
        FileRef {
            member: "blob".into(),
            member_offset: 0,
            member_size: len,
            archive_compression: Compression::None,
            layer_compression: Compression::None,
            offset: 0,
            size,
        }
    }

    #[test]
    fn a_download_streams_in_chunks() {
        let data: Vec<u8> = (0..(9 << 20) + 7).map(|i| (i % 251) as u8).collect();
        let f = plain(data.len() as u64, data.len() as u64);
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        let n = stream_file(&mut Cursor::new(&data), &f, &mut |_| {}, &mut |b| {
            sizes.push(b.len());
            got.extend_from_slice(b);
        })
        .unwrap();
        assert_eq!(n, data.len() as u64);
        assert_eq!(sizes, [DOWNLOAD_CHUNK, DOWNLOAD_CHUNK, (1 << 20) + 7]);
        assert!(got == data);
    }

    #[test]
    fn a_size_the_data_does_not_hold_is_an_error_not_an_allocation() {
        // the header claims far more than the archive holds (or memory has)
        let data = vec![7u8; 1000];
        let f = plain(data.len() as u64, u64::MAX / 2);
        let mut pieces = 0;
        let e = stream_file(&mut Cursor::new(&data), &f, &mut |_| {}, &mut |b| {
            assert_eq!(b.len(), 1000);
            pieces += 1;
        })
        .unwrap_err();
        assert_eq!(pieces, 1);
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let e = read_file(&mut Cursor::new(&data), &f, u64::MAX, &mut |_| {}).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_preview_is_capped() {
        let data = vec![1u8; (PREVIEW_BYTES * 3) as usize];
        let f = plain(data.len() as u64, data.len() as u64);
        let got = read_file(&mut Cursor::new(&data), &f, u64::MAX, &mut |_| {}).unwrap();
        assert_eq!(got.len() as u64, PREVIEW_BYTES);
    }
}
