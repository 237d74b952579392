//! What the C ABI costs on the tick path: `mb_guard_feed_snapshot` (handle lookup, try-lock,
//! panic boundary, struct copy, server-time conversion, decision write-back) against the same
//! snapshot fed to `Guard::on_snapshot` directly from Rust, in one run.
//!
//! Both sides feed the same sequence of snapshots to a guard whose history is loaded, so the
//! engine does the same work. The direct side also converts the time from server time to UTC
//! and the decision back, as the export does, so the difference is the boundary itself: handle
//! validation, the try-lock, `catch_unwind`, unaligned copies and the argument checks.

use criterion::{criterion_group, criterion_main, Criterion};
use mikrobot::account::Snapshot;
use mikrobot::config::Config;
use mikrobot::ffi::account::{
    mb_guard_feed_snapshot, mb_guard_history_begin, mb_guard_history_end,
};
use mikrobot::ffi::records::{self, utc_from_server};
use mikrobot::ffi::session::mb_guard_open_utf8;
use mikrobot::ffi::{MbAbi, MbDecision, MbHandle, MbSnapshot, MbStatus};
use mikrobot::guard::{Guard, HistoryEnd};
use std::hint::black_box;

const DAY: i64 = 1_741_046_400_000; // 2025-03-04 00:00 server wall clock, in ms.
const CONFIG: &str =
    "schema_version = 1\n[rules]\npreset = \"ftmo-2step\"\ninitial_capital = 100000.0\n";

fn snapshot_at(step: i64) -> MbSnapshot {
    MbSnapshot {
        time_ms: DAY + 9 * 3_600_000 + step,
        balance: 100_000.0,
        equity: 99_000.0 + (step % 100) as f64,
        free_margin: 99_000.0,
        connected: 1,
        ..MbSnapshot::default()
    }
}

fn open_handle(state: &std::path::Path) -> MbHandle {
    let config = format!("{CONFIG}\0");
    let dir = format!("{}\0", state.display());
    let mut handle = 0;
    // SAFETY: valid pointers and NUL-terminated texts.
    let status = unsafe {
        mb_guard_open_utf8(
            &MbAbi::current(),
            config.as_ptr().cast(),
            dir.as_ptr().cast(),
            &mut handle,
        )
    };
    assert_eq!(status, MbStatus::Ok);
    assert_eq!(mb_guard_history_begin(handle, DAY, DAY), MbStatus::Ok);
    let mut decision = MbDecision::default();
    // SAFETY: `decision` is writable.
    let status =
        unsafe { mb_guard_history_end(handle, DAY + 9 * 3_600_000, 1e5, 1e5, 0, &mut decision) };
    assert_eq!(status, MbStatus::Ok);
    handle
}

fn open_guard(state: &std::path::Path) -> Guard {
    let mut guard = Guard::open(Config::from_toml_str(CONFIG).unwrap(), state).unwrap();
    let clock = guard.server_clock();
    let utc = |ms| utc_from_server(clock, ms, "time").unwrap();
    guard.begin_history(utc(DAY), Some(utc(DAY)));
    let now = HistoryEnd {
        time_ms: utc(DAY + 9 * 3_600_000),
        balance: 1e5,
        equity: 1e5,
        open_positions: 0,
    };
    guard.finish_history(now).unwrap();
    guard
}

fn feed_snapshot(c: &mut Criterion) {
    let state = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("feed_snapshot");
    let handle = open_handle(&state.path().join("ffi"));
    let mut step = 0;
    group.bench_function("c_abi_export", |b| {
        b.iter(|| {
            step += 1;
            let input = snapshot_at(step);
            let mut decision = MbDecision::default();
            // SAFETY: valid pointers.
            let status = unsafe { mb_guard_feed_snapshot(handle, &input, &mut decision) };
            black_box((status, decision))
        })
    });
    let mut guard = open_guard(&state.path().join("rust"));
    let clock = guard.server_clock();
    let mut step = 0;
    group.bench_function("rust_direct", |b| {
        b.iter(|| {
            step += 1;
            let input = snapshot_at(step);
            let snapshot = Snapshot {
                time_ms: utc_from_server(clock, input.time_ms, "time").unwrap(),
                balance: input.balance,
                equity: input.equity,
                margin: input.margin,
                free_margin: input.free_margin,
                connected: input.connected == 1,
                open_positions: input.open_positions as u32,
                pending_orders: input.pending_orders as u32,
            };
            black_box(records::decision(
                clock,
                guard.on_snapshot(black_box(&snapshot)),
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, feed_snapshot);
criterion_main!(benches);
