//! Thresholds with two levels, a direction, hysteresis, confirmation and flap suppression.
//!
//! A [`Threshold`] is the configuration; a [`ThresholdState`] follows one metric sample by
//! sample. Each sample gets a raw level from the entry levels (or, for the level already
//! reached, from its exit level, which is the hysteresis). The raw level becomes the reported
//! ("hard") level only after `confirm_samples` consecutive samples agree; until then the
//! state is "soft". A metric whose raw level keeps changing is flapping, and its transitions
//! are reported as suppressed until it settles.

use serde::{Deserialize, Serialize};

/// Severity of one check, ordered from best to worst; the overall health is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Inside every level.
    Ok,
    /// Past the warning level.
    Warning,
    /// The metric could not be read, so its state is not known.
    Unknown,
    /// Past the critical level.
    Critical,
}

impl Level {
    /// Snake-case name used in reports and the C ABI.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Unknown => "unknown",
            Level::Critical => "critical",
        }
    }
}

/// Side of a level that is unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The level is reached when the value is at or above it (CPU use, latency).
    Above,
    /// The level is reached when the value falls under it (connectivity, success rate).
    Below,
}

impl Direction {
    /// Whether `value` is on the unhealthy side of `level`.
    pub fn is_past(self, value: f64, level: f64) -> bool {
        match self {
            Direction::Above => value >= level,
            Direction::Below => value < level,
        }
    }
}

/// One level of a threshold: the value that enters it and the value that leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Entry level: a sample past it reaches this band.
    pub enter: f64,
    /// Exit level: once reached, the band holds while samples stay past this value. It lies on
    /// the healthy side of `enter` (lower for [`Direction::Above`]), which is the hysteresis.
    pub exit: f64,
}

impl Band {
    /// A band with entry level `enter` and exit level `exit`.
    pub const fn new(enter: f64, exit: f64) -> Self {
        Band { enter, exit }
    }
}

/// Flap detection over the last `window` samples, with hysteresis on the change count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlapConfig {
    /// Number of recent samples looked at (1 to 64).
    pub window: u32,
    /// Raw level changes within the window that start flap suppression.
    pub start_changes: u32,
    /// Raw level changes within the window at or under which suppression stops.
    pub stop_changes: u32,
}

impl Default for FlapConfig {
    fn default() -> Self {
        FlapConfig {
            window: 20,
            start_changes: 6,
            stop_changes: 2,
        }
    }
}

/// A threshold on one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Side of the levels that is unhealthy.
    pub direction: Direction,
    /// Warning band, if the check has one.
    #[serde(default)]
    pub warning: Option<Band>,
    /// Critical band, if the check has one.
    #[serde(default)]
    pub critical: Option<Band>,
    /// Consecutive samples that must agree before the reported level changes (at least 1).
    #[serde(default = "default_confirm")]
    pub confirm_samples: u32,
    /// Flap suppression.
    #[serde(default)]
    pub flap: FlapConfig,
}

fn default_confirm() -> u32 {
    3
}

/// Error returned by [`Threshold::validate`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdError {
    /// A level is NaN or infinite.
    #[error("{name}: level {value} is not a finite number; set a finite value")]
    NotFinite {
        /// The check.
        name: String,
        /// The rejected level.
        value: f64,
    },
    /// An exit level lies on the unhealthy side of its entry level.
    #[error(
        "{name}: exit level {exit} is past entry level {enter}; \
         the exit must be on the healthy side of the entry"
    )]
    ExitPastEntry {
        /// The check.
        name: String,
        /// The entry level.
        enter: f64,
        /// The rejected exit level.
        exit: f64,
    },
    /// The warning level is past the critical level.
    #[error("{name}: warning level {warning} is past critical level {critical}; swap them")]
    WarningPastCritical {
        /// The check.
        name: String,
        /// The warning entry level.
        warning: f64,
        /// The critical entry level.
        critical: f64,
    },
    /// `confirm_samples` is zero or the flap window is outside 1 to 64.
    #[error("{name}: {field} = {value} is out of range {range}")]
    OutOfRange {
        /// The check.
        name: String,
        /// The field.
        field: &'static str,
        /// The rejected value.
        value: u32,
        /// The accepted range.
        range: &'static str,
    },
}

impl Threshold {
    /// A threshold that warns past `warning` and has no critical level.
    pub const fn warning(direction: Direction, warning: Band, confirm_samples: u32) -> Self {
        Threshold {
            direction,
            warning: Some(warning),
            critical: None,
            confirm_samples,
            flap: FlapConfig {
                window: 20,
                start_changes: 6,
                stop_changes: 2,
            },
        }
    }

    /// A threshold that is critical past `critical` and has no warning level.
    pub const fn critical(direction: Direction, critical: Band, confirm_samples: u32) -> Self {
        Threshold {
            direction,
            warning: None,
            critical: Some(critical),
            confirm_samples,
            flap: FlapConfig {
                window: 20,
                start_changes: 6,
                stop_changes: 2,
            },
        }
    }

    /// Checks that every level is finite and on the right side of the others.
    ///
    /// # Errors
    ///
    /// Returns a [`ThresholdError`] naming the check `name` and the rejected value.
    pub fn validate(&self, name: &str) -> Result<(), ThresholdError> {
        for band in [self.warning, self.critical].into_iter().flatten() {
            for value in [band.enter, band.exit] {
                if !value.is_finite() {
                    return Err(ThresholdError::NotFinite {
                        name: name.to_owned(),
                        value,
                    });
                }
            }
            // An exit equal to the entry means no hysteresis; an exit past it is an error.
            if band.exit != band.enter && self.direction.is_past(band.exit, band.enter) {
                return Err(ThresholdError::ExitPastEntry {
                    name: name.to_owned(),
                    enter: band.enter,
                    exit: band.exit,
                });
            }
        }
        if let (Some(w), Some(c)) = (self.warning, self.critical) {
            if w.enter != c.enter && self.direction.is_past(w.enter, c.enter) {
                return Err(ThresholdError::WarningPastCritical {
                    name: name.to_owned(),
                    warning: w.enter,
                    critical: c.enter,
                });
            }
        }
        let out_of_range = |field, value, range| ThresholdError::OutOfRange {
            name: name.to_owned(),
            field,
            value,
            range,
        };
        if self.confirm_samples == 0 {
            return Err(out_of_range("confirm_samples", 0, "1 or more"));
        }
        if !(1..=64).contains(&self.flap.window) {
            return Err(out_of_range("flap.window", self.flap.window, "1 to 64"));
        }
        Ok(())
    }

    /// The level of `value` for a metric whose raw level is currently `current`: bands already
    /// reached are held until their exit level, others need their entry level.
    pub fn raw_level(&self, value: f64, current: Level) -> Level {
        let reached = |band: Option<Band>, level: Level| match band {
            Some(band) if current >= level && current != Level::Unknown => {
                self.direction.is_past(value, band.exit)
            }
            Some(band) => self.direction.is_past(value, band.enter),
            None => false,
        };
        if reached(self.critical, Level::Critical) {
            Level::Critical
        } else if reached(self.warning, Level::Warning) {
            Level::Warning
        } else {
            Level::Ok
        }
    }
}

/// A change of the reported level, returned by [`ThresholdState::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The level before.
    pub from: Level,
    /// The level after.
    pub to: Level,
    /// Whether the metric is flapping, so the change must not be notified.
    pub suppressed: bool,
}

/// The state of one threshold, following its metric sample by sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdState {
    /// The confirmed ("hard") level.
    pub level: Level,
    /// The level of the last sample.
    pub raw: Level,
    /// Consecutive samples that disagreed with `level` in the same direction.
    pub pending: u32,
    /// The level those pending samples all reached (the mildest of them when worsening, the
    /// worst of them when improving).
    pub pending_level: Level,
    /// One bit per recent sample, set when that sample's raw level differed from the one before.
    pub changes: u64,
    /// Whether flap suppression is active.
    pub flapping: bool,
    /// Samples observed.
    pub samples: u64,
}

impl Default for ThresholdState {
    fn default() -> Self {
        ThresholdState {
            level: Level::Ok,
            raw: Level::Ok,
            pending: 0,
            pending_level: Level::Ok,
            changes: 0,
            flapping: false,
            samples: 0,
        }
    }
}

impl ThresholdState {
    /// Whether the raw level differs from the confirmed one, which waits for confirmation.
    pub fn is_soft(&self) -> bool {
        self.pending > 0
    }

    /// Feeds one sample and returns the change of the confirmed level, if any.
    pub fn observe(&mut self, threshold: &Threshold, value: f64) -> Option<Transition> {
        let raw = if value.is_finite() {
            threshold.raw_level(value, self.raw)
        } else {
            Level::Unknown
        };
        self.observe_level(threshold, raw)
    }

    /// Feeds a sample whose value could not be read.
    pub fn observe_unknown(&mut self, threshold: &Threshold) -> Option<Transition> {
        self.observe_level(threshold, Level::Unknown)
    }

    fn observe_level(&mut self, threshold: &Threshold, raw: Level) -> Option<Transition> {
        self.samples += 1;
        self.track_flapping(threshold.flap, raw != self.raw && self.samples > 1);
        self.raw = raw;
        if raw == self.level {
            self.pending = 0;
            return None;
        }
        let worsening = raw > self.level;
        let same_direction = self.pending > 0 && (self.pending_level > self.level) == worsening;
        if same_direction {
            self.pending_level = if worsening {
                self.pending_level.min(raw)
            } else {
                self.pending_level.max(raw)
            };
            self.pending += 1;
        } else {
            self.pending_level = raw;
            self.pending = 1;
        }
        if self.pending < threshold.confirm_samples {
            return None;
        }
        let from = self.level;
        self.level = self.pending_level;
        self.pending = 0;
        Some(Transition {
            from,
            to: self.level,
            suppressed: self.flapping,
        })
    }

    fn track_flapping(&mut self, flap: FlapConfig, changed: bool) {
        let window = flap.window.clamp(1, 64);
        let mask = if window == 64 {
            u64::MAX
        } else {
            (1u64 << window) - 1
        };
        self.changes = ((self.changes << 1) | u64::from(changed)) & mask;
        let count = self.changes.count_ones();
        if !self.flapping && count >= flap.start_changes {
            self.flapping = true;
        } else if self.flapping && count <= flap.stop_changes {
            self.flapping = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu() -> Threshold {
        Threshold::warning(Direction::Above, Band::new(80.0, 75.0), 1)
    }

    #[test]
    fn above_enters_at_level() {
        let t = cpu();
        assert_eq!(t.raw_level(79.99, Level::Ok), Level::Ok);
        assert_eq!(t.raw_level(80.0, Level::Ok), Level::Warning);
        assert_eq!(t.raw_level(80.01, Level::Ok), Level::Warning);
    }

    #[test]
    fn hysteresis_holds_until_exit() {
        let t = cpu();
        assert_eq!(t.raw_level(76.0, Level::Warning), Level::Warning);
        assert_eq!(t.raw_level(75.0, Level::Warning), Level::Warning);
        assert_eq!(t.raw_level(74.99, Level::Warning), Level::Ok);
    }

    #[test]
    fn confirmation_goes_soft_then_hard() {
        let t = Threshold::warning(Direction::Above, Band::new(80.0, 75.0), 3);
        let mut s = ThresholdState::default();
        assert_eq!(s.observe(&t, 90.0), None);
        assert!(s.is_soft());
        assert_eq!(s.observe(&t, 90.0), None);
        let change = s.observe(&t, 90.0).expect("third sample confirms");
        assert_eq!(change.from, Level::Ok);
        assert_eq!(change.to, Level::Warning);
        assert!(!s.is_soft());
    }

    #[test]
    fn one_healthy_sample_resets_confirmation() {
        let t = Threshold::warning(Direction::Above, Band::new(80.0, 75.0), 3);
        let mut s = ThresholdState::default();
        s.observe(&t, 90.0);
        s.observe(&t, 90.0);
        s.observe(&t, 10.0);
        assert_eq!(s.pending, 0);
        assert_eq!(s.observe(&t, 90.0), None);
        assert_eq!(s.level, Level::Ok);
    }

    #[test]
    fn mixed_run_confirms_mildest_level() {
        let t = Threshold {
            critical: Some(Band::new(95.0, 90.0)),
            ..Threshold::warning(Direction::Above, Band::new(80.0, 75.0), 2)
        };
        let mut s = ThresholdState::default();
        s.observe(&t, 85.0);
        let change = s.observe(&t, 99.0).expect("two samples past warning");
        assert_eq!(change.to, Level::Warning);
    }

    #[test]
    fn flapping_suppresses_then_clears() {
        let t = cpu();
        let mut s = ThresholdState::default();
        let mut suppressed = 0;
        for i in 0..20 {
            let value = if i % 2 == 0 { 90.0 } else { 10.0 };
            if let Some(change) = s.observe(&t, value) {
                suppressed += usize::from(change.suppressed);
            }
        }
        assert!(s.flapping);
        assert!(suppressed > 0);
        for _ in 0..20 {
            s.observe(&t, 10.0);
        }
        assert!(!s.flapping);
    }

    #[test]
    fn nan_sample_is_unknown() {
        let t = cpu();
        let mut s = ThresholdState::default();
        let change = s
            .observe(&t, f64::NAN)
            .expect("unknown is confirmed at once");
        assert_eq!(change.to, Level::Unknown);
    }

    #[test]
    fn validate_rejects_exit_past_entry() {
        let t = Threshold::warning(Direction::Above, Band::new(80.0, 85.0), 1);
        assert!(matches!(
            t.validate("cpu"),
            Err(ThresholdError::ExitPastEntry { .. })
        ));
    }

    #[test]
    fn validate_rejects_zero_confirmation() {
        let t = Threshold::warning(Direction::Above, Band::new(80.0, 75.0), 0);
        assert!(t.validate("cpu").is_err());
    }
}
