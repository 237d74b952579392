//! When each maintenance task runs: local times in the firm's zone.

use super::{Routine, Task};
use crate::account::TimeMs;
use crate::time::{FirmClock, TimeError};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Error for a maintenance schedule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The daily task times are not in the order the tasks run.
    #[error("maintenance time of {later} ({later_time}) is not after {earlier} ({earlier_time}); list the daily times in ascending order")]
    OutOfOrder {
        /// The task that runs first.
        earlier: Task,
        /// Its configured time.
        earlier_time: NaiveTime,
        /// The task that runs after it.
        later: Task,
        /// Its configured time, not after `earlier_time`.
        later_time: NaiveTime,
    },
    /// The monthly audit day does not exist in every month.
    #[error("monthly audit day {0} is invalid; use a day of the month from 1 to 28")]
    MonthlyDay(u32),
    /// A time conversion failed.
    #[error(transparent)]
    Time(#[from] TimeError),
}

/// The maintenance schedule, in the `[maintenance]` section of the configuration.
///
/// Times are local wall times in the firm's zone (FTMO: Europe/Prague), written
/// `HH:MM`. A time that falls in a daylight-saving gap runs when the gap ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaintenanceConfig {
    /// Log rotation.
    #[serde(with = "hh_mm")]
    pub log_rotation: NaiveTime,
    /// Performance summary.
    #[serde(with = "hh_mm")]
    pub performance_summary: NaiveTime,
    /// Health check.
    #[serde(with = "hh_mm")]
    pub health_check: NaiveTime,
    /// Backup verification.
    #[serde(with = "hh_mm")]
    pub backup_verification: NaiveTime,
    /// Cleanup.
    #[serde(with = "hh_mm")]
    pub cleanup: NaiveTime,
    /// Day of the week of the weekly review.
    pub weekly_day: Weekday,
    /// Time of the weekly review.
    #[serde(with = "hh_mm")]
    pub weekly_time: NaiveTime,
    /// Day of the month of the monthly audit, 1 to 28.
    pub monthly_day: u32,
    /// Time of the monthly audit.
    #[serde(with = "hh_mm")]
    pub monthly_time: NaiveTime,
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        MaintenanceConfig {
            log_rotation: hm(0, 0),
            performance_summary: hm(0, 15),
            health_check: hm(0, 30),
            backup_verification: hm(0, 45),
            cleanup: hm(1, 0),
            weekly_day: Weekday::Mon,
            weekly_time: hm(1, 30),
            monthly_day: 1,
            monthly_time: hm(2, 0),
        }
    }
}

impl MaintenanceConfig {
    /// Checks that the daily times ascend and the monthly day exists in every month.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::OutOfOrder`] or [`ScheduleError::MonthlyDay`].
    pub fn validate(&self) -> Result<(), ScheduleError> {
        for pair in Task::DAILY.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let (earlier_time, later_time) = (self.time_of(earlier), self.time_of(later));
            if later_time <= earlier_time {
                return Err(ScheduleError::OutOfOrder {
                    earlier,
                    earlier_time,
                    later,
                    later_time,
                });
            }
        }
        if !(1..=28).contains(&self.monthly_day) {
            return Err(ScheduleError::MonthlyDay(self.monthly_day));
        }
        Ok(())
    }

    /// The local time at which `task` runs on its day.
    pub fn time_of(&self, task: Task) -> NaiveTime {
        match task {
            Task::LogRotation => self.log_rotation,
            Task::PerformanceSummary => self.performance_summary,
            Task::HealthCheck => self.health_check,
            Task::BackupVerification => self.backup_verification,
            Task::Cleanup => self.cleanup,
            Task::WeeklyReview => self.weekly_time,
            Task::MonthlyAudit => self.monthly_time,
        }
    }

    /// The local date of the latest run of `routine` whose first task is due at or
    /// before `now_ms`: a calendar date for the daily routine, the review day for the
    /// weekly one and the audit day for the monthly one.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] when the time is out of chrono's range.
    pub fn latest_period(
        &self,
        zone: Tz,
        routine: Routine,
        now_ms: TimeMs,
    ) -> Result<NaiveDate, ScheduleError> {
        let today = crate::time::utc_from_ms(now_ms)?
            .with_timezone(&zone)
            .date_naive();
        let mut period = self.period_at_or_before(routine, today);
        if self.start_ms(zone, routine, period)? > now_ms {
            period = self.period_at_or_before(routine, period - Duration::days(1));
        }
        Ok(period)
    }

    /// The period of `routine` that starts on or before `date`.
    fn period_at_or_before(&self, routine: Routine, date: NaiveDate) -> NaiveDate {
        match routine {
            Routine::Daily => date,
            Routine::Weekly => {
                let back = (7 + date.weekday().num_days_from_monday()
                    - self.weekly_day.num_days_from_monday())
                    % 7;
                date - Duration::days(i64::from(back))
            }
            Routine::Monthly => {
                let this_month = date.with_day(self.monthly_day).unwrap_or(date);
                if this_month <= date {
                    this_month
                } else {
                    let previous = this_month - chrono::Months::new(1);
                    previous.with_day(self.monthly_day).unwrap_or(previous)
                }
            }
        }
    }

    /// UTC milliseconds at which `routine`'s run for `period` starts.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] when the time is out of chrono's range.
    pub fn start_ms(
        &self,
        zone: Tz,
        routine: Routine,
        period: NaiveDate,
    ) -> Result<TimeMs, ScheduleError> {
        self.task_ms(zone, routine.tasks()[0], period)
    }

    /// UTC milliseconds at which `task` is due in the run for `period`.
    ///
    /// # Errors
    ///
    /// [`ScheduleError::Time`] when the time is out of chrono's range.
    pub fn task_ms(
        &self,
        zone: Tz,
        task: Task,
        period: NaiveDate,
    ) -> Result<TimeMs, ScheduleError> {
        // FirmClock resolves a wall time in a daylight-saving gap or a repeated hour
        // the same way the firm's day boundary does.
        let clock = FirmClock {
            zone,
            reset: self.time_of(task),
        };
        Ok(clock.day_start_ms(period)?)
    }
}

/// Serde for `HH:MM` local times; `HH:MM:SS` is accepted on input.
mod hh_mm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&time.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid maintenance time {text:?}; write a local time as HH:MM, such as 00:15"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn default_schedule_is_valid() {
        assert_eq!(MaintenanceConfig::default().validate(), Ok(()));
    }

    #[test]
    fn unordered_times_are_rejected() {
        let config = MaintenanceConfig {
            cleanup: hm(0, 10),
            ..MaintenanceConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert!(matches!(
            error,
            ScheduleError::OutOfOrder {
                later: Task::Cleanup,
                ..
            }
        ));
    }

    #[test]
    fn monthly_day_past_28_is_rejected() {
        let config = MaintenanceConfig {
            monthly_day: 31,
            ..MaintenanceConfig::default()
        };
        assert_eq!(config.validate(), Err(ScheduleError::MonthlyDay(31)));
    }

    #[test]
    fn toml_reads_hh_mm_times() {
        let config: MaintenanceConfig =
            toml::from_str("health_check = \"00:35\"\nweekly_day = \"Sun\"").unwrap();
        assert_eq!(config.health_check, hm(0, 35));
        assert_eq!(config.weekly_day, Weekday::Sun);
        assert_eq!(config.cleanup, hm(1, 0));
        let error = toml::from_str::<MaintenanceConfig>("cleanup = \"1 am\"").unwrap_err();
        assert!(error.to_string().contains("HH:MM"), "{error}");
    }

    #[test]
    fn latest_weekly_period_is_previous_monday_before_its_time() {
        let config = MaintenanceConfig::default();
        let zone = chrono_tz::Europe::Prague;
        // Monday 2025-03-10 01:00 Prague, before the 01:30 review.
        let now = config
            .task_ms(zone, Task::Cleanup, date(2025, 3, 10))
            .unwrap();
        let period = config.latest_period(zone, Routine::Weekly, now).unwrap();
        assert_eq!(period, date(2025, 3, 3));
        let later = now + 3_600_000;
        let period = config.latest_period(zone, Routine::Weekly, later).unwrap();
        assert_eq!(period, date(2025, 3, 10));
    }

    #[test]
    fn latest_monthly_period_wraps_the_year() {
        let config = MaintenanceConfig {
            monthly_day: 5,
            ..MaintenanceConfig::default()
        };
        let zone = chrono_tz::Europe::Prague;
        let now = config
            .task_ms(zone, Task::LogRotation, date(2025, 1, 3))
            .unwrap();
        let period = config.latest_period(zone, Routine::Monthly, now).unwrap();
        assert_eq!(period, date(2024, 12, 5));
    }

    #[test]
    fn daily_period_before_midnight_run_is_yesterday() {
        let config = MaintenanceConfig {
            log_rotation: hm(0, 30),
            performance_summary: hm(0, 40),
            health_check: hm(0, 50),
            backup_verification: hm(1, 0),
            cleanup: hm(1, 10),
            ..MaintenanceConfig::default()
        };
        let zone = chrono_tz::Europe::Prague;
        let midnight = FirmClock::default()
            .day_start_ms(date(2025, 3, 30))
            .unwrap();
        let period = config
            .latest_period(zone, Routine::Daily, midnight)
            .unwrap();
        assert_eq!(period, date(2025, 3, 29));
    }
}
