//! A compliance breach replayed through the guard: the same snapshot call opens the
//! compliance-violation incident, latches the halt and queues the CRITICAL alert for the
//! compliance chain, and the halt holds after a save and restore although the alert is never
//! delivered.

use mikrobot::account::{Snapshot, TimeMs};
use mikrobot::alerts::{Channel, Contact, Priority};
use mikrobot::compliance::{Engine, EngineState, History, Reason, Verdict};
use mikrobot::config::Config;
use mikrobot::guard::Guard;
use mikrobot::incident::{IncidentKind, Outcome, WatchState};

/// 2026-03-02 08:00 UTC, a Monday.
const START: TimeMs = 1_772_438_400_000;
const MINUTE: TimeMs = 60_000;

fn snapshot(time_ms: TimeMs, equity: f64) -> Snapshot {
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

fn config() -> Config {
    let mut config = Config {
        rules: mikrobot::compliance::RuleSet::ftmo_2step(100_000.0),
        ..Config::default()
    };
    config.health.sampler = false;
    config.contacts.roles.insert(
        "compliance_officer".into(),
        vec![Contact {
            name: "Ana".into(),
            email: Some("ana@example.com".into()),
            sms: Some("+420600000001".into()),
            webhook: None,
        }],
    );
    config
}

fn opened_guard(dir: &std::path::Path) -> Guard {
    let mut guard = Guard::open(config(), dir).expect("guard opens");
    let history = History {
        deals: &[],
        covered_from_ms: START - 86_400_000,
        account_start_ms: Some(START - 86_400_000),
        balance: 100_000.0,
        equity: 100_000.0,
        open_positions: 0,
        time_ms: START,
    };
    let decision = guard.load_history(&history);
    assert_eq!(
        decision.verdict,
        Verdict::MayTrade,
        "history loaded: {decision:?}"
    );
    guard
}

#[test]
fn breach_halts_in_same_call() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = opened_guard(dir.path());
    for minute in 1..=5 {
        let decision = guard.on_snapshot(&snapshot(START + minute * MINUTE, 99_500.0));
        assert_eq!(decision.verdict, Verdict::MayTrade, "minute {minute}");
    }
    assert!(guard.watch().incidents().open_incidents().is_empty());

    // A gap through the daily floor (95 000) in one tick.
    let breach_time = START + 6 * MINUTE;
    let decision = guard.on_snapshot(&snapshot(breach_time, 94_000.0));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert!(
        guard.engine().state().latched.contains(Reason::Halted),
        "the halt is latched in the same call"
    );

    let incidents = guard.watch().incidents().open_incidents();
    assert_eq!(incidents.len(), 1);
    let incident = &incidents[0];
    assert_eq!(incident.kind, IncidentKind::ComplianceViolation);
    assert_eq!(incident.opened_ms, breach_time);
    assert_eq!(incident.respond_by_ms, breach_time + 15_000);
    assert_eq!(
        incident.chain,
        ["compliance_officer", "risk_manager", "legal"]
    );
    let actions: Vec<&str> = incident.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "open_incident",
            "halt_trading",
            "preserve_evidence",
            "notify"
        ]
    );
    assert!(incident.actions.iter().all(|a| a.outcome == Outcome::Done));
    assert!(incident.actions.iter().all(|a| a.time_ms == breach_time));
    assert!(incident
        .evidence
        .as_deref()
        .is_some_and(|e| e.contains("daily_loss")));

    let alert_id = incident.alert_id.expect("an alert is queued");
    let alert = guard.watch().alerts().get(alert_id).expect("alert");
    assert_eq!(alert.priority, Priority::Critical);
    assert_eq!(alert.escalation_path, incident.chain);
    let items: Vec<_> = guard
        .watch()
        .alerts()
        .state()
        .dispatch
        .outbox
        .items()
        .filter(|item| item.alert_id == alert_id)
        .cloned()
        .collect();
    let channels: Vec<Channel> = items.iter().map(|item| item.channel).collect();
    assert!(channels.contains(&Channel::Screen));
    assert!(channels.contains(&Channel::Push));
    let sms = items
        .iter()
        .find(|item| item.channel == Channel::Sms)
        .expect("SMS item");
    assert_eq!(
        sms.recipients,
        ["+420600000001"],
        "the compliance officer's phone"
    );
    assert!(items.iter().all(|item| item.priority == Priority::Critical));
}

#[test]
fn halt_survives_restore_without_delivery() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = opened_guard(dir.path());
    let breach_time = START + MINUTE;
    guard.on_snapshot(&snapshot(breach_time, 94_000.0));
    let undelivered = guard.watch().alerts().state().dispatch.outbox.len();
    assert!(undelivered > 0, "nothing was delivered");

    // Save both states as the store would, and restore them into a fresh engine and guard.
    let engine_json = serde_json::to_string(guard.engine().state()).expect("engine state");
    let watch_json = serde_json::to_string(&guard.watch().state()).expect("watch state");
    drop(guard);
    let engine_state: EngineState = serde_json::from_str(&engine_json).expect("engine restores");
    let mut engine =
        Engine::from_state(config().rules, engine_state).expect("engine from saved state");
    assert!(engine.state().latched.contains(Reason::Halted));
    let history = History {
        deals: &[],
        covered_from_ms: START - 86_400_000,
        account_start_ms: Some(START - 86_400_000),
        balance: 100_000.0,
        equity: 100_000.0,
        open_positions: 0,
        time_ms: breach_time + MINUTE,
    };
    let decision = engine.load_history(&history);
    assert_ne!(
        decision.verdict,
        Verdict::MayTrade,
        "still halted after restore"
    );
    // Two days later a soft daily breach would have lifted; the halt still holds.
    let later = engine.on_snapshot(&snapshot(breach_time + 2 * 86_400_000, 100_000.0));
    assert_eq!(later.verdict, Verdict::CloseAll);
    assert!(engine.state().latched.contains(Reason::Halted));

    let dir = tempfile::tempdir().expect("temporary directory");
    let mut restored = Guard::open(config(), dir.path()).expect("guard opens");
    let watch_state: WatchState = serde_json::from_str(&watch_json).expect("watch restores");
    restored.watch_mut().restore(watch_state);
    let alerts = restored.watch().alerts();
    assert_eq!(
        alerts.state().dispatch.outbox.len(),
        undelivered,
        "nothing lost"
    );
    let incident = &restored.watch().incidents().open_incidents()[0];
    assert_eq!(incident.kind, IncidentKind::ComplianceViolation);

    // The restored alert still escalates 5 minutes after it was raised, once.
    let alert_id = incident.alert_id.expect("alert");
    restored.watch_mut().tick(breach_time + 5 * MINUTE);
    let alert = restored.watch().alerts().get(alert_id).expect("alert");
    assert_eq!(alert.level, 1, "escalated to the risk manager");
    assert_eq!(alert.escalations_ms, [breach_time + 5 * MINUTE]);
}

#[test]
fn missed_deadline_notifies_next_in_chain() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut guard = opened_guard(dir.path());
    let breach_time = START + MINUTE;
    guard.on_snapshot(&snapshot(breach_time, 94_000.0));
    guard.watch_mut().tick(breach_time + 15_000);
    assert!(!guard.watch().incidents().open_incidents()[0].deadline_missed);
    guard.watch_mut().tick(breach_time + 15_001);
    let incident = &guard.watch().incidents().open_incidents()[0];
    assert!(incident.deadline_missed);
    let overdue = guard
        .watch()
        .alerts()
        .live()
        .iter()
        .find(|a| a.key.ends_with(".overdue"))
        .expect("overdue alert");
    assert_eq!(overdue.escalation_path, ["risk_manager", "legal"]);
    assert_eq!(overdue.priority, Priority::Critical);
}
