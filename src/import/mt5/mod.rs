//! The MT5 "Trade History Report": one sheet with a header (Name, Account,
//! Company, Date), then the sections `Positions`, `Orders`, `Deals`,
//! `Open Positions`, a balance block and `Results`. Each section starts with a
//! title row and a header row; its data rows start with a time in column A.

mod sections;
mod summary;
mod writer;

pub use writer::write_csv;

use super::error::ImportError;
use super::sheet::{Row, Sheet};
use super::{Format, Import, ImportOptions};

/// The first cell of every MT5 Trade History Report.
pub const REPORT_TITLE: &str = "Trade History Report";

/// Section titles, as MT5 writes them in column A.
const SECTION_TITLES: [&str; 6] = [
    "Positions",
    "Orders",
    "Working Orders",
    "Deals",
    "Open Positions",
    "Results",
];

/// Whether a first cell is the report title.
pub fn is_report_title(first_cell: &str) -> bool {
    first_cell.trim().eq_ignore_ascii_case(REPORT_TITLE)
}

/// One section: its title, header row and data rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Section<'a> {
    pub title: &'static str,
    pub title_row: usize,
    pub header: Option<&'a Row>,
    pub data: &'a [Row],
}

/// Parses a report sheet.
///
/// # Errors
///
/// An [`ImportError`] for a sheet without a Deals section, a header without a
/// required column, or a cell that is not what its column needs.
pub fn parse(
    sheet: &Sheet,
    format: Format,
    options: &ImportOptions,
) -> Result<Import, ImportError> {
    let sections = find_sections(sheet);
    let section = |title: &str| sections.iter().find(|section| section.title == title);
    let clock = options.server_clock;
    let Some(deals_section) = section("Deals") else {
        return Err(sheet.row_error(
            1,
            "the report has no Deals section; expected an MT5 Trade History Report with the \
             sections Positions, Orders, Deals, Open Positions and Results",
        ));
    };
    let positions = match section("Positions") {
        Some(found) => sections::positions(sheet, found, clock, false)?,
        None => Vec::new(),
    };
    let open_positions = match section("Open Positions") {
        Some(found) => sections::positions(sheet, found, clock, true)?,
        None => Vec::new(),
    };
    let orders = match section("Orders") {
        Some(found) => sections::orders(sheet, found, clock)?,
        None => Vec::new(),
    };
    let mut deals = sections::deals(sheet, deals_section, clock)?;
    sections::assign_positions(&mut deals, &positions, &open_positions);
    let labels = summary::labels(sheet, &sections);
    Ok(Import {
        source: sheet.source.clone(),
        format,
        header: Some(summary::header(sheet, &labels, clock)?),
        positions,
        orders,
        deals,
        open_positions,
        balance: summary::balance_block(sheet, &labels)?,
        results: summary::results(sheet, &labels)?,
    })
}

/// Finds every section: a row whose first cell is a section title and whose other
/// cells are empty, then its header (the next non-blank row) and its data rows
/// (until a row with an empty first cell, a label ending in `:`, or the next title).
fn find_sections(sheet: &Sheet) -> Vec<Section<'_>> {
    let rows = &sheet.rows;
    let title_at = |index: usize| -> Option<&'static str> {
        let row = &rows[index];
        let title = SECTION_TITLES
            .iter()
            .find(|title| row.first().eq_ignore_ascii_case(title))?;
        (row.filled().count() == 1).then_some(*title)
    };
    let mut sections = Vec::new();
    let mut index = 0;
    while index < rows.len() {
        let Some(title) = title_at(index) else {
            index += 1;
            continue;
        };
        let title_row = rows[index].number;
        let mut next = index + 1;
        while next < rows.len() && rows[next].is_blank() && title != "Results" {
            next += 1;
        }
        if title == "Results" || next >= rows.len() || title_at(next).is_some() {
            sections.push(Section {
                title,
                title_row,
                header: None,
                data: &[],
            });
            index = next.max(index + 1);
            continue;
        }
        let header = &rows[next];
        let start = next + 1;
        let mut end = start;
        while end < rows.len() && is_data_row(&rows[end]) && title_at(end).is_none() {
            end += 1;
        }
        sections.push(Section {
            title,
            title_row,
            header: Some(header),
            data: &rows[start..end],
        });
        index = end;
    }
    sections
}

fn is_data_row(row: &Row) -> bool {
    let first = row.first();
    !first.is_empty() && !first.ends_with(':')
}

#[cfg(test)]
mod tests;
