//! Loom models of the ring and the sleep protocol, for shared producers and for the
//! lone producer. Both wake-up models fail when either the push or the consumer skips
//! its side of the barrier pair. Run them with
//! `RUSTFLAGS="--cfg loom" cargo test --lib --release queue::loom_model`. CI bounds the
//! preemptions with `LOOM_MAX_PREEMPTIONS=5`; without the bound the two-producer model
//! takes minutes.

use super::*;
use loom::thread;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Message {
    producer: u8,
    number: u8,
    level: u8,
}

impl Prioritized for Message {
    fn priority(&self) -> u8 {
        self.level
    }
}

fn queue(capacity: usize, levels: u8) -> (SignalQueue<Message>, Consumer<Message>) {
    SignalQueue::new(QueueConfig { capacity, levels }).unwrap()
}

/// Two producers race for a ring of two slots while the consumer pops: nothing is lost
/// or duplicated, each producer's values stay in order, and a full ring hands the
/// value back.
#[test]
fn two_producers_one_consumer() {
    loom::model(|| {
        let (queue, mut consumer) = queue(2, 1);
        let producers: Vec<_> = (0..2u8)
            .map(|producer| {
                let queue = queue.clone();
                thread::spawn(move || {
                    let mut rejected = 0;
                    for number in 0..2u8 {
                        let message = Message {
                            producer,
                            number,
                            level: 0,
                        };
                        if let Err(error) = queue.push(message) {
                            assert_eq!(error, PushError::Full(message));
                            rejected += 1;
                        }
                    }
                    rejected
                })
            })
            .collect();
        let mut received = Vec::new();
        for _ in 0..2 {
            if let Some(message) = consumer.try_pop() {
                received.push(message);
            }
        }
        let rejected: u32 = producers.into_iter().map(|p| p.join().unwrap()).sum();
        while let Some(message) = consumer.try_pop() {
            received.push(message);
        }
        assert_eq!(received.len() as u32 + rejected, 4);
        for producer in 0..2 {
            let numbers: Vec<u8> = received
                .iter()
                .filter(|m| m.producer == producer)
                .map(|m| m.number)
                .collect();
            assert!(
                numbers.windows(2).all(|pair| pair[0] < pair[1]),
                "{numbers:?}"
            );
        }
    });
}

/// The consumer parks with no timeout; a single push must wake it, whichever way the
/// announcement and the claim interleave.
#[test]
fn push_wakes_parked_consumer() {
    loom::model(|| {
        let (queue, mut consumer) = queue(2, 2);
        let producer = thread::spawn(move || {
            queue
                .push(Message {
                    producer: 0,
                    number: 0,
                    level: 1,
                })
                .unwrap();
        });
        let message = consumer.pop_wait(None).unwrap();
        assert_eq!(message.level, 1);
        producer.join().unwrap();
    });
}

/// Closing wakes a parked consumer, which then reports the queue closed.
#[test]
fn close_wakes_parked_consumer() {
    loom::model(|| {
        let (queue, mut consumer) = queue(1, 1);
        let closer = thread::spawn(move || queue.close());
        assert_eq!(consumer.pop_wait(None), Err(PopError::Closed));
        closer.join().unwrap();
    });
}

/// The lone producer pushes three values into a ring of two slots while the consumer
/// pops: each value arrives once and in order, and a full ring hands the value back.
#[test]
fn lone_producer_keeps_order() {
    loom::model(|| {
        let (mut producer, mut consumer) = SignalQueue::<Message>::single_producer(QueueConfig {
            capacity: 2,
            levels: 1,
        })
        .unwrap();
        let pusher = thread::spawn(move || {
            let mut accepted = Vec::new();
            for number in 0..3u8 {
                let message = Message {
                    producer: 0,
                    number,
                    level: 0,
                };
                match producer.push(message) {
                    Ok(()) => accepted.push(number),
                    Err(error) => assert_eq!(error, PushError::Full(message)),
                }
            }
            accepted
        });
        let mut received = Vec::new();
        for _ in 0..2 {
            if let Some(message) = consumer.try_pop() {
                received.push(message.number);
            }
        }
        let accepted = pusher.join().unwrap();
        while let Some(message) = consumer.try_pop() {
            received.push(message.number);
        }
        assert_eq!(received, accepted);
    });
}

/// The consumer parks with no timeout; one push from the lone producer, which makes
/// no locked instruction, must still wake it.
#[test]
fn lone_producer_wakes_parked_consumer() {
    loom::model(|| {
        let (mut producer, mut consumer) = SignalQueue::<Message>::single_producer(QueueConfig {
            capacity: 2,
            levels: 2,
        })
        .unwrap();
        let pusher = thread::spawn(move || {
            producer
                .push(Message {
                    producer: 0,
                    number: 0,
                    level: 1,
                })
                .unwrap();
        });
        let message = consumer.pop_wait(None).unwrap();
        assert_eq!(message.level, 1);
        pusher.join().unwrap();
    });
}
