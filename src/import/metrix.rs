//! The FTMO MetriX "Trading Journal" CSV: one closed trade a line, newest first,
//! semicolon separated, with `Price` twice in the header (open price, then close
//! price). It has no balance column and no deal tickets.

use super::error::ImportError;
use super::fields::{optional, required, ColumnSpec, Columns, Fields};
use super::sheet::{Row, Sheet};
use super::{DealRow, Format, Import, ImportOptions, Position};
use crate::account::{Deal, DealEntry, DealType, ShortText, Side};

const COLUMNS: [ColumnSpec; 13] = [
    required("Ticket", 0),
    required("Open", 0),
    required("Type", 0),
    required("Volume", 0),
    required("Symbol", 0),
    required("Price", 0),
    optional("SL", 0),
    optional("TP", 0),
    required("Close", 0),
    required("Price", 1),
    required("Swap", 0),
    required("Commissions", 0),
    required("Profit", 0),
];

/// Checks whether a first row looks like the journal's header.
pub fn is_journal_header(row: Option<&Row>) -> bool {
    let Some(row) = row else {
        return false;
    };
    let has = |name: &str| row.cells.iter().any(|cell| cell.eq_ignore_ascii_case(name));
    has("Ticket") && has("Open") && has("Close") && has("Commissions")
}

/// Parses the journal into positions and an opening and a closing deal each.
///
/// Deals are numbered 1, 2, ... in time order, because the journal has none. The
/// journal states only each trade's total commission, so half is charged on the
/// opening deal and half on the closing deal, as MT5 brokers that charge per
/// side do.
///
/// # Errors
///
/// An [`ImportError`] for a header without a required column or a cell that is
/// not what its column needs.
pub fn parse(sheet: &Sheet, options: &ImportOptions) -> Result<Import, ImportError> {
    let Some(header) = sheet.rows.first() else {
        return Err(sheet.row_error(1, "the journal is empty"));
    };
    let columns = Columns::find(sheet, header, "journal", &COLUMNS)?;
    let mut positions = Vec::new();
    for row in sheet.rows.iter().skip(1).filter(|row| !row.is_blank()) {
        let fields = Fields {
            sheet,
            row,
            columns: &columns,
            clock: options.server_clock,
        };
        positions.push(position(sheet, &fields, &columns)?);
    }
    positions.sort_by_key(|position| (position.open_time_ms, position.id));
    let deals = deals_of(&positions);
    Ok(Import {
        source: sheet.source.clone(),
        format: Format::MetrixJournal,
        header: None,
        positions,
        orders: Vec::new(),
        deals,
        open_positions: Vec::new(),
        balance: None,
        results: None,
    })
}

fn position(
    sheet: &Sheet,
    fields: &Fields<'_>,
    columns: &Columns,
) -> Result<Position, ImportError> {
    let side = match fields.text(2).to_ascii_lowercase().as_str() {
        "buy" => Side::Buy,
        "sell" => Side::Sell,
        other => {
            return Err(sheet.error_at(
                fields.row.number,
                columns.index(2).unwrap_or(0),
                format!("expected buy or sell in column Type, found {other:?}"),
            ))
        }
    };
    Ok(Position {
        id: fields.id(0)?,
        symbol: fields.symbol(4)?,
        side,
        volume: fields.number(3)?,
        open_time_ms: fields.time(1)?,
        open_price: fields.number(5)?,
        stop_loss: fields.level(6)?,
        take_profit: fields.level(7)?,
        close_time_ms: Some(fields.time(8)?),
        close_price: Some(fields.number(9)?),
        commission: fields.number(11)?,
        swap: fields.number(10)?,
        profit: fields.number(12)?,
        comment: String::new(),
    })
}

fn deals_of(positions: &[Position]) -> Vec<DealRow> {
    let mut deals = Vec::with_capacity(positions.len() * 2);
    for position in positions {
        let (open_type, close_type) = match position.side {
            Side::Buy => (DealType::Buy, DealType::Sell),
            Side::Sell => (DealType::Sell, DealType::Buy),
        };
        // NOTE: the journal does not say when the commission was charged, so the
        // split between the open and the close is an assumption.
        let half_commission = position.commission / 2.0;
        let base = Deal {
            time_ms: position.open_time_ms,
            ticket: 0,
            position_id: position.id,
            order: position.id,
            symbol: position.symbol,
            deal_type: open_type,
            entry: DealEntry::In,
            volume: position.volume,
            price: position.open_price,
            profit: 0.0,
            commission: half_commission,
            swap: 0.0,
            fee: 0.0,
            magic: 0,
            comment: ShortText::EMPTY,
        };
        let close = Deal {
            time_ms: position.close_time_ms.unwrap_or(position.open_time_ms),
            deal_type: close_type,
            entry: DealEntry::Out,
            price: position.close_price.unwrap_or(position.open_price),
            profit: position.profit,
            commission: position.commission - half_commission,
            swap: position.swap,
            ..base
        };
        deals.push(DealRow {
            deal: base,
            balance: None,
        });
        deals.push(DealRow {
            deal: close,
            balance: None,
        });
    }
    deals.sort_by_key(|row| (row.deal.time_ms, row.deal.entry != DealEntry::In));
    for (index, row) in deals.iter_mut().enumerate() {
        row.deal.ticket = index as u64 + 1;
    }
    deals
}
