//! The rule-set variants other firms use, the goals, and the engine's handling of
//! bad input, restarts and events.

mod compliance_support;

use chrono::NaiveTime;
use compliance_support::*;
use mikrobot::account::ShortText;
use mikrobot::compliance::{
    BestDay, BlockError, BreachKind, DailyAnchor, DailyLoss, Engine, EngineEvent, EngineState,
    LossAmount, MaxLoss, MaxLossMode, Reason, RiskLimits, RuleKind, RuleSet, RuleStatus, Verdict,
};
use mikrobot::time::FirmClock;
use mikrobot::xpws::XpwsMode;

fn ftmo() -> RuleSet {
    RuleSet::ftmo_2step(100_000.0)
}

fn daily(anchor: DailyAnchor, amount: LossAmount, breach: BreachKind) -> RuleSet {
    ftmo().with_daily_loss(Some(DailyLoss {
        anchor,
        amount,
        breach,
    }))
}

fn max(mode: MaxLossMode, lock_offset: Option<f64>) -> RuleSet {
    ftmo().with_max_loss(Some(MaxLoss {
        mode,
        lock_offset,
        ..MaxLoss::default()
    }))
}

/// An engine whose day 2025-04-08 started with balance 103,000 and `equity`.
fn second_day(rules: RuleSet, equity: f64) -> Engine {
    let mut engine = started(rules, prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), 3_000.0));
    engine.on_deal(&open(3, prague("2025-04-07 11:00")));
    engine.on_snapshot(&snapshot(prague("2025-04-07 23:59"), 103_000.0, equity, 1));
    engine.on_snapshot(&snapshot(prague("2025-04-08 00:01"), 103_000.0, equity, 1));
    engine
}

#[test]
fn equity_anchor_uses_day_start_equity() {
    let rules = daily(
        DailyAnchor::Equity,
        LossAmount::PercentOfInitial(5.0),
        BreachKind::Hard,
    );
    let engine = second_day(rules, 101_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 96_000.0);
}

#[test]
fn equity_peak_anchor_trails_intraday() {
    let rules = daily(
        DailyAnchor::EquityPeak,
        LossAmount::PercentOfInitial(5.0),
        BreachKind::Hard,
    );
    let mut engine = second_day(rules, 103_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 98_000.0);
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 10:00"),
        103_000.0,
        106_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 101_000.0);
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 11:00"),
        103_000.0,
        102_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 101_000.0);
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-08 12:00"),
        103_000.0,
        100_900.0,
        1,
    ));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
}

#[test]
fn percent_of_anchor_amount() {
    let rules = daily(
        DailyAnchor::Balance,
        LossAmount::PercentOfAnchor(5.0),
        BreachKind::Hard,
    );
    let engine = second_day(rules, 103_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 97_850.0);
}

#[test]
fn fixed_amount() {
    let rules = daily(
        DailyAnchor::Balance,
        LossAmount::Fixed(4_000.0),
        BreachKind::Hard,
    );
    let engine = second_day(rules, 103_000.0);
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 99_000.0);
}

#[test]
fn equity_anchor_unknown_after_midday_start_blocks() {
    let rules = daily(
        DailyAnchor::Equity,
        LossAmount::PercentOfInitial(5.0),
        BreachKind::Hard,
    );
    let deals = [cash(1, prague("2025-04-07 08:00"), 100_000.0)];
    let mut engine = Engine::new(sparse(rules)).unwrap();
    let decision = engine.load_history(&history(
        &deals,
        0,
        100_000.0,
        100_000.0,
        prague("2025-04-08 12:00"),
    ));
    assert_eq!(decision.reason, Reason::NoHistory);
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 23:59"),
        100_000.0,
        100_500.0,
        0,
    ));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-09 00:01"),
        100_000.0,
        100_500.0,
        0,
    ));
    assert!(decision.may_trade_now(), "{decision:?}");
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_500.0);
}

#[test]
fn reset_at_new_york_five_pm() {
    let clock = FirmClock {
        zone: chrono_tz::America::New_York,
        reset: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    };
    let rules = ftmo().with_clock(clock);
    let ny = |text: &str| zone_time(chrono_tz::America::New_York, text);
    let mut engine = started(rules, ny("2025-04-07 09:00"));
    engine.on_deal(&open(1, ny("2025-04-07 10:00")));
    engine.on_deal(&close(2, ny("2025-04-07 11:00"), 2_000.0));
    engine.on_snapshot(&snapshot(ny("2025-04-07 16:59"), 102_000.0, 102_000.0, 0));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
    engine.on_snapshot(&snapshot(ny("2025-04-07 17:00"), 102_000.0, 102_000.0, 0));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 97_000.0);
}

#[test]
fn soft_breach_lifts_at_next_reset() {
    let rules = daily(
        DailyAnchor::Balance,
        LossAmount::PercentOfInitial(5.0),
        BreachKind::Soft,
    );
    let mut engine = started(rules, prague("2025-04-07 08:00"));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        94_000.0,
        1,
    ));
    assert_eq!(decision.reason, Reason::DailyLossBreached);
    let decision = engine.on_snapshot(&snapshot(prague("2025-04-07 23:00"), 96_000.0, 96_000.0, 0));
    assert_eq!(decision.verdict, Verdict::CloseAll);
    let decision = engine.on_snapshot(&snapshot(prague("2025-04-08 00:00"), 96_000.0, 96_000.0, 0));
    assert!(decision.may_trade_now(), "{decision:?}");
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 91_000.0);
    assert!(drain(&mut engine).iter().any(|e| matches!(
        e,
        EngineEvent::Lifted {
            rule: RuleKind::DailyLoss,
            ..
        }
    )));
}

/// An engine restored from the state of 2025-04-07 takes over a soft breach that the live
/// engine latched on 04-08. The history load crosses the 04-08 reset but keeps that breach.
#[test]
fn soft_breach_kept_by_older_restored_state() {
    let rules = daily(
        DailyAnchor::Balance,
        LossAmount::PercentOfInitial(5.0),
        BreachKind::Soft,
    );
    let mut live = started(rules.clone(), prague("2025-04-07 08:00"));
    live.on_snapshot(&snapshot(
        prague("2025-04-07 12:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    let backup = live.state().clone();
    live.on_snapshot(&snapshot(
        prague("2025-04-08 09:00"),
        100_000.0,
        100_000.0,
        1,
    ));
    let breached = live.on_snapshot(&snapshot(
        prague("2025-04-08 10:00"),
        100_000.0,
        94_000.0,
        1,
    ));
    assert_eq!(breached.reason, Reason::DailyLossBreached);

    let mut restored = Engine::from_state(sparse(rules), backup).unwrap();
    restored.keep_latches_of(live.state());
    let deals = [cash(1, prague("2025-04-07 08:00"), 100_000.0)];
    let decision = restored.load_history(&history(
        &deals,
        0,
        100_000.0,
        99_000.0,
        prague("2025-04-08 11:00"),
    ));
    assert_eq!(decision.reason, Reason::DailyLossBreached, "{decision:?}");
    let breach = report(&restored, RuleKind::DailyLoss).breach.unwrap();
    assert_eq!(breach.time_ms, prague("2025-04-08 10:00"));
    assert_eq!(breach.equity, 94_000.0);
}

#[test]
fn hard_breach_never_lifts() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        94_000.0,
        1,
    ));
    for day in 8..=20 {
        let time = prague(&format!("2025-04-{day:02} 10:00"));
        let decision = engine.on_snapshot(&snapshot(time, 99_000.0, 99_000.0, 0));
        assert_eq!(decision.reason, Reason::DailyLossBreached, "day {day}");
    }
    assert_eq!(
        engine.clear_block(Reason::DailyLossBreached, prague("2025-04-20 11:00")),
        Err(BlockError::NotClearable(Reason::DailyLossBreached))
    );
}

#[test]
fn trailing_end_of_day_follows_best_close() {
    let mut engine = started(RuleSet::ftmo_1step(100_000.0), prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), 5_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 12:00"),
        105_000.0,
        108_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 90_000.0);
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 00:01"),
        105_000.0,
        105_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 95_000.0);
    engine.on_deal(&open(3, prague("2025-04-08 09:00")));
    engine.on_deal(&close(4, prague("2025-04-08 10:00"), -2_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-04-09 00:01"),
        103_000.0,
        103_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 95_000.0);
}

#[test]
fn trailing_end_of_day_rebuilt_from_history() {
    let deals = [
        cash(1, prague("2025-04-07 08:00"), 100_000.0),
        open(2, prague("2025-04-07 09:00")),
        close(3, prague("2025-04-07 10:00"), 5_000.0),
        open(4, prague("2025-04-08 09:00")),
        close(5, prague("2025-04-08 10:00"), -2_000.0),
    ];
    let mut engine = Engine::new(RuleSet::ftmo_1step(100_000.0)).unwrap();
    let now = history(&deals, 0, 103_000.0, 103_000.0, prague("2025-04-09 12:00"));
    assert!(engine.load_history(&now).may_trade_now());
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 95_000.0);

    let mut partial = Engine::new(RuleSet::ftmo_1step(100_000.0)).unwrap();
    let late = history(
        &deals[3..],
        prague("2025-04-08 00:00"),
        103_000.0,
        103_000.0,
        prague("2025-04-09 12:00"),
    );
    assert_eq!(partial.load_history(&late).reason, Reason::NoHistory);
}

#[test]
fn trailing_balance_rises_on_closed_profit() {
    let mut engine = started(
        max(MaxLossMode::TrailingBalance, None),
        prague("2025-04-07 08:00"),
    );
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), 4_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        104_000.0,
        104_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 94_000.0);
}

#[test]
fn trailing_equity_rises_with_floating_profit() {
    let mut engine = started(
        max(MaxLossMode::TrailingEquity, None),
        prague("2025-04-07 08:00"),
    );
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        107_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 97_000.0);
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 11:00"),
        100_000.0,
        101_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 97_000.0);
}

#[test]
fn trailing_floor_locks_at_initial_plus_offset() {
    let mut engine = started(
        max(MaxLossMode::TrailingEquity, Some(0.0)),
        prague("2025-04-07 08:00"),
    );
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        115_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 100_000.0);
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 11:00"),
        100_000.0,
        125_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 100_000.0);
}

#[test]
fn profit_target_needs_flat_account() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), 10_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        110_000.0,
        110_500.0,
        1,
    ));
    assert_eq!(
        report(&engine, RuleKind::ProfitTarget).status,
        RuleStatus::NotMet
    );
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 11:00"),
        110_000.0,
        110_000.0,
        0,
    ));
    let target = report(&engine, RuleKind::ProfitTarget);
    assert_eq!(target.status, RuleStatus::Met);
    assert_eq!(target.floor, 110_000.0);
}

#[test]
fn trading_day_counts_prague_date_of_opening() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    // 23:30 Prague is 00:30 on the server's next day; the Prague date counts.
    engine.on_deal(&open(1, prague("2025-04-07 23:30")));
    engine.on_deal(&close(2, prague("2025-04-08 00:30"), 10.0));
    clock_to(&mut engine, prague("2025-04-09 10:00"));
    engine.on_deal(&open(3, prague("2025-04-09 10:00")));
    engine.on_deal(&open(4, prague("2025-04-09 11:00")));
    clock_to(&mut engine, prague("2025-04-10 10:00"));
    engine.on_deal(&open(5, prague("2025-04-10 10:00")));
    let days = report(&engine, RuleKind::MinTradingDays);
    assert_eq!(days.value, 3.0);
    assert_eq!(days.status, RuleStatus::NotMet);
    clock_to(&mut engine, prague("2025-04-11 10:00"));
    engine.on_deal(&open(6, prague("2025-04-11 10:00")));
    assert_eq!(
        report(&engine, RuleKind::MinTradingDays).status,
        RuleStatus::Met
    );
}

#[test]
fn best_day_rule_is_a_gate() {
    let rules = RuleSet::ftmo_1step(100_000.0);
    let mut engine = started(rules, prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), 3_000.0));
    clock_to(&mut engine, prague("2025-04-08 09:00"));
    engine.on_deal(&open(3, prague("2025-04-08 09:00")));
    engine.on_deal(&close(4, prague("2025-04-08 10:00"), 1_000.0));
    let best = report(&engine, RuleKind::BestDay);
    assert_eq!(best.status, RuleStatus::NotMet);
    assert_eq!(best.value, 3_000.0);
    assert_eq!(best.used_share, 0.75);
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 10:00"),
        104_000.0,
        104_000.0,
        0,
    ));
    assert!(engine.decision().may_trade_now(), "{:?}", engine.decision());
    clock_to(&mut engine, prague("2025-04-09 09:00"));
    engine.on_deal(&open(5, prague("2025-04-09 09:00")));
    engine.on_deal(&close(6, prague("2025-04-09 10:00"), 2_000.0));
    assert_eq!(report(&engine, RuleKind::BestDay).status, RuleStatus::Met);
    let _ = BestDay::default();
}

#[test]
fn warning_at_eighty_percent_of_room() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    drain(&mut engine);
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        96_100.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).status, RuleStatus::Ok);
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:01"),
        100_000.0,
        96_000.0,
        1,
    ));
    assert_eq!(
        report(&engine, RuleKind::DailyLoss).status,
        RuleStatus::Warning
    );
    let warnings = drain(&mut engine)
        .into_iter()
        .filter(|e| matches!(e, EngineEvent::Warning { .. }))
        .count();
    assert_eq!(warnings, 1);
}

#[test]
fn late_deal_of_previous_day_moves_anchor() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 20:00")));
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 00:00:01"),
        100_000.0,
        99_000.0,
        1,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
    // The close executed one second before midnight arrives after the reset.
    engine.on_deal(&close(2, prague("2025-04-07 23:59:59"), -1_000.0));
    engine.on_snapshot(&snapshot(
        prague("2025-04-08 00:00:02"),
        99_000.0,
        99_000.0,
        0,
    ));
    assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 94_000.0);
    assert_eq!(engine.state().day_realised, 0.0);
}

#[test]
fn duplicate_deal_is_ignored() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    engine.on_deal(&open(1, prague("2025-04-07 09:00")));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), -1_000.0));
    engine.on_deal(&close(2, prague("2025-04-07 10:00"), -1_000.0));
    assert_eq!(engine.state().day_realised, -1_000.0);
}

#[test]
fn time_going_backwards_blocks_until_forward() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        100_000.0,
        100_000.0,
        0,
    ));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-07 09:59"),
        100_000.0,
        100_000.0,
        0,
    ));
    assert_eq!(decision.verdict, Verdict::Blocked);
    assert_eq!(decision.reason, Reason::TimeWentBackwards);
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:01"),
        100_000.0,
        100_000.0,
        0,
    ));
    assert!(decision.may_trade_now());
}

#[test]
fn disconnected_terminal_is_stale() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    let mut offline = snapshot(prague("2025-04-07 10:00"), 100_000.0, 100_000.0, 0);
    offline.connected = false;
    assert_eq!(engine.on_snapshot(&offline).reason, Reason::StaleData);
}

#[test]
fn invalid_balance_blocks() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    let decision = engine.on_snapshot(&snapshot(
        prague("2025-04-07 10:00"),
        f64::NAN,
        100_000.0,
        0,
    ));
    assert_eq!(decision.reason, Reason::InvalidBalance);
}

#[test]
fn external_latch_survives_restart() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    let decision = engine
        .latch_block(Reason::Halted, prague("2025-04-07 09:00"))
        .unwrap();
    assert_eq!(decision.verdict, Verdict::CloseAll);
    assert!(engine.latch_block(Reason::DailyLossBreached, 0).is_err());
    let json = serde_json::to_string(engine.state()).unwrap();
    let state: EngineState = serde_json::from_str(&json).unwrap();
    let mut engine = Engine::from_state(ftmo(), state).unwrap();
    let deals = [];
    let mut h = history(&deals, 0, 100_000.0, 100_000.0, prague("2025-04-07 10:00"));
    h.account_start_ms = Some(prague("2025-04-07 08:00"));
    assert_eq!(engine.load_history(&h).reason, Reason::Halted);
    let decision = engine
        .clear_block(Reason::Halted, prague("2025-04-07 10:01"))
        .unwrap();
    assert!(decision.may_trade_now());
}

#[test]
fn state_round_trips_exactly() {
    let mut engine = second_day(RuleSet::ftmo_1step(100_000.0), 102_500.0);
    engine.on_deal(&close_on(9, prague("2025-04-08 09:00"), "EURUSD", 1_000.0));
    let json = serde_json::to_string(engine.state()).unwrap();
    let state: EngineState = serde_json::from_str(&json).unwrap();
    assert_eq!(&state, engine.state());
    let toml_text = toml::to_string(engine.state()).unwrap();
    let from_toml: EngineState = toml::from_str(&toml_text).unwrap();
    assert_eq!(&from_toml, engine.state());
}

#[test]
fn state_of_other_version_is_rejected() {
    let engine = started(ftmo(), prague("2025-04-07 08:00"));
    let mut state = engine.state().clone();
    state.version = 99;
    let error = Engine::from_state(ftmo(), state).unwrap_err();
    assert!(error.to_string().contains("99"), "{error}");
}

#[test]
fn pre_trade_limits() {
    let rules = ftmo().with_risk(RiskLimits {
        stop_loss_required: true,
        ..RiskLimits::default()
    });
    let mut engine = started(rules, prague("2025-04-07 08:00"));
    let at = prague("2025-04-07 10:00");
    engine.on_snapshot(&snapshot(at, 100_000.0, 100_000.0, 0));

    // 20 pips at 10 per pip and lot: 200 per lot. 0.55% of 100,000 is 550.
    let check = engine.check_order(&order(at, 1.0, 20.0));
    assert!(check.allowed, "{check:?}");
    assert!(near(check.suggested_volume, 2.75));
    assert!(near(check.max_volume, 10.0));
    assert!(near(check.risk, 200.0));

    let check = engine.check_order(&order(at, 10.5, 20.0));
    assert_eq!(check.reason, Reason::RiskAboveCap);

    let check = engine.check_order(&order(at, 1.0, 0.0));
    assert_eq!(check.reason, Reason::InvalidOrder);
    let mut no_stop = order(at, 1.0, 20.0);
    no_stop.stop_loss = 0.0;
    assert_eq!(
        engine.check_order(&no_stop).reason,
        Reason::StopLossRequired
    );
    let mut wrong_side = order(at, 1.0, 20.0);
    wrong_side.stop_loss = 1.2;
    assert_eq!(engine.check_order(&wrong_side).reason, Reason::InvalidOrder);
    let mut nan = order(at, f64::NAN, 20.0);
    assert_eq!(engine.check_order(&nan).reason, Reason::InvalidOrder);
    nan.volume = -1.0;
    assert_eq!(engine.check_order(&nan).reason, Reason::InvalidOrder);

    engine.on_snapshot(&snapshot(at + 1, 100_000.0, 100_000.0, 5));
    assert_eq!(
        engine.check_order(&order(at + 1, 0.1, 20.0)).reason,
        Reason::MaxPositions
    );
}

#[test]
fn pre_trade_keeps_floor_buffer() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    let at = prague("2025-04-07 10:00");
    engine.on_snapshot(&snapshot(at, 100_000.0, 96_000.0, 1));
    // Room 96,000 − 95,000 − 500 = 500, so at 200 per lot at most 2.5 lots.
    let check = engine.check_order(&order(at, 2.5, 20.0));
    assert!(check.allowed, "{check:?}");
    assert!(near(check.max_volume, 2.5));
    let check = engine.check_order(&order(at, 2.6, 20.0));
    assert_eq!(check.reason, Reason::VolumeAboveMax);
    assert!(near(check.max_volume, 2.5));
}

#[test]
fn xpws_mode_resets_on_monday() {
    let mut engine = started(ftmo(), prague("2025-04-07 08:00"));
    let eurusd = ShortText::new("EURUSD").unwrap();
    clock_to(&mut engine, prague("2025-04-09 09:00"));
    engine.on_deal(&open(1, prague("2025-04-09 09:00")));
    engine.on_deal(&close(2, prague("2025-04-09 10:00"), 10_000.0));
    assert_eq!(engine.xpws_mode(&eurusd), XpwsMode::Active);
    assert_eq!(engine.take_profit_ratio(&eurusd), 2.0);
    clock_to(&mut engine, prague("2025-04-10 09:00"));
    engine.on_deal(&open(3, prague("2025-04-10 09:00")));
    engine.on_deal(&close(4, prague("2025-04-10 10:00"), 500.0));
    assert_eq!(engine.xpws().extra_profit_total, 500.0);
    clock_to(&mut engine, prague("2025-04-13 23:59"));
    engine.on_snapshot(&snapshot(
        prague("2025-04-13 23:59"),
        110_500.0,
        110_500.0,
        0,
    ));
    assert_eq!(engine.xpws_mode(&eurusd), XpwsMode::Active);
    engine.on_snapshot(&snapshot(
        prague("2025-04-14 00:00"),
        110_500.0,
        110_500.0,
        0,
    ));
    assert_eq!(engine.xpws_mode(&eurusd), XpwsMode::Normal);
    assert_eq!(engine.take_profit_ratio(&eurusd), 1.0);
    assert_eq!(engine.xpws().week_start_balance, Some(110_500.0));
    let activations = &engine.xpws().activations;
    assert_eq!(activations.len(), 1);
    assert_eq!(activations[0].time_ms, prague("2025-04-09 10:00"));
}
