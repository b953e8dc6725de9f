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
    docker_archive("layercake/sample", "latest", &layers, &diff_ids, &config)
}

/// A docker save of `layers` tagged `repo:tag` with `config` (its
/// rootfs already naming `diff_ids`): legacy layer directories, the config,
/// manifest.json and repositories.
fn docker_archive(
    repo: &str,
    tag: &str,
    layers: &[Vec<u8>],
    diff_ids: &[Digest],
    config: &serde_json::Value,
) -> Vec<u8> {
    let config_bytes = serde_json::to_vec(config).unwrap_or_default();
    let config_digest = Digest::sha256_of(&config_bytes);
    let layer_paths: Vec<String> = diff_ids
        .iter()
        .map(|d| format!("{}/layer.tar", d.hex()))
        .collect();
    let manifest = json!([{
        "Config": format!("{}.json", config_digest.hex()),
        "RepoTags": [format!("{repo}:{tag}")],
        "Layers": layer_paths
    }]);
    let top = diff_ids
        .last()
        .map(|d| d.hex().to_string())
        .unwrap_or_default();
    let repositories = json!({ repo: { tag: top } });

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
    for ((dir, version, tar), l) in names.iter().zip(layers) {
        items.push(Item::Dir(dir));
        items.push(Item::File(version, b"1.0".to_vec(), 0o644));
        items.push(Item::File(tar, l.clone(), 0o644));
    }
    items.push(Item::File(&config_name, config_bytes, 0o644));
    items.push(Item::File("manifest.json", manifest_bytes, 0o644));
    items.push(Item::File("repositories", repositories_bytes, 0o644));
    tar_of(&items)
}

/// The lab image the docs embed as a report: a Debian-like base with a
/// package database, a Python layer that left apt's cache behind, a layer
/// that removed it (too late), pip packages, and an application: five
/// layers and about 3,500 files, of small made-up contents.
pub fn build_lab() -> Vec<u8> {
    lab(false)
}

/// The lab image's next version, for the docs' "compare two versions":
/// the same four bottom layers (so they are shared), then a new layer that
/// installs `curl` (and upgrades `tzdata` in the package database), and
/// the application layer again with `app/main.py` changed, `app/health.py`
/// added and `app/views/v11` gone; `APP_VERSION=2` in the env. Tagged
/// `layercake/lab:2`.
pub fn build_lab_v2() -> Vec<u8> {
    lab(true)
}

fn lab(v2: bool) -> Vec<u8> {
    let base_pkgs: Vec<String> = (0..120).map(|i| format!("libbase{i:03}")).collect();
    let py_pkgs = [
        "python3.11",
        "python3.11-minimal",
        "libpython3.11-stdlib",
        "libexpat1",
        "libffi8",
        "libsqlite3-0",
        "media-types",
        "tzdata",
    ];
    let pip_pkgs = [
        "flask",
        "jinja2",
        "markupsafe",
        "werkzeug",
        "itsdangerous",
        "click",
        "blinker",
        "requests",
        "urllib3",
        "idna",
        "certifi",
        "charset_normalizer",
        "gunicorn",
        "packaging",
    ];
    let status = |pkgs: &[&str]| {
        let mut s = String::new();
        for p in pkgs {
            s.push_str(&format!("Package: {p}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 1.0-1\nDescription: {p}, as the lab image has it\n\n"));
        }
        s.into_bytes()
    };
    let mut names: Vec<Vec<String>> = vec![Vec::new(); 5];
    // paths first, so the items can borrow them
    for i in 0..400 {
        names[0].push(format!("usr/bin/tool{i:03}"));
    }
    for (i, p) in base_pkgs.iter().enumerate() {
        names[0].push(format!("usr/lib/x86_64-linux-gnu/{p}.so.{}", i % 7));
        names[0].push(format!("usr/share/doc/{p}"));
        names[0].push(format!("usr/share/doc/{p}/copyright"));
        names[0].push(format!("var/lib/dpkg/info/{p}.list"));
    }
    for m in 0..60 {
        for f in 0..30 {
            names[1].push(format!("usr/lib/python3.11/mod{m:02}/file{f:02}.py"));
        }
        names[1].push(format!("usr/lib/python3.11/mod{m:02}"));
    }
    for p in py_pkgs {
        names[1].push(format!("var/cache/apt/archives/{p}_1.0-1_amd64.deb"));
        names[1].push(format!("var/lib/dpkg/info/{p}.list"));
    }
    for p in pip_pkgs {
        names[3].push(format!("usr/local/lib/python3.11/site-packages/{p}"));
        names[3].push(format!(
            "usr/local/lib/python3.11/site-packages/{p}-1.0.dist-info"
        ));
        names[3].push(format!(
            "usr/local/lib/python3.11/site-packages/{p}-1.0.dist-info/METADATA"
        ));
        for f in 0..25 {
            names[3].push(format!(
                "usr/local/lib/python3.11/site-packages/{p}/part{f:02}.py"
            ));
        }
    }
    let views = if v2 { 11 } else { 12 };
    for d in 0..views {
        names[4].push(format!("app/views/v{d:02}"));
        for f in 0..30 {
            names[4].push(format!("app/views/v{d:02}/page{f:02}.html"));
        }
    }
    let dirs_of = |paths: &[String]| {
        let mut dirs: Vec<String> = paths
            .iter()
            .flat_map(|p| {
                let parts: Vec<&str> = p.split('/').collect();
                (1..parts.len()).map(move |n| parts[..n].join("/"))
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    };
    let mut layers = Vec::new();
    let py_status = {
        let mut all: Vec<&str> = base_pkgs.iter().map(String::as_str).collect();
        all.extend(py_pkgs);
        status(&all)
    };
    let base_status = status(&base_pkgs.iter().map(String::as_str).collect::<Vec<_>>());
    let os_release = b"PRETTY_NAME=\"Layer Cake lab (Debian-like) 12\"\nNAME=\"Layer Cake lab\"\nVERSION_ID=\"12\"\nID=debian\n".to_vec();
    for (n, paths) in names.iter().enumerate() {
        let dirs = dirs_of(paths);
        let mut items: Vec<Item<'_>> = dirs.iter().map(|d| Item::Dir(d)).collect();
        for (k, p) in paths.iter().enumerate() {
            if dirs.binary_search(p).is_ok() {
                continue;
            }
            let size = if p.ends_with(".deb") {
                96 * 1024
            } else {
                300 + (k * 37) % 2500
            };
            let mode = if p.starts_with("usr/bin/") {
                0o755
            } else {
                0o644
            };
            items.push(Item::File(p, filler(size, (n * 31 + k) as u8), mode));
        }
        match n {
            0 => {
                items.push(Item::Dir("etc"));
                items.push(Item::File("etc/os-release", os_release.clone(), 0o644));
                items.push(Item::File("etc/hostname", b"lab\n".to_vec(), 0o644));
                items.push(Item::File(
                    "var/lib/dpkg/status",
                    base_status.clone(),
                    0o644,
                ));
                items.push(Item::Symlink("bin", "usr/bin"));
                items.push(Item::Symlink("lib", "usr/lib"));
                items.push(Item::Dir("tmp"));
            }
            1 => {
                items.push(Item::File("var/lib/dpkg/status", py_status.clone(), 0o644));
                items.push(Item::Symlink("usr/bin/python3", "python3.11"));
                items.push(Item::File(
                    "usr/bin/python3.11",
                    filler(64 * 1024, 9),
                    0o755,
                ));
            }
            2 => {
                items.push(Item::Dir("var"));
                items.push(Item::Dir("var/cache"));
                items.push(Item::File("var/cache/.wh.apt", Vec::new(), 0o644));
            }
            4 => {
                let main: &[u8] = if v2 {
                    b"from flask import Flask\n\nfrom health import health\n\napp = Flask(__name__)\napp.register_blueprint(health)\n"
                } else {
                    b"from flask import Flask\n\napp = Flask(__name__)\n"
                };
                items.push(Item::File("app/main.py", main.to_vec(), 0o644));
                if v2 {
                    items.push(Item::File(
                        "app/health.py",
                        b"from flask import Blueprint\n\nhealth = Blueprint(\"health\", __name__)\n\n\n@health.route(\"/health\")\ndef ok():\n    return \"ok\"\n".to_vec(),
                        0o644,
                    ));
                }
                items.push(Item::File(
                    "app/requirements.txt",
                    pip_pkgs.join("\n").into_bytes(),
                    0o644,
                ));
            }
            _ => {}
        }
        if v2 && n == 4 {
            // the new layer, below the application's
            let mut all: Vec<&str> = base_pkgs.iter().map(String::as_str).collect();
            all.extend(py_pkgs.iter().filter(|p| **p != "tzdata"));
            all.push("curl");
            let mut status = status(&all);
            status.extend_from_slice(b"Package: tzdata\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: 2025b-1\nDescription: tzdata, as the lab image has it\n\n");
            layers.push(tar_of(&[
                Item::Dir("usr"),
                Item::Dir("usr/bin"),
                Item::File("usr/bin/curl", filler(48 * 1024, 77), 0o755),
                Item::Dir("var"),
                Item::Dir("var/lib"),
                Item::Dir("var/lib/dpkg"),
                Item::File("var/lib/dpkg/status", status, 0o644),
                Item::Dir("var/lib/dpkg/info"),
                Item::File(
                    "var/lib/dpkg/info/curl.list",
                    b"/usr/bin/curl\n".to_vec(),
                    0o644,
                ),
            ]));
        }
        layers.push(tar_of(&items));
    }
    let diff_ids: Vec<Digest> = layers.iter().map(|l| Digest::sha256_of(l)).collect();
    let created = if v2 {
        "2025-04-01T09:00:00Z"
    } else {
        "2025-03-01T09:00:00Z"
    };
    let step = |by: &str, empty: bool| {
        let mut v = json!({"created": created, "created_by": by});
        if empty {
            v["empty_layer"] = json!(true);
        }
        v
    };
    let mut env = vec!["PATH=/usr/local/bin:/usr/bin:/bin", "PYTHONUNBUFFERED=1"];
    let mut history = vec![
        step("/bin/sh -c #(nop) ADD file:9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9 in / ", false),
        step("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
        step("RUN /bin/sh -c apt-get update && apt-get install -y python3.11 # buildkit", false),
        step("RUN /bin/sh -c rm -rf /var/cache/apt # buildkit", false),
        step("ENV PYTHONUNBUFFERED=1", true),
        step("RUN |1 PIP_NO_CACHE_DIR=1 /bin/sh -c pip install -r requirements.txt # buildkit", false),
    ];
    if v2 {
        env.push("APP_VERSION=2");
        history.push(step(
            "RUN /bin/sh -c apt-get update && apt-get install -y curl tzdata # buildkit",
            false,
        ));
        history.push(step("ENV APP_VERSION=2", true));
    }
    history.extend([
        step("WORKDIR /app", true),
        step("COPY app/ /app/ # buildkit", false),
        step("EXPOSE map[8000/tcp:{}]", true),
        step(
            "CMD [\"gunicorn\" \"-b\" \"0.0.0.0:8000\" \"main:app\"]",
            true,
        ),
    ]);
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": env,
            "Cmd": ["gunicorn", "-b", "0.0.0.0:8000", "main:app"],
            "WorkingDir": "/app",
            "ExposedPorts": {"8000/tcp": {}},
            "Labels": {"org.opencontainers.image.title": "layercake-lab", "org.opencontainers.image.description": "The lab guide's image, built by Layer Cake's own code"}
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>()},
        "history": history
    });
    let tag = if v2 { "2" } else { "latest" };
    docker_archive("layercake/lab", tag, &layers, &diff_ids, &config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dissect, Options, Quiet};

    /// Reads `archive`: one image tagged `tag`, `layers` layers each made
    /// by a history step, every digest verified, no problem.
    fn real_image(archive: Vec<u8>, tag: &str, layers: usize) -> crate::Dissection {
        let d = dissect(
            std::io::Cursor::new(archive),
            &Options::default(),
            &mut Quiet,
        )
        .unwrap();
        let img = &d.report.images[0];
        assert_eq!(img.tags, vec![tag]);
        assert_eq!(img.layers.len(), layers);
        assert_eq!(img.verified, Some(true));
        let problems = d.report.all_problems();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(img.history.iter().filter_map(|h| h.layer).eq(0..layers));
        d
    }

    #[test]
    fn the_sample_is_a_real_image() {
        let d = real_image(build(), "layercake/sample:latest", 4);
        let tree = d.tree(0);
        let paths: Vec<&[u8]> = tree.nodes.keys().map(Vec::as_slice).collect();
        assert!(paths.contains(&b"bin/sh".as_slice()));
        assert!(!paths.contains(&b"tmp/build-cache.tar".as_slice()));
        let stats = tree.stats();
        assert_eq!(stats.wasted_bytes, 180 * 1024 + 22);
    }

    #[test]
    fn the_lab_image_is_a_real_image_of_a_few_thousand_files() {
        let d = real_image(build_lab(), "layercake/lab:latest", 5);
        let img = &d.report.images[0];
        let stats = img.files.as_ref().unwrap();
        assert!((3_000..6_000).contains(&stats.paths), "{stats:?}");
        // apt's cache, removed a layer too late
        assert!(stats.wasted_bytes >= 8 * 96 * 1024, "{stats:?}");
    }

    #[test]
    fn the_lab_images_next_version_shares_its_four_bottom_layers() {
        let a = real_image(build_lab(), "layercake/lab:latest", 5);
        let b = real_image(build_lab_v2(), "layercake/lab:2", 6);
        let ids = |d: &crate::Dissection| -> Vec<_> {
            d.report.images[0]
                .layers
                .iter()
                .map(|l| l.diff_id.clone())
                .collect()
        };
        let (ia, ib) = (ids(&a), ids(&b));
        assert_eq!(ia[..4], ib[..4]);
        assert_ne!(ia[4], ib[4]);
        assert_ne!(ia[4], ib[5]);
    }
}
