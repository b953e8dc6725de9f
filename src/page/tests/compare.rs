//! The reducer and the comparison with a second image.

use super::*;
use crate::against::ChangeFilter;
use crate::diff::{FileChange, FileChangeKind, PackageChange, PackageChangeKind};

/// The lab image against its next version, as the worker computes it.
fn compared_update() -> Update {
    use crate::against::{hash_contents, read_against};
    use std::io::Cursor;
    let (a, b) = (crate::sample::build_lab(), crate::sample::build_lab_v2());
    let mut da = crate::dissect(
        Cursor::new(&a),
        &crate::Options::default(),
        &mut crate::Quiet,
    )
    .unwrap();
    hash_contents(&mut da, Cursor::new(&a), &mut crate::Quiet);
    let mut against =
        read_against(&da, 0, Cursor::new(&b), Cursor::new(&b), &mut crate::Quiet).unwrap();
    Update::Compared {
        report: Box::new(against.dissection.report.clone()),
        diff: Box::new(against.for_page()),
    }
}

fn comparing(s: Rc<State>) -> Rc<State> {
    reduce(
        s,
        Action::Compare {
            name: "lab-v2.tar".into(),
            src: None,
        },
    )
}

fn change(path: &str, change: FileChangeKind) -> FileChange {
    FileChange {
        path: path.into(),
        change,
        what: Vec::new(),
        a: None,
        b: None,
    }
}

#[test]
fn a_comparison_is_read_beside_the_open_image_and_never_touches_it() {
    let s = comparing(sample());
    assert_eq!(s.tab, Tab::Compare);
    let c = s.compare().unwrap();
    assert_eq!(
        (c.phase, c.name.as_str()),
        (ComparePhase::Reading, "lab-v2.tar")
    );
    // nothing is asked while it reads
    assert!(!s
        .wanted()
        .iter()
        .any(|q| matches!(q, Query::Changes { .. })));
    let s = reduce(
        s,
        Action::Update(
            Update::CompareProgress {
                side: "b".into(),
                read: 5,
                total: Some(10),
            },
            1.0,
        ),
    );
    let c = s.compare().unwrap();
    assert_eq!((c.side.as_str(), c.read, c.total), ("b", 5, Some(10)));
    let before = s.clone();
    let s = reduce(s, Action::Update(compared_update(), 2.0));
    let c = s.compare().unwrap();
    assert_eq!(c.phase, ComparePhase::Done);
    let d = c.diff.as_ref().unwrap();
    assert_eq!(d.layers.shared.len(), 4);
    assert!(d.files.is_empty(), "the changes are asked for, not sent");
    // A is as it was
    assert_eq!(s.phase, Phase::Done);
    assert!(Rc::ptr_eq(&s.images, &before.images));
    assert_eq!(s.report, before.report);
    assert_eq!(s.summary()["compared"], serde_json::json!(d.summary));
}

#[test]
fn a_failed_comparison_leaves_the_open_image_done() {
    let s = comparing(sample());
    let s = reduce(
        s,
        Action::Update(
            Update::CompareFailed {
                message: "no image was found in the second file".into(),
            },
            1.0,
        ),
    );
    assert_eq!(s.phase, Phase::Done);
    assert!(s.failure.is_none());
    let c = s.compare().unwrap();
    assert_eq!(c.phase, ComparePhase::Failed);
    assert_eq!(c.phase.attr(), "error");
    assert!(c.failure.as_ref().unwrap().contains("no image"));
    let s = reduce(s, Action::CloseCompare);
    assert!(s.compare.is_none());
    assert_eq!(s.tab, Tab::Compare);
    // another image of the file: the comparison was of the first
    let s = comparing(s);
    assert!(reduce(s.clone(), Action::SelectImage(0)).compare.is_some());
    assert!(reduce(s, Action::SelectImage(1)).compare.is_none());
}

#[test]
fn changes_are_asked_for_the_filter_and_search_shown_and_stale_answers_kept_apart() {
    let s = reduce(comparing(sample()), Action::Update(compared_update(), 2.0));
    // only when the Changes view is open
    assert!(s.wanted().is_empty());
    let s = reduce(s, Action::CompareView(CompareView::Changes));
    let (s, asked) = ask(s);
    let (id, q) = asked[0].clone();
    assert_eq!(
        q,
        Query::Changes {
            filter: ChangeFilter::default(),
            search: String::new(),
            limit: crate::limits::MAX_CHANGES_SENT,
        }
    );
    assert!(s.wanted().is_empty(), "asked once");
    // the search changes before the answer comes
    let s = reduce(s, Action::ChangeSearch("health".into()));
    let (s, asked) = ask(s);
    assert!(matches!(&asked[0].1, Query::Changes { search, .. } if search == "health"));
    let s = reduce(
        s,
        Action::Answer(
            id,
            Answer::Changes {
                rows: vec![change("app/main.py", FileChangeKind::Modified)],
                total: 3_000,
            },
        ),
    );
    assert!(s.changes().is_none(), "an answer for another search");
    let s = reduce(
        s,
        Action::Answer(
            asked[0].0,
            Answer::Changes {
                rows: vec![change("app/health.py", FileChangeKind::Added)],
                total: 1,
            },
        ),
    );
    let c = s.changes().unwrap();
    assert_eq!(c.rows[0].path, "app/health.py");
    assert!(!c.cut());
    assert!(s.wanted().is_empty());
    // back to no search: one answer is kept, so it is asked again
    let s = reduce(s, Action::ChangeSearch(String::new()));
    assert!(s.changes().is_none());
    assert_eq!(s.wanted().len(), 1);
    let only_added = ChangeFilter {
        added: true,
        removed: false,
        modified: false,
        timestamps: false,
    };
    let s = reduce(s, Action::ChangeFilter(only_added));
    assert!(matches!(
        &s.wanted()[..],
        [Query::Changes { filter, .. }] if *filter == only_added
    ));
}

#[test]
fn package_changes_are_asked_only_when_their_view_is_open() {
    let s = reduce(comparing(sample()), Action::Update(compared_update(), 2.0));
    let s = reduce(s, Action::CompareView(CompareView::Packages));
    let (s, asked) = ask(s);
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].1, Query::PackageChanges);
    let curl = PackageChange {
        source: "dpkg".into(),
        name: "curl".into(),
        change: PackageChangeKind::Added,
        a: None,
        b: Some("1.0-1".into()),
    };
    let s = reduce(
        s,
        Action::Answer(
            asked[0].0,
            Answer::PackageChanges {
                changes: vec![curl.clone()],
            },
        ),
    );
    assert_eq!(*s.compare().unwrap().packages.clone().unwrap(), vec![curl]);
    assert!(s.wanted().is_empty());
}

#[test]
fn a_link_with_against_opens_the_second_image_once_the_first_is_read() {
    let link = Params {
        src: Some("a.tar".into()),
        against: Some("b.tar".into()),
        compare_view: Some(CompareView::Changes),
        embed: true,
        ..Params::default()
    };
    let mut s = reduce(Rc::default(), Action::Link(link));
    assert_eq!(
        (s.tab, s.compare_view),
        (Tab::Compare, CompareView::Changes)
    );
    s = reduce(
        s,
        Action::Open {
            name: "a.tar".into(),
            size: None,
            src: Some("a.tar".into()),
            now: 0.0,
        },
    );
    assert_eq!(s.against_wanted(), None, "not before A is read");
    for u in updates() {
        s = reduce(s, Action::Update(u, 0.0));
    }
    assert_eq!(s.tab, Tab::Compare);
    assert_eq!(s.against_wanted().as_deref(), Some("b.tar"));
    let s = reduce(
        s,
        Action::Compare {
            name: "b.tar".into(),
            src: Some("b.tar".into()),
        },
    );
    assert_eq!(s.against_wanted(), None, "opened once");
    assert_eq!(s.compare_view, CompareView::Changes);
    // a file the reader opens next forgets the comparison and the link
    let s = open(s);
    assert!(s.compare.is_none() && s.against.is_none());
}

#[test]
fn against_without_src_is_ignored() {
    let link = Params {
        against: Some("b.tar".into()),
        ..Params::default()
    };
    let s = reduce(Rc::default(), Action::Link(link));
    assert!(s.against.is_none());
    assert_eq!(s.tab, Tab::Cake);
}
