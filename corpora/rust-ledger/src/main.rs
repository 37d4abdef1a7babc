//! `ledger` shell: runs commands from stdin (see `ledger::run_command`),
//! then prints the accounts table and each account's statement.

use std::io::{self, BufRead};

use ledger::{report, run_command, Ledger};

fn main() {
    let mut book = Ledger::new();
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        match run_command(&mut book, &line) {
            Ok(msg) => println!("{msg}"),
            Err(msg) => eprintln!("error: {msg}"),
        }
    }
    print!("{}", report::accounts_table(&book));
    for account in book.accounts() {
        match report::statement(&book, account, 5) {
            Ok(text) => print!("{}:\n{text}", account.name),
            Err(err) => eprintln!("{}: {err}", account.name),
        }
    }
    if let Some(total) = book.total() {
        println!("total {total}");
    }
}
