//! ledger: accounts holding exact money amounts (`money`, `account`), a
//! ledger with atomic transfers, bill splitting, interest and paged
//! statements (`ledger`), and text reports (`report`).

pub mod account;
pub mod ledger;
pub mod money;
pub mod report;

pub use account::{normalize_name, Account, AccountId, TxKind};
pub use ledger::{Ledger, LedgerError};
pub use money::{Money, MoneyError};

/// Run one command of the ledger shell against `ledger` and describe the
/// result. Commands: `open NAME AMOUNT`, `deposit NAME AMOUNT`,
/// `withdraw NAME AMOUNT`, `transfer FROM TO AMOUNT`, `interest BPS`.
/// Names are looked up with `Ledger::find_by_name`.
pub fn run_command(ledger: &mut Ledger, line: &str) -> Result<String, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let id_of = |ledger: &Ledger, name: &str| ledger.find_by_name(name).ok_or_else(|| format!("no holder named {name:?}"));
    let amount = |s: &str| Money::parse(s).map_err(|e| e.to_string());
    match words.as_slice() {
        ["open", name, opening] => {
            let id = ledger.open(name, amount(opening)?, Money::ZERO).map_err(|e| e.to_string())?;
            Ok(format!("opened {id} for {name}"))
        }
        ["deposit", name, value] => {
            let id = id_of(ledger, name)?;
            let balance = ledger.deposit(id, amount(value)?, "deposit").map_err(|e| e.to_string())?;
            Ok(format!("{name}: {balance}"))
        }
        ["withdraw", name, value] => {
            let id = id_of(ledger, name)?;
            let balance = ledger.withdraw(id, amount(value)?, "withdrawal").map_err(|e| e.to_string())?;
            Ok(format!("{name}: {balance}"))
        }
        ["transfer", from, to, value] => {
            let (from_id, to_id) = (id_of(ledger, from)?, id_of(ledger, to)?);
            ledger.transfer(from_id, to_id, amount(value)?).map_err(|e| e.to_string())?;
            Ok(format!("moved {value} from {from} to {to}"))
        }
        ["interest", bps] => {
            let bps: i64 = bps.parse().map_err(|_| format!("bad rate {bps:?}"))?;
            ledger.apply_interest(bps).map_err(|e| e.to_string())?;
            Ok(format!("applied {bps} bps"))
        }
        _ => Err(format!("unknown command {line:?}")),
    }
}
