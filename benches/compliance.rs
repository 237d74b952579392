//! Cost of the compliance engine's per-snapshot evaluation.
//!
//! Group `on_snapshot` measures, in the same run:
//! - `engine`: `Engine::on_snapshot` on FTMO 2-Step, one snapshot per
//!   millisecond of event time within one firm day;
//! - `inline`: the same comparisons written inline over precomputed floors:
//!   input validation, time order, the reset check, both loss floors with their
//!   buffer and warning share, and the verdict.
//!
//! The ratio of the two medians is the price of the engine's bookkeeping (rule
//! reports, latches, event ring) over the bare arithmetic.

use criterion::{criterion_group, criterion_main, Criterion};
use mikrobot::account::Snapshot;
use mikrobot::compliance::{Engine, History, RuleSet, Verdict};
use std::hint::black_box;
use std::time::Duration;

/// 2025-04-07 08:00 Europe/Prague.
const START_MS: i64 = 1_744_005_600_000;

/// An equity path inside both floors and outside the buffers.
fn equities() -> Vec<f64> {
    (0..1024)
        .map(|i| 100_000.0 - 3_000.0 * ((i as f64) * 0.01).sin().abs())
        .collect()
}

fn snapshot(time_ms: i64, equity: f64) -> Snapshot {
    Snapshot {
        time_ms,
        balance: 100_000.0,
        equity,
        margin: 0.0,
        free_margin: equity,
        connected: true,
        open_positions: 1,
        pending_orders: 0,
    }
}

fn engine() -> Engine {
    let mut engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
    let history = History {
        deals: &[],
        covered_from_ms: START_MS,
        account_start_ms: Some(START_MS),
        balance: 100_000.0,
        equity: 100_000.0,
        open_positions: 0,
        time_ms: START_MS,
    };
    engine.load_history(&history);
    engine
}

/// The comparisons of one evaluation, written inline.
struct Inline {
    last_time: i64,
    next_reset: i64,
    daily_floor: f64,
    max_floor: f64,
    daily_amount: f64,
    max_amount: f64,
    buffer: f64,
    warning: f64,
    warned: bool,
}

impl Inline {
    fn evaluate(&mut self, snapshot: &Snapshot) -> Verdict {
        if snapshot.time_ms < self.last_time {
            return Verdict::Blocked;
        }
        self.last_time = snapshot.time_ms;
        let equity = snapshot.equity;
        if !(equity.is_finite()
            && equity > 0.0
            && snapshot.balance.is_finite()
            && snapshot.balance > 0.0)
        {
            return Verdict::Blocked;
        }
        if snapshot.time_ms >= self.next_reset {
            return Verdict::Blocked;
        }
        let mut verdict = Verdict::MayTrade;
        for (floor, amount) in [
            (self.daily_floor, self.daily_amount),
            (self.max_floor, self.max_amount),
        ] {
            if equity < floor || equity <= floor + self.buffer {
                verdict = Verdict::CloseAll;
            }
            let used = (amount - (equity - floor)) / amount;
            self.warned |= used >= self.warning;
        }
        verdict
    }
}

fn on_snapshot(c: &mut Criterion) {
    let equities = equities();
    let mut group = c.benchmark_group("on_snapshot");
    group.bench_function("engine", |b| {
        let mut engine = engine();
        let mut time = START_MS;
        b.iter(|| {
            time += 1;
            let equity = equities[(time & 1023) as usize];
            black_box(engine.on_snapshot(black_box(&snapshot(time, equity))))
        });
    });
    group.bench_function("inline", |b| {
        let mut inline = Inline {
            last_time: START_MS,
            next_reset: START_MS + 16 * 3_600_000,
            daily_floor: 95_000.0,
            max_floor: 90_000.0,
            daily_amount: 5_000.0,
            max_amount: 10_000.0,
            buffer: 500.0,
            warning: 0.8,
            warned: false,
        };
        let mut time = START_MS;
        b.iter(|| {
            time += 1;
            let equity = equities[(time & 1023) as usize];
            black_box(inline.evaluate(black_box(&snapshot(time, equity))))
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = on_snapshot
}
criterion_main!(benches);
