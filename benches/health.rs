//! Criterion benchmarks of the health sampler's cost, in one run:
//!
//! - `sampler_refresh/mikrobot_probe`: one [`mikrobot::health::Probe::refresh`], the work the
//!   sampler thread does once per sample interval (CPU, memory, the state directory's volume
//!   and this process's memory and disk writes).
//! - `sampler_refresh/sysinfo_cpu_memory`: sysinfo's own `refresh_cpu_usage` plus
//!   `refresh_memory_specifics` with RAM only, the floor of any sysinfo-based sampler.
//! - `vitals_read/published`: [`mikrobot::health::PublishedVitals::read`], the lock-free read
//!   the tick path makes.
//!
//! After the groups it times the probe again without criterion and prints the share of one
//! core the sampler uses at the default sample interval: the median refresh time divided by
//! the interval. It fails when that share reaches 1%.

use criterion::{criterion_group, Criterion};
use mikrobot::health::{HealthConfig, Probe, PublishedVitals, Reading, Vitals};
use std::hint::black_box;
use std::time::{Duration, Instant};
use sysinfo::{MemoryRefreshKind, System};

/// Probe refreshes timed for the core share; an odd count has one median.
const SHARE_REFRESHES: usize = 101;

fn refresh(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut probe = Probe::new(dir.path());
    let mut system = System::new().expect("sysinfo starts on this platform");
    let mut group = c.benchmark_group("sampler_refresh");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    group.bench_function("mikrobot_probe", |b| b.iter(|| black_box(probe.refresh())));
    group.bench_function("sysinfo_cpu_memory", |b| {
        b.iter(|| {
            system.refresh_cpu_usage();
            system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
            black_box(system.used_memory())
        })
    });
    group.finish();
}

fn read(c: &mut Criterion) {
    let published = PublishedVitals::default();
    published.publish(&Vitals {
        time_ms: 1_700_000_000_000,
        samples: 7,
        cpu_percent: Reading::Known(12.5),
        memory_percent: Reading::Known(48.0),
        ..Vitals::EMPTY
    });
    let mut group = c.benchmark_group("vitals_read");
    group
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    group.bench_function("published", |b| b.iter(|| black_box(published.read())));
    group.finish();
}

/// Times the probe's refresh and prints its median and the share of one core it takes at the
/// default sample interval.
///
/// # Panics
///
/// When the share is 1% or more.
fn print_core_share() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut probe = Probe::new(dir.path());
    probe.refresh();
    let mut times: Vec<Duration> = (0..SHARE_REFRESHES)
        .map(|_| {
            let start = Instant::now();
            black_box(probe.refresh());
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    let interval_ms = HealthConfig::default().sample_interval_ms;
    let share = median.as_secs_f64() / Duration::from_millis(interval_ms).as_secs_f64();
    println!(
        "sampler core share: median refresh {:.1} us over {SHARE_REFRESHES} refreshes, every \
         {interval_ms} ms, is {:.5}% of one core",
        median.as_secs_f64() * 1e6,
        share * 100.0
    );
    assert!(
        share < 0.01,
        "the sampler uses {:.3}% of one core",
        share * 100.0
    );
}

criterion_group!(benches, refresh, read);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_core_share();
}
