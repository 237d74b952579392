//! Helpers for the tests that drive a guard's watch: an FTMO 2-step account of 100 000 opened the
//! day before `START`, its snapshots, and its history.
#![allow(dead_code)]

use mikrobot::account::{Snapshot, TimeMs};
use mikrobot::alerts::Contact;
use mikrobot::compliance::History;
use mikrobot::config::Config;

/// 2026-03-02 08:00 UTC, a Monday.
pub const START: TimeMs = 1_772_438_400_000;
pub const MINUTE: TimeMs = 60_000;

/// A snapshot of the account with one position open, balance 100 000 and `equity`.
pub fn snapshot(time_ms: TimeMs, equity: f64) -> Snapshot {
    Snapshot {
        time_ms,
        balance: 100_000.0,
        equity,
        margin: 0.0,
        free_margin: equity,
        connected: true,
        open_positions: 1,
        pending_orders: 0,
    }
}

/// The FTMO 2-step rules for 100 000, without the vitals sampler, with `contact` for `role`.
pub fn config_with(roles: &[&str], contact: impl Fn(&str) -> Contact) -> Config {
    let mut config = Config {
        rules: mikrobot::compliance::RuleSet::ftmo_2step(100_000.0),
        ..Config::default()
    };
    config.health.sampler = false;
    for role in roles {
        config
            .contacts
            .roles
            .insert((*role).into(), vec![contact(role)]);
    }
    config
}

/// A history without deals of the account, at `time_ms`, with `equity` now.
pub fn empty_history(time_ms: TimeMs, equity: f64) -> History<'static> {
    History {
        deals: &[],
        covered_from_ms: START - 86_400_000,
        account_start_ms: Some(START - 86_400_000),
        balance: 100_000.0,
        equity,
        open_positions: 1,
        time_ms,
    }
}
