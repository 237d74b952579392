//! A sheet of text cells, read from an xlsx worksheet or a CSV file, with the
//! place of every cell kept for error messages.

use super::error::{ImportError, Place};
use encoding_rs::{Encoding, UTF_8};

/// Where the cells came from, which decides how a place is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    /// An xlsx worksheet: places are cells such as `M45`.
    Xlsx,
    /// A CSV file: places are lines and columns.
    Csv,
}

/// One row of cells and its 1-based number (the row of a worksheet, or the line
/// of a CSV file on which the record starts).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Row or line number, 1-based.
    pub number: usize,
    /// Cell texts, trimmed, from column A on.
    pub cells: Vec<String>,
}

impl Row {
    /// Returns the text of cell `column`, or "" past the end of the row.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }

    /// Returns the first cell's text.
    pub fn first(&self) -> &str {
        self.cell(0)
    }

    /// Checks whether every cell is empty.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|cell| cell.is_empty())
    }

    /// Iterates over the non-empty cells with their columns.
    pub fn filled(&self) -> impl Iterator<Item = (usize, &str)> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, cell)| !cell.is_empty())
            .map(|(column, cell)| (column, cell.as_str()))
    }
}

/// Rows of text cells from one file.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The file name or path, for messages.
    pub source: String,
    /// The kind of file the cells came from.
    pub kind: SheetKind,
    /// The rows in file order.
    pub rows: Vec<Row>,
}

impl Sheet {
    /// Names the place of a cell the way the file's format does.
    pub fn place(&self, row: usize, column: usize) -> Place {
        match self.kind {
            SheetKind::Xlsx => Place::Cell { row, column },
            SheetKind::Csv => Place::Field { line: row, column },
        }
    }

    /// Names the place of a whole row.
    pub fn row_place(&self, row: usize) -> Place {
        match self.kind {
            SheetKind::Xlsx => Place::Row(row),
            SheetKind::Csv => Place::Line(row),
        }
    }

    /// Builds an error at a cell.
    pub fn error_at(&self, row: usize, column: usize, message: impl Into<String>) -> ImportError {
        ImportError::new(&self.source, self.place(row, column), message)
    }

    /// Builds an error at a row.
    pub fn row_error(&self, row: usize, message: impl Into<String>) -> ImportError {
        ImportError::new(&self.source, self.row_place(row), message)
    }
}

/// Decodes a text file: UTF-8 or UTF-16 with a byte-order mark, otherwise UTF-8.
///
/// # Errors
///
/// An [`ImportError`] when the bytes are not valid in the detected encoding.
pub fn decode_text(source: &str, bytes: &[u8]) -> Result<String, ImportError> {
    let (encoding, bom_length) = Encoding::for_bom(bytes).unwrap_or((UTF_8, 0));
    let body = &bytes[bom_length..];
    let decoded = encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .ok_or_else(|| {
            ImportError::new(
                source,
                Place::File,
                format!(
                    "the file is not valid {}; save it as UTF-8 (or UTF-16 with a byte-order mark)",
                    encoding.name()
                ),
            )
        })?;
    Ok(decoded.into_owned())
}

/// Picks the CSV delimiter: the candidate (`,`, `;`, tab) that occurs most often
/// outside quotes in the first lines, comma on a tie.
pub fn detect_delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text.lines().take(20).collect();
    let mut best = (b',', 0usize);
    for candidate in [b',', b';', b'\t'] {
        let count: usize = sample
            .iter()
            .map(|line| count_unquoted(line, candidate))
            .sum();
        if count > best.1 {
            best = (candidate, count);
        }
    }
    best.0
}

fn count_unquoted(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut count = 0;
    for byte in line.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if byte == delimiter && !quoted {
            count += 1;
        }
    }
    count
}

/// Reads CSV text into a sheet, with a detected delimiter and rows of any length.
///
/// # Errors
///
/// An [`ImportError`] naming the line of a record the CSV reader rejects.
pub fn read_csv(source: &str, text: &str) -> Result<Sheet, ImportError> {
    let delimiter = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut lines = LineCounter::default();
    for record in reader.records() {
        let record = record.map_err(|error| {
            let line = error.position().map(|p| p.line() as usize).unwrap_or(0);
            ImportError::new(
                source,
                Place::Line(line),
                format!("invalid CSV record: {error}"),
            )
        })?;
        let start = record.position().map(|p| p.byte() as usize).unwrap_or(0);
        let number = lines.line_of(text, start);
        let cells = record.iter().map(|cell| cell.trim().to_owned()).collect();
        rows.push(Row { number, cells });
    }
    Ok(Sheet {
        source: source.to_owned(),
        kind: SheetKind::Csv,
        rows,
    })
}

/// Counts lines up to each record start, moving forward only, so numbering a
/// whole file stays linear in its length.
#[derive(Debug, Default)]
struct LineCounter {
    byte: usize,
    line: usize,
}

impl LineCounter {
    /// The 1-based line on which the record at byte `start` begins. The CSV
    /// reader places a record that follows blank lines at the first of them, so
    /// those are skipped.
    fn line_of(&mut self, text: &str, start: usize) -> usize {
        let bytes = text.as_bytes();
        let mut first = start.min(bytes.len());
        while first < bytes.len() && matches!(bytes[first], b'\r' | b'\n') {
            first += 1;
        }
        if first >= self.byte {
            self.line += bytes[self.byte..first]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.byte = first;
        }
        self.line + 1
    }
}

/// Parses a number as a report shows it: `-264.07`, `1 234.56` (space or
/// no-break space between thousands), `1,234.56`, or `264,07` (decimal comma).
/// Returns `None` for anything else, including NaN and infinities.
pub fn parse_number(text: &str) -> Option<f64> {
    let compact: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let normalised = match (compact.contains('.'), compact.contains(',')) {
        (true, true) => compact.replace(',', ""),
        (false, true) if compact.matches(',').count() == 1 => compact.replace(',', "."),
        (_, false) => compact,
        (false, true) => return None,
    };
    let plain = normalised
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !plain || normalised.is_empty() {
        return None;
    }
    normalised
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_number_accepts_report_forms() {
        assert_eq!(parse_number("-264.07"), Some(-264.07));
        assert_eq!(parse_number("1 234.56"), Some(1234.56));
        assert_eq!(parse_number("1\u{a0}234.56"), Some(1234.56));
        assert_eq!(parse_number("1,234.56"), Some(1234.56));
        assert_eq!(parse_number("264,07"), Some(264.07));
        assert_eq!(parse_number("0"), Some(0.0));
        assert_eq!(parse_number("50.940000"), Some(50.94));
    }

    #[test]
    fn parse_number_rejects_text() {
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("1e999"), None);
        assert_eq!(parse_number("1,2,3"), None);
        assert_eq!(parse_number("market"), None);
    }

    #[test]
    fn delimiter_detection_ignores_quoted() {
        assert_eq!(detect_delimiter("a;b;\"c,d,e,f\"\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n"), b'\t');
    }

    #[test]
    fn read_csv_keeps_line_numbers() {
        let sheet = read_csv("x.csv", "a;b\n\n\"multi\nline\";c\nd;e\n").unwrap();
        let numbers: Vec<usize> = sheet.rows.iter().map(|row| row.number).collect();
        assert_eq!(numbers, vec![1, 3, 5]);
        assert_eq!(sheet.rows[2].cell(1), "e");
        assert_eq!(sheet.rows[2].cell(7), "");
    }

    #[test]
    fn decode_text_handles_boms() {
        assert_eq!(decode_text("x", b"\xEF\xBB\xBFabc").unwrap(), "abc");
        assert_eq!(decode_text("x", b"\xFF\xFEa\0b\0").unwrap(), "ab");
        assert!(decode_text("x", b"\xFFabc").is_err());
    }
}
