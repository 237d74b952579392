//! Fault injection on the state write path: an I/O error, a full disk, a short
//! write or a failed fsync at every step of a commit. After each fault the store
//! holds the old state or the new one, the failure is reported, and every
//! acknowledged record is on disk.

use mikrobot::account::{Deal, DealEntry, DealType, ShortText};
use mikrobot::store::fault::{self, FaultKind, VFS_NAME};
use mikrobot::store::{Journal, Record, StoreConfig, StoreReader};
use parking_lot::Mutex;
use std::path::Path;
use std::time::{Duration, Instant};

/// The fault plan is process-wide, so the tests in this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

fn faulty_config() -> StoreConfig {
    StoreConfig {
        vfs: Some(VFS_NAME.to_owned()),
        retry_delay_ms: 20,
        ..StoreConfig::default()
    }
}

fn deal(ticket: u64) -> Deal {
    Deal {
        time_ms: 1_700_000_000_000 + ticket as i64,
        ticket,
        position_id: ticket,
        order: ticket,
        symbol: ShortText::new("EURUSD").unwrap(),
        deal_type: DealType::Buy,
        entry: DealEntry::In,
        volume: 0.1,
        price: 1.08,
        profit: 0.0,
        commission: -0.7,
        swap: 0.0,
        fee: 0.0,
        magic: 1,
        comment: ShortText::truncated("fault test"),
    }
}

/// Checks what is on disk against what the journal has acknowledged.
fn check_on_disk(path: &Path, acked: u64, old_state: u64, new_state: u64) {
    let reader = StoreReader::open(path, &StoreConfig::default()).unwrap();
    reader.integrity_check().unwrap();
    let rows = reader.records_after(0, 1_000).unwrap();
    let journaled: Vec<u64> = rows.iter().map(|row| row.seq).collect();
    for seq in 1..=acked {
        if seq != old_state && seq != new_state {
            assert!(
                journaled.contains(&seq),
                "acknowledged record {seq} is missing"
            );
        }
    }
    let state = reader.load_state::<Vec<u64>>("engine").unwrap().unwrap();
    assert!(
        state.seq == old_state || state.seq == new_state,
        "state {} is neither the old {old_state} nor the new {new_state}",
        state.seq
    );
    if acked >= new_state {
        assert_eq!(
            state.seq, new_state,
            "the new state was acknowledged but not stored"
        );
    }
    let expected = if state.seq == old_state {
        vec![1]
    } else {
        vec![1, 2]
    };
    assert_eq!(state.value, expected);
}

#[test]
fn commit_survives_a_fault_at_every_step() {
    let _serial = SERIAL.lock();
    let mut cases = 0;
    let mut failed = 0;
    for kind in FaultKind::ALL {
        for after in 0.. {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("journal.db");
            let mut journal = Journal::open(&path, &faulty_config()).unwrap();
            for ticket in 0..10 {
                journal.append(Record::Deal(deal(ticket))).unwrap();
            }
            let old_state = journal.save_state("engine", 1, &vec![1u64]).unwrap();
            assert!(journal.wait_acked(old_state, Duration::from_secs(5)));

            fault::arm(dir.path(), kind, after);
            for ticket in 10..20 {
                journal.append(Record::Deal(deal(ticket))).unwrap();
            }
            let new_state = journal.save_state("engine", 2, &vec![1u64, 2]).unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while !journal.is_failing() && journal.acked_seq() < new_state {
                assert!(
                    Instant::now() < deadline,
                    "the writer neither committed nor failed"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            let failing = journal.is_failing();
            let acked = journal.acked_seq();
            check_on_disk(&path, acked, old_state, new_state);
            let outcome = fault::disarm();
            if failing {
                failed += 1;
                assert!(outcome.fired, "the writer failed without an injected fault");
                assert!(acked < new_state, "a failed commit was acknowledged");
                let status = journal.status();
                assert!(status.failed_commits >= 1);
                assert!(
                    status.last_error.is_some(),
                    "the failure carries no message"
                );
            }
            // Once the fault has passed, the retried commit goes through.
            assert!(
                journal.wait_acked(new_state, Duration::from_secs(5)),
                "the writer did not recover after {kind:?} at step {after}: {:?}",
                journal.status()
            );
            assert!(!journal.is_failing());
            journal.close(Duration::from_secs(5)).unwrap();
            check_on_disk(&path, new_state, old_state, new_state);
            cases += 1;
            if !outcome.fired {
                break;
            }
        }
    }
    println!("commit fault cases: {cases}, commits reported failed: {failed}");
    assert!(
        failed >= FaultKind::ALL.len() * 2,
        "too few commits failed: {failed} of {cases}"
    );
}
