//! Sliding windows behind the trading-side checks: time connected, and recent order results.
//!
//! Both allocate once, when created, so recording on the tick path allocates nothing.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Buckets per connectivity window.
const BUCKETS: usize = 60;

/// Connected and total milliseconds in one slice of the window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// Slice number: time divided by the slice length.
    pub slice: i64,
    /// Milliseconds connected in the slice.
    pub connected_ms: i64,
    /// Milliseconds observed in the slice.
    pub total_ms: i64,
}

/// Share of time connected over a sliding window, from the connected flag of each snapshot.
/// The time between two snapshots counts with the flag of the earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectivityWindow {
    slice_ms: i64,
    buckets: Vec<Bucket>,
    last: Option<(TimeMs, bool)>,
}

impl ConnectivityWindow {
    /// A window of `window_ms` milliseconds (at least 60).
    pub fn new(window_ms: i64) -> Self {
        ConnectivityWindow {
            slice_ms: (window_ms / BUCKETS as i64).max(1),
            buckets: vec![Bucket::default(); BUCKETS],
            last: None,
        }
    }

    /// Records the flag seen at `time_ms` and returns the connected share, percent, or `None`
    /// before any time has been observed. A time earlier than the last one is not counted.
    pub fn record(&mut self, time_ms: TimeMs, connected: bool) -> Option<f64> {
        if let Some((last_ms, was_connected)) = self.last {
            if time_ms > last_ms {
                self.attribute(last_ms, time_ms, was_connected);
            }
        }
        let last_ms = self.last.map_or(time_ms, |(ms, _)| ms.max(time_ms));
        self.last = Some((last_ms, connected));
        self.share(last_ms)
    }

    fn attribute(&mut self, from_ms: TimeMs, to_ms: TimeMs, connected: bool) {
        // Only the last window matters, so a longer gap starts at the window's beginning.
        let window_ms = self.slice_ms * BUCKETS as i64;
        let mut start = from_ms.max(to_ms - window_ms);
        while start < to_ms {
            let slice = start.div_euclid(self.slice_ms);
            let end = ((slice + 1) * self.slice_ms).min(to_ms);
            let bucket = &mut self.buckets[slice.rem_euclid(BUCKETS as i64) as usize];
            if bucket.slice != slice {
                *bucket = Bucket {
                    slice,
                    ..Bucket::default()
                };
            }
            bucket.total_ms += end - start;
            if connected {
                bucket.connected_ms += end - start;
            }
            start = end;
        }
    }

    fn share(&self, now_ms: TimeMs) -> Option<f64> {
        let newest = now_ms.div_euclid(self.slice_ms);
        let (connected, total) = self
            .buckets
            .iter()
            .filter(|bucket| bucket.slice > newest - BUCKETS as i64 && bucket.slice <= newest)
            .fold((0i64, 0i64), |(c, t), bucket| {
                (c + bucket.connected_ms, t + bucket.total_ms)
            });
        (total > 0).then(|| connected as f64 * 100.0 / total as f64)
    }
}

/// The results of the most recent orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionWindow {
    capacity: usize,
    min_results: usize,
    results: VecDeque<bool>,
}

impl ExecutionWindow {
    /// A window over the last `capacity` results, judged from `min_results` on.
    pub fn new(capacity: u32, min_results: u32) -> Self {
        let capacity = capacity.max(1) as usize;
        ExecutionWindow {
            capacity,
            min_results: (min_results as usize).clamp(1, capacity),
            results: VecDeque::with_capacity(capacity),
        }
    }

    /// Records whether one order executed.
    pub fn record(&mut self, executed: bool) {
        if self.results.len() == self.capacity {
            self.results.pop_front();
        }
        self.results.push_back(executed);
    }

    /// The share of recorded orders that executed, percent, once enough are recorded.
    pub fn success_percent(&self) -> Option<f64> {
        if self.results.len() < self.min_results {
            return None;
        }
        let executed = self.results.iter().filter(|executed| **executed).count();
        Some(executed as f64 * 100.0 / self.results.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connectivity_first_snapshot_has_no_share() {
        let mut window = ConnectivityWindow::new(3_600_000);
        assert_eq!(window.record(1_000, true), None);
    }

    #[test]
    fn connectivity_counts_time_between_snapshots() {
        let mut window = ConnectivityWindow::new(3_600_000);
        window.record(0, true);
        window.record(99_000, false);
        let share = window.record(100_000, true).expect("share");
        assert!((share - 99.0).abs() < 1e-9, "share {share}");
    }

    #[test]
    fn connectivity_forgets_old_time() {
        let mut window = ConnectivityWindow::new(600_000);
        window.record(0, false);
        window.record(60_000, true);
        let share = window.record(2_000_000, true).expect("share");
        assert_eq!(share, 100.0);
    }

    #[test]
    fn connectivity_ignores_time_going_back() {
        let mut window = ConnectivityWindow::new(600_000);
        window.record(10_000, true);
        window.record(5_000, false);
        let share = window.record(20_000, true).expect("share");
        assert_eq!(share, 0.0);
    }

    #[test]
    fn execution_needs_min_results() {
        let mut window = ExecutionWindow::new(4, 2);
        window.record(false);
        assert_eq!(window.success_percent(), None);
        window.record(true);
        assert_eq!(window.success_percent(), Some(50.0));
        for _ in 0..4 {
            window.record(true);
        }
        assert_eq!(window.success_percent(), Some(100.0));
    }
}
