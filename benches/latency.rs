//! Criterion benchmarks of latency recording against hdrhistogram at the same
//! precision (three significant digits, 1 µs to 60 s), one thread, in one run:
//!
//! - `mikrobot/recorder`: a [`mikrobot::latency::Recorder`] that holds its shard.
//! - `mikrobot/shared`: [`mikrobot::latency::LatencyTracker::record`], which takes a
//!   free shard for each call.
//! - `hdrhistogram`: `Histogram::<u64>::saturating_record` on an owned histogram.
//!
//! Each iteration records one latency from a fixed set spread over the decades from
//! 1 µs to 60 s.

mod common;

use common::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;

fn record(c: &mut Criterion) {
    let samples = latency_samples();
    let tracker = tracker();
    let mut histogram = hdr_histogram();
    let mut group = c.benchmark_group("latency_record");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .throughput(Throughput::Elements(1));
    group.bench_function("mikrobot/recorder", |b| {
        b.iter_custom(|n| record_ours(&tracker, n, &samples))
    });
    group.bench_function("mikrobot/shared", |b| {
        b.iter_custom(|n| record_ours_shared(&tracker, n, &samples))
    });
    group.bench_function("hdrhistogram", |b| {
        b.iter_custom(|n| record_hdrhistogram(&mut histogram, n, &samples))
    });
    group.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
