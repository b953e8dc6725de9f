//! The reducer, tested natively.

use super::*;
use crate::listing::Row;
use crate::message::{Answer, Update};

fn updates() -> Vec<Update> {
    let mut out = Vec::new();
    crate::dissect(
        std::io::Cursor::new(crate::sample::build()),
        &crate::Options::default(),
        &mut |e: crate::Event<'_>| out.push(Update::from_event(&e)),
    )
    .unwrap();
    out
}

fn open(s: Rc<State>) -> Rc<State> {
    reduce(
        s,
        Action::Open {
            name: "x.tar".into(),
            size: Some(10),
            src: None,
            now: 0.0,
        },
    )
}

fn sample() -> Rc<State> {
    updates().into_iter().fold(open(Rc::default()), |s, u| {
        reduce(s, Action::Update(u, 5.0))
    })
}

fn report() -> Report {
    (*sample().report.clone().unwrap()).clone()
}

fn finished(report: Report) -> Action {
    Action::Update(
        Update::Finished {
            report: Box::new(report),
        },
        0.0,
    )
}

/// Asks what the state wants, as the root does; returns the numbers.
fn ask(s: Rc<State>) -> (Rc<State>, Vec<(u32, Query)>) {
    let first = s.pending.keys().max().map_or(1, |n| n + 1);
    let asked: Vec<(u32, Query)> = s
        .wanted()
        .into_iter()
        .zip(first..)
        .map(|(q, i)| (i, q))
        .collect();
    (reduce(s, Action::Asked(asked.clone())), asked)
}

fn row(path: &str) -> Row {
    let d = crate::dissect(
        std::io::Cursor::new(crate::sample::build()),
        &crate::Options::default(),
        &mut crate::Quiet,
    )
    .unwrap();
    let tree = d.tree(0);
    crate::listing::Listing::merged(&tree)
        .get(path)
        .unwrap()
        .clone()
}

#[test]
fn the_sample_reads_to_done() {
    let s = sample();
    assert_eq!(s.phase, Phase::Done);
    assert_eq!(s.images.len(), 1);
    assert_eq!(s.reading.blobs_done, 4);
    assert_eq!(s.reading.blobs_total, 4);
    assert_eq!(*s.problems, s.report.as_ref().unwrap().all_problems());
    assert!(s.first_image_ms.is_some() && s.done_ms.is_some());
}

#[test]
fn a_progress_tick_shares_everything_else() {
    let s = sample();
    let t = reduce(
        s.clone(),
        Action::Update(
            Update::Progress {
                read: 1,
                total: Some(2),
                inflated: 3,
            },
            9.0,
        ),
    );
    assert!(Rc::ptr_eq(&s.images, &t.images));
    assert!(Rc::ptr_eq(
        s.report.as_ref().unwrap(),
        t.report.as_ref().unwrap()
    ));
    assert!(Rc::ptr_eq(&s.problems, &t.problems));
    assert_eq!(
        (t.reading.read, t.reading.inflated, t.reading.now),
        (1, 3, 9.0)
    );
}

#[test]
fn helpers_progress_adds_up() {
    let mut s = open(Rc::default());
    for (i, read) in [(1, 3), (2, 4), (1, 5)] {
        s = reduce(
            s,
            Action::Helper(
                i,
                Update::Progress {
                    read,
                    total: None,
                    inflated: read * 2,
                },
            ),
        );
    }
    assert_eq!(s.reading.bytes_read(), 9);
    assert_eq!(s.reading.bytes_inflated(), 18);
}

#[test]
fn a_crash_or_a_stop_is_final_and_no_image_is_never_done() {
    let sample = report();
    let s = reduce(
        open(Rc::default()),
        Action::Crashed("a stack overflow".into()),
    );
    assert_eq!((s.phase.attr(), s.crashed), ("error", true));
    let s = reduce(s, finished(sample.clone()));
    assert_eq!(s.phase.attr(), "error");
    assert_eq!(s.failure.as_deref(), Some("a stack overflow"));
    let s = reduce(open(s), finished(sample.clone()));
    assert_eq!((s.phase.attr(), s.crashed), ("done", false));
    let s = reduce(open(s), Action::Stopped);
    assert_eq!(s.phase.attr(), "stopped");
    let s = reduce(s, finished(sample));
    assert_eq!(s.phase.attr(), "stopped");
    assert!(s.wanted().is_empty(), "nothing is asked of ended workers");
    let s = reduce(open(s), finished(Report::default()));
    assert_eq!(s.phase.attr(), "error");
    assert!(s.failure.as_deref().unwrap().contains("no image"));
}

#[test]
fn nothing_is_asked_before_the_end_and_files_ask_once() {
    let mut s = open(Rc::default());
    for u in updates() {
        assert!(s.wanted().is_empty(), "asked while reading");
        s = reduce(s, Action::Update(u, 0.0));
    }
    assert!(s.wanted().is_empty(), "the cake needs no query");
    let s = reduce(s, Action::SelectTab(Tab::Files));
    let (s, asked) = ask(s);
    let kinds: Vec<&str> = asked
        .iter()
        .map(|(_, q)| match q {
            Query::List { dir, .. } if dir.is_empty() => "root",
            Query::Space { .. } => "space",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["root", "space"]);
    assert!(s.wanted().is_empty(), "asked once");
    // the root's rows arrive; opening a directory asks for its rows
    let s = reduce(
        s,
        Action::Answer(
            1,
            Answer::Rows {
                rows: vec![row("bin")],
                total: 1,
            },
        ),
    );
    assert_eq!(s.listings[&(s.view(), String::new())].rows.len(), 1);
    let s = reduce(s, Action::Toggle("bin".into()));
    assert!(matches!(&s.wanted()[..], [Query::List { dir, .. }] if dir == "bin"));
    // closed again: not wanted
    let s = reduce(s, Action::Toggle("bin".into()));
    assert!(s.wanted().is_empty());
    // a failed space is not asked again
    let s = reduce(
        s,
        Action::Answer(
            2,
            Answer::Error {
                message: "no".into(),
            },
        ),
    );
    assert!(s.wanted().is_empty());
}

#[test]
fn an_answer_for_another_sort_is_dropped() {
    let s = reduce(sample(), Action::SelectTab(Tab::Files));
    let (s, asked) = ask(s);
    let s = reduce(s, Action::Sort(Sort::Size));
    let root = asked[0].0;
    let s = reduce(
        s,
        Action::Answer(
            root,
            Answer::Rows {
                rows: vec![],
                total: 0,
            },
        ),
    );
    assert!(s.listings.is_empty());
    match &s.wanted()[..] {
        [Query::List { sort, .. }] => assert_eq!(*sort, Sort::Size),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_deep_link_opens_its_file_and_reads_it_when_done() {
    let link = Params {
        view: None,
        path: Some("bin/busybox".into()),
        ..Params::default()
    };
    let mut s = reduce(Rc::default(), Action::Link(link));
    s = reduce(
        s,
        Action::Open {
            name: "x".into(),
            size: None,
            src: Some("x.tar".into()),
            now: 0.0,
        },
    );
    for u in updates() {
        s = reduce(s, Action::Update(u, 0.0));
    }
    assert_eq!(s.tab, Tab::Files);
    assert_eq!(*s.expanded, ["bin"]);
    let (s, asked) = ask(s);
    let read = asked
        .iter()
        .find(|(_, q)| matches!(q, Query::Read { path, .. } if path == "bin/busybox"))
        .expect("the file is read")
        .0;
    let s = reduce(
        s,
        Action::Answer(read, Answer::Progress { done: 1, total: 2 }),
    );
    assert_eq!(s.opened.as_ref().unwrap().progress, Some((1, 2)));
    let s = reduce(
        s,
        Action::Answer(
            read,
            Answer::Contents {
                size: 3,
                bytes: vec![1, 2, 3],
            },
        ),
    );
    let o = s.opened.as_ref().unwrap();
    assert!(o.complete() && o.progress.is_none());
    assert!(!s.wanted().iter().any(|q| matches!(q, Query::Read { .. })));
}

#[test]
fn a_download_is_asked_once_and_its_failure_shown() {
    let s = reduce(sample(), Action::OpenFile("bin/busybox".into()));
    let s = reduce(
        s,
        Action::Answer(
            99,
            Answer::Contents {
                size: 9,
                bytes: vec![0],
            },
        ),
    );
    // not asked: the answer was to nothing pending
    assert!(s.opened.as_ref().unwrap().bytes.is_none());
    let (s, _) = ask(s);
    let s = reduce(s, Action::DownloadFile);
    let (s, asked) = ask(s);
    let [(id, Query::Download { .. })] = &asked[..] else {
        panic!("{asked:?}")
    };
    assert!(s.wanted().is_empty());
    let s = reduce(
        s,
        Action::Answer(
            *id,
            Answer::Error {
                message: "gone".into(),
            },
        ),
    );
    let o = s.opened.as_ref().unwrap();
    assert_eq!(
        (o.downloading, o.download_error.as_deref()),
        (None, Some("gone"))
    );
}

#[test]
fn a_deep_link_picks_its_image_by_tag_or_platform() {
    let img = |tag: &str, arch: &str| {
        let mut i = Image::new(crate::report::Format::Oci);
        i.tags = vec![tag.into()];
        i.platform.os = Some("linux".into());
        i.platform.architecture = Some(arch.into());
        Rc::new(i)
    };
    let images = vec![img("a", "amd64"), img("b", "amd64"), img("b", "arm64")];
    let by = |tag: Option<&str>, platform: Option<&str>| {
        Params {
            tag: tag.map(String::from),
            platform: platform.map(String::from),
            ..Params::default()
        }
        .pick_image(&images)
    };
    assert_eq!(by(Some("b"), None), Some(1));
    assert_eq!(by(Some("b"), Some("linux/arm64")), Some(2));
    assert_eq!(by(None, Some("linux")), Some(0));
    assert_eq!(by(Some("c"), None), None);
    assert_eq!(by(None, None), None);
}

#[test]
fn the_embed_summary_names_only_a_src_file() {
    let s = sample();
    let v = s.summary();
    assert_eq!(v["file"], serde_json::Value::Null);
    assert_eq!(v["state"], "done");
    assert_eq!(v["layers"], 4);
}

mod compare;
/// The views added beside the cake: attestations, packages, reports, a
/// one-pass read's layers.
mod views;

#[test]
fn a_batch_reduces_as_its_actions_one_by_one() {
    let actions = || {
        updates()
            .into_iter()
            .map(|u| Action::Update(u, 5.0))
            .collect::<Vec<_>>()
    };
    let one_by_one = actions().into_iter().fold(open(Rc::default()), reduce);
    let batched = reduce(open(Rc::default()), Action::Batch(actions()));
    assert_eq!(*batched, *one_by_one);
    assert!(batched.report.is_some(), "the batch held the finish");
    // in two batches, split anywhere
    let mut first = actions();
    let second = first.split_off(first.len() / 2);
    let twice = reduce(
        reduce(open(Rc::default()), Action::Batch(first)),
        Action::Batch(second),
    );
    assert_eq!(*twice, *one_by_one);
}

#[test]
fn only_updates_said_per_layer_member_or_problem_wait_for_a_batch() {
    let kinds: Vec<(String, bool)> = updates()
        .into_iter()
        .map(|u| {
            let kind = serde_json::to_value(&u).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string();
            (kind, Action::Update(u, 0.0).is_frequent())
        })
        .collect();
    for (kind, frequent) in &kinds {
        let want = matches!(
            kind.as_str(),
            "member_read" | "layer_started" | "progress" | "layer_done" | "problem"
        );
        assert_eq!(*frequent, want, "{kind}");
    }
    for kind in ["archive", "image", "finished"] {
        assert!(
            kinds.iter().any(|(k, _)| k == kind),
            "the sample says {kind}"
        );
    }
    let failed = Update::Failed {
        message: "no".into(),
    };
    assert!(!Action::Update(failed, 0.0).is_frequent());
    assert!(!Action::Stopped.is_frequent());
    assert!(Action::Helper(
        1,
        Update::Progress {
            read: 1,
            total: None,
            inflated: 0
        }
    )
    .is_frequent());
}
