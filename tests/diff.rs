//! `diff`: pairs of images built in code, pairs from the fixture corpus
//! (the same image saved by two tools), and the CLI's exit status.

mod common;

use std::io::Cursor;
use std::process::Command;

use common::build::{docker_save, gzip, header, sha, to_json, DockerImage, Tar};
use layercake::diff::{diff, Diff, FileChangeKind, PackageChangeKind, Verdict};
use layercake::digest::Digest;
use layercake::{dissect, Dissection, Options, Quiet};
use serde_json::{json, Value};
use tar::EntryType;

fn file_at(t: Tar, name: &str, data: &[u8], mtime: u64) -> Tar {
    let mut h = header(
        name.as_bytes(),
        EntryType::Regular,
        data.len() as u64,
        0o644,
    );
    h.set_mtime(mtime);
    h.set_cksum();
    t.put(h, data)
}

/// An image config over these layers, with env, cmd and a created time.
fn config(layers: &[Vec<u8>], env: &[&str], created: &str) -> Vec<u8> {
    let ids: Vec<String> = layers.iter().map(|l| sha(l).to_string()).collect();
    let history: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, _)| json!({"created": created, "created_by": format!("RUN step {i}")}))
        .collect();
    to_json(&json!({
        "architecture": "amd64", "os": "linux", "created": created,
        "config": {"Env": env, "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": ids}, "history": history,
    }))
}

fn archive(layers: Vec<Vec<u8>>, env: &[&str], created: &str) -> Vec<u8> {
    let img = DockerImage {
        config: config(&layers, env, created),
        layers,
        tags: vec!["app:1".into()],
    };
    docker_save(&[img]).finish()
}

fn read(bytes: &[u8]) -> Dissection {
    let opts = Options {
        content_digests: true,
        ..Options::default()
    };
    dissect(Cursor::new(bytes), &opts, &mut Quiet).unwrap()
}

fn compare(a: &[u8], b: &[u8], semantic: bool) -> Diff {
    diff(&read(a), 0, &read(b), 0, semantic).unwrap()
}

fn base(mtime: u64) -> Vec<u8> {
    let t = Tar::new().dir("etc").dir("app");
    let t = file_at(t, "etc/os-release", b"ID=test\n", mtime);
    file_at(t, "app/main.py", b"print('v1')\n", mtime).finish()
}

const ENV: &[&str] = &["PATH=/usr/bin", "MODE=prod"];
const T1: &str = "2024-01-01T00:00:00Z";
const T2: &str = "2025-06-01T12:00:00Z";

#[test]
fn identical_images_are_identical() {
    let a = archive(vec![base(1)], ENV, T1);
    let d = compare(&a, &a.clone(), false);
    assert_eq!(d.verdict, Verdict::Identical, "{}", d.summary);
    assert_eq!(d.summary, "identical");
    assert!(d.same());
    assert_eq!(d.layers.shared.len(), 1);
    assert!(d.files.is_empty() && d.config.is_empty());
}

#[test]
fn other_timestamps_are_the_same_content() {
    let a = archive(vec![base(1)], ENV, T1);
    let b = archive(vec![base(2)], ENV, T2);
    let d = compare(&a, &b, false);
    assert_eq!(d.verdict, Verdict::SameContent, "{}", d.summary);
    assert!(!d.same(), "without --semantic, timestamps are differences");
    // the layer differs (mtimes are in the tar), so nothing is shared
    assert_eq!((d.layers.shared.len(), d.layers.only_a.len()), (0, 1));
    let mtimes: Vec<&str> = d
        .files
        .iter()
        .filter(|f| f.mtime_only())
        .map(|f| f.path.as_str())
        .collect();
    assert_eq!(mtimes, ["app/main.py", "etc/os-release"]);
    assert!(d.config.iter().any(|c| c.field == "created" && c.metadata));
    assert!(d
        .config
        .iter()
        .any(|c| c.field == "history.created" && c.metadata));
    let s = compare(&a, &b, true);
    assert_eq!(s.verdict, Verdict::SameContent, "{}", s.summary);
    assert!(s.same());
    assert!(s.files.is_empty(), "--semantic compares no mtimes");
    assert!(s.summary.starts_with("same content"));
}

#[test]
fn a_changed_file_of_the_same_size_is_found_by_its_content() {
    let a = archive(vec![base(1)], ENV, T1);
    let t = Tar::new().dir("etc").dir("app");
    let t = file_at(t, "etc/os-release", b"ID=test\n", 1);
    let changed = file_at(t, "app/main.py", b"print('v2')\n", 1).finish();
    let b = archive(vec![changed], ENV, T1);
    let d = compare(&a, &b, false);
    assert_eq!(d.verdict, Verdict::Different);
    assert_eq!(d.files.len(), 1, "{:?}", d.files);
    let f = &d.files[0];
    assert_eq!(
        (f.path.as_str(), f.change),
        ("app/main.py", FileChangeKind::Modified)
    );
    assert_eq!(f.what, ["content"]);
    assert_eq!(d.unhashed_files, 0);
    // read without content digests, the same-size change goes unseen, and
    // the diff says how many files it could compare by size alone
    let plain = |b: &[u8]| dissect(Cursor::new(b), &Options::default(), &mut Quiet).unwrap();
    let blind = diff(&plain(&a), 0, &plain(&b), 0, false).unwrap();
    assert!(blind.files.is_empty());
    assert_eq!(blind.unhashed_files, 2);
    assert!(
        blind
            .summary
            .ends_with("(2 files compared by size alone: read without content digests)"),
        "{}",
        blind.summary
    );
    assert_ne!(f.a.as_ref().unwrap().content, f.b.as_ref().unwrap().content);
    assert_eq!(d.counts.modified, 1);
    assert_eq!(d.directories.len(), 1);
    assert_eq!(d.directories[0].path, "/app");
    assert_eq!(
        (d.directories[0].added_bytes, d.directories[0].removed_bytes),
        (12, 12)
    );
    assert!(
        d.summary
            .contains("1 file (0 added, 0 removed, 1 modified)"),
        "{}",
        d.summary
    );
}

#[test]
fn a_changed_env_is_one_variable_changed() {
    let a = archive(vec![base(1)], ENV, T1);
    let b = archive(vec![base(1)], &["PATH=/usr/bin", "MODE=dev", "DEBUG=1"], T1);
    let d = compare(&a, &b, false);
    assert_eq!(d.verdict, Verdict::Different);
    let env: Vec<(Option<&str>, Option<&str>, Option<&str>)> = d
        .config
        .iter()
        .filter(|c| c.field == "env")
        .map(|c| (c.key.as_deref(), c.a.as_deref(), c.b.as_deref()))
        .collect();
    assert_eq!(
        env,
        [
            (Some("DEBUG"), None, Some("1")),
            (Some("MODE"), Some("prod"), Some("dev"))
        ]
    );
    assert_eq!(d.layers.shared.len(), 1);
    assert!(d.files.is_empty());
}

#[test]
fn an_added_layer_sits_above_the_shared_base() {
    let top = Tar::new().file("app/extra.txt", b"more").finish();
    let a = archive(vec![base(1)], ENV, T1);
    let b = archive(vec![base(1), top.clone()], ENV, T1);
    let d = compare(&a, &b, false);
    assert_eq!(d.layers.shared.len(), 1);
    assert!(d.layers.only_a.is_empty());
    assert_eq!(d.layers.only_b.len(), 1);
    assert_eq!(d.layers.only_b[0].diff_id, Some(sha(&top)));
    assert_eq!(d.layers.only_b[0].size, Some(top.len() as u64));
    assert_eq!(d.history.only_b.len(), 1);
    assert_eq!(
        d.history.only_b[0].created_by.as_deref(),
        Some("RUN step 1")
    );
    assert!(d.history.only_a.is_empty());
    assert_eq!(d.files.len(), 1);
    assert_eq!(d.files[0].change, FileChangeKind::Added);
    assert_eq!(d.files[0].path, "app/extra.txt");
}

#[test]
fn a_different_base_shares_nothing() {
    let other = Tar::new()
        .dir("etc")
        .file("etc/os-release", b"ID=other\n")
        .finish();
    let app = Tar::new().file("app/main.py", b"print('v1')\n").finish();
    let a = archive(vec![base(1), app.clone()], ENV, T1);
    let b = archive(vec![other, app], ENV, T1);
    let d = compare(&a, &b, false);
    assert!(d.layers.shared.is_empty());
    assert_eq!((d.layers.only_a.len(), d.layers.only_b.len()), (2, 2));
    let changed: Vec<(&str, FileChangeKind)> = d
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.change))
        .collect();
    assert!(changed.contains(&("etc/os-release", FileChangeKind::Modified)));
    // the app dir came from the first layer in A and is implicit in B
    assert_eq!(d.verdict, Verdict::Different);
}

fn package_layer(dpkg: &str, apk: &str, py: (&str, &str), npm: (&str, &str)) -> Vec<u8> {
    let dist = format!(
        "usr/lib/python3/site-packages/{}-{}.dist-info/METADATA",
        py.0, py.1
    );
    let npm_path = format!("app/node_modules/{}/package.json", npm.0);
    Tar::new()
        .file("var/lib/dpkg/status", dpkg.as_bytes())
        .file("lib/apk/db/installed", apk.as_bytes())
        .file(
            dist,
            format!(
                "Metadata-Version: 2.1\nName: {}\nVersion: {}\n\nText\n",
                py.0, py.1
            )
            .as_bytes(),
        )
        .file(
            npm_path,
            to_json(&json!({"name": npm.0, "version": npm.1})).as_slice(),
        )
        .finish()
}

fn packages_of(bytes: &[u8]) -> (Dissection, layercake::packages::PackageList) {
    let d = read(bytes);
    let list = layercake::packages::read_image(&mut Cursor::new(bytes), &d, 0);
    (d, list)
}

#[test]
fn packages_added_removed_and_upgraded_in_every_format() {
    let dpkg_a = "Package: curl\nStatus: install ok installed\nVersion: 7.88.1\n\nPackage: gone\nStatus: install ok installed\nVersion: 1\n";
    let dpkg_b = "Package: curl\nStatus: install ok installed\nVersion: 8.5.0\n\nPackage: jq\nStatus: install ok installed\nVersion: 1.7\n";
    let a = archive(
        vec![package_layer(
            dpkg_a,
            "P:musl\nV:1.2.3-r0\n",
            ("six", "1.15.0"),
            ("left-pad", "1.2.0"),
        )],
        ENV,
        T1,
    );
    // B: the same base, then a layer that upgrades and changes every format
    let base_b = package_layer(
        dpkg_a,
        "P:musl\nV:1.2.3-r0\n",
        ("six", "1.15.0"),
        ("left-pad", "1.2.0"),
    );
    let top = Tar::new()
        .file("var/lib/dpkg/status", dpkg_b.as_bytes())
        .file(
            "lib/apk/db/installed",
            b"P:musl\nV:1.2.4-r1\n\nP:zlib\nV:1.3-r0\n",
        )
        .file(
            "usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA",
            b"Name: requests\nVersion: 2.31.0\n",
        )
        .file(
            "app/node_modules/@scope/util/package.json",
            br#"{"name":"@scope/util","version":"0.1.0"}"#,
        )
        .finish();
    let b = archive(vec![base_b, top], ENV, T1);
    let (da, pa) = packages_of(&a);
    let (db, pb) = packages_of(&b);
    assert!(
        pa.problems.is_empty() && pb.problems.is_empty(),
        "{:?}",
        pb.problems
    );
    let names: Vec<(&str, &str, &str, usize)> = pb
        .packages
        .iter()
        .map(|p| {
            (
                p.source.name(),
                p.name.as_str(),
                p.version.as_str(),
                p.layer,
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("dpkg", "curl", "8.5.0", 1),
            ("dpkg", "jq", "1.7", 1),
            ("apk", "musl", "1.2.4-r1", 1),
            ("apk", "zlib", "1.3-r0", 1),
            ("python", "requests", "2.31.0", 1),
            ("python", "six", "1.15.0", 0),
            ("npm", "@scope/util", "0.1.0", 1),
            ("npm", "left-pad", "1.2.0", 0),
        ]
    );
    let d = diff(&da, 0, &db, 0, false).unwrap().with_packages(&pa, &pb);
    let changes: Vec<(&str, &str, PackageChangeKind)> = d
        .packages
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.source.as_str(), c.name.as_str(), c.change))
        .collect();
    use PackageChangeKind::*;
    assert_eq!(
        changes,
        [
            ("apk", "musl", Changed),
            ("apk", "zlib", Added),
            ("dpkg", "curl", Changed),
            ("dpkg", "gone", Removed),
            ("dpkg", "jq", Added),
            ("npm", "@scope/util", Added),
            ("python", "requests", Added),
        ]
    );
    assert_eq!(d.counts.packages, 7);
    assert!(d.summary.contains("7 package changes"), "{}", d.summary);
}

#[test]
fn a_package_unchanged_in_a_rewritten_database_keeps_its_first_layer() {
    let one = "Package: base\nVersion: 1\n";
    let two = "Package: base\nVersion: 1\n\nPackage: new\nVersion: 2\n";
    let l0 = Tar::new()
        .file("var/lib/dpkg/status", one.as_bytes())
        .finish();
    let l1 = Tar::new()
        .file("var/lib/dpkg/status", two.as_bytes())
        .finish();
    let (_, list) = packages_of(&archive(vec![l0, l1], ENV, T1));
    let got: Vec<(&str, usize)> = list
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.layer))
        .collect();
    assert_eq!(got, [("base", 0), ("new", 1)]);
}

#[test]
fn an_rpm_database_is_noted_not_read() {
    let l = Tar::new()
        .file("var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\0")
        .finish();
    let (_, list) = packages_of(&archive(vec![l], ENV, T1));
    assert!(list.packages.is_empty());
    assert_eq!(
        list.not_read,
        ["rpm database present, not read: var/lib/rpm/rpmdb.sqlite"]
    );
}

#[test]
fn a_gzip_layer_is_compared_and_read_the_same() {
    let plain = base(1);
    let a = archive(vec![plain.clone()], ENV, T1);
    // the same layer gzip-compressed: the diff_id is the same
    let ids: Vec<Digest> = vec![sha(&plain)];
    let img = DockerImage {
        config: config(std::slice::from_ref(&plain), ENV, T1),
        layers: vec![gzip(&plain)],
        tags: vec!["app:1".into()],
    };
    let b = docker_save(&[img]).finish();
    let d = compare(&a, &b, false);
    assert_eq!(d.layers.shared[0].diff_id, Some(ids[0].clone()));
    assert_eq!(d.verdict, Verdict::SameContent, "{}", d.summary);
    assert!(d.config.iter().all(|c| c.metadata));
    assert!(d.config.iter().any(|c| c.field == "layer.compression"));
}

// --- the fixture corpus: the same image saved by two tools ---

fn fixture(name: &str) -> Option<Vec<u8>> {
    let dir = common::fixtures()?;
    Some(std::fs::read(common::fixture_path(&dir, name)).unwrap())
}

#[test]
fn podman_docker_archive_and_oci_archive_are_the_same_content() {
    let (Some(docker), Some(oci)) = (
        fixture("built__bb-docker.tar"),
        fixture("built__bb-oci-uncompressed.tar"),
    ) else {
        return;
    };
    let d = compare(&docker, &oci, false);
    // MANIFEST.md: layer digests == diff_ids == the docker-archive layer
    // file names; the config is rewritten (Healthcheck, OnBuild, Shell
    // dropped), so the config digests differ
    assert_eq!(d.layers.shared.len(), 9);
    assert_ne!(d.a.config_digest, d.b.config_digest);
    assert!(d.files.is_empty(), "{:?}", d.files);
    let dropped: Vec<&str> = d
        .config
        .iter()
        .filter(|c| c.note.is_some())
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(dropped, ["shell", "on_build", "healthcheck"]);
    assert_eq!(d.verdict, Verdict::SameContent, "{}", d.summary);
    let s = compare(&docker, &oci, true);
    assert!(s.same());
}

#[test]
fn skopeo_gzip_and_zstd_layers_are_the_same_content() {
    let (Some(gz), Some(zst)) = (
        fixture("built__bb-oci-gzip.tar"),
        fixture("built__bb-oci-zstd.tar"),
    ) else {
        return;
    };
    let d = compare(&gz, &zst, true);
    // MANIFEST.md: same config digest, different layer digests, same diff_ids
    assert_eq!(d.a.config_digest, d.b.config_digest);
    assert_eq!(d.layers.shared.len(), 9);
    let compressions = d
        .config
        .iter()
        .filter(|c| c.field == "layer.compression")
        .count();
    assert_eq!(compressions, 9);
    assert_eq!(d.verdict, Verdict::SameContent);
    assert!(d.same());
}

#[test]
fn multi_platform_indexes_compare_the_selected_platforms() {
    let (Some(multi), Some(umoci)) = (
        fixture("built__bb-multiarch-index.tar"),
        fixture("built__umoci-layout.tar"),
    ) else {
        return;
    };
    let (dm, du) = (read(&multi), read(&umoci));
    let pick = |d: &Dissection, p: &str| {
        d.report
            .images
            .iter()
            .position(|i| !i.is_artifact() && i.runs_on(p))
            .unwrap()
    };
    // MANIFEST.md: the minimal amd64/arm64 configs are identical in both
    for p in ["linux/amd64", "linux/arm64"] {
        let d = diff(&dm, pick(&dm, p), &du, pick(&du, p), true).unwrap();
        assert_eq!(d.a.config_digest, d.b.config_digest, "{p}");
        assert!(d.same(), "{p}: {}", d.summary);
    }
    let cross = diff(
        &dm,
        pick(&dm, "linux/amd64"),
        &dm,
        pick(&dm, "linux/arm64"),
        true,
    )
    .unwrap();
    assert_eq!(cross.verdict, Verdict::Different);
    assert!(cross.config.iter().any(|c| c.field == "platform"));
    assert!(cross
        .files
        .iter()
        .any(|f| f.path == "bin/busybox" && f.what.contains(&"content".to_string())));
}

#[test]
fn alpine_packages_match_the_fixture() {
    let Some(bytes) = fixture("trivy__alpine-311.tar.gz") else {
        return;
    };
    let (_, list) = packages_of(&bytes);
    // alpine:3.11's 14 packages, all from its one layer
    assert_eq!(list.packages.len(), 14, "{:?}", list.packages);
    assert!(list
        .packages
        .iter()
        .all(|p| p.layer == 0 && p.source.name() == "apk"));
    assert!(list
        .packages
        .iter()
        .any(|p| p.name == "musl" && p.version == "1.1.24-r2"));
}

// --- the command line ---

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_layercake"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_exit_status_says_same_differ_or_error() {
    let dir = std::env::temp_dir().join(format!("layercake-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("a.tar");
    let b = dir.join("b.tar");
    let c = dir.join("c.tar");
    std::fs::write(&a, archive(vec![base(1)], ENV, T1)).unwrap();
    std::fs::write(&b, archive(vec![base(2)], ENV, T2)).unwrap();
    std::fs::write(&c, archive(vec![base(1)], &["PATH=/bin"], T1)).unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (code, out) = run(&["diff", &s(&a), &s(&a)]);
    assert_eq!((code, out.lines().last()), (0, Some("identical")));
    let (code, out) = run(&["diff", &s(&a), &s(&b)]);
    assert_eq!(code, 1);
    assert!(
        out.lines().last().unwrap().starts_with("same content"),
        "{out}"
    );
    let (code, _) = run(&["diff", "--semantic", &s(&a), &s(&b)]);
    assert_eq!(code, 0);
    let (code, out) = run(&["diff", "--json", &s(&a), &s(&c)]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "different");
    assert_eq!(v["config"][0]["field"], "env");
    assert_eq!(v["a"]["tags"][0], "app:1");
    let (code, _) = run(&["diff", &s(&a), &s(&dir.join("missing.tar"))]);
    assert_eq!(code, 2);
    let (code, _) = run(&["diff", "--tag-b", "nope:9", &s(&a), &s(&b)]);
    assert_eq!(code, 2);
    let (code, _) = run(&["diff", "--tag", "app:1", &s(&a), &s(&a)]);
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_shared_base_is_read_once_and_the_diff_is_the_same() {
    let top = Tar::new().file("app/extra.txt", b"more").finish();
    let a = archive(vec![base(1)], ENV, T1);
    let b = archive(vec![base(1), top], ENV, T1);
    let da = read(&a);
    let opts = Options {
        content_digests: true,
        read_layers: false,
        ..Options::default()
    };
    let mut db = dissect(Cursor::new(&b), &opts, &mut Quiet).unwrap();
    let reused = layercake::diff::reuse_shared_blobs(&mut db, &da);
    assert_eq!(reused.len(), 1, "the base layer");
    let rest = db.missing();
    assert_eq!(rest.len(), 1, "the top layer");
    db.read_blobs_with(Cursor::new(&b), &rest, &mut Quiet, true);
    let db = db.finish(&opts, &mut Quiet);
    assert_eq!(
        db.report.images[0].verified,
        read(&b).report.images[0].verified
    );
    assert_eq!(
        diff(&da, 0, &db, 0, false).unwrap(),
        diff(&da, 0, &read(&b), 0, false).unwrap()
    );
    // a blob whose bytes differ from A's is never reused, whatever its config claims
    let mut other = dissect(Cursor::new(&a), &opts, &mut Quiet).unwrap();
    let wrong = read(&archive(vec![Tar::new().file("x", b"y").finish()], ENV, T1));
    assert!(layercake::diff::reuse_shared_blobs(&mut other, &wrong).is_empty());
}

#[test]
fn read_files_reads_each_file_once_and_refuses_what_lies_past_the_layer() {
    let layer = Tar::new().file("a", b"alpha").file("b", b"bravo!").finish();
    for (compression, blob) in [
        (layercake::Compression::None, layer.clone()),
        (layercake::Compression::Gzip, gzip(&layer)),
    ] {
        let f = layercake::FileRef {
            member: "layer".into(),
            member_offset: 0,
            member_size: blob.len() as u64,
            archive_compression: layercake::Compression::None,
            layer_compression: compression,
            offset: 0,
            size: 0,
        };
        // b's content, a's content, a file past the end, one over the limit
        let spans = [(1536, 6), (512, 5), (1 << 40, 10), (512, 1 << 30)];
        let got =
            layercake::read_files_checked(&mut Cursor::new(&blob), &f, &spans, 1 << 20).unwrap();
        assert_eq!(got[0].as_deref(), Ok(&b"bravo!"[..]), "{compression:?}");
        assert_eq!(got[1].as_deref(), Ok(&b"alpha"[..]), "{compression:?}");
        assert!(
            got[2].is_err() && got[3].is_err(),
            "{compression:?}: {got:?}"
        );
    }
}

#[test]
fn hostile_and_broken_inputs_are_errors_or_differences_never_panics() {
    let good = read(&archive(vec![base(1)], ENV, T1));
    assert!(diff(&good, 0, &good, 7, false).is_err());
    assert!(diff(&good, 3, &good, 0, false).is_err());
    // a layer cut short: what could be read is compared; cut inside its
    // end-of-archive blocks, nothing is lost, cut inside the last header,
    // the last file is
    let layer = base(1);
    let cut = |n: usize| read(&archive(vec![layer[..layer.len() - n].to_vec()], ENV, T1));
    let d = diff(&good, 0, &cut(1500), 0, false).unwrap();
    assert_eq!(d.verdict, Verdict::SameContent, "{}", d.summary);
    assert!(!cut(1500).report.images[0].layers[0].problems.is_empty());
    let d = diff(&good, 0, &cut(2000), 0, false).unwrap();
    assert_eq!(d.verdict, Verdict::Different, "{}", d.summary);
    assert_eq!(d.files.len(), 1);
    assert_eq!(
        (d.files[0].path.as_str(), d.files[0].change),
        ("app/main.py", FileChangeKind::Removed)
    );
    let Some(broken) = fixture("built__bb-docker-truncated.tar") else {
        return;
    };
    let opts = Options {
        content_digests: true,
        ..Options::default()
    };
    if let Ok(b) = dissect(Cursor::new(&broken), &opts, &mut Quiet) {
        assert!(b.report.images.is_empty() || diff(&good, 0, &b, 0, false).is_ok());
        let list = layercake::packages::read_image(&mut Cursor::new(&broken), &b, 0);
        assert!(list.packages.is_empty());
    }
}
