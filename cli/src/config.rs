//! `vouch.toml`: the nearest one at or above the audited path wins; flags override it.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub files: FilesConfig,
    /// The model (`[llm]`); see the model layer's `LlmConfig`.
    #[serde(default)]
    pub llm: vouch_llm::LlmConfig,
    /// Limits of spec generation (`[specgen]`).
    #[serde(default)]
    pub specgen: vouch_specgen::Options,
    /// Where the file was found, for messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesConfig {
    /// Gitignore-style patterns of paths to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Largest source file read, in bytes.
    pub max_file_size: Option<u64>,
    /// Languages to read: "c", "rust".
    pub languages: Option<Vec<String>>,
}

impl Config {
    /// Loads the nearest `vouch.toml` at or above `start`, or the defaults if none.
    pub fn find(start: &Path) -> Result<Config> {
        let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = if abs.is_file() {
            abs.parent().map(Path::to_path_buf)
        } else {
            Some(abs)
        };
        while let Some(d) = dir {
            let candidate = d.join("vouch.toml");
            if candidate.is_file() {
                return Config::load(&candidate);
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid vouch.toml", path.display()))?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }
}
