//! Import errors: each names the file, the place in it and what was expected.

use std::fmt;

/// A place inside an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole.
    File,
    /// A line of a text file (1-based).
    Line(usize),
    /// A field of a CSV file: line (1-based) and column (0-based).
    Field { line: usize, column: usize },
    /// A row of a spreadsheet (1-based).
    Row(usize),
    /// A spreadsheet cell: row (1-based) and column (0-based).
    Cell { row: usize, column: usize },
    /// A part (member file) of an xlsx package.
    Part(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::File => f.write_str("file"),
            Place::Line(line) => write!(f, "line {line}"),
            Place::Field { line, column } => write!(f, "line {line}, column {}", column + 1),
            Place::Row(row) => write!(f, "row {row}"),
            Place::Cell { row, column } => write!(f, "cell {}{row}", column_letters(*column)),
            Place::Part(name) => write!(f, "part {name}"),
        }
    }
}

/// Spreadsheet column letters for a 0-based index: 0 is A, 25 is Z, 26 is AA.
pub fn column_letters(column: usize) -> String {
    let mut letters = Vec::new();
    let mut rest = column + 1;
    while rest > 0 {
        let digit = (rest - 1) % 26;
        letters.push(b'A' + digit as u8);
        rest = (rest - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Error for a file that cannot be imported.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {place}: {message}")]
pub struct ImportError {
    /// The file name or path as given.
    pub source_name: String,
    /// Where in the file the problem is.
    pub place: Place,
    /// What was found and what was expected, with the fix where there is one.
    pub message: String,
}

impl ImportError {
    /// Builds an error for `source_name` at `place`.
    pub fn new(source_name: &str, place: Place, message: impl Into<String>) -> Self {
        ImportError {
            source_name: source_name.to_owned(),
            place,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_roll_over() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(12), "M");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn error_names_file_and_cell() {
        let error = ImportError::new(
            "report.xlsx",
            Place::Cell {
                row: 45,
                column: 12,
            },
            "expected a number",
        );
        assert_eq!(
            error.to_string(),
            "report.xlsx: cell M45: expected a number"
        );
    }
}
