//! Exact money amounts in cents.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Invalid(String),
    OutOfRange,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Invalid(s) => write!(f, "invalid amount {s:?}"),
            MoneyError::OutOfRange => write!(f, "amount out of range"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// An amount in cents; negative amounts are debts or refunds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parse `"12.34"`, `"-5"`, `"0.5"` (50 cents): an optional minus, digits,
    /// and at most two decimals. Amounts beyond the `i64` range of cents give
    /// `MoneyError::OutOfRange`, anything malformed `MoneyError::Invalid`.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let s = text.trim();
        let invalid = || MoneyError::Invalid(text.to_string());
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (units_str, cents_str) = digits.split_once('.').unwrap_or((digits, ""));
        if units_str.is_empty() || !units_str.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if cents_str.len() > 2 || !cents_str.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let units: i64 = units_str.parse().map_err(|_| MoneyError::OutOfRange)?;
        let cents: i64 = match cents_str.len() {
            0 => 0,
            1 => cents_str.parse::<i64>().map_err(|_| invalid())? * 10,
            _ => cents_str.parse::<i64>().map_err(|_| invalid())?,
        };
        let total = units * 100 + cents;
        Ok(Money(if negative { -total } else { total }))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Split into `n` parts (n > 0) that differ by at most one cent and always
    /// add up to exactly `self`, negative amounts (refunds) included. The
    /// first parts carry the extra cents.
    pub fn split(self, n: usize) -> Vec<Money> {
        let n = n as i64;
        let base = self.0 / n;
        let remainder = self.0 % n;
        (0..n).map(|i| Money(base + if i < remainder { 1 } else { 0 })).collect()
    }

    /// `self * bps / 10_000` for a rate in basis points (125 = 1.25%),
    /// rounded half away from zero. `OutOfRange` if the result does not fit.
    pub fn percent_bps(self, bps: i64) -> Result<Money, MoneyError> {
        let product = self.0 * bps;
        let quotient = product / 10_000;
        let rest = product % 10_000;
        let rounded = if rest.abs() * 2 >= 10_000 { quotient + product.signum() } else { quotient };
        Ok(Money(rounded))
    }
}

impl fmt::Display for Money {
    /// `12.34`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display() {
        assert_eq!(Money::parse("12.34"), Ok(Money(1234)));
        assert_eq!(Money::parse("-5"), Ok(Money(-500)));
        assert_eq!(Money::parse(" 0.5 "), Ok(Money(50)));
        assert!(matches!(Money::parse("1.234"), Err(MoneyError::Invalid(_))));
        assert!(matches!(Money::parse("abc"), Err(MoneyError::Invalid(_))));
        assert_eq!(Money::parse("99999999999999999999"), Err(MoneyError::OutOfRange));
        assert_eq!(Money(1234).to_string(), "12.34");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    #[test]
    fn arithmetic() {
        assert_eq!(Money(100).checked_add(Money(23)), Some(Money(123)));
        assert_eq!(Money(i64::MAX).checked_add(Money(1)), None);
        assert_eq!(Money(100).split(3), vec![Money(34), Money(33), Money(33)]);
        assert_eq!(Money(10_000).percent_bps(125), Ok(Money(125)));
        assert_eq!(Money(50).percent_bps(100), Ok(Money(1)));
    }
}
