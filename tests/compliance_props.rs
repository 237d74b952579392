//! Property tests of the invariants that guard the worst outcomes: a trailing
//! floor never falls, a latched hard breach never lifts, a cash flow is never
//! profit, the engine never allows trading below a floor, and an allowed order's
//! stop-out never reaches a floor's buffer.

mod compliance_support;

use compliance_support::*;
use mikrobot::account::Deal;
use mikrobot::compliance::{
    Engine, EngineEvent, MaxLoss, MaxLossMode, Reason, RuleKind, RuleSet, Verdict,
};
use proptest::prelude::*;

/// One step of an account's life.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Minutes later, the open position floats by this amount.
    Float(u32, f64),
    /// Minutes later, a position closes with this result.
    Close(u32, f64),
    /// Minutes later, a deposit (positive) or withdrawal (negative).
    Cash(u32, f64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1u32..900, -6_000.0..6_000.0f64).prop_map(|(m, f)| Step::Float(m, f)),
        3 => (1u32..900, -3_000.0..4_000.0f64).prop_map(|(m, p)| Step::Close(m, p)),
        1 => (1u32..900, -2_000.0..2_000.0f64).prop_map(|(m, c)| Step::Cash(m, c)),
    ]
}

fn trade_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (1u32..900, -6_000.0..6_000.0f64).prop_map(|(m, f)| Step::Float(m, f)),
        1 => (1u32..900, -3_000.0..4_000.0f64).prop_map(|(m, p)| Step::Close(m, p)),
    ]
}

/// Feeds `steps` to `engine`: each step's deals, then a snapshot. Calls `check`
/// after every snapshot with the snapshot's equity.
fn run(engine: &mut Engine, steps: &[Step], mut check: impl FnMut(&mut Engine, f64)) {
    let mut time = prague("2025-04-07 08:30");
    let mut balance = engine.rule_set().initial_capital;
    let mut ticket = 100;
    let mut floating = 0.0;
    for step in steps {
        let deals: Vec<Deal> = match *step {
            Step::Float(minutes, amount) => {
                time += i64::from(minutes) * 60_000;
                floating = amount;
                vec![]
            }
            Step::Close(minutes, profit) => {
                time += i64::from(minutes) * 60_000;
                ticket += 2;
                balance += profit;
                floating = 0.0;
                vec![open(ticket - 1, time - 1_000), close(ticket, time, profit)]
            }
            Step::Cash(minutes, amount) => {
                time += i64::from(minutes) * 60_000;
                ticket += 1;
                balance += amount;
                vec![cash(ticket, time, amount)]
            }
        };
        for deal in &deals {
            engine.on_deal(deal);
        }
        let equity = (balance + floating).max(1.0);
        engine.on_snapshot(&snapshot(time, balance, equity, u32::from(floating != 0.0)));
        check(engine, equity);
    }
}

fn trailing(mode: MaxLossMode, lock_offset: Option<f64>) -> RuleSet {
    RuleSet::ftmo_2step(100_000.0).with_max_loss(Some(MaxLoss {
        mode,
        lock_offset,
        ..MaxLoss::default()
    }))
}

fn without_withdrawals(steps: Vec<Step>) -> Vec<Step> {
    steps
        .into_iter()
        .map(|step| match step {
            Step::Cash(m, amount) => Step::Cash(m, amount.abs()),
            other => other,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn trailing_floor_never_falls(
        steps in prop::collection::vec(step(), 1..60),
        mode in prop_oneof![
            Just(MaxLossMode::TrailingEndOfDay),
            Just(MaxLossMode::TrailingBalance),
            Just(MaxLossMode::TrailingEquity),
        ],
        lock in prop::option::of(0.0..5_000.0f64),
    ) {
        let steps = without_withdrawals(steps);
        let mut engine = started(trailing(mode, lock), prague("2025-04-07 08:00"));
        let mut floor = engine.state().max_loss_floor;
        run(&mut engine, &steps, |engine, _| {
            let now = engine.state().max_loss_floor;
            assert!(now >= floor, "floor fell from {floor} to {now}");
            assert_eq!(report(engine, RuleKind::MaxLoss).floor, now);
            floor = now;
        });
    }

    #[test]
    fn hard_breach_never_lifts(steps in prop::collection::vec(step(), 1..80)) {
        let mut engine = started(RuleSet::ftmo_1step(100_000.0), prague("2025-04-07 08:00"));
        let mut latched: Option<(RuleKind, mikrobot::compliance::Breach)> = None;
        run(&mut engine, &steps, |engine, _| {
            for event in std::iter::from_fn(|| engine.pop_event()) {
                if let EngineEvent::Breached { rule, breach } = event {
                    latched.get_or_insert((rule, breach));
                }
            }
            if let Some((rule, first)) = latched {
                let decision = engine.decision();
                assert_eq!(decision.verdict, Verdict::CloseAll);
                assert!(matches!(
                    decision.reason,
                    Reason::DailyLossBreached | Reason::MaxLossBreached
                ));
                let latest = report(engine, rule).breach.expect("breach stays latched");
                assert_eq!(latest.time_ms, first.time_ms);
                assert_eq!(latest.equity, first.equity);
                assert_eq!(latest.floor, first.floor);
                assert!(latest.min_equity <= first.equity);
            }
        });
    }

    #[test]
    fn cash_flow_is_never_profit(
        trades in prop::collection::vec(trade_step(), 1..40),
        flows in prop::collection::vec((0usize..40, -2_000.0..2_000.0f64), 0..8),
    ) {
        let mut with_cash = trades.clone();
        let mut flows = flows;
        flows.sort_by_key(|flow| flow.0);
        for (inserted, (at, amount)) in flows.into_iter().enumerate() {
            let index = (at + inserted).min(with_cash.len());
            with_cash.insert(index, Step::Cash(1, amount));
        }
        // Without the cash steps' minutes the two runs have different times, so
        // the plain run gets a one-minute pause in their place.
        let plain: Vec<Step> = with_cash
            .iter()
            .map(|step| match step {
                Step::Cash(m, _) => Step::Float(*m, f64::NAN),
                other => *other,
            })
            .collect();
        let rules = RuleSet::ftmo_2step(100_000.0);
        let mut a = started(rules.clone(), prague("2025-04-07 08:00"));
        let mut b = started(rules, prague("2025-04-07 08:00"));
        let mut a_rooms = Vec::new();
        let mut floating = 0.0;
        let plain: Vec<Step> = plain
            .into_iter()
            .map(|step| match step {
                Step::Float(m, f) if f.is_nan() => Step::Float(m, floating),
                Step::Float(m, f) => { floating = f; Step::Float(m, f) }
                Step::Close(m, p) => { floating = 0.0; Step::Close(m, p) }
                other => other,
            })
            .collect();
        run(&mut a, &plain, |engine, _| {
            a_rooms.push(report(engine, RuleKind::DailyLoss).room);
        });
        let mut index = 0;
        run(&mut b, &with_cash, |engine, _| {
            let room = report(engine, RuleKind::DailyLoss).room;
            assert!((room - a_rooms[index]).abs() < 1e-6, "room {room} vs {}", a_rooms[index]);
            index += 1;
        });
        prop_assert!((a.state().total_realised - b.state().total_realised).abs() < 1e-6);
        prop_assert!((a.state().day_realised - b.state().day_realised).abs() < 1e-6);
        prop_assert_eq!(a.state().trading_days(), b.state().trading_days());
        prop_assert_eq!(a.state().daily_breach.is_some(), b.state().daily_breach.is_some());
    }

    #[test]
    fn never_may_trade_below_a_floor(steps in prop::collection::vec(step(), 1..60)) {
        let mut engine = started(RuleSet::ftmo_1step(100_000.0), prague("2025-04-07 08:00"));
        run(&mut engine, &steps, |engine, equity| {
            let below = engine
                .rules()
                .iter()
                .filter(|report| report.rule.is_loss_limit())
                .any(|report| equity <= report.floor + engine.rule_set().buffer_amount());
            if below {
                assert_eq!(engine.decision().verdict, Verdict::CloseAll);
            }
        });
    }

    #[test]
    fn allowed_order_stays_inside_floors(
        steps in prop::collection::vec(step(), 1..30),
        volume in 0.01..50.0f64,
        pips in 1.0..200.0f64,
    ) {
        let mut engine = started(RuleSet::ftmo_2step(100_000.0), prague("2025-04-07 08:00"));
        let mut last_time = 0;
        run(&mut engine, &steps, |engine, _| {
            last_time = engine.decision().time_ms;
        });
        let check = engine.check_order(&order(last_time, volume, pips));
        if check.allowed {
            let room = engine.room_to_floors();
            prop_assert!(check.risk <= room * (1.0 + 1e-9), "{check:?} room {room}");
            prop_assert!(volume <= check.max_volume * (1.0 + 1e-9));
        }
        prop_assert!(check.max_volume * pips * 10.0 <= engine.room_to_floors().max(0.0) * (1.0 + 1e-9) + 1e-9);
    }

    #[test]
    fn floors_never_seeded_from_first_reading(result in -4_000.0..4_000.0f64, minutes in 1i64..600) {
        let start = prague("2025-04-07 08:00");
        let deals = [open(1, start + 60_000), close(2, start + 120_000, result)];
        let balance = 100_000.0 + result;
        let now = start + minutes * 60_000 + 120_000;
        let late = mikrobot::compliance::History {
            account_start_ms: Some(start),
            ..history(&deals, start, balance, balance, now)
        };
        let mut engine = Engine::new(RuleSet::ftmo_2step(100_000.0)).unwrap();
        engine.load_history(&late);
        prop_assert_eq!(report(&engine, RuleKind::DailyLoss).floor, 95_000.0);
        prop_assert_eq!(report(&engine, RuleKind::MaxLoss).floor, 90_000.0);
    }
}
