use super::sample::{sample_report_csv, SAMPLE_INITIAL_BALANCE};
use super::*;
use crate::import::{import_bytes, ImportOptions};

fn sample() -> Import {
    import_bytes(
        "sample.csv",
        sample_report_csv().as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap()
}

fn sample_report() -> Report {
    replay(&sample(), &ReplayOptions::default()).unwrap()
}

#[test]
fn sample_has_daily_loss_breach() {
    let report = sample_report();
    assert_eq!(report.compliance.status, "failed");
    let first = &report.compliance.breaches[0];
    assert_eq!(first.rule, "daily_loss");
    assert_eq!(first.time, "2025-02-11T13:45:18Z");
    assert_eq!(first.equity, 103_724.50);
    assert_eq!(first.floor, 104_102.50);
    assert!(first.hard);
    assert_eq!(report.compliance.breaches.len(), 1);
}

#[test]
fn sample_has_xpws_activation() {
    let report = sample_report();
    let activations = &report.xpws.activations;
    assert_eq!(activations.len(), 1);
    assert_eq!(activations[0].symbol, "EURUSD.Z");
    assert_eq!(activations[0].week_start, "2025-02-03");
    assert_eq!(activations[0].time, "2025-02-07T08:31:19Z");
    assert_eq!(report.xpws.extra_profit, 513.0);
}

#[test]
fn sample_deposit_is_cash_flow_not_profit() {
    let report = sample_report();
    assert_eq!(report.cash_flows.len(), 1);
    assert_eq!(report.cash_flows[0].amount, SAMPLE_INITIAL_BALANCE);
    assert_eq!(report.cash_flows[0].kind, "balance");
    assert_eq!(report.initial_balance, SAMPLE_INITIAL_BALANCE);
    assert!(report.initial_balance_inferred);
    assert_eq!(report.net_profit, 4_317.50);
    assert_eq!(report.final_balance, 104_314.0);
}

#[test]
fn sample_statistics_match_its_results() {
    let import = sample();
    let report = replay(&import, &ReplayOptions::default()).unwrap();
    let results = import.results.unwrap();
    assert_eq!(Some(report.net_profit), results.total_net_profit);
    assert_eq!(Some(report.gross_profit), results.gross_profit);
    assert_eq!(Some(report.gross_loss), results.gross_loss);
    assert_eq!(report.profit_factor, results.profit_factor);
    assert_eq!(Some(report.sharpe_ratio), results.sharpe_ratio);
    assert_eq!(
        Some(report.max_balance_drawdown),
        results.balance_drawdown_maximal
    );
    assert_eq!(Some(report.trades as f64), results.total_trades);
    assert_eq!(report.trading_days, 9);
}

#[test]
fn given_initial_balance_is_not_inferred() {
    let options = ReplayOptions {
        initial_balance: Some(100_000.0),
        ..ReplayOptions::default()
    };
    let report = replay(&sample(), &options).unwrap();
    assert!(!report.initial_balance_inferred);
    assert_eq!(report.initial_balance, 100_000.0);
}

#[test]
fn invalid_initial_balance_is_rejected() {
    for value in [0.0, -5.0, f64::NAN, f64::INFINITY] {
        let options = ReplayOptions {
            initial_balance: Some(value),
            ..ReplayOptions::default()
        };
        let error = replay(&sample(), &options).unwrap_err();
        assert!(
            matches!(error, ReplayError::InvalidInitialBalance(_)),
            "{value}: {error}"
        );
    }
}

#[test]
fn journal_without_balance_needs_initial_balance() {
    let text = "Ticket;Open;Type;Volume;Symbol;Price;SL;TP;Close;Price;Swap;Commissions;Profit\n\
                1;\"2022-02-23 16:50:48\";sell;5.00;ETHUSD;2722.64;0;0;\"2022-02-23 16:59:42\";2707.5;0;-0.55;75.7\n";
    let import = import_bytes("journal.csv", text.as_bytes(), &ImportOptions::default()).unwrap();
    let error = replay(&import, &ReplayOptions::default()).unwrap_err();
    assert!(error.to_string().contains("--initial-balance"), "{error}");
    let options = ReplayOptions {
        initial_balance: Some(10_000.0),
        ..ReplayOptions::default()
    };
    let report = replay(&import, &options).unwrap();
    assert_eq!(report.trades, 1);
    assert_eq!(report.net_profit, 75.15);
    assert_eq!(report.compliance.status, "in_progress");
}

#[test]
fn event_stream_alternates_deal_and_snapshot() {
    let import = sample();
    let stream = EventStream::from_import(&import, SAMPLE_INITIAL_BALANCE);
    assert_eq!(stream.opening_deals.len(), 1);
    assert_eq!(stream.start_ms, stream.opening_deals[0].time_ms);
    // 21 deals after the deposit, each with its snapshot, then the report-time one.
    assert_eq!(stream.events.len(), 43);
    for pair in stream.events[..42].chunks(2) {
        let (Event::Deal(deal), Event::Snapshot(snapshot)) = (pair[0], pair[1]) else {
            panic!("expected a deal then a snapshot, found {pair:?}");
        };
        assert_eq!(deal.time_ms, snapshot.time_ms);
        assert_eq!(snapshot.equity, snapshot.balance);
    }
    let times: Vec<i64> = stream.events.iter().map(Event::time_ms).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
    let Some(Event::Snapshot(last)) = stream.events.last() else {
        panic!("expected a final snapshot");
    };
    assert_eq!(last.equity, last.balance - 180.0);
    assert_eq!(last.open_positions, 1);
}

#[test]
fn one_step_reports_best_day() {
    let options = ReplayOptions {
        rules: RuleChoice::Ftmo1Step,
        ..ReplayOptions::default()
    };
    let report = replay(&sample(), &options).unwrap();
    assert_eq!(report.rules, "ftmo-1step");
    let best_day = report
        .compliance
        .rules
        .iter()
        .find(|rule| rule.rule == "best_day")
        .unwrap();
    assert_eq!(best_day.status, "not_met");
}

#[test]
fn report_json_has_required_fields() {
    let value = serde_json::to_value(sample_report()).unwrap();
    for field in [
        "source",
        "initial_balance",
        "trades",
        "net_profit",
        "gross_profit",
        "gross_loss",
        "profit_factor",
        "expected_payoff",
        "win_rate",
        "sharpe_ratio",
        "max_balance_drawdown",
        "max_balance_drawdown_pct",
        "trading_days",
        "cash_flows",
    ] {
        assert!(value.get(field).is_some(), "missing {field}");
    }
    assert!(value["xpws"]["activations"].is_array());
    assert!(value["compliance"]["status"].is_string());
    let breach = &value["compliance"]["breaches"][0];
    for field in ["rule", "time", "equity", "floor"] {
        assert!(breach.get(field).is_some(), "missing breaches[0].{field}");
    }
    let activation = &value["xpws"]["activations"][0];
    for field in ["symbol", "week_start", "time"] {
        assert!(
            activation.get(field).is_some(),
            "missing activations[0].{field}"
        );
    }
}

#[test]
fn text_report_names_the_outcome() {
    let text = sample_report().to_string();
    assert!(text.contains("inferred from the first balance"), "{text}");
    assert!(text.contains("closed balance at every deal"), "{text}");
    assert!(text.contains("Compliance: failed"), "{text}");
    assert!(text.contains("breach daily_loss"), "{text}");
    assert!(text.contains("EURUSD.Z"), "{text}");
}
