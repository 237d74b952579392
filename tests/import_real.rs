//! Imports of the real MT5 and FTMO MetriX exports in `../shared/data`.

use mikrobot::account::{DealEntry, DealType};
use mikrobot::import::{import_file, Format, ImportOptions};
use mikrobot::time::rfc3339;
mod common;

use common::shared_data as data;

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_xlsx_sections() {
    let import = import_file(&data("mt5-report-hfm-demo.xlsx"), &ImportOptions::default()).unwrap();
    assert_eq!(import.format, Format::Mt5ReportXlsx);
    assert_eq!(import.positions.len(), 9);
    assert_eq!(import.orders.len(), 24);
    assert_eq!(import.deals.len(), 18);
    assert_eq!(import.open_positions.len(), 1);
    let header = import.header.as_ref().unwrap();
    assert_eq!(header.company, "HFM Investments Ltd");
    assert_eq!(
        rfc3339(header.report_time_ms.unwrap()),
        "2025-05-15T15:14:00Z"
    );
    let first = &import.deals[0];
    assert_eq!(rfc3339(first.deal.time_ms), "2025-04-16T08:41:08Z");
    assert_eq!(first.deal.symbol.as_str(), "EURAUD.Z");
    assert_eq!(first.balance, Some(50.61));
    assert_eq!(import.inferred_initial_balance(), Some(50.61));
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_xlsx_deals_and_positions() {
    let import = import_file(&data("mt5-report-hfm-demo.xlsx"), &ImportOptions::default()).unwrap();
    let deposit = import
        .deals
        .iter()
        .find(|row| row.deal.deal_type == DealType::Balance)
        .unwrap();
    assert_eq!(deposit.deal.profit, 50.0);
    assert_eq!(deposit.deal.comment.as_str(), "Client Demo Deposit");
    assert_eq!(rfc3339(deposit.deal.time_ms), "2025-05-12T13:33:07Z");
    let stop_out = import
        .deals
        .iter()
        .find(|row| row.deal.comment.as_str().starts_with("[so"))
        .unwrap();
    assert_eq!(stop_out.deal.profit, -17.56);
    assert_eq!(stop_out.balance, Some(0.94));
    assert_eq!(stop_out.deal.position_id, 36888042);
    let closes = import
        .deals
        .iter()
        .filter(|row| row.deal.entry == DealEntry::Out)
        .count();
    assert_eq!(closes, 9);
    let unmatched = import
        .deals
        .iter()
        .filter(|row| row.deal.deal_type.is_trade() && row.deal.position_id == 0)
        .count();
    assert_eq!(unmatched, 0);
    let open = &import.open_positions[0];
    assert_eq!(open.symbol.as_str(), "NZDUSD.Z");
    assert_eq!(open.profit, -2.37);
    let balance = import.balance.unwrap();
    assert_eq!(balance.equity, Some(48.57));
    assert_eq!(balance.balance, Some(50.94));
}

#[test]
#[ignore = "reads ../shared/data"]
fn hfm_xlsx_results_section() {
    let import = import_file(&data("mt5-report-hfm-demo.xlsx"), &ImportOptions::default()).unwrap();
    let results = import.results.unwrap();
    assert_eq!(results.total_net_profit, Some(-49.67));
    assert_eq!(results.gross_profit, Some(242.24));
    assert_eq!(results.gross_loss, Some(-291.91));
    assert_eq!(results.profit_factor, Some(0.829845));
    assert_eq!(results.expected_payoff, Some(-5.518889));
    assert_eq!(results.recovery_factor, Some(-0.170582));
    assert_eq!(results.sharpe_ratio, Some(0.150038));
    assert_eq!(results.balance_drawdown_absolute, Some(49.67));
    assert_eq!(results.balance_drawdown_maximal, Some(291.18));
    assert_eq!(results.balance_drawdown_maximal_pct, Some(99.68));
    assert_eq!(results.balance_drawdown_relative_pct, Some(99.68));
    assert_eq!(results.total_trades, Some(9.0));
    assert_eq!(results.profit_trades, Some(4.0));
    assert_eq!(results.largest_profit, Some(184.6));
    assert_eq!(results.largest_loss, Some(-264.07));
}

#[test]
#[ignore = "reads ../shared/data"]
fn metrix_journal_trades() {
    let import = import_file(&data("ftmo-metrix-journal.csv"), &ImportOptions::default()).unwrap();
    assert_eq!(import.format, Format::MetrixJournal);
    assert_eq!(import.positions.len(), 27);
    assert_eq!(import.deals.len(), 54);
    let profit: f64 = import.positions.iter().map(|p| p.profit).sum();
    let commission: f64 = import.positions.iter().map(|p| p.commission).sum();
    assert!((profit - 5348.60).abs() < 1e-6, "{profit}");
    assert!((commission + 190.58).abs() < 1e-6, "{commission}");
    let times: Vec<i64> = import.deals.iter().map(|row| row.deal.time_ms).collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
    assert!(import
        .positions
        .iter()
        .any(|p| p.symbol.as_str() == "US30.cash"));
    assert_eq!(import.inferred_initial_balance(), None);
}
