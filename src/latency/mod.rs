//! Latency tracking: signal latency (signal created to signal taken by the executor)
//! and execution latency (order sent to result received), each as a histogram with
//! percentiles, cumulative and over a recent window.
//!
//! Recording is wait-free and allocates nothing. Each recording thread writes its own
//! shard with plain loads and stores: a [`Recorder`] holds one for as long as it
//! lives, and [`LatencyTracker::record`] borrows a free one for the call. When every
//! shard is taken, the sample goes into the shared cumulative counts with atomic
//! additions instead, and misses the window. The window is a ring of time slices
//! selected by the event time of each sample, never by the wall clock; a recorder that
//! moves into a new slice folds the old slice into the cumulative counts.
//!
//! ```
//! use mikrobot::latency::{LatencyConfig, LatencyTracker, Stage};
//!
//! let tracker = LatencyTracker::new(LatencyConfig::default()).unwrap();
//! tracker.record(Stage::Signal, 1_250, 1_700_000_000_000);
//! let report = tracker.stage_report(Stage::Signal, 1_700_000_000_000);
//! assert_eq!(report.cumulative.count, 1);
//! assert_eq!(report.window.max_us, 1_250);
//! ```

mod histogram;
mod summary;

#[cfg(test)]
mod tests;

pub use histogram::MAX_TRACKABLE_US;
pub use summary::{LatencyReport, StageReport, StageSummary};

use crate::account::TimeMs;
use histogram::{Cumulative, Slice};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A timed hop of a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(i32)]
pub enum Stage {
    /// Signal created to signal taken by the executor.
    Signal = 0,
    /// Order sent to result received.
    Execution = 1,
}

impl Stage {
    /// Every stage, in numbering order.
    pub const ALL: [Stage; 2] = [Stage::Signal, Stage::Execution];

    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Signal => "signal",
            Stage::Execution => "execution",
        }
    }

    /// The stage with this number, as the C ABI passes it.
    pub fn from_i32(value: i32) -> Option<Stage> {
        match value {
            0 => Some(Stage::Signal),
            1 => Some(Stage::Execution),
            _ => None,
        }
    }
}

/// Targets and window of the latency tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyConfig {
    /// Signal latency target in milliseconds.
    pub signal_target_ms: u64,
    /// Signal latency above which the health check warns, in milliseconds.
    pub signal_warning_ms: u64,
    /// Execution latency target in milliseconds.
    pub execution_target_ms: u64,
    /// Length of the recent window in milliseconds.
    pub window_ms: u64,
    /// Number of slices the window is cut into; the window summary covers the last
    /// `window_slices` slices, the newest one still filling.
    pub window_slices: u32,
    /// Number of threads that can record at the same moment without falling back to
    /// the shared counts; each costs about 350 KiB per stage.
    pub recorders: u32,
}

impl Default for LatencyConfig {
    fn default() -> Self {
        LatencyConfig {
            signal_target_ms: 50,
            signal_warning_ms: 100,
            execution_target_ms: 100,
            window_ms: 300_000,
            window_slices: 5,
            recorders: 4,
        }
    }
}

/// Error returned when a [`LatencyConfig`] is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LatencyConfigError {
    /// A target or warning level is zero or above the trackable range.
    #[error("latency {name} of {value_ms} ms is out of range; set it between 1 and 67000 ms")]
    Level {
        /// Name of the setting.
        name: &'static str,
        /// The rejected value.
        value_ms: u64,
    },
    /// The window cannot be cut into the requested slices.
    #[error(
        "latency window of {window_ms} ms in {slices} slices is invalid; use 1 to 60 slices of at least 1000 ms each"
    )]
    Window {
        /// The rejected window length.
        window_ms: u64,
        /// The rejected slice count.
        slices: u32,
    },
    /// The number of recorders is zero or above 64.
    #[error("latency recorders {0} is out of range; set it between 1 and 64")]
    Recorders(u32),
}

/// One stage's counters: the shared cumulative counts and each shard's slices.
#[derive(Debug)]
struct StageCounters {
    target_us: u64,
    cumulative: Cumulative,
    /// `shards[shard][slice]`.
    shards: Box<[Box<[Slice]>]>,
}

/// Signal and execution latency histograms, safe to record into from several threads.
#[derive(Debug)]
pub struct LatencyTracker {
    config: LatencyConfig,
    slice_ms: i64,
    stages: [StageCounters; 2],
    owners: Box<[AtomicBool]>,
    /// Samples that found every shard taken and missed the window.
    window_missed: AtomicU64,
}

impl LatencyTracker {
    /// Creates a tracker; all memory is allocated here, none while recording.
    ///
    /// # Errors
    ///
    /// [`LatencyConfigError`] when a target, the window or the recorder count is out
    /// of range.
    pub fn new(config: LatencyConfig) -> Result<Self, LatencyConfigError> {
        config.validate()?;
        let stage = |target_ms: u64| StageCounters {
            target_us: target_ms * 1000,
            cumulative: Cumulative::new(),
            shards: (0..config.recorders)
                .map(|_| (0..config.window_slices).map(|_| Slice::new()).collect())
                .collect(),
        };
        Ok(LatencyTracker {
            config,
            slice_ms: (config.window_ms / u64::from(config.window_slices)) as i64,
            stages: [
                stage(config.signal_target_ms),
                stage(config.execution_target_ms),
            ],
            owners: (0..config.recorders)
                .map(|_| AtomicBool::new(false))
                .collect(),
            window_missed: AtomicU64::new(0),
        })
    }

    /// The configuration the tracker was created with.
    pub fn config(&self) -> &LatencyConfig {
        &self.config
    }

    /// Records `latency_us` for `stage` at event time `at_ms`, from any thread.
    ///
    /// Wait-free: it tries each shard once, and when all are held by other threads it
    /// adds the sample to the cumulative counts only.
    pub fn record(&self, stage: Stage, latency_us: u64, at_ms: TimeMs) {
        match self.recorder() {
            Some(mut recorder) => recorder.record(stage, latency_us, at_ms),
            None => {
                let counters = &self.stages[stage as usize];
                counters
                    .cumulative
                    .record_shared(latency_us, counters.target_us);
                self.window_missed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Takes a free shard for a thread that records often, or `None` when every
    /// shard is taken.
    pub fn recorder(&self) -> Option<Recorder<'_>> {
        let shard = self.owners.iter().position(|owner| {
            !owner.load(Ordering::Relaxed)
                && owner
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
        })?;
        Some(Recorder {
            tracker: self,
            shard,
            current: [CurrentSlice::NONE; 2],
        })
    }

    /// Samples that missed the window because every shard was taken.
    pub fn window_missed(&self) -> u64 {
        self.window_missed.load(Ordering::Relaxed)
    }

    fn epoch_of(&self, at_ms: TimeMs) -> i64 {
        at_ms.div_euclid(self.slice_ms)
    }
}

/// Exclusive use of one shard of a [`LatencyTracker`]; dropping it frees the shard.
#[derive(Debug)]
pub struct Recorder<'a> {
    tracker: &'a LatencyTracker,
    shard: usize,
    /// Per stage, the slice that samples go to while their event time stays in its period.
    current: [CurrentSlice<'a>; 2],
}

/// A slice of the recorder's shard and the event times, `start_ms..end_ms`, it covers.
/// Only the recorder that owns the shard moves a slice to another period, so the slice
/// stays valid for as long as the recorder lives.
#[derive(Debug, Clone, Copy)]
struct CurrentSlice<'a> {
    slice: Option<&'a Slice>,
    start_ms: TimeMs,
    end_ms: TimeMs,
    target_us: u64,
}

impl CurrentSlice<'_> {
    const NONE: Self = CurrentSlice {
        slice: None,
        start_ms: 0,
        end_ms: 0,
        target_us: 0,
    };
}

impl<'a> Recorder<'a> {
    /// Records `latency_us` for `stage` at event time `at_ms`, with plain loads and
    /// stores only.
    ///
    /// While event times stay in one slice period, a sample costs one bucket index, one
    /// bucket increment and the totals. The slice lookup runs once per period.
    #[inline]
    pub fn record(&mut self, stage: Stage, latency_us: u64, at_ms: TimeMs) {
        let current = &self.current[stage as usize];
        if let Some(slice) = current.slice {
            if (current.start_ms..current.end_ms).contains(&at_ms) {
                slice.record_exclusive(latency_us, current.target_us);
                return;
            }
        }
        self.record_in_new_period(stage, latency_us, at_ms);
    }

    /// Finds the slice of `at_ms`, folding the counts it held for an older period into
    /// the cumulative counts, and records there.
    #[cold]
    fn record_in_new_period(&mut self, stage: Stage, latency_us: u64, at_ms: TimeMs) {
        let tracker: &'a LatencyTracker = self.tracker;
        let counters = &tracker.stages[stage as usize];
        let slices = &counters.shards[self.shard];
        let epoch = tracker.epoch_of(at_ms);
        let slice = &slices[epoch.rem_euclid(slices.len() as i64) as usize];
        let slice_epoch = slice.epoch.load(Ordering::Relaxed);
        if slice_epoch != epoch {
            if slice_epoch > epoch {
                // The sample is older than the window this slot now covers.
                counters
                    .cumulative
                    .record_shared(latency_us, counters.target_us);
                return;
            }
            slice.fold_into(&counters.cumulative);
            slice.epoch.store(epoch, Ordering::Relaxed);
        }
        slice.record_exclusive(latency_us, counters.target_us);
        let start_ms = epoch.saturating_mul(tracker.slice_ms);
        self.current[stage as usize] = CurrentSlice {
            slice: Some(slice),
            start_ms,
            end_ms: start_ms.saturating_add(tracker.slice_ms),
            target_us: counters.target_us,
        };
    }
}

impl Drop for Recorder<'_> {
    fn drop(&mut self) {
        self.tracker.owners[self.shard].store(false, Ordering::Release);
    }
}

impl LatencyConfig {
    /// Checks the targets, the window and the recorder count.
    ///
    /// # Errors
    ///
    /// [`LatencyConfigError`] naming the value out of range.
    pub fn validate(&self) -> Result<(), LatencyConfigError> {
        validate(self)
    }
}

fn validate(config: &LatencyConfig) -> Result<(), LatencyConfigError> {
    let max_ms = MAX_TRACKABLE_US / 1000;
    for (name, value_ms) in [
        ("signal_target_ms", config.signal_target_ms),
        ("signal_warning_ms", config.signal_warning_ms),
        ("execution_target_ms", config.execution_target_ms),
    ] {
        if value_ms == 0 || value_ms > max_ms {
            return Err(LatencyConfigError::Level { name, value_ms });
        }
    }
    let slices = config.window_slices;
    if slices == 0 || slices > 60 || config.window_ms / u64::from(slices.max(1)) < 1000 {
        return Err(LatencyConfigError::Window {
            window_ms: config.window_ms,
            slices,
        });
    }
    if config.recorders == 0 || config.recorders > 64 {
        return Err(LatencyConfigError::Recorders(config.recorders));
    }
    Ok(())
}
