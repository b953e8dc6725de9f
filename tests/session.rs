//! The worker's answers, natively: a [`Session`] over an archive built in
//! code answers listings, searches, space and contents as the page asks
//! for them (the same `Query`/`Answer` messages), and the [`Listing`]
//! queries behind them keep their promises (order, marks, counts).

mod common;

use std::io::Cursor;

use common::build::{docker_single, Tar};
use layercake::listing::{Listing, Marks, Row, Sort};
use layercake::message::{Answer, Query, View};
use layercake::session::{Session, MAX_ROWS};
use layercake::Change;
use layercake::{dissect, Options, Quiet};

const MERGED: View = View {
    image: 0,
    layer: None,
};

/// Two layers: the second rewrites `etc/a`, adds `etc/b`, removes `bin/big`.
fn archive() -> Vec<u8> {
    let base = Tar::new()
        .dir("bin/")
        .file("bin/big", &[7u8; 1000])
        .dir("etc/")
        .file("etc/a", b"first a\n")
        .finish();
    let top = Tar::new()
        .dir("etc/")
        .file("etc/a", b"second a, longer\n")
        .file("etc/b", b"b\n")
        .file("bin/.wh.big", b"")
        .finish();
    docker_single(vec![base, top], "example.com/two:1")
}

fn session() -> (Session, Cursor<Vec<u8>>) {
    let bytes = archive();
    let d = dissect(Cursor::new(bytes.clone()), &Options::default(), &mut Quiet).unwrap();
    (Session::new(d), Cursor::new(bytes))
}

fn ask(s: &mut Session, src: &mut Cursor<Vec<u8>>, q: Query) -> Answer {
    s.answer(&q, src, &mut |_| {})
}

fn list(s: &mut Session, src: &mut Cursor<Vec<u8>>, view: View, dir: &str, sort: Sort) -> Vec<Row> {
    let q = Query::List {
        view,
        dir: dir.into(),
        sort,
        marks: Marks::default(),
        offset: 0,
        limit: 100,
    };
    match ask(s, src, q) {
        Answer::Rows { rows, total } => {
            assert_eq!(rows.len(), total);
            rows
        }
        other => panic!("{other:?}"),
    }
}

fn names(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn the_merged_tree_lists_by_name_or_size_with_marks() {
    let (mut s, mut src) = session();
    let root = list(&mut s, &mut src, MERGED, "", Sort::Name);
    assert_eq!(names(&root), ["bin", "etc"]);
    let etc = list(&mut s, &mut src, MERGED, "etc", Sort::Name);
    assert_eq!(names(&etc), ["a", "b"]);
    let a = &etc[0];
    assert_eq!((a.change, a.layer, a.size), (Change::Modified, Some(0), 17));
    assert_eq!(a.modified_by, [1]);
    assert_eq!(etc[1].change, Change::Added);
    // the removed file stays listed, marked
    let bin = list(&mut s, &mut src, MERGED, "bin", Sort::Name);
    assert_eq!(names(&bin), ["big"]);
    assert_eq!(bin[0].change, Change::Removed);
    // largest first
    let by_size = list(&mut s, &mut src, MERGED, "etc", Sort::Size);
    assert_eq!(names(&by_size), ["a", "b"]);
}

#[test]
fn marks_filter_rows_and_the_directories_that_hold_them() {
    let (s, _) = session();
    let tree = s.dissection.tree(0);
    let l = Listing::merged(&tree);
    let only = |added, modified, removed| Marks {
        added,
        modified,
        removed,
    };
    let root = |m| -> Vec<String> {
        l.children("", Sort::Name, m)
            .iter()
            .map(|r| r.name.clone())
            .collect()
    };
    // a directory shows when it, or anything below it, has a mark shown:
    // bin (added) holds only a removed file, etc a modified one
    assert_eq!(root(only(true, true, true)), ["bin", "etc"]);
    assert_eq!(root(only(false, true, false)), ["etc"]);
    assert_eq!(root(only(false, false, true)), ["bin"]);
    let added: Vec<&str> = l
        .children("etc", Sort::Name, only(true, false, false))
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(added, ["b"]);
    assert_eq!(l.get("etc/b").map(|r| r.change), Some(Change::Added));
    assert!(l.get("nothing/here").is_none());
}

#[test]
fn search_counts_every_match_and_returns_at_most_the_limit() {
    let (mut s, mut src) = session();
    let q = |query: &str, limit| Query::Search {
        view: MERGED,
        query: query.into(),
        marks: Marks::default(),
        limit,
    };
    match ask(&mut s, &mut src, q("ETC/", 100)) {
        Answer::Found { rows, total } => {
            let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
            assert_eq!(paths, ["etc/a", "etc/b"], "case-insensitive, sorted");
            assert_eq!(total, 2);
        }
        other => panic!("{other:?}"),
    }
    match ask(&mut s, &mut src, q("", 1)) {
        Answer::Found { rows, total } => assert_eq!((rows.len(), total > 1), (1, true)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn space_names_the_largest_files_and_the_waste() {
    let (mut s, mut src) = session();
    match ask(
        &mut s,
        &mut src,
        Query::Space {
            image: 0,
            limit: 10,
        },
    ) {
        Answer::Space {
            largest,
            waste,
            stats,
        } => {
            assert_eq!(
                largest.first().map(|r| r.path.as_str()),
                Some("etc/a"),
                "a removed file is not among the largest: {largest:?}"
            );
            let wasted: Vec<&str> = waste.iter().map(|w| w.path.as_str()).collect();
            assert!(wasted.contains(&"bin/big"), "{wasted:?}");
            assert!(wasted.contains(&"etc/a"), "{wasted:?}");
            assert_eq!(stats.wasted_bytes, 1000 + 8);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_layer_view_lists_that_layers_entries() {
    let (mut s, mut src) = session();
    let top = View {
        image: 0,
        layer: Some(1),
    };
    let etc = list(&mut s, &mut src, top, "etc", Sort::Name);
    assert_eq!(names(&etc), ["a", "b"]);
    let base = View {
        image: 0,
        layer: Some(0),
    };
    let etc = list(&mut s, &mut src, base, "etc", Sort::Name);
    assert_eq!(names(&etc), ["a"]);
    assert_eq!(etc[0].size, 8);
}

#[test]
fn contents_are_the_files_bytes_in_the_view_asked() {
    let (mut s, mut src) = session();
    let read = |view, path: &str| Query::Read {
        view,
        path: path.into(),
        limit: u64::MAX,
    };
    let got = |a: Answer| match a {
        Answer::Contents { bytes, size } => {
            assert_eq!(bytes.len() as u64, size);
            bytes
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        got(ask(&mut s, &mut src, read(MERGED, "etc/a"))),
        b"second a, longer\n"
    );
    let base = View {
        image: 0,
        layer: Some(0),
    };
    assert_eq!(
        got(ask(&mut s, &mut src, read(base, "etc/a"))),
        b"first a\n"
    );
    // a short limit reads a short preview of the same file
    let short = ask(
        &mut s,
        &mut src,
        Query::Read {
            view: MERGED,
            path: "etc/a".into(),
            limit: 6,
        },
    );
    assert_eq!(
        short,
        Answer::Contents {
            size: 17,
            bytes: b"second".to_vec()
        }
    );
}

#[test]
fn what_cannot_be_answered_is_an_error_not_a_panic() {
    let (mut s, mut src) = session();
    let errors = [
        Query::List {
            view: View {
                image: 5,
                layer: None,
            },
            dir: String::new(),
            sort: Sort::Name,
            marks: Marks::default(),
            offset: 0,
            limit: MAX_ROWS,
        },
        Query::List {
            view: View {
                image: 0,
                layer: Some(9),
            },
            dir: String::new(),
            sort: Sort::Name,
            marks: Marks::default(),
            offset: 0,
            limit: MAX_ROWS,
        },
        Query::Read {
            view: MERGED,
            path: "no/such/file".into(),
            limit: 10,
        },
        Query::Read {
            view: MERGED,
            path: "etc".into(),
            limit: 10,
        },
        Query::Download {
            view: MERGED,
            path: "bin/big".into(),
        },
        Query::Space { image: 3, limit: 1 },
    ];
    for q in errors {
        let a = ask(&mut s, &mut src, q.clone());
        assert!(matches!(a, Answer::Error { .. }), "{q:?}: {a:?}");
    }
}

#[test]
fn packages_are_answered_from_the_archive() {
    let base = Tar::new()
        .file(
            "lib/apk/db/installed",
            b"P:musl\nV:1.2.4-r2\n\nP:zlib\nV:1.3-r0\n",
        )
        .finish();
    let bytes = docker_single(vec![base], "example.com/apk:1");
    let d = dissect(Cursor::new(bytes.clone()), &Options::default(), &mut Quiet).unwrap();
    let mut s = Session::new(d);
    let mut src = Cursor::new(bytes);
    let Answer::Packages { list } = ask(&mut s, &mut src, Query::Packages { image: 0 }) else {
        panic!("not a package list");
    };
    let got: Vec<(&str, &str)> = list
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(got, [("musl", "1.2.4-r2"), ("zlib", "1.3-r0")]);
    assert!(matches!(
        ask(&mut s, &mut src, Query::Packages { image: 5 }),
        Answer::Error { .. }
    ));
    // and the same through JSON, as the worker posts it
    let text = serde_json::to_string(&Answer::Packages { list: list.clone() }).unwrap();
    assert_eq!(
        serde_json::from_str::<Answer>(&text).unwrap(),
        Answer::Packages { list }
    );
}
