//! The guard and its store: an open of an existing state directory restores the
//! engine exactly, a mismatching anchor blocks, and a store that cannot persist
//! blocks new trades until saves succeed again.

mod compliance_support;

use compliance_support::{cash, close, history, open, prague, snapshot};
use mikrobot::compliance::{Reason, Verdict};
use mikrobot::config::Config;
use mikrobot::guard::Guard;
use mikrobot::store::fault::{self, FaultKind, VFS_NAME};
use mikrobot::store::{StoreReader, ENGINE_STATE_KEY};
use std::time::{Duration, Instant};

fn deals() -> Vec<mikrobot::account::Deal> {
    vec![
        cash(1, prague("2025-03-03 08:00"), 100_000.0),
        open(2, prague("2025-03-03 09:00")),
        close(3, prague("2025-03-03 16:00"), 1_000.0),
        open(4, prague("2025-03-04 09:00")),
        close(5, prague("2025-03-04 11:00"), -1_500.0),
    ]
}

#[test]
fn reopen_restores_engine_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = Guard::open(Config::default(), dir.path()).unwrap();
    let deals = deals();
    let decision = guard.load_history(&history(
        &deals,
        0,
        99_500.0,
        99_500.0,
        prague("2025-03-04 12:00"),
    ));
    assert!(decision.may_trade_now());
    guard.on_deal(&open(6, prague("2025-03-04 12:00:30")));
    guard.on_snapshot(&snapshot(prague("2025-03-04 12:31"), 99_500.0, 99_300.0, 1));
    let before = guard.engine().state().clone();
    guard.close().unwrap();

    let reader = StoreReader::open(&dir.path().join("journal.db"), &Default::default()).unwrap();
    let saved = reader
        .load_state::<mikrobot::compliance::EngineState>(ENGINE_STATE_KEY)
        .unwrap()
        .unwrap();
    assert_eq!(saved.value, before);
    drop(reader);

    let mut guard = Guard::open(Config::default(), dir.path()).unwrap();
    assert_eq!(
        guard.engine().state(),
        &before,
        "the restored state differs"
    );
    assert!(
        !guard.decision().may_trade_now(),
        "a restored engine must wait for the history"
    );
    let mut all = deals.clone();
    all.push(open(6, prague("2025-03-04 12:00:30")));
    let decision = guard.load_history(&history(
        &all,
        0,
        99_500.0,
        99_300.0,
        prague("2025-03-04 12:40"),
    ));
    assert!(decision.may_trade_now(), "{decision:?}");
    assert_eq!(guard.engine().state().anchor_balance, 101_000.0);
    let journaled = guard.persistence().journaled_deals(0).unwrap();
    assert_eq!(journaled, vec![open(6, prague("2025-03-04 12:00:30"))]);
    guard.close().unwrap();
}

#[test]
fn restored_anchor_mismatch_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut guard = Guard::open(Config::default(), dir.path()).unwrap();
    let deals = deals();
    guard.load_history(&history(
        &deals,
        0,
        99_500.0,
        99_500.0,
        prague("2025-03-04 12:00"),
    ));
    assert_eq!(guard.engine().state().anchor_balance, 101_000.0);
    guard.close().unwrap();

    // The history now lacks yesterday's profit, so it rebuilds a different anchor.
    let mut guard = Guard::open(Config::default(), dir.path()).unwrap();
    let short: Vec<_> = deals
        .iter()
        .copied()
        .filter(|deal| deal.ticket != 3)
        .collect();
    let decision = guard.load_history(&history(
        &short,
        0,
        98_500.0,
        98_500.0,
        prague("2025-03-04 12:10"),
    ));
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::AnchorMismatch);
    guard.close().unwrap();
}

#[test]
fn failing_store_blocks_new_trades() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.store.vfs = Some(VFS_NAME.to_owned());
    config.store.retry_delay_ms = 50;
    let mut guard = Guard::open(config, dir.path()).unwrap();
    let deals = deals();
    let decision = guard.load_history(&history(
        &deals,
        0,
        99_500.0,
        99_500.0,
        prague("2025-03-04 12:00"),
    ));
    assert!(decision.may_trade_now());
    assert!(guard.persistence().journal().wait_acked(
        guard.persistence().journal().last_seq(),
        Duration::from_secs(5)
    ));

    fault::arm(dir.path(), FaultKind::DiskFull, 0);
    guard.on_deal(&open(6, prague("2025-03-04 12:00:30")));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !guard.persistence().journal().is_failing() {
        assert!(
            Instant::now() < deadline,
            "the writer never reported the full disk"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let decision = guard.on_snapshot(&snapshot(prague("2025-03-04 12:31"), 99_500.0, 99_500.0, 1));
    assert!(fault::disarm().fired);
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::PersistFailed);
    assert!(
        !guard
            .check_order(&compliance_support::order(
                prague("2025-03-04 12:31"),
                0.1,
                20.0
            ))
            .allowed
    );

    // The fault has passed; once the retried commit lands, the block lifts.
    let journal_end = guard.persistence().journal().last_seq();
    assert!(guard
        .persistence()
        .journal()
        .wait_acked(journal_end, Duration::from_secs(5)));
    guard.on_snapshot(&snapshot(prague("2025-03-04 12:32"), 99_500.0, 99_500.0, 1));
    let saved = guard.persistence().journal().last_seq();
    assert!(guard
        .persistence()
        .journal()
        .wait_acked(saved, Duration::from_secs(5)));
    let decision = guard.on_snapshot(&snapshot(prague("2025-03-04 12:33"), 99_500.0, 99_500.0, 1));
    assert!(decision.may_trade_now(), "{decision:?}");
    guard.close().unwrap();
}
