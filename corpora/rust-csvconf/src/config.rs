//! INI-style configuration: `[section]` headers and `key = value` lines, with
//! typed getters built on `value` and list values parsed as CSV.

use std::collections::BTreeMap;
use std::fmt;

use crate::csv;
use crate::value::{self, ValueError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A line that is neither blank, a comment, a `[section]` nor `key = value`.
    Syntax { line: usize, message: String },
    Missing { section: String, key: String },
    Invalid { section: String, key: String, line: usize, error: ValueError },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Syntax { line, message } => write!(f, "line {line}: {message}"),
            ConfigError::Missing { section, key } => write!(f, "missing [{section}] {key}"),
            ConfigError::Invalid { section, key, line, error } => {
                write!(f, "line {line}: [{section}] {key}: {error}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    value: String,
    line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Section name ("" for keys before the first header) to its entries.
    sections: BTreeMap<String, BTreeMap<String, Entry>>,
    /// The source lines, for error context.
    lines: Vec<String>,
}

/// Remove a trailing `;` or `#` comment that is not inside quotes (a quote that opens a value or a list item, after `=` or `,`).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) if line[..i].trim_end().ends_with(['=', ',']) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            (';' | '#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Parse configuration text. Every non-blank line must be a comment, a
/// `[section]` header or a `key = value` pair; anything else (such as a line
/// without `=`) is a `Syntax` error carrying its 1-based line number. Values
/// may be quoted; the quotes are removed.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let mut config = Config { sections: BTreeMap::new(), lines: text.lines().map(str::to_string).collect() };
    let mut section = String::new();
    config.sections.insert(section.clone(), BTreeMap::new());
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(ConfigError::Syntax { line: line_no, message: "unclosed section header".into() });
            };
            section = name.trim().to_string();
            config.sections.entry(section.clone()).or_default();
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (line, ""),
        };
        if key.is_empty() {
            return Err(ConfigError::Syntax { line: line_no, message: "empty key".into() });
        }
        let entry = Entry { value: value::unquote(value).to_string(), line: line_no };
        config.sections.entry(section.clone()).or_default().insert(key.to_string(), entry);
    }
    Ok(config)
}

impl Config {
    /// Section names in order ("" is the global section).
    pub fn sections(&self) -> Vec<&str> {
        self.sections.keys().map(String::as_str).collect()
    }

    /// The raw value of `section.key`, if present.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections.get(section)?.get(key).map(|e| e.value.as_str())
    }

    /// The value of `section.key`, or `default` when the section or the key
    /// is absent.
    pub fn get_or<'a>(&'a self, section: &str, key: &str, default: &'a str) -> &'a str {
        match self.sections[section].get(key) {
            Some(entry) => &entry.value,
            None => default,
        }
    }

    fn entry(&self, section: &str, key: &str) -> Result<&Entry, ConfigError> {
        self.sections
            .get(section)
            .and_then(|s| s.get(key))
            .ok_or_else(|| ConfigError::Missing { section: section.to_string(), key: key.to_string() })
    }

    fn typed<T>(&self, section: &str, key: &str, parse: fn(&str) -> Result<T, ValueError>) -> Result<T, ConfigError> {
        let entry = self.entry(section, key)?;
        parse(&entry.value).map_err(|error| ConfigError::Invalid {
            section: section.to_string(),
            key: key.to_string(),
            line: entry.line,
            error,
        })
    }

    pub fn get_bool(&self, section: &str, key: &str) -> Result<bool, ConfigError> {
        self.typed(section, key, value::parse_bool)
    }

    pub fn get_size(&self, section: &str, key: &str) -> Result<u64, ConfigError> {
        self.typed(section, key, value::parse_size)
    }

    pub fn get_duration(&self, section: &str, key: &str) -> Result<u64, ConfigError> {
        self.typed(section, key, value::parse_duration)
    }

    /// The value as a comma-separated list (CSV quoting allowed), items
    /// trimmed. A trailing comma is allowed, and an empty value is an empty
    /// list.
    pub fn get_list(&self, section: &str, key: &str) -> Result<Vec<String>, ConfigError> {
        let entry = self.entry(section, key)?;
        let mut fields = csv::parse_record(&entry.value).map_err(|_| ConfigError::Invalid {
            section: section.to_string(),
            key: key.to_string(),
            line: entry.line,
            error: ValueError::Invalid(entry.value.clone()),
        })?;
        // parse_record yields at least one field, so there is a last one;
        // drop it if it is empty (trailing comma, or an empty value).
        let last = fields.len() - 1;
        if fields[last].trim().is_empty() {
            fields.pop();
        }
        Ok(fields.into_iter().map(|f| f.trim().to_string()).collect())
    }

    /// The source text of 1-based line `line` (as used in `ConfigError`),
    /// for showing context with an error; `None` if there is no such line.
    pub fn line_context(&self, line: usize) -> Option<&str> {
        self.lines.get(line).map(String::as_str)
    }

    /// The 1-based line a key was defined on.
    pub fn line_of(&self, section: &str, key: &str) -> Option<usize> {
        self.entry(section, key).ok().map(|e| e.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "name = demo ; trailing comment\n\
                          [server]\n\
                          host = \"example.org\"\n\
                          max_body = 64KB\n\
                          timeout = 30s\n\
                          debug = yes\n\
                          tags = alpha,\"b, c\", gamma,\n";

    #[test]
    fn parses_sections_and_values() {
        let cfg = parse(SAMPLE).unwrap();
        assert_eq!(cfg.sections(), vec!["", "server"]);
        assert_eq!(cfg.get("", "name"), Some("demo"));
        assert_eq!(cfg.get("server", "host"), Some("example.org"));
        assert_eq!(cfg.get_or("server", "port", "80"), "80");
        assert_eq!(cfg.get_size("server", "max_body"), Ok(65536));
        assert_eq!(cfg.get_duration("server", "timeout"), Ok(30));
        assert_eq!(cfg.get_bool("server", "debug"), Ok(true));
        assert_eq!(cfg.get_list("server", "tags").unwrap(), vec!["alpha", "b, c", "gamma"]);
        assert_eq!(cfg.line_of("server", "debug"), Some(6));
    }

    #[test]
    fn reports_errors() {
        assert_eq!(
            parse("[open\n"),
            Err(ConfigError::Syntax { line: 1, message: "unclosed section header".into() })
        );
        assert!(matches!(parse("= 3\n"), Err(ConfigError::Syntax { line: 1, .. })));
        let cfg = parse("[s]\nsize = lots\n").unwrap();
        assert!(matches!(cfg.get_size("s", "size"), Err(ConfigError::Invalid { line: 2, .. })));
        assert!(matches!(cfg.get_bool("s", "none"), Err(ConfigError::Missing { .. })));
    }
}
