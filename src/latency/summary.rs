//! Percentile summaries read from the tracker's counters.

use super::histogram::{highest_in, Slice, Totals, BUCKETS};
use super::{LatencyTracker, Stage, StageCounters};
use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;

/// Percentiles and totals of one stage over one span of time, in microseconds.
///
/// A percentile is the highest value of the bucket that holds the sample of that rank
/// (nearest rank), capped at the exact maximum, so it is at most 0.1 % above the
/// exact value. Every field is 8 bytes, so the `repr(C)` layout has no padding.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[repr(C)]
pub struct StageSummary {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Largest sample, exact.
    pub max_us: u64,
    /// Arithmetic mean, exact.
    pub mean_us: f64,
    /// Share of samples at or under the target, from 0 to 1; 0 when there are none.
    pub under_target_share: f64,
    /// The stage's target.
    pub target_us: u64,
    /// Samples above the trackable range, counted in the last bucket.
    pub saturated: u64,
}

/// One stage, cumulative since the tracker started and over the recent window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// The stage.
    pub stage: Stage,
    /// Every sample recorded.
    pub cumulative: StageSummary,
    /// Samples whose event time falls in the recent window.
    pub window: StageSummary,
}

/// Both stages at one moment, for the health checks and reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatencyReport {
    /// Event time the window ends at.
    pub time_ms: TimeMs,
    /// Signal created to signal taken by the executor.
    pub signal: StageReport,
    /// Order sent to result received.
    pub execution: StageReport,
    /// Signal latency above which the health check warns, in microseconds.
    pub signal_warning_us: u64,
    /// Samples that missed the window because every recorder shard was taken.
    pub window_missed: u64,
}

/// Quantiles reported, in [`StageSummary`] field order.
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

impl LatencyTracker {
    /// Summarises `stage`, with the window ending at event time `now_ms`.
    ///
    /// Reading allocates nothing.
    // NOTE: a summary taken while a recorder moves into a new slice may count that
    // slice's samples twice or not at all, for that one read.
    pub fn stage_report(&self, stage: Stage, now_ms: TimeMs) -> StageReport {
        let counters = &self.stages[stage as usize];
        let newest = self.epoch_of(now_ms);
        let oldest = newest - i64::from(self.config.window_slices) + 1;
        StageReport {
            stage,
            cumulative: summarize(counters, true, |_| true),
            window: summarize(counters, false, |epoch| (oldest..=newest).contains(&epoch)),
        }
    }

    /// Summarises both stages, with the window ending at event time `now_ms`.
    pub fn report(&self, now_ms: TimeMs) -> LatencyReport {
        LatencyReport {
            time_ms: now_ms,
            signal: self.stage_report(Stage::Signal, now_ms),
            execution: self.stage_report(Stage::Execution, now_ms),
            signal_warning_us: self.config.signal_warning_ms * 1000,
            window_missed: self.window_missed(),
        }
    }
}

/// Sums the cumulative counts (when `with_cumulative`) and the slices whose epoch
/// `include` accepts, then walks the buckets once for every quantile.
fn summarize(
    counters: &StageCounters,
    with_cumulative: bool,
    include: impl Fn(i64) -> bool,
) -> StageSummary {
    // One bit per slice of each shard: the configuration allows at most 64 shards of
    // at most 60 slices, and the choice is made once so every pass sees the same slices.
    let mut chosen = [0u64; 64];
    let mut totals = Sum::default();
    if with_cumulative {
        totals.add(&counters.cumulative.totals);
    }
    for (shard, slices) in counters.shards.iter().enumerate() {
        for (index, slice) in slices.iter().enumerate() {
            let epoch = slice.epoch.load(Ordering::Relaxed);
            if epoch != i64::MIN && include(epoch) {
                chosen[shard] |= 1 << index;
                totals.add(&slice.totals);
            }
        }
    }
    let chosen_slices = || {
        counters
            .shards
            .iter()
            .enumerate()
            .flat_map(move |(shard, slices)| {
                slices
                    .iter()
                    .enumerate()
                    .filter(move |(index, _)| chosen[shard] & (1 << index) != 0)
                    .map(|(_, slice)| slice)
            })
    };
    let bucket_count = |bucket: usize| -> u64 {
        let shared = if with_cumulative {
            counters.cumulative.buckets[bucket].load(Ordering::Relaxed)
        } else {
            0
        };
        shared
            + chosen_slices()
                .map(|slice: &Slice| u64::from(slice.buckets[bucket].load(Ordering::Relaxed)))
                .sum::<u64>()
    };
    let count: u64 = (0..BUCKETS).map(bucket_count).sum();
    let percentiles = percentiles(count, totals.max_us, bucket_count);
    let share = |part: u64| {
        if count == 0 {
            0.0
        } else {
            (part as f64 / count as f64).min(1.0)
        }
    };
    StageSummary {
        count,
        p50_us: percentiles[0],
        p90_us: percentiles[1],
        p99_us: percentiles[2],
        p999_us: percentiles[3],
        max_us: totals.max_us,
        mean_us: if count == 0 {
            0.0
        } else {
            totals.sum_us as f64 / count as f64
        },
        under_target_share: share(totals.under_target),
        target_us: counters.target_us,
        saturated: totals.saturated,
    }
}

/// The nearest-rank value of each of [`QUANTILES`].
fn percentiles(count: u64, max_us: u64, bucket_count: impl Fn(usize) -> u64) -> [u64; 4] {
    let mut values = [0u64; 4];
    if count == 0 {
        return values;
    }
    let ranks = QUANTILES.map(|quantile| ((quantile * count as f64).ceil() as u64).clamp(1, count));
    let mut next = 0;
    let mut seen = 0u64;
    for bucket in 0..BUCKETS {
        seen += bucket_count(bucket);
        while next < ranks.len() && seen >= ranks[next] {
            values[next] = highest_in(bucket).min(max_us);
            next += 1;
        }
        if next == ranks.len() {
            break;
        }
    }
    values
}

/// Plain totals read from one or more [`Totals`].
#[derive(Default)]
struct Sum {
    sum_us: u64,
    under_target: u64,
    saturated: u64,
    max_us: u64,
}

impl Sum {
    fn add(&mut self, totals: &Totals) {
        self.sum_us = self
            .sum_us
            .wrapping_add(totals.sum_us.load(Ordering::Relaxed));
        self.under_target += totals.under_target.load(Ordering::Relaxed);
        self.saturated += totals.saturated.load(Ordering::Relaxed);
        self.max_us = self.max_us.max(totals.max_us.load(Ordering::Relaxed));
    }
}
