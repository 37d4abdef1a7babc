//! The ledger: accounts by id and by holder name, transfers, interest and statements.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::account::{normalize_name, Account, AccountError, AccountId, Transaction};
use crate::money::{Money, MoneyError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    UnknownAccount(AccountId),
    DuplicateName(String),
    SameAccount,
    InvalidPage,
    Account(AccountError),
    Money(MoneyError),
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::UnknownAccount(id) => write!(f, "no account {id}"),
            LedgerError::DuplicateName(name) => write!(f, "an account for {name:?} already exists"),
            LedgerError::SameAccount => write!(f, "cannot transfer to the same account"),
            LedgerError::InvalidPage => write!(f, "pages and page sizes start at 1"),
            LedgerError::Account(err) => write!(f, "{err:?}"),
            LedgerError::Money(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for LedgerError {}

impl From<AccountError> for LedgerError {
    fn from(err: AccountError) -> Self {
        LedgerError::Account(err)
    }
}

#[derive(Debug, Default)]
pub struct Ledger {
    accounts: BTreeMap<AccountId, Account>,
    /// normalize_name(holder) -> id; normalize_name trims and lower-cases,
    /// so "Alice", " alice " and "ALICE" are the same holder.
    by_name: HashMap<String, AccountId>,
    next_id: u32,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Open an account for `name` with an opening deposit (which may be
    /// zero: the account then starts without transactions).
    pub fn open(&mut self, name: &str, opening: Money, overdraft: Money) -> Result<AccountId, LedgerError> {
        let key = normalize_name(name);
        if self.by_name.contains_key(&key) {
            return Err(LedgerError::DuplicateName(name.trim().to_string()));
        }
        self.next_id += 1;
        let id = AccountId(self.next_id);
        let mut account = Account::new(id, name, overdraft);
        if opening > Money::ZERO {
            account.deposit(opening, "opening deposit")?;
        }
        self.accounts.insert(id, account);
        self.by_name.insert(key, id);
        Ok(id)
    }

    /// The account of the holder called `name`, ignoring case and
    /// surrounding whitespace.
    pub fn find_by_name(&self, name: &str) -> Option<AccountId> {
        self.by_name.get(&normalize_name(name)).copied()
    }

    pub fn account(&self, id: AccountId) -> Result<&Account, LedgerError> {
        self.accounts.get(&id).ok_or(LedgerError::UnknownAccount(id))
    }

    fn account_mut(&mut self, id: AccountId) -> Result<&mut Account, LedgerError> {
        self.accounts.get_mut(&id).ok_or(LedgerError::UnknownAccount(id))
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    pub fn deposit(&mut self, id: AccountId, amount: Money, memo: &str) -> Result<Money, LedgerError> {
        Ok(self.account_mut(id)?.deposit(amount, memo)?)
    }

    pub fn withdraw(&mut self, id: AccountId, amount: Money, memo: &str) -> Result<Money, LedgerError> {
        Ok(self.account_mut(id)?.withdraw(amount, memo)?)
    }

    /// Move `amount` from one account to another. Atomic: on any error
    /// (unknown account, same account, non-positive amount, insufficient
    /// funds) no balance changes.
    pub fn transfer(&mut self, from: AccountId, to: AccountId, amount: Money) -> Result<(), LedgerError> {
        if from == to {
            return Err(LedgerError::SameAccount);
        }
        self.account(from)?;
        self.account_mut(to)?.deposit(amount, &format!("transfer from {from}"))?;
        self.account_mut(from)?.withdraw(amount, &format!("transfer to {to}"))?;
        Ok(())
    }

    /// Charge `amount` to each participant in equal shares (they differ by at
    /// most a cent); the payer is credited with the whole amount. The
    /// charges always add up to exactly what the payer receives.
    pub fn split_bill(&mut self, payer: AccountId, participants: &[AccountId], amount: Money) -> Result<Vec<Money>, LedgerError> {
        if participants.is_empty() {
            return Ok(Vec::new());
        }
        for &p in participants {
            self.account(p)?;
        }
        let shares = amount.split(participants.len());
        for (&p, &share) in participants.iter().zip(&shares) {
            if share > Money::ZERO {
                self.withdraw(p, share, "bill share")?;
            }
        }
        self.deposit(payer, amount, "bill paid by others")?;
        Ok(shares)
    }

    /// Credit interest at `bps` basis points of each account's balance.
    pub fn apply_interest(&mut self, bps: i64) -> Result<(), LedgerError> {
        for account in self.accounts.values_mut() {
            let interest = account.balance.percent_bps(bps).map_err(LedgerError::Money)?;
            if interest != Money::ZERO {
                account.credit_interest(interest)?;
            }
        }
        Ok(())
    }

    /// Number of statement pages of `per_page` transactions (per_page > 0):
    /// every transaction is on some page, the last page may be partial, and
    /// an account without transactions has 0 pages.
    pub fn page_count(&self, id: AccountId, per_page: usize) -> Result<usize, LedgerError> {
        if per_page == 0 {
            return Err(LedgerError::InvalidPage);
        }
        let n = self.account(id)?.history.len();
        Ok(n / per_page)
    }

    /// The transactions on 1-based `page` of `per_page`; empty past the end.
    pub fn statement_page(&self, id: AccountId, page: usize, per_page: usize) -> Result<&[Transaction], LedgerError> {
        if page == 0 || per_page == 0 {
            return Err(LedgerError::InvalidPage);
        }
        let history = &self.account(id)?.history;
        let start = (page - 1).saturating_mul(per_page).min(history.len());
        let end = start.saturating_add(per_page).min(history.len());
        Ok(&history[start..end])
    }

    /// Sum of all balances.
    pub fn total(&self) -> Option<Money> {
        self.accounts.values().try_fold(Money::ZERO, |acc, a| acc.checked_add(a.balance))
    }
}
