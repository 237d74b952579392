//! The journal and state store: round trips, resumption, rate limits, migrations.

use mikrobot::account::{Deal, DealEntry, DealType, ShortText, Snapshot};
use mikrobot::store::{
    schema, AppendError, Journal, Record, RecordKind, StoreConfig, StoreError, StoreReader,
};
use rusqlite::Connection;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn snapshot(time_ms: i64, equity: f64) -> Snapshot {
    Snapshot {
        time_ms,
        balance: 100_000.0,
        equity,
        margin: 0.0,
        free_margin: equity,
        connected: true,
        open_positions: 0,
        pending_orders: 0,
    }
}

fn deal(ticket: u64, time_ms: i64, profit: f64) -> Deal {
    Deal {
        time_ms,
        ticket,
        position_id: ticket,
        order: ticket,
        symbol: ShortText::new("EURUSD").unwrap(),
        deal_type: DealType::Sell,
        entry: DealEntry::Out,
        volume: 1.0,
        price: 1.1,
        profit,
        commission: -3.5,
        swap: 0.0,
        fee: 0.0,
        magic: 7,
        comment: ShortText::EMPTY,
    }
}

#[test]
fn records_round_trip_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let config = StoreConfig::default();
    let mut journal = Journal::open(&path, &config).unwrap();
    let first = journal
        .append(Record::Snapshot(snapshot(1_000, 99_000.0)))
        .unwrap();
    let second = journal.append(Record::Deal(deal(5, 2_000, 120.0))).unwrap();
    let third = journal
        .append(Record::Event {
            kind: RecordKind::Alert,
            time_ms: 3_000,
            body: r#"{"id":1}"#.to_owned(),
        })
        .unwrap();
    assert_eq!((first, second, third), (1, 2, 3));
    assert!(journal.wait_acked(third, WAIT));
    journal.close(WAIT).unwrap();

    let reader = StoreReader::open(&path, &config).unwrap();
    let rows = reader.records_after(0, 100).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].kind, RecordKind::Snapshot);
    assert_eq!(rows[1].kind, RecordKind::Deal);
    assert_eq!(rows[2].body, r#"{"id":1}"#);
    assert_eq!(reader.deals_since(0).unwrap(), vec![deal(5, 2_000, 120.0)]);
    assert_eq!(reader.last_seq().unwrap(), 3);
    reader.integrity_check().unwrap();
}

#[test]
fn reopen_resumes_sequence_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let config = StoreConfig::default();
    let mut journal = Journal::open(&path, &config).unwrap();
    for ticket in 0..10 {
        journal
            .append(Record::Deal(deal(ticket, 1_000, 1.0)))
            .unwrap();
    }
    journal.close(WAIT).unwrap();
    let mut journal = Journal::open(&path, &config).unwrap();
    assert_eq!(journal.acked_seq(), 10);
    let next = journal.append(Record::Deal(deal(11, 2_000, 1.0))).unwrap();
    assert_eq!(next, 11);
    journal.close(WAIT).unwrap();
}

#[test]
fn state_is_replaced_by_the_newest_save() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let config = StoreConfig::default();
    let mut journal = Journal::open(&path, &config).unwrap();
    journal.save_state("engine", 1, &vec![1]).unwrap();
    journal.append(Record::Deal(deal(1, 2, 1.0))).unwrap();
    let last = journal.save_state("engine", 3, &vec![1, 2]).unwrap();
    journal.save_state("alerts", 3, &"quiet").unwrap();
    journal.close(WAIT).unwrap();
    let reader = StoreReader::open(&path, &config).unwrap();
    let engine = reader.load_state::<Vec<i32>>("engine").unwrap().unwrap();
    assert_eq!(engine.value, vec![1, 2]);
    assert_eq!(engine.seq, last);
    assert_eq!(engine.time_ms, 3);
    let alerts = reader.load_state::<String>("alerts").unwrap().unwrap();
    assert_eq!(alerts.value, "quiet");
    assert!(reader.load_state::<String>("incidents").unwrap().is_none());
    assert!(matches!(
        reader.load_state::<String>("engine"),
        Err(StoreError::Json(_))
    ));
}

#[test]
fn snapshots_follow_the_interval() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let config = StoreConfig {
        snapshot_interval_ms: 1_000,
        ..StoreConfig::default()
    };
    let mut journal = Journal::open(&path, &config).unwrap();
    let mut kept = 0;
    for step in 0..50 {
        // One snapshot every 250 ms of event time: one in four is journaled.
        if journal
            .append_snapshot(&snapshot(step * 250, 1.0))
            .unwrap()
            .is_some()
        {
            kept += 1;
        }
    }
    assert_eq!(kept, 13);
    // A clock that went backwards journals again rather than going silent.
    assert!(journal
        .append_snapshot(&snapshot(0, 1.0))
        .unwrap()
        .is_some());
    journal.close(WAIT).unwrap();
    let reader = StoreReader::open(&path, &config).unwrap();
    assert_eq!(reader.count(RecordKind::Snapshot).unwrap(), 14);
}

#[test]
fn full_queue_rejects_without_a_sequence_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let config = StoreConfig {
        queue_capacity: 1,
        max_batch: 1,
        ..StoreConfig::default()
    };
    let mut journal = Journal::open(&path, &config).unwrap();
    let mut rejected = 0;
    let mut accepted = 0;
    for ticket in 0..20_000 {
        match journal.append(Record::Deal(deal(ticket, 1, 1.0))) {
            Ok(seq) => {
                accepted += 1;
                assert_eq!(seq, accepted);
            }
            Err(AppendError::QueueFull { capacity }) => {
                assert_eq!(capacity, 1);
                rejected += 1;
            }
            Err(other) => panic!("unexpected append error {other}"),
        }
    }
    assert!(
        rejected > 0,
        "a one-slot queue never filled in 20,000 appends"
    );
    assert_eq!(journal.status().rejected, rejected);
    let report = journal.close(WAIT).unwrap();
    assert_eq!(report.acked_seq, accepted);
    assert_eq!(report.unsaved, 0);
}

#[test]
fn version_one_database_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        assert_eq!(schema::migrate_to(&mut conn, 1).unwrap(), 1);
        conn.execute(
            "INSERT INTO journal (seq, kind, time_ms, body) VALUES (1, 'alert', 5, '{}')",
            [],
        )
        .unwrap();
        conn.execute("UPDATE meta SET value = 1 WHERE key = 'last_seq'", [])
            .unwrap();
    }
    let config = StoreConfig::default();
    let journal = Journal::open(&path, &config).unwrap();
    assert_eq!(journal.acked_seq(), 1);
    journal.close(WAIT).unwrap();
    let reader = StoreReader::open(&path, &config).unwrap();
    assert_eq!(reader.schema_version().unwrap(), schema::SCHEMA_VERSION);
    assert_eq!(reader.count(RecordKind::Alert).unwrap(), 1);
}

#[test]
fn newer_schema_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
            .unwrap();
    }
    let error = Journal::open(&path, &StoreConfig::default()).unwrap_err();
    assert!(
        matches!(error, StoreError::NewerSchema { found, .. } if found == schema::SCHEMA_VERSION + 1)
    );
    assert!(error.to_string().contains("upgrade mikrobot"));
}

#[test]
fn invalid_config_names_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        file: "../escape.db".to_owned(),
        ..StoreConfig::default()
    };
    let error = Journal::open(&dir.path().join("x.db"), &config).unwrap_err();
    assert!(error.to_string().contains("store.file"));
    let config = StoreConfig {
        queue_capacity: 0,
        ..StoreConfig::default()
    };
    let error = Journal::open(&dir.path().join("x.db"), &config).unwrap_err();
    assert!(error.to_string().contains("store.queue_capacity"));
}

#[test]
fn missing_store_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let error =
        StoreReader::open(&dir.path().join("none.db"), &StoreConfig::default()).unwrap_err();
    assert!(matches!(error, StoreError::Missing(_)));
}

#[test]
fn config_section_defaults_from_empty_toml() {
    let config: StoreConfig = toml::from_str("").unwrap();
    assert_eq!(config, StoreConfig::default());
    let config: StoreConfig =
        toml::from_str("snapshot_interval_ms = 250\nsynchronous = \"normal\"").unwrap();
    assert_eq!(config.snapshot_interval_ms, 250);
    assert!(toml::from_str::<StoreConfig>("snapshot_interval = 1").is_err());
}
