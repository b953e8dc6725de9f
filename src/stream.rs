//! The one-pass read: a source that cannot seek (a compressed archive, a
//! download) is read once, front to back. Every member is hashed and, if it
//! is a tar stream, walked as it goes by; JSON members are kept within a
//! budget, to be read as documents at the end.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::rc::Rc;

use crate::archive::{self, member_of, MemStore, MemberKind};
use crate::decompress::decoder;
use crate::detect::{sniff, Compression, Sniffed};
use crate::dissect::{
    announce, close, deliver, expectation, member_at, Dissection, Event, Keep, Options, Progress,
    Sink,
};
use crate::entry::Entry;
use crate::headers::Headers;
use crate::image::{assign_blobs, find_images};
use crate::layer::{self, Expect, LayerFacts};
use crate::limits::{limit, MAX_DOCUMENT_BYTES, MAX_KEPT_BYTES, MAX_MEMBERS};
use crate::problem::{Code, Error, Fault, Location, Problem};
use crate::report::Report;
use crate::report_file::{read_report_file, report_version};
use crate::source::{read_up_to, Counted, Stream};

/// The names of documents a one-pass read always keeps (within
/// [`MAX_DOCUMENT_BYTES`]), whatever else has been kept: they say what the
/// archive is.
fn is_root_document(path: &str) -> bool {
    matches!(
        path,
        "manifest.json" | "index.json" | "repositories" | "oci-layout"
    )
}

/// Dissects a source that cannot seek (a compressed archive, a download) in
/// one pass: every member is hashed and, if it is a tar stream, walked as it
/// goes by; JSON members are kept, within [`MAX_KEPT_BYTES`], to be read as
/// documents at the end. Past that budget a member's digest and size are
/// kept instead of its bytes.
pub fn dissect_stream<R: Read>(
    src: R,
    size: Option<u64>,
    opts: &Options,
    sink: &mut dyn Sink,
) -> Result<Dissection, Error> {
    let counter = Rc::new(Cell::new(0));
    let mut progress = Progress::new(counter.clone(), size, opts.progress_step);
    let mut raw = BufReader::with_capacity(
        256 * 1024,
        Counted {
            inner: src,
            counter: counter.clone(),
        },
    );
    let head = {
        use std::io::BufRead;
        let buf = raw
            .fill_buf()
            .map_err(|source| Error::Read { offset: 0, source })?;
        buf[..buf.len().min(512)].to_vec()
    };
    let compression = match sniff(&head) {
        Sniffed::Gzip => Compression::Gzip,
        Sniffed::Zstd => Compression::Zstd,
        _ => Compression::None,
    };
    let mut outer = decoder(compression, raw);
    let outer_head = match read_up_to(&mut outer, 512) {
        Ok(head) => head,
        // the bytes arrived but do not inflate: not an archive, not a
        // failing source
        Err(e)
            if compression != Compression::None
                && matches!(
                    e.kind(),
                    std::io::ErrorKind::InvalidData
                        | std::io::ErrorKind::InvalidInput
                        | std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::Other
                ) =>
        {
            return Err(Error::not_an_image(format!(
                "a {} stream that cannot be inflated: {e}",
                compression.name()
            )));
        }
        Err(source) => return Err(Error::Read { offset: 0, source }),
    };
    if report_version(&outer_head).is_some() {
        let d = read_report_file(std::io::Cursor::new(outer_head).chain(outer), sink)?;
        if opts.share.is_some() {
            return Ok(d);
        }
        return Ok(d.finish(opts, sink));
    }
    if let Err(e) = archive::not_a_tar(&outer_head, size.unwrap_or(0)) {
        if compression == Compression::None {
            return Err(e);
        }
        let inner = match outer_head.is_empty() {
            true => "nothing".to_string(),
            false => format!(
                "{}, not a tar archive",
                crate::detect::describe(&outer_head)
            ),
        };
        return Err(Error::not_an_image(format!(
            "a {} stream holding {inner}",
            compression.name()
        )));
    }
    let chained = std::io::Cursor::new(outer_head).chain(outer);

    let mut report = Report::default();
    report.archive.size = size;
    report.archive.compression = Some(compression);
    report.archive.seekable = false;
    let mut store = MemStore::default();
    let mut analyzed: HashMap<String, (LayerFacts, Vec<Entry>)> = HashMap::new();
    let mut headers = Headers::new(Stream(chained));
    let mut kept_bytes: u64 = 0;
    let walked: std::io::Result<()> = (|| {
        while let Some(h) = headers.next_header()? {
            if h.flag == b'g' {
                continue;
            }
            if store.index.members.len() >= MAX_MEMBERS {
                report.problems.push(Problem::new(
                    limit!(MAX_MEMBERS, "the outer archive's members"),
                    Location::default().at(h.header_offset),
                ));
                return Ok(());
            }
            let m = member_of(&h, &mut report.problems);
            let path = m.path.clone();
            store.index.push(m.clone());
            if m.kind != MemberKind::File {
                continue;
            }
            let mut data = headers.data();
            let head = read_up_to(&mut data, 512)?;
            let looks_json = matches!(sniff(&head), Sniffed::Other("JSON text"));
            if let Some(old) = store.kept.remove(&path) {
                kept_bytes -= old.len() as u64;
            }
            let fits = kept_bytes.saturating_add(m.size) <= MAX_KEPT_BYTES;
            if looks_json && m.size <= MAX_DOCUMENT_BYTES && (fits || is_root_document(&path)) {
                let mut bytes = head;
                data.read_to_end(&mut bytes)?;
                kept_bytes += bytes.len() as u64;
                store.kept.insert(path, bytes);
            } else {
                // a layer, or a document that cannot be kept: hash and walk it
                let reader = std::io::Cursor::new(head).chain(&mut data);
                let mut tick = |n: u64| progress.inflate(n, sink);
                let (mut facts, entries) = layer::analyze_with(
                    reader,
                    &Expect::default(),
                    Some(&mut tick),
                    opts.content_digests,
                );
                if looks_json {
                    let why = if m.size > MAX_DOCUMENT_BYTES {
                        limit!(MAX_DOCUMENT_BYTES, format!("{path} ({} bytes)", m.size))
                    } else {
                        limit!(
                            MAX_KEPT_BYTES,
                            format!("the JSON members kept in a one-pass read, at {path}")
                        )
                    };
                    store.unkept.insert(path.clone(), why);
                    facts.problems.retain(|p| p.code != Code::NotATar);
                } else if facts.compression.is_some() {
                    sink.event(Event::MemberRead {
                        path: &path,
                        facts: &facts,
                    });
                }
                analyzed.insert(path, (facts, entries));
            }
        }
        Ok(())
    })();
    report.problems.extend(headers.take_problems());
    let truncated = walked.is_err();
    if let Err(e) = walked {
        let at = headers.position();
        report.problems.push(Problem::new(
            Fault::Truncated {
                detail: format!(
                    "outer archive unreadable after {} members: {e}",
                    store.index.members.len()
                ),
            },
            Location::default().at(at),
        ));
    }
    drop(headers);
    for (path, (facts, _)) in &analyzed {
        if let Some(d) = &facts.digest {
            store.digests.insert(path.clone(), d.clone());
        }
    }
    report.archive.members = store.index.members.len();
    find_images(&mut store, &mut report)?;
    announce(&report, sink);
    let paths = assign_blobs(&mut report, &store.index);
    let mut blobs = Vec::with_capacity(paths.len());
    let mut keep = Keep::new(opts.keep_entries);
    for (b, path) in paths.iter().enumerate() {
        let expect = expectation(&report, b);
        let (facts, entries) = match analyzed.remove(path) {
            Some((mut facts, entries)) => {
                facts.recheck(&expect);
                (facts, entries)
            }
            None => match store.kept.get(path) {
                Some(bytes) => layer::analyze_with(&bytes[..], &expect, None, opts.content_digests),
                None if truncated => (
                    LayerFacts::unreadable(Problem::new(
                        Fault::Truncated {
                            detail: format!("the archive ends before layer {path}"),
                        },
                        Location::entry(path.clone()),
                    )),
                    Vec::new(),
                ),
                None => (
                    LayerFacts::unreadable(Problem::new(
                        Fault::Missing { what: path.clone() },
                        Location::entry(path.clone()),
                    )),
                    Vec::new(),
                ),
            },
        };
        sink.event(Event::LayerStarted {
            blob: b,
            path,
            size: facts.size,
        });
        let m = member_at(&store.index, path);
        blobs.push(deliver(sink, b, &m, (facts, entries), &mut keep));
    }
    close(report, blobs, &mut progress, opts, sink)
}
