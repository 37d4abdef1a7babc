//! Typed values written as text: booleans, byte sizes, durations, quoted strings.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    Empty,
    Invalid(String),
    TooLarge(String),
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Empty => write!(f, "empty value"),
            ValueError::Invalid(s) => write!(f, "invalid value {s:?}"),
            ValueError::TooLarge(s) => write!(f, "value {s:?} is too large"),
        }
    }
}

impl std::error::Error for ValueError {}

/// Parse a boolean: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`, or the
/// single letters `y`/`n`/`t`/`f`, in any case and with surrounding spaces.
/// An empty (or all-space) value gives `ValueError::Empty`.
pub fn parse_bool(s: &str) -> Result<bool, ValueError> {
    let lower = s.trim().to_ascii_lowercase();
    match lower.as_str() {
        "true" | "yes" | "on" | "1" => return Ok(true),
        "false" | "no" | "off" | "0" => return Ok(false),
        _ => {}
    }
    // Single-letter forms.
    let first = &lower[..1];
    match (lower.len(), first) {
        (1, "y") | (1, "t") => Ok(true),
        (1, "n") | (1, "f") => Ok(false),
        _ => Err(ValueError::Invalid(s.to_string())),
    }
}

/// Parse a byte size: digits followed by an optional unit `B`, `K`/`KB`,
/// `M`/`MB` or `G`/`GB` (powers of 1024, any case), e.g. `64KB`. A size that
/// does not fit in a `u64` gives `ValueError::TooLarge`.
pub fn parse_size(s: &str) -> Result<u64, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValueError::Empty);
    }
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(ValueError::Invalid(s.to_string()));
    }
    let n: u64 = digits.parse().map_err(|_| ValueError::TooLarge(s.to_string()))?;
    let multiplier: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" => 1 << 10,
        "M" | "MB" => 1 << 20,
        "G" | "GB" => 1 << 30,
        _ => return Err(ValueError::Invalid(s.to_string())),
    };
    Ok(n * multiplier)
}

/// Parse a duration into seconds: `90`, `90s`, `5m`, `2h`, `1d`, or a
/// compound such as `1h30m` whose parts add up. Overflow gives `TooLarge`.
pub fn parse_duration(s: &str) -> Result<u64, ValueError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ValueError::Empty);
    }
    let too_large = || ValueError::TooLarge(s.to_string());
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 60 * 60,
            'd' => 24 * 60 * 60,
            _ => return Err(ValueError::Invalid(s.to_string())),
        };
        if number.is_empty() {
            return Err(ValueError::Invalid(s.to_string()));
        }
        let n: u64 = number.parse().map_err(|_| too_large())?;
        total = n.checked_mul(unit).ok_or_else(too_large)?;
        number.clear();
    }
    if !number.is_empty() {
        let n: u64 = number.parse().map_err(|_| too_large())?;
        total = total.checked_add(n).ok_or_else(too_large)?;
    }
    Ok(total)
}

/// Strip one pair of matching surrounding quotes (`"..."` or `'...'`); any
/// other input, including a lone quote, is returned unchanged.
pub fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(parse_bool(" Yes "), Ok(true));
        assert_eq!(parse_bool("OFF"), Ok(false));
        assert_eq!(parse_bool("t"), Ok(true));
        assert_eq!(parse_bool("n"), Ok(false));
        assert!(matches!(parse_bool("maybe"), Err(ValueError::Invalid(_))));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("64KB"), Ok(65536));
        assert_eq!(parse_size("2 m"), Ok(2 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(matches!(parse_size("12 parsecs"), Err(ValueError::Invalid(_))));
        assert!(matches!(parse_size("99999999999999999999999"), Err(ValueError::TooLarge(_))));
        assert_eq!(parse_size(""), Err(ValueError::Empty));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert!(matches!(parse_duration("h"), Err(ValueError::Invalid(_))));
        assert!(matches!(parse_duration("5w"), Err(ValueError::Invalid(_))));
    }

    #[test]
    fn quotes() {
        assert_eq!(unquote("\"a b\""), "a b");
        assert_eq!(unquote("'x'"), "x");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("plain"), "plain");
    }
}
