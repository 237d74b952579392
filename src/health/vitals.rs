//! System vitals and their lock-free publication from the sampler thread to the tick path.
//!
//! The sampler is the only writer. It publishes through a sequence lock made of atomics: the
//! sequence number is odd while a write is in progress, and a reader retries when the number
//! changed under it. Readers never block and never allocate; with one write every few seconds a
//! retry is rare.

use crate::account::TimeMs;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{fence, AtomicU64, Ordering};

/// Reason a metric has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum UnknownReason {
    /// The sampler has not taken a sample yet.
    NotSampledYet = 1,
    /// The metric is a rate and needs a second sample.
    NeedsSecondSample = 2,
    /// This platform has no safe way to read the metric.
    NotSupported = 3,
    /// No mounted volume contains the state directory (the disk list is empty under Wine).
    DiskNotFound = 4,
    /// The operating system call failed.
    ReadFailed = 5,
    /// This process was not found in the process table.
    ProcessNotFound = 6,
}

impl UnknownReason {
    /// Describes the reason in one sentence, for reports and the C ABI.
    pub fn describe(self) -> &'static str {
        match self {
            UnknownReason::NotSampledYet => "the sampler has not taken a sample yet",
            UnknownReason::NeedsSecondSample => "the rate needs a second sample",
            UnknownReason::NotSupported => "this platform has no safe way to read it",
            UnknownReason::DiskNotFound => "no mounted volume contains the state directory",
            UnknownReason::ReadFailed => "the operating system call failed",
            UnknownReason::ProcessNotFound => "this process was not found",
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        use UnknownReason::*;
        [
            NotSampledYet,
            NeedsSecondSample,
            NotSupported,
            DiskNotFound,
            ReadFailed,
            ProcessNotFound,
        ]
        .into_iter()
        .find(|reason| *reason as u8 == code)
    }
}

/// One metric: a value, or the reason it is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// The measured value.
    Known(f64),
    /// No value, and why.
    Unknown(UnknownReason),
}

impl Reading {
    /// The value, if known.
    pub fn value(self) -> Option<f64> {
        match self {
            Reading::Known(value) => Some(value),
            Reading::Unknown(_) => None,
        }
    }
}

/// The latest system vitals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Vitals {
    /// Time of the sample (the sampler thread's wall clock), or 0 before the first.
    pub time_ms: TimeMs,
    /// Samples taken since the sampler started.
    pub samples: u64,
    /// CPU use of the whole machine since the previous sample, percent.
    pub cpu_percent: Reading,
    /// Average of the recent CPU samples, percent.
    pub cpu_average_percent: Reading,
    /// Memory in use on the machine, percent of physical memory.
    pub memory_percent: Reading,
    /// Space in use on the volume that contains the state directory, percent.
    pub disk_percent: Reading,
    /// Resident memory of this process, bytes.
    pub process_memory_bytes: Reading,
    /// Bytes this process wrote to disk per second since the previous sample.
    pub process_disk_write_bytes_per_s: Reading,
}

impl Vitals {
    /// Vitals before the first sample: every metric unknown.
    pub const EMPTY: Vitals = Vitals {
        time_ms: 0,
        samples: 0,
        cpu_percent: Reading::Unknown(UnknownReason::NotSampledYet),
        cpu_average_percent: Reading::Unknown(UnknownReason::NotSampledYet),
        memory_percent: Reading::Unknown(UnknownReason::NotSampledYet),
        disk_percent: Reading::Unknown(UnknownReason::NotSampledYet),
        process_memory_bytes: Reading::Unknown(UnknownReason::NotSampledYet),
        process_disk_write_bytes_per_s: Reading::Unknown(UnknownReason::NotSampledYet),
    };

    fn readings(&self) -> [Reading; READINGS] {
        [
            self.cpu_percent,
            self.cpu_average_percent,
            self.memory_percent,
            self.disk_percent,
            self.process_memory_bytes,
            self.process_disk_write_bytes_per_s,
        ]
    }

    fn with_readings(time_ms: TimeMs, samples: u64, r: [Reading; READINGS]) -> Vitals {
        Vitals {
            time_ms,
            samples,
            cpu_percent: r[0],
            cpu_average_percent: r[1],
            memory_percent: r[2],
            disk_percent: r[3],
            process_memory_bytes: r[4],
            process_disk_write_bytes_per_s: r[5],
        }
    }
}

const READINGS: usize = 6;

/// The published vitals: written by one sampler thread, read by any thread without a lock.
#[derive(Debug)]
pub struct PublishedVitals {
    sequence: AtomicU64,
    time_ms: AtomicU64,
    samples: AtomicU64,
    values: [AtomicU64; READINGS],
    /// One byte per reading: 0 when known, else the [`UnknownReason`] code.
    reasons: AtomicU64,
}

impl Default for PublishedVitals {
    fn default() -> Self {
        let published = PublishedVitals {
            sequence: AtomicU64::new(0),
            time_ms: AtomicU64::new(0),
            samples: AtomicU64::new(0),
            values: Default::default(),
            reasons: AtomicU64::new(0),
        };
        published.publish(&Vitals::EMPTY);
        published
    }
}

impl PublishedVitals {
    /// Publishes `vitals`. Only one thread may publish at a time (the sampler).
    pub fn publish(&self, vitals: &Vitals) {
        let start = self.sequence.load(Ordering::Relaxed);
        self.sequence
            .store(start.wrapping_add(1), Ordering::Relaxed);
        // Orders the odd sequence number before the field stores below.
        fence(Ordering::Release);
        self.time_ms.store(vitals.time_ms as u64, Ordering::Relaxed);
        self.samples.store(vitals.samples, Ordering::Relaxed);
        let mut reasons = 0u64;
        for (i, reading) in vitals.readings().into_iter().enumerate() {
            let (bits, code) = match reading {
                Reading::Known(value) => (value.to_bits(), 0u8),
                Reading::Unknown(reason) => (0, reason as u8),
            };
            self.values[i].store(bits, Ordering::Relaxed);
            reasons |= u64::from(code) << (8 * i);
        }
        self.reasons.store(reasons, Ordering::Relaxed);
        self.sequence
            .store(start.wrapping_add(2), Ordering::Release);
    }

    /// Reads the latest vitals without a lock; allocates nothing.
    pub fn read(&self) -> Vitals {
        loop {
            let before = self.sequence.load(Ordering::Acquire);
            if before % 2 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let vitals = self.read_fields();
            // Orders the field loads before the second sequence load.
            fence(Ordering::Acquire);
            if self.sequence.load(Ordering::Relaxed) == before {
                return vitals;
            }
        }
    }

    fn read_fields(&self) -> Vitals {
        let reasons = self.reasons.load(Ordering::Relaxed);
        let mut readings = [Reading::Unknown(UnknownReason::NotSampledYet); READINGS];
        for (i, reading) in readings.iter_mut().enumerate() {
            let code = (reasons >> (8 * i)) as u8;
            let bits = self.values[i].load(Ordering::Relaxed);
            *reading = match UnknownReason::from_code(code) {
                None if code == 0 => Reading::Known(f64::from_bits(bits)),
                None => Reading::Unknown(UnknownReason::ReadFailed),
                Some(reason) => Reading::Unknown(reason),
            };
        }
        let time_ms = self.time_ms.load(Ordering::Relaxed) as TimeMs;
        let samples = self.samples.load(Ordering::Relaxed);
        Vitals::with_readings(time_ms, samples, readings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn publish_then_read_round_trips() {
        let published = PublishedVitals::default();
        assert_eq!(published.read(), Vitals::EMPTY);
        let vitals = Vitals {
            time_ms: 1_700_000_000_000,
            samples: 3,
            cpu_percent: Reading::Known(12.5),
            disk_percent: Reading::Unknown(UnknownReason::DiskNotFound),
            ..Vitals::EMPTY
        };
        published.publish(&vitals);
        assert_eq!(published.read(), vitals);
    }

    #[test]
    fn reader_never_sees_torn_write() {
        let published = Arc::new(PublishedVitals::default());
        let writer = {
            let published = Arc::clone(&published);
            std::thread::spawn(move || {
                for i in 1..=20_000u64 {
                    let value = Reading::Known(i as f64);
                    published.publish(&Vitals {
                        time_ms: i as TimeMs,
                        samples: i,
                        cpu_percent: value,
                        memory_percent: value,
                        process_memory_bytes: value,
                        ..Vitals::EMPTY
                    });
                }
            })
        };
        for _ in 0..20_000 {
            let vitals = published.read();
            if vitals.samples == 0 {
                continue;
            }
            let expected = Reading::Known(vitals.samples as f64);
            assert_eq!(vitals.cpu_percent, expected);
            assert_eq!(vitals.memory_percent, expected);
            assert_eq!(vitals.process_memory_bytes, expected);
            assert_eq!(vitals.time_ms, vitals.samples as TimeMs);
        }
        writer.join().expect("writer thread");
    }
}
