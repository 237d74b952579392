//! Store benchmarks: journal appends through the background writer, a backup of a
//! 100 MB state directory against `tar -cf - DIR | sha256sum`, and log compression
//! against `gzip -6` on the same files.
//!
//! `cargo bench --bench store` runs them in full and prints the compression ratios;
//! `cargo test --bench store` runs each once on a 4 MB state directory. The state
//! directory and the logs are generated in a temporary directory, which is removed at
//! the end.

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use mikrobot::account::Snapshot;
use mikrobot::backup::{create_backup, BackupConfig, BackupKind, BackupReason, Layout};
use mikrobot::janitor::gzip_file;
use mikrobot::store::{Journal, Record, StoreConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const T0: i64 = 1_767_225_600_000;

/// `cargo bench` passes --bench; `cargo test --benches` does not.
fn full_run() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, seconds: u64, samples: usize) {
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(seconds))
        .sample_size(samples);
}

fn snapshot(index: u64) -> Snapshot {
    Snapshot {
        time_ms: T0 + index as i64,
        balance: 100_000.0,
        equity: 100_000.0 + (index % 1_000) as f64,
        margin: 10.0,
        free_margin: 99_990.0,
        connected: true,
        open_positions: 1,
        pending_orders: 0,
    }
}

/// Measures the tick-path cost of one append, and the writer's throughput in records per
/// second from the first append until the last is committed.
fn journal(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig::default();
    let mut journal = Journal::open(&dir.path().join("journal.db"), &config).unwrap();
    let mut index = 0;
    let mut group = c.benchmark_group("journal");
    configure(&mut group, 3, 20);
    group.bench_function("append_one", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                index += 1;
                let record = Record::Snapshot(snapshot(index));
                let started = Instant::now();
                let appended = journal.append(record);
                spent += started.elapsed();
                if appended.is_err() || journal.last_seq() - journal.acked_seq() > 30_000 {
                    // Let the writer catch up outside the timed calls.
                    journal.flush().unwrap();
                }
            }
            spent
        })
    });
    const BATCH: u64 = 20_000;
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("append_committed_20000", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                index += 1;
                journal.append(Record::Snapshot(snapshot(index))).unwrap();
            }
            journal.flush().unwrap();
        })
    });
    group.finish();
    journal.close(Duration::from_secs(30)).unwrap();
}

/// Log-like text: timestamped lines with varying numbers, about as compressible as
/// the library's own logs.
fn log_text(bytes: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes + 200);
    let mut x = seed | 1;
    let mut line = 0u64;
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        line += 1;
        writeln!(
            out,
            "2026-01-01T{:02}:{:02}:{:02}.{:03}Z INFO mikrobot::guard: snapshot {line} equity \
             {}.{:02} margin {} positions {} latency_us {}",
            (line / 3_600_000) % 24,
            (line / 60_000) % 60,
            (line / 1_000) % 60,
            line % 1_000,
            99_000 + x % 2_000,
            x % 100,
            x % 5_000,
            x % 4,
            x % 100_000
        )
        .unwrap();
    }
    out
}

/// Writes a state directory of about `total` bytes: a journal database and log files.
fn state_dir(root: &Path, total: usize) -> Layout {
    let store = StoreConfig::default();
    let mut journal = Journal::open(&root.join(&store.file), &store).unwrap();
    for index in 0..20_000 {
        journal.append(Record::Snapshot(snapshot(index))).unwrap();
    }
    journal.close(Duration::from_secs(30)).unwrap();
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let files = 10;
    for file in 0..files {
        let text = log_text(total / files, file as u64 + 7);
        std::fs::write(logs.join(format!("mt5-{file:02}.log")), text).unwrap();
    }
    Layout::new(root, &store, &BackupConfig::default(), &["logs".to_owned()])
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                dir_size(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

/// Times a backup (online copy of the database, copy and SHA-256 of every file, fsync,
/// verification) against `tar -cf - DIR | sha256sum`, which reads and hashes the same
/// bytes without writing or syncing them.
fn backup(c: &mut Criterion) {
    let total = if full_run() { 100 << 20 } else { 4 << 20 };
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let layout = state_dir(&state, total);
    let bytes = dir_size(&state);
    let mut group = c.benchmark_group("backup");
    configure(&mut group, 20, 10);
    group.throughput(Throughput::Bytes(bytes));
    let mut time = T0;
    group.bench_function("create_backup", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                time += 1_000;
                let started = Instant::now();
                create_backup(&layout, BackupKind::System, BackupReason::Manual, time).unwrap();
                spent += started.elapsed();
                // Keep one copy on disk at most.
                std::fs::remove_dir_all(layout.backups_path()).unwrap();
            }
            spent
        })
    });
    group.bench_function("tar_sha256sum", |b| {
        b.iter(|| {
            let status = Command::new("sh")
                .arg("-c")
                .arg("tar -cf - --exclude=backups . | sha256sum > /dev/null")
                .current_dir(&state)
                .status()
                .expect("sh runs");
            assert!(status.success(), "tar | sha256sum failed with {status}");
        })
    });
    group.finish();
}

/// Times gzip of 4 log files with the janitor's `gzip_file` (level 6; it also checks that
/// the .gz decompresses to the original's SHA-256 and syncs it) against `gzip -6 -k`
/// on copies of the same files.
fn compression(c: &mut Criterion) {
    let per_file = if full_run() { 4 << 20 } else { 256 << 10 };
    let root = tempfile::tempdir().unwrap();
    let originals: Vec<(PathBuf, Vec<u8>)> = (0..4)
        .map(|file| {
            let path = root.path().join(format!("mt5-{file}.log"));
            (path, log_text(per_file, file + 11))
        })
        .collect();
    let input: u64 = originals.iter().map(|(_, text)| text.len() as u64).sum();
    let write_all = || {
        for (path, text) in &originals {
            std::fs::write(path, text).unwrap();
            let _ = std::fs::remove_file(path.with_extension("log.gz"));
        }
    };
    let mut group = c.benchmark_group("log_compression");
    configure(&mut group, 10, 10);
    group.throughput(Throughput::Bytes(input));
    let mut ours_output = 0;
    group.bench_function("janitor_gzip_file", |b| {
        b.iter_batched(
            write_all,
            |()| {
                ours_output = 0;
                for (path, _) in &originals {
                    let (_, after) = gzip_file(path, 6).unwrap().expect("the file is compressed");
                    ours_output += after;
                }
            },
            BatchSize::PerIteration,
        )
    });
    let mut gzip_output = 0;
    group.bench_function("gzip_6", |b| {
        b.iter_batched(
            write_all,
            |()| {
                let status = Command::new("gzip")
                    .args(["-6", "-k", "-f"])
                    .args(originals.iter().map(|(path, _)| path))
                    .status()
                    .expect("gzip runs");
                assert!(status.success(), "gzip failed with {status}");
                gzip_output = originals
                    .iter()
                    .map(|(path, _)| {
                        std::fs::metadata(path.with_extension("log.gz"))
                            .unwrap()
                            .len()
                    })
                    .sum();
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    println!(
        "log_compression: {input} bytes in; janitor output {ours_output} bytes (ratio {:.2}), \
         gzip -6 output {gzip_output} bytes (ratio {:.2})",
        input as f64 / ours_output.max(1) as f64,
        input as f64 / gzip_output.max(1) as f64
    );
}

criterion_group!(benches, journal, backup, compression);
criterion_main!(benches);
