//! The ratio runner: runs every queue and latency workload against its peers in
//! interleaved rounds, prints one table of ratios (the median over the rounds), and
//! writes it to `target/bench-ratios.json`.
//!
//! A speedup is the peer's time per operation divided by ours, so above 1 means ours
//! is faster. For ping-pong the ratio is our p50 round trip divided by the peer's,
//! so below 1 means ours is faster. `cargo bench --bench ratios` runs it in full
//! (`MIKROBOT_BENCH_ROUNDS` sets the rounds, 7 by default, and `MIKROBOT_BENCH_GROUPS`, a
//! comma-separated list such as `spsc,mpsc`, keeps only those groups); `cargo test --benches`
//! runs one tiny round as a smoke test and writes no file.

mod common;

use common::*;
use serde::Serialize;
use std::time::Duration;

/// Operation counts of one round.
#[derive(Clone, Copy)]
struct Sizes {
    single: u64,
    threaded: u64,
    ping_pong: u64,
    priority_batches: u64,
    record: u64,
}

const FULL: Sizes = Sizes {
    single: 2_000_000,
    threaded: 400_000,
    ping_pong: 20_000,
    priority_batches: 2_000,
    record: 4_000_000,
};

const SMOKE: Sizes = Sizes {
    single: 1_000,
    threaded: 2_000,
    ping_pong: 100,
    priority_batches: 4,
    record: 1_000,
};

/// How a comparison's ratio is read.
#[derive(Clone, Copy, Serialize, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    /// Peer time over ours; the target is a minimum.
    Speedup,
    /// Our p50 over the peer's; the target is a maximum.
    LatencyRatio,
}

/// One comparison of ours against one peer.
struct Comparison {
    group: &'static str,
    peer: &'static str,
    kind: Kind,
    target: Option<f64>,
    /// Nanoseconds per operation (or p50 round trip) of ours and the peer, per round.
    ours_ns: Vec<f64>,
    peer_ns: Vec<f64>,
}

#[derive(Serialize)]
struct Row {
    group: &'static str,
    peer: &'static str,
    kind: Kind,
    ours_median_ns: f64,
    peer_median_ns: f64,
    ratio_median: f64,
    target: Option<f64>,
    met: Option<bool>,
}

#[derive(Serialize)]
struct Output {
    rounds: usize,
    note: &'static str,
    ping_pong_floor_p50_ns: f64,
    rows: Vec<Row>,
}

fn per_op(elapsed: Duration, operations: u64) -> f64 {
    elapsed.as_nanos() as f64 / operations as f64
}

fn p50(mut samples: Vec<u64>) -> f64 {
    percentile(&mut samples, 0.5) as f64
}

/// Measures one round of every workload; ours runs first in odd rounds and last in
/// even rounds, so drift in the machine's load does not favour one side.
fn round(index: usize, sizes: Sizes, comparisons: &mut [Comparison], floor: &mut Vec<f64>) {
    let samples = latency_samples();
    let pattern = priority_pattern();
    let ours_first = index & 1 == 0;
    for comparison in comparisons.iter_mut() {
        let ours = || measure_ours(comparison.group, sizes, &pattern, &samples);
        let peer = || measure_peer(comparison.group, comparison.peer, sizes, &pattern, &samples);
        let (ours_ns, peer_ns) = if ours_first {
            let ours_ns = ours();
            (ours_ns, peer())
        } else {
            let peer_ns = peer();
            (ours(), peer_ns)
        };
        comparison.ours_ns.push(ours_ns);
        comparison.peer_ns.push(peer_ns);
    }
    floor.push(p50(ping_pong_atomic(sizes.ping_pong)));
}

fn measure_ours(group: &str, sizes: Sizes, pattern: &[u8], samples: &[u64]) -> f64 {
    match group {
        "single_thread" => per_op(single_ours(sizes.single), sizes.single),
        "single_thread_opaque" => per_op(single_ours_opaque(sizes.single), sizes.single),
        "spsc" => per_op(threads_ours_lone(sizes.threaded), sizes.threaded),
        "mpsc" => per_op(threads_ours(2, sizes.threaded), sizes.threaded),
        "ping_pong_p50" => p50(ping_pong_ours(sizes.ping_pong)),
        "priority" => per_op(
            priority_ours(sizes.priority_batches, pattern),
            sizes.priority_batches * PRIORITY_BATCH as u64,
        ),
        "latency_record" => per_op(record_ours(&tracker(), sizes.record, samples), sizes.record),
        "latency_record_shared" => per_op(
            record_ours_shared(&tracker(), sizes.record, samples),
            sizes.record,
        ),
        other => unreachable!("unknown group {other}"),
    }
}

fn measure_peer(group: &str, peer: &str, sizes: Sizes, pattern: &[u8], samples: &[u64]) -> f64 {
    let threaded = sizes.threaded;
    match (group, peer) {
        ("single_thread", "ArrayQueue") => per_op(single_array_queue(sizes.single), sizes.single),
        ("single_thread_opaque", "ArrayQueue") => {
            per_op(single_array_queue_opaque(sizes.single), sizes.single)
        }
        ("spsc", "ArrayQueue") => per_op(threads_array_queue(1, threaded), threaded),
        ("spsc", "crossbeam-channel") => per_op(threads_crossbeam_channel(1, threaded), threaded),
        ("spsc", "sync_channel") => per_op(threads_sync_channel(threaded), threaded),
        ("spsc", "rtrb") => per_op(threads_rtrb(threaded), threaded),
        ("mpsc", "ArrayQueue") => per_op(threads_array_queue(2, threaded), threaded),
        ("mpsc", "crossbeam-channel") => per_op(threads_crossbeam_channel(2, threaded), threaded),
        ("mpsc", "flume") => per_op(threads_flume(2, threaded), threaded),
        ("ping_pong_p50", "rtrb") => p50(ping_pong_rtrb(sizes.ping_pong)),
        ("ping_pong_p50", "ArrayQueue") => p50(ping_pong_array_queue(sizes.ping_pong)),
        ("priority", "Mutex<BinaryHeap>") => per_op(
            priority_mutex_heap(sizes.priority_batches, pattern),
            sizes.priority_batches * PRIORITY_BATCH as u64,
        ),
        ("latency_record" | "latency_record_shared", "hdrhistogram") => {
            let mut histogram = hdr_histogram();
            per_op(
                record_hdrhistogram(&mut histogram, sizes.record, samples),
                sizes.record,
            )
        }
        other => unreachable!("unknown comparison {other:?}"),
    }
}

fn comparisons() -> Vec<Comparison> {
    use Kind::{LatencyRatio, Speedup};
    [
        ("single_thread", "ArrayQueue", Speedup, Some(2.0)),
        ("single_thread_opaque", "ArrayQueue", Speedup, None),
        ("spsc", "ArrayQueue", Speedup, Some(1.5)),
        ("spsc", "crossbeam-channel", Speedup, Some(1.5)),
        ("spsc", "sync_channel", Speedup, None),
        ("spsc", "rtrb", Speedup, Some(0.8)),
        ("mpsc", "ArrayQueue", Speedup, None),
        ("mpsc", "crossbeam-channel", Speedup, None),
        ("mpsc", "flume", Speedup, None),
        ("ping_pong_p50", "rtrb", LatencyRatio, Some(1.1)),
        ("ping_pong_p50", "ArrayQueue", LatencyRatio, None),
        ("priority", "Mutex<BinaryHeap>", Speedup, Some(2.0)),
        ("latency_record", "hdrhistogram", Speedup, Some(1.0)),
        ("latency_record_shared", "hdrhistogram", Speedup, None),
    ]
    .into_iter()
    .map(|(group, peer, kind, target)| Comparison {
        group,
        peer,
        kind,
        target,
        ours_ns: Vec::new(),
        peer_ns: Vec::new(),
    })
    .collect()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

fn row(comparison: &Comparison) -> Row {
    let ratios: Vec<f64> = comparison
        .ours_ns
        .iter()
        .zip(&comparison.peer_ns)
        .map(|(ours, peer)| match comparison.kind {
            Kind::Speedup => peer / ours,
            Kind::LatencyRatio => ours / peer,
        })
        .collect();
    let ratio = median(&ratios);
    Row {
        group: comparison.group,
        peer: comparison.peer,
        kind: comparison.kind,
        ours_median_ns: median(&comparison.ours_ns),
        peer_median_ns: median(&comparison.peer_ns),
        ratio_median: ratio,
        target: comparison.target,
        met: comparison.target.map(|target| match comparison.kind {
            Kind::Speedup => ratio >= target,
            Kind::LatencyRatio => ratio <= target,
        }),
    }
}

fn print_table(output: &Output) {
    println!(
        "{:<22} {:<18} {:>10} {:>10} {:>8} {:>9}  result",
        "group", "peer", "ours ns", "peer ns", "ratio", "target"
    );
    for row in &output.rows {
        let target = match (row.target, row.kind) {
            (Some(target), Kind::Speedup) => format!(">= {target:.1}"),
            (Some(target), Kind::LatencyRatio) => format!("<= {target:.1}"),
            (None, _) => "-".to_owned(),
        };
        let result = match row.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        println!(
            "{:<22} {:<18} {:>10.1} {:>10.1} {:>8.2} {:>9}  {}",
            row.group,
            row.peer,
            row.ours_median_ns,
            row.peer_median_ns,
            row.ratio_median,
            target,
            result
        );
    }
    println!(
        "ping-pong floor (two bare atomics), median p50: {:.0} ns; medians over {} rounds",
        output.ping_pong_floor_p50_ns, output.rounds
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not.
    let full = std::env::args().any(|arg| arg == "--bench");
    let rounds = if full {
        std::env::var("MIKROBOT_BENCH_ROUNDS")
            .ok()
            .and_then(|value| value.parse().ok())
            .unwrap_or(7usize)
            .max(1)
    } else {
        1
    };
    let sizes = if full { FULL } else { SMOKE };
    let mut comparisons = comparisons();
    if let Ok(groups) = std::env::var("MIKROBOT_BENCH_GROUPS") {
        let requested: Vec<&str> = groups.split(',').map(str::trim).collect();
        comparisons.retain(|comparison| requested.contains(&comparison.group));
        if comparisons.is_empty() {
            eprintln!("MIKROBOT_BENCH_GROUPS={groups} names no group; use the names in the table");
            std::process::exit(2);
        }
    }
    let mut floor = Vec::new();
    for index in 0..rounds {
        if full {
            eprintln!("round {} of {rounds}", index + 1);
        }
        round(index, sizes, &mut comparisons, &mut floor);
    }
    let output = Output {
        rounds,
        note: "medians over interleaved rounds on a shared machine; ratios are noisy",
        ping_pong_floor_p50_ns: median(&floor),
        rows: comparisons.iter().map(row).collect(),
    };
    print_table(&output);
    if full {
        let target_dir = std::env::var("CARGO_TARGET_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_owned());
        let path = std::path::Path::new(&target_dir).join("bench-ratios.json");
        let json = serde_json::to_string_pretty(&output).expect("the table serialises");
        match std::fs::write(&path, json) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(error) => eprintln!("failed to write {}: {error}", path.display()),
        }
    }
}
