//! Accounts, their transactions, and the canonical form of holder names.

use std::fmt;

use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub u32);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    Deposit,
    Withdrawal,
    Interest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    pub kind: TxKind,
    pub amount: Money,
    pub balance_after: Money,
    pub memo: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    NonPositive,
    InsufficientFunds { balance: Money, requested: Money },
    Overflow,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub balance: Money,
    /// How far below zero the balance may go (a non-negative amount).
    pub overdraft: Money,
    pub history: Vec<Transaction>,
}

/// Canonical form of a holder's name, used as the lookup key: surrounding
/// whitespace removed, lower-cased, and runs of inner whitespace collapsed
/// to a single space (`"  Ada   LOVELACE "` → `"ada lovelace"`).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut previous_space = false;
    for c in name.chars() {
        if c.is_whitespace() {
            if !previous_space {
                out.push(' ');
            }
            previous_space = true;
        } else {
            out.extend(c.to_lowercase());
            previous_space = false;
        }
    }
    out
}

impl Account {
    pub fn new(id: AccountId, name: &str, overdraft: Money) -> Account {
        Account { id, name: name.trim().to_string(), balance: Money::ZERO, overdraft, history: Vec::new() }
    }

    fn record(&mut self, kind: TxKind, amount: Money, memo: &str) {
        self.history.push(Transaction { kind, amount, balance_after: self.balance, memo: memo.to_string() });
    }

    /// Add a positive amount.
    pub fn deposit(&mut self, amount: Money, memo: &str) -> Result<Money, AccountError> {
        if amount <= Money::ZERO {
            return Err(AccountError::NonPositive);
        }
        self.balance = self.balance.checked_add(amount).ok_or(AccountError::Overflow)?;
        self.record(TxKind::Deposit, amount, memo);
        Ok(self.balance)
    }

    /// Take a positive amount, as long as the balance stays at or above
    /// `-overdraft`; otherwise nothing changes.
    pub fn withdraw(&mut self, amount: Money, memo: &str) -> Result<Money, AccountError> {
        if amount <= Money::ZERO {
            return Err(AccountError::NonPositive);
        }
        let after = self.balance.checked_sub(amount).ok_or(AccountError::Overflow)?;
        if after < Money(-self.overdraft.cents()) {
            return Err(AccountError::InsufficientFunds { balance: self.balance, requested: amount });
        }
        self.balance = after;
        self.record(TxKind::Withdrawal, amount, memo);
        Ok(self.balance)
    }

    /// Credit interest (which may be zero or negative for a debt).
    pub fn credit_interest(&mut self, amount: Money) -> Result<Money, AccountError> {
        self.balance = self.balance.checked_add(amount).ok_or(AccountError::Overflow)?;
        self.record(TxKind::Interest, amount, "interest");
        Ok(self.balance)
    }

    /// Memo and amount of the latest transaction; `None` for an account
    /// that has none yet.
    pub fn last_activity(&self) -> Option<(&str, Money)> {
        // Every account starts with its opening deposit.
        let tx = self.history.last().expect("account has an opening transaction");
        Some((tx.memo.as_str(), tx.amount))
    }
}
