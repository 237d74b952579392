//! The thirteen situations in which public risk guards got the daily or maximum
//! loss wrong, each with its exact numbers. Unless a test says otherwise: FTMO
//! 2-Step, initial capital 100,000, daily limit 5,000, maximum-loss floor 90,000,
//! times in Europe/Prague, server clock New York + 7 h.

mod compliance_support;

use compliance_support::*;
use mikrobot::compliance::{
    DailyAnchor, DailyLoss, Engine, EngineEvent, EngineState, LossAmount, Reason, RuleKind,
    RuleSet, RuleStatus, Verdict,
};

fn ftmo() -> RuleSet {
    RuleSet::ftmo_2step(100_000.0)
}

#[test]
fn case_01_day_starts_at_prague_midnight_not_utc() {
    let mut engine = started(ftmo(), prague("2024-07-15 08:00"));
    engine.on_deal(&open(1, prague("2024-07-15 09:00")));
    engine.on_deal(&close(2, prague("2024-07-15 15:00"), 3_000.0));
    engine.on_snapshot(&snapshot(
        prague("2024-07-15 23:59"),
        103_000.0,
        103_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);

    engine.on_snapshot(&snapshot(
        prague("2024-07-16 00:30"),
        103_000.0,
        102_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 98_000.0);

    let decision = engine.on_snapshot(&snapshot(
        prague("2024-07-16 01:10"),
        103_000.0,
        97_500.0,
        1,
    ));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    let breach = report(&engine, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.time_ms, prague("2024-07-16 01:10"));
    assert_eq!(breach.equity, 97_500.0);
    assert_eq!(breach.floor, 98_000.0);
}

#[test]
fn case_02_server_midnight_is_not_the_new_day() {
    let rules = RuleSet::ftmo_2step(50_000.0);
    let mut engine = started(rules, prague("2025-06-02 00:00"));
    engine.on_deal(&open(1, prague("2025-06-02 10:00")));
    engine.on_deal(&close(2, prague("2025-06-02 22:55"), -2_000.0));
    engine.on_snapshot(&snapshot(prague("2025-06-02 22:55"), 48_000.0, 48_000.0, 0));

    // Every pre-trade check after 22:55 allows at most 500 of risk.
    for time in ["2025-06-02 22:56", "2025-06-02 23:04"] {
        let at = prague(time);
        engine.on_snapshot(&snapshot(at, 48_000.0, 48_000.0, 0));
        let check = engine.check_order(&order(at, 0.01, 50.0));
        assert!(check.allowed, "{time}: {check:?}");
        assert!(check.max_volume * 500.0 <= 500.0, "{time}: {check:?}");
        assert!(!engine.check_order(&order(at, 1.01, 50.0)).allowed);
    }

    // 00:05 on the server is 23:05 in Prague, still Monday.
    let opened = server("2025-06-03 00:05");
    assert_eq!(opened, prague("2025-06-02 23:05"));
    engine.on_snapshot(&snapshot(opened, 48_000.0, 48_000.0, 1));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 47_500.0);

    let decision = engine.on_snapshot(&snapshot(prague("2025-06-02 23:30"), 48_000.0, 47_400.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    let breach = report(&engine, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.floor, 47_500.0);
    assert_eq!(breach.equity, 47_400.0);
}

fn carried_position(anchor: DailyAnchor, equity: f64) -> f64 {
    let rules = ftmo().with_daily_loss(Some(DailyLoss {
        anchor,
        ..DailyLoss::default()
    }));
    let mut engine = started(rules, prague("2025-02-10 08:00"));
    engine.on_deal(&open(1, prague("2025-02-10 20:00")));
    engine.on_snapshot(&snapshot(
        prague("2025-02-10 23:59:59"),
        100_000.0,
        equity,
        1,
    ));
    engine.on_snapshot(&snapshot(
        prague("2025-02-11 00:00:01"),
        100_000.0,
        equity,
        1,
    ));
    report(&engine, RuleKind::DailyLoss).floor
}

#[test]
fn case_03_balance_anchor_ignores_floating_result() {
    assert_eq!(carried_position(DailyAnchor::Balance, 103_000.0), 95_000.0);
    assert_eq!(carried_position(DailyAnchor::Balance, 97_000.0), 95_000.0);
}

#[test]
fn case_03_higher_anchor_takes_floating_profit() {
    assert_eq!(carried_position(DailyAnchor::Higher, 103_000.0), 98_000.0);
    assert_eq!(carried_position(DailyAnchor::Higher, 97_000.0), 95_000.0);
}

/// Deals of case 4: +1,000 on the day before, −3,500 closed by 14:00.
fn case_04_deals() -> Vec<mikrobot::account::Deal> {
    vec![
        cash(1, prague("2025-03-03 08:00"), 100_000.0),
        open(2, prague("2025-03-03 09:00")),
        close(3, prague("2025-03-03 16:00"), 1_000.0),
        open(4, prague("2025-03-04 09:00")),
        close(5, prague("2025-03-04 11:00"), -1_500.0),
        open(6, prague("2025-03-04 12:00")),
        close(7, prague("2025-03-04 14:00"), -2_000.0),
    ]
}

#[test]
fn case_04_restart_keeps_stored_anchor() {
    let deals = case_04_deals();
    let mut engine = Engine::new(ftmo()).unwrap();
    let morning = history(
        &deals[..4],
        0,
        101_000.0,
        101_000.0,
        prague("2025-03-04 09:30"),
    );
    assert!(engine.load_history(&morning).may_trade_now());
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 96_000.0);
    for deal in &deals[4..] {
        engine.on_deal(deal);
    }
    engine.on_snapshot(&snapshot(prague("2025-03-04 14:00"), 97_500.0, 97_500.0, 0));
    let saved = serde_json::to_string(engine.state()).unwrap();

    let state: EngineState = serde_json::from_str(&saved).unwrap();
    let mut restarted = Engine::from_state(ftmo(), state).unwrap();
    let now = history(&deals, 0, 97_500.0, 97_500.0, prague("2025-03-04 14:05"));
    assert!(restarted.load_history(&now).may_trade_now());
    assert_eq!(report(&restarted, RuleKind::DailyLoss).floor, 96_000.0);
    let decision =
        restarted.on_snapshot(&snapshot(prague("2025-03-04 15:00"), 97_500.0, 95_800.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
}

#[test]
fn case_04_fresh_engine_rebuilds_anchor_from_deals() {
    let deals = case_04_deals();
    let mut engine = Engine::new(ftmo()).unwrap();
    let now = history(&deals, 0, 97_500.0, 97_500.0, prague("2025-03-04 14:05"));
    assert!(engine.load_history(&now).may_trade_now());
    assert_eq!(engine.state().anchor_balance, 101_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 96_000.0);
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-04 15:00"), 97_500.0, 95_800.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
}

#[test]
fn case_04_breach_stays_latched_after_restart() {
    let deals = case_04_deals();
    let mut engine = Engine::new(ftmo()).unwrap();
    engine.load_history(&history(
        &deals,
        0,
        97_500.0,
        97_500.0,
        prague("2025-03-04 14:05"),
    ));
    engine.on_snapshot(&snapshot(prague("2025-03-04 15:00"), 97_500.0, 95_800.0, 1));
    let state = engine.state().clone();

    let mut restarted = Engine::from_state(ftmo(), state).unwrap();
    let later = history(&deals, 0, 97_500.0, 99_000.0, prague("2025-03-04 15:10"));
    let decision = restarted.load_history(&later);
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    let breach = report(&restarted, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.time_ms, prague("2025-03-04 15:00"));
    assert_eq!(breach.equity, 95_800.0);
}

#[test]
fn case_04_disagreeing_anchor_blocks() {
    let deals = case_04_deals();
    let mut engine = Engine::new(ftmo()).unwrap();
    engine.load_history(&history(
        &deals,
        0,
        97_500.0,
        97_500.0,
        prague("2025-03-04 14:05"),
    ));
    let mut state = engine.state().clone();
    state.anchor_balance = 97_500.0;

    let mut restarted = Engine::from_state(ftmo(), state).unwrap();
    let decision = restarted.load_history(&history(
        &deals,
        0,
        97_500.0,
        97_500.0,
        prague("2025-03-04 14:10"),
    ));
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::AnchorMismatch);
    // The higher anchor stands meanwhile, so the floor is not widened.
    assert_eq!(report(&restarted, RuleKind::DailyLoss).floor, 96_000.0);
    assert!(
        !restarted
            .check_order(&order(prague("2025-03-04 14:10"), 0.1, 20.0))
            .allowed
    );
}

#[test]
fn case_05_down_over_midnight_rebuilds_from_night_deal() {
    let deals = [
        cash(1, prague("2025-03-05 08:00"), 100_000.0),
        open(2, prague("2025-03-05 20:00")),
        close(3, prague("2025-03-06 01:30"), -3_000.0),
    ];
    let mut engine = Engine::new(ftmo()).unwrap();
    let at_three = history(&deals, 0, 97_000.0, 97_000.0, prague("2025-03-06 03:00"));
    assert!(engine.load_history(&at_three).may_trade_now());
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-06 09:00"), 97_000.0, 94_800.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
}

#[test]
fn case_05_no_history_blocks_instead_of_guessing() {
    let mut engine = Engine::new(ftmo()).unwrap();
    let partial = history(
        &[],
        prague("2025-03-06 02:00"),
        97_000.0,
        97_000.0,
        prague("2025-03-06 03:00"),
    );
    let decision = engine.load_history(&partial);
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::NoHistory);
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-06 09:00"), 97_000.0, 96_000.0, 0));
    assert_eq!(decision.reason, Reason::NoHistory);
    let check = engine.check_order(&order(prague("2025-03-06 09:00"), 0.1, 20.0));
    assert!(!check.allowed);
    assert_eq!(check.reason, Reason::NoHistory);
}

#[test]
fn case_06_floating_loss_counts_against_initial_capital() {
    let mut engine = started(ftmo(), prague("2025-03-10 08:00"));
    engine.on_deal(&open(1, prague("2025-03-10 09:00")));
    engine.on_deal(&close(2, prague("2025-03-10 10:00"), -2_000.0));
    engine.on_deal(&open(3, prague("2025-03-10 10:30")));
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-10 11:00"), 98_000.0, 94_800.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    // 5% of the current balance would put the floor at 93,100.
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);

    let decision = engine.on_snapshot(&snapshot(prague("2025-03-10 12:00"), 98_000.0, 97_000.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    assert_eq!(
        report(&engine, RuleKind::DailyLoss).status,
        RuleStatus::Breached
    );
}

#[test]
fn case_07_buffer_closes_all_until_midnight() {
    let mut engine = started(ftmo(), prague("2025-03-11 08:00"));
    engine.on_deal(&open(1, prague("2025-03-11 09:00")));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-03-11 10:00"),
        100_000.0,
        95_400.0,
        1,
    ));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert_eq!(decision.reason, Reason::DailyLossBuffer);

    let decision = engine.on_snapshot(&snapshot(prague("2025-03-11 23:59"), 99_000.0, 99_000.0, 0));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-03-12 00:00:01"),
        99_000.0,
        99_000.0,
        0,
    ));
    assert_eq!(decision.verdict, Verdict::MayTrade);
    let events = drain(&mut engine);
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::Lifted {
            rule: RuleKind::DailyLoss,
            ..
        }
    )));
}

#[test]
fn case_07_open_positions_run_into_breach() {
    let mut engine = started(ftmo(), prague("2025-03-11 08:00"));
    engine.on_deal(&open(1, prague("2025-03-11 09:00")));
    engine.on_snapshot(&snapshot(
        prague("2025-03-11 10:00"),
        100_000.0,
        95_400.0,
        1,
    ));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-03-11 10:05"),
        100_000.0,
        94_800.0,
        1,
    ));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    assert_eq!(
        report(&engine, RuleKind::DailyLoss).breach.unwrap().equity,
        94_800.0
    );
}

#[test]
fn case_07_bad_equity_blocks_and_alerts() {
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -10.0];
    for equity in bad {
        let mut engine = started(ftmo(), prague("2025-03-11 08:00"));
        drain(&mut engine);
        let decision =
            engine.on_snapshot(&snapshot(prague("2025-03-11 10:00"), 100_000.0, equity, 1));
        assert_eq!(decision.verdict, Verdict::Blocked, "equity {equity}");
        assert_eq!(decision.reason, Reason::InvalidEquity, "equity {equity}");
        let events = drain(&mut engine);
        assert!(
            events.iter().any(|e| matches!(
                e,
                EngineEvent::Blocked {
                    reason: Reason::InvalidEquity,
                    ..
                }
            )),
            "equity {equity}: {events:?}"
        );
        let decision = engine.on_snapshot(&snapshot(
            prague("2025-03-11 10:01"),
            100_000.0,
            99_000.0,
            1,
        ));
        assert_eq!(decision.verdict, Verdict::MayTrade, "equity {equity}");
    }
}

#[test]
fn case_07_stale_equity_blocks_and_alerts() {
    let mut engine = started(ftmo(), prague("2025-03-11 08:00"));
    engine.on_snapshot(&snapshot(
        prague("2025-03-11 10:00:00"),
        100_000.0,
        99_000.0,
        1,
    ));
    drain(&mut engine);
    assert!(engine
        .on_time(prague("2025-03-11 10:00:10"))
        .may_trade_now());
    let decision = engine.on_time(prague("2025-03-11 10:00:11"));
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::StaleData);
    assert!(drain(&mut engine).iter().any(|e| matches!(
        e,
        EngineEvent::Blocked {
            reason: Reason::StaleData,
            ..
        }
    )));
    let check = engine.check_order(&order(prague("2025-03-11 10:00:12"), 0.1, 20.0));
    assert_eq!(check.reason, Reason::StaleData);
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-03-11 10:00:12"),
        100_000.0,
        99_000.0,
        1,
    ));
    assert!(decision.may_trade_now());
}

#[test]
fn case_08_lock_is_account_wide_and_persisted() {
    let mut engine = started(ftmo(), prague("2025-03-12 08:00"));
    engine.on_deal(&open(1, prague("2025-03-12 09:00")));
    engine.on_snapshot(&snapshot(
        prague("2025-03-12 09:59"),
        100_000.0,
        96_000.0,
        1,
    ));
    engine.on_deal(&close(2, prague("2025-03-12 10:00"), -4_700.0));
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-12 10:00"), 95_300.0, 95_300.0, 0));
    assert_eq!(decision.verdict, Verdict::CloseAll);

    let state = engine.state().clone();
    let mut engine = Engine::from_state(ftmo(), state).unwrap();
    let deals = [
        cash(9, prague("2025-03-12 07:00"), 100_000.0),
        open(1, prague("2025-03-12 09:00")),
        close(2, prague("2025-03-12 10:00"), -4_700.0),
    ];
    engine.load_history(&history(
        &deals,
        0,
        95_300.0,
        95_300.0,
        prague("2025-03-12 10:01"),
    ));

    let check = engine.check_order(&order(prague("2025-03-12 10:02"), 1.0, 20.0));
    assert!(!check.allowed);
    assert_eq!(check.reason, Reason::DailyLossBuffer);

    // A position found open while locked is to be closed at once.
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-12 10:02"), 95_300.0, 95_300.0, 1));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-12 10:20"), 95_300.0, 94_900.0, 1));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
}

#[test]
fn case_09_every_configured_rule_is_evaluated() {
    let mut engine = started(ftmo(), prague("2025-03-13 08:00"));
    let kinds: Vec<RuleKind> = engine.rules().iter().map(|r| r.rule).collect();
    assert_eq!(
        kinds,
        [
            RuleKind::DailyLoss,
            RuleKind::MaxLoss,
            RuleKind::ProfitTarget,
            RuleKind::MinTradingDays
        ]
    );
    drain(&mut engine);
    let path = [
        ("10:00", 100_000.0),
        ("11:00", 97_000.0),
        ("12:00", 94_600.0),
    ];
    for (time, equity) in path {
        let at = prague(&format!("2025-03-13 {time}"));
        engine.on_snapshot(&snapshot(at, 100_000.0, equity, 1));
    }
    let breaches: Vec<_> = drain(&mut engine)
        .into_iter()
        .filter_map(|e| match e {
            EngineEvent::Breached { rule, breach } => Some((rule, breach)),
            _ => None,
        })
        .collect();
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0].0, RuleKind::DailyLoss);
    assert_eq!(breaches[0].1.time_ms, prague("2025-03-13 12:00"));
    assert_eq!(breaches[0].1.equity, 94_600.0);
}

#[test]
fn case_09_unusable_rule_refuses_to_start() {
    let zero = ftmo().with_daily_loss(Some(DailyLoss {
        amount: LossAmount::PercentOfInitial(0.0),
        ..DailyLoss::default()
    }));
    assert!(Engine::new(zero).is_err());
    let nan = ftmo().with_daily_loss(Some(DailyLoss {
        amount: LossAmount::Fixed(f64::NAN),
        ..DailyLoss::default()
    }));
    assert!(Engine::new(nan).is_err());
}

#[test]
fn case_10_gap_past_stop_records_real_equity() {
    let mut engine = started(ftmo(), prague("2025-03-14 08:00"));
    engine.on_deal(&open(1, prague("2025-03-14 09:00")));
    engine.on_snapshot(&snapshot(
        prague("2025-03-14 14:29"),
        100_000.0,
        96_000.0,
        1,
    ));
    engine.on_deal(&close(2, prague("2025-03-14 14:30"), -5_300.0));
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-14 14:30"), 94_700.0, 94_700.0, 0));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    let breach = report(&engine, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.equity, 94_700.0);
    assert_eq!(breach.floor, 95_000.0);
    assert_eq!(breach.floor - breach.equity, 300.0);
    assert_eq!(breach.min_equity, 94_700.0);
}

#[test]
fn case_11_late_start_takes_floors_from_initial_capital() {
    let deals = [
        open(1, prague("2025-03-17 09:00")),
        close(2, prague("2025-03-17 09:40"), -1_500.0),
    ];
    let mut engine = Engine::new(ftmo()).unwrap();
    let late = mikrobot::compliance::History {
        account_start_ms: Some(prague("2025-03-17 08:00")),
        ..history(
            &deals,
            prague("2025-03-17 08:00"),
            98_500.0,
            98_500.0,
            prague("2025-03-17 10:00"),
        )
    };
    assert!(engine.load_history(&late).may_trade_now());
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 90_000.0);
}

#[test]
fn case_11_full_history_gives_the_same_floors() {
    let deals = [
        cash(1, prague("2025-03-17 08:00"), 100_000.0),
        open(2, prague("2025-03-17 09:00")),
        close(3, prague("2025-03-17 09:40"), -1_500.0),
    ];
    let mut engine = Engine::new(ftmo()).unwrap();
    engine.load_history(&history(
        &deals,
        0,
        98_500.0,
        98_500.0,
        prague("2025-03-17 10:00"),
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 90_000.0);
}

#[test]
fn case_12_commission_and_swap_count_as_loss() {
    let mut engine = started(ftmo(), prague("2025-03-18 08:00"));
    engine.on_deal(&open(1, prague("2025-03-18 09:00")));
    let mut closing = close(2, prague("2025-03-18 11:00"), -4_800.0);
    closing.commission = -150.0;
    closing.swap = -60.0;
    engine.on_deal(&closing);
    assert_eq!(engine.state().day_realised, -5_010.0);
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-18 11:00"), 94_990.0, 94_990.0, 0));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    assert_eq!(
        report(&engine, RuleKind::DailyLoss).breach.unwrap().equity,
        94_990.0
    );
}

fn personal() -> RuleSet {
    RuleSet {
        name: "personal".to_owned(),
        max_loss: None,
        profit_target_percent: None,
        min_trading_days: None,
        ..RuleSet::ftmo_2step(10_000.0)
    }
}

#[test]
fn case_13_withdrawal_is_no_loss() {
    let mut engine = started(personal(), prague("2025-03-19 08:00"));
    engine.on_deal(&cash(1, prague("2025-03-19 12:00"), -2_000.0));
    let decision = engine.on_snapshot(&snapshot(prague("2025-03-19 12:00"), 8_000.0, 8_000.0, 0));
    assert!(decision.may_trade_now(), "{decision:?}");
    let daily = report(&engine, RuleKind::DailyLoss);
    assert_eq!(daily.floor, 7_500.0);
    assert_eq!(daily.room, 500.0);
    assert_eq!(daily.status, RuleStatus::Ok);
    assert_eq!(engine.state().day_realised, 0.0);
}

#[test]
fn case_13_deposit_does_not_hide_floating_loss() {
    let mut engine = started(personal(), prague("2025-03-19 08:00"));
    engine.on_deal(&open(1, prague("2025-03-19 09:00")));
    engine.on_snapshot(&snapshot(prague("2025-03-19 11:00"), 10_000.0, 9_400.0, 1));
    engine.on_deal(&cash(2, prague("2025-03-19 12:00"), 2_000.0));
    engine.on_snapshot(&snapshot(prague("2025-03-19 12:00"), 12_000.0, 11_400.0, 1));
    let daily = report(&engine, RuleKind::DailyLoss);
    assert_eq!(daily.floor, 11_500.0);
    assert_eq!(daily.room, -100.0);
    assert!(near(daily.used_share, 1.2));
    // The floating −600 passed the 500 limit before the deposit, and still counts after it.
    assert_eq!(daily.status, RuleStatus::Breached);
    assert_eq!(engine.state().total_realised, 0.0);
}
