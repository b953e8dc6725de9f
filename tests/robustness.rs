//! Bad input never panics and never hangs: archives damaged at random
//! (bytes flipped, cut short, blocks repeated) are read to the end with
//! problems or a clean error.

mod common;

use std::io::Cursor;

use layercake::{dissect, dissect_stream, Error, Options, Quiet};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn damage(original: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = original.to_vec();
    match rng.below(4) {
        0 => {
            // flip a few bytes, often in headers (the first 512 of a block)
            for _ in 0..1 + rng.below(8) {
                let block = rng.below(b.len() / 512) * 512;
                let at = (block + rng.below(512)).min(b.len() - 1);
                b[at] ^= 1 << rng.below(8);
            }
        }
        1 => b.truncate(rng.below(b.len())),
        2 => {
            // repeat a block somewhere else
            let from = rng.below(b.len() / 512) * 512;
            let to = rng.below(b.len() / 512) * 512;
            let block = b[from..(from + 512).min(b.len())].to_vec();
            let end = (to + block.len()).min(b.len());
            b[to..end].copy_from_slice(&block[..end - to]);
        }
        _ => {
            // zero a run
            let at = rng.below(b.len());
            let end = (at + rng.below(4096)).min(b.len());
            b[at..end].fill(0);
        }
    }
    b
}

fn read_both(bytes: &[u8]) {
    for result in [
        dissect(Cursor::new(bytes), &Options::default(), &mut Quiet),
        dissect_stream(
            bytes,
            Some(bytes.len() as u64),
            &Options::default(),
            &mut Quiet,
        ),
    ] {
        match result {
            Ok(d) => {
                // everything that was read can be merged and listed
                for i in 0..d.report.images.len() {
                    let mut out = Vec::new();
                    d.tree(i).write_listing(&mut out).unwrap();
                }
                serde_json::to_string(&d.report).unwrap();
            }
            Err(Error::NotAnImage { found }) => assert!(!found.is_empty()),
            Err(e) => panic!("a damaged archive in memory should not be a read error: {e}"),
        }
    }
}

#[test]
fn damaged_sample_archives_never_panic() {
    let sample = layercake::sample::build();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &sample).unwrap();
    let gz = gz.finish().unwrap();
    let mut rng = Rng(0x5eed);
    for _ in 0..150 {
        read_both(&damage(&sample, &mut rng));
    }
    for _ in 0..50 {
        read_both(&damage(&gz, &mut rng));
    }
}

#[test]
fn damaged_fixtures_never_panic() {
    let Some(dir) = common::fixtures() else {
        return;
    };
    let mut rng = Rng(0xfeed);
    for file in [
        "built__bb-oci-zstd.tar",
        "built__bb-oci-gzip.tar",
        "regclient__layout_testrepo.tar",
        "moby__emptyLayer.tar",
        "ggcr__test_link.tar",
    ] {
        let bytes = std::fs::read(common::fixture_path(&dir, file)).unwrap();
        for _ in 0..8 {
            read_both(&damage(&bytes, &mut rng));
        }
    }
}
