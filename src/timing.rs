//! Stage timings on stderr when `CACHELINT_TIMINGS` is set, for profiling.

use std::cell::Cell;
use std::time::Instant;

/// A stopwatch that prints the time since its last lap, only when `CACHELINT_TIMINGS` is set.
pub struct Lap {
    last: Option<Cell<Instant>>,
}

impl Lap {
    /// Starts timing; `first` names nothing yet (the first [`Lap::lap`] names its stage).
    pub fn start(_first: &str) -> Lap {
        Lap {
            last: std::env::var_os("CACHELINT_TIMINGS").map(|_| Cell::new(Instant::now())),
        }
    }

    /// Prints the seconds since the previous lap under `stage`.
    pub fn lap(&self, stage: &str) {
        if let Some(last) = &self.last {
            eprintln!(
                "cachelint timing: {stage:<22} {:>8.3}s",
                last.get().elapsed().as_secs_f64()
            );
            last.set(Instant::now());
        }
    }
}
