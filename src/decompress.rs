//! Decoders for layer streams: multi-member gzip and multi-frame zstd,
//! read from a source ([`decoder`]); and gzip inflated from pieces pushed
//! to it, a bounded amount at a time ([`PushedGzip`]).

use std::io::{self, BufRead, Read, Write};

use flate2::write::MultiGzDecoder;

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

/// The bytes a gzip stream of `stored` bytes inflates to, as its last
/// member's trailer says: `isize` is that size modulo 2^32, so it is lifted
/// by 2^32 until it is at least `stored` (deflate never grows data by more
/// than a few bytes a block). Only an estimate: a stream of several members
/// says only its last one's size, and one that shrank more than 2^32 bytes
/// is underestimated.
pub fn gzip_inflated_size(isize: u32, stored: u64) -> u64 {
    let isize = u64::from(isize);
    let wraps = stored.saturating_sub(isize).div_ceil(1 << 32);
    isize.saturating_add(wraps.saturating_mul(1 << 32))
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

/// What one `write` of flate2's push decoder inflates at most (its
/// buffer).
const WRITE_OUT: usize = 32 << 10;

/// A multi-member gzip stream inflated from pieces its caller holds, at
/// most about `cap` bytes of output a step, however much a piece inflates
/// to (a decompression bomb comes out a step at a time). What a step does
/// not inflate of a piece is left for the next step, which takes the same
/// piece again.
pub struct PushedGzip {
    /// Inflates into its `Vec` (made once, `cap` and two writes' worth
    /// long): the last step's output.
    decoder: MultiGzDecoder<Vec<u8>>,
    /// The current piece is inflated up to here.
    used: usize,
    /// The current piece's length.
    len: usize,
    /// Every byte is inflated and the last member's trailer checked.
    ended: bool,
}

impl PushedGzip {
    /// A stream whose steps give about `cap` bytes each.
    pub fn new(cap: usize) -> PushedGzip {
        PushedGzip {
            decoder: MultiGzDecoder::new(Vec::with_capacity(cap + 2 * WRITE_OUT)),
            used: 0,
            len: 0,
            ended: false,
        }
    }

    /// The next piece, `len` bytes long, is to be inflated from its start.
    pub fn start(&mut self, len: usize) {
        (self.used, self.len) = (0, len);
    }

    /// Whether the current piece has bytes not inflated yet.
    pub fn has_left(&self) -> bool {
        self.used < self.len
    }

    /// Whether the stream has ended: every byte inflated, and the last
    /// member's CRC and length checked.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The last step's output.
    pub fn out(&self) -> &[u8] {
        self.decoder.get_ref()
    }

    /// Inflates what is left of the current piece, `input` (the same bytes
    /// each step until the next [`PushedGzip::start`]), until about `cap`
    /// bytes come out (at most [`WRITE_OUT`] more), and ends the stream
    /// once `last` (the stream's last piece) is inflated whole. Any error
    /// (a damaged stream, a bad trailer, bytes after the last member that
    /// are not a gzip member) is the caller's to report, or to leave to
    /// [`decoder`], which says what it is.
    pub fn step(&mut self, input: &[u8], cap: usize, last: bool) -> io::Result<&[u8]> {
        self.decoder.get_mut().clear();
        while self.used < self.len && self.decoder.get_ref().len() < cap {
            let n = self.decoder.write(&input[self.used..self.len])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the gzip stream takes no more bytes",
                ));
            }
            self.used += n;
        }
        if last && self.used == self.len && !self.ended {
            self.decoder.try_finish()?;
            self.ended = true;
        }
        Ok(self.decoder.get_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_trailer_size_is_lifted_past_the_stored_size() {
        // as said: smaller streams inflate to their trailer's size
        assert_eq!(gzip_inflated_size(100, 50), 100);
        assert_eq!(gzip_inflated_size(0, 0), 0);
        // what it says is modulo 2^32: lifted until at least the stored size
        assert_eq!(gzip_inflated_size(10, (1 << 32) + 5), (1 << 32) + 10);
        assert_eq!(gzip_inflated_size(10, 3 << 32), (3 << 32) + 10);
        // a crafted size saturates, and never panics
        assert_eq!(gzip_inflated_size(u32::MAX, u64::MAX), u64::MAX);
        // a real trailer
        let data = vec![7u8; 300_000];
        let gz = gzip(&data);
        let t: [u8; 4] = gz[gz.len() - 4..].try_into().unwrap();
        assert_eq!(
            gzip_inflated_size(u32::from_le_bytes(t), gz.len() as u64),
            300_000
        );
    }

    /// Inflates `stream` pushed in pieces of `piece` bytes, `cap` a step;
    /// returns the output and the largest step.
    fn pushed(stream: &[u8], piece: usize, cap: usize) -> io::Result<(Vec<u8>, usize)> {
        let mut gz = PushedGzip::new(cap);
        let (mut out, mut most) = (Vec::new(), 0);
        let pieces: Vec<&[u8]> = stream.chunks(piece).collect();
        for (i, p) in pieces.iter().enumerate() {
            gz.start(p.len());
            let last = i + 1 == pieces.len();
            loop {
                let step = gz.step(p, cap, last)?;
                most = most.max(step.len());
                out.extend_from_slice(step);
                if !gz.has_left() && (!last || gz.ended()) {
                    break;
                }
            }
        }
        assert!(gz.ended(), "the stream did not end");
        Ok((out, most))
    }

    #[test]
    fn a_bomb_comes_out_a_step_at_a_time() {
        let zeros = vec![0u8; 40 << 20];
        let gz = gzip(&zeros);
        assert!(gz.len() < 100_000);
        let (out, most) = pushed(&gz, gz.len(), 1 << 20).unwrap();
        assert!(out == zeros);
        assert!(most <= (1 << 20) + WRITE_OUT, "a step gave {most} bytes");
    }

    #[test]
    fn members_and_cuts_inflate_whole_and_damage_is_an_error() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut two = gzip(&data[..100_000]);
        two.extend(gzip(&data[100_000..]));
        for piece in [1, 13, 4096, two.len()] {
            assert!(
                pushed(&two, piece, 65_536).unwrap().0 == data,
                "pieces of {piece}"
            );
        }
        let mut bad_crc = two.clone();
        let n = bad_crc.len();
        bad_crc[n - 6] ^= 1;
        assert!(pushed(&bad_crc, 4096, 65_536).is_err());
        let mut garbage = two.clone();
        garbage.extend_from_slice(b"not gzip");
        assert!(pushed(&garbage, 4096, 65_536).is_err());
    }
}
