//! Reading a file's contents again, from every kind of layer and archive
//! compression, against facts the fixture notes state.

mod common;

use std::fs::File;
use std::io::BufReader;

use layercake::listing::Listing;
use layercake::{dissect, read_file, Options, Quiet};

fn contents(file: &str, path: &str) -> Vec<u8> {
    let dir = common::fixtures().expect("fixtures");
    let p = common::fixture_path(&dir, file);
    let d = dissect(
        BufReader::new(File::open(&p).unwrap()),
        &Options::default(),
        &mut Quiet,
    )
    .unwrap();
    let tree = d.tree(0);
    let listing = Listing::merged(&tree);
    let row = listing
        .get(path)
        .unwrap_or_else(|| panic!("{path} not in {file}"));
    let (layer, entry) = row.content.expect("a file with content");
    let f = d.locate(0, layer, entry).expect("locatable");
    let mut src = common::ShortReads::new(BufReader::new(File::open(&p).unwrap()), 3);
    let mut last = 0;
    let bytes = read_file(&mut src, &f, 1 << 20, &mut |n| last = n).unwrap();
    assert_eq!(last, f.offset, "progress should reach the file's offset");
    bytes
}

#[test]
fn hardlink_split_by_copy_up_reads_both_versions() {
    if common::fixtures().is_none() {
        return;
    }
    // layer 6 rewrote hello.txt; the hardlink kept the first version
    for file in [
        "built__bb-docker.tar",
        "built__bb-docker.tar.gz",
        "built__bb-oci-gzip.tar",
        "built__bb-oci-zstd.tar",
    ] {
        assert_eq!(contents(file, "app/hello.txt"), b"hello v2\n", "{file}");
        assert_eq!(
            contents(file, "app/hello-hardlink.txt"),
            b"hello v1\n",
            "{file}"
        );
    }
}

#[test]
fn reads_a_file_from_a_gzip_layer() {
    if common::fixtures().is_none() {
        return;
    }
    let os_release = contents("trivy__alpine-311.tar.gz", "etc/alpine-release");
    assert!(
        os_release.starts_with(b"3.11"),
        "{:?}",
        String::from_utf8_lossy(&os_release)
    );
}
