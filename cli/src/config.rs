//! `vouch.toml`: the nearest one at or above the audited path wins; flags override it.

use anyhow::{Context, Result, bail};
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
    /// Limits of the check against the spec (`[check]`).
    #[serde(default)]
    pub check: CheckConfig,
    /// Limits of the confirming tests (`[testgen]`).
    #[serde(default)]
    pub testgen: TestgenConfig,
    /// What the report counts as a finding (`[report]`).
    #[serde(default)]
    pub report: ReportConfig,
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

/// `[check]`: each key is the flag of the same name's default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Lines of one block of a body, about (`--block-lines`).
    pub block_lines: Option<u32>,
    /// Time limit of one solver query, in milliseconds (`--solver-timeout-ms`).
    pub solver_timeout_ms: Option<u32>,
}

/// `[testgen]`: each key is the flag of the same name's default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestgenConfig {
    /// Time limit of one generated test, build and run, in seconds (`--test-timeout`).
    pub test_timeout: Option<u64>,
    /// Times a harness that does not build goes back to the model (`--max-repairs`).
    pub max_repairs: Option<usize>,
    /// Generated tests built and run at once (`--test-jobs`).
    pub test_jobs: Option<usize>,
}

/// `[report]`: each key is the flag of the same name's default.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Below this spec confidence a broken clause is a question about intent
    /// (`--min-spec-confidence`).
    pub min_spec_confidence: Option<f64>,
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
        config
            .validate()
            .with_context(|| format!("{} is not a valid vouch.toml", path.display()))?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Refuses a value no run could use, naming its key.
    fn validate(&self) -> Result<()> {
        if let Some(c) = self.report.min_spec_confidence
            && !(0.0..=1.0).contains(&c)
        {
            bail!(
                "report.min_spec_confidence = {c} is not a confidence: give a number from 0 to 1"
            );
        }
        let positive = [
            ("check.block_lines", self.check.block_lines.map(u64::from)),
            (
                "check.solver_timeout_ms",
                self.check.solver_timeout_ms.map(u64::from),
            ),
            ("testgen.test_timeout", self.testgen.test_timeout),
            (
                "testgen.test_jobs",
                self.testgen.test_jobs.map(|n| n as u64),
            ),
        ];
        for (key, value) in positive {
            if value == Some(0) {
                bail!("{key} = 0: give a number of at least 1");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parsed(text: &str) -> Result<Config> {
        let tmp = tempfile::tempdir()?;
        let path = tmp.path().join("vouch.toml");
        std::fs::write(&path, text)?;
        Config::load(&path)
    }

    /// The README's blocks of limits, each as written there.
    fn readme_block(section: &str) -> String {
        let readme = include_str!("../../README.md");
        let start = readme
            .find(&format!("```toml\n{section}"))
            .expect("the README documents the section")
            + "```toml\n".len();
        let end = start + readme[start..].find("```").expect("closed block");
        readme[start..end].to_string()
    }

    #[test]
    fn the_readme_limits_are_valid_and_are_the_defaults() {
        let config = parsed(&readme_block("[check]")).expect("valid");
        assert_eq!(config.check.block_lines, Some(vouch_hoare::BLOCK_LINES));
        assert_eq!(
            config.check.solver_timeout_ms,
            Some(crate::check::SOLVER_TIMEOUT_MS)
        );
        assert_eq!(
            config.testgen.test_timeout,
            Some(crate::confirm::TEST_TIMEOUT_SECS)
        );
        assert_eq!(config.testgen.max_repairs, Some(vouch_testgen::MAX_REPAIRS));
        assert_eq!(config.testgen.test_jobs, Some(crate::confirm::TEST_JOBS));
        assert_eq!(
            config.report.min_spec_confidence,
            Some(crate::audit::DEFAULT_MIN_SPEC_CONFIDENCE)
        );
    }

    #[test]
    fn the_help_names_each_default_and_its_key() {
        let mut cmd = crate::Cli::command();
        let audit = cmd.find_subcommand_mut("audit").expect("audit");
        let help = audit.render_long_help().to_string();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for (flag, default, key) in [
            (
                "--block-lines",
                vouch_hoare::BLOCK_LINES.to_string(),
                "check.block_lines",
            ),
            (
                "--solver-timeout-ms",
                crate::check::SOLVER_TIMEOUT_MS.to_string(),
                "check.solver_timeout_ms",
            ),
            (
                "--test-timeout",
                crate::confirm::TEST_TIMEOUT_SECS.to_string(),
                "testgen.test_timeout",
            ),
            (
                "--max-repairs",
                vouch_testgen::MAX_REPAIRS.to_string(),
                "testgen.max_repairs",
            ),
            (
                "--test-jobs",
                crate::confirm::TEST_JOBS.to_string(),
                "testgen.test_jobs",
            ),
            (
                "--min-spec-confidence",
                crate::audit::DEFAULT_MIN_SPEC_CONFIDENCE.to_string(),
                "report.min_spec_confidence",
            ),
        ] {
            let at = help
                .find(&format!("{flag} <"))
                .unwrap_or_else(|| panic!("{flag} in {help}"));
            let rest = &help[at..];
            let said = &rest[..rest.find(']').map_or(rest.len(), |i| i + 1)];
            assert!(
                said.contains(&format!("[default: {default}, or {key}]")),
                "{flag}: {said}"
            );
        }
    }

    #[test]
    fn a_value_no_run_can_use_is_refused_naming_its_key() {
        for (text, key) in [
            (
                "[report]\nmin_spec_confidence = 1.5\n",
                "report.min_spec_confidence = 1.5",
            ),
            (
                "[report]\nmin_spec_confidence = -0.1\n",
                "report.min_spec_confidence = -0.1",
            ),
            (
                "[check]\nsolver_timeout_ms = 0\n",
                "check.solver_timeout_ms = 0",
            ),
            ("[check]\nblock_lines = 0\n", "check.block_lines = 0"),
            ("[testgen]\ntest_timeout = 0\n", "testgen.test_timeout = 0"),
            ("[testgen]\ntest_jobs = 0\n", "testgen.test_jobs = 0"),
        ] {
            let err = format!("{:#}", parsed(text).expect_err(text));
            assert!(err.contains(key) && err.contains("vouch.toml"), "{err}");
        }
        let err = format!(
            "{:#}",
            parsed("[testgen]\ntimeout = 5\n").expect_err("unknown key")
        );
        assert!(err.contains("unknown field `timeout`"), "{err}");
        // A file without the sections leaves every default to the flags.
        let config = parsed("[files]\nexclude = []\n").expect("valid");
        assert_eq!(config.report.min_spec_confidence, None);
        assert_eq!(config.testgen.test_jobs, None);
    }
}
