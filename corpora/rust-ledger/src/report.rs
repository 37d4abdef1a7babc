//! Plain-text reports: fixed-width tables of accounts and statements.

use crate::account::{Account, TxKind};
use crate::ledger::{Ledger, LedgerError};

pub const NAME_WIDTH: usize = 12;

/// Pad `s` with spaces to `width` characters (not bytes); longer strings
/// are returned unchanged.
pub fn pad_right(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_string();
    }
    format!("{s}{}", " ".repeat(width - len))
}

/// Fit a holder's name (any UTF-8) into `width` characters: a longer name is
/// cut and ends with '…' so that the result is exactly `width` characters.
pub fn truncate_name(name: &str, width: usize) -> String {
    if name.chars().count() <= width {
        return name.to_string();
    }
    if width == 0 {
        return String::new();
    }
    format!("{}…", &name[..width - 1])
}

/// One line per account: id, name (cut to NAME_WIDTH), balance, last activity.
pub fn account_line(account: &Account) -> String {
    let activity = match account.last_activity() {
        Some((memo, amount)) => format!("{memo} ({amount})"),
        None => "no activity".to_string(),
    };
    format!(
        "{:>4} {} {:>12} {}",
        account.id.to_string(),
        pad_right(&truncate_name(&account.name, NAME_WIDTH), NAME_WIDTH),
        account.balance.to_string(),
        activity
    )
}

/// The table of every account.
pub fn accounts_table(ledger: &Ledger) -> String {
    let mut out = format!("{:>4} {} {:>12} {}\n", "id", pad_right("holder", NAME_WIDTH), "balance", "last activity");
    for account in ledger.accounts() {
        out.push_str(&account_line(account));
        out.push('\n');
    }
    out
}

/// Every statement page of an account, each headed "page N/M".
pub fn statement(ledger: &Ledger, account: &Account, per_page: usize) -> Result<String, LedgerError> {
    let pages = ledger.page_count(account.id, per_page)?;
    let mut out = String::new();
    for page in 1..=pages {
        out.push_str(&format!("page {page}/{pages}\n"));
        for tx in ledger.statement_page(account.id, page, per_page)? {
            let sign = if tx.kind == TxKind::Withdrawal { "-" } else { "+" };
            out.push_str(&format!("  {sign}{:>10} {:>12}  {}\n", tx.amount.to_string(), tx.balance_after.to_string(), tx.memo));
        }
    }
    Ok(out)
}
