//! The merged filesystem: whiteouts, opaque directories, replacements,
//! changes and waste across layers.

mod common;

use layercake::{Change, Expect, Tree};
use serde_json::json;

use common::build::*;
use common::read::*;

// ------------------------------------------------------------- whiteouts

#[test]
fn whiteout_removes_a_file_and_a_whole_directory() {
    let l0 = Tar::new()
        .dir("etc/")
        .file("etc/a", &[1; 100])
        .file("etc/b", &[2; 50])
        .dir("var/")
        .dir("var/cache/")
        .file("var/cache/x", &[3; 30])
        .dir("var/cache/sub/")
        .file("var/cache/sub/y", &[4; 20])
        .finish();
    let l1 = Tar::new()
        .file("etc/.wh.a", b"")
        .file("var/.wh.cache", b"")
        .finish();
    let (f1, e1) = analyze(&l1, &Expect::default());
    assert_eq!((f1.counts.whiteouts, f1.counts.files), (2, 2));
    let tree = merged(&[entries_of(&l0), e1]);
    assert_eq!(
        listing(&tree),
        lines(&["d 755 0:0 - etc", "f 644 0:0 50 etc/b", "d 755 0:0 - var"])
    );
    assert_eq!(tree.changes[1], [Change::Removed, Change::Removed]);
    let mut removed: Vec<_> = tree.removals.iter().map(|r| r.path.clone()).collect();
    removed.sort();
    assert_eq!(
        removed,
        lines(&[
            "etc/a",
            "var/cache",
            "var/cache/sub",
            "var/cache/sub/y",
            "var/cache/x"
        ])
    );
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (200, 50, 150));
    assert_eq!(s.efficiency, 0.25);
    let waste: Vec<_> = tree
        .waste()
        .into_iter()
        .map(|w| (w.path, w.wasted_bytes))
        .collect();
    assert_eq!(
        waste,
        [
            ("etc/a".to_string(), 100),
            ("var/cache/x".to_string(), 30),
            ("var/cache/sub/y".to_string(), 20)
        ]
    );
}

fn opaque_case(marker_last: bool) -> Tree {
    let l0 = Tar::new()
        .dir("app/")
        .file("app/old", &[0; 10])
        .file("app/keep", &[0; 5])
        .dir("app/lib/")
        .file("app/lib/x.so", &[0; 8])
        .file("other", &[0; 3])
        .finish();
    let mut l1 = Tar::new();
    if !marker_last {
        l1 = l1.file("app/.wh..wh..opq", b"");
    }
    l1 = l1.dir("app/").file("app/new", &[0; 7]);
    if marker_last {
        l1 = l1.file("app/.wh..wh..opq", b"");
    }
    merged(&[entries_of(&l0), entries_of(&l1.finish())])
}

#[test]
fn opaque_directory_hides_lower_contents_but_keeps_its_own_layer() {
    for marker_last in [true, false] {
        let tree = opaque_case(marker_last);
        assert_eq!(
            listing(&tree),
            lines(&[
                "d 755 0:0 - app",
                "f 644 0:0 7 app/new",
                "f 644 0:0 3 other"
            ]),
            "marker last: {marker_last}"
        );
        let want = if marker_last {
            [Change::Modified, Change::Added, Change::Removed]
        } else {
            [Change::Removed, Change::Modified, Change::Added]
        };
        assert_eq!(tree.changes[1], want, "marker last: {marker_last}");
        let s = tree.stats();
        assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (33, 10, 23));
    }
}

#[test]
fn file_replaced_by_directory_and_directory_replaced_by_file() {
    let l0 = Tar::new()
        .file("x", &[0; 40])
        .dir("d/")
        .file("d/f", &[0; 60])
        .finish();
    let l1 = Tar::new()
        .dir("x/")
        .file("x/inner", b"abc")
        .file("d", &[0; 8])
        .finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(
        listing(&tree),
        lines(&["f 644 0:0 8 d", "d 755 0:0 - x", "f 644 0:0 3 x/inner"])
    );
    assert_eq!(
        tree.changes[1],
        [Change::Modified, Change::Added, Change::Modified]
    );
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (111, 11, 100));
}

#[test]
fn changes_and_waste_across_layers() {
    let l0 = Tar::new()
        .dir("etc/")
        .file("etc/conf", &[b'a'; 1000])
        .file("etc/gone", &[b'b'; 200])
        .file("etc/same", b"12345")
        .finish();
    let l1 = Tar::new()
        .file("etc/conf", &[b'c'; 10])
        .file("etc/.wh.gone", b"")
        .file("etc/new", b"new!")
        .finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(tree.changes[0], [Change::Added; 4]);
    assert_eq!(
        tree.changes[1],
        [Change::Modified, Change::Removed, Change::Added]
    );
    let conf = &tree.nodes[&b"etc/conf"[..]];
    assert_eq!((conf.size, conf.added_by), (10, 0));
    assert_eq!(conf.modified_by, [1]);
    assert_eq!(tree.nodes[&b"etc/new"[..]].added_by, 1);
    assert!(!tree.nodes.contains_key(&b"etc/gone"[..]));
    let s = tree.stats();
    assert_eq!(s.layer_bytes, 1000 + 200 + 5 + 10 + 4);
    assert_eq!(s.bytes, 10 + 5 + 4);
    assert_eq!(s.wasted_bytes, 1000 + 200);
    assert_eq!(s.efficiency, 19.0 / 1219.0);
    assert_eq!(s.paths, 4);
}

#[test]
fn removing_one_name_of_a_hardlinked_file_wastes_nothing() {
    // the content stays reachable through the other name
    let l0 = Tar::new().file("f", &[1; 100]).hardlink("g", "f").finish();
    let l1 = Tar::new().file(".wh.f", b"").finish();
    let tree = merged(&[entries_of(&l0), entries_of(&l1)]);
    assert_eq!(listing(&tree), lines(&["f 644 0:0 100 g"]));
    let s = tree.stats();
    assert_eq!((s.layer_bytes, s.bytes, s.wasted_bytes), (100, 100, 0));
    let listed: u64 = tree.waste().iter().map(|w| w.wasted_bytes).sum();
    assert_eq!(listed, s.wasted_bytes, "{:?}", tree.waste());
}

#[test]
fn image_file_stats_through_a_docker_archive() {
    let l0 = Tar::new().file("big", &[7; 1000]).finish();
    let l1 = Tar::new().file("big", &[8; 10]).finish();
    let config = image_config("amd64", None, &[sha(&l0), sha(&l1)]);
    let cpath = format!("{}.json", sha(&config).hex());
    let manifest =
        json!([{"Config": cpath, "RepoTags": ["w:1"], "Layers": ["l0/layer.tar", "l1/layer.tar"]}]);
    let archive = Tar::new()
        .file("l0/layer.tar", &l0)
        .file("l1/layer.tar", &l1)
        .file(&cpath, &config)
        .file("manifest.json", &to_json(&manifest))
        .finish();
    for d in read_both(&archive) {
        let s = d.report.images[0].files.clone().unwrap();
        assert_eq!((s.paths, s.bytes, s.layer_bytes), (1, 10, 1010));
        assert_eq!(s.wasted_bytes, 1000);
        assert_eq!(s.efficiency, 10.0 / 1010.0);
        assert_eq!(listing(&d.tree(0)), lines(&["f 644 0:0 10 big"]));
    }
}
