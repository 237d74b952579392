use super::*;
use std::sync::Arc;
use std::thread;

const START_MS: TimeMs = 1_488_326_400_000;

/// The default tracker, with fewer recorders under Miri, which runs about a thousand
/// times slower; the window keeps its five slices of 60 s.
fn tracker() -> LatencyTracker {
    LatencyTracker::new(test_config()).unwrap()
}

fn test_config() -> LatencyConfig {
    LatencyConfig {
        recorders: if cfg!(miri) { 2 } else { 4 },
        ..LatencyConfig::default()
    }
}

/// A small xorshift generator, so randomized runs are reproducible from their seed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A latency spread evenly over the decades from 1 µs to 60 s.
    fn latency_us(&mut self) -> u64 {
        let exponent = (self.next() % 1_000_000) as f64 / 1_000_000.0 * (60e6f64).log10();
        10f64.powf(exponent) as u64
    }
}

/// The nearest-rank percentile of sorted samples.
fn oracle(sorted: &[u64], quantile: f64) -> u64 {
    let rank = ((quantile * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn assert_within_precision(name: &str, reported: u64, exact: u64) {
    assert!(
        reported >= exact,
        "{name}: reported {reported} below exact {exact}"
    );
    assert!(
        (reported - exact) * 1000 <= exact,
        "{name}: reported {reported} more than 0.1 % above exact {exact}"
    );
}

fn check_against_oracle(summary: &StageSummary, samples: &mut [u64], target_us: u64) {
    samples.sort_unstable();
    assert_eq!(summary.count, samples.len() as u64);
    for (name, reported, quantile) in [
        ("p50", summary.p50_us, 0.5),
        ("p90", summary.p90_us, 0.9),
        ("p99", summary.p99_us, 0.99),
        ("p99.9", summary.p999_us, 0.999),
    ] {
        assert_within_precision(name, reported, oracle(samples, quantile));
    }
    assert_eq!(summary.max_us, *samples.last().unwrap());
    let mean = samples.iter().sum::<u64>() as f64 / samples.len() as f64;
    assert!((summary.mean_us - mean).abs() <= mean * 1e-12, "mean");
    let under = samples.iter().filter(|&&value| value <= target_us).count();
    assert_eq!(
        summary.under_target_share,
        under as f64 / samples.len() as f64
    );
}

#[test]
fn percentiles_match_sorted_oracle() {
    let runs = if cfg!(miri) { 1 } else { 20 };
    let count = if cfg!(miri) { 200 } else { 20_000 };
    for seed in 1..=runs {
        let tracker = tracker();
        let mut random = XorShift(seed);
        let mut samples: Vec<u64> = (0..count).map(|_| random.latency_us()).collect();
        let mut recorder = tracker.recorder().unwrap();
        for (index, &value) in samples.iter().enumerate() {
            recorder.record(Stage::Signal, value, START_MS + index as i64);
        }
        drop(recorder);
        let report = tracker.stage_report(Stage::Signal, START_MS + count);
        check_against_oracle(&report.cumulative, &mut samples, 50_000);
        check_against_oracle(&report.window, &mut samples, 50_000);
    }
}

#[test]
fn small_values_are_exact() {
    let tracker = tracker();
    for value in [0, 1, 2, 999, 2047] {
        tracker.record(Stage::Execution, value, START_MS);
    }
    let summary = tracker.stage_report(Stage::Execution, START_MS).cumulative;
    assert_eq!(summary.p50_us, 2);
    assert_eq!(summary.p90_us, 2047);
    assert_eq!(summary.max_us, 2047);
    assert_eq!(summary.target_us, 100_000);
}

#[test]
fn empty_stage_reports_zeros() {
    let summary = tracker().stage_report(Stage::Signal, START_MS).window;
    assert_eq!(summary.count, 0);
    assert_eq!(summary.p99_us, 0);
    assert_eq!(summary.mean_us, 0.0);
    assert_eq!(summary.under_target_share, 0.0);
}

#[test]
fn window_follows_event_time() {
    let tracker = tracker();
    // Slices are 60 s long and the window holds the last five.
    tracker.record(Stage::Signal, 10_000, START_MS);
    tracker.record(Stage::Signal, 90_000, START_MS + 250_000);
    let early = tracker.stage_report(Stage::Signal, START_MS + 250_000);
    assert_eq!(early.window.count, 2);
    let later = tracker.stage_report(Stage::Signal, START_MS + 320_000);
    assert_eq!(later.window.count, 1, "the first sample left the window");
    assert_eq!(later.window.max_us, 90_000);
    assert_eq!(later.cumulative.count, 2, "cumulative keeps every sample");
    assert_eq!(later.cumulative.under_target_share, 0.5);
}

#[test]
fn recycled_slice_folds_into_cumulative() {
    let tracker = tracker();
    let mut recorder = tracker.recorder().unwrap();
    for minute in 0..20 {
        recorder.record(
            Stage::Signal,
            1_000 + minute,
            START_MS + minute as i64 * 60_000,
        );
    }
    // A sample far older than the window goes to the cumulative counts only.
    recorder.record(Stage::Signal, 5, START_MS);
    drop(recorder);
    let now = START_MS + 19 * 60_000;
    let report = tracker.stage_report(Stage::Signal, now);
    assert_eq!(report.cumulative.count, 21);
    assert_eq!(report.cumulative.max_us, 1_019);
    assert_eq!(report.window.count, 5);
    assert_eq!(report.window.p50_us, 1_017);
}

#[test]
fn saturated_samples_are_counted() {
    let tracker = tracker();
    tracker.record(Stage::Execution, 90_000_000, START_MS);
    tracker.record(Stage::Execution, 60_000_000, START_MS);
    let summary = tracker.stage_report(Stage::Execution, START_MS).cumulative;
    assert_eq!(summary.saturated, 1);
    assert_eq!(summary.max_us, 90_000_000);
    assert_within_precision("p50", summary.p50_us, 60_000_000);
    assert_eq!(summary.p99_us, MAX_TRACKABLE_US);
}

#[test]
fn recorders_are_limited_to_shards() {
    let config = LatencyConfig {
        recorders: 2,
        ..test_config()
    };
    let tracker = LatencyTracker::new(config).unwrap();
    let first = tracker.recorder().unwrap();
    let _second = tracker.recorder().unwrap();
    assert!(tracker.recorder().is_none());
    // With every shard taken, a sample still counts, outside the window.
    tracker.record(Stage::Signal, 7, START_MS);
    assert_eq!(tracker.window_missed(), 1);
    let report = tracker.stage_report(Stage::Signal, START_MS);
    assert_eq!(report.cumulative.count, 1);
    assert_eq!(report.window.count, 0);
    drop(first);
    assert!(tracker.recorder().is_some());
}

#[test]
fn threads_record_concurrently() {
    let threads = if cfg!(miri) { 2 } else { 4 };
    let per_thread = if cfg!(miri) { 50 } else { 50_000 };
    let tracker = Arc::new(tracker());
    let handles: Vec<_> = (0..threads)
        .map(|thread_index| {
            let tracker = Arc::clone(&tracker);
            thread::spawn(move || {
                let mut random = XorShift(thread_index + 1);
                let mut samples = Vec::with_capacity(per_thread);
                for index in 0..per_thread {
                    let value = random.latency_us();
                    samples.push(value);
                    let stage = Stage::ALL[index % 2];
                    tracker.record(stage, value, START_MS + index as i64);
                }
                samples
            })
        })
        .collect();
    let mut by_stage = [Vec::new(), Vec::new()];
    for handle in handles {
        for (index, value) in handle.join().unwrap().into_iter().enumerate() {
            by_stage[index % 2].push(value);
        }
    }
    let now = START_MS + per_thread as i64;
    let report = tracker.report(now);
    check_against_oracle(&report.signal.cumulative, &mut by_stage[0], 50_000);
    check_against_oracle(&report.execution.cumulative, &mut by_stage[1], 100_000);
    assert_eq!(report.signal_warning_us, 100_000);
}

#[test]
fn config_out_of_range_rejected() {
    let zero_target = LatencyConfig {
        signal_target_ms: 0,
        ..test_config()
    };
    assert!(matches!(
        LatencyTracker::new(zero_target),
        Err(LatencyConfigError::Level {
            name: "signal_target_ms",
            ..
        })
    ));
    let thin_slices = LatencyConfig {
        window_ms: 5_000,
        window_slices: 10,
        ..LatencyConfig::default()
    };
    assert!(matches!(
        LatencyTracker::new(thin_slices),
        Err(LatencyConfigError::Window { .. })
    ));
    let no_recorders = LatencyConfig {
        recorders: 0,
        ..LatencyConfig::default()
    };
    assert!(matches!(
        LatencyTracker::new(no_recorders),
        Err(LatencyConfigError::Recorders(0))
    ));
}

#[test]
fn summary_has_no_padding() {
    assert_eq!(std::mem::size_of::<StageSummary>(), 10 * 8);
}

#[test]
fn held_recorder_matches_per_call_recording() {
    // One recorder kept across slice periods, with times that jump forward, step back
    // inside the window and fall behind it, must count exactly what per-call recording
    // counts.
    let held = tracker();
    let per_call = tracker();
    let mut recorder = held.recorder().unwrap();
    let mut random = XorShift(0x5DEE_CE66_D1CE_4E5B);
    let mut at_ms = START_MS;
    let mut latest_ms = at_ms;
    let samples = if cfg!(miri) { 300 } else { 20_000 };
    for _ in 0..samples {
        let step = random.next() % 100;
        at_ms += match step {
            0..=89 => (random.next() % 20_000) as i64,
            90..=92 => -((random.next() % 120_000) as i64),
            93 => -600_000,
            _ => 70_000,
        };
        latest_ms = latest_ms.max(at_ms);
        let value = random.latency_us();
        let stage = Stage::ALL[(random.next() & 1) as usize];
        recorder.record(stage, value, at_ms);
        per_call.record(stage, value, at_ms);
    }
    drop(recorder);
    for stage in Stage::ALL {
        let ours = held.stage_report(stage, latest_ms);
        let expected = per_call.stage_report(stage, latest_ms);
        assert_eq!(ours.cumulative, expected.cumulative, "{stage:?} cumulative");
        assert_eq!(ours.window, expected.window, "{stage:?} window");
        assert!(ours.window.count > 0, "{stage:?}: the window saw samples");
        assert!(
            ours.window.count < ours.cumulative.count,
            "{stage:?}: some fell behind"
        );
    }
}
