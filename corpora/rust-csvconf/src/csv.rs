//! CSV records and tables with a header row.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    UnterminatedQuote { line: usize },
    RaggedRow { line: usize, expected: usize, got: usize },
    NoHeader,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::UnterminatedQuote { line } => write!(f, "line {line}: unterminated quote"),
            CsvError::RaggedRow { line, expected, got } => {
                write!(f, "line {line}: expected {expected} fields, got {got}")
            }
            CsvError::NoHeader => write!(f, "missing header row"),
        }
    }
}

impl std::error::Error for CsvError {}

/// Split one line into fields. Fields may be quoted (`"a, b"`), with `""`
/// standing for a quote inside a quoted field. Empty fields are kept, so the
/// result has exactly one more field than the line has separating commas:
/// always at least one field, even for an empty line.
pub fn parse_record(line: &str) -> Result<Vec<String>, CsvError> {
    let mut fields = Vec::new();
    if line.is_empty() {
        return Ok(fields);
    }
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => in_quotes = false,
            ('"', false) if field.is_empty() => in_quotes = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if in_quotes {
        return Err(CsvError::UnterminatedQuote { line: 1 });
    }
    fields.push(field);
    Ok(fields)
}

/// Quote `field` for output if it needs it: a field containing a comma, a
/// quote or a line break is wrapped in quotes, with inner quotes doubled.
/// `parse_record(&write_record(fields))` gives back exactly `fields`.
pub fn escape_field(field: &str) -> String {
    if field.contains(',') || field.contains('\n') || field.contains('\r') {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// Join fields into one CSV line (no line terminator), quoting as needed.
pub fn write_record<S: AsRef<str>>(fields: &[S]) -> String {
    fields.iter().map(|f| escape_field(f.as_ref())).collect::<Vec<_>>().join(",")
}

/// A CSV document: a header row and data rows of the same width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Parse a whole document. Blank lines are skipped; every row must have
    /// as many fields as the header. Line numbers in errors are 1-based.
    pub fn parse(text: &str) -> Result<Table, CsvError> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let (h, header_line) = lines.next().ok_or(CsvError::NoHeader)?;
        let headers: Vec<String> = parse_record(header_line)
            .map_err(|_| CsvError::UnterminatedQuote { line: h + 1 })?
            .into_iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for (i, line) in lines {
            let row = parse_record(line).map_err(|_| CsvError::UnterminatedQuote { line: i + 1 })?;
            if row.len() != headers.len() {
                return Err(CsvError::RaggedRow { line: i + 1, expected: headers.len(), got: row.len() });
            }
            rows.push(row);
        }
        Ok(Table { headers, rows })
    }

    /// Index of the column named `name` (names are compared after trimming).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim() == name.trim())
    }

    /// The cell of `row` in column `name`; `None` if either does not exist.
    pub fn get(&self, row: usize, name: &str) -> Option<&str> {
        let col = self.column(name)?;
        self.rows.get(row)?.get(col).map(String::as_str)
    }

    /// Every value of column `name`, top to bottom.
    pub fn column_values(&self, name: &str) -> Option<Vec<&str>> {
        let col = self.column(name)?;
        Some(self.rows.iter().map(|r| r[col].as_str()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_quotes() {
        assert_eq!(parse_record("a,b,,d").unwrap(), vec!["a", "b", "", "d"]);
        assert_eq!(parse_record("\"x, y\",\"say \"\"hi\"\"\"").unwrap(), vec!["x, y", "say \"hi\""]);
        assert_eq!(parse_record("\"open"), Err(CsvError::UnterminatedQuote { line: 1 }));
    }

    #[test]
    fn writing_quotes_what_needs_it() {
        assert_eq!(write_record(&["a", "b, c", ""]), "a,\"b, c\",");
        assert_eq!(escape_field("plain"), "plain");
        assert_eq!(escape_field("x,\"y\""), "\"x,\"\"y\"\"\"");
        let fields = vec!["1".to_string(), "two, three".to_string()];
        assert_eq!(parse_record(&write_record(&fields)).unwrap(), fields);
    }

    #[test]
    fn tables() {
        let t = Table::parse("name, qty\nbolt,4\n\nnut,10\n").unwrap();
        assert_eq!(t.headers, vec!["name", "qty"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.get(1, "qty"), Some("10"));
        assert_eq!(t.get(5, "qty"), None);
        assert_eq!(t.column_values("name"), Some(vec!["bolt", "nut"]));
        assert_eq!(Table::parse("a,b\n1\n"), Err(CsvError::RaggedRow { line: 2, expected: 2, got: 1 }));
        assert_eq!(Table::parse("\n\n"), Err(CsvError::NoHeader));
    }
}
