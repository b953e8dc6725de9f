//! The sample image behind "try a sample" and the docs: a small but real
//! `docker save` archive, built by this code (not copied from anywhere),
//! with a few layers, history, env, labels, a whiteout and a symlink.

use serde_json::json;

use crate::digest::Digest;

const MTIME: u64 = 1_700_000_000;

enum Item<'a> {
    Dir(&'a str),
    File(&'a str, Vec<u8>, u32),
    Symlink(&'a str, &'a str),
}

/// A tar of `items`, in order, with fixed times and root ownership: used
/// for the layers and for the outer archive alike.
fn tar_of(items: &[Item<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for item in items {
        let mut h = tar::Header::new_ustar();
        h.set_mtime(MTIME);
        h.set_uid(0);
        h.set_gid(0);
        let (path, data): (&str, &[u8]) = match item {
            Item::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                (p, &[])
            }
            Item::File(p, data, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                (p, data)
            }
            Item::Symlink(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                // ustar link names are short; ours are
                let _ = h.set_link_name(target);
                (p, &[])
            }
        };
        // paths are ASCII and short, so these cannot fail
        let _ = b.append_data(&mut h, path, data);
    }
    b.into_inner().unwrap_or_default()
}

/// Deterministic filler bytes, text-like so the sample compresses like a
/// real layer would and shows as text or hex in the page.
fn filler(n: usize, seed: u8) -> Vec<u8> {
    let mut s = seed as u32 | 1;
    (0..n)
        .map(|i| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            if i % 64 == 63 {
                b'\n'
            } else {
                b"abcdefghijklmnopqrstuvwxyz0123456789 "[(s >> 16) as usize % 37]
            }
        })
        .collect()
}

/// Builds the sample archive.
pub fn build() -> Vec<u8> {
    let os_release = b"NAME=\"Layer Cake sample\"\nID=layercake\nVERSION_ID=1.0\n".to_vec();
    let layers = [
        tar_of(&[
            Item::Dir("bin"),
            Item::File("bin/busybox", filler(96 * 1024, 1), 0o755),
            Item::Symlink("bin/sh", "busybox"),
            Item::Dir("etc"),
            Item::File("etc/os-release", os_release, 0o644),
            Item::File(
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n".to_vec(),
                0o644,
            ),
            Item::Dir("tmp"),
            Item::Dir("usr"),
            Item::Dir("usr/share"),
            Item::File(
                "usr/share/README",
                b"The base layer of the Layer Cake sample image.\n".to_vec(),
                0o644,
            ),
        ]),
        tar_of(&[
            Item::Dir("tmp"),
            Item::File("tmp/build-cache.tar", filler(180 * 1024, 2), 0o644),
            Item::Dir("app"),
            Item::File(
                "app/server.py",
                b"import http.server\n\nhttp.server.test(port=8080)\n".to_vec(),
                0o644,
            ),
            Item::File(
                "app/config.json",
                b"{\"greeting\": \"hello\"}\n".to_vec(),
                0o644,
            ),
        ]),
        tar_of(&[
            Item::Dir("tmp"),
            Item::File("tmp/.wh.build-cache.tar", Vec::new(), 0o644),
            Item::Dir("app"),
            Item::File(
                "app/config.json",
                b"{\"greeting\": \"hello, layer cake\"}\n".to_vec(),
                0o644,
            ),
            Item::Symlink("app/current", "/app/server.py"),
        ]),
        tar_of(&[
            Item::Dir("app"),
            Item::Dir("app/static"),
            Item::File(
                "app/static/index.html",
                b"<!doctype html><title>sample</title><h1>Hello</h1>\n".to_vec(),
                0o644,
            ),
            Item::File("app/static/app.js", filler(24 * 1024, 3), 0o644),
        ]),
    ];
    let diff_ids: Vec<Digest> = layers.iter().map(|l| Digest::sha256_of(l)).collect();
    let created = "2024-11-14T22:13:20Z";
    let step = |by: &str, empty: bool| {
        let mut v = json!({"created": created, "created_by": by});
        if empty {
            v["empty_layer"] = json!(true);
        }
        v
    };
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "author": "Layer Cake",
        "config": {
            "User": "app",
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello, layer cake", "PORT=8080"],
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["python3 /app/server.py"],
            "WorkingDir": "/app",
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {"org.opencontainers.image.title": "layercake-sample", "org.opencontainers.image.description": "A small image built by Layer Cake's own code"}
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>()},
        "history": [
            step("/bin/sh -c #(nop) ADD file:base.tar in / ", false),
            step("/bin/sh -c #(nop)  ENV GREETING=hello, layer cake PORT=8080", true),
            step("/bin/sh -c cp build-cache.tar /tmp/ && cp -r src /app", false),
            step("/bin/sh -c rm /tmp/build-cache.tar && echo '{\"greeting\": \"hello, layer cake\"}' > /app/config.json && ln -s /app/server.py /app/current", false),
            step("/bin/sh -c #(nop) COPY dir:static in /app/static ", false),
            step("/bin/sh -c #(nop)  WORKDIR /app", true),
            step("/bin/sh -c #(nop)  USER app", true),
            step("/bin/sh -c #(nop)  EXPOSE 8080/tcp", true),
            step("/bin/sh -c #(nop)  LABEL org.opencontainers.image.title=layercake-sample", true),
            step("/bin/sh -c #(nop)  ENTRYPOINT [\"/bin/sh\" \"-c\"]", true),
            step("/bin/sh -c #(nop)  CMD [\"python3 /app/server.py\"]", true)
        ]
    });
    let config_bytes = serde_json::to_vec(&config).unwrap_or_default();
    let config_digest = Digest::sha256_of(&config_bytes);
    let layer_paths: Vec<String> = diff_ids
        .iter()
        .map(|d| format!("{}/layer.tar", d.hex()))
        .collect();
    let manifest = json!([{
        "Config": format!("{}.json", config_digest.hex()),
        "RepoTags": ["layercake/sample:latest"],
        "Layers": layer_paths
    }]);
    let top = diff_ids
        .last()
        .map(|d| d.hex().to_string())
        .unwrap_or_default();
    let repositories = json!({"layercake/sample": {"latest": top}});

    let names: Vec<(String, String, String)> = diff_ids
        .iter()
        .map(|d| {
            let id = d.hex();
            (
                id.to_string(),
                format!("{id}/VERSION"),
                format!("{id}/layer.tar"),
            )
        })
        .collect();
    let config_name = format!("{}.json", config_digest.hex());
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let repositories_bytes = serde_json::to_vec(&repositories).unwrap_or_default();
    let mut items = Vec::new();
    for ((dir, version, tar), l) in names.iter().zip(&layers) {
        items.push(Item::Dir(dir));
        items.push(Item::File(version, b"1.0".to_vec(), 0o644));
        items.push(Item::File(tar, l.clone(), 0o644));
    }
    items.push(Item::File(&config_name, config_bytes, 0o644));
    items.push(Item::File("manifest.json", manifest_bytes, 0o644));
    items.push(Item::File("repositories", repositories_bytes, 0o644));
    tar_of(&items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dissect, Options, Quiet};

    #[test]
    fn the_sample_is_a_real_image() {
        let d = dissect(
            std::io::Cursor::new(build()),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap();
        let img = &d.report.images[0];
        assert_eq!(img.tags, vec!["layercake/sample:latest"]);
        assert_eq!(img.layers.len(), 4);
        assert_eq!(img.verified, Some(true));
        assert!(
            d.report.all_problems().is_empty(),
            "{:?}",
            d.report.all_problems()
        );
        assert!(img.history.iter().filter_map(|h| h.layer).eq(0..4));
        let tree = d.tree(0);
        let paths: Vec<&[u8]> = tree.nodes.keys().map(Vec::as_slice).collect();
        assert!(paths.contains(&b"bin/sh".as_slice()));
        assert!(!paths.contains(&b"tmp/build-cache.tar".as_slice()));
        let stats = tree.stats();
        assert_eq!(stats.wasted_bytes, 180 * 1024 + 22);
    }
}
