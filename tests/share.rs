//! Several readers of one archive, each reading a share of the layers, must
//! together yield exactly the report one reader would.

mod common;

use std::fs::File;
use std::io::BufReader;

use layercake::Share;
use layercake::{dissect, Options, Quiet};

#[test]
fn shares_deal_blobs_evenly_and_deterministically() {
    let owners = Share::deal(2, &[100, 10, 90, 5, 5]);
    assert_eq!(owners, vec![0, 1, 1, 0, 1]);
    let load = |i| {
        (0..5)
            .filter(|&b| owners[b] == i)
            .map(|b| [100, 10, 90, 5, 5][b])
            .sum::<u64>()
    };
    assert_eq!((load(0), load(1)), (105, 105));
    assert_eq!(Share::deal(1, &[3, 2]), vec![0, 0]);
    assert!(Share::deal(3, &[]).is_empty());
}

#[test]
fn shared_reads_merge_into_the_single_reader_report() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    for file in [
        "built__bb-docker.tar",
        "built__bb-oci-gzip.tar",
        "regclient__layout_testrepo.tar",
        "dive__test-docker-image.tar",
        "ggcr__test_link.tar",
        "trivy__alpine-311.tar.gz",
    ] {
        let path = common::fixture_path(&dir, file);
        let open = || BufReader::new(File::open(&path).unwrap());
        let whole = dissect(open(), &Options::default(), &mut Quiet).unwrap();
        for of in [2, 3] {
            let mut parts: Vec<_> = (0..of)
                .map(|index| {
                    let opts = Options {
                        share: Some(Share { index, of }),
                        ..Options::default()
                    };
                    dissect(open(), &opts, &mut Quiet).unwrap()
                })
                .collect();
            let mut first = parts.remove(0);
            let missing = first.missing();
            for b in missing {
                let other = parts
                    .iter()
                    .find(|p| p.blobs[b].facts.is_some())
                    .unwrap_or_else(|| panic!("{file}: no share read blob {b}"));
                let blob = other.blobs[b].clone();
                first.complete(b, blob.facts.unwrap(), blob.entries);
            }
            assert!(first.missing().is_empty());
            let merged = first.finish(&Options::default(), &mut Quiet);
            assert_eq!(
                serde_json::to_value(&merged.report).unwrap(),
                serde_json::to_value(&whole.report).unwrap(),
                "{file} in {of} shares"
            );
        }
    }
}
