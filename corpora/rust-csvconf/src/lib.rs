//! csvconf: read a CSV table (`csv`) and an INI-style configuration
//! (`config`) whose values are typed (`value`), and select the configured
//! columns of the table.

pub mod config;
pub mod csv;
pub mod value;

pub use config::{parse as parse_config, Config, ConfigError};
pub use csv::{CsvError, Table};

/// Errors of `select`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectError {
    Config(ConfigError),
    Csv(CsvError),
    UnknownColumn(String),
}

/// Parse `csv_text` and return the columns listed in `[output] columns` of
/// the configuration, in that order, as rows of cells. `[output] limit`
/// caps the number of rows; it is optional, and a limit that is absent, 0 or
/// not a number means no limit.
pub fn select(config: &Config, csv_text: &str) -> Result<Vec<Vec<String>>, SelectError> {
    let table = Table::parse(csv_text).map_err(SelectError::Csv)?;
    let columns = config.get_list("output", "columns").map_err(SelectError::Config)?;
    let limit: usize = config.get_or("output", "limit", "0").parse().unwrap_or(0);
    let indexes = columns
        .iter()
        .map(|c| table.column(c).ok_or_else(|| SelectError::UnknownColumn(c.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let take = if limit == 0 { table.rows.len() } else { limit };
    Ok(table.rows.iter().take(take).map(|row| indexes.iter().map(|&i| row[i].clone()).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_configured_columns() {
        let cfg = parse_config("[output]\ncolumns = qty, name\nlimit = 1\n").unwrap();
        let rows = select(&cfg, "name,qty,price\nbolt,4,0.10\nnut,10,0.05\n").unwrap();
        assert_eq!(rows, vec![vec!["4".to_string(), "bolt".to_string()]]);
        let cfg = parse_config("[output]\ncolumns = weight\n").unwrap();
        assert_eq!(select(&cfg, "name\nx\n"), Err(SelectError::UnknownColumn("weight".into())));
    }
}
