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
use crate::share::Share;
use crate::web::profile;
use crate::{Batch, Dissection, Options, Outcome};

/// Bytes of a layer blob a lane hashes at once (in wasm memory, one
/// piece a lane, and one more for an inflating lane's output). Reads are
/// [`CHUNK`]s, so a small piece costs no more reads: on large-oci.tar,
/// 2 MiB pieces took the workers' memory from 51 and 63 MiB (4 MiB
/// pieces) to 27 and 30, in the same time.
const PIECE: usize = 2 << 20;

/// Bytes of the file one asynchronous read fetches: several pieces, held
/// in the browser's memory until the lane has taken them all. The browser
/// reads a large slice faster than several small ones (in a Chromium
/// worker, 4 MiB reads four at a time: about 1.05 GB/s; 16 MiB reads:
/// about 1.35 GB/s), and on two cores its reading competes with hashing
/// (large.tar: 2.18 s with 4 MiB reads, 2.02 s with 16 MiB chunks). At
/// most `LANES × (CHUNKS_AHEAD + 1)` chunks are held: 128 MiB.
const CHUNK: u64 = 8 * PIECE as u64;

/// Chunks read ahead of the one each lane is taking pieces from.
const CHUNKS_AHEAD: u64 = 1;

/// A slice of the file read asynchronously (`Blob.arrayBuffer()`).
struct Reading {
    start: u64,
    end: u64,
    fetched: Fetched,
}

enum Fetched {
    Pending(JsFuture),
    Ready(js_sys::Uint8Array),
    Failed(String),
}

/// Starts reading `start..end` of `blob`.
fn start_read(blob: &Blob, start: u64, end: u64) -> Reading {
    let fetched = match blob.slice_with_f64_and_f64(start as f64, end as f64) {
        Ok(slice) => Fetched::Pending(JsFuture::from(slice.array_buffer())),
        Err(e) => Fetched::Failed(format!("{e:?}")),
    };
    Reading {
        start,
        end,
        fetched,
    }
}

/// Copies `start..end` of the file from `r` (waiting for it to be read)
/// into `buf` (wasm memory).
async fn copy_out(r: &mut Reading, start: u64, end: u64, buf: &mut Vec<u8>) -> Result<(), String> {
    let t = profile::on().then(profile::now);
    if let Fetched::Pending(promise) = &mut r.fetched {
        r.fetched = match promise.await {
            Ok(ab) => Fetched::Ready(js_sys::Uint8Array::new(&ab)),
            Err(e) => Fetched::Failed(format!("{e:?}")),
        };
        if let Some(t) = t {
            profile::with(|p| {
                p.read_ms += profile::now() - t;
                p.reads += 1;
                p.read_bytes += r.end - r.start;
            });
        }
    }
    match &r.fetched {
        Fetched::Ready(arr) if start >= r.start && end <= r.start + arr.length() as u64 => {
            let part = arr.subarray((start - r.start) as u32, (end - r.start) as u32);
            buf.resize(part.length() as usize, 0);
            part.copy_to(buf);
            Ok(())
        }
        Fetched::Ready(arr) => Err(format!(
            "a read of {} bytes at {} gave {} bytes",
            r.end - r.start,
            r.start,
            arr.length()
        )),
        Fetched::Failed(e) => Err(e.clone()),
        Fetched::Pending(_) => Err("a read was not waited for".into()),
    }
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
    if profile::on() {
        batch = batch.timed(profile::now);
    }
    let mut declined = Vec::new();
    let mut events = batch_sink();
    let mut reads: Vec<Reading> = Vec::new();
    loop {
        let wants = batch.wants(&mut events);
        // where each busy lane is, and how far its blob goes
        let lanes = batch.unread();
        // drop the reads no lane will take from (passed, or guessed wrong)
        reads.retain(|r| {
            lanes.iter().any(|&(_, at, end)| {
                r.end > at && r.start < end && r.start < at + (CHUNKS_AHEAD + 1) * CHUNK
            })
        });
        // each lane's current chunk and the next: this round's pieces,
        // most likely already read
        for &(_, mut at, end) in &lanes {
            for _ in 0..=CHUNKS_AHEAD {
                if at >= end {
                    break;
                }
                at = match reads.iter().find(|r| r.start <= at && at < r.end) {
                    Some(r) => r.end,
                    None => {
                        let r = start_read(blob, at, (at + CHUNK).min(end));
                        let e = r.end;
                        reads.push(r);
                        e
                    }
                };
            }
        }
        let mut filled = Vec::with_capacity(wants.len());
        for w in &wants {
            let got = match reads
                .iter_mut()
                .find(|r| r.start <= w.start && w.end <= r.end)
            {
                Some(r) => copy_out(r, w.start, w.end, batch.buffer(w.lane)).await,
                None => {
                    let mut r = start_read(blob, w.start, w.end);
                    copy_out(&mut r, w.start, w.end, batch.buffer(w.lane)).await
                }
            };
            filled.push((w.lane, got));
        }
        let outcomes = profile::time(
            |p| &mut p.analyze_ms,
            || batch.take_filled(filled, &mut events),
        );
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
    let t = batch.timings();
    profile::with(|p| {
        p.inflate_ms += t.inflate_ms;
        p.walk_ms += t.walk_ms;
        p.hash_ms += t.hash_ms;
        p.rounds += t.rounds;
        p.busy_lanes += t.busy_lanes;
    });
    d.read_blobs(source, &declined, &mut sink());
}

/// The sink for a batch's events: several layers are read at once, so the
/// profile times the batch's steps, not each layer.
fn batch_sink() -> impl FnMut(Event<'_>) {
    |e: Event<'_>| update(Update::from_event(&e))
}
