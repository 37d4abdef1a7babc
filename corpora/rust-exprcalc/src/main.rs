//! The `exprcalc` REPL: reads lines from stdin, prints each result or a
//! rendered error. `exprcalc --style grouped|hex` changes how numbers are shown.

use std::io::{self, BufRead, Write};

use exprcalc::{format_value, run_line, Env, Outcome, Style};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let style = match args.iter().position(|a| a == "--style") {
        Some(i) => match args.get(i + 1).and_then(|name| Style::from_name(name)) {
            Some(style) => style,
            None => {
                eprintln!("--style takes plain, grouped or hex");
                std::process::exit(2);
            }
        },
        None => Style::Plain,
    };
    let mut env = Env::new();
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        match run_line(&line, &mut env) {
            Ok(Outcome::Value(v)) => {
                let _ = writeln!(out, "{}", format_value(v, style));
            }
            Ok(Outcome::Assigned(name, v)) => {
                let _ = writeln!(out, "{name} = {}", format_value(v, style));
            }
            // Every error, including one at the end of the line, can be rendered.
            Err(err) => {
                let _ = writeln!(out, "{}", err.render(&line));
            }
        }
    }
}
