//! `csvconf CONFIG < table.csv`: prints the columns selected by the
//! configuration, as tab-separated text or (with `[output] format = csv`) CSV.

use std::io::Read;

use csvconf::{parse_config, select, SelectError};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: csvconf CONFIG < table.csv");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{path}: {err}");
            std::process::exit(2);
        }
    };
    let config = match parse_config(&text) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{path}: {err}");
            if let csvconf::ConfigError::Syntax { line, .. } = &err {
                if let Some(src) = config_line(&text, *line) {
                    eprintln!("    {src}");
                }
            }
            std::process::exit(1);
        }
    };
    let mut csv_text = String::new();
    if std::io::stdin().read_to_string(&mut csv_text).is_err() {
        std::process::exit(2);
    }
    let format = config.get_or("output", "format", "tsv");
    match select(&config, &csv_text) {
        Ok(rows) => {
            for row in rows {
                if format == "csv" {
                    // write_record quotes fields so that the output reads back unchanged.
                    println!("{}", csvconf::csv::write_record(&row));
                } else {
                    println!("{}", row.join("\t"));
                }
            }
        }
        Err(SelectError::UnknownColumn(c)) => {
            eprintln!("no column named {c:?}");
            std::process::exit(1);
        }
        Err(SelectError::Config(err)) => {
            eprintln!("{path}: {err}");
            if let csvconf::ConfigError::Invalid { line, .. } = &err {
                // line_context takes the same 1-based numbers as the error.
                if let Some(src) = config.line_context(*line) {
                    eprintln!("    {src}");
                }
            }
            std::process::exit(1);
        }
        Err(SelectError::Csv(err)) => {
            eprintln!("stdin: {err}");
            std::process::exit(1);
        }
    }
}

fn config_line(text: &str, line: usize) -> Option<&str> {
    text.lines().nth(line.checked_sub(1)?)
}
