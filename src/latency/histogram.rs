//! Log-linear buckets with three significant digits, and the atomic counters behind them.
//!
//! The layout is HdrHistogram's with a unit of 1 µs and 2,048 sub-buckets: values
//! below 2,048 µs get one bucket each, and every doubling above that is split into
//! 1,024 buckets, so a bucket is at most 1/1,024 of its lowest value wide (a relative
//! error below 0.1 %). Values up to [`MAX_TRACKABLE_US`] (about 67 s) have their own
//! bucket; larger ones are counted as saturated in the last bucket.

use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};

const SUB_BUCKET_BITS: u32 = 11;
const SUB_BUCKET_HALF_BITS: u32 = SUB_BUCKET_BITS - 1;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_BITS) - 1;
/// Bits of the largest trackable value: 2^26 µs is about 67.1 s, above the 60 s required.
const VALUE_BITS: u32 = 26;

/// Largest latency in microseconds that gets its own bucket.
pub const MAX_TRACKABLE_US: u64 = (1 << VALUE_BITS) - 1;

/// Number of buckets.
pub(crate) const BUCKETS: usize =
    (((VALUE_BITS - SUB_BUCKET_BITS) as usize) << SUB_BUCKET_HALF_BITS) + (1 << SUB_BUCKET_BITS);

/// The bucket of `value_us`, after clamping it to [`MAX_TRACKABLE_US`].
#[inline(always)]
pub(crate) fn bucket_of(value_us: u64) -> usize {
    let value = value_us.min(MAX_TRACKABLE_US);
    let magnitude = (64 - (value | SUB_BUCKET_MASK).leading_zeros()) - SUB_BUCKET_BITS;
    ((magnitude as usize) << SUB_BUCKET_HALF_BITS) + (value >> magnitude) as usize
}

/// The highest value that falls into `bucket`.
pub(crate) fn highest_in(bucket: usize) -> u64 {
    let magnitude = if bucket < (1 << SUB_BUCKET_BITS) {
        0
    } else {
        (bucket >> SUB_BUCKET_HALF_BITS) as u32 - 1
    };
    let sub_bucket = (bucket - ((magnitude as usize) << SUB_BUCKET_HALF_BITS)) as u64;
    (sub_bucket << magnitude) + (1 << magnitude) - 1
}

/// Totals kept beside the buckets. The sample count is the sum of the buckets, so no
/// counter is kept for it.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    pub(crate) sum_us: AtomicU64,
    pub(crate) under_target: AtomicU64,
    pub(crate) saturated: AtomicU64,
    pub(crate) max_us: AtomicU64,
}

/// One time slice of one recorder's shard. Only the thread that holds the shard writes
/// it, so recording uses plain loads and stores and no read-modify-write.
#[derive(Debug)]
pub(crate) struct Slice {
    /// Index of the slice period these counts belong to; `i64::MIN` when unused.
    pub(crate) epoch: AtomicI64,
    pub(crate) buckets: Box<[AtomicU32]>,
    pub(crate) totals: Totals,
}

impl Slice {
    pub(crate) fn new() -> Self {
        Slice {
            epoch: AtomicI64::new(i64::MIN),
            buckets: (0..BUCKETS).map(|_| AtomicU32::new(0)).collect(),
            totals: Totals::default(),
        }
    }

    /// Adds one sample; the caller must be the only writer of this slice.
    #[inline(always)]
    pub(crate) fn record_exclusive(&self, value_us: u64, target_us: u64) {
        bump(&self.buckets[bucket_of(value_us)]);
        let totals = &self.totals;
        add64(&totals.sum_us, value_us);
        // Added without a branch, because samples fall on either side of the target at random.
        add64(&totals.under_target, u64::from(value_us <= target_us));
        if value_us > MAX_TRACKABLE_US {
            bump64(&totals.saturated);
        }
        if value_us > totals.max_us.load(Ordering::Relaxed) {
            totals.max_us.store(value_us, Ordering::Relaxed);
        }
    }

    /// Moves every count into `cumulative` and clears the slice; the caller must be
    /// the only writer of this slice.
    pub(crate) fn fold_into(&self, cumulative: &Cumulative) {
        for (bucket, total) in self.buckets.iter().zip(cumulative.buckets.iter()) {
            let count = bucket.load(Ordering::Relaxed);
            if count != 0 {
                total.fetch_add(u64::from(count), Ordering::Relaxed);
                bucket.store(0, Ordering::Relaxed);
            }
        }
        let from = &self.totals;
        let to = &cumulative.totals;
        for (source, target) in [
            (&from.sum_us, &to.sum_us),
            (&from.under_target, &to.under_target),
            (&from.saturated, &to.saturated),
        ] {
            target.fetch_add(source.swap(0, Ordering::Relaxed), Ordering::Relaxed);
        }
        to.max_us
            .fetch_max(from.max_us.swap(0, Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// Counts that no longer belong to any live slice, shared by every recorder and only
/// changed by read-modify-write operations.
#[derive(Debug)]
pub(crate) struct Cumulative {
    pub(crate) buckets: Box<[AtomicU64]>,
    pub(crate) totals: Totals,
}

impl Cumulative {
    pub(crate) fn new() -> Self {
        Cumulative {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            totals: Totals::default(),
        }
    }

    /// Adds one sample from any thread, with wait-free atomic additions.
    pub(crate) fn record_shared(&self, value_us: u64, target_us: u64) {
        self.buckets[bucket_of(value_us)].fetch_add(1, Ordering::Relaxed);
        let totals = &self.totals;
        totals.sum_us.fetch_add(value_us, Ordering::Relaxed);
        if value_us <= target_us {
            totals.under_target.fetch_add(1, Ordering::Relaxed);
        }
        if value_us > MAX_TRACKABLE_US {
            totals.saturated.fetch_add(1, Ordering::Relaxed);
        }
        totals.max_us.fetch_max(value_us, Ordering::Relaxed);
    }
}

#[inline(always)]
fn bump(counter: &AtomicU32) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(1),
        Ordering::Relaxed,
    );
}

#[inline(always)]
fn bump64(counter: &AtomicU64) {
    add64(counter, 1);
}

#[inline(always)]
fn add64(counter: &AtomicU64, value: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(value),
        Ordering::Relaxed,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_range() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(2047), 2047);
        assert_eq!(bucket_of(2048), 2048);
        assert_eq!(bucket_of(MAX_TRACKABLE_US), BUCKETS - 1);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(highest_in(BUCKETS - 1), MAX_TRACKABLE_US);
    }

    #[test]
    fn bucket_bounds_contain_value() {
        let mut value = 1u64;
        while value <= MAX_TRACKABLE_US {
            let bucket = bucket_of(value);
            let highest = highest_in(bucket);
            assert!(highest >= value, "value {value}: highest {highest}");
            assert!(
                (highest - value) * 1000 <= value,
                "value {value}: bucket up to {highest} is wider than 0.1 %"
            );
            if bucket > 0 {
                assert!(highest_in(bucket - 1) < value, "value {value}");
            }
            value = value * 21 / 20 + 1;
        }
    }
}
