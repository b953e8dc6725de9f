//! Progress events: bytes read and inflated, said every so often.

use std::cell::Cell;
use std::rc::Rc;

use crate::event::{Event, Sink};

/// Counts what a read has got through, and says so to the sink every
/// `step` bytes read or inflated (and when asked to).
pub(crate) struct Progress {
    counter: Rc<Cell<u64>>,
    total: Option<u64>,
    step: u64,
    last: u64,
    inflated: u64,
    last_inflated: u64,
}

impl Progress {
    pub(crate) fn new(counter: Rc<Cell<u64>>, total: Option<u64>, step: u64) -> Progress {
        Progress {
            counter,
            total,
            step,
            last: 0,
            inflated: 0,
            last_inflated: 0,
        }
    }

    /// Told of `n` more bytes of an uncompressed layer stream.
    pub(crate) fn inflate(&mut self, n: u64, sink: &mut dyn Sink) {
        self.inflated += n;
        self.tick(sink, false);
    }

    pub(crate) fn tick(&mut self, sink: &mut dyn Sink, force: bool) {
        let read = self.counter.get();
        if force || read >= self.last + self.step || self.inflated >= self.last_inflated + self.step
        {
            self.last = read;
            self.last_inflated = self.inflated;
            sink.event(Event::Progress {
                read,
                total: self.total,
                inflated: self.inflated,
            });
        }
    }
}
