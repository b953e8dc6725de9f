//! Four SHA-256 streams at once.
//!
//! In the browser there is no SHA-NI, and hashing one stream with the
//! portable code is the page's bottleneck. WebAssembly SIMD has 128-bit
//! vectors of four 32-bit lanes, and SHA-256 works on 32-bit words, so four
//! independent streams fit side by side: lane `j` of every vector holds
//! stream `j`'s word. One pass of the rounds then hashes one 64-byte block
//! of each of four streams (the multi-buffer technique of Intel's
//! isa-l_crypto and minio/sha256-simd).
//!
//! [`compress4`] is the 4-lane compression: SIMD on `wasm32` with
//! `simd128`, and elsewhere `sha2::compress256` per lane (which picks
//! SHA-NI natively, so the CLI loses nothing). [`Sha256x4`] holds four
//! independent hash streams, each with its own partial block and length,
//! and feeds [`compress4`] as many blocks as the streams have in common.
//!
//! In a headless Chromium worker on this project's 2-core machine
//! (tests/wasm_sha256x4_bench.rs, four 64 MiB messages in 4 MiB pieces),
//! four busy lanes hash about 1.9× as fast as `sha2::Sha256` on the four
//! one after another (best of 7: 600 against 304 MB/s; Firefox about the
//! same), three busy lanes about 1.5×; with one or two busy lanes it is
//! `sha2`. The ceiling is the rotates: WebAssembly SIMD has none, so each
//! is two shifts and an or, and the shifts are where x86 runs out of ports.
//!
//! ```
//! use layercake::Sha256x4;
//! use sha2::{Digest, Sha256};
//!
//! let mut lanes = Sha256x4::new();
//! // four streams, fed unequal lengths; lane 3 is idle for now
//! lanes.update4([b"hello ", b"ab", b"", b""]);
//! lanes.update4([b"world", b"c", b"", b""]);
//! assert_eq!(lanes.finish(0), <[u8; 32]>::from(Sha256::digest(b"hello world")));
//! // lane 0 starts a new stream while lane 1 goes on
//! lanes.update4([b"x", b"", b"", b"y"]);
//! assert_eq!(lanes.finish(1), <[u8; 32]>::from(Sha256::digest(b"abc")));
//! assert_eq!(lanes.finish(0), <[u8; 32]>::from(Sha256::digest(b"x")));
//! assert_eq!(lanes.finish(2), <[u8; 32]>::from(Sha256::digest(b"")));
//! assert_eq!(lanes.finish(3), <[u8; 32]>::from(Sha256::digest(b"y")));
//! ```
//!
//! No `unsafe`: the `core::arch::wasm32` intrinsics used are safe
//! functions, and every slice is indexed within its bounds.

#![forbid(unsafe_code)]

/// How many streams run side by side.
pub const LANES: usize = 4;

/// The bytes of one SHA-256 block.
pub const BLOCK: usize = 64;

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
pub const INITIAL_STATE: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Run the 4-lane compression only when at least this many lanes have
/// blocks to hash; with fewer, each lane is hashed on its own. In headless
/// Chromium one 4-lane pass costs about as much as two scalar ones, so two
/// busy lanes gain nothing and three do
/// (tests/wasm_sha256x4_bench.rs measures it).
const MIN_SIMD_LANES: usize = 3;

/// Hashes whole 64-byte blocks of four streams in lock step.
///
/// Lane `j` hashes the first `n` blocks of `blocks[j]` into `states[j]`,
/// where `n` is the number of whole blocks in the shortest of the four
/// slices; `n` is returned, and bytes past `n` blocks are left alone (so a
/// slice need not be a whole number of blocks). A lane that should not
/// move can be given another lane's blocks and a copy of a state.
///
/// On `wasm32` with `simd128` the four lanes share one vector pass; elsewhere
/// each lane goes through `sha2::compress256` (SHA-NI where the CPU has it).
pub fn compress4(states: &mut [[u32; 8]; LANES], blocks: [&[u8]; LANES]) -> usize {
    let n = blocks.iter().map(|b| b.len() / BLOCK).min().unwrap_or(0);
    if n == 0 {
        return 0;
    }
    let blocks = blocks.map(|b| &b[..n * BLOCK]);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    simd::compress4(states, blocks);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    for (state, lane) in states.iter_mut().zip(blocks) {
        compress1(state, lane);
    }
    n
}

/// Hashes the whole 64-byte blocks of `blocks` into `state`, one stream on
/// its own, with `sha2::compress256`; a trailing partial block is left
/// alone.
pub fn compress1(state: &mut [u32; 8], blocks: &[u8]) {
    use sha2::digest::generic_array::GenericArray;
    for block in blocks.chunks_exact(BLOCK) {
        sha2::compress256(
            state,
            core::slice::from_ref(GenericArray::from_slice(block)),
        );
    }
}

/// One stream's count of bytes: its length, and how much of its partial
/// block is filled. (Its state and its block buffer are in [`Sha256x4`]'s
/// arrays, so that [`compress4`] can take all four at once.)
#[derive(Clone, Copy)]
struct Stream {
    /// Bytes fed so far.
    len: u64,
    /// The partial block not hashed yet is `bufs[lane][..buffered]`.
    buffered: usize,
}

/// Four independent SHA-256 streams, hashed four at a time where they can.
///
/// [`update4`](Sha256x4::update4) feeds each stream its next bytes (any
/// lengths, empty for an idle lane): the whole blocks the busy lanes have
/// in common go through the 4-lane [`compress4`], the rest lane by lane.
/// [`finish`](Sha256x4::finish) pads one lane, returns its digest and resets
/// it, so a new stream can start there while the others go on. Feeding
/// four equal slices whose length is a multiple of 64 (the worker's 4 MiB
/// reads) hashes every byte in the 4-lane pass, straight from the slices:
/// only a partial block is ever copied, and nothing allocates.
#[derive(Clone)]
pub struct Sha256x4 {
    states: [[u32; 8]; LANES],
    bufs: [[u8; BLOCK]; LANES],
    streams: [Stream; LANES],
}

impl Default for Sha256x4 {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Sha256x4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sha256x4")
            .field("lens", &self.streams.map(|s| s.len))
            .finish_non_exhaustive()
    }
}

impl Sha256x4 {
    /// Four empty streams.
    pub fn new() -> Self {
        Sha256x4 {
            states: [INITIAL_STATE; LANES],
            bufs: [[0; BLOCK]; LANES],
            streams: [Stream {
                len: 0,
                buffered: 0,
            }; LANES],
        }
    }

    /// The bytes fed to lane `lane` since it was last finished.
    ///
    /// # Panics
    ///
    /// If `lane >= LANES`.
    pub fn len(&self, lane: usize) -> u64 {
        self.streams[lane].len
    }

    /// Whether lane `lane` has been fed nothing since it was last finished.
    ///
    /// # Panics
    ///
    /// If `lane >= LANES`.
    pub fn is_empty(&self, lane: usize) -> bool {
        self.len(lane) == 0
    }

    /// Feeds `inputs[j]` to lane `j`, for each of the four lanes at once.
    ///
    /// Lengths may differ and any may be empty. Whole blocks that at least
    /// three lanes have are hashed in the 4-lane pass; the rest lane by
    /// lane, and a trailing partial block is kept for the next call.
    pub fn update4(&mut self, inputs: [&[u8]; LANES]) {
        for (stream, input) in self.streams.iter_mut().zip(inputs) {
            stream.len = stream.len.wrapping_add(input.len() as u64);
        }
        let mut rest = inputs;

        // Top up partial blocks; a lane whose buffer fills has one block
        // pending in `bufs`.
        let mut pending = [false; LANES];
        for lane in 0..LANES {
            let buffered = self.streams[lane].buffered;
            if buffered == 0 {
                continue;
            }
            let take = (BLOCK - buffered).min(rest[lane].len());
            let (head, tail) = rest[lane].split_at(take);
            self.bufs[lane][buffered..buffered + take].copy_from_slice(head);
            rest[lane] = tail;
            self.streams[lane].buffered = buffered + take;
            pending[lane] = buffered + take == BLOCK;
        }
        if pending.iter().any(|&p| p) {
            let blocks = self.bufs.each_ref().map(|b| &b[..]);
            hash_blocks(&mut self.states, pending, blocks);
            for (stream, _) in self.streams.iter_mut().zip(pending).filter(|(_, p)| *p) {
                stream.buffered = 0;
            }
        }

        // The whole blocks straight from the inputs: rounds of as many
        // blocks as the busy lanes have in common.
        loop {
            let counts = rest.map(|r| r.len() / BLOCK);
            let busy = counts.map(|c| c > 0);
            let Some(common) = counts.iter().copied().filter(|&c| c > 0).min() else {
                break;
            };
            let mut blocks = rest;
            for lane in 0..LANES {
                if busy[lane] {
                    let (head, tail) = rest[lane].split_at(common * BLOCK);
                    blocks[lane] = head;
                    rest[lane] = tail;
                }
            }
            hash_blocks(&mut self.states, busy, blocks);
        }

        // What is left is less than a block in each lane: keep it.
        for ((buf, stream), tail) in self.bufs.iter_mut().zip(&mut self.streams).zip(rest) {
            let buffered = stream.buffered;
            buf[buffered..buffered + tail.len()].copy_from_slice(tail);
            stream.buffered = buffered + tail.len();
        }
    }

    /// Feeds `data` to lane `lane` alone (the others stay as they are).
    ///
    /// # Panics
    ///
    /// If `lane >= LANES`.
    pub fn update(&mut self, lane: usize, data: &[u8]) {
        let mut inputs: [&[u8]; LANES] = [&[]; LANES];
        inputs[lane] = data;
        self.update4(inputs);
    }

    /// Pads lane `lane`'s stream, returns its SHA-256 and resets the lane
    /// to an empty stream; the other lanes are not touched.
    ///
    /// # Panics
    ///
    /// If `lane >= LANES`.
    pub fn finish(&mut self, lane: usize) -> [u8; 32] {
        let Stream { len, buffered } = self.streams[lane];
        let mut tail = [0u8; 2 * BLOCK];
        tail[..buffered].copy_from_slice(&self.bufs[lane][..buffered]);
        tail[buffered] = 0x80;
        let end = if buffered < BLOCK - 8 {
            BLOCK
        } else {
            2 * BLOCK
        };
        tail[end - 8..end].copy_from_slice(&len.wrapping_mul(8).to_be_bytes());
        let mut state = self.states[lane];
        compress1(&mut state, &tail[..end]);

        self.states[lane] = INITIAL_STATE;
        self.streams[lane] = Stream {
            len: 0,
            buffered: 0,
        };
        let mut digest = [0u8; 32];
        for (out, word) in digest.chunks_exact_mut(4).zip(state) {
            out.copy_from_slice(&word.to_be_bytes());
        }
        digest
    }
}

/// Hashes `blocks[j]` (whole blocks, the same count in every busy lane)
/// into `states[j]` for each busy lane: four at a time when enough lanes
/// are busy, else one by one.
fn hash_blocks(states: &mut [[u32; 8]; LANES], busy: [bool; LANES], blocks: [&[u8]; LANES]) {
    let active = busy.iter().filter(|&&b| b).count();
    if active < MIN_SIMD_LANES {
        for lane in 0..LANES {
            if busy[lane] {
                compress1(&mut states[lane], blocks[lane]);
            }
        }
        return;
    }
    // Idle lanes run on a busy lane's blocks, and their results are
    // dropped.
    let Some(filler) = busy.iter().position(|&b| b) else {
        return;
    };
    let mut scratch = *states;
    let blocks = std::array::from_fn(|lane| {
        if busy[lane] {
            blocks[lane]
        } else {
            blocks[filler]
        }
    });
    compress4(&mut scratch, blocks);
    for ((state, new), _) in states.iter_mut().zip(scratch).zip(busy).filter(|(_, b)| *b) {
        *state = new;
    }
}

/// The SHA-256 of each of four messages, hashed together.
pub fn digest4(messages: [&[u8]; LANES]) -> [[u8; 32]; LANES] {
    let mut lanes = Sha256x4::new();
    lanes.update4(messages);
    std::array::from_fn(|lane| lanes.finish(lane))
}

/// SHA-256's round constants (FIPS 180-4, 4.2.2).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The 4-lane compression in WebAssembly SIMD.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;
