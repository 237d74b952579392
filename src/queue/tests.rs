use super::*;
use std::sync::Barrier;
use std::thread;

/// A test message: who sent it, its number in that producer's sequence, and its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Message {
    producer: u32,
    number: u32,
    level: u8,
}

impl Prioritized for Message {
    fn priority(&self) -> u8 {
        self.level
    }
}

fn message(producer: u32, number: u32, level: u8) -> Message {
    Message {
        producer,
        number,
        level,
    }
}

fn queue(capacity: usize, levels: u8) -> (SignalQueue<Message>, Consumer<Message>) {
    SignalQueue::new(QueueConfig { capacity, levels }).unwrap()
}

/// Scales iteration counts down under Miri, which runs about a thousand times slower.
fn scaled(count: u32) -> u32 {
    if cfg!(miri) {
        (count / 10_000).max(20)
    } else {
        count
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
}

#[test]
fn higher_level_served_first() {
    let (queue, mut consumer) = queue(4, 3);
    queue.push(message(0, 0, 0)).unwrap();
    queue.push(message(0, 1, 2)).unwrap();
    queue.push(message(0, 2, 1)).unwrap();
    let levels: Vec<u8> = std::iter::from_fn(|| consumer.try_pop())
        .map(|m| m.level)
        .collect();
    assert_eq!(levels, vec![2, 1, 0]);
}

#[test]
fn fifo_within_level() {
    let (queue, mut consumer) = queue(8, 2);
    for number in 0..8 {
        queue.push(message(0, number, 1)).unwrap();
    }
    let numbers: Vec<u32> = std::iter::from_fn(|| consumer.try_pop())
        .map(|m| m.number)
        .collect();
    assert_eq!(numbers, (0..8).collect::<Vec<_>>());
}

#[test]
fn full_level_returns_signal() {
    let (queue, mut consumer) = queue(2, 2);
    queue.push(message(0, 0, 1)).unwrap();
    queue.push(message(0, 1, 1)).unwrap();
    let rejected = message(0, 2, 1);
    assert_eq!(queue.push(rejected), Err(PushError::Full(rejected)));
    // The other level still has room.
    queue.push(message(0, 3, 0)).unwrap();
    assert_eq!(consumer.try_pop(), Some(message(0, 0, 1)));
    queue.push(rejected).unwrap();
}

#[test]
fn capacity_rounds_up() {
    let (queue, _consumer) = queue(3, 1);
    assert_eq!(queue.capacity(), 4);
    for number in 0..4 {
        queue.push(message(0, number, 0)).unwrap();
    }
    assert_eq!(queue.len(), 4);
    assert!(matches!(
        queue.push(message(0, 4, 0)),
        Err(PushError::Full(_))
    ));
}

#[test]
fn invalid_priority_returns_signal() {
    let (queue, _consumer) = queue(2, 2);
    let rejected = message(0, 0, 2);
    let error = queue.push(rejected).unwrap_err();
    assert_eq!(
        error,
        PushError::InvalidPriority {
            signal: rejected,
            priority: 2,
            levels: 2
        }
    );
    assert_eq!(error.into_inner(), rejected);
}

#[test]
fn config_out_of_range_rejected() {
    let zero = SignalQueue::<Message>::new(QueueConfig {
        capacity: 0,
        levels: 1,
    });
    assert!(matches!(zero, Err(QueueConfigError::Capacity(0))));
    let levels = SignalQueue::<Message>::new(QueueConfig {
        capacity: 1,
        levels: 17,
    });
    assert!(matches!(levels, Err(QueueConfigError::Levels(17))));
}

#[test]
fn closed_queue_drains_then_reports() {
    let (queue, mut consumer) = queue(4, 1);
    queue.push(message(0, 0, 0)).unwrap();
    queue.close();
    let rejected = message(0, 1, 0);
    assert_eq!(queue.push(rejected), Err(PushError::Closed(rejected)));
    assert_eq!(consumer.pop_wait(None), Ok(message(0, 0, 0)));
    assert_eq!(consumer.pop_wait(None), Err(PopError::Closed));
}

#[test]
fn dropped_consumer_closes_queue() {
    let (queue, consumer) = queue(4, 1);
    drop(consumer);
    let rejected = message(0, 0, 0);
    assert_eq!(queue.push(rejected), Err(PushError::Closed(rejected)));
}

#[test]
fn pop_wait_times_out() {
    let (_queue, mut consumer) = queue(4, 1);
    let result = consumer.pop_wait(Some(Duration::from_millis(5)));
    assert_eq!(result, Err(PopError::Timeout));
}

#[test]
fn parked_consumer_woken_by_push() {
    let (queue, mut consumer) = queue(4, 1);
    let taker = thread::spawn(move || consumer.pop_wait(Some(Duration::from_secs(30))));
    // Long enough for the consumer to stop spinning and park.
    thread::sleep(Duration::from_millis(50));
    queue.push(message(0, 7, 0)).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(message(0, 7, 0)));
}

#[test]
fn parked_consumer_woken_by_close() {
    let (queue, mut consumer) = queue(4, 1);
    let taker = thread::spawn(move || consumer.pop_wait(None));
    thread::sleep(Duration::from_millis(50));
    queue.close();
    assert_eq!(taker.join().unwrap(), Err(PopError::Closed));
}

/// Pushes `count` messages with random levels from each of `producers` threads while
/// the consumer pops, and returns what the consumer received in order.
fn run_random(seed: u64, producers: u32, count: u32, levels: u8) -> Vec<Message> {
    let (queue, mut consumer) = queue(16, levels);
    let start = Arc::new(Barrier::new(producers as usize + 1));
    let handles: Vec<_> = (0..producers)
        .map(|producer| {
            let queue = queue.clone();
            let start = Arc::clone(&start);
            thread::spawn(move || {
                let mut random =
                    XorShift(seed.wrapping_mul(31).wrapping_add(u64::from(producer)) | 1);
                start.wait();
                for number in 0..count {
                    let level = (random.next() % u64::from(levels)) as u8;
                    let mut pending = message(producer, number, level);
                    while let Err(error) = queue.push(pending) {
                        pending = error.into_inner();
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    start.wait();
    let total = (producers * count) as usize;
    let mut received = Vec::with_capacity(total);
    while received.len() < total {
        match consumer.pop_wait(Some(Duration::from_secs(30))) {
            Ok(message) => received.push(message),
            Err(error) => panic!("seed {seed}: {error} after {} messages", received.len()),
        }
    }
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(consumer.try_pop(), None, "seed {seed}: extra message");
    received
}

#[test]
fn concurrent_producers_keep_fifo_per_level() {
    let runs = if cfg!(miri) { 2 } else { 200 };
    let levels = 3;
    for seed in 1..=runs {
        let received = run_random(seed, 3, scaled(2_000), levels);
        // next[producer][level]: the smallest number still expected at that level.
        let mut last = [[None::<u32>; 3]; 3];
        for message in &received {
            let slot = &mut last[message.producer as usize][message.level as usize];
            if let Some(previous) = *slot {
                assert!(
                    message.number > previous,
                    "seed {seed}: {message:?} came after number {previous} at its level"
                );
            }
            *slot = Some(message.number);
        }
        let mut seen: Vec<(u32, u32)> = received.iter().map(|m| (m.producer, m.number)).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), received.len(), "seed {seed}: duplicate message");
    }
}

#[test]
fn backlog_drains_in_priority_order() {
    let runs = if cfg!(miri) { 2 } else { 100 };
    for seed in 1..=runs {
        let levels = 4;
        let count = scaled(200);
        let (queue, mut consumer) = queue(1024, levels);
        let handles: Vec<_> = (0..2)
            .map(|producer| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut random = XorShift(seed * 7 + producer as u64 + 1);
                    for number in 0..count {
                        let level = (random.next() % u64::from(levels)) as u8;
                        queue.push(message(producer, number, level)).unwrap();
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let received: Vec<Message> = std::iter::from_fn(|| consumer.try_pop()).collect();
        assert_eq!(received.len(), 2 * count as usize, "seed {seed}");
        for pair in received.windows(2) {
            assert!(
                pair[0].level > pair[1].level
                    || (pair[0].level == pair[1].level
                        && (pair[0].producer != pair[1].producer
                            || pair[0].number < pair[1].number)),
                "seed {seed}: {:?} before {:?}",
                pair[0],
                pair[1]
            );
        }
    }
}

#[test]
fn high_priority_overtakes_backlog() {
    // Producers fill the low level, then each pushes one high signal; once they are
    // done, the consumer must see the high signals before any low one.
    for seed in 0..scaled(50_000).min(50) {
        let (queue, mut consumer) = queue(256, 2);
        let handles: Vec<_> = (0..2)
            .map(|producer| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for number in 0..100 {
                        queue.push(message(producer, number, 0)).unwrap();
                    }
                    queue.push(message(producer, 100, 1)).unwrap();
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        let first = consumer.try_pop().unwrap();
        let second = consumer.try_pop().unwrap();
        assert_eq!((first.level, second.level), (1, 1), "run {seed}");
    }
}

#[test]
fn two_producers_lose_nothing() {
    // Ten million messages in a normal run; each producer's numbers must arrive in
    // order with no gap, which rules out both loss and duplication.
    let per_producer = scaled(5_000_000);
    let (queue, mut consumer) = queue(1024, 1);
    let handles: Vec<_> = (0..2)
        .map(|producer| {
            let queue = queue.clone();
            thread::spawn(move || {
                for number in 0..per_producer {
                    let mut pending = message(producer, number, 0);
                    while let Err(error) = queue.push(pending) {
                        pending = error.into_inner();
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let mut next = [0u32; 2];
    let total = 2 * u64::from(per_producer);
    for _ in 0..total {
        let message = consumer
            .pop_wait(Some(Duration::from_secs(60)))
            .expect("a message within 60 s");
        let expected = &mut next[message.producer as usize];
        assert_eq!(message.number, *expected, "producer {}", message.producer);
        *expected += 1;
    }
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(next, [per_producer, per_producer]);
    assert_eq!(consumer.try_pop(), None);
}

fn lone(capacity: usize, levels: u8) -> (Producer<Message>, Consumer<Message>) {
    SignalQueue::single_producer(QueueConfig { capacity, levels }).unwrap()
}

#[test]
fn lone_producer_orders_by_level_then_arrival() {
    let (mut producer, mut consumer) = lone(4, 3);
    for (number, level) in [(0, 0), (1, 2), (2, 1), (3, 2), (4, 0)] {
        producer.push(message(0, number, level)).unwrap();
    }
    let numbers: Vec<u32> = std::iter::from_fn(|| consumer.try_pop())
        .map(|m| m.number)
        .collect();
    assert_eq!(numbers, [1, 3, 2, 0, 4]);
}

#[test]
fn lone_producer_full_level_returns_signal() {
    let (mut producer, mut consumer) = lone(2, 2);
    producer.push(message(0, 0, 0)).unwrap();
    producer.push(message(0, 1, 0)).unwrap();
    assert_eq!(
        producer.push(message(0, 2, 0)),
        Err(PushError::Full(message(0, 2, 0)))
    );
    // The other level still has room, and a pop frees a slot again.
    producer.push(message(0, 3, 1)).unwrap();
    assert_eq!(consumer.try_pop(), Some(message(0, 3, 1)));
    assert_eq!(consumer.try_pop(), Some(message(0, 0, 0)));
    producer.push(message(0, 2, 0)).unwrap();
    assert_eq!(consumer.len(), 2);
}

#[test]
fn lone_producer_rejects_after_close_and_drop() {
    let (mut producer, consumer) = lone(4, 2);
    assert!(matches!(
        producer.push(message(0, 0, 2)),
        Err(PushError::InvalidPriority {
            priority: 2,
            levels: 2,
            ..
        })
    ));
    producer.close();
    assert_eq!(
        producer.push(message(0, 1, 0)),
        Err(PushError::Closed(message(0, 1, 0)))
    );
    let (mut producer, consumer_two) = lone(4, 1);
    drop(consumer_two);
    assert!(matches!(
        producer.push(message(0, 2, 0)),
        Err(PushError::Closed(_))
    ));
    drop(consumer);
}

#[test]
fn parked_consumer_woken_by_lone_producer() {
    let (mut producer, mut consumer) = lone(4, 1);
    let taker = thread::spawn(move || consumer.pop_wait(Some(Duration::from_secs(30))));
    thread::sleep(Duration::from_millis(50));
    producer.push(message(0, 9, 0)).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(message(0, 9, 0)));
}

#[test]
fn lone_producer_wakes_consumer_after_every_pause() {
    // The producer pauses at random points, long enough for the consumer to park, so
    // the sleep handshake runs many times. A missed wake-up shows as a timeout.
    let count = scaled(200_000);
    let (mut producer, mut consumer) = lone(64, 2);
    let pusher = thread::spawn(move || {
        let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
        for number in 0..count {
            let roll = random.next();
            if roll.is_multiple_of(500) {
                thread::sleep(Duration::from_micros(200));
            }
            let mut pending = message(0, number, (roll >> 32) as u8 & 1);
            while let Err(error) = producer.push(pending) {
                pending = error.into_inner();
                thread::yield_now();
            }
        }
    });
    let mut next = [None::<u32>; 2];
    for received in 0..count {
        let message = consumer
            .pop_wait(Some(Duration::from_secs(30)))
            .unwrap_or_else(|error| panic!("{error} after {received} messages"));
        let last = &mut next[usize::from(message.level)];
        assert!(last.is_none_or(|last| message.number > last), "{message:?}");
        *last = Some(message.number);
    }
    pusher.join().unwrap();
    assert_eq!(consumer.try_pop(), None);
}

#[test]
fn lone_producer_hands_over_to_shared_handles() {
    let (mut producer, mut consumer) = lone(8, 1);
    producer.push(message(0, 0, 0)).unwrap();
    producer.push(message(0, 1, 0)).unwrap();
    let queue = producer.into_shared();
    let other = queue.clone();
    thread::spawn(move || other.push(message(1, 0, 0)).unwrap())
        .join()
        .unwrap();
    queue.push(message(0, 2, 0)).unwrap();
    let received: Vec<Message> = std::iter::from_fn(|| consumer.try_pop()).collect();
    assert_eq!(
        received,
        [
            message(0, 0, 0),
            message(0, 1, 0),
            message(1, 0, 0),
            message(0, 2, 0)
        ]
    );
}
