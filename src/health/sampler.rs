//! The background sampler thread that publishes the system vitals.

use super::probe::{Probe, RawSample};
use super::vitals::{PublishedVitals, Reading, UnknownReason, Vitals};
use crate::account::TimeMs;
use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A running sampler. Dropping it stops the thread and waits for it.
#[derive(Debug)]
pub struct Sampler {
    published: Arc<PublishedVitals>,
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sampler {
    /// Starts a sampler thread that samples every `interval` the volume holding `state_dir`.
    ///
    /// # Errors
    ///
    /// Returns the error of `std::thread::Builder::spawn` when no thread can be started.
    pub fn start(
        state_dir: &Path,
        interval: Duration,
        cpu_average_samples: u32,
    ) -> std::io::Result<Sampler> {
        let published = Arc::new(PublishedVitals::default());
        let (stop, stopped) = bounded::<()>(1);
        let state_dir = state_dir.to_path_buf();
        let writer = Arc::clone(&published);
        let thread = std::thread::Builder::new()
            .name("mikrobot-health".to_owned())
            .spawn(move || {
                let mut history = SampleHistory::new(cpu_average_samples);
                let mut probe = Probe::new(&state_dir);
                loop {
                    // A panic inside a probe must not unwind out of the thread silently: the
                    // vitals turn unknown and the sampler goes on.
                    let vitals = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        history.next(probe.refresh(), wall_clock_ms(), Instant::now())
                    }))
                    .unwrap_or_else(|_| history.failed(wall_clock_ms()));
                    writer.publish(&vitals);
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
            })?;
        Ok(Sampler {
            published,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The latest vitals, read without a lock.
    pub fn latest(&self) -> Vitals {
        self.published.read()
    }

    /// The shared publication, for readers on other threads.
    pub fn published(&self) -> Arc<PublishedVitals> {
        Arc::clone(&self.published)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn wall_clock_ms() -> TimeMs {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as TimeMs)
        .unwrap_or(0)
}

/// The sampler's memory between samples: recent CPU values and the previous sample's instant.
#[derive(Debug)]
pub struct SampleHistory {
    cpu: VecDeque<f64>,
    capacity: usize,
    previous: Option<Instant>,
    samples: u64,
}

impl SampleHistory {
    /// A history that averages the last `cpu_average_samples` CPU values.
    pub fn new(cpu_average_samples: u32) -> Self {
        let capacity = cpu_average_samples.max(1) as usize;
        SampleHistory {
            cpu: VecDeque::with_capacity(capacity),
            capacity,
            previous: None,
            samples: 0,
        }
    }

    /// Turns a raw sample taken at `now` into vitals.
    pub fn next(&mut self, raw: RawSample, time_ms: TimeMs, now: Instant) -> Vitals {
        self.samples += 1;
        if let Reading::Known(cpu) = raw.cpu_percent {
            if self.cpu.len() == self.capacity {
                self.cpu.pop_front();
            }
            self.cpu.push_back(cpu);
        }
        let cpu_average_percent = if self.cpu.is_empty() {
            raw.cpu_percent
        } else {
            Reading::Known(self.cpu.iter().sum::<f64>() / self.cpu.len() as f64)
        };
        let elapsed = self
            .previous
            .replace(now)
            .map(|before| now.duration_since(before).as_secs_f64());
        let process_disk_write_bytes_per_s = match (raw.process_written_bytes, elapsed) {
            (Reading::Known(bytes), Some(seconds)) if seconds > 0.0 => {
                Reading::Known(bytes / seconds)
            }
            (Reading::Unknown(reason), _) => Reading::Unknown(reason),
            _ => Reading::Unknown(UnknownReason::NeedsSecondSample),
        };
        Vitals {
            time_ms,
            samples: self.samples,
            cpu_percent: raw.cpu_percent,
            cpu_average_percent,
            memory_percent: raw.memory_percent,
            disk_percent: raw.disk_percent,
            process_memory_bytes: raw.process_memory_bytes,
            process_disk_write_bytes_per_s,
        }
    }

    /// Vitals for a sample whose probe panicked: every metric unknown.
    pub fn failed(&mut self, time_ms: TimeMs) -> Vitals {
        self.samples += 1;
        let unknown = Reading::Unknown(UnknownReason::ReadFailed);
        Vitals {
            time_ms,
            samples: self.samples,
            cpu_percent: unknown,
            cpu_average_percent: unknown,
            memory_percent: unknown,
            disk_percent: unknown,
            process_memory_bytes: unknown,
            process_disk_write_bytes_per_s: unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_publishes_samples() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let sampler =
            Sampler::start(dir.path(), Duration::from_millis(100), 4).expect("sampler starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while sampler.latest().samples < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let vitals = sampler.latest();
        assert!(vitals.samples >= 3, "samples {}", vitals.samples);
        assert!(vitals.time_ms > 0);
        assert!(
            vitals.cpu_percent.value().is_some(),
            "{:?}",
            vitals.cpu_percent
        );
        assert!(vitals.memory_percent.value().is_some());
    }

    #[test]
    fn history_averages_known_cpu() {
        let mut history = SampleHistory::new(2);
        let raw = |cpu| RawSample {
            cpu_percent: cpu,
            memory_percent: Reading::Known(50.0),
            disk_percent: Reading::Unknown(UnknownReason::DiskNotFound),
            process_memory_bytes: Reading::Known(1.0),
            process_written_bytes: Reading::Known(1000.0),
        };
        let start = Instant::now();
        let first = history.next(raw(Reading::Known(10.0)), 1, start);
        assert_eq!(
            first.process_disk_write_bytes_per_s,
            Reading::Unknown(UnknownReason::NeedsSecondSample)
        );
        history.next(raw(Reading::Known(20.0)), 2, start + Duration::from_secs(1));
        let third = history.next(raw(Reading::Known(40.0)), 3, start + Duration::from_secs(2));
        assert_eq!(third.cpu_average_percent, Reading::Known(30.0));
        assert_eq!(third.process_disk_write_bytes_per_s, Reading::Known(1000.0));
        assert_eq!(third.samples, 3);
    }
}
