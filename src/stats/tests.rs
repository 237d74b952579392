use super::*;
use crate::account::{DealType, ShortText};

fn deal(
    time_ms: TimeMs,
    deal_type: DealType,
    entry: DealEntry,
    position: u64,
    profit: f64,
) -> Deal {
    Deal {
        time_ms,
        ticket: time_ms as u64,
        position_id: position,
        order: position,
        symbol: ShortText::new("EURUSD.Z").unwrap(),
        deal_type,
        entry,
        volume: 0.01,
        price: 1.1,
        profit,
        commission: 0.0,
        swap: 0.0,
        fee: 0.0,
        magic: 0,
        comment: ShortText::EMPTY,
    }
}

fn close(time_ms: TimeMs, position: u64, profit: f64) -> Deal {
    deal(time_ms, DealType::Sell, DealEntry::Out, position, profit)
}

/// Builds the closing deals of the HFM demo report, in deal order, and the
/// deposit that follows the stop-out.
fn hfm_like_deals() -> Vec<Deal> {
    let results = [
        11.91, 184.60, -0.43, -0.30, 15.66, 30.07, -9.55, -264.07, -17.56,
    ];
    let mut deals: Vec<Deal> = results
        .iter()
        .enumerate()
        .map(|(index, profit)| close(index as TimeMs + 1, index as u64 + 1, *profit))
        .collect();
    deals.push(deal(100, DealType::Balance, DealEntry::In, 0, 50.0));
    deals
}

fn close_to(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

#[test]
fn hfm_results_reproduced() {
    let stats = compute(&hfm_like_deals(), 50.61);
    assert_eq!(stats.trades, 9);
    assert_eq!(stats.wins, 4);
    assert_eq!(stats.losses, 5);
    assert!(close_to(stats.win_rate, 44.44, 0.005), "{}", stats.win_rate);
    assert!(close_to(stats.gross_profit, 242.24, 1e-9));
    assert!(close_to(stats.gross_loss, -291.91, 1e-9));
    assert!(close_to(stats.net_profit, -49.67, 1e-9));
    assert!(close_to(stats.profit_factor.unwrap(), 0.829845, 5e-7));
    assert!(close_to(stats.expected_payoff, -5.518889, 5e-7));
    assert!(close_to(stats.largest_win, 184.60, 1e-9));
    assert!(close_to(stats.largest_loss, -264.07, 1e-9));
    assert!(close_to(stats.max_balance_drawdown, 291.18, 1e-9));
    assert!(close_to(stats.max_balance_drawdown_pct, 99.68, 0.005));
    assert!(close_to(stats.relative_balance_drawdown_pct, 99.68, 0.005));
    assert!(close_to(stats.absolute_balance_drawdown, 49.67, 1e-9));
    assert!(close_to(stats.recovery_factor.unwrap(), -0.170582, 5e-7));
    assert!(
        close_to(stats.sharpe_ratio, 0.150038, 5e-7),
        "{}",
        stats.sharpe_ratio
    );
    assert!(close_to(stats.final_balance, 50.94, 1e-9));
    assert!(close_to(stats.cash_flow_total, 50.0, 1e-9));
}

#[test]
fn cash_flow_is_never_a_trade() {
    let deals = vec![
        deal(1, DealType::Balance, DealEntry::In, 0, 10_000.0),
        close(2, 1, 100.0),
        deal(3, DealType::Balance, DealEntry::In, 0, -2_000.0),
        deal(4, DealType::Credit, DealEntry::In, 0, 500.0),
    ];
    let stats = compute(&deals, 0.0);
    assert_eq!(stats.trades, 1);
    assert_eq!(stats.net_profit, 100.0);
    assert_eq!(stats.cash_flow_total, 8_500.0);
    assert_eq!(stats.final_balance, 8_600.0);
}

#[test]
fn withdrawal_is_no_drawdown() {
    let deals = vec![
        close(1, 1, 500.0),
        deal(2, DealType::Balance, DealEntry::In, 0, -5_000.0),
        close(3, 2, -100.0),
    ];
    let stats = compute(&deals, 10_000.0);
    assert_eq!(stats.max_balance_drawdown, 100.0);
    assert!(close_to(
        stats.max_balance_drawdown_pct,
        100.0 * 100.0 / 5_500.0,
        1e-9
    ));
    assert_eq!(stats.absolute_balance_drawdown, 0.0);
}

#[test]
fn opening_commission_joins_the_close() {
    let mut open = deal(1, DealType::Buy, DealEntry::In, 7, 0.0);
    open.commission = -3.5;
    let mut exit = close(2, 7, 20.0);
    exit.commission = -3.5;
    exit.swap = -1.0;
    let trades = closed_trades(&[open, exit], 1_000.0);
    assert_eq!(trades.len(), 1);
    assert_eq!(trades[0].result, 12.0);
    assert_eq!(trades[0].balance_before, 996.5);
}

#[test]
fn no_trades_gives_zeros() {
    let stats = compute(&[], 1_000.0);
    assert_eq!(stats.trades, 0);
    assert_eq!(stats.win_rate, 0.0);
    assert_eq!(stats.profit_factor, None);
    assert_eq!(stats.recovery_factor, None);
    assert_eq!(stats.sharpe_ratio, 0.0);
    assert_eq!(stats.final_balance, 1_000.0);
}

#[test]
fn profit_factor_none_without_loss() {
    let stats = compute(&[close(1, 1, 10.0), close(2, 2, 5.0)], 100.0);
    assert_eq!(stats.profit_factor, None);
    assert_eq!(stats.max_balance_drawdown, 0.0);
}

#[test]
fn best_day_share_of_total() {
    let clock = FirmClock::default();
    let day = 86_400_000;
    let base = 1_700_000_000_000;
    let trades = closed_trades(
        &[
            close(base, 1, 300.0),
            close(base + day, 2, 600.0),
            close(base + 2 * day, 3, 100.0),
        ],
        10_000.0,
    );
    let best = best_day(&trades, &clock).unwrap();
    assert_eq!(best.profit, 600.0);
    assert!(close_to(best.share_pct.unwrap(), 60.0, 1e-9));
}

#[test]
fn trading_days_count_distinct_dates() {
    let clock = FirmClock::default();
    let hour = 3_600_000;
    // 2023-11-14 10:00 UTC, 11:00 in Prague.
    let base = 1_699_956_000_000;
    let days = trading_days([base, base + hour, base + 30 * hour], &clock);
    assert_eq!(days.len(), 2);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn trade_deals(results: &[f64]) -> Vec<Deal> {
        results
            .iter()
            .enumerate()
            .map(|(index, profit)| close(index as TimeMs * 10 + 10, index as u64 + 1, *profit))
            .collect()
    }

    proptest! {
        /// Inserting deposits and withdrawals anywhere changes no trade figure.
        #[test]
        fn cash_flow_is_never_profit(
            results in proptest::collection::vec(-500.0f64..500.0, 1..30),
            flows in proptest::collection::vec((0usize..30, -2_000.0f64..2_000.0), 0..6),
        ) {
            let plain = trade_deals(&results);
            let mut mixed = plain.clone();
            for (slot, amount) in &flows {
                let time = *slot as TimeMs * 10 + 5;
                mixed.push(deal(time, DealType::Balance, DealEntry::In, 0, *amount));
            }
            mixed.sort_by_key(|deal| deal.time_ms);
            let without = compute(&plain, 100_000.0);
            let with = compute(&mixed, 100_000.0);
            prop_assert_eq!(with.trades, without.trades);
            prop_assert_eq!(with.wins, without.wins);
            prop_assert!((with.net_profit - without.net_profit).abs() < 1e-6);
            prop_assert!((with.gross_profit - without.gross_profit).abs() < 1e-6);
            prop_assert!((with.gross_loss - without.gross_loss).abs() < 1e-6);
            prop_assert!((with.max_balance_drawdown - without.max_balance_drawdown).abs() < 1e-6);
            let flow_total: f64 = flows.iter().map(|(_, amount)| amount).sum();
            prop_assert!((with.cash_flow_total - flow_total).abs() < 1e-6);
        }

        /// Net profit is gross profit plus gross loss, and the payoff is its mean.
        #[test]
        fn net_is_gross_sum(results in proptest::collection::vec(-500.0f64..500.0, 1..30)) {
            let stats = compute(&trade_deals(&results), 100_000.0);
            let total: f64 = results.iter().sum();
            prop_assert!((stats.net_profit - total).abs() < 1e-6);
            prop_assert!((stats.gross_profit + stats.gross_loss - stats.net_profit).abs() < 1e-6);
            let payoff = total / results.len() as f64;
            prop_assert!((stats.expected_payoff - payoff).abs() < 1e-6);
            prop_assert!(stats.max_balance_drawdown >= 0.0);
        }
    }
}
