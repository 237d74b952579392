//! Clocks: the broker's server clock and the firm's trading day, both from the
//! time-zone database.
//!
//! Fixed offsets are wrong for the weeks a year when the US and EU change their
//! clocks on different dates, and on the 23 h and 25 h days, so every conversion
//! here goes through `chrono-tz`.

use crate::account::TimeMs;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Error for a clock or time that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The zone name is not in the time-zone database.
    #[error("unknown time zone {0:?}; use an IANA name such as Europe/Prague, or ny+7")]
    UnknownZone(String),
    /// The local time does not exist (it falls in a daylight-saving gap).
    #[error("local time {0} does not exist in {1} (daylight-saving gap); check the time and the server clock")]
    Nonexistent(NaiveDateTime, String),
    /// The time is outside the range chrono can represent.
    #[error("time {0} ms is out of range")]
    OutOfRange(TimeMs),
}

/// The clock MT5 shows as server time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServerClock {
    /// New York local time plus 7 hours: GMT+2 in winter and GMT+3 in summer,
    /// switching on the US dates. FTMO and most FX brokers run this clock.
    #[default]
    NewYorkPlus7,
    /// An IANA zone.
    Zone(Tz),
}

impl ServerClock {
    /// Converts a server wall-clock time to UTC milliseconds.
    ///
    /// In the repeated hour after a clock goes back, the earlier instant is taken.
    ///
    /// # Errors
    ///
    /// [`TimeError::Nonexistent`] for a wall time inside a daylight-saving gap, and
    /// [`TimeError::OutOfRange`] for one within hours of the edge of chrono's range.
    pub fn to_utc_ms(&self, local: NaiveDateTime) -> Result<TimeMs, TimeError> {
        let (zone, shifted) = match self {
            ServerClock::NewYorkPlus7 => {
                let shifted = local
                    .checked_sub_signed(Duration::hours(7))
                    .ok_or(TimeError::OutOfRange(local.and_utc().timestamp_millis()))?;
                (chrono_tz::America::New_York, shifted)
            }
            ServerClock::Zone(zone) => (*zone, local),
        };
        match zone.from_local_datetime(&shifted) {
            LocalResult::Single(time) => Ok(time.timestamp_millis()),
            LocalResult::Ambiguous(earlier, _) => Ok(earlier.timestamp_millis()),
            LocalResult::None => Err(TimeError::Nonexistent(local, self.to_string())),
        }
    }

    /// Converts UTC milliseconds to the server's wall-clock time.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] when `time_ms` is beyond chrono's range.
    pub fn to_local(&self, time_ms: TimeMs) -> Result<NaiveDateTime, TimeError> {
        match self {
            ServerClock::NewYorkPlus7 => local_time(chrono_tz::America::New_York, time_ms)?
                .checked_add_signed(Duration::hours(7))
                .ok_or(TimeError::OutOfRange(time_ms)),
            ServerClock::Zone(zone) => local_time(*zone, time_ms),
        }
    }
}

impl fmt::Display for ServerClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerClock::NewYorkPlus7 => f.write_str("ny+7"),
            ServerClock::Zone(zone) => f.write_str(zone.name()),
        }
    }
}

impl FromStr for ServerClock {
    type Err = TimeError;

    /// Parses `ny+7` (any case, also `new-york+7`) or an IANA zone name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        if matches!(lower.as_str(), "ny+7" | "new-york+7" | "newyork+7" | "ny7") {
            return Ok(ServerClock::NewYorkPlus7);
        }
        parse_zone(text).map(ServerClock::Zone)
    }
}

impl Serialize for ServerClock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ServerClock {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses an IANA zone name.
///
/// # Errors
///
/// [`TimeError::UnknownZone`] with the name when the database has no such zone.
pub fn parse_zone(name: &str) -> Result<Tz, TimeError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| TimeError::UnknownZone(name.to_owned()))
}

/// Converts UTC milliseconds to a chrono time.
///
/// # Errors
///
/// [`TimeError::OutOfRange`] when chrono cannot represent the time.
pub fn utc_from_ms(time_ms: TimeMs) -> Result<DateTime<Utc>, TimeError> {
    DateTime::from_timestamp_millis(time_ms).ok_or(TimeError::OutOfRange(time_ms))
}

/// Converts UTC milliseconds to the wall-clock time in `zone`.
///
/// # Errors
///
/// [`TimeError::OutOfRange`] when chrono cannot represent the time, or its wall-clock time in
/// `zone` (chrono's own conversion panics there, at the edges of its range).
pub fn local_time(zone: Tz, time_ms: TimeMs) -> Result<NaiveDateTime, TimeError> {
    let utc = utc_from_ms(time_ms)?.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(Duration::seconds(i64::from(offset)))
        .ok_or(TimeError::OutOfRange(time_ms))
}

/// Formats UTC milliseconds as RFC 3339 with a `Z` suffix, seconds precision.
pub fn rfc3339(time_ms: TimeMs) -> String {
    match utc_from_ms(time_ms) {
        Ok(time) => time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Err(_) => format!("invalid time {time_ms} ms"),
    }
}

/// The firm's day boundary: a zone and the local time at which each day starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmClock {
    /// The zone the firm judges days in (FTMO: Europe/Prague).
    pub zone: Tz,
    /// Local time at which a trading day starts (FTMO: midnight).
    pub reset: NaiveTime,
}

impl Default for FirmClock {
    fn default() -> Self {
        FirmClock {
            zone: chrono_tz::Europe::Prague,
            reset: NaiveTime::MIN,
        }
    }
}

impl FirmClock {
    /// The trading day that contains `time_ms`: the local date of the last reset at
    /// or before it.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] when chrono cannot represent the time.
    pub fn day_of(&self, time_ms: TimeMs) -> Result<NaiveDate, TimeError> {
        let date = local_time(self.zone, time_ms)?.date();
        if self.day_start_ms(date)? <= time_ms {
            Ok(date)
        } else {
            Ok(date.pred_opt().unwrap_or(date))
        }
    }

    /// UTC milliseconds at which trading day `date` starts. A reset time that falls
    /// in a daylight-saving gap moves to the first instant after the gap; one that
    /// falls in a repeated hour takes the earlier instant.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] for dates chrono cannot represent.
    pub fn day_start_ms(&self, date: NaiveDate) -> Result<TimeMs, TimeError> {
        let local = date.and_time(self.reset);
        resolve_local(self.zone, local)
    }

    /// UTC milliseconds of the first reset strictly after `time_ms`.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] when chrono cannot represent the time.
    pub fn next_reset_ms(&self, time_ms: TimeMs) -> Result<TimeMs, TimeError> {
        let day = self.day_of(time_ms)?;
        let next = day.succ_opt().ok_or(TimeError::OutOfRange(time_ms))?;
        self.day_start_ms(next)
    }

    /// The Monday that starts the firm week containing `time_ms`.
    ///
    /// # Errors
    ///
    /// [`TimeError::OutOfRange`] when chrono cannot represent the time.
    pub fn week_of(&self, time_ms: TimeMs) -> Result<NaiveDate, TimeError> {
        let day = self.day_of(time_ms)?;
        let back = day.weekday().num_days_from_monday() as i64;
        day.checked_sub_signed(Duration::days(back))
            .ok_or(TimeError::OutOfRange(time_ms))
    }
}

/// Resolves a local wall time to UTC milliseconds: the earlier instant in a
/// repeated hour, and the end of the gap for a time inside one.
fn resolve_local(zone: Tz, local: NaiveDateTime) -> Result<TimeMs, TimeError> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(time) => Ok(time.timestamp_millis()),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.timestamp_millis()),
        LocalResult::None => {
            // Gaps in the database are whole minutes and at most a few hours long, so the
            // first wall time that exists again is the instant the gap ends.
            (1..=24 * 60)
                .filter_map(|minutes| local.checked_add_signed(Duration::minutes(minutes)))
                .find_map(|later| zone.from_local_datetime(&later).earliest())
                .map(|time| time.timestamp_millis())
                .ok_or(TimeError::Nonexistent(local, zone.name().to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn ny_plus_7_summer_offset() {
        let utc = ServerClock::NewYorkPlus7
            .to_utc_ms(at("2025-05-06 15:50:56"))
            .unwrap();
        assert_eq!(rfc3339(utc), "2025-05-06T12:50:56Z");
    }

    #[test]
    fn ny_plus_7_winter_offset() {
        let utc = ServerClock::NewYorkPlus7
            .to_utc_ms(at("2025-01-10 10:00:00"))
            .unwrap();
        assert_eq!(rfc3339(utc), "2025-01-10T08:00:00Z");
    }

    #[test]
    fn ny_plus_7_us_dst_dates() {
        // 2025-03-09 US clocks went forward; the EU followed on 2025-03-30.
        let utc = ServerClock::NewYorkPlus7
            .to_utc_ms(at("2025-03-12 10:00:00"))
            .unwrap();
        assert_eq!(rfc3339(utc), "2025-03-12T07:00:00Z");
    }

    #[test]
    fn prague_day_starts_at_local_midnight() {
        let clock = FirmClock::default();
        let start = clock
            .day_start_ms(NaiveDate::from_ymd_opt(2024, 7, 16).unwrap())
            .unwrap();
        assert_eq!(rfc3339(start), "2024-07-15T22:00:00Z");
    }

    #[test]
    fn prague_spring_day_is_23_hours() {
        let clock = FirmClock::default();
        let day = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        let length =
            clock.day_start_ms(day.succ_opt().unwrap()).unwrap() - clock.day_start_ms(day).unwrap();
        assert_eq!(length, 23 * 3_600_000);
    }

    #[test]
    fn prague_autumn_day_is_25_hours() {
        let clock = FirmClock::default();
        let day = NaiveDate::from_ymd_opt(2024, 10, 27).unwrap();
        let length =
            clock.day_start_ms(day.succ_opt().unwrap()).unwrap() - clock.day_start_ms(day).unwrap();
        assert_eq!(length, 25 * 3_600_000);
    }

    #[test]
    fn reset_inside_gap_moves_to_gap_end() {
        let clock = FirmClock {
            zone: chrono_tz::Europe::Prague,
            reset: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        };
        let start = clock
            .day_start_ms(NaiveDate::from_ymd_opt(2025, 3, 30).unwrap())
            .unwrap();
        assert_eq!(rfc3339(start), "2025-03-30T01:00:00Z");
    }

    #[test]
    fn day_of_before_reset_is_previous_date() {
        let clock = FirmClock {
            zone: chrono_tz::America::New_York,
            reset: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        };
        let time = ServerClock::Zone(chrono_tz::America::New_York)
            .to_utc_ms(at("2025-06-02 16:59:59"))
            .unwrap();
        assert_eq!(
            clock.day_of(time).unwrap(),
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
        );
    }

    #[test]
    fn week_starts_on_monday() {
        let clock = FirmClock::default();
        let time = ServerClock::NewYorkPlus7
            .to_utc_ms(at("2025-05-01 22:43:08"))
            .unwrap();
        assert_eq!(
            clock.week_of(time).unwrap(),
            NaiveDate::from_ymd_opt(2025, 4, 28).unwrap()
        );
    }

    #[test]
    fn server_clock_parses_names() {
        assert_eq!(
            "NY+7".parse::<ServerClock>().unwrap(),
            ServerClock::NewYorkPlus7
        );
        assert_eq!(
            "Europe/Athens".parse::<ServerClock>().unwrap(),
            ServerClock::Zone(chrono_tz::Europe::Athens)
        );
        assert!("Mars/Olympus".parse::<ServerClock>().is_err());
    }
}
