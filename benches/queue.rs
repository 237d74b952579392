//! Criterion benchmarks of the signal queue against general-purpose peers, all in one
//! run, with capacity 1024 and a 32-byte signal:
//!
//! - `single_thread`: one thread pushes a signal, then pops it (crossbeam `ArrayQueue`).
//! - `spsc`: one producer thread, one consumer thread, time per signal
//!   (`ArrayQueue`, crossbeam-channel bounded, `std::sync::mpsc::sync_channel`, rtrb).
//! - `mpsc`: two producers, one consumer (`ArrayQueue`, crossbeam-channel, flume).
//! - `ping_pong`: time per round trip to an echo thread and back (rtrb, `ArrayQueue`,
//!   and two bare atomics as the floor).
//! - `priority`: push 256 signals with four mixed priorities, then pop them all
//!   (a `Mutex<BinaryHeap>` ordered by priority, then arrival).
//!
//! `benches/README.md` explains how to run them and the ratio runner.

mod common;

use common::*;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::time::Duration;

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
}

fn single_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("single_thread");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    group.bench_function("mikrobot", |b| b.iter_custom(single_ours));
    group.bench_function("ArrayQueue", |b| b.iter_custom(single_array_queue));
    group.finish();
}

/// Signals per sample of the threaded groups, so thread start-up is a small share.
const BATCH: u64 = 20_000;

fn batched(iterations: u64, run: impl Fn(u64) -> Duration) -> Duration {
    // Criterion asks for `iterations` signals; run them in whole batches.
    let batches = iterations.div_ceil(BATCH);
    let elapsed: Duration = (0..batches).map(|_| run(BATCH)).sum();
    elapsed.mul_f64(iterations as f64 / (batches * BATCH) as f64)
}

fn spsc(c: &mut Criterion) {
    let mut group = c.benchmark_group("spsc");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    group.bench_function("mikrobot", |b| {
        b.iter_custom(|n| batched(n, threads_ours_lone))
    });
    group.bench_function("ArrayQueue", |b| {
        b.iter_custom(|n| batched(n, |count| threads_array_queue(1, count)))
    });
    group.bench_function("crossbeam-channel", |b| {
        b.iter_custom(|n| batched(n, |count| threads_crossbeam_channel(1, count)))
    });
    group.bench_function("sync_channel", |b| {
        b.iter_custom(|n| batched(n, threads_sync_channel))
    });
    group.bench_function("rtrb", |b| b.iter_custom(|n| batched(n, threads_rtrb)));
    group.finish();
}

fn mpsc(c: &mut Criterion) {
    let mut group = c.benchmark_group("mpsc");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    group.bench_function("mikrobot", |b| {
        b.iter_custom(|n| batched(n, |count| threads_ours(2, count)))
    });
    group.bench_function("ArrayQueue", |b| {
        b.iter_custom(|n| batched(n, |count| threads_array_queue(2, count)))
    });
    group.bench_function("crossbeam-channel", |b| {
        b.iter_custom(|n| batched(n, |count| threads_crossbeam_channel(2, count)))
    });
    group.bench_function("flume", |b| {
        b.iter_custom(|n| batched(n, |count| threads_flume(2, count)))
    });
    group.finish();
}

fn ping_pong(c: &mut Criterion) {
    let mut group = c.benchmark_group("ping_pong");
    configure(&mut group);
    let total = |samples: Vec<u64>| Duration::from_nanos(samples.iter().sum());
    group.bench_function("mikrobot", |b| b.iter_custom(|n| total(ping_pong_ours(n))));
    group.bench_function("rtrb", |b| b.iter_custom(|n| total(ping_pong_rtrb(n))));
    group.bench_function("ArrayQueue", |b| {
        b.iter_custom(|n| total(ping_pong_array_queue(n)))
    });
    group.bench_function("atomic_floor", |b| {
        b.iter_custom(|n| total(ping_pong_atomic(n)))
    });
    group.finish();
}

fn priority(c: &mut Criterion) {
    let pattern = priority_pattern();
    let mut group = c.benchmark_group("priority");
    configure(&mut group);
    group.throughput(Throughput::Elements(PRIORITY_BATCH as u64));
    group.bench_function("mikrobot", |b| {
        b.iter_custom(|n| priority_ours(n, &pattern))
    });
    group.bench_function("Mutex<BinaryHeap>", |b| {
        b.iter_custom(|n| priority_mutex_heap(n, &pattern))
    });
    group.finish();
}

criterion_group!(benches, single_thread, spsc, mpsc, ping_pong, priority);
criterion_main!(benches);
