//! The sample account that `cargo run --example host` replays by default: an
//! FTMO 2-Step Challenge of 100,000 USD over two weeks of February 2025, written
//! as an MT5 Trade History Report sheet in CSV form.
//!
//! It opens with the initial deposit (a cash flow). It earns 10% of the
//! week-start balance on EURUSD.Z in its first week, an XPWS activation on Friday
//! 2025-02-07, and trades EURUSD.Z once more in XPWS mode that day. It loses more than 5,000 on Tuesday 2025-02-11, a daily-loss breach
//! at the second losing close, and ends with one position open. The
//! bundled file `examples/host/sample-report.csv` is this module's output; a test
//! fails when the two differ, and `MIKROBOT_WRITE_SAMPLE=1 cargo test --lib
//! bundled_sample` rewrites the file.

use crate::account::{Deal, DealEntry, DealType, ShortText, Side, Symbol, TimeMs};
use crate::import::{
    round_cents, AccountHeader, BalanceBlock, DealRow, Format, Import, Mt5Results, Order, Position,
};
use crate::stats;
use crate::time::ServerClock;
use chrono::NaiveDateTime;

/// The sample's initial deposit.
pub const SAMPLE_INITIAL_BALANCE: f64 = 100_000.0;

/// Commission per lot and side, in USD.
const COMMISSION_PER_LOT: f64 = 3.5;

/// One round trip of the sample: symbol, side, lots, server open and close
/// times, open price, stop loss and the closing profit.
struct Trade {
    symbol: &'static str,
    side: Side,
    lots: f64,
    open: &'static str,
    close: Option<&'static str>,
    open_price: f64,
    stop_loss: f64,
    profit: f64,
}

// One trade a line reads as a table, which rustfmt would spread over 300 lines.
#[rustfmt::skip]
const TRADES: [Trade; 11] = [
    trade("EURUSD.Z", Side::Buy, 2.0, "2025.02.03 10:15:00", Some("2025.02.03 16:40:12"), 1.02350, 1.01800, 1_850.00),
    trade("GBPUSD.Z", Side::Sell, 1.5, "2025.02.04 09:30:05", Some("2025.02.04 14:05:41"), 1.24410, 1.25600, -1_620.00),
    trade("EURUSD.Z", Side::Buy, 3.0, "2025.02.05 11:00:30", Some("2025.02.06 15:20:08"), 1.03560, 1.02900, 4_380.00),
    trade("EURUSD.Z", Side::Buy, 2.5, "2025.02.06 16:02:44", Some("2025.02.07 10:31:19"), 1.03980, 1.03300, 3_950.00),
    trade("XAUUSD.Z", Side::Buy, 0.5, "2025.02.07 12:10:00", Some("2025.02.07 18:45:33"), 2_861.40, 2_845.00, 410.00),
    trade("EURUSD.Z", Side::Buy, 1.0, "2025.02.07 13:05:12", Some("2025.02.07 17:30:40"), 1.03850, 1.03400, 520.00),
    trade("AUDUSD.Z", Side::Sell, 2.0, "2025.02.10 09:05:10", Some("2025.02.10 17:12:56"), 0.62890, 0.63400, -300.00),
    trade("GBPUSD.Z", Side::Buy, 3.0, "2025.02.11 09:40:21", Some("2025.02.11 10:20:47"), 1.24380, 1.23400, -2_900.00),
    trade("XAUUSD.Z", Side::Sell, 1.0, "2025.02.11 13:00:02", Some("2025.02.11 15:45:18"), 2_897.10, 2_922.00, -2_450.00),
    trade("EURUSD.Z", Side::Sell, 1.0, "2025.02.12 11:30:00", Some("2025.02.12 16:10:05"), 1.04150, 1.04700, 600.00),
    trade("GBPUSD.Z", Side::Buy, 1.0, "2025.02.14 10:00:00", None, 1.24900, 1.24200, -180.00),
];

#[allow(clippy::too_many_arguments)]
const fn trade(
    symbol: &'static str,
    side: Side,
    lots: f64,
    open: &'static str,
    close: Option<&'static str>,
    open_price: f64,
    stop_loss: f64,
    profit: f64,
) -> Trade {
    Trade {
        symbol,
        side,
        lots,
        open,
        close,
        open_price,
        stop_loss,
        profit,
    }
}

const DEPOSIT_TIME: &str = "2025.02.03 09:00:00";
const REPORT_TIME: &str = "2025.02.14 18:00:00";

fn server_ms(text: &str) -> TimeMs {
    let local = NaiveDateTime::parse_from_str(text, "%Y.%m.%d %H:%M:%S").unwrap_or_default();
    ServerClock::NewYorkPlus7.to_utc_ms(local).unwrap_or(0)
}

fn symbol(text: &str) -> Symbol {
    ShortText::truncated(text)
}

/// Units of the base currency (or ounces) in one lot.
fn contract_size(symbol: &str) -> f64 {
    if symbol.starts_with("XAU") {
        100.0
    } else {
        100_000.0
    }
}

/// Computes the close (or market) price that gives `trade.profit` on a USD-quoted symbol.
fn close_price(trade: &Trade) -> f64 {
    let direction = match trade.side {
        Side::Buy => 1.0,
        Side::Sell => -1.0,
    };
    let digits = if trade.symbol.starts_with("XAU") {
        100.0
    } else {
        100_000.0
    };
    let move_by = trade.profit / (contract_size(trade.symbol) * trade.lots) * direction;
    ((trade.open_price + move_by) * digits).round() / digits
}

/// Builds the sample account as an import, with a Results section from [`stats`].
pub fn sample_import() -> Import {
    let mut deals = vec![deal_row(Deal {
        time_ms: server_ms(DEPOSIT_TIME),
        ticket: 0,
        position_id: 0,
        order: 0,
        symbol: ShortText::EMPTY,
        deal_type: DealType::Balance,
        entry: DealEntry::In,
        volume: 0.0,
        price: 0.0,
        profit: SAMPLE_INITIAL_BALANCE,
        commission: 0.0,
        swap: 0.0,
        fee: 0.0,
        magic: 0,
        comment: ShortText::truncated("Initial deposit"),
    })];
    let mut positions = Vec::new();
    let mut open_positions = Vec::new();
    let mut orders = Vec::new();
    for (index, trade) in TRADES.iter().enumerate() {
        let id = 5_100_001 + index as u64 * 7;
        let commission = -COMMISSION_PER_LOT * trade.lots;
        let position = Position {
            id,
            symbol: symbol(trade.symbol),
            side: trade.side,
            volume: trade.lots,
            open_time_ms: server_ms(trade.open),
            open_price: trade.open_price,
            stop_loss: Some(trade.stop_loss),
            take_profit: None,
            close_time_ms: trade.close.map(server_ms),
            close_price: Some(close_price(trade)),
            commission: if trade.close.is_some() {
                commission * 2.0
            } else {
                commission
            },
            swap: 0.0,
            profit: trade.profit,
            comment: String::new(),
        };
        deals.push(deal_row(opening_deal(&position, commission)));
        orders.push(order(&position, id, position.open_time_ms, trade.side));
        if let Some(close_time_ms) = position.close_time_ms {
            let closing_side = opposite(trade.side);
            deals.push(deal_row(closing_deal(&position, commission, close_time_ms)));
            orders.push(order(&position, id + 1, close_time_ms, closing_side));
            positions.push(position);
        } else {
            open_positions.push(position);
        }
    }
    deals.sort_by_key(|row| row.deal.time_ms);
    number_deals_and_balances(&mut deals);
    orders.sort_by_key(|order| order.open_time_ms);
    let balance = deals.last().and_then(|row| row.balance).unwrap_or(0.0);
    let floating: f64 = open_positions.iter().map(|p| p.profit + p.swap).sum();
    let mut import = Import {
        source: "sample".to_owned(),
        format: Format::Mt5ReportCsv,
        header: Some(AccountHeader {
            name: "Sample Trader".to_owned(),
            account: "5000001 (USD, Sample-Server, FTMO Challenge, Hedge)".to_owned(),
            company: "Sample Prop Firm".to_owned(),
            report_time_ms: Some(server_ms(REPORT_TIME)),
        }),
        positions,
        orders,
        deals,
        open_positions,
        balance: Some(BalanceBlock {
            balance: Some(balance),
            credit: Some(0.0),
            floating: Some(round_cents(floating)),
            equity: Some(round_cents(balance + floating)),
            free_margin: Some(round_cents(balance + floating - 2_500.0)),
            margin: Some(2_500.0),
            margin_level: Some(round_cents((balance + floating) * 100.0 / 2_500.0)),
        }),
        results: None,
    };
    import.results = Some(results_of(&import));
    import
}

fn deal_row(deal: Deal) -> DealRow {
    DealRow {
        deal,
        balance: None,
    }
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

fn deal_type(side: Side) -> DealType {
    match side {
        Side::Buy => DealType::Buy,
        Side::Sell => DealType::Sell,
    }
}

fn opening_deal(position: &Position, commission: f64) -> Deal {
    Deal {
        time_ms: position.open_time_ms,
        ticket: 0,
        position_id: position.id,
        order: position.id,
        symbol: position.symbol,
        deal_type: deal_type(position.side),
        entry: DealEntry::In,
        volume: position.volume,
        price: position.open_price,
        profit: 0.0,
        commission,
        swap: 0.0,
        fee: 0.0,
        magic: 0,
        comment: ShortText::EMPTY,
    }
}

fn closing_deal(position: &Position, commission: f64, time_ms: TimeMs) -> Deal {
    let stopped = position.profit < -2_000.0;
    Deal {
        time_ms,
        order: position.id + 1,
        deal_type: deal_type(opposite(position.side)),
        entry: DealEntry::Out,
        price: position.close_price.unwrap_or(position.open_price),
        profit: position.profit,
        comment: if stopped {
            ShortText::truncated(&format!("[sl {}]", position.close_price.unwrap_or(0.0)))
        } else {
            ShortText::EMPTY
        },
        commission,
        ..opening_deal(position, commission)
    }
}

fn order(position: &Position, ticket: u64, time_ms: TimeMs, side: Side) -> Order {
    Order {
        open_time_ms: time_ms - 1_000,
        ticket,
        symbol: position.symbol,
        order_type: match side {
            Side::Buy => "buy".to_owned(),
            Side::Sell => "sell".to_owned(),
        },
        volume_initial: position.volume,
        volume_filled: position.volume,
        price: None,
        stop_loss: (ticket == position.id)
            .then_some(position.stop_loss)
            .flatten(),
        take_profit: None,
        done_time_ms: time_ms,
        state: "filled".to_owned(),
        comment: String::new(),
    }
}

fn number_deals_and_balances(deals: &mut [DealRow]) {
    let mut balance = 0.0;
    for (index, row) in deals.iter_mut().enumerate() {
        row.deal.ticket = 9_200_001 + index as u64 * 3;
        balance = round_cents(balance + row.deal.balance_change());
        row.balance = Some(balance);
    }
}

/// Builds the Results entries MT5 would write for the sample, from [`stats::compute`].
fn results_of(import: &Import) -> Mt5Results {
    let deals: Vec<Deal> = import.deals.iter().map(|row| row.deal).collect();
    // The deals start with the initial deposit, so the balance before them is 0.
    let figures = stats::compute(&deals, 0.0);
    let ratio = |value: Option<f64>| format!("{:.6}", value.unwrap_or(0.0));
    let money = |value: f64| format!("{value:.2}");
    let share = |count: usize| {
        let pct = if figures.trades > 0 {
            count as f64 * 100.0 / figures.trades as f64
        } else {
            0.0
        };
        format!("{count} ({pct:.2}%)")
    };
    let entries = vec![
        ("Total Net Profit", money(figures.net_profit)),
        ("Gross Profit", money(figures.gross_profit)),
        ("Gross Loss", money(figures.gross_loss)),
        ("Profit Factor", ratio(figures.profit_factor)),
        ("Expected Payoff", ratio(Some(figures.expected_payoff))),
        ("Recovery Factor", ratio(figures.recovery_factor)),
        ("Sharpe Ratio", ratio(Some(figures.sharpe_ratio))),
        (
            "Balance Drawdown Absolute",
            money(figures.absolute_balance_drawdown),
        ),
        (
            "Balance Drawdown Maximal",
            format!(
                "{} ({:.2}%)",
                money(figures.max_balance_drawdown),
                figures.max_balance_drawdown_pct
            ),
        ),
        (
            "Balance Drawdown Relative",
            format!("{:.2}%", figures.relative_balance_drawdown_pct),
        ),
        ("Total Trades", figures.trades.to_string()),
        ("Profit Trades (% of total)", share(figures.wins)),
        ("Loss Trades (% of total)", share(figures.losses)),
        ("Largest profit trade", money(figures.largest_win)),
        ("Largest loss trade", money(figures.largest_loss)),
    ];
    Mt5Results {
        entries: entries
            .into_iter()
            .map(|(label, value)| (label.to_owned(), value))
            .collect(),
        ..Mt5Results::default()
    }
}

/// Renders the sample report as CSV, exactly as bundled in `examples/host/sample-report.csv`.
pub fn sample_report_csv() -> String {
    crate::import::write_mt5_csv(&sample_import(), ServerClock::NewYorkPlus7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{import_bytes, ImportOptions};

    /// Compares the bundled file with the generator's output. With
    /// `MIKROBOT_WRITE_SAMPLE=1` set it writes the file first, which is how the
    /// bundled sample is regenerated after a change to this module.
    #[test]
    fn bundled_sample_matches_generator() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/host/sample-report.csv"
        );
        if std::env::var_os("MIKROBOT_WRITE_SAMPLE").is_some() {
            std::fs::write(path, sample_report_csv()).unwrap();
        }
        let bundled = std::fs::read_to_string(path).unwrap();
        assert!(
            bundled == sample_report_csv(),
            "examples/host/sample-report.csv differs from the generator; regenerate it with \
             `MIKROBOT_WRITE_SAMPLE=1 cargo test --lib bundled_sample`"
        );
    }

    #[test]
    fn sample_imports_back() {
        let text = sample_report_csv();
        let import =
            import_bytes("sample.csv", text.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(import.positions.len(), 10);
        assert_eq!(import.open_positions.len(), 1);
        assert_eq!(import.deals.len(), 22);
        assert_eq!(
            import.inferred_initial_balance(),
            Some(SAMPLE_INITIAL_BALANCE)
        );
        let unmatched = import
            .deals
            .iter()
            .filter(|row| row.deal.deal_type.is_trade() && row.deal.position_id == 0)
            .count();
        assert_eq!(unmatched, 0);
    }

    #[test]
    fn sample_close_prices_give_profit() {
        for trade in &TRADES {
            let direction = if trade.side == Side::Buy { 1.0 } else { -1.0 };
            let profit = (close_price(trade) - trade.open_price)
                * direction
                * contract_size(trade.symbol)
                * trade.lots;
            assert!(
                (profit - trade.profit).abs() <= 1.5,
                "{} {profit}",
                trade.symbol
            );
        }
    }
}
