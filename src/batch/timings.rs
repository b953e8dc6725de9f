//! Where a batch's time goes, for `?profile=1`.

/// Where a batch's time went, when it was given a clock
/// ([`Batch::timed`](super::Batch::timed)): milliseconds of its clock.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Inflating gzip layers.
    pub inflate_ms: f64,
    /// Walking tar streams (uncompressed layers; inflated ones are walked
    /// as they are inflated, in `inflate_ms`).
    pub walk_ms: f64,
    /// Hashing the four lanes.
    pub hash_ms: f64,
    /// Rounds taken ([`Batch::take`](super::Batch::take) calls).
    pub rounds: u64,
    /// Busy lanes over all rounds (over `rounds`: how many lanes a round
    /// hashed on average, of four).
    pub busy_lanes: u64,
}

impl Timings {
    /// Adds the time since `since` to the phase `phase` picks, by `clock`
    /// (with none, nothing is timed), and returns the clock now.
    pub(super) fn lap(
        &mut self,
        clock: Option<fn() -> f64>,
        since: f64,
        phase: fn(&mut Timings) -> &mut f64,
    ) -> f64 {
        let Some(clock) = clock else { return 0.0 };
        let now = clock();
        *phase(self) += now - since;
        now
    }
}
