//! Archives built in code: tar members with raw names, docker-save and OCI
//! layouts, nested indexes, layer and whole-archive compression, and the
//! streaming generators for hostile archives too large to hold in memory.
//!
//! Self-contained (no `super::`), so `examples/hostile.rs` can include it
//! with `#[path]` and write the same archives to disk.

#![allow(dead_code)]

use std::io::Write;

use layercake::digest::Digest;
use serde_json::{json, Value};
use tar::{EntryType, Header};

/// A tar under construction. Names are written raw into ustar headers (so
/// `./`, non-UTF-8 bytes and trailing slashes stay as given); long names
/// go through tar::Builder's GNU extensions.
pub struct Tar(pub tar::Builder<Vec<u8>>);

pub fn header(name: &[u8], ty: EntryType, size: u64, mode: u32) -> Header {
    let mut h = Header::new_ustar();
    h.as_mut_bytes()[..name.len()].copy_from_slice(name);
    h.set_entry_type(ty);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(1_700_000_000);
    h.set_cksum();
    h
}

impl Default for Tar {
    fn default() -> Tar {
        Tar::new()
    }
}

impl Tar {
    pub fn new() -> Tar {
        Tar(tar::Builder::new(Vec::new()))
    }
    pub fn put(mut self, h: Header, data: &[u8]) -> Tar {
        self.0.append(&h, data).unwrap();
        self
    }
    pub fn file(self, name: impl AsRef<[u8]>, data: &[u8]) -> Tar {
        let h = header(name.as_ref(), EntryType::Regular, data.len() as u64, 0o644);
        self.put(h, data)
    }
    pub fn dir(self, name: impl AsRef<[u8]>) -> Tar {
        self.put(header(name.as_ref(), EntryType::Directory, 0, 0o755), b"")
    }
    pub fn link(self, ty: EntryType, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Tar {
        let mut h = header(name.as_ref(), ty, 0, 0o777);
        h.set_link_name_literal(target.as_ref()).unwrap();
        h.set_cksum();
        self.put(h, b"")
    }
    pub fn symlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Tar {
        self.link(EntryType::Symlink, name, target)
    }
    pub fn hardlink(self, name: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Tar {
        self.link(EntryType::Link, name, target)
    }
    pub fn special(self, ty: EntryType, name: &str, mode: u32, dev: (u32, u32)) -> Tar {
        let mut h = header(name.as_bytes(), ty, 0, mode);
        h.set_device_major(dev.0).unwrap();
        h.set_device_minor(dev.1).unwrap();
        h.set_cksum();
        self.put(h, b"")
    }
    /// A PAX extended header: `x` for the next member, `g` for all later ones.
    pub fn pax(self, ty: EntryType, records: &[(&str, &str)]) -> Tar {
        let mut data = Vec::new();
        for (k, v) in records {
            // the record's length counts its own digits
            let body = format!(" {k}={v}\n");
            let digits = (1..).find(|d| (body.len() + d).to_string().len() == *d);
            let len = body.len() + digits.unwrap();
            data.extend_from_slice(format!("{len}{body}").as_bytes());
        }
        let h = header(b"PaxHeaders/x", ty, data.len() as u64, 0o644);
        self.put(h, &data)
    }
    /// A regular file with a GNU long name (`././@LongLink` type `L`).
    pub fn long_file(mut self, name: &str, data: &[u8]) -> Tar {
        let mut h = Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        self.0.append_data(&mut h, name, data).unwrap();
        self
    }
    /// A symlink with a GNU long target (type `K`).
    pub fn long_symlink(mut self, name: &str, target: &str) -> Tar {
        let mut h = Header::new_gnu();
        h.set_entry_type(EntryType::Symlink);
        h.set_size(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mode(0o777);
        h.set_mtime(1_700_000_000);
        self.0.append_link(&mut h, name, target).unwrap();
        self
    }
    pub fn finish(self) -> Vec<u8> {
        self.0.into_inner().unwrap()
    }
}

pub fn sha(bytes: &[u8]) -> Digest {
    Digest::sha256_of(bytes)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// A zstd skippable frame (as zstd:chunked writes its table of contents).
pub fn skippable(payload: &[u8]) -> Vec<u8> {
    let mut v = 0x184D_2A50u32.to_le_bytes().to_vec();
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

/// Incompressible bytes (xorshift64).
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

pub fn to_json(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// An image config naming these diff_ids, one history step per layer.
pub fn image_config(arch: &str, variant: Option<&str>, diff_ids: &[Digest]) -> Vec<u8> {
    let ids: Vec<String> = diff_ids.iter().map(Digest::to_string).collect();
    let history: Vec<Value> = ids.iter().map(|d| json!({"created_by": d})).collect();
    let mut c = json!({
        "architecture": arch, "os": "linux", "config": {"Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": ids}, "history": history,
    });
    if let Some(v) = variant {
        c["variant"] = json!(v);
    }
    to_json(&c)
}

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const LAYER_GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

pub fn desc(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "digest": sha(bytes).to_string(), "size": bytes.len()})
}

pub fn oci_manifest(config: &[u8], layers: &[Value]) -> Vec<u8> {
    to_json(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": desc(OCI_CONFIG, config), "layers": layers,
    }))
}

/// An OCI layout: oci-layout, index.json, and each blob at its digest.
pub fn oci_layout(index: &Value, blobs: &[&[u8]]) -> Tar {
    let mut t = Tar::new()
        .file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)
        .file("index.json", &to_json(index));
    for b in blobs {
        t = t.file(sha(b).blob_path(), b);
    }
    t
}

/// A one-image OCI archive with these layer blobs and config diff_ids.
pub fn oci_single(layers: &[(&str, &[u8])], diff_ids: &[Digest]) -> Vec<u8> {
    let config = image_config("amd64", None, diff_ids);
    let descs: Vec<Value> = layers.iter().map(|(m, b)| desc(m, b)).collect();
    let manifest = oci_manifest(&config, &descs);
    let mut d = desc(OCI_MANIFEST, &manifest);
    d["annotations"] = json!({"org.opencontainers.image.ref.name": "test:1"});
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [d]});
    let mut blobs: Vec<&[u8]> = vec![&config, &manifest];
    blobs.extend(layers.iter().map(|(_, b)| *b));
    oci_layout(&index, &blobs).finish()
}

// ---------------------------------------------------------------- fixtures

pub struct DockerFixture {
    pub archive: Vec<u8>,
    pub layers: [Vec<u8>; 3],
    pub configs: [Vec<u8>; 2],
    pub base_id: String,
}

/// Two images sharing a base layer; the second names it through a symlink
/// `<id>/layer.tar -> ../<base>/layer.tar`, as docker save writes.
pub fn docker_two_images(wrong_diff_id: bool) -> DockerFixture {
    let base = Tar::new()
        .dir("etc/")
        .file("etc/os-release", b"ID=test\n")
        .finish();
    let app = Tar::new()
        .dir("app/")
        .file("app/run", b"#!/bin/sh\necho hi\n")
        .finish();
    let extra = Tar::new().file("extra.txt", b"extra").finish();
    let id = |s: &[u8]| sha(s).hex().to_string();
    let (base_id, app_id, link_id, extra_id) = (id(b"b"), id(b"a"), id(b"l"), id(b"e"));
    let app_diff = if wrong_diff_id {
        sha(b"not the layer")
    } else {
        sha(&app)
    };
    let c1 = image_config("amd64", None, &[sha(&base), app_diff]);
    let c2 = image_config("arm64", None, &[sha(&base), sha(&extra)]);
    let cpath = |c: &[u8]| format!("{}.json", sha(c).hex());
    let manifest = json!([
        {"Config": cpath(&c1), "RepoTags": ["app:1", "app:latest"],
         "Layers": [format!("{base_id}/layer.tar"), format!("{app_id}/layer.tar")]},
        {"Config": cpath(&c2), "RepoTags": ["other:2"],
         "Layers": [format!("{link_id}/layer.tar"), format!("{extra_id}/layer.tar")]},
    ]);
    let archive = Tar::new()
        .dir(format!("{base_id}/"))
        .file(format!("{base_id}/layer.tar"), &base)
        .file(format!("{app_id}/layer.tar"), &app)
        .dir(format!("{link_id}/"))
        .symlink(
            format!("{link_id}/layer.tar"),
            format!("../{base_id}/layer.tar"),
        )
        .file(format!("{extra_id}/layer.tar"), &extra)
        .file(cpath(&c1), &c1)
        .file(cpath(&c2), &c2)
        .file("manifest.json", &to_json(&manifest))
        .file("repositories", br#"{"app":{"1":"ffff"}}"#)
        .finish();
    DockerFixture {
        archive,
        layers: [base, app, extra],
        configs: [c1, c2],
        base_id,
    }
}

pub struct OciFixture {
    pub archive: Vec<u8>,
    pub manifests: [Vec<u8>; 3],
    pub configs: [Vec<u8>; 2],
    pub tars: [Vec<u8>; 2],
    pub gzs: [Vec<u8>; 2],
    pub nested: Vec<u8>,
    pub absent: Digest,
}

/// index.json -> nested index (amd64, arm64/v8, and an absent s390x
/// manifest) plus an artifact manifest whose layer is JSON.
pub fn oci_multi_platform() -> OciFixture {
    let tars = [
        Tar::new().file("amd64.txt", b"x86").finish(),
        Tar::new().file("arm64.txt", b"arm!").finish(),
    ];
    let gzs = [gzip(&tars[0]), gzip(&tars[1])];
    let configs = [
        image_config("amd64", None, &[sha(&tars[0])]),
        image_config("arm64", Some("v8"), &[sha(&tars[1])]),
    ];
    let m_amd = oci_manifest(&configs[0], &[desc(LAYER_GZ, &gzs[0])]);
    let m_arm = oci_manifest(&configs[1], &[desc(LAYER_GZ, &gzs[1])]);
    let absent = sha(b"never saved");
    let platform = |d: &[u8], p: Value| {
        let mut v = desc(OCI_MANIFEST, d);
        v["platform"] = p;
        v
    };
    let mut missing = platform(
        b"never saved",
        json!({"os": "linux", "architecture": "s390x"}),
    );
    missing["digest"] = json!(absent.to_string());
    let nested = to_json(
        &json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
            platform(&m_amd, json!({"os": "linux", "architecture": "amd64"})),
            platform(&m_arm, json!({"os": "linux", "architecture": "arm64", "variant": "v8"})),
            missing,
        ]}),
    );
    let empty = b"{}";
    let sbom = br#"{"spdxVersion":"SPDX-2.3","name":"sbom"}"#;
    let artifact = to_json(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.example.sbom.v1+json",
        "config": desc("application/vnd.oci.empty.v1+json", empty),
        "layers": [desc("application/spdx+json", sbom)],
        "subject": desc(OCI_MANIFEST, &m_amd),
    }));
    let mut nested_desc = desc(OCI_INDEX, &nested);
    nested_desc["annotations"] =
        json!({"org.opencontainers.image.ref.name": "example.com/multi:1.0"});
    let mut art_desc = desc(OCI_MANIFEST, &artifact);
    art_desc["artifactType"] = json!("application/vnd.example.sbom.v1+json");
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [nested_desc, art_desc]});
    let archive = oci_layout(
        &index,
        &[
            &nested,
            &m_amd,
            &m_arm,
            &configs[0],
            &configs[1],
            &gzs[0],
            &gzs[1],
            &artifact,
            empty,
            sbom,
        ],
    )
    .finish();
    OciFixture {
        archive,
        manifests: [m_amd, m_arm, artifact],
        configs,
        tars,
        gzs,
        nested,
        absent,
    }
}

pub fn docker25(index_manifests: Value) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let tar = Tar::new()
        .dir("srv/")
        .file("srv/index.html", b"<p>")
        .finish();
    let config = image_config("amd64", None, &[sha(&tar)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &tar)]);
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_manifests});
    let lpath = sha(&tar).blob_path();
    let mut sources = serde_json::Map::new();
    sources.insert(sha(&tar).to_string(), desc(LAYER_TAR, &tar));
    let docker = json!([{
        "Config": sha(&config).blob_path(), "RepoTags": ["app:25"], "Layers": [lpath],
        "LayerSources": sources,
    }]);
    let archive = oci_layout(&index, &[&tar, &config, &manifest])
        .file("manifest.json", &to_json(&docker))
        .finish();
    (archive, tar, config, manifest)
}

/// A layer of a few members, some kilobytes long.
pub fn sample_layer() -> Vec<u8> {
    let mut t = Tar::new().dir("data/");
    for i in 0..6 {
        let body: Vec<u8> = (0..700u32).map(|j| (i * 7 + j % 251) as u8).collect();
        t = t.file(format!("data/f{i}"), &body);
    }
    t.finish()
}

/// A docker archive whose layer is larger than the one-pass keep limit
/// (1 MiB), so a one-pass read walks it as it streams by.
pub fn docker_big_layer() -> Vec<u8> {
    let body: Vec<u8> = (0..1_300_000u32).map(|i| (i % 97) as u8).collect();
    let tar = Tar::new().dir("big/").file("big/blob", &body).finish();
    let config = image_config("amd64", None, &[sha(&tar)]);
    let cpath = format!("{}.json", sha(&config).hex());
    let manifest = json!([{"Config": cpath, "RepoTags": ["big:1"], "Layers": ["l/layer.tar"]}]);
    Tar::new()
        .file("l/layer.tar", &tar)
        .file(&cpath, &config)
        .file("manifest.json", &to_json(&manifest))
        .finish()
}

// ------------------------------------------------------- general builders

/// gzip at the fast level (whole archives in tests are large-ish).
pub fn gzip_fast(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A ustar header for a member of `size` bytes, checksum set.
pub fn member_header(name: &[u8], ty: EntryType, size: u64) -> Header {
    header(name, ty, size, 0o644)
}

/// The path of a docker-save config for these bytes: `<hex>.json`.
pub fn config_path(config: &[u8]) -> String {
    format!("{}.json", sha(config).hex())
}

/// One image of a docker save: its config, its layer blobs (written at
/// `layers/<n>/layer.tar` unless `paths` names them), and its tags.
pub struct DockerImage {
    pub config: Vec<u8>,
    pub layers: Vec<Vec<u8>>,
    pub tags: Vec<String>,
}

impl DockerImage {
    /// An amd64 image of these uncompressed layer tars, with matching diff_ids.
    pub fn of(layers: Vec<Vec<u8>>, tag: &str) -> DockerImage {
        let ids: Vec<Digest> = layers.iter().map(|l| sha(l)).collect();
        DockerImage {
            config: image_config("amd64", None, &ids),
            layers,
            tags: vec![tag.to_string()],
        }
    }

    pub fn layer_path(&self, n: usize) -> String {
        format!("{}/layer.tar", sha(&self.layers[n]).hex())
    }

    /// This image's manifest.json entry.
    pub fn entry(&self) -> Value {
        let layers: Vec<String> = (0..self.layers.len()).map(|n| self.layer_path(n)).collect();
        json!({"Config": config_path(&self.config), "RepoTags": self.tags, "Layers": layers})
    }
}

/// A docker-save archive (1.10–24 shape): layers, configs, then manifest.json.
pub fn docker_save(images: &[DockerImage]) -> Tar {
    let mut t = Tar::new();
    let mut seen = std::collections::HashSet::new();
    for img in images {
        for (n, l) in img.layers.iter().enumerate() {
            let path = img.layer_path(n);
            if seen.insert(path.clone()) {
                t = t.file(path, l);
            }
        }
        let c = config_path(&img.config);
        if seen.insert(c.clone()) {
            t = t.file(c, &img.config);
        }
    }
    let manifest: Vec<Value> = images.iter().map(DockerImage::entry).collect();
    t.file("manifest.json", &to_json(&json!(manifest)))
}

/// A one-image docker-save archive of these layers, finished.
pub fn docker_single(layers: Vec<Vec<u8>>, tag: &str) -> Vec<u8> {
    docker_save(&[DockerImage::of(layers, tag)]).finish()
}

/// An OCI image index listing these descriptors.
pub fn oci_index(manifests: Vec<Value>) -> Vec<u8> {
    to_json(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}))
}

/// An OCI layout whose index.json leads through `depth` nested indexes to
/// one image; each index lists the next one `fanout` times (a DAG of
/// `fanout^depth` paths, but `depth` distinct indexes). Returns the archive.
pub fn oci_nested(depth: usize, fanout: usize) -> Vec<u8> {
    let layer = Tar::new().file("hello.txt", b"hello\n").finish();
    let config = image_config("amd64", None, &[sha(&layer)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &layer)]);
    let mut blobs: Vec<Vec<u8>> = vec![layer, config];
    let mut child = desc(OCI_MANIFEST, &manifest);
    blobs.push(manifest);
    for _ in 0..depth {
        let index = oci_index(vec![child.clone(); fanout]);
        child = desc(OCI_INDEX, &index);
        blobs.push(index);
    }
    child["annotations"] = json!({"org.opencontainers.image.ref.name": "nested:1"});
    let top = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child]});
    // the outermost index first, as layouts usually list them
    blobs.reverse();
    let refs: Vec<&[u8]> = blobs.iter().map(Vec::as_slice).collect();
    oci_layout(&top, &refs).finish()
}

/// A PAX extended-header record `"<len> key=value\n"` (the length counts
/// its own digits).
pub fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = 1 + key.len() + 1 + value.len() + 1;
    let mut digits = 1;
    while (body + digits).to_string().len() != digits {
        digits += 1;
    }
    let mut r = format!("{} {key}=", body + digits).into_bytes();
    r.extend_from_slice(value);
    r.push(b'\n');
    r
}

/// A regular file whose name is given only by a PAX `path` record (the
/// ustar name is a short placeholder).
pub fn pax_file(t: Tar, path: &[u8], data: &[u8]) -> Tar {
    let rec = pax_record("path", path);
    let t = t.put(
        header(b"PaxHeaders/f", EntryType::XHeader, rec.len() as u64, 0o644),
        &rec,
    );
    t.put(
        header(b"placeholder", EntryType::Regular, data.len() as u64, 0o644),
        data,
    )
}

// ------------------------------------------- streaming hostile generators

/// One gzip member of `data` at the fast level. Concatenated members are one
/// valid gzip stream (pigz and eStargz write them); the generators below
/// compress a repeated chunk once and repeat the member, so gigabytes of
/// input cost microseconds to produce.
pub fn gzip_member(data: &[u8]) -> Vec<u8> {
    gzip_fast(data)
}

/// A reader over a list of pieces, each repeated some number of times:
/// how the streaming generators emit gigabytes without holding them.
pub struct Pieces {
    pieces: Vec<(std::rc::Rc<Vec<u8>>, u64)>,
    at: usize,
    pos: usize,
    done_reps: u64,
}

impl Pieces {
    pub fn new() -> Pieces {
        Pieces {
            pieces: Vec::new(),
            at: 0,
            pos: 0,
            done_reps: 0,
        }
    }

    pub fn push(&mut self, bytes: Vec<u8>, times: u64) {
        if times > 0 && !bytes.is_empty() {
            self.pieces.push((std::rc::Rc::new(bytes), times));
        }
    }

    pub fn push_shared(&mut self, bytes: &std::rc::Rc<Vec<u8>>, times: u64) {
        if times > 0 && !bytes.is_empty() {
            self.pieces.push((bytes.clone(), times));
        }
    }

    /// Total bytes this reader yields.
    pub fn len(&self) -> u64 {
        self.pieces.iter().map(|(b, n)| b.len() as u64 * n).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Pieces {
    fn default() -> Pieces {
        Pieces::new()
    }
}

impl std::io::Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some((bytes, times)) = self.pieces.get(self.at) {
            if self.pos == bytes.len() {
                self.pos = 0;
                self.done_reps += 1;
                if self.done_reps == *times {
                    self.done_reps = 0;
                    self.at += 1;
                }
                continue;
            }
            let n = (bytes.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&bytes[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// A small docker-save image (one layer) whose members come after whatever
/// precedes them: the tail of the hostile archives below, with its
/// end-of-archive blocks.
pub fn small_docker_tail(tag: &str) -> Vec<u8> {
    let layer = Tar::new().file("hello.txt", b"hello\n").finish();
    docker_single(vec![layer], tag)
}

/// (d) `docker save | gzip` with `pad_bytes` of padding members (1 MiB of
/// zeros each, named `pad/<n>`) before the real members and manifest.json.
/// Streamed as multi-member gzip: about 1 kB of output per MiB of padding.
pub fn padded_gzip_docker_save(pad_bytes: u64) -> Pieces {
    const CHUNK: usize = 1 << 20;
    let body = std::rc::Rc::new(gzip_member(&vec![0u8; CHUNK]));
    let mut p = Pieces::new();
    let n = pad_bytes / CHUNK as u64;
    for i in 0..n {
        let h = member_header(
            format!("pad/{i:07}").as_bytes(),
            EntryType::Regular,
            CHUNK as u64,
        );
        p.push(gzip_member(h.as_bytes()), 1);
        p.push_shared(&body, 1);
    }
    p.push(gzip_member(&small_docker_tail("padded:1")), 1);
    p
}

/// (e) A gzip layer whose first member is a PAX extended header of
/// about `record_bytes` (one `path` record), followed by one small file;
/// returned compressed (about 1 kB per MiB of record).
pub fn layer_with_huge_pax(record_bytes: u64) -> Vec<u8> {
    const CHUNK: usize = 1 << 20;
    let value_len = record_bytes.saturating_sub(64).max(1);
    // "<len> path=" + value + "\n"
    let body = 1 + "path".len() as u64 + 1 + value_len + 1;
    let mut digits = 1u64;
    while (body + digits).to_string().len() as u64 != digits {
        digits += 1;
    }
    let rec_len = body + digits;
    let mut out = Vec::new();
    let mut first = header(b"PaxHeaders/huge", EntryType::XHeader, rec_len, 0o644)
        .as_bytes()
        .to_vec();
    first.extend_from_slice(format!("{rec_len} path=").as_bytes());
    out.extend(gzip_member(&first));
    let chunk = gzip_member(&vec![b'a'; CHUNK]);
    let full = value_len / CHUNK as u64;
    for _ in 0..full {
        out.extend_from_slice(&chunk);
    }
    let mut last = vec![b'a'; (value_len % CHUNK as u64) as usize];
    last.push(b'\n');
    let pad = (512 - rec_len % 512) % 512;
    last.extend(std::iter::repeat_n(0u8, pad as usize));
    last.extend(Tar::new().file("after-pax.txt", b"still here\n").finish());
    out.extend(gzip_member(&last));
    out
}

/// (e) A docker save whose only layer is [`layer_with_huge_pax`]. The
/// config's diff_id is not the layer's (hashing a GiB to build a test
/// archive is not worth it); the layer reads as a mismatch.
pub fn docker_huge_pax(record_bytes: u64) -> Vec<u8> {
    let layer = layer_with_huge_pax(record_bytes);
    let config = image_config("amd64", None, &[sha(b"diff_id not computed")]);
    let img = DockerImage {
        config,
        layers: vec![layer],
        tags: vec!["hugepax:1".into()],
    };
    docker_save(&[img]).finish()
}

/// (c) A layer of `files` files whose PAX paths each have `components`
/// components (`h<i>/d/d/…/f`), in a docker save.
pub fn docker_deep_paths(files: usize, components: usize) -> Vec<u8> {
    let mut t = Tar::new();
    for i in 0..files {
        let mut path = format!("h{i}").into_bytes();
        for _ in 0..components.saturating_sub(2) {
            path.extend_from_slice(b"/d");
        }
        path.extend_from_slice(b"/f");
        t = pax_file(t, &path, b"deep\n");
    }
    docker_single(vec![t.finish()], "deep:1")
}

/// (f) manifest.json with `entries` entries naming one config of about
/// `config_bytes` (a valid image config padded with a long label).
pub fn docker_many_entries_one_config(entries: usize, config_bytes: usize) -> Vec<u8> {
    let layer = Tar::new().file("hello.txt", b"hello\n").finish();
    let mut c: Value =
        serde_json::from_slice(&image_config("amd64", None, &[sha(&layer)])).unwrap();
    c["config"]["Labels"] = json!({"padding": "p".repeat(config_bytes)});
    let config = to_json(&c);
    let img = DockerImage {
        config,
        layers: vec![layer],
        tags: vec![],
    };
    let mut t = Tar::new()
        .file(img.layer_path(0), &img.layers[0])
        .file(config_path(&img.config), &img.config);
    let entry = img.entry();
    let manifest: Vec<Value> = (0..entries)
        .map(|i| {
            let mut e = entry.clone();
            e["RepoTags"] = json!([format!("many:{i}")]);
            e
        })
        .collect();
    t = t.file("manifest.json", &to_json(&json!(manifest)));
    t.finish()
}

/// (b) An OCI layout of a chain of `depth` distinct nested indexes (each
/// lists the next once, with a distinct annotation so no two are alike).
pub fn oci_index_chain(depth: usize) -> Vec<u8> {
    let layer = Tar::new().file("hello.txt", b"hello\n").finish();
    let config = image_config("amd64", None, &[sha(&layer)]);
    let manifest = oci_manifest(&config, &[desc(LAYER_TAR, &layer)]);
    let mut t = Tar::new()
        .file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)
        .file(sha(&layer).blob_path(), &layer)
        .file(sha(&config).blob_path(), &config)
        .file(sha(&manifest).blob_path(), &manifest);
    let mut child = desc(OCI_MANIFEST, &manifest);
    for i in 0..depth {
        child["annotations"] = json!({"n": i.to_string()});
        let index = oci_index(vec![child]);
        child = desc(OCI_INDEX, &index);
        t = t.file(sha(&index).blob_path(), &index);
    }
    let top = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child]});
    t.file("index.json", &to_json(&top)).finish()
}

/// A one-image docker-save archive (tag `tiny:1`, one layer of one file)
/// followed by `n` more members, each the same tiny layer tar: a one-pass
/// walk hands every one of them on.
pub fn docker_many_tiny_members(n: usize) -> Vec<u8> {
    let layer = Tar::new().file("a", b"x").finish();
    let mut t = docker_save(&[DockerImage::of(vec![layer.clone()], "tiny:1")]);
    for i in 0..n {
        t = t.file(format!("extra/{i}.tar"), &layer);
    }
    t.finish()
}

/// A docker-save archive of `images` images, each of `layers` distinct
/// tiny layers (one file each): many blobs, each a few KiB.
pub fn docker_many_tiny_layers(images: usize, layers: usize) -> Vec<u8> {
    let all: Vec<DockerImage> = (0..images)
        .map(|i| {
            let tars = (0..layers)
                .map(|l| {
                    let k = i * layers + l;
                    Tar::new()
                        .file(format!("f{k}"), k.to_string().as_bytes())
                        .finish()
                })
                .collect();
            DockerImage::of(tars, &format!("many:{i}"))
        })
        .collect();
    docker_save(&all).finish()
}

/// (o) A docker save of one image (tag `unsafe:1`) whose one gzip layer
/// holds `n` empty files named `../x0`, `../x1`, …: an unsafe name each.
/// Built streaming (the layer is `n` × 512 bytes uncompressed).
pub fn docker_unsafe_names(n: usize) -> Vec<u8> {
    let mut diff = layercake::digest::Hasher::new(layercake::digest::Algorithm::Sha256);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..n {
        let h = header(format!("../x{i}").as_bytes(), EntryType::Regular, 0, 0o644);
        diff.update(h.as_bytes());
        gz.write_all(h.as_bytes()).unwrap();
    }
    diff.update(&[0u8; 1024]);
    gz.write_all(&[0u8; 1024]).unwrap();
    let layer = gz.finish().unwrap();
    let config = image_config("amd64", None, &[diff.finish()]);
    let img = DockerImage {
        config,
        layers: vec![layer],
        tags: vec!["unsafe:1".into()],
    };
    docker_save(&[img]).finish()
}

/// A one-image docker save (tag `unsafe:2`) of `layers` uncompressed
/// layers, each of `names` empty files named `../l<layer>x<i>`.
pub fn docker_layers_of_unsafe_names(layers: usize, names: usize) -> Vec<u8> {
    let tars = (0..layers)
        .map(|l| {
            let mut t = Tar::new();
            for i in 0..names {
                t = t.put(
                    member_header(format!("../l{l}x{i}").as_bytes(), EntryType::Regular, 0),
                    b"",
                );
            }
            t.finish()
        })
        .collect();
    docker_single(tars, "unsafe:2")
}
