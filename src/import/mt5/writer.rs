//! Writes an [`Import`] as an MT5 Trade History Report sheet saved as CSV: the
//! same rows and cells, in the same columns, as the terminal's xlsx report.

use super::sections::{deal_type_text, entry_text};
use super::REPORT_TITLE;
use crate::account::{Side, TimeMs};
use crate::import::{Import, Position};
use crate::time::ServerClock;

/// Columns A to O, the width of the terminal's report.
const WIDTH: usize = 15;

/// Renders the report sheet as comma-separated CSV, times in the server clock.
pub fn write_csv(import: &Import, clock: ServerClock) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let time = |time_ms: TimeMs| server_time(clock, time_ms);
    rows.push(cells(&[(0, REPORT_TITLE.to_owned())]));
    if let Some(header) = &import.header {
        rows.push(cells(&[(0, "Name:".into()), (3, header.name.clone())]));
        rows.push(cells(&[
            (0, "Account:".into()),
            (3, header.account.clone()),
        ]));
        rows.push(cells(&[
            (0, "Company:".into()),
            (3, header.company.clone()),
        ]));
        if let Some(report_time) = header.report_time_ms {
            let date = time(report_time);
            rows.push(cells(&[(0, "Date:".into()), (3, date[..16].to_owned())]));
        }
    }
    push_positions(&mut rows, &import.positions, &time);
    push_orders(&mut rows, import, &time);
    push_deals(&mut rows, import, &time);
    push_open_positions(&mut rows, &import.open_positions, &time);
    push_balance_block(&mut rows, import);
    push_results(&mut rows, import);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in &rows {
        // A Vec sink has no I/O errors, and every record is plain strings.
        let _ = writer.write_record(row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

fn server_time(clock: ServerClock, time_ms: TimeMs) -> String {
    match clock.to_local(time_ms) {
        Ok(local) => local.format("%Y.%m.%d %H:%M:%S").to_string(),
        Err(_) => String::new(),
    }
}

fn cells(values: &[(usize, String)]) -> Vec<String> {
    let mut row = vec![String::new(); WIDTH];
    for (column, value) in values {
        row[*column] = value.clone();
    }
    row
}

fn line(values: &[&str]) -> Vec<String> {
    let mut row: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
    row.resize(WIDTH, String::new());
    row
}

fn money(value: f64) -> String {
    format!("{value:.2}")
}

fn level(value: Option<f64>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn side(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

fn push_positions(
    rows: &mut Vec<Vec<String>>,
    positions: &[Position],
    time: &dyn Fn(TimeMs) -> String,
) {
    rows.push(line(&["Positions"]));
    rows.push(line(&[
        "Time",
        "Position",
        "Symbol",
        "Type",
        "Volume",
        "Price",
        "S / L",
        "T / P",
        "Time",
        "Price",
        "Commission",
        "Swap",
        "Profit",
    ]));
    for position in positions {
        rows.push(line(&[
            &time(position.open_time_ms),
            &position.id.to_string(),
            position.symbol.as_str(),
            side(position.side),
            &position.volume.to_string(),
            &position.open_price.to_string(),
            &level(position.stop_loss),
            &level(position.take_profit),
            &position.close_time_ms.map(time).unwrap_or_default(),
            &level(position.close_price),
            &money(position.commission),
            &money(position.swap),
            &money(position.profit),
        ]));
    }
}

fn push_orders(rows: &mut Vec<Vec<String>>, import: &Import, time: &dyn Fn(TimeMs) -> String) {
    rows.push(line(&["Orders"]));
    rows.push(line(&[
        "Open Time",
        "Order",
        "Symbol",
        "Type",
        "Volume",
        "Price",
        "S / L",
        "T / P",
        "Time",
        "State",
        "",
        "Comment",
    ]));
    for order in &import.orders {
        let price = order
            .price
            .map(|price| price.to_string())
            .unwrap_or_else(|| "market".to_owned());
        rows.push(line(&[
            &time(order.open_time_ms),
            &order.ticket.to_string(),
            order.symbol.as_str(),
            &order.order_type,
            &format!("{} / {}", order.volume_initial, order.volume_filled),
            &price,
            &level(order.stop_loss),
            &level(order.take_profit),
            &time(order.done_time_ms),
            &order.state,
            "",
            &order.comment,
        ]));
    }
}

fn push_deals(rows: &mut Vec<Vec<String>>, import: &Import, time: &dyn Fn(TimeMs) -> String) {
    rows.push(line(&["Deals"]));
    rows.push(line(&[
        "Time",
        "Deal",
        "Symbol",
        "Type",
        "Direction",
        "Volume",
        "Price",
        "Order",
        "Commission",
        "Fee",
        "Swap",
        "Profit",
        "Balance",
        "Comment",
    ]));
    let mut totals = [0.0_f64; 4];
    let mut last_balance = 0.0;
    for row in &import.deals {
        let deal = &row.deal;
        let trade = deal.deal_type.is_trade();
        let optional = |text: String| if trade { text } else { String::new() };
        let balance = row.balance.unwrap_or(last_balance);
        last_balance = balance;
        for (total, value) in
            totals
                .iter_mut()
                .zip([deal.commission, deal.fee, deal.swap, deal.profit])
        {
            *total += value;
        }
        rows.push(line(&[
            &time(deal.time_ms),
            &deal.ticket.to_string(),
            deal.symbol.as_str(),
            deal_type_text(deal.deal_type),
            &optional(entry_text(deal.entry).to_owned()),
            &optional(deal.volume.to_string()),
            &optional(deal.price.to_string()),
            &optional(deal.order.to_string()),
            &money(deal.commission),
            &money(deal.fee),
            &money(deal.swap),
            &money(deal.profit),
            &money(balance),
            deal.comment.as_str(),
        ]));
    }
    let mut total_row = vec![String::new(); 8];
    total_row.extend(totals.iter().map(|total| money(*total)));
    total_row.push(money(last_balance));
    total_row.resize(WIDTH, String::new());
    rows.push(total_row);
}

fn push_open_positions(
    rows: &mut Vec<Vec<String>>,
    positions: &[Position],
    time: &dyn Fn(TimeMs) -> String,
) {
    rows.push(line(&["Open Positions"]));
    rows.push(line(&[
        "Time",
        "Position",
        "Symbol",
        "Type",
        "Volume",
        "Price",
        "S / L",
        "T / P",
        "Market Price",
        "Swap",
        "",
        "Profit",
        "Comment",
    ]));
    for position in positions {
        rows.push(line(&[
            &time(position.open_time_ms),
            &position.id.to_string(),
            position.symbol.as_str(),
            side(position.side),
            &position.volume.to_string(),
            &position.open_price.to_string(),
            &level(position.stop_loss),
            &level(position.take_profit),
            &level(position.close_price),
            &money(position.swap),
            "",
            &money(position.profit),
            &position.comment,
        ]));
    }
    let swap: f64 = positions.iter().map(|position| position.swap).sum();
    let profit: f64 = positions.iter().map(|position| position.profit).sum();
    rows.push(cells(&[(10, money(swap)), (11, money(profit))]));
}

fn push_balance_block(rows: &mut Vec<Vec<String>>, import: &Import) {
    let Some(block) = import.balance else {
        return;
    };
    let value = |value: Option<f64>| value.map(money).unwrap_or_default();
    rows.push(cells(&[
        (0, "Balance:".into()),
        (3, value(block.balance)),
        (6, "Free Margin:".into()),
        (9, value(block.free_margin)),
    ]));
    rows.push(cells(&[
        (0, "Credit Facility:".into()),
        (3, value(block.credit)),
        (6, "Margin:".into()),
        (9, value(block.margin)),
    ]));
    rows.push(cells(&[
        (0, "Floating P/L:".into()),
        (3, value(block.floating)),
        (6, "Margin Level:".into()),
        (9, value(block.margin_level)),
    ]));
    rows.push(cells(&[(0, "Equity:".into()), (3, value(block.equity))]));
    rows.push(cells(&[]));
}

/// Writes the Results entries three to a row, label and value at columns A/D,
/// E/H and I/L as the terminal lays them out.
fn push_results(rows: &mut Vec<Vec<String>>, import: &Import) {
    let Some(results) = &import.results else {
        return;
    };
    rows.push(line(&["Results"]));
    for chunk in results.entries.chunks(3) {
        let mut values = Vec::new();
        for (slot, (label, value)) in chunk.iter().enumerate() {
            values.push((slot * 4, format!("{label}:")));
            values.push((slot * 4 + 3, value.clone()));
        }
        rows.push(cells(&values));
    }
}
