//! Replays of the real MT5 and FTMO MetriX exports in `../shared/data` through
//! the library, as the `mikrobot audit` command runs them.

mod common;

use mikrobot::import::{import_file, ImportOptions};
use mikrobot::replay::{replay, ReplayOptions, RuleChoice};

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_replay_reproduces_mt5_results() {
    let path = common::shared_data("mt5-report-hfm-demo.xlsx");
    let import = import_file(&path, &ImportOptions::default()).unwrap();
    let report = replay(&import, &ReplayOptions::default()).unwrap();
    let results = import.results.unwrap();
    assert_eq!(Some(report.net_profit), results.total_net_profit);
    assert_eq!(Some(report.gross_profit), results.gross_profit);
    assert_eq!(Some(report.gross_loss), results.gross_loss);
    assert_eq!(report.profit_factor, results.profit_factor);
    assert_eq!(Some(report.expected_payoff), results.expected_payoff);
    assert_eq!(report.recovery_factor, results.recovery_factor);
    assert_eq!(Some(report.sharpe_ratio), results.sharpe_ratio);
    assert_eq!(
        Some(report.max_balance_drawdown),
        results.balance_drawdown_maximal
    );
    assert_eq!(
        Some(report.max_balance_drawdown_pct),
        results.balance_drawdown_maximal_pct
    );
    assert_eq!(
        Some(report.absolute_balance_drawdown),
        results.balance_drawdown_absolute
    );
    assert_eq!(Some(report.trades as f64), results.total_trades);
    assert_eq!(Some(report.wins as f64), results.profit_trades);
    assert_eq!(Some(report.losses as f64), results.loss_trades);
    assert_eq!(Some(report.largest_win), results.largest_profit);
    assert_eq!(Some(report.largest_loss), results.largest_loss);
    assert_eq!(report.win_rate, 44.44);
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_replay_breaches_in_order() {
    let path = common::shared_data("mt5-report-hfm-demo.xlsx");
    let import = import_file(&path, &ImportOptions::default()).unwrap();
    let report = replay(&import, &ReplayOptions::default()).unwrap();
    assert_eq!(report.initial_balance, 50.61);
    assert!(report.initial_balance_inferred);
    assert_eq!(report.trading_days, 6);
    let breaches = &report.compliance.breaches;
    assert_eq!(breaches.len(), 2);
    assert_eq!(breaches[0].rule, "daily_loss");
    assert_eq!(breaches[0].time, "2025-05-06T12:50:56Z");
    assert_eq!(breaches[0].equity, 282.57);
    assert_eq!(breaches[0].floor, 289.59);
    assert_eq!(breaches[1].rule, "max_loss");
    assert_eq!(breaches[1].time, "2025-05-06T22:10:38Z");
    assert_eq!(breaches[1].equity, 18.50);
    assert_eq!(breaches[1].floor, 45.55);
    assert_eq!(report.compliance.status, "failed");
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_replay_with_athens_clock_matches() {
    // The HFM server runs at GMT+3 in this period, which Europe/Athens also is.
    let options = ImportOptions {
        server_clock: "Europe/Athens".parse().unwrap(),
    };
    let path = common::shared_data("mt5-report-hfm-demo.xlsx");
    let import = import_file(&path, &options).unwrap();
    let report = replay(&import, &ReplayOptions::default()).unwrap();
    assert_eq!(report.compliance.breaches[0].time, "2025-05-06T12:50:56Z");
}

#[test]
#[ignore = "reads ../shared/data"]
fn metrix_replay_one_step_best_day() {
    let path = common::shared_data("ftmo-metrix-journal.csv");
    let import = import_file(&path, &ImportOptions::default()).unwrap();
    let options = ReplayOptions {
        rules: RuleChoice::Ftmo1Step,
        initial_balance: Some(100_000.0),
        ..ReplayOptions::default()
    };
    let report = replay(&import, &options).unwrap();
    assert_eq!(report.trades, 27);
    assert_eq!(report.net_profit, 5158.02);
    assert!(report.compliance.breaches.is_empty());
    let best = report.best_day.unwrap();
    assert_eq!(best.profit, 3479.50);
    assert_eq!(best.share_pct, Some(67.46));
    let rule = report
        .compliance
        .rules
        .iter()
        .find(|rule| rule.rule == "best_day")
        .unwrap();
    assert_eq!(rule.status, "not_met");
    assert_eq!(rule.value, 3479.50);
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_breach_opens_incident_and_alert() {
    let path = common::shared_data("mt5-report-hfm-demo.xlsx");
    let import = import_file(&path, &ImportOptions::default()).unwrap();
    let report = replay(&import, &ReplayOptions::default()).unwrap();
    let incidents = &report.watch.incidents;
    let violation = incidents
        .iter()
        .find(|incident| incident.kind == "compliance_violation")
        .expect("the daily-loss breach opens a compliance-violation incident");
    assert_eq!(violation.opened, "2025-05-06T12:50:56Z");
    let actions: Vec<&str> = violation
        .actions
        .iter()
        .map(|a| a.action.as_str())
        .collect();
    assert!(actions.contains(&"halt_trading"), "{actions:?}");
    let automatic = &violation.actions[..4];
    assert!(
        automatic.iter().all(|a| a.outcome == "done"),
        "{automatic:?}"
    );
    let missed = violation.actions.last().expect("actions");
    assert_eq!(missed.action, "deadline_missed");
    assert_eq!(missed.time, "2025-05-06T12:51:11Z", "15 s after the breach");

    let alert_id = violation.alert_id.expect("the incident queues an alert");
    let alert = report
        .watch
        .alerts
        .iter()
        .find(|alert| alert.id == alert_id)
        .expect("the incident's alert is listed");
    assert_eq!(alert.priority, "CRITICAL");
    assert_eq!(alert.category, "compliance");
    assert_eq!(alert.time, violation.opened);
    // Nobody acknowledges in a replay, so the alert climbs the whole compliance chain.
    let roles: Vec<Option<&str>> = alert
        .escalations
        .iter()
        .map(|e| e.role.as_deref())
        .collect();
    assert_eq!(roles, [Some("risk_manager"), Some("legal")]);
    let times: Vec<&str> = alert.escalations.iter().map(|e| e.time.as_str()).collect();
    assert_eq!(times, ["2025-05-06T12:55:56Z", "2025-05-06T13:00:56Z"]);
    assert_eq!(report.compliance.verdict, "close_all");

    let json = serde_json::to_value(&report).unwrap();
    assert!(json["alerts"].is_array());
    assert!(json["incidents"].is_array());
    assert_eq!(json["health"]["overall"], "critical");
}
