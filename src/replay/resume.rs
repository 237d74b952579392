//! Replay through a [`Guard`] with a state directory, so a second run resumes from the
//! engine state the first one saved instead of seeding a new engine.
//!
//! A run opens the guard of the directory. When the guard restores a saved engine state,
//! every event up to that state's last event time was applied before. The run then loads
//! those deals as the history, which cross-checks the restored day anchor against them,
//! and feeds only the later events. Otherwise it starts at the account opening, as
//! [`replay`](super::replay) does.

use super::events::Event;
use super::{build_report, initial_balance, replay_watch, rule_set, Collected, ReplayError};
use super::{EventStream, ReplayOptions, Report};
use crate::account::{Deal, TimeMs};
use crate::compliance::{History, RuleKind};
use crate::config::Config;
use crate::guard::Guard;
use crate::import::Import;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The state directory of a replay: what the run found there and fed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateReport {
    /// The state directory.
    pub dir: PathBuf,
    /// Whether a saved engine state was restored from it.
    pub restored: bool,
    /// Time of the last event the restored state had applied (RFC 3339), when restored.
    pub resumed_after: Option<String>,
    /// Time of the first history load of the account (RFC 3339), kept across runs.
    pub first_load: Option<String>,
    /// Events applied before, and skipped by this run.
    pub events_skipped: usize,
    /// Events this run fed to the engine.
    pub events_fed: usize,
    /// Day anchor of the engine after the history load.
    pub anchor_balance: f64,
}

/// Replays `import` as [`replay`](super::replay) does, through a guard whose journal and
/// engine state live in `state_dir`, resuming from the state saved there.
///
/// # Errors
///
/// The errors of [`replay`](super::replay), and [`ReplayError::State`] when the state
/// directory cannot be opened or contains the state of another rule set.
pub fn replay_in_state_dir(
    import: &Import,
    options: &ReplayOptions,
    state_dir: &Path,
) -> Result<(Report, StateReport), ReplayError> {
    let (initial_balance, inferred) = initial_balance(import, options)?;
    let rules = rule_set(&options.rules, initial_balance);
    let stream = EventStream::from_import(import, initial_balance);
    let mut config = Config {
        rules: rules.clone(),
        ..Config::default()
    };
    config.server.clock = options.server_clock;
    let mut guard = Guard::open(config, state_dir).map_err(|error| ReplayError::State {
        dir: state_dir.to_owned(),
        message: error.to_string(),
    })?;
    let saved = guard.engine().state();
    let resume_after: Option<TimeMs> = saved.first_load_ms.map(|_| saved.last_time_ms);
    let skipped = resume_after.map_or(0, |after| {
        stream
            .events
            .iter()
            .take_while(|event| event_time(event) <= after)
            .count()
    });
    // NOTE: the guard's own watch reacts to the events, so the report's alert and incident
    // lists, which come from this separate watch, stay empty in a state-directory run.
    // A breach latched by an earlier run raises no event in this one, so it is taken from the
    // restored state; otherwise the report would show no breach and status in_progress.
    let restored_breaches = [
        (RuleKind::DailyLoss, saved.daily_breach),
        (RuleKind::MaxLoss, saved.max_breach),
    ]
    .into_iter()
    .filter_map(|(rule, breach)| breach.map(|breach| (rule, breach)))
    .collect();
    let mut collected = Collected {
        breaches: restored_breaches,
        last_decision: None,
        watch: replay_watch(),
    };
    let history_deals = history_deals(&stream, skipped);
    let balance = history_deals[stream.opening_deals.len()..]
        .iter()
        .fold(stream.initial_balance, |balance, deal| {
            balance + deal.balance_change()
        });
    // The equity the account showed last, as the EA reads it when it reloads the history.
    let equity = stream.events[..skipped]
        .iter()
        .rev()
        .find_map(|event| match event {
            Event::Snapshot(snapshot) => Some(snapshot.equity),
            Event::Deal(_) => None,
        })
        .unwrap_or(balance);
    let history = History {
        deals: &history_deals,
        covered_from_ms: stream.start_ms,
        account_start_ms: Some(stream.start_ms),
        balance,
        equity,
        open_positions: 0,
        time_ms: resume_after.unwrap_or(stream.start_ms),
    };
    collected.last_decision = Some(guard.load_history(&history));
    let anchor_balance = guard.engine().state().anchor_balance;
    drain_guard(&mut guard, &mut collected);
    for event in &stream.events[skipped..] {
        let decision = match event {
            Event::Deal(deal) => guard.on_deal(deal),
            Event::Snapshot(snapshot) => guard.on_snapshot(snapshot),
        };
        collected.last_decision = Some(decision);
        drain_guard(&mut guard, &mut collected);
    }
    let report = build_report(
        import,
        options,
        &rules,
        &stream,
        guard.engine(),
        &collected,
        inferred,
    );
    let state = StateReport {
        dir: state_dir.to_owned(),
        restored: resume_after.is_some(),
        resumed_after: resume_after.map(crate::time::rfc3339),
        first_load: guard
            .engine()
            .state()
            .first_load_ms
            .map(crate::time::rfc3339),
        events_skipped: skipped,
        events_fed: stream.events.len() - skipped,
        anchor_balance,
    };
    guard.close().map_err(|error| ReplayError::State {
        dir: state_dir.to_owned(),
        message: error.to_string(),
    })?;
    Ok((report, state))
}

fn event_time(event: &Event) -> TimeMs {
    match event {
        Event::Deal(deal) => deal.time_ms,
        Event::Snapshot(snapshot) => snapshot.time_ms,
    }
}

/// Returns the opening deals and the deals among the first `applied` events.
fn history_deals(stream: &EventStream, applied: usize) -> Vec<Deal> {
    let mut deals = stream.opening_deals.clone();
    for event in &stream.events[..applied] {
        if let Event::Deal(deal) = event {
            deals.push(*deal);
        }
    }
    deals
}

fn drain_guard(guard: &mut Guard, collected: &mut Collected) {
    while let Some(event) = guard.pop_event() {
        if let crate::compliance::EngineEvent::Breached { rule, breach } = event {
            collected.breaches.push((rule, breach));
        }
    }
}
