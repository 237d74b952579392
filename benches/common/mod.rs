//! Workloads shared by the criterion benches and the ratio runner, so both measure
//! exactly the same code. Every workload runs `iterations` operations and returns the
//! elapsed time; every peer uses its fastest API for the workload.

#![allow(dead_code)]

use crossbeam_queue::ArrayQueue;
use mikrobot::latency::{LatencyConfig, LatencyTracker, Stage};
use mikrobot::queue::{Consumer, Prioritized, Producer, QueueConfig, SignalQueue};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// Capacity of every queue and channel.
pub const CAPACITY: usize = 1024;

/// Priority levels of the priority workload.
pub const LEVELS: u8 = 4;

/// A 32-byte signal: creation time, id, volume, entry and stop prices, a short symbol,
/// side and priority.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct BenchSignal {
    pub created_us: i64,
    pub id: u32,
    pub volume: f32,
    pub price: f32,
    pub stop_loss: f32,
    pub symbol: [u8; 6],
    pub side: u8,
    pub priority: u8,
}

const _: () = assert!(std::mem::size_of::<BenchSignal>() == 32);

impl Prioritized for BenchSignal {
    #[inline]
    fn priority(&self) -> u8 {
        self.priority
    }
}

pub fn signal(id: u32, priority: u8) -> BenchSignal {
    BenchSignal {
        created_us: i64::from(id),
        id,
        volume: 0.1,
        price: 1.0552,
        stop_loss: 1.0502,
        symbol: *b"EURUSD",
        side: (id & 1) as u8,
        priority,
    }
}

pub fn ours(levels: u8) -> (SignalQueue<BenchSignal>, Consumer<BenchSignal>) {
    SignalQueue::new(QueueConfig {
        capacity: CAPACITY,
        levels,
    })
    .unwrap()
}

/// Our queue with its one producer, the API for a workload with a single producer.
pub fn ours_lone(levels: u8) -> (Producer<BenchSignal>, Consumer<BenchSignal>) {
    SignalQueue::single_producer(QueueConfig {
        capacity: CAPACITY,
        levels,
    })
    .unwrap()
}

/// Folds every field of a signal into a number, so a consumer reads the whole signal
/// without storing it anywhere.
#[inline(always)]
pub fn digest(signal: &BenchSignal) -> u64 {
    let symbol = u64::from(u32::from_le_bytes([
        signal.symbol[0],
        signal.symbol[1],
        signal.symbol[4],
        signal.symbol[5],
    ]));
    (signal.created_us as u64)
        ^ u64::from(signal.id).rotate_left(8)
        ^ u64::from(signal.volume.to_bits()).rotate_left(16)
        ^ u64::from(signal.price.to_bits()).rotate_left(24)
        ^ u64::from(signal.stop_loss.to_bits()).rotate_left(32)
        ^ symbol.rotate_left(40)
        ^ (u64::from(signal.side) << 56)
        ^ (u64::from(signal.priority) << 60)
}

// ---- one thread: push one signal, then pop it

// Two loop shapes. In `single_*` the loop builds each signal in registers from an opaque
// id and folds every field of the popped signal into a digest, as a producer and a
// consumer that use the values would. In `single_*_opaque` every signal goes through
// `black_box` as a whole, on the way in and on the way out. The compiler must then store
// the 32 bytes to the stack and load them back around each call, and on the development
// machine those round trips cost more than the queues themselves.

pub fn single_ours(iterations: u64) -> Duration {
    let (mut producer, mut consumer) = ours_lone(1);
    let mut folded = 0;
    let start = Instant::now();
    for id in 0..iterations {
        producer.push(signal(black_box(id as u32), 0)).unwrap();
        folded ^= digest(&consumer.try_pop().unwrap());
    }
    let elapsed = start.elapsed();
    black_box(folded);
    elapsed
}

pub fn single_array_queue(iterations: u64) -> Duration {
    let queue = ArrayQueue::new(CAPACITY);
    let mut folded = 0;
    let start = Instant::now();
    for id in 0..iterations {
        queue.push(signal(black_box(id as u32), 0)).unwrap();
        folded ^= digest(&queue.pop().unwrap());
    }
    let elapsed = start.elapsed();
    black_box(folded);
    elapsed
}

pub fn single_ours_opaque(iterations: u64) -> Duration {
    let (mut producer, mut consumer) = ours_lone(1);
    let start = Instant::now();
    for id in 0..iterations {
        producer.push(black_box(signal(id as u32, 0))).unwrap();
        black_box(consumer.try_pop());
    }
    start.elapsed()
}

pub fn single_array_queue_opaque(iterations: u64) -> Duration {
    let queue = ArrayQueue::new(CAPACITY);
    let start = Instant::now();
    for id in 0..iterations {
        queue.push(black_box(signal(id as u32, 0))).unwrap();
        black_box(queue.pop());
    }
    start.elapsed()
}

// ---- producer and consumer threads
//
// Every peer runs the same loop shape: one timed receive per signal on this thread, one send
// per signal on each producer thread. A peer with blocking calls (the channels) uses them. A
// peer with only non-blocking calls retries with `crossbeam_utils::Backoff`, which spins and
// then yields the core, the way the channels wait before they park. Without the yield, a
// spinning thread on a loaded machine holds the core its peer needs, and the measurement
// shows the scheduler rather than the queue.

/// Retries `attempt` until it accepts the value, backing off between tries. The value
/// is `Copy`, so each try gets a copy of the original and a rejected value is dropped.
/// Carrying the rejected value from one try to the next would keep it in memory, where
/// the compiler's piecewise stores and wider reloads can stall the producer.
#[inline]
fn send_retrying<T: Copy>(value: T, mut attempt: impl FnMut(T) -> Result<(), T>) {
    let backoff = crossbeam_utils::Backoff::new();
    while attempt(value).is_err() {
        backoff.snooze();
    }
}

/// Retries `attempt` until it returns a value, backing off between tries.
#[inline]
fn receive_retrying<T>(mut attempt: impl FnMut() -> Option<T>) -> T {
    let backoff = crossbeam_utils::Backoff::new();
    loop {
        if let Some(value) = attempt() {
            return value;
        }
        backoff.snooze();
    }
}

/// Runs one thread per sender, which together send `iterations` signals, while this
/// thread takes them with `receive`; times from the start barrier to the last signal
/// taken.
fn threaded<S, R>(senders: Vec<S>, iterations: u64, mut receive: R) -> Duration
where
    S: FnMut(BenchSignal) + Send + 'static,
    R: FnMut() -> BenchSignal,
{
    let producers = senders.len() as u64;
    let start = Arc::new(Barrier::new(senders.len() + 1));
    let per_producer = iterations / producers;
    let handles: Vec<_> = senders
        .into_iter()
        .map(|mut send| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                start.wait();
                for id in 0..per_producer {
                    send(signal(id as u32, 0));
                }
            })
        })
        .collect();
    start.wait();
    let begin = Instant::now();
    for _ in 0..per_producer * producers {
        black_box(receive());
    }
    let elapsed = begin.elapsed();
    for handle in handles {
        handle.join().unwrap();
    }
    elapsed
}

/// One sender per producer, each built by `make`.
fn senders<S>(producers: u32, make: impl Fn() -> S) -> Vec<S> {
    (0..producers).map(|_| make()).collect()
}

/// Our queue: producers retry a full queue with backoff, and the consumer waits with
/// `pop_wait`, which spins, yields and then parks until a producer wakes it.
/// Our queue with its one producer: the producer retries a full queue with backoff,
/// and the consumer waits with `pop_wait`.
pub fn threads_ours_lone(iterations: u64) -> Duration {
    let (mut producer, mut consumer) = ours_lone(1);
    let send = move |signal| {
        send_retrying(signal, |signal| {
            producer.push(signal).map_err(|error| error.into_inner())
        })
    };
    threaded(vec![send], iterations, move || {
        consumer.pop_wait(None).unwrap()
    })
}

pub fn threads_ours(producers: u32, iterations: u64) -> Duration {
    let (queue, mut consumer) = ours(1);
    let senders = senders(producers, || {
        let queue = queue.clone();
        move |signal| {
            send_retrying(signal, |signal| {
                queue.push(signal).map_err(|error| error.into_inner())
            })
        }
    });
    drop(queue);
    threaded(senders, iterations, move || {
        consumer.pop_wait(None).unwrap()
    })
}

pub fn threads_array_queue(producers: u32, iterations: u64) -> Duration {
    let queue = Arc::new(ArrayQueue::new(CAPACITY));
    let senders = senders(producers, || {
        let queue = Arc::clone(&queue);
        move |signal| send_retrying(signal, |signal| queue.push(signal))
    });
    threaded(senders, iterations, move || {
        receive_retrying(|| queue.pop())
    })
}

pub fn threads_crossbeam_channel(producers: u32, iterations: u64) -> Duration {
    let (sender, receiver) = crossbeam_channel::bounded(CAPACITY);
    let senders = senders(producers, || {
        let sender = sender.clone();
        move |signal| sender.send(signal).unwrap()
    });
    threaded(senders, iterations, move || receiver.recv().unwrap())
}

pub fn threads_flume(producers: u32, iterations: u64) -> Duration {
    let (sender, receiver) = flume::bounded(CAPACITY);
    let senders = senders(producers, || {
        let sender = sender.clone();
        move |signal| sender.send(signal).unwrap()
    });
    threaded(senders, iterations, move || receiver.recv().unwrap())
}

pub fn threads_sync_channel(iterations: u64) -> Duration {
    let (sender, receiver) = std::sync::mpsc::sync_channel(CAPACITY);
    let send = move |signal| sender.send(signal).unwrap();
    threaded(vec![send], iterations, move || receiver.recv().unwrap())
}

pub fn threads_rtrb(iterations: u64) -> Duration {
    let (mut producer, mut consumer) = rtrb::RingBuffer::new(CAPACITY);
    let send = move |signal| {
        send_retrying(signal, |signal| {
            producer
                .push(signal)
                .map_err(|rtrb::PushError::Full(rejected)| rejected)
        })
    };
    threaded(vec![send], iterations, move || {
        receive_retrying(|| consumer.pop().ok())
    })
}

// ---- ping-pong: one signal goes to an echo thread and back

/// Runs `rounds` round trips, with `send` and `receive` on this thread and `echo` on a
/// second thread, and returns each round trip's time in nanoseconds.
fn ping_pong<E>(
    rounds: u64,
    mut send: impl FnMut(BenchSignal),
    mut receive: impl FnMut() -> BenchSignal,
    mut echo: E,
) -> Vec<u64>
where
    E: FnMut() -> bool + Send + 'static,
{
    let echo_thread = thread::spawn(move || while echo() {});
    let mut samples = Vec::with_capacity(rounds as usize);
    for id in 0..rounds {
        let start = Instant::now();
        send(signal(id as u32, 0));
        black_box(receive());
        samples.push(start.elapsed().as_nanos() as u64);
    }
    // A signal with priority 1 tells the echo thread to stop.
    send(signal(0, 1));
    echo_thread.join().unwrap();
    samples
}

pub fn ping_pong_ours(rounds: u64) -> Vec<u64> {
    let (mut ping, mut ping_consumer) = ours_lone(2);
    let (mut pong, mut pong_consumer) = ours_lone(2);
    ping_pong(
        rounds,
        move |signal| ping.push(signal).unwrap(),
        move || loop {
            if let Some(signal) = pong_consumer.try_pop() {
                return signal;
            }
            std::hint::spin_loop();
        },
        move || loop {
            if let Some(signal) = ping_consumer.try_pop() {
                if signal.priority == 1 {
                    return false;
                }
                pong.push(signal).unwrap();
                return true;
            }
            std::hint::spin_loop();
        },
    )
}

pub fn ping_pong_array_queue(rounds: u64) -> Vec<u64> {
    let ping = Arc::new(ArrayQueue::new(CAPACITY));
    let pong = Arc::new(ArrayQueue::new(CAPACITY));
    let (ping_echo, pong_echo) = (Arc::clone(&ping), Arc::clone(&pong));
    ping_pong(
        rounds,
        move |signal| ping.push(signal).unwrap(),
        move || loop {
            if let Some(signal) = pong.pop() {
                return signal;
            }
            std::hint::spin_loop();
        },
        move || loop {
            if let Some(signal) = ping_echo.pop() {
                if signal.priority == 1 {
                    return false;
                }
                pong_echo.push(signal).unwrap();
                return true;
            }
            std::hint::spin_loop();
        },
    )
}

pub fn ping_pong_rtrb(rounds: u64) -> Vec<u64> {
    let (mut ping, mut ping_consumer) = rtrb::RingBuffer::new(CAPACITY);
    let (mut pong, mut pong_consumer) = rtrb::RingBuffer::new(CAPACITY);
    ping_pong(
        rounds,
        move |signal| ping.push(signal).unwrap(),
        move || loop {
            if let Ok(signal) = pong_consumer.pop() {
                return signal;
            }
            std::hint::spin_loop();
        },
        move || loop {
            if let Ok(signal) = ping_consumer.pop() {
                if signal.priority == 1 {
                    return false;
                }
                pong.push(signal).unwrap();
                return true;
            }
            std::hint::spin_loop();
        },
    )
}

/// The floor: two threads pass a counter through two atomics, with no queue at all.
pub fn ping_pong_atomic(rounds: u64) -> Vec<u64> {
    let ping = Arc::new(crossbeam_utils::CachePadded::new(AtomicU64::new(0)));
    let pong = Arc::new(crossbeam_utils::CachePadded::new(AtomicU64::new(0)));
    let (ping_echo, pong_echo) = (Arc::clone(&ping), Arc::clone(&pong));
    let echo_thread = thread::spawn(move || {
        let mut seen = 0;
        loop {
            let value = ping_echo.load(Ordering::Acquire);
            if value == u64::MAX {
                return;
            }
            if value != seen {
                seen = value;
                pong_echo.store(value, Ordering::Release);
            }
            std::hint::spin_loop();
        }
    });
    let mut samples = Vec::with_capacity(rounds as usize);
    for round in 1..=rounds {
        let start = Instant::now();
        ping.store(round, Ordering::Release);
        while pong.load(Ordering::Acquire) != round {
            std::hint::spin_loop();
        }
        samples.push(start.elapsed().as_nanos() as u64);
    }
    ping.store(u64::MAX, Ordering::Release);
    echo_thread.join().unwrap();
    samples
}

/// The nearest-rank percentile of `samples`, which it sorts.
pub fn percentile(samples: &mut [u64], quantile: f64) -> u64 {
    samples.sort_unstable();
    let rank = ((quantile * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

// ---- priorities: push a batch with mixed priorities, then pop it

/// Batch size of the priority workload.
pub const PRIORITY_BATCH: usize = 256;

/// The priorities of one batch, spread over the levels by a fixed xorshift sequence.
pub fn priority_pattern() -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..PRIORITY_BATCH)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % u64::from(LEVELS)) as u8
        })
        .collect()
}

pub fn priority_ours(batches: u64, pattern: &[u8]) -> Duration {
    let (queue, mut consumer) = ours(LEVELS);
    let start = Instant::now();
    for _ in 0..batches {
        for (id, &priority) in pattern.iter().enumerate() {
            queue.push(signal(id as u32, priority)).unwrap();
        }
        while let Some(signal) = consumer.try_pop() {
            black_box(signal);
        }
    }
    start.elapsed()
}

/// A heap entry: higher priority first, then the lower sequence number (FIFO).
#[derive(Debug)]
struct HeapEntry {
    priority: u8,
    sequence: Reverse<u64>,
    signal: BenchSignal,
}

impl PartialEq for HeapEntry {
    fn eq(&self, other: &Self) -> bool {
        (self.priority, self.sequence) == (other.priority, other.sequence)
    }
}

impl Eq for HeapEntry {}

impl PartialOrd for HeapEntry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HeapEntry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.priority, self.sequence).cmp(&(other.priority, other.sequence))
    }
}

pub fn priority_mutex_heap(batches: u64, pattern: &[u8]) -> Duration {
    let heap = Mutex::new(BinaryHeap::with_capacity(CAPACITY));
    let mut sequence = 0u64;
    let start = Instant::now();
    for _ in 0..batches {
        for (id, &priority) in pattern.iter().enumerate() {
            sequence += 1;
            heap.lock().unwrap().push(HeapEntry {
                priority,
                sequence: Reverse(sequence),
                signal: signal(id as u32, priority),
            });
        }
        while let Some(entry) = heap.lock().unwrap().pop() {
            black_box(entry.signal);
        }
    }
    start.elapsed()
}

// ---- latency record

/// Latencies in microseconds, spread over the decades from 1 µs to 60 s.
pub fn latency_samples() -> Vec<u64> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let exponent = (state % 1_000_000) as f64 / 1_000_000.0 * 60e6f64.log10();
            10f64.powf(exponent) as u64
        })
        .collect()
}

pub fn tracker() -> LatencyTracker {
    LatencyTracker::new(LatencyConfig::default()).unwrap()
}

const RECORD_START_MS: i64 = 1_488_326_400_000;

pub fn record_ours(tracker: &LatencyTracker, iterations: u64, samples: &[u64]) -> Duration {
    let mut recorder = tracker.recorder().unwrap();
    let start = Instant::now();
    for (index, &value) in samples.iter().cycle().take(iterations as usize).enumerate() {
        recorder.record(
            Stage::Signal,
            black_box(value),
            RECORD_START_MS + (index >> 10) as i64,
        );
    }
    start.elapsed()
}

pub fn record_ours_shared(tracker: &LatencyTracker, iterations: u64, samples: &[u64]) -> Duration {
    let start = Instant::now();
    for (index, &value) in samples.iter().cycle().take(iterations as usize).enumerate() {
        tracker.record(
            Stage::Signal,
            black_box(value),
            RECORD_START_MS + (index >> 10) as i64,
        );
    }
    start.elapsed()
}

pub fn hdr_histogram() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 60_000_000, 3).unwrap()
}

pub fn record_hdrhistogram(
    histogram: &mut hdrhistogram::Histogram<u64>,
    iterations: u64,
    samples: &[u64],
) -> Duration {
    let start = Instant::now();
    for &value in samples.iter().cycle().take(iterations as usize) {
        histogram.saturating_record(black_box(value));
    }
    start.elapsed()
}
