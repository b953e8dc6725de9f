//! The reducer and the views beside the cake: attestations, packages,
//! reports, the layers of a one-pass read.

use super::*;

#[test]
fn attestations_are_asked_only_when_their_view_is_open() {
    use crate::attachment::{Attachment, Kind};
    let mut r = report();
    let att = Attachment {
        kind: Kind::Attestation,
        manifest_digest: None,
        manifest_media_type: None,
        manifest_check: crate::digest::Check::NotChecked { reason: "x".into() },
        tags: Vec::new(),
        artifact_type: None,
        config_media_type: None,
        subject: None,
        attached_to: Some("manifest".into()),
        platform: None,
        predicate_types: vec!["https://slsa.dev/provenance/v0.2".into()],
        blobs: Vec::new(),
        manifest: None,
    };
    r.images[0].attestations.push(std::sync::Arc::new(att));
    let s = reduce(open(Rc::default()), finished(r));
    let want = Query::Attestations { image: 0 };
    // the cake is shown: nothing of the attestations is read
    assert!(!s.wanted().contains(&want));
    let s = reduce(s, Action::SelectTab(Tab::Attestations));
    let (s, asked) = ask(s);
    assert_eq!(
        asked.iter().filter(|(_, q)| *q == want).count(),
        1,
        "{asked:?}"
    );
    // asked once, while pending
    assert!(!s.wanted().contains(&want));
    let id = asked.iter().find(|(_, q)| *q == want).unwrap().0;
    let s = reduce(
        s,
        Action::Answer(id, Answer::Attestations { said: Vec::new() }),
    );
    assert!(s.attestations.contains_key(&0));
    assert!(!s.wanted().contains(&want));
    let s = reduce(s, Action::PackageQuery("flask".into()));
    assert_eq!(s.package_query, "flask");
}

#[test]
fn save_report_is_asked_once_and_settled_by_its_answer() {
    let (s, _) = ask(sample());
    let s = reduce(s, Action::SaveReport("2026-12-03T14:00:00.000Z".into()));
    let (s, asked) = ask(s);
    let [(id, Query::SaveReport { at })] = &asked[..] else {
        panic!("{asked:?}")
    };
    assert_eq!(at, "2026-12-03T14:00:00.000Z");
    assert!(s.wanted().is_empty(), "asked once");
    let s = reduce(s, Action::Answer(*id, Answer::Downloaded { size: 10 }));
    assert_eq!(s.save_report, None);
    assert!(s.wanted().is_empty());
    // a failure is shown
    let s = reduce(s, Action::SaveReport("t".into()));
    let (s, asked) = ask(s);
    let s = reduce(
        s,
        Action::Answer(
            asked[0].0,
            Answer::Error {
                message: "full".into(),
            },
        ),
    );
    assert_eq!(s.save_report_error.as_deref(), Some("full"));
}

#[test]
fn a_file_a_report_does_not_hold_is_not_asked_again() {
    let (s, _) = ask(sample());
    let s = reduce(s, Action::OpenFile("bin/busybox".into()));
    let (s, asked) = ask(s);
    let [(id, Query::Read { .. })] = &asked[..] else {
        panic!("{asked:?}")
    };
    let s = reduce(
        s,
        Action::Answer(
            *id,
            Answer::NotInReport {
                path: "bin/busybox".into(),
            },
        ),
    );
    assert!(s.opened.as_ref().unwrap().not_in_report);
    assert!(s.wanted().is_empty());
}

#[test]
fn a_one_pass_reads_members_are_kept_as_they_come_within_a_bound() {
    let mut s = open(Rc::default());
    let facts = crate::layer::LayerFacts::empty();
    for i in 0..crate::page::ARRIVING_SHOWN + 5 {
        let update = Update::MemberRead {
            path: format!("{i}/layer.tar"),
            facts: facts.clone(),
        };
        // the walking worker reads some members, the one it hands members
        // to reads the others
        let action = match i % 2 {
            0 => Action::Update(update, 1.0),
            _ => Action::Helper(1, update),
        };
        s = reduce(s, action);
    }
    assert_eq!(s.arriving.len(), crate::page::ARRIVING_SHOWN);
    assert_eq!(s.arriving_more, 5, "the rest are counted");
    assert_eq!(s.arriving[1].0, "1/layer.tar", "in the order read");
}

#[test]
fn packages_are_asked_only_when_their_view_is_open() {
    let s = reduce(open(Rc::default()), finished(report()));
    let want = Query::Packages { image: 0 };
    assert!(!s.wanted().contains(&want));
    let s = reduce(s, Action::SelectTab(Tab::Packages));
    let (s, asked) = ask(s);
    assert_eq!(
        asked.iter().filter(|(_, q)| *q == want).count(),
        1,
        "{asked:?}"
    );
    assert!(!s.wanted().contains(&want), "asked once, while pending");
    let id = asked.iter().find(|(_, q)| *q == want).unwrap().0;
    let list = crate::packages::PackageList {
        packages: vec![crate::packages::Package {
            source: crate::packages::Source::Apk,
            name: "musl".into(),
            version: "1.2.4-r2".into(),
            layer: 0,
            path: "lib/apk/db/installed".into(),
        }],
        ..Default::default()
    };
    let s = reduce(
        s,
        Action::Answer(id, Answer::Packages { list: list.clone() }),
    );
    assert_eq!(s.packages.get(&0).map(|l| (**l).clone()), Some(list));
    assert!(!s.wanted().contains(&want));
    assert_eq!(Tab::from_name("packages"), Some(Tab::Packages));
}
