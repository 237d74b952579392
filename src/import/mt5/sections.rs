//! Row parsers for the Positions, Orders and Deals sections.

use super::Section;
use crate::account::{Deal, DealEntry, DealType, ShortText, Side, Symbol, TimeMs};
use crate::import::error::ImportError;
use crate::import::fields::{optional, required, ColumnSpec, Columns, Fields};
use crate::import::sheet::{parse_number, Sheet};
use crate::import::{DealRow, Order, Position};
use crate::time::ServerClock;
use std::collections::HashMap;

fn columns(
    sheet: &Sheet,
    section: &Section<'_>,
    specs: &[ColumnSpec],
) -> Result<Option<Columns>, ImportError> {
    match section.header {
        Some(header) => Columns::find(sheet, header, section.title, specs).map(Some),
        None => Ok(None),
    }
}

/// Parses `buy` or `sell` (MT5 also writes `buy limit`, `sell stop` for orders).
fn parse_side(text: &str) -> Option<Side> {
    let lower = text.trim().to_ascii_lowercase();
    if lower.starts_with("buy") {
        Some(Side::Buy)
    } else if lower.starts_with("sell") {
        Some(Side::Sell)
    } else {
        None
    }
}

const POSITION_COLUMNS: [ColumnSpec; 13] = [
    required("Time", 0),
    required("Position", 0),
    required("Symbol", 0),
    required("Type", 0),
    required("Volume", 0),
    required("Price", 0),
    optional("S / L", 0),
    optional("T / P", 0),
    required("Time", 1),
    required("Price", 1),
    optional("Commission", 0),
    required("Swap", 0),
    required("Profit", 0),
];

const OPEN_POSITION_COLUMNS: [ColumnSpec; 12] = [
    required("Time", 0),
    required("Position", 0),
    required("Symbol", 0),
    required("Type", 0),
    required("Volume", 0),
    required("Price", 0),
    optional("S / L", 0),
    optional("T / P", 0),
    required("Market Price", 0),
    required("Swap", 0),
    required("Profit", 0),
    optional("Comment", 0),
];

/// Parses the closed positions (`open == false`) or the open positions.
pub(super) fn positions(
    sheet: &Sheet,
    section: &Section<'_>,
    clock: ServerClock,
    open: bool,
) -> Result<Vec<Position>, ImportError> {
    let specs: &[ColumnSpec] = if open {
        &OPEN_POSITION_COLUMNS
    } else {
        &POSITION_COLUMNS
    };
    let Some(columns) = columns(sheet, section, specs)? else {
        return Ok(Vec::new());
    };
    let mut positions = Vec::with_capacity(section.data.len());
    for row in section.data {
        let fields = Fields {
            sheet,
            row,
            columns: &columns,
            clock,
        };
        let side = parse_side(fields.text(3)).ok_or_else(|| {
            sheet.error_at(
                row.number,
                columns.index(3).unwrap_or(0),
                format!(
                    "expected buy or sell in column Type, found {:?}",
                    fields.text(3)
                ),
            )
        })?;
        let (close_time_ms, close_price, commission, swap, profit, comment) = if open {
            (
                None,
                Some(fields.number(8)?),
                0.0,
                fields.number_or_zero(9)?,
                fields.number(10)?,
                fields.text(11).to_owned(),
            )
        } else {
            (
                Some(fields.time(8)?),
                Some(fields.number(9)?),
                fields.number_or_zero(10)?,
                fields.number_or_zero(11)?,
                fields.number(12)?,
                String::new(),
            )
        };
        positions.push(Position {
            id: fields.id(1)?,
            symbol: fields.symbol(2)?,
            side,
            volume: fields.number(4)?,
            open_time_ms: fields.time(0)?,
            open_price: fields.number(5)?,
            stop_loss: fields.level(6)?,
            take_profit: fields.level(7)?,
            close_time_ms,
            close_price,
            commission,
            swap,
            profit,
            comment,
        });
    }
    Ok(positions)
}

const ORDER_COLUMNS: [ColumnSpec; 11] = [
    required("Open Time", 0),
    required("Order", 0),
    required("Symbol", 0),
    required("Type", 0),
    required("Volume", 0),
    required("Price", 0),
    optional("S / L", 0),
    optional("T / P", 0),
    required("Time", 0),
    required("State", 0),
    optional("Comment", 0),
];

/// Parses the Orders section.
pub(super) fn orders(
    sheet: &Sheet,
    section: &Section<'_>,
    clock: ServerClock,
) -> Result<Vec<Order>, ImportError> {
    let Some(columns) = columns(sheet, section, &ORDER_COLUMNS)? else {
        return Ok(Vec::new());
    };
    let mut orders = Vec::with_capacity(section.data.len());
    for row in section.data {
        let fields = Fields {
            sheet,
            row,
            columns: &columns,
            clock,
        };
        let (volume_initial, volume_filled) =
            parse_volume_pair(fields.text(4)).ok_or_else(|| {
                sheet.error_at(
                    row.number,
                    columns.index(4).unwrap_or(0),
                    format!(
                    "expected a volume or a pair such as 0.1 / 0.1 in column Volume, found {:?}",
                    fields.text(4)
                ),
                )
            })?;
        let price = if fields.text(5).eq_ignore_ascii_case("market") {
            None
        } else {
            fields.optional_number(5)?
        };
        orders.push(Order {
            open_time_ms: fields.time(0)?,
            ticket: fields.id(1)?,
            symbol: fields.symbol(2)?,
            order_type: fields.text(3).to_owned(),
            volume_initial,
            volume_filled,
            price,
            stop_loss: fields.level(6)?,
            take_profit: fields.level(7)?,
            done_time_ms: fields.time(8)?,
            state: fields.text(9).to_owned(),
            comment: fields.text(10).to_owned(),
        });
    }
    Ok(orders)
}

/// Parses `0.1 / 0.1` (initial / filled) or a single volume.
fn parse_volume_pair(text: &str) -> Option<(f64, f64)> {
    match text.split_once('/') {
        Some((initial, filled)) => Some((parse_number(initial)?, parse_number(filled)?)),
        None => {
            let volume = parse_number(text)?;
            Some((volume, volume))
        }
    }
}

const DEAL_COLUMNS: [ColumnSpec; 14] = [
    required("Time", 0),
    required("Deal", 0),
    required("Symbol", 0),
    required("Type", 0),
    required("Direction", 0),
    required("Volume", 0),
    required("Price", 0),
    required("Order", 0),
    required("Commission", 0),
    optional("Fee", 0),
    required("Swap", 0),
    required("Profit", 0),
    required("Balance", 0),
    optional("Comment", 0),
];

/// Parses the Deals section, sorted by time (ties keep file order).
pub(super) fn deals(
    sheet: &Sheet,
    section: &Section<'_>,
    clock: ServerClock,
) -> Result<Vec<DealRow>, ImportError> {
    let Some(columns) = columns(sheet, section, &DEAL_COLUMNS)? else {
        return Ok(Vec::new());
    };
    let mut deals = Vec::with_capacity(section.data.len());
    for row in section.data {
        let fields = Fields {
            sheet,
            row,
            columns: &columns,
            clock,
        };
        deals.push(deal(sheet, &fields, &columns)?);
    }
    deals.sort_by_key(|row| row.deal.time_ms);
    Ok(deals)
}

fn deal(sheet: &Sheet, fields: &Fields<'_>, columns: &Columns) -> Result<DealRow, ImportError> {
    let row = fields.row;
    let deal_type = parse_deal_type(fields.text(3)).ok_or_else(|| {
        sheet.error_at(
            row.number,
            columns.index(3).unwrap_or(0),
            format!(
                "expected a deal type (buy, sell, balance, credit, commission, ...) in column \
                 Type, found {:?}",
                fields.text(3)
            ),
        )
    })?;
    let entry = match parse_entry(fields.text(4)) {
        Some(entry) => entry,
        None if !deal_type.is_trade() && fields.text(4).is_empty() => DealEntry::In,
        None => {
            return Err(sheet.error_at(
                row.number,
                columns.index(4).unwrap_or(0),
                format!(
                    "expected in, out, in/out or out by in column Direction, found {:?}",
                    fields.text(4)
                ),
            ))
        }
    };
    let order = if fields.text(7).is_empty() {
        0
    } else {
        fields.id(7)?
    };
    let deal = Deal {
        time_ms: fields.time(0)?,
        ticket: fields.id(1)?,
        position_id: if entry == DealEntry::In { order } else { 0 },
        order,
        symbol: fields.symbol(2)?,
        deal_type,
        entry,
        volume: fields.number_or_zero(5)?,
        price: fields.number_or_zero(6)?,
        profit: fields.number(11)?,
        commission: fields.number_or_zero(8)?,
        swap: fields.number_or_zero(10)?,
        fee: fields.number_or_zero(9)?,
        magic: 0,
        comment: ShortText::truncated(fields.text(13)),
    };
    Ok(DealRow {
        deal,
        balance: Some(fields.number(12)?),
    })
}

/// Parses a deal type as the report writes it.
pub(crate) fn parse_deal_type(text: &str) -> Option<DealType> {
    let lower = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
    let deal_type = match lower.as_str() {
        "buy" => DealType::Buy,
        "sell" => DealType::Sell,
        "balance" => DealType::Balance,
        "credit" => DealType::Credit,
        "charge" | "additional charge" => DealType::Charge,
        "correction" => DealType::Correction,
        "bonus" => DealType::Bonus,
        "commission" => DealType::Commission,
        "daily commission" | "commission daily" => DealType::CommissionDaily,
        "monthly commission" | "commission monthly" => DealType::CommissionMonthly,
        "daily agent commission" | "agent commission daily" => DealType::CommissionAgentDaily,
        "monthly agent commission" | "agent commission monthly" => DealType::CommissionAgentMonthly,
        "interest rate" | "interest" => DealType::InterestRate,
        "canceled buy" | "buy canceled" => DealType::BuyCanceled,
        "canceled sell" | "sell canceled" => DealType::SellCanceled,
        "dividend" => DealType::Dividend,
        "franked dividend" | "dividend franked" => DealType::DividendFranked,
        "tax" => DealType::Tax,
        _ => return None,
    };
    Some(deal_type)
}

/// Writes a deal type the way the report does.
pub(crate) fn deal_type_text(deal_type: DealType) -> &'static str {
    match deal_type {
        DealType::Buy => "buy",
        DealType::Sell => "sell",
        DealType::Balance => "balance",
        DealType::Credit => "credit",
        DealType::Charge => "charge",
        DealType::Correction => "correction",
        DealType::Bonus => "bonus",
        DealType::Commission => "commission",
        DealType::CommissionDaily => "daily commission",
        DealType::CommissionMonthly => "monthly commission",
        DealType::CommissionAgentDaily => "daily agent commission",
        DealType::CommissionAgentMonthly => "monthly agent commission",
        DealType::InterestRate => "interest rate",
        DealType::BuyCanceled => "canceled buy",
        DealType::SellCanceled => "canceled sell",
        DealType::Dividend => "dividend",
        DealType::DividendFranked => "franked dividend",
        DealType::Tax => "tax",
    }
}

fn parse_entry(text: &str) -> Option<DealEntry> {
    let squeezed: String = text
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    match squeezed.as_str() {
        "in" => Some(DealEntry::In),
        "out" => Some(DealEntry::Out),
        "inout" => Some(DealEntry::InOut),
        "outby" => Some(DealEntry::OutBy),
        _ => None,
    }
}

/// Writes a deal entry the way the report does.
pub(crate) fn entry_text(entry: DealEntry) -> &'static str {
    match entry {
        DealEntry::In => "in",
        DealEntry::Out => "out",
        DealEntry::InOut => "in/out",
        DealEntry::OutBy => "out by",
    }
}

/// Sets the position id of each closing deal. The report's Deals section has no
/// position column, so an opening deal's position is its order, because MT5
/// numbers a position after the order that opened it. A closing deal belongs to
/// the position with the same symbol and volume that closed at the deal's time. A
/// partial close, whose volume and time match no position row, goes to the
/// position on the same symbol that was open at the deal's time.
pub(super) fn assign_positions(deals: &mut [DealRow], closed: &[Position], open: &[Position]) {
    let mut by_close: HashMap<(Symbol, TimeMs), Vec<usize>> = HashMap::new();
    for (index, position) in closed.iter().enumerate() {
        if let Some(close) = position.close_time_ms {
            by_close
                .entry((position.symbol, close))
                .or_default()
                .push(index);
        }
    }
    let mut taken = vec![false; closed.len()];
    for row in deals.iter_mut() {
        let deal = &mut row.deal;
        if !deal.deal_type.is_trade() || deal.entry == DealEntry::In {
            continue;
        }
        let candidates = by_close
            .get(&(deal.symbol, deal.time_ms))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let exact = candidates
            .iter()
            .copied()
            .find(|index| !taken[*index] && (closed[*index].volume - deal.volume).abs() < 1e-9);
        if let Some(index) = exact {
            taken[index] = true;
            deal.position_id = closed[index].id;
            continue;
        }
        let open_at_deal = |position: &&Position| {
            position.symbol == deal.symbol
                && position.open_time_ms <= deal.time_ms
                && position
                    .close_time_ms
                    .is_none_or(|close| close >= deal.time_ms)
        };
        // NOTE: with several positions open on the symbol at the time of a partial
        // close, the first one listed is taken, because the report cannot tell them apart.
        if let Some(position) = closed.iter().chain(open).find(open_at_deal) {
            deal.position_id = position.id;
        }
    }
}
