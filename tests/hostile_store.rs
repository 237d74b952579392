//! The journal and state store on a hostile disk: a corrupt or truncated database file, a
//! directory in place of the file, a full file system (a small tmpfs, skipped when mounting
//! is not permitted), and engine states that hold infinities.

use mikrobot::account::{Deal, DealEntry, DealType, ShortText, Snapshot};
use mikrobot::compliance::{DailyLoss, Engine, EngineState, History, LossAmount, RuleSet};
use mikrobot::store::{Journal, Record, StoreConfig, StoreReader};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn snapshot(time_ms: i64) -> Snapshot {
    Snapshot {
        time_ms,
        balance: 100_000.0,
        equity: 100_000.0,
        margin: 0.0,
        free_margin: 100_000.0,
        connected: true,
        open_positions: 0,
        pending_orders: 0,
    }
}

fn deal(ticket: u64) -> Deal {
    Deal {
        time_ms: 1_700_000_000_000 + ticket as i64,
        ticket,
        position_id: ticket,
        order: ticket,
        symbol: ShortText::new("EURUSD").unwrap(),
        deal_type: DealType::Sell,
        entry: DealEntry::Out,
        volume: 1.0,
        price: 1.1,
        profit: 10.0,
        commission: 0.0,
        swap: 0.0,
        fee: 0.0,
        magic: 0,
        comment: ShortText::new(&"c".repeat(32)).unwrap(),
    }
}

/// Writes a store with a few records and a state, and returns the file's bytes.
fn written_store(path: &Path) -> Vec<u8> {
    let config = StoreConfig::default();
    let mut journal = Journal::open(path, &config).unwrap();
    for ticket in 1..=50 {
        journal.append(Record::Deal(deal(ticket))).unwrap();
    }
    let seq = journal.save_state("engine", 1, &vec![1, 2, 3]).unwrap();
    assert!(journal.wait_acked(seq, WAIT));
    journal.close(WAIT).unwrap();
    std::fs::read(path).unwrap()
}

/// Opens `path` with a journal and a reader; neither may panic, whatever the file holds.
fn open_both(path: &Path, label: &str) {
    let config = StoreConfig::default();
    let opened = std::panic::catch_unwind(|| {
        if let Ok(reader) = StoreReader::open(path, &config) {
            let _ = reader.integrity_check();
            let _ = reader.last_seq();
            let _ = reader.load_state::<Vec<i32>>("engine");
            let _ = reader.records_after(0, 1_000);
        }
        if let Ok(journal) = Journal::open(path, &config) {
            let _ = journal.close(WAIT);
        }
    });
    assert!(opened.is_ok(), "{label}: the store panicked");
}

#[test]
fn corrupt_store_files_fail_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let good = written_store(&path);
    let cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        (
            "garbage".into(),
            (0..8192u32).map(|i| (i * 7919) as u8).collect(),
        ),
        ("half".into(), good[..good.len() / 2].to_vec()),
        ("header only".into(), good[..100.min(good.len())].to_vec()),
        ("first page".into(), good[..4096.min(good.len())].to_vec()),
    ];
    for (label, bytes) in cases {
        let _ = std::fs::remove_file(dir.path().join("journal.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("journal.db-shm"));
        std::fs::write(&path, &bytes).unwrap();
        open_both(&path, &label);
    }
    for offset in (0..good.len()).step_by(1021) {
        let mut bytes = good.clone();
        bytes[offset] ^= 0xA5;
        std::fs::write(&path, &bytes).unwrap();
        open_both(&path, &format!("byte {offset} flipped"));
    }
}

#[test]
fn directory_in_place_of_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    std::fs::create_dir(&path).unwrap();
    let error = Journal::open(&path, &StoreConfig::default()).unwrap_err();
    assert!(!error.to_string().is_empty());
}

#[test]
fn full_disk_is_reported_not_acked() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(dir.path())
        .status()
        .is_ok_and(|status| status.success());
    if !mounted {
        eprintln!("skipped: mounting a tmpfs was refused");
        return;
    }
    let path = dir.path().join("journal.db");
    let outcome = std::panic::catch_unwind(|| {
        let config = StoreConfig::default();
        let mut journal = match Journal::open(&path, &config) {
            Ok(journal) => journal,
            Err(_) => return (0, 0, true),
        };
        let mut last = 0;
        for ticket in 1..=20_000 {
            match journal.append(Record::Deal(deal(ticket))) {
                Ok(seq) => last = seq,
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
            if journal.is_failing() {
                break;
            }
        }
        journal.wait_acked(last, Duration::from_secs(3));
        let acked = journal.acked_seq();
        let failing = journal.is_failing();
        let _ = journal.close(Duration::from_secs(3));
        (acked, last, failing)
    });
    // A writer thread still retrying keeps the file open, so detach the mount lazily.
    let unmounted = Command::new("umount").arg("-l").arg(dir.path()).status();
    let (acked, last, failing) = outcome.expect("the journal panicked on a full disk");
    assert!(
        unmounted.is_ok_and(|status| status.success()),
        "umount failed"
    );
    assert!(
        failing,
        "a full disk must be reported (acked {acked} of {last})"
    );
    assert!(acked < last, "records past a full disk cannot be acked");
}

#[test]
fn daily_only_engine_state_survives_json() {
    // A personal rule with no maximum loss: its floor is minus infinity.
    let rules = RuleSet {
        max_loss: None,
        profit_target_percent: None,
        min_trading_days: None,
        best_day: None,
        daily_loss: Some(DailyLoss {
            amount: LossAmount::PercentOfInitial(5.0),
            ..RuleSet::ftmo_2step(10_000.0).daily_loss.unwrap()
        }),
        ..RuleSet::ftmo_2step(10_000.0)
    };
    let mut engine = Engine::new(rules.clone()).unwrap();
    let start = 1_748_844_000_000;
    engine.load_history(&History {
        deals: &[],
        covered_from_ms: start,
        account_start_ms: Some(start),
        balance: 10_000.0,
        equity: 10_000.0,
        open_positions: 0,
        time_ms: start,
    });
    engine.on_snapshot(&Snapshot {
        balance: 10_000.0,
        ..snapshot(start + 1_000)
    });
    let text = serde_json::to_string(engine.state()).unwrap();
    let state: EngineState = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("saved state does not read back: {error}\n{text}"));
    assert_eq!(&state, engine.state());
    Engine::from_state(rules, state).unwrap();
}
