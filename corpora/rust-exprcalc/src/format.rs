//! Formatting of results for display: plain, digit-grouped, or hexadecimal.

/// How the REPL shows numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Plain,
    /// Digits grouped in threes: `-1,234,567`.
    Grouped,
    /// Hexadecimal with a sign: `0xff`, `-0x10`.
    Hex,
}

impl Style {
    /// Parse a style name: `plain`, `grouped` or `hex`.
    pub fn from_name(name: &str) -> Option<Style> {
        match name.trim().to_ascii_lowercase().as_str() {
            "plain" => Some(Style::Plain),
            "grouped" => Some(Style::Grouped),
            "hex" => Some(Style::Hex),
            _ => None,
        }
    }
}

/// Group the digits of `v` in threes with `sep`, keeping a leading minus
/// sign outside the groups: `1234567` → `1,234,567`, `-1234` → `-1,234`.
pub fn group_thousands(v: i64, sep: char) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `v` in hexadecimal with a sign and a `0x` prefix: `255` → `0xff`,
/// `-16` → `-0x10`, and `i64::MIN` → `-0x8000000000000000`.
pub fn format_hex(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{:#x}", v.unsigned_abs())
}

/// Format `v` in `style`.
pub fn format_value(v: i64, style: Style) -> String {
    match style {
        Style::Plain => v.to_string(),
        Style::Grouped => group_thousands(v, ','),
        Style::Hex => format_hex(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        assert_eq!(format_value(1234567, Style::Grouped), "1,234,567");
        assert_eq!(format_value(999, Style::Grouped), "999");
        assert_eq!(format_value(255, Style::Hex), "0xff");
        assert_eq!(format_value(-16, Style::Hex), "-0x10");
        assert_eq!(format_value(i64::MIN, Style::Hex), "-0x8000000000000000");
        assert_eq!(format_value(-5, Style::Plain), "-5");
        assert_eq!(Style::from_name(" Hex "), Some(Style::Hex));
        assert_eq!(Style::from_name("roman"), None);
    }
}
