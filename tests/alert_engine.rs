//! Property tests of the alert engine on a virtual clock.
//!
//! Each generated sequence raises, acknowledges and resolves alerts on a few keys, advances the
//! clock (ticking at every timer that falls due), polls the outbox and sometimes saves and
//! restores the engine. The checks: at most one raise or repeat notification per key per repeat
//! interval; every unacknowledged alert escalates exactly at each multiple of its priority's
//! interval, each level once, until the path ends, and never after an acknowledgement; every
//! CRITICAL notice reaches every CRITICAL channel despite a tight rate limit; and a run with
//! save-and-restore steps, each through a real store (the journal's writer thread commits the
//! state to SQLite and a reader loads it back), sends exactly what the same run without them
//! sends.

use mikrobot::alerts::{
    AlertConfig, AlertEngine, AlertSpec, AlertState, Category, Channel, Contact, ContactsConfig,
    Notice, NoticeKind, Priority, Rate,
};
use mikrobot::store::{Journal, StoreConfig, StoreReader, Synchronous};
use proptest::prelude::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const KEYS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Raise(usize),
    Acknowledge(usize),
    Resolve(usize),
    Advance(i64),
    Deliver,
    SaveRestore,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..KEYS).prop_map(Op::Raise),
        1 => (0..KEYS).prop_map(Op::Acknowledge),
        1 => (0..KEYS).prop_map(Op::Resolve),
        4 => (1i64..=1_200_000).prop_map(Op::Advance),
        2 => Just(Op::Deliver),
        1 => Just(Op::SaveRestore),
    ]
}

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        Just(Priority::Low),
        Just(Priority::Medium),
        Just(Priority::High),
        Just(Priority::Critical),
    ]
}

/// Defaults with a rate limit of 2 a minute on every channel, so the limiter is often full.
fn config() -> AlertConfig {
    let mut config = AlertConfig::default();
    for rate in config.rate_limits.values_mut() {
        *rate = Rate::new(2, 60_000);
    }
    config
}

/// Every role in every path reachable on every channel.
fn contacts(config: &AlertConfig) -> ContactsConfig {
    let mut contacts = ContactsConfig::default();
    for role in config.escalation_paths.values().flatten() {
        contacts.roles.insert(
            role.clone(),
            vec![Contact {
                name: role.clone(),
                email: Some(format!("{role}@example.com")),
                sms: Some("+420600000000".into()),
                webhook: Some(format!("http://127.0.0.1:9/{role}")),
            }],
        );
    }
    contacts
}

fn spec(key: usize, priority: Priority) -> AlertSpec {
    AlertSpec {
        key: format!("system.check{key}"),
        priority,
        category: Category::System,
        message: format!("check {key} failed"),
        details: String::new(),
        action: "look at the machine".into(),
    }
}

/// What a run sent: every notice, and every outbox item as (alert, channel, priority, text).
#[derive(Debug, Default, PartialEq)]
struct Record {
    notices: Vec<Notice>,
    items: Vec<(u64, Channel, Priority, String)>,
    acknowledged: BTreeMap<u64, i64>,
    resolved: BTreeMap<u64, i64>,
    end_ms: i64,
}

struct Driver {
    engine: AlertEngine,
    now: i64,
    seen_items: BTreeSet<u64>,
    record: Record,
}

thread_local! {
    /// One store for every case on this thread: opening a SQLite file per case would dominate
    /// the run time. Each save overwrites the same key.
    static STORE: (tempfile::TempDir, RefCell<Journal>, StoreConfig) = open_store();
}

fn open_store() -> (tempfile::TempDir, RefCell<Journal>, StoreConfig) {
    // A process crash, not a power cut, is what a restart survives here, so skip the fsyncs.
    let config = StoreConfig {
        synchronous: Synchronous::Normal,
        ..StoreConfig::default()
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let journal = Journal::open(&dir.path().join("journal.db"), &config).expect("store opens");
    (dir, RefCell::new(journal), config)
}

/// Saves `state` through the journal's writer thread and loads it back with a reader once the
/// writer has committed it.
fn save_and_load(state: &AlertState, now: i64) -> AlertState {
    STORE.with(|(dir, journal, config)| {
        let mut journal = journal.borrow_mut();
        let seq = journal
            .save_state("alerts", now, state)
            .expect("state saves");
        assert!(
            journal.wait_acked(seq, Duration::from_secs(10)),
            "writer commits"
        );
        let path = dir.path().join("journal.db");
        let reader = StoreReader::open(&path, config).expect("reader opens");
        let loaded = reader
            .load_state::<AlertState>("alerts")
            .expect("state reads");
        loaded.expect("state saved above").value
    })
}

impl Driver {
    fn new() -> Self {
        let config = config();
        let contacts = contacts(&config);
        Driver {
            engine: AlertEngine::new(config, contacts),
            now: 0,
            seen_items: BTreeSet::new(),
            record: Record::default(),
        }
    }

    fn collect(&mut self) {
        self.record.notices.extend(self.engine.take_notices());
        for item in self.engine.state().dispatch.outbox.items() {
            if self.seen_items.insert(item.id) {
                let entry = (
                    item.alert_id,
                    item.channel,
                    item.priority,
                    item.text.clone(),
                );
                self.record.items.push(entry);
            }
        }
    }

    fn live_id(&self, key: usize) -> Option<u64> {
        let key = spec(key, Priority::Low).key;
        self.engine
            .live()
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.id)
    }

    fn apply(&mut self, op: &Op, priorities: &[Priority; KEYS], restore: bool) {
        match *op {
            Op::Raise(key) => {
                self.engine.raise(spec(key, priorities[key]), self.now);
            }
            Op::Acknowledge(key) => {
                if let Some(id) = self.live_id(key) {
                    self.engine
                        .acknowledge(id, "operator", self.now)
                        .expect("live");
                    self.record.acknowledged.entry(id).or_insert(self.now);
                }
            }
            Op::Resolve(key) => {
                if let Some(id) = self.live_id(key) {
                    self.engine.resolve(id, self.now).expect("live");
                    self.record.resolved.insert(id, self.now);
                }
            }
            Op::Advance(ms) => {
                let end = self.now + ms;
                while let Some(due) = self.engine.next_due_ms().filter(|due| *due <= end) {
                    self.now = self.now.max(due);
                    self.engine.tick(self.now);
                    self.collect();
                }
                self.now = end;
                self.engine.tick(self.now);
            }
            Op::Deliver => {
                self.collect();
                while let Some(item) = self.engine.poll_delivery(&Channel::ALL, self.now) {
                    self.engine.acknowledge_delivery(item.id, true, self.now);
                }
            }
            Op::SaveRestore if restore => {
                let state = save_and_load(self.engine.state(), self.now);
                assert_eq!(
                    &state,
                    self.engine.state(),
                    "restored state equals saved state"
                );
                let config = self.engine.config().clone();
                let contacts = contacts(&config);
                self.engine = AlertEngine::from_state(config, contacts, state);
            }
            Op::SaveRestore => {}
        }
        self.collect();
    }

    fn run(ops: &[Op], priorities: &[Priority; KEYS], restore: bool) -> Record {
        let mut driver = Driver::new();
        for op in ops {
            driver.apply(op, priorities, restore);
        }
        driver.record.end_ms = driver.now;
        driver.record
    }
}

fn check_repeat_interval(record: &Record, repeat_ms: i64) -> Result<(), TestCaseError> {
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    let raises = record
        .notices
        .iter()
        .filter(|n| matches!(n.kind, NoticeKind::Raised | NoticeKind::Repeated));
    for notice in raises {
        if let Some(previous) = last.insert(&notice.key, notice.time_ms) {
            prop_assert!(
                notice.time_ms - previous >= repeat_ms,
                "{} notified at {} and {}",
                notice.key,
                previous,
                notice.time_ms
            );
        }
    }
    Ok(())
}

fn check_escalations(record: &Record, config: &AlertConfig) -> Result<(), TestCaseError> {
    let mut alerts: BTreeMap<u64, (i64, Priority)> = BTreeMap::new();
    let mut escalations: BTreeMap<u64, Vec<(u32, i64)>> = BTreeMap::new();
    for notice in &record.notices {
        match notice.kind {
            NoticeKind::Raised => {
                alerts
                    .entry(notice.alert_id)
                    .or_insert((notice.time_ms, notice.priority));
            }
            NoticeKind::Escalated => {
                let list = escalations.entry(notice.alert_id).or_default();
                list.push((notice.level, notice.time_ms));
            }
            _ => {}
        }
    }
    let path_len = config.escalation_paths[&Category::System].len() as u32;
    for (id, (first_ms, priority)) in alerts {
        let stop = [record.acknowledged.get(&id), record.resolved.get(&id)]
            .into_iter()
            .flatten()
            .copied()
            .chain([record.end_ms])
            .min()
            .unwrap_or(record.end_ms);
        let expected: Vec<(u32, i64)> = match config.escalation_ms(priority) {
            None => vec![],
            Some(interval) => (1..path_len)
                .map(|level| (level, first_ms + i64::from(level) * interval))
                .take_while(|(_, due)| *due <= stop)
                .collect(),
        };
        let actual = escalations.remove(&id).unwrap_or_default();
        prop_assert_eq!(
            actual,
            expected,
            "alert {} ({:?}) escalations",
            id,
            priority
        );
    }
    prop_assert!(
        escalations.is_empty(),
        "escalation of an alert never raised"
    );
    Ok(())
}

fn check_critical_delivered(record: &Record, config: &AlertConfig) -> Result<(), TestCaseError> {
    let critical_channels = config.channels_for(Priority::Critical);
    let mut notices: BTreeMap<u64, usize> = BTreeMap::new();
    for notice in record
        .notices
        .iter()
        .filter(|n| n.priority == Priority::Critical)
    {
        *notices.entry(notice.alert_id).or_default() += 1;
    }
    for (id, count) in notices {
        for channel in critical_channels {
            let items = record
                .items
                .iter()
                .filter(|(alert, ch, p, _)| {
                    *alert == id && ch == channel && *p == Priority::Critical
                })
                .count();
            prop_assert_eq!(items, count, "alert {} on {:?}", id, channel);
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("MIKROBOT_PROPTEST_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn alert_state_machine(
        priorities in proptest::array::uniform4(priority()),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        let config = config();
        let record = Driver::run(&ops, &priorities, true);
        check_repeat_interval(&record, config.repeat_interval_ms)?;
        check_escalations(&record, &config)?;
        check_critical_delivered(&record, &config)?;
        let without_restore = Driver::run(&ops, &priorities, false);
        prop_assert_eq!(&record.notices, &without_restore.notices, "restore changed the notices");
        prop_assert_eq!(&record.items, &without_restore.items, "restore changed the items");
    }
}

#[test]
fn rate_limit_holds_back_high_but_not_critical() {
    let mut driver = Driver::new();
    let all_high = [Priority::High; KEYS];
    for key in 0..KEYS {
        driver.apply(&Op::Raise(key), &all_high, true);
    }
    assert!(
        driver.engine.held_back(Channel::Screen) >= 2,
        "two of four HIGH held back"
    );
    let mut engine = driver.engine;
    for key in 0..KEYS {
        engine.raise(spec(key + 10, Priority::Critical), 0);
    }
    let critical_screen = engine
        .state()
        .dispatch
        .outbox
        .items()
        .filter(|item| item.channel == Channel::Screen && item.priority == Priority::Critical)
        .count();
    assert_eq!(
        critical_screen, KEYS,
        "every CRITICAL passes the full limiter"
    );
}

#[test]
fn medium_waits_for_digest() {
    let mut driver = Driver::new();
    let medium = [Priority::Medium; KEYS];
    driver.apply(&Op::Raise(0), &medium, true);
    driver.apply(&Op::Raise(1), &medium, true);
    assert!(
        driver.record.items.is_empty(),
        "nothing sent before the digest"
    );
    driver.apply(&Op::Advance(15 * 60_000), &medium, true);
    let digests: Vec<_> = driver
        .record
        .items
        .iter()
        .filter(|item| item.0 == 0)
        .collect();
    assert_eq!(digests.len(), 2, "one email and one webhook digest");
    assert!(digests[0].3.contains("check 0 failed"));
    assert!(digests[0].3.contains("check 1 failed"));
}

#[test]
fn low_is_logged_only() {
    let mut driver = Driver::new();
    driver.apply(&Op::Raise(0), &[Priority::Low; KEYS], true);
    driver.apply(&Op::Advance(3 * 3_600_000), &[Priority::Low; KEYS], true);
    assert!(driver.record.items.is_empty());
    assert_eq!(driver.engine.live().len(), 1, "the alert exists");
    assert!(
        driver.engine.live()[0].escalations_ms.is_empty(),
        "and never escalates"
    );
}

#[test]
fn compliance_alert_inhibits_order_rejections() {
    let mut engine = AlertEngine::new(AlertConfig::default(), ContactsConfig::default());
    let halt = AlertSpec {
        key: "compliance.incident.1".into(),
        priority: Priority::Critical,
        category: Category::Compliance,
        message: "trading halted".into(),
        details: String::new(),
        action: "review the breach".into(),
    };
    let halt_id = engine.raise(halt, 0).id();
    let rejection = AlertSpec {
        key: "order.rejected.EURUSD".into(),
        priority: Priority::High,
        category: Category::Trading,
        message: "order rejected".into(),
        details: String::new(),
        action: "none".into(),
    };
    let outcome = engine.raise(rejection.clone(), 1_000);
    assert_eq!(outcome, mikrobot::alerts::Raised::Inhibited(halt_id));
    assert_eq!(engine.inhibited(), 1);
    engine.resolve(halt_id, 2_000).expect("live");
    assert!(matches!(
        engine.raise(rejection, 3_000),
        mikrobot::alerts::Raised::New(_)
    ));
}

#[test]
fn upgrade_to_critical_restarts_escalation_pace() {
    let mut engine = AlertEngine::new(AlertConfig::default(), ContactsConfig::default());
    let id = engine.raise(spec(0, Priority::High), 0).id();
    engine.acknowledge(id, "operator", 1_000).expect("live");
    // The worse occurrence reopens the alert, but its notice waits for the repeat interval.
    engine.raise(spec(0, Priority::Critical), 60_000);
    let alert = engine.get(id).expect("alert");
    assert_eq!(alert.priority, Priority::Critical);
    assert_eq!(alert.notify_at_ms, Some(30 * 60_000));
    engine.tick(30 * 60_000);
    engine.tick(35 * 60_000);
    assert_eq!(
        engine.get(id).map(|a| a.level),
        Some(1),
        "escalated 5 minutes after notice"
    );
}
