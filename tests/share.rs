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

/// The largest-first deal alone, as `Share::deal` began: the bar the
/// evened-out deal must meet or beat.
fn largest_first(of: usize, costs: &[u64]) -> Vec<u64> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[b].cmp(&costs[a]).then(a.cmp(&b)));
    let mut load = vec![0u64; of];
    for b in order {
        let i = (0..of).min_by_key(|&i| (load[i], i)).unwrap();
        load[i] += costs[b];
    }
    load
}

fn loads(of: usize, costs: &[u64], owners: &[usize]) -> Vec<u64> {
    let mut load = vec![0u64; of];
    for (b, &o) in owners.iter().enumerate() {
        assert!(o < of, "blob {b} dealt to share {o} of {of}");
        load[o] += costs[b];
    }
    load
}

#[test]
fn a_deal_is_evened_out_past_largest_first() {
    // large-oci.tar's gzip layers, MB stored and inflated, as costs
    // (stored + twice inflated): largest first leaves 1035 against 875
    let layers = [
        (70, 193),
        (63, 171),
        (57, 150),
        (50, 139),
        (27, 123),
        (23, 26),
        (2, 7),
    ];
    let costs: Vec<u64> = layers.iter().map(|&(c, u)| c + 2 * u).collect();
    let first = largest_first(2, &costs);
    assert_eq!(first.iter().max(), Some(&1035));
    let owners = Share::deal(2, &costs);
    let load = loads(2, &costs, &owners);
    assert_eq!(load.iter().sum::<u64>(), 1910);
    assert!(
        load.iter().all(|&l| l <= 960),
        "evened out to within a few MB of 955 each: {load:?}"
    );
    assert_eq!(Share::deal(2, &costs), owners, "the same deal every time");
    // random costs, 2 to 5 shares: never worse than largest first
    let mut x: u64 = 7;
    for round in 0..500 {
        let of = 2 + round % 4;
        let n = round % 23;
        let costs: Vec<u64> = (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 33) % 1000
            })
            .collect();
        let owners = Share::deal(of, &costs);
        assert_eq!(owners.len(), n);
        let load = loads(of, &costs, &owners);
        let bar = largest_first(of, &costs);
        assert!(
            load.iter().max() <= bar.iter().max(),
            "{costs:?} in {of}: {load:?} against largest first {bar:?}"
        );
    }
}

#[test]
fn gzip_blobs_are_dealt_by_what_their_trailer_says_they_inflate_to() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("facts.json")).unwrap();
    let facts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut hinted = 0;
    for f in facts.as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        let path = common::fixture_path(&dir, file);
        let open = || BufReader::new(File::open(&path).unwrap());
        let Ok(whole) = dissect(open(), &Options::default(), &mut Quiet) else {
            continue;
        };
        let opts = Options {
            share: Some(Share { index: 0, of: 2 }),
            read_layers: false,
            ..Options::default()
        };
        let d = dissect(open(), &opts, &mut Quiet).unwrap();
        for (b, blob) in d.blobs.iter().enumerate() {
            let Some(inflated) = blob.inflated else {
                continue;
            };
            hinted += 1;
            let facts = whole.blobs[b].facts.as_ref().unwrap();
            assert_eq!(
                Some(inflated),
                facts.uncompressed_size,
                "{file}: blob {}: the trailer's size is the size inflated",
                blob.path
            );
        }
        assert!(
            whole.blobs.iter().all(|b| b.inflated.is_none()),
            "{file}: one reader reads no trailers"
        );
    }
    assert!(hinted >= 3, "gzip blobs of 1 MiB or more hinted: {hinted}");
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
