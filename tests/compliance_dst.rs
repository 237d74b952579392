//! The firm day across the 2024 and 2025 daylight-saving changes in the US and
//! the EU: the day anchor moves at Europe/Prague midnight, never at the server's
//! midnight (New York + 7 h) or at UTC midnight, including in the weeks when the
//! US and the EU are on different clocks and on the 23 h and 25 h days.

mod compliance_support;

use chrono::{Duration, NaiveDate};
use compliance_support::*;
use mikrobot::compliance::{RuleKind, RuleSet};
use mikrobot::time::FirmClock;

const HOUR_MS: i64 = 3_600_000;

fn text(date: NaiveDate, time: &str) -> String {
    format!("{} {time}", date.format("%Y-%m-%d"))
}

/// Runs a day `date` that starts after a +3,000 day and has a +1,000 day itself,
/// and checks the floor at each boundary. Returns the day's length in hours.
fn run_day(date: NaiveDate) -> i64 {
    let before = date - Duration::days(1);
    let after = date + Duration::days(1);
    let mut engine = started(
        RuleSet::ftmo_2step(100_000.0),
        prague(&text(before, "08:00")),
    );
    engine.on_deal(&open(1, prague(&text(before, "09:00"))));
    engine.on_deal(&close(2, prague(&text(before, "15:00")), 3_000.0));
    engine.on_snapshot(&snapshot(
        prague(&text(before, "15:00")),
        103_000.0,
        103_000.0,
        0,
    ));

    let midnight = prague(&text(date, "00:00"));
    let server_midnight = server(&text(date, "00:00"));
    assert!(
        server_midnight < midnight,
        "{date}: server midnight comes first"
    );
    let floor_at = |engine: &mut mikrobot::compliance::Engine, time: i64| {
        engine.on_snapshot(&snapshot(time, 103_000.0, 103_000.0, 0));
        report(engine, RuleKind::DailyLoss).floor
    };
    assert_eq!(
        floor_at(&mut engine, server_midnight + 1_000),
        95_000.0,
        "{date}: after server midnight"
    );
    assert_eq!(
        floor_at(&mut engine, midnight - 1_000),
        95_000.0,
        "{date}: before Prague midnight"
    );
    assert_eq!(
        floor_at(&mut engine, midnight),
        98_000.0,
        "{date}: at Prague midnight"
    );
    let utc_midnight = date
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    assert!(utc_midnight > midnight);
    assert_eq!(
        floor_at(&mut engine, utc_midnight + 1_000),
        98_000.0,
        "{date}: after UTC midnight"
    );

    engine.on_deal(&open(3, prague(&text(date, "12:00"))));
    engine.on_deal(&close(4, prague(&text(date, "13:00")), 1_000.0));
    let next = prague(&text(after, "00:00"));
    let at = |engine: &mut mikrobot::compliance::Engine, time: i64| {
        engine.on_snapshot(&snapshot(time, 104_000.0, 104_000.0, 0));
        report(engine, RuleKind::DailyLoss).floor
    };
    assert_eq!(
        at(&mut engine, next - 1_000),
        98_000.0,
        "{date}: end of day"
    );
    assert_eq!(
        at(&mut engine, next),
        99_000.0,
        "{date}: next Prague midnight"
    );
    (next - midnight) / HOUR_MS
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

#[test]
fn eu_spring_days_are_23_hours() {
    assert_eq!(run_day(date(2024, 3, 31)), 23);
    assert_eq!(run_day(date(2025, 3, 30)), 23);
}

#[test]
fn eu_autumn_days_are_25_hours() {
    assert_eq!(run_day(date(2024, 10, 27)), 25);
    assert_eq!(run_day(date(2025, 10, 26)), 25);
}

#[test]
fn us_change_days_are_24_hours_in_prague() {
    for day in [
        date(2024, 3, 10),
        date(2024, 11, 3),
        date(2025, 3, 9),
        date(2025, 11, 2),
    ] {
        assert_eq!(run_day(day), 24, "{day}");
    }
}

#[test]
fn gap_weeks_keep_prague_midnight() {
    // The US has changed its clocks and the EU has not: the server runs three
    // hours ahead of UTC and two ahead of Prague.
    for day in [
        date(2024, 3, 11),
        date(2024, 3, 20),
        date(2024, 3, 29),
        date(2024, 10, 28),
        date(2024, 11, 1),
        date(2025, 3, 12),
        date(2025, 3, 28),
        date(2025, 10, 27),
        date(2025, 10, 31),
    ] {
        assert_eq!(run_day(day), 24, "{day}");
        let gap = prague(&text(day, "00:00")) - server(&text(day, "00:00"));
        assert_eq!(gap, 2 * HOUR_MS, "{day}");
    }
}

#[test]
fn ordinary_weeks_have_server_one_hour_ahead() {
    for day in [date(2024, 1, 15), date(2024, 7, 15), date(2025, 6, 2)] {
        assert_eq!(run_day(day), 24, "{day}");
        let gap = prague(&text(day, "00:00")) - server(&text(day, "00:00"));
        assert_eq!(gap, HOUR_MS, "{day}");
    }
}

#[test]
fn repeated_hour_stays_in_one_day() {
    // 2024-10-27 02:00-03:00 Prague happens twice; both are the same firm day.
    let clock = FirmClock::default();
    let first = prague("2024-10-27 02:30");
    let second = first + HOUR_MS;
    assert_eq!(clock.day_of(first).unwrap(), date(2024, 10, 27));
    assert_eq!(clock.day_of(second).unwrap(), date(2024, 10, 27));
    let mut engine = started(RuleSet::ftmo_2step(100_000.0), prague("2024-10-26 08:00"));
    engine.on_snapshot(&snapshot(first, 100_000.0, 100_000.0, 0));
    let day_start = engine.state().day_start_ms;
    engine.on_snapshot(&snapshot(second, 100_000.0, 100_000.0, 0));
    assert_eq!(engine.state().day_start_ms, day_start);
}
