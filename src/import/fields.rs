//! Typed reads of sheet cells: numbers, ids, times and symbols, each failing with
//! the cell's place, the column name and what was expected.

use super::error::ImportError;
use super::sheet::{parse_number, Row, Sheet};
use crate::account::{ShortText, Symbol, TimeMs};
use crate::time::ServerClock;
use chrono::NaiveDateTime;

/// Column positions found in a header row, by name.
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<&'static str>,
    indices: Vec<Option<usize>>,
}

/// One column to find in a header: its name, which occurrence (0 for the first,
/// 1 for a repeated name such as the close `Price`), and whether it must exist.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub occurrence: usize,
    pub required: bool,
}

/// A required column.
pub const fn required(name: &'static str, occurrence: usize) -> ColumnSpec {
    ColumnSpec {
        name,
        occurrence,
        required: true,
    }
}

/// An optional column.
pub const fn optional(name: &'static str, occurrence: usize) -> ColumnSpec {
    ColumnSpec {
        name,
        occurrence,
        required: false,
    }
}

impl Columns {
    /// Finds `specs` in `header`, matching names without regard to case or spaces.
    ///
    /// # Errors
    ///
    /// An [`ImportError`] at the header row naming the first missing required
    /// column and listing the columns expected.
    pub fn find(
        sheet: &Sheet,
        header: &Row,
        section: &str,
        specs: &[ColumnSpec],
    ) -> Result<Columns, ImportError> {
        let mut indices = Vec::with_capacity(specs.len());
        for spec in specs {
            let found = header
                .cells
                .iter()
                .enumerate()
                .filter(|(_, cell)| same_name(cell, spec.name))
                .nth(spec.occurrence)
                .map(|(index, _)| index);
            if found.is_none() && spec.required {
                let expected: Vec<&str> = specs
                    .iter()
                    .filter(|spec| spec.required)
                    .map(|spec| spec.name)
                    .collect();
                let which = if spec.occurrence == 0 {
                    String::new()
                } else {
                    format!(" (occurrence {})", spec.occurrence + 1)
                };
                return Err(sheet.row_error(
                    header.number,
                    format!(
                        "the {section} header has no {:?} column{which}; expected the columns {}",
                        spec.name,
                        expected.join(", ")
                    ),
                ));
            }
            indices.push(found);
        }
        Ok(Columns {
            names: specs.iter().map(|spec| spec.name).collect(),
            indices,
        })
    }

    /// The column index of spec `slot` (its position in the specs given to
    /// [`Columns::find`]), `None` for an optional column that is absent.
    pub fn index(&self, slot: usize) -> Option<usize> {
        self.indices.get(slot).copied().flatten()
    }

    /// The column name of spec `slot`.
    pub fn name(&self, slot: usize) -> &'static str {
        self.names.get(slot).copied().unwrap_or("?")
    }
}

fn same_name(cell: &str, name: &str) -> bool {
    let squeeze = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    squeeze(cell) == squeeze(name)
}

/// Reads the cells of one data row through its section's columns.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub sheet: &'a Sheet,
    pub row: &'a Row,
    pub columns: &'a Columns,
    pub clock: ServerClock,
}

impl Fields<'_> {
    /// The trimmed text of `slot`, "" when the column is absent.
    pub fn text(&self, slot: usize) -> &str {
        self.columns
            .index(slot)
            .map(|column| self.row.cell(column))
            .unwrap_or("")
    }

    fn error(&self, slot: usize, expected: &str) -> ImportError {
        let column = self.columns.index(slot).unwrap_or(0);
        self.sheet.error_at(
            self.row.number,
            column,
            format!(
                "expected {expected} in column {}, found {:?}",
                self.columns.name(slot),
                self.text(slot)
            ),
        )
    }

    /// A number, which must be present.
    pub fn number(&self, slot: usize) -> Result<f64, ImportError> {
        parse_number(self.text(slot)).ok_or_else(|| self.error(slot, "a number"))
    }

    /// A number, or `None` for an empty cell.
    pub fn optional_number(&self, slot: usize) -> Result<Option<f64>, ImportError> {
        if self.text(slot).is_empty() {
            return Ok(None);
        }
        self.number(slot).map(Some)
    }

    /// A number, or zero for an empty cell.
    pub fn number_or_zero(&self, slot: usize) -> Result<f64, ImportError> {
        Ok(self.optional_number(slot)?.unwrap_or(0.0))
    }

    /// A price or level where 0 or an empty cell means "not set".
    pub fn level(&self, slot: usize) -> Result<Option<f64>, ImportError> {
        Ok(self.optional_number(slot)?.filter(|value| *value != 0.0))
    }

    /// A ticket or id: a whole non-negative number.
    pub fn id(&self, slot: usize) -> Result<u64, ImportError> {
        let value = parse_number(self.text(slot))
            .filter(|value| *value >= 0.0 && value.fract() == 0.0 && *value < 1.8e19)
            .ok_or_else(|| self.error(slot, "a ticket number (a whole number)"))?;
        Ok(value as u64)
    }

    /// A broker time converted to UTC milliseconds.
    pub fn time(&self, slot: usize) -> Result<TimeMs, ImportError> {
        let text = self.text(slot);
        let local = parse_broker_time(text)
            .ok_or_else(|| self.error(slot, "a time such as 2025.04.15 17:11:31"))?;
        self.clock.to_utc_ms(local).map_err(|error| {
            let column = self.columns.index(slot).unwrap_or(0);
            self.sheet.error_at(
                self.row.number,
                column,
                format!(
                    "the time {text:?} cannot be converted with server clock {}: {error}",
                    self.clock
                ),
            )
        })
    }

    /// A symbol, kept as the broker spells it.
    pub fn symbol(&self, slot: usize) -> Result<Symbol, ImportError> {
        ShortText::new(self.text(slot))
            .map_err(|_| self.error(slot, "a symbol of at most 32 bytes"))
    }
}

/// Parses a broker time as MT5 writes it (`2025.04.15 17:11:31`), or as a
/// spreadsheet or MetriX writes it (`2025-04-15 17:11:31`), seconds optional.
pub fn parse_broker_time(text: &str) -> Option<NaiveDateTime> {
    const FORMATS: [&str; 6] = [
        "%Y.%m.%d %H:%M:%S",
        "%Y.%m.%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ];
    let text = text.trim();
    FORMATS
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_time_forms() {
        let expected = parse_broker_time("2025.04.15 17:11:31").unwrap();
        assert_eq!(parse_broker_time("2025-04-15 17:11:31"), Some(expected));
        assert_eq!(parse_broker_time(" 2025.04.15 17:11:31 "), Some(expected));
        assert!(parse_broker_time("2025.05.15 18:14").is_some());
        assert!(parse_broker_time("15/04/2025").is_none());
    }

    #[test]
    fn header_names_ignore_case_and_spaces() {
        assert!(same_name("S / L", "s/l"));
        assert!(same_name(
            "Trade duration in seconds",
            "Trade Duration In Seconds"
        ));
        assert!(!same_name("Price", "Profit"));
    }
}
