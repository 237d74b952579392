//! One-minute price bars in HistData's generic ASCII format, for the live-like host.
//!
//! Each line is `YYYYMMDD HHMMSS;open;high;low;close;volume`, with the time in US
//! Eastern Standard Time all year (UTC−5, no daylight saving), which the time-zone
//! database calls `Etc/GMT+5`. Minutes without trades are simply absent, and the last
//! line may lack its newline.

use crate::account::TimeMs;
use chrono::NaiveDateTime;
use chrono::TimeZone;
use chrono_tz::Etc::GMTPlus5;

/// One one-minute bar; `time_ms` is the bar's opening minute in UTC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Opening minute, milliseconds since the Unix epoch (UTC).
    pub time_ms: TimeMs,
    /// First price of the minute.
    pub open: f64,
    /// Highest price.
    pub high: f64,
    /// Lowest price.
    pub low: f64,
    /// Last price.
    pub close: f64,
    /// Volume as the file gives it (HistData writes 0).
    pub volume: f64,
}

/// Error for a line that is not a valid bar; the line number counts from 1.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BarError {
    /// The line does not have six `;`-separated fields.
    #[error("line {line}: expected 6 fields `YYYYMMDD HHMMSS;open;high;low;close;volume`, found {found}")]
    Fields {
        /// Line number.
        line: usize,
        /// Number of fields found.
        found: usize,
    },
    /// The time is not `YYYYMMDD HHMMSS`.
    #[error("line {line}: invalid time {text:?}; expected YYYYMMDD HHMMSS in EST (UTC-5)")]
    Time {
        /// Line number.
        line: usize,
        /// The rejected text.
        text: String,
    },
    /// A price or the volume is not a finite number, or a price is not positive.
    #[error("line {line}: invalid {field} {text:?}; expected a positive finite number")]
    Number {
        /// Line number.
        line: usize,
        /// Name of the field.
        field: &'static str,
        /// The rejected text.
        text: String,
    },
    /// High is below another price, or low above one.
    #[error("line {line}: high {high} and low {low} do not contain open {open} and close {close}")]
    Range {
        /// Line number.
        line: usize,
        /// Open.
        open: f64,
        /// High.
        high: f64,
        /// Low.
        low: f64,
        /// Close.
        close: f64,
    },
    /// The bar is not later than the one before it.
    #[error("line {line}: time {time} is not after the previous bar; sort the file by time")]
    Order {
        /// Line number.
        line: usize,
        /// The bar's time as written.
        time: String,
    },
}

/// Parsed bars and what the file skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Bars in time order.
    pub bars: Vec<Bar>,
    /// Gaps between consecutive bars of more than one minute.
    pub gaps: usize,
    /// Minutes missing inside those gaps, weekends included.
    pub missing_minutes: u64,
}

const MINUTE_MS: TimeMs = 60_000;

/// Parses HistData one-minute bars; blank lines and a missing last newline are fine.
///
/// # Errors
///
/// [`BarError`] for the first line that is not a valid bar, naming the line.
pub fn parse_histdata(text: &str) -> Result<BarSeries, BarError> {
    let mut bars: Vec<Bar> = Vec::new();
    let mut gaps = 0;
    let mut missing_minutes = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let bar = parse_line(index + 1, line)?;
        if let Some(previous) = bars.last() {
            let step = bar.time_ms - previous.time_ms;
            if step <= 0 {
                return Err(BarError::Order {
                    line: index + 1,
                    time: line.split(';').next().unwrap_or("").to_owned(),
                });
            }
            if step > MINUTE_MS {
                gaps += 1;
                missing_minutes += (step / MINUTE_MS - 1) as u64;
            }
        }
        bars.push(bar);
    }
    Ok(BarSeries {
        bars,
        gaps,
        missing_minutes,
    })
}

fn parse_line(line: usize, text: &str) -> Result<Bar, BarError> {
    let fields: Vec<&str> = text.split(';').map(str::trim).collect();
    if fields.len() != 6 {
        return Err(BarError::Fields {
            line,
            found: fields.len(),
        });
    }
    let time_ms = parse_time(line, fields[0])?;
    let number = |field: &'static str, text: &str, positive: bool| {
        let value: f64 = text.parse().map_err(|_| BarError::Number {
            line,
            field,
            text: text.to_owned(),
        })?;
        if !value.is_finite() || (positive && value <= 0.0) || value < 0.0 {
            return Err(BarError::Number {
                line,
                field,
                text: text.to_owned(),
            });
        }
        Ok(value)
    };
    let bar = Bar {
        time_ms,
        open: number("open", fields[1], true)?,
        high: number("high", fields[2], true)?,
        low: number("low", fields[3], true)?,
        close: number("close", fields[4], true)?,
        volume: number("volume", fields[5], false)?,
    };
    if bar.high < bar.open.max(bar.close).max(bar.low) || bar.low > bar.open.min(bar.close) {
        return Err(BarError::Range {
            line,
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
        });
    }
    Ok(bar)
}

/// Converts `YYYYMMDD HHMMSS` in EST (UTC−5 all year) to UTC milliseconds.
fn parse_time(line: usize, text: &str) -> Result<TimeMs, BarError> {
    let invalid = || BarError::Time {
        line,
        text: text.to_owned(),
    };
    let local = NaiveDateTime::parse_from_str(text, "%Y%m%d %H%M%S").map_err(|_| invalid())?;
    // Etc/GMT+5 has no daylight saving, so every local time maps to one instant.
    let zoned = GMTPlus5
        .from_local_datetime(&local)
        .single()
        .ok_or_else(invalid)?;
    Ok(zoned.timestamp_millis())
}

/// Writes a short bundled series in HistData format: one EURUSD trading day of
/// one-minute bars from a seeded random walk. It has two missing minutes and no newline
/// after the last line, so the default run exercises the same cases as a real file.
pub fn sample_histdata() -> String {
    let mut state = 0x005E_ED0F_BA25_u64;
    let mut price = 1.08500f64;
    let mut lines = Vec::new();
    // 2024-03-04 was a Monday; 1,440 minutes from 00:00 EST.
    for minute in 0..1_440u32 {
        if minute == 317 || minute == 900 {
            continue;
        }
        let mut step = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state % 2001) as f64 - 1000.0) / 1000.0 * 0.00012
        };
        // A slow swing on top of the walk gives the demo strategy trends to follow.
        let drift = (f64::from(minute) / 90.0).sin() * 0.00004;
        let open = price;
        let close = open + step() + drift;
        let high = open.max(close) + step().abs() * 0.5;
        let low = open.min(close) - step().abs() * 0.5;
        price = close;
        lines.push(format!(
            "20240304 {:02}{:02}00;{open:.6};{high:.6};{low:.6};{close:.6};0",
            minute / 60,
            minute % 60
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn est_converts_to_utc() {
        let series =
            parse_histdata("20170301 000000;1.055220;1.055290;1.055210;1.055290;0").unwrap();
        // 00:00 EST is 05:00 UTC.
        assert_eq!(series.bars[0].time_ms, 1_488_344_400_000);
        assert_eq!(series.bars[0].close, 1.05529);
    }

    #[test]
    fn summer_dates_stay_at_utc_minus_five() {
        let series = parse_histdata("20170701 120000;1.1;1.1;1.1;1.1;0").unwrap();
        // 12:00 EST on 2017-07-01 is 17:00 UTC: no daylight saving.
        assert_eq!(series.bars[0].time_ms, 1_498_928_400_000);
    }

    #[test]
    fn gaps_and_missing_newline_handled() {
        let text = "20170303 165800;1.1;1.2;1.0;1.1;0\r\n\
                    20170303 165900;1.1;1.2;1.0;1.1;0\n\
                    \n\
                    20170305 170000;1.1;1.2;1.0;1.1;0";
        let series = parse_histdata(text).unwrap();
        assert_eq!(series.bars.len(), 3);
        assert_eq!(series.gaps, 1);
        // Friday 16:59 to Sunday 17:00 is 48 hours and one minute apart.
        assert_eq!(series.missing_minutes, 48 * 60);
    }

    #[test]
    fn bad_lines_name_the_line() {
        let fields = parse_histdata("20170301 000000;1.1;1.2;1.0;1.1").unwrap_err();
        assert_eq!(fields, BarError::Fields { line: 1, found: 5 });
        let time = parse_histdata("2017-03-01 00:00;1.1;1.2;1.0;1.1;0").unwrap_err();
        assert!(matches!(time, BarError::Time { line: 1, .. }));
        let number = parse_histdata("20170301 000000;1.1;x;1.0;1.1;0").unwrap_err();
        assert!(matches!(number, BarError::Number { field: "high", .. }));
        let negative = parse_histdata("20170301 000000;-1;1.2;1.0;1.1;0").unwrap_err();
        assert!(matches!(negative, BarError::Number { field: "open", .. }));
        let range = parse_histdata("20170301 000000;1.1;1.05;1.0;1.1;0").unwrap_err();
        assert!(matches!(range, BarError::Range { line: 1, .. }));
        let order =
            parse_histdata("20170301 000100;1.1;1.2;1.0;1.1;0\n20170301 000100;1.1;1.2;1.0;1.1;0")
                .unwrap_err();
        assert!(matches!(order, BarError::Order { line: 2, .. }));
    }

    #[test]
    fn sample_series_parses() {
        let text = sample_histdata();
        assert!(!text.ends_with('\n'));
        let series = parse_histdata(&text).unwrap();
        assert_eq!(series.bars.len(), 1_438);
        assert_eq!(series.gaps, 2);
        assert_eq!(series.missing_minutes, 2);
    }

    #[test]
    #[ignore = "reads ../shared/data"]
    fn histdata_eurusd_file_parses() {
        // `$MIKROBOT_SHARED_DATA` when set, otherwise `../shared/data` next to the crate.
        let dir = std::env::var_os("MIKROBOT_SHARED_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").into());
        let path = dir.join("eurusd-m1-histdata-2017-03-01_10.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        let series = parse_histdata(&text).unwrap();
        // 11,092 lines: `wc -l` prints 11,091 because the last line has no newline.
        assert_eq!(series.bars.len(), 11_092);
        // 2017-03-01 00:00 EST is 05:00 UTC, and 2017-03-10 16:59 EST is 21:59 UTC.
        assert_eq!(series.bars[0].time_ms, 1_488_344_400_000);
        assert_eq!(series.bars.last().unwrap().time_ms, 1_489_183_140_000);
        assert!(series.gaps > 0);
    }
}
