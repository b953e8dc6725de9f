//! Decoders for layer streams: multi-member gzip and multi-frame zstd.

use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use crate::detect::Compression;

/// A reader that decompresses `inner` according to `compression`.
pub fn decoder<'a, R: BufRead + 'a>(compression: Compression, inner: R) -> Box<dyn Read + 'a> {
    match compression {
        Compression::None => Box::new(inner),
        // eStargz and pigz write several gzip members; MultiGzDecoder reads them all.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(inner)),
        Compression::Zstd => Box::new(ZstdFrames::new(inner)),
    }
}

/// Decodes every frame of a zstd stream in turn, skipping skippable frames
/// (zstd:chunked stores its table of contents in them).
pub struct ZstdFrames<R: BufRead> {
    src: R,
    frame: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdFrames<R> {
    /// Decodes `src`, from its first frame.
    pub fn new(src: R) -> ZstdFrames<R> {
        ZstdFrames {
            src,
            frame: FrameDecoder::new(),
            in_frame: false,
        }
    }

    /// Starts the next frame. Returns false at a clean end of stream.
    fn next_frame(&mut self) -> io::Result<bool> {
        loop {
            if self.src.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.frame.reset(&mut self.src) {
                Ok(()) => {
                    self.in_frame = true;
                    return Ok(true);
                }
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped =
                        io::copy(&mut (&mut self.src).take(length as u64), &mut io::sink())?;
                    if skipped != length as u64 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "skippable zstd frame is {skipped} bytes long, should be {length}"
                            ),
                        ));
                    }
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
        }
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame && !self.next_frame()? {
                return Ok(0);
            }
            while self.frame.can_collect() < buf.len() && !self.frame.is_finished() {
                let want = buf.len() - self.frame.can_collect();
                self.frame
                    .decode_blocks(&mut self.src, BlockDecodingStrategy::UptoBytes(want))
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            }
            let n = self.frame.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.frame.is_finished() {
                if let (Some(stored), Some(computed)) = (
                    self.frame.get_checksum_from_data(),
                    self.frame.get_calculated_checksum(),
                ) {
                    if stored != computed {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "zstd frame checksum is {computed:08x}, should be {stored:08x}"
                            ),
                        ));
                    }
                }
                self.in_frame = false;
            }
        }
    }
}
