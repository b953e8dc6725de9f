//! Reading one file's contents again, on demand: seek to its layer blob,
//! inflate from the layer's start if compressed, and skip to the member.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use crate::decompress::decoder;
use crate::detect::Compression;

/// Where a file's bytes are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    /// The layer blob's member in the outer archive.
    pub member: String,
    /// Offset and size of that member in the (uncompressed) outer stream.
    pub member_offset: u64,
    pub member_size: u64,
    /// Compression of the whole archive, and of the layer blob.
    pub archive_compression: Compression,
    pub layer_compression: Compression,
    /// Offset of the file's content in the uncompressed layer stream.
    pub offset: u64,
    pub size: u64,
}

/// Skips `n` bytes by reading, calling `progress` with bytes done so far.
fn skip(r: &mut dyn Read, n: u64, progress: &mut dyn FnMut(u64)) -> io::Result<()> {
    let mut buf = vec![0u8; 256 * 1024];
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

fn read_member(
    layer: &mut dyn Read,
    f: &FileRef,
    limit: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Vec<u8>> {
    skip(layer, f.offset, progress)?;
    let want = f.size.min(limit);
    let mut out = Vec::with_capacity(want as usize);
    layer.take(want).read_to_end(&mut out)?;
    if (out.len() as u64) < want {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("file holds {} of its {want} bytes", out.len()),
        ));
    }
    Ok(out)
}

/// Reads up to `limit` bytes of the file `f` names. `progress` is told how
/// many uncompressed layer bytes have been skipped (for compressed layers
/// this can be most of the layer).
pub fn read_file<R: Read + Seek>(
    src: &mut R,
    f: &FileRef,
    limit: u64,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Vec<u8>> {
    if f.archive_compression == Compression::None {
        src.seek(SeekFrom::Start(f.member_offset))?;
        let blob = BufReader::with_capacity(256 * 1024, (&mut *src).take(f.member_size));
        let mut layer = decoder(f.layer_compression, blob);
        return read_member(&mut layer, f, limit, progress);
    }
    // a compressed archive: inflate it up to the member
    src.seek(SeekFrom::Start(0))?;
    let outer = decoder(
        f.archive_compression,
        BufReader::with_capacity(256 * 1024, &mut *src),
    );
    let mut archive = tar::Archive::new(outer);
    for item in archive.entries()? {
        let e = item?;
        let path = String::from_utf8_lossy(&crate::entry::normalize(&e.path_bytes())).into_owned();
        if path == f.member {
            let mut layer = decoder(f.layer_compression, BufReader::new(e));
            return read_member(&mut layer, f, limit, progress);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("member {} is not in the archive", f.member),
    ))
}
