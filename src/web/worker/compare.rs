//! The gathering worker's side of a comparison: image B's `Blob` read
//! beside the open file (see [`crate::against`]), kept for the Changes
//! and Packages views' queries.

use super::*;
use crate::against::{hash_contents, read_against, Against};

/// Image B and its reader, once compared.
pub(super) struct Compared {
    against: Against,
    source: Box<dyn Source>,
}

/// Reads B from `blob` and compares image `image` of the open file with
/// it: [`Update::CompareProgress`]es, then [`Update::Compared`] or
/// [`Update::CompareFailed`]. The open file stays open either way.
pub(super) fn compare(blob: Blob, image: usize, state: &Shared) {
    state.borrow_mut().against = None;
    match read(blob, image, state) {
        Ok((mut against, source)) => {
            let diff = against.for_page();
            let report = against.dissection.report.clone();
            state.borrow_mut().against = Some(Compared { against, source });
            update(Update::Compared {
                report: Box::new(report),
                diff: Box::new(diff),
            });
        }
        Err(message) => update(Update::CompareFailed { message }),
    }
}

fn read(blob: Blob, image: usize, state: &Shared) -> Result<(Against, Box<dyn Source>), String> {
    let mut guard = state.borrow_mut();
    let Some(Held::Open { session, source }) = guard.held.as_mut() else {
        return Err("the first file is not read yet".into());
    };
    let total = session.dissection.report.archive.size;
    hash_contents(
        &mut session.dissection,
        &mut *source,
        &mut progress("a", total),
    );
    let cannot = |e: std::io::Error| format!("cannot read the second file: {e}");
    let size = Some(blob.size() as u64);
    let src = blob_reader(blob.clone()).map_err(cannot)?;
    let mut again = blob_reader(blob).map_err(cannot)?;
    let against = read_against(
        &session.dissection,
        image,
        src,
        &mut again,
        &mut progress("b", size),
    )?;
    Ok((against, Box::new(again)))
}

/// Posts the bytes of layer blobs read so far (reading them again posts
/// no progress of its own), and the progress of B's headers.
fn progress(side: &'static str, total: Option<u64>) -> impl FnMut(Event<'_>) {
    let mut done = 0u64;
    move |e: Event<'_>| {
        let read = match e {
            Event::LayerDone { facts, .. } => {
                done += facts.size;
                done
            }
            Event::Progress { read, .. } => read.max(done),
            _ => return,
        };
        update(Update::CompareProgress {
            side: side.into(),
            read,
            total,
        })
    }
}

/// Answers a query about the comparison.
pub(super) fn answer(query: &Query, state: &Shared) -> Answer {
    let mut guard = state.borrow_mut();
    let WorkerState { held, against, .. } = &mut *guard;
    let (Some(Held::Open { session, source }), Some(c)) = (held.as_mut(), against.as_mut()) else {
        return Answer::Error {
            message: "nothing is compared yet".into(),
        };
    };
    c.against
        .answer(query, &session.dissection, source, &mut c.source)
        .unwrap_or_else(|| Answer::Error {
            message: "not a question about the comparison".into(),
        })
}
