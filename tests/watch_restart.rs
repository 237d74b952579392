//! The watch state through the real store: a guard reopened from the same state directory keeps
//! its alerts, timers, outbox and incidents, so a restart neither pages twice nor forgets an
//! escalation, and a delivered item is not delivered again.

mod watch_support;

use mikrobot::account::TimeMs;
use mikrobot::alerts::{AckOutcome, Channel, Contact, Priority};
use mikrobot::compliance::{Reason, Verdict};
use mikrobot::config::Config;
use mikrobot::guard::Guard;
use mikrobot::incident::{IncidentKind, WatchState};
use mikrobot::store::{StoreReader, WATCH_STATE_KEY};
use std::path::Path;
use watch_support::{empty_history, snapshot, MINUTE, START};

/// Every role of the compliance chain reachable by email and SMS.
fn config() -> Config {
    let roles = ["compliance_officer", "risk_manager", "legal"];
    watch_support::config_with(&roles, |role| Contact {
        name: role.into(),
        email: Some(format!("{role}@example.com")),
        sms: Some("+420600000001".into()),
        webhook: None,
    })
}

/// Opens the guard of `dir` and loads an empty history at `time_ms`.
fn open_guard(dir: &Path, time_ms: TimeMs, equity: f64) -> Guard {
    let mut guard = Guard::open(config(), dir).expect("guard opens");
    guard.load_history(&empty_history(time_ms, equity));
    guard
}

/// Breaches the daily loss limit at `time_ms` and returns the CRITICAL alert's id.
fn breach(guard: &mut Guard, time_ms: TimeMs) -> u64 {
    let decision = guard.on_snapshot(&snapshot(time_ms, 94_000.0));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    let incident = &guard.watch().incidents().open_incidents()[0];
    incident.alert_id.expect("the breach queues an alert")
}

/// Ends `guard` the way a crash would once the writer has committed: no final save runs.
fn crash(guard: Guard) {
    guard.persistence().flush().expect("writer commits");
    std::mem::forget(guard);
}

fn escalations(guard: &Guard, alert_id: u64) -> Vec<TimeMs> {
    let alert = guard.watch().alerts().get(alert_id).expect("alert kept");
    alert.escalations_ms.clone()
}

#[test]
fn critical_escalates_once_across_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let breach_ms = START + MINUTE;
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    let alert_id = breach(&mut guard, breach_ms);
    guard.on_time(breach_ms + 4 * MINUTE);
    assert!(escalations(&guard, alert_id).is_empty(), "not yet at 4 min");
    guard.close().expect("guard closes");

    let mut guard = open_guard(dir.path(), breach_ms + 4 * MINUTE, 94_000.0);
    let alert = guard
        .watch()
        .alerts()
        .get(alert_id)
        .expect("alert restored");
    assert_eq!(alert.priority, Priority::Critical);
    assert_eq!(alert.level, 0);
    guard.on_time(breach_ms + 5 * MINUTE);
    assert_eq!(escalations(&guard, alert_id), [breach_ms + 5 * MINUTE]);
    guard.on_time(breach_ms + 7 * MINUTE);
    guard.close().expect("guard closes");

    // A second restart between the levels neither repeats level 1 nor skips level 2.
    let mut guard = open_guard(dir.path(), breach_ms + 7 * MINUTE, 94_000.0);
    guard.on_time(breach_ms + 8 * MINUTE);
    assert_eq!(escalations(&guard, alert_id), [breach_ms + 5 * MINUTE]);
    guard.on_time(breach_ms + 10 * MINUTE);
    assert_eq!(
        escalations(&guard, alert_id),
        [breach_ms + 5 * MINUTE, breach_ms + 10 * MINUTE]
    );
    let level = guard.watch().alerts().get(alert_id).map(|a| a.level);
    assert_eq!(level, Some(2), "the legal contact is the path's end");
}

/// One outbox item as the restart comparison sees it.
type ItemKey = (u64, u64, Channel, String);

/// Breaches at one minute, reloads the history 30 s later (reopening the guard first when
/// `restart` is set), then runs the clock past both escalations. Returns every item queued.
fn breach_scenario(restart: bool) -> Vec<ItemKey> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let breach_ms = START + MINUTE;
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    breach(&mut guard, breach_ms);
    let mut items = Vec::new();
    let mut collect = |guard: &Guard| {
        for item in guard.watch().alerts().state().dispatch.outbox.items() {
            let key = (item.id, item.alert_id, item.channel, item.subject.clone());
            if !items.contains(&key) {
                items.push(key);
            }
        }
    };
    collect(&guard);
    if restart {
        guard.close().expect("guard closes");
        guard = open_guard(dir.path(), breach_ms + 30_000, 94_000.0);
    } else {
        guard.load_history(&empty_history(breach_ms + 30_000, 94_000.0));
    }
    collect(&guard);
    for time_ms in [31_000, 5 * MINUTE, 7 * MINUTE, 10 * MINUTE, 11 * MINUTE] {
        guard.on_snapshot(&snapshot(breach_ms + time_ms, 94_000.0));
        collect(&guard);
    }
    items
}

#[test]
fn restart_queues_same_items() {
    let without = breach_scenario(false);
    let with = breach_scenario(true);
    assert!(without.len() > 8, "the scenario queues pages: {without:?}");
    assert_eq!(with, without, "the restart changed what was paged");
}

#[test]
fn delivered_item_not_delivered_again() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let breach_ms = START + MINUTE;
    let mut guard = breached_guard(dir.path(), breach_ms);
    let sms = guard
        .poll_delivery(&[Channel::Sms], breach_ms + 1_000)
        .expect("an SMS item waits");
    let outcome = guard.acknowledge_delivery(sms.id, true, breach_ms + 2_000);
    assert_eq!(outcome, AckOutcome::Delivered);
    let waiting = outbox_ids(&guard);
    // A crash right after the acknowledgement.
    crash(guard);

    let mut guard = open_guard(dir.path(), breach_ms + 3_000, 94_000.0);
    assert_eq!(
        outbox_ids(&guard),
        waiting,
        "the undelivered items are kept"
    );
    let stats = guard.watch().alerts().state().dispatch.outbox.stats();
    assert_eq!(stats.delivered, 1);
    let offered = poll_all(&mut guard, &Channel::ALL, breach_ms + 4_000);
    assert!(
        !offered.contains(&sms.id),
        "the SMS was delivered: {offered:?}"
    );
    assert!(!offered.is_empty());
}

#[test]
fn leased_item_waits_for_lease_after_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let breach_ms = START + MINUTE;
    let mut guard = breached_guard(dir.path(), breach_ms);
    let sms = guard
        .poll_delivery(&[Channel::Sms], breach_ms)
        .expect("an SMS item waits");
    let lease_ms = guard.config().alerts.delivery.lease_ms;
    crash(guard);

    let mut guard = open_guard(dir.path(), breach_ms + 1_000, 94_000.0);
    let early = poll_all(&mut guard, &[Channel::Sms], breach_ms + 1_000);
    assert!(!early.contains(&sms.id), "still leased: {early:?}");
    let late = guard.poll_delivery(&[Channel::Sms], breach_ms + lease_ms);
    assert_eq!(
        late.map(|item| item.id),
        Some(sms.id),
        "offered after the lease"
    );
}

/// Opens the guard of `dir` and breaches the daily loss limit at `breach_ms`.
fn breached_guard(dir: &Path, breach_ms: TimeMs) -> Guard {
    let mut guard = open_guard(dir, START, 100_000.0);
    breach(&mut guard, breach_ms);
    guard
}

/// Leases every item deliverable on `channels` at `now_ms` and returns their ids.
fn poll_all(guard: &mut Guard, channels: &[Channel], now_ms: TimeMs) -> Vec<u64> {
    let mut ids = Vec::new();
    while let Some(item) = guard.poll_delivery(channels, now_ms) {
        ids.push(item.id);
    }
    ids
}

fn outbox_ids(guard: &Guard) -> Vec<u64> {
    let outbox = &guard.watch().alerts().state().dispatch.outbox;
    outbox.items().map(|item| item.id).collect()
}

#[test]
fn incident_and_halt_survive_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let breach_ms = START + MINUTE;
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    breach(&mut guard, breach_ms);
    let incident = guard.watch().incidents().open_incidents()[0].clone();
    crash(guard);

    let mut guard = open_guard(dir.path(), breach_ms + 5_000, 94_000.0);
    assert!(guard.engine().state().latched.contains(Reason::Halted));
    assert_eq!(guard.decision().verdict, Verdict::CloseAll);
    let open = guard.watch().incidents().open_incidents();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0], incident, "every action and the checklist are kept");
    assert_eq!(open[0].kind, IncidentKind::ComplianceViolation);

    // The 15 s response deadline passes after the restart: the overdue alert is raised once.
    guard.on_time(breach_ms + 16_000);
    guard.close().expect("guard closes");
    let mut guard = open_guard(dir.path(), breach_ms + 17_000, 94_000.0);
    guard.on_time(breach_ms + 18_000);
    let overdue = guard
        .watch()
        .alerts()
        .live()
        .iter()
        .filter(|alert| alert.key.ends_with(".overdue"))
        .count();
    assert_eq!(overdue, 1);
    assert!(guard.watch().incidents().open_incidents()[0].deadline_missed);
    // The halt holds on a later day, whether or not any alert was delivered.
    let later = guard.on_snapshot(&snapshot(breach_ms + 2 * 86_400_000, 100_000.0));
    assert_eq!(later.verdict, Verdict::CloseAll);
}

#[test]
fn watch_saved_by_writer_before_close() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    let alert_id = breach(&mut guard, START + MINUTE);
    guard.persistence().flush().expect("writer commits");
    let reader = StoreReader::open(&dir.path().join("journal.db"), &Default::default())
        .expect("store opens");
    let saved = reader
        .load_state::<WatchState>(WATCH_STATE_KEY)
        .expect("state reads")
        .expect("watch state saved");
    assert_eq!(saved.value.version, 1);
    assert!(saved.value.alerts.live.iter().any(|a| a.id == alert_id));
    assert_eq!(saved.value.incidents.open.len(), 1);
    assert_eq!(saved.time_ms, START + MINUTE);
}

#[test]
fn quiet_ticks_do_not_resave_watch() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    guard.on_snapshot(&snapshot(START + 1_000, 100_000.0));
    guard.persistence().flush().expect("writer commits");
    let before = guard.persistence().journal().last_seq();
    for second in 2..30 {
        guard.on_snapshot(&snapshot(START + second * 1_000, 100_000.0));
    }
    guard.persistence().flush().expect("writer commits");
    let reader = StoreReader::open(&dir.path().join("journal.db"), &Default::default())
        .expect("store opens");
    let saved = reader
        .load_state::<WatchState>(WATCH_STATE_KEY)
        .expect("state reads")
        .expect("watch state saved");
    assert!(
        saved.seq <= before,
        "a quiet tick saved the watch again (sequence {} after {before})",
        saved.seq
    );
}

#[test]
fn state_without_watch_opens_empty() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let guard = open_guard(dir.path(), START, 100_000.0);
    guard.close().expect("guard closes");
    // A state directory written before the watch was saved has no watch row.
    let db = dir.path().join("journal.db");
    let conn = rusqlite::Connection::open(&db).expect("database opens");
    conn.execute("DELETE FROM state WHERE key = ?1", [WATCH_STATE_KEY])
        .expect("row deleted");
    drop(conn);
    let guard = open_guard(dir.path(), START + MINUTE, 100_000.0);
    assert!(guard.watch().alerts().live().is_empty());
    assert!(guard.watch().incidents().open_incidents().is_empty());
}

#[test]
fn watch_state_without_version_reads() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = open_guard(dir.path(), START, 100_000.0);
    breach(&mut guard, START + MINUTE);
    let mut json = serde_json::to_value(guard.watch().state()).expect("state serializes");
    json.as_object_mut().expect("object").remove("version");
    let state: WatchState = serde_json::from_value(json).expect("older layout reads");
    assert_eq!(state.version, 0);
    assert_eq!(state.incidents.open.len(), 1);
}
