//! A seekable archive's layer blobs read in the worker: the small ones
//! from the buffered source, the others (uncompressed and gzip layers)
//! four streams at a time through a [`Batch`], each lane's next pieces
//! already being read
//! (`Blob.arrayBuffer()`) while the current ones are walked and hashed.

use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::{sink, update, Source};
use crate::dissect::Event;
use crate::message::Update;
use crate::sha256x4::LANES;
use crate::share::Share;
use crate::web::profile;
use crate::{Batch, Dissection, Options, Outcome};

/// Pieces each lane has in flight ahead of the one it hashes (each up to
/// [`PIECE`] bytes, in the browser's memory until taken).
const READ_AHEAD: usize = 2;

/// Bytes of a layer blob read at once, per lane.
const PIECE: usize = 6 << 20;

/// A piece of the file being read asynchronously (`Blob.arrayBuffer()`).
struct Reading {
    start: u64,
    end: u64,
    promise: JsFuture,
}

/// Starts reading `start..end` of `blob`.
fn start_read(blob: &Blob, start: u64, end: u64) -> Result<Reading, String> {
    let slice = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|e| format!("{e:?}"))?;
    Ok(Reading {
        start,
        end,
        promise: JsFuture::from(slice.array_buffer()),
    })
}

/// Waits for a read and copies it into `buf` (wasm memory).
async fn finish_read(r: Reading, buf: &mut Vec<u8>) -> Result<(), String> {
    let t = profile::on().then(profile::now);
    let ab = r.promise.await.map_err(|e| format!("{e:?}"))?;
    let arr = js_sys::Uint8Array::new(&ab);
    buf.resize(arr.length() as usize, 0);
    arr.copy_to(buf);
    if let Some(t) = t {
        profile::with(|p| {
            p.read_ms += profile::now() - t;
            p.reads += 1;
            p.read_bytes += r.end - r.start;
        });
    }
    Ok(())
}

/// Blobs smaller than this are read one at a time from the buffered
/// `source` (a read of its own costs about a millisecond, whatever its
/// size, and a buffered source reads many small blobs at once), not
/// through a [`Batch`].
const SMALL_BLOB: u64 = 256 << 10;

/// Reads this reader's layer blobs: the small ones one at a time from
/// `source`; the others four streams at a time through a [`Batch`]
/// (uncompressed and gzip layers, hashed in step), with the next piece of each lane already being
/// read while the current ones are hashed; then the blobs it declines, one
/// at a time from `source`.
pub(super) async fn read_layers(
    d: &mut Dissection,
    share: Option<Share>,
    blob: &Blob,
    source: &mut dyn Source,
) {
    let (small, mine): (Vec<usize>, Vec<usize>) = d
        .share_blobs(share)
        .into_iter()
        .partition(|&b| d.blobs[b].size < SMALL_BLOB);
    d.read_blobs(&mut *source, &small, &mut sink());
    let total = d.report.archive.size;
    let mut batch = Batch::new(d, &mine, PIECE, total, Options::default().progress_step);
    let mut bufs: [Vec<u8>; LANES] = Default::default();
    let mut declined = Vec::new();
    let mut events = batch_sink();
    let mut ahead: Vec<Reading> = Vec::new();
    loop {
        let wants = batch.wants(&mut events);
        // this round's reads: started last round if guessed right
        let mut now: Vec<(usize, Result<Reading, String>)> = Vec::new();
        for w in &wants {
            let r = match ahead
                .iter()
                .position(|r| r.start == w.start && r.end == w.end)
            {
                Some(i) => Ok(ahead.swap_remove(i)),
                None => start_read(blob, w.start, w.end),
            };
            now.push((w.lane, r));
        }
        // the next rounds', most likely: each busy lane's next pieces
        // past what it reads now (a read guessed wrong is dropped, unread)
        let unread: Vec<(u64, u64)> = batch
            .unread()
            .into_iter()
            .map(|(lane, start, end)| {
                let w = wants.iter().find(|w| w.lane == lane);
                (w.map_or(start, |w| w.end), end)
            })
            .collect();
        ahead.retain(|r| unread.iter().any(|&(s, e)| r.start >= s && r.end <= e));
        for &(start, blob_end) in &unread {
            let mut at = start;
            for _ in 0..READ_AHEAD {
                if at >= blob_end {
                    break;
                }
                let end = (at + PIECE as u64).min(blob_end);
                if !ahead.iter().any(|r| r.start == at) {
                    if let Ok(r) = start_read(blob, at, end) {
                        ahead.push(r);
                    }
                }
                at = end;
            }
        }
        let mut errors: [Option<String>; LANES] = Default::default();
        for (lane, r) in now {
            let got = match r {
                Ok(r) => finish_read(r, &mut bufs[lane]).await,
                Err(e) => Err(e),
            };
            errors[lane] = got.err();
        }
        let pieces = wants
            .iter()
            .map(|w| {
                let piece = match errors[w.lane].take() {
                    Some(e) => Err(e),
                    None => Ok(bufs[w.lane].as_slice()),
                };
                (w.lane, piece)
            })
            .collect();
        let outcomes = profile::time(|p| &mut p.analyze_ms, || batch.take(pieces, &mut events));
        for o in outcomes {
            match o {
                Outcome::Read {
                    blob,
                    facts,
                    entries,
                } => {
                    profile::with(|p| p.layers += 1);
                    d.complete(blob, *facts, entries)
                }
                Outcome::Declined { blob } => declined.push(blob),
            }
        }
        if batch.is_done() {
            break;
        }
    }
    d.read_blobs(source, &declined, &mut sink());
}

/// The sink for a batch's events: several layers are read at once, so the
/// profile times the batch's steps, not each layer.
fn batch_sink() -> impl FnMut(Event<'_>) {
    |e: Event<'_>| update(Update::from_event(&e))
}
