//! docker save layouts built in code: docker-archive, legacy `repositories`
//! chains and Docker 25's OCI-plus-manifest.json, read both ways.

mod common;

use layercake::digest::Check;
use layercake::{Compression, Format};
use serde_json::{json, Value};

use common::build::*;
use common::read::*;

// --------------------------------------------------------- docker-archive

#[test]
fn docker_archive_two_images_tags_configs_and_verified_diff_ids() {
    let f = docker_two_images(false);
    for d in read_both(&f.archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["docker"]);
        assert_eq!(r.images.len(), 2);
        assert!(codes(&d).is_empty(), "{:?}", r.all_problems());
        let (a, b) = (&r.images[0], &r.images[1]);
        assert_eq!(a.tags, ["app:1", "app:latest"]);
        assert_eq!(b.tags, ["other:2"]);
        assert_eq!(a.source, Format::Docker);
        assert_eq!(a.config_digest, Some(sha(&f.configs[0])));
        assert_eq!(b.config_digest, Some(sha(&f.configs[1])));
        assert_eq!(b.platform.label(), "linux/arm64");
        let want = [[&f.layers[0], &f.layers[1]], [&f.layers[0], &f.layers[2]]];
        for (img, want) in r.images.iter().zip(want) {
            assert_eq!(img.layers.len(), 2);
            for (l, tar) in img.layers.iter().zip(want) {
                assert_eq!(l.diff_id, Some(sha(tar)));
                assert_eq!(l.diff_id_check, Check::Verified { digest: sha(tar) });
                assert_eq!(l.verified, Some(true));
                assert_eq!(l.compression, Some(Compression::None));
                assert_eq!(l.size, Some(tar.len() as u64));
            }
            assert_eq!(img.verified, Some(true));
        }
        assert_eq!(a.layers[0].entries, Some(2));
        assert_eq!(a.layers[1].entries, Some(2));
        assert_eq!(b.layers[1].entries, Some(1));
    }
}

#[test]
fn docker_archive_symlinked_layer_is_read_once() {
    let f = docker_two_images(false);
    for d in read_both(&f.archive) {
        let r = &d.report;
        let base_path = format!("{}/layer.tar", f.base_id);
        assert_eq!(r.images[0].layers[0].path.as_deref(), Some(&*base_path));
        assert_eq!(r.images[1].layers[0].path.as_deref(), Some(&*base_path));
        assert_eq!(r.images[0].layers[0].blob, r.images[1].layers[0].blob);
        assert_eq!(d.blobs.len(), 3);
        assert_eq!(
            listing(&d.tree(1)),
            lines(&[
                "d 755 0:0 - etc",
                "f 644 0:0 8 etc/os-release",
                "f 644 0:0 5 extra.txt",
            ])
        );
    }
}

#[test]
fn docker_archive_wrong_diff_id_is_a_mismatch() {
    let f = docker_two_images(true);
    for d in read_both(&f.archive) {
        let img = &d.report.images[0];
        assert_eq!(img.layers[0].verified, Some(true));
        let l = &img.layers[1];
        assert_eq!(l.verified, Some(false));
        assert_eq!(
            l.diff_id_check,
            Check::Mismatch {
                expected: sha(b"not the layer"),
                actual: sha(&f.layers[1]),
            }
        );
        assert_eq!(img.verified, Some(false));
        // the other image, sharing the base layer, is unaffected
        assert_eq!(d.report.images[1].verified, Some(true));
    }
}

// ------------------------------------------------------ legacy docker save

#[test]
fn legacy_save_follows_parent_chain_base_first() {
    let tars: Vec<Vec<u8>> = ["base", "mid", "top"]
        .iter()
        .map(|n| Tar::new().file(format!("{n}.txt"), n.as_bytes()).finish())
        .collect();
    let ids: Vec<String> = ["base", "mid", "top"]
        .iter()
        .map(|n| sha(n.as_bytes()).hex().to_string())
        .collect();
    let v1 = |i: usize| {
        let mut j = json!({"id": ids[i], "os": "linux", "architecture": "amd64",
            "container_config": {"Cmd": ["/bin/sh", "-c", format!("step {i}")]}});
        if i > 0 {
            j["parent"] = json!(ids[i - 1]);
        }
        to_json(&j)
    };
    let mut t = Tar::new().file(
        "repositories",
        &to_json(&json!({"legacy/app": {"v1": ids[2]}})),
    );
    // top first: archive order must not decide layer order
    for i in [2, 0, 1] {
        t = t
            .dir(format!("{}/", ids[i]))
            .file(format!("{}/VERSION", ids[i]), b"1.0")
            .file(format!("{}/json", ids[i]), &v1(i))
            .file(format!("{}/layer.tar", ids[i]), &tars[i]);
    }
    let archive = t.finish();
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["legacy"]);
        assert_eq!(r.images.len(), 1);
        let img = &r.images[0];
        assert_eq!(img.source, Format::Legacy);
        assert_eq!(img.tags, ["legacy/app:v1"]);
        assert_eq!(img.layers.len(), 3);
        for (i, l) in img.layers.iter().enumerate() {
            assert_eq!(l.path, Some(format!("{}/layer.tar", ids[i])));
            assert_eq!(l.diff_id, Some(sha(&tars[i])));
            assert_eq!(l.entries, Some(1));
        }
        let cmds: Vec<_> = img.history.iter().map(|h| h.created_by.clone()).collect();
        assert_eq!(
            cmds,
            [0, 1, 2].map(|i| Some(format!("/bin/sh -c step {i}")))
        );
        assert_eq!(
            listing(&d.tree(0)),
            lines(&[
                "f 644 0:0 4 base.txt",
                "f 644 0:0 3 mid.txt",
                "f 644 0:0 3 top.txt"
            ])
        );
    }
}

// ------------------------------------------------------- Docker 25 style

#[test]
fn docker25_manifest_json_with_blob_paths_and_null_manifests() {
    let (archive, tar, config, _) = docker25(Value::Null);
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.archive.formats, ["docker", "oci"]);
        assert_eq!(r.images.len(), 1);
        assert!(codes(&d).is_empty(), "{:?}", r.all_problems());
        let img = &r.images[0];
        assert_eq!(img.source, Format::Docker);
        assert_eq!(img.tags, ["app:25"]);
        assert_eq!(img.config_digest, Some(sha(&config)));
        assert_eq!(
            img.config_check,
            Check::Verified {
                digest: sha(&config)
            }
        );
        let l = &img.layers[0];
        assert_eq!(l.path, Some(sha(&tar).blob_path()));
        assert_eq!(l.media_type.as_deref(), Some(LAYER_TAR));
        assert_eq!(l.digest_check, Check::Verified { digest: sha(&tar) });
        assert_eq!(l.diff_id_check, Check::Verified { digest: sha(&tar) });
        assert_eq!(l.entries, Some(2));
        assert_eq!(img.verified, Some(true));
    }
}

#[test]
fn docker25_manifest_json_and_index_json_name_one_image() {
    let (_, _, _, manifest) = docker25(Value::Null);
    let mut d = desc(OCI_MANIFEST, &manifest);
    d["annotations"] = json!({"io.containerd.image.name": "docker.io/library/app:25"});
    let (archive, tar, config, _) = docker25(json!([d]));
    for d in read_both(&archive) {
        let r = &d.report;
        assert_eq!(r.images.len(), 1, "{:?}", r.images);
        let img = &r.images[0];
        assert_eq!(img.manifest_digest, Some(sha(&manifest)));
        assert_eq!(img.config_digest, Some(sha(&config)));
        // RepoTags' short `app:25` is the same name as containerd's full one
        assert_eq!(img.tags, ["docker.io/library/app:25"]);
        assert_eq!(img.layers[0].diff_id, Some(sha(&tar)));
        assert_eq!(img.verified, Some(true));
    }
}
