//! Reading an archive's layers as the page's worker does: through a
//! `Batch`, four streams at a time.

use std::io::Cursor;

use layercake::{dissect, Batch, Dissection, Options, Outcome, Quiet};

/// Reads `bytes` as the page's worker does: the images first, then the
/// layer blobs four streams at a time through a `Batch` (in pieces of
/// `piece` bytes, so every blob spans several), and those it declines one
/// at a time. Returns the finished dissection and the blobs the batch read
/// itself (not declined).
pub fn batch_read(bytes: &[u8], piece: usize) -> (Dissection, Vec<usize>) {
    let opts = Options {
        read_layers: false,
        ..Options::default()
    };
    let mut d = dissect(Cursor::new(bytes), &opts, &mut Quiet).expect("read once already");
    if !d.report.archive.seekable {
        return (d, Vec::new()); // read in one pass, and finished
    }
    let mine = d.share_blobs(None);
    let mut batch = Batch::new(&d, &mine, piece, None, 1 << 20);
    let (mut declined, mut read) = (Vec::new(), Vec::new());
    loop {
        let wants = batch.wants(&mut Quiet);
        let pieces: Vec<_> = wants
            .iter()
            .map(|w| {
                let r = bytes
                    .get(w.start as usize..w.end as usize)
                    .ok_or_else(|| "past the end".to_string());
                (w.lane, r)
            })
            .collect();
        for o in batch.take(pieces, &mut Quiet) {
            match o {
                Outcome::Read {
                    blob,
                    facts,
                    entries,
                } => {
                    read.push(blob);
                    d.complete(blob, *facts, entries)
                }
                Outcome::Declined { blob } => declined.push(blob),
            }
        }
        if batch.is_done() {
            break;
        }
    }
    let mut once = declined.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(once.len(), declined.len(), "a batch declined a blob twice");
    d.read_blobs(Cursor::new(bytes), &declined, &mut Quiet);
    assert!(d.missing().is_empty(), "a batch left blobs unread");
    (d.finish(&Options::default(), &mut Quiet), read)
}
