//! The cases for `layercake::sha256x4`, shared by the native tests
//! (tests/sha256x4.rs, where the 4-lane pass is `sha2::compress256` per
//! lane) and the browser tests (tests/wasm_sha256x4.rs, where it is the
//! WebAssembly SIMD code). Each case panics on the first wrong digest.

#![allow(dead_code)]

use layercake::sha256x4::{compress1, compress4, digest4, BLOCK, INITIAL_STATE, LANES};
use layercake::Sha256x4;
use sha2::{Digest, Sha256};

/// A tiny deterministic PRNG (splitmix64), so a failure replays.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), near enough for tests.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let x = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}

fn sha2(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// FIPS 180-2's SHA-256 examples (appendix B) and the NIST test vectors:
/// the message and its digest. The last is one million `a`s.
fn nist_vectors() -> Vec<(Vec<u8>, &'static str)> {
    vec![
        (
            b"".to_vec(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc".to_vec(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".to_vec(),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".to_vec(),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
        ),
        (
            vec![b'a'; 1_000_000],
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
        ),
    ]
}

/// Every NIST vector on every lane: all four lanes hashing it at once (in
/// one call, and in 1000-byte pieces as the million-`a` vector is usually
/// fed), each lane holding it while the others hash other vectors, and one
/// lane holding it while the others are idle.
pub fn nist_vectors_on_every_lane() {
    let vectors = nist_vectors();
    for (message, expected) in &vectors {
        let len = message.len();
        for digest in digest4([message; LANES].map(|m| &m[..])) {
            assert_eq!(hex(&digest), *expected, "{len} bytes, all lanes, one call");
        }

        let mut lanes = Sha256x4::new();
        for piece in message.chunks(1000) {
            lanes.update4([piece; LANES]);
        }
        for lane in 0..LANES {
            assert_eq!(lanes.len(lane), len as u64);
            let digest = lanes.finish(lane);
            assert_eq!(
                hex(&digest),
                *expected,
                "{len} bytes, lane {lane}, 1000-byte pieces"
            );
        }

        for lane in 0..LANES {
            let mut lanes = Sha256x4::new();
            let mut inputs: [&[u8]; LANES] = [&[]; LANES];
            inputs[lane] = message;
            lanes.update4(inputs);
            let digest = lanes.finish(lane);
            assert_eq!(hex(&digest), *expected, "{len} bytes, lane {lane} alone");
            for idle in (0..LANES).filter(|&l| l != lane) {
                assert_eq!(
                    hex(&lanes.finish(idle)),
                    vectors[0].1,
                    "idle lane {idle} beside lane {lane} is the empty message"
                );
            }
        }
    }
    // each lane a different vector at the same time, in every rotation
    for shift in 0..vectors.len() {
        let pick: [usize; LANES] = std::array::from_fn(|lane| (lane + shift) % vectors.len());
        let digests = digest4(pick.map(|i| &vectors[i].0[..]));
        for lane in 0..LANES {
            let (message, expected) = &vectors[pick[lane]];
            assert_eq!(
                hex(&digests[lane]),
                *expected,
                "{} bytes in lane {lane} beside other vectors",
                message.len()
            );
        }
    }
}

/// The next piece of a message to feed: mostly small and odd, sometimes a
/// whole number of blocks, sometimes empty, sometimes all that is left.
fn piece_len(rng: &mut Rng, left: usize) -> usize {
    let n = match rng.below(8) {
        0 => 0,
        1 => left,
        2 | 3 => BLOCK * rng.below(8),
        4 => 1 + rng.below(BLOCK),
        _ => rng.below(600),
    };
    n.min(left)
}

/// Every message length from 0 to 4096 bytes against `sha2::Sha256`: the
/// lengths in a shuffled queue, each lane taking the next one when it
/// finishes (so lanes hold different lengths at once, and lanes finish and
/// restart while the others go on), fed in random pieces, some rounds with
/// the same whole-block piece for every lane so the 4-lane pass runs.
pub fn differential_every_length_to_4096(seed: u64) {
    let mut rng = Rng::new(seed);
    let pool = rng.bytes(8192);
    let mut queue: Vec<usize> = (0..=4096).collect();
    for i in (1..queue.len()).rev() {
        queue.swap(i, rng.below(i + 1));
    }

    // each lane's message (a window of the pool) and how much of it is fed
    let mut lanes = Sha256x4::new();
    let mut current: [Option<(usize, usize, usize)>; LANES] = [None; LANES];
    let mut checked = 0;
    loop {
        for slot in current.iter_mut() {
            if slot.is_none() {
                if let Some(len) = queue.pop() {
                    let start = rng.below(pool.len() - len + 1);
                    *slot = Some((start, len, 0));
                }
            }
        }
        if current.iter().all(Option::is_none) {
            break;
        }
        let same = (rng.below(3) == 0).then(|| BLOCK * (1 + rng.below(16)));
        let mut inputs: [&[u8]; LANES] = [&[]; LANES];
        for lane in 0..LANES {
            if let Some((start, len, fed)) = &mut current[lane] {
                let left = *len - *fed;
                let n = same.map_or_else(|| piece_len(&mut rng, left), |s| s.min(left));
                inputs[lane] = &pool[*start + *fed..*start + *fed + n];
                *fed += n;
            }
        }
        lanes.update4(inputs);
        for (lane, slot) in current.iter_mut().enumerate() {
            if let Some((start, len, fed)) = *slot {
                if fed == len {
                    assert_eq!(lanes.len(lane), len as u64, "lane {lane}");
                    let message = &pool[start..start + len];
                    assert_eq!(
                        hex(&lanes.finish(lane)),
                        hex(&sha2(message)),
                        "{len} bytes in lane {lane} (seed {seed})"
                    );
                    checked += 1;
                    *slot = None;
                }
            }
        }
    }
    assert_eq!(checked, 4097, "every length was checked");
}

/// Large random messages of unequal lengths (around 1–2 MiB) against
/// `sha2::Sha256`: first in the worker's pattern (equal pieces of whole
/// blocks, the shorter lanes going idle), then in random pieces.
pub fn differential_large(seed: u64) {
    let mut rng = Rng::new(seed);
    let messages: Vec<Vec<u8>> = (0..LANES)
        .map(|_| {
            let len = (1 << 20) + rng.below(1 << 20);
            rng.bytes(len)
        })
        .collect();
    let expected: Vec<[u8; 32]> = messages.iter().map(|m| sha2(m)).collect();

    let piece = 256 << 10;
    let mut lanes = Sha256x4::new();
    let longest = messages.iter().map(Vec::len).max().unwrap_or(0);
    for at in (0..longest).step_by(piece) {
        let inputs: [&[u8]; LANES] = std::array::from_fn(|lane| {
            let m = &messages[lane];
            &m[at.min(m.len())..(at + piece).min(m.len())]
        });
        lanes.update4(inputs);
    }
    for (lane, expected) in expected.iter().enumerate() {
        assert_eq!(
            lanes.finish(lane),
            *expected,
            "lane {lane}, equal pieces (seed {seed})"
        );
    }

    let mut fed = [0usize; LANES];
    while (0..LANES).any(|lane| fed[lane] < messages[lane].len()) {
        let inputs: [&[u8]; LANES] = std::array::from_fn(|lane| {
            let m = &messages[lane];
            let n = match rng.below(4) {
                0 => rng.below(200_000),
                1 => BLOCK * rng.below(4096),
                _ => rng.below(70_000),
            }
            .min(m.len() - fed[lane]);
            let piece = &m[fed[lane]..fed[lane] + n];
            fed[lane] += n;
            piece
        });
        lanes.update4(inputs);
    }
    for (lane, expected) in expected.iter().enumerate() {
        assert_eq!(
            lanes.finish(lane),
            *expected,
            "lane {lane}, random pieces (seed {seed})"
        );
    }
}

/// `compress4` against `compress1` lane by lane, from random states (not
/// only the initial one), with slices of unequal lengths: it hashes as many
/// whole blocks as the shortest has, and says how many.
pub fn compress4_matches_compress1(seed: u64) {
    let mut rng = Rng::new(seed);
    for round in 0..200 {
        let mut states: [[u32; 8]; LANES] =
            std::array::from_fn(|_| std::array::from_fn(|_| rng.next_u64() as u32));
        if round == 0 {
            states = [INITIAL_STATE; LANES];
        }
        let data: Vec<Vec<u8>> = (0..LANES)
            .map(|_| {
                let len = rng.below(9 * BLOCK);
                rng.bytes(len)
            })
            .collect();
        let n = data.iter().map(|d| d.len() / BLOCK).min().unwrap_or(0);
        let mut expected = states;
        for lane in 0..LANES {
            compress1(&mut expected[lane], &data[lane][..n * BLOCK]);
        }
        let hashed = compress4(&mut states, std::array::from_fn(|lane| &data[lane][..]));
        assert_eq!(hashed, n, "round {round}");
        assert_eq!(states, expected, "round {round} (seed {seed})");
    }
}
