//! End-to-end tests of the ledger through its public API and command shell.

use ledger::{report, run_command, AccountId, Ledger, LedgerError, Money};

fn m(s: &str) -> Money {
    Money::parse(s).unwrap()
}

#[test]
fn open_deposit_withdraw_transfer() {
    let mut book = Ledger::new();
    let alice = book.open("Alice", m("100.00"), Money::ZERO).unwrap();
    let bob = book.open("Bob", m("20.00"), m("50.00")).unwrap();
    assert_eq!(book.deposit(alice, m("5.50"), "salary"), Ok(m("105.50")));
    assert_eq!(book.withdraw(bob, m("60.00"), "rent"), Ok(m("-40.00")));
    book.transfer(alice, bob, m("40.00")).unwrap();
    assert_eq!(book.account(alice).unwrap().balance, m("65.50"));
    assert_eq!(book.account(bob).unwrap().balance, Money::ZERO);
    assert_eq!(book.transfer(alice, alice, m("1.00")), Err(LedgerError::SameAccount));
    assert_eq!(book.transfer(alice, AccountId(99), m("1.00")), Err(LedgerError::UnknownAccount(AccountId(99))));
    assert_eq!(book.total(), Some(m("65.50")));
}

#[test]
fn names_are_unique_ignoring_case() {
    let mut book = Ledger::new();
    let id = book.open("Grace Hopper", m("1.00"), Money::ZERO).unwrap();
    assert_eq!(book.find_by_name("grace   HOPPER"), Some(id));
    assert!(matches!(book.open("GRACE HOPPER", m("1.00"), Money::ZERO), Err(LedgerError::DuplicateName(_))));
}

#[test]
fn bills_interest_and_statements() {
    let mut book = Ledger::new();
    let payer = book.open("Payer", m("10.00"), Money::ZERO).unwrap();
    let a = book.open("A", m("50.00"), Money::ZERO).unwrap();
    let b = book.open("B", m("50.00"), Money::ZERO).unwrap();
    let shares = book.split_bill(payer, &[a, b], m("25.01")).unwrap();
    assert_eq!(shares, vec![m("12.51"), m("12.50")]);
    assert_eq!(book.account(payer).unwrap().balance, m("35.01"));
    book.apply_interest(100).unwrap();
    assert_eq!(book.account(a).unwrap().balance, m("37.86"));

    for i in 0..2 {
        book.deposit(payer, m("1.00"), &format!("top-up {i}")).unwrap();
    }
    assert_eq!(book.page_count(payer, 5), Ok(1));
    assert_eq!(book.statement_page(payer, 1, 5).unwrap().len(), 5);
    assert_eq!(book.statement_page(payer, 9, 5).unwrap().len(), 0);
    let text = report::statement(&book, book.account(payer).unwrap(), 5).unwrap();
    assert!(text.starts_with("page 1/1\n"));
}

#[test]
fn reports_pad_and_cut_names() {
    assert_eq!(report::pad_right("Zoë", 5), "Zoë  ");
    assert_eq!(report::truncate_name("Bartholomew Jones", 8), "Barthol…");
    assert_eq!(report::truncate_name("Short", 8), "Short");
    let mut book = Ledger::new();
    book.open("Ada", m("3.00"), Money::ZERO).unwrap();
    let table = report::accounts_table(&book);
    assert!(table.contains("opening deposit (3.00)"));
}

#[test]
fn command_shell() {
    let mut book = Ledger::new();
    assert_eq!(run_command(&mut book, "open Carol 10"), Ok("opened #1 for Carol".into()));
    assert_eq!(run_command(&mut book, "open Dave 1.5"), Ok("opened #2 for Dave".into()));
    assert_eq!(run_command(&mut book, "transfer carol dave 2.25"), Ok("moved 2.25 from carol to dave".into()));
    assert_eq!(run_command(&mut book, "withdraw Dave 3.75"), Ok("Dave: 0.00".into()));
    assert!(run_command(&mut book, "deposit Erin 1").is_err());
    assert!(run_command(&mut book, "fly away").is_err());
}
