//! Rust confirmation: a `#[cfg(test)]` module appended to the function's own file in a
//! scratch copy of its crate (so private items are reachable), run with
//! `cargo test --offline` in the sandbox, and classified. The module is the model's
//! probe test, or a proptest property written from the spec (`property`); for the
//! latter the scratch copy gets proptest as a dev-dependency.

use crate::blame::{Blame, Subject};
use crate::c::{Confirmation, Outcome};
use crate::sandbox::{RunOutput, SRC_DIR, Sandbox, SandboxError, WORK_DIR, shell_quote};
use std::path::{Path, PathBuf};

/// The probe's module and test name.
pub const PROBE: &str = "vouch_probe";

/// The crate holding `file` (relative to `root`): the nearest folder at or above it,
/// inside `root`, with a `Cargo.toml`; and the file's path relative to that folder.
pub fn crate_of(root: &Path, file: &str) -> Option<(PathBuf, String)> {
    let full = root.join(file);
    let mut dir = full.parent()?;
    loop {
        if dir.join("Cargo.toml").is_file() {
            let rel = full.strip_prefix(dir).ok()?.to_string_lossy().into_owned();
            return Some((dir.to_path_buf(), rel));
        }
        if dir == root {
            return None;
        }
        dir = dir.parent()?;
        if !dir.starts_with(root) {
            return None;
        }
    }
}

/// The probe module appended to the function's file.
pub fn probe_module(body: &str) -> String {
    format!(
        "\n\n#[cfg(test)]\n#[allow(unused_imports, unused_variables, unused_mut, clippy::all)]\nmod {PROBE} {{\n    use super::*;\n\n    #[test]\n    fn {PROBE}() {{\n{body}\n    }}\n}}\n"
    )
}

/// Copies a crate (without `target/`, `.git/`, `.vouch/`) into `to`.
fn copy_crate(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if matches!(name.to_str(), Some("target" | ".git" | ".vouch")) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_crate(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// A manifest with proptest added to its dev-dependencies, or `None` when the crate
/// depends on proptest already.
pub fn with_proptest(manifest: &str) -> Option<String> {
    let mut section = String::new();
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            section = t.to_string();
        } else if (section == "[dependencies]" || section == "[dev-dependencies]")
            && t.split(['=', '.', ' ']).next() == Some("proptest")
        {
            return None;
        }
    }
    let dependency = crate::property::PROPTEST_DEPENDENCY;
    let mut out = String::with_capacity(manifest.len() + dependency.len() + 24);
    let mut added = false;
    for line in manifest.lines() {
        out.push_str(line);
        out.push('\n');
        if !added && line.trim() == "[dev-dependencies]" {
            out.push_str(dependency);
            out.push('\n');
            added = true;
        }
    }
    if !added {
        out.push_str("\n[dev-dependencies]\n");
        out.push_str(dependency);
        out.push('\n');
    }
    Some(out)
}

/// Builds the crate with the model's probe test and runs it in the sandbox.
pub fn confirm_rust(
    sandbox: &Sandbox,
    crate_dir: &Path,
    subject: &Subject,
    body: &str,
) -> Result<Confirmation, SandboxError> {
    run_module(
        sandbox,
        crate_dir,
        subject,
        &probe_module(body),
        PROBE,
        false,
    )
}

/// Builds the crate with a property module (see [`crate::property`]) and runs it.
pub fn confirm_property(
    sandbox: &Sandbox,
    crate_dir: &Path,
    subject: &Subject,
    module: &str,
) -> Result<Confirmation, SandboxError> {
    use crate::property::PROPERTY;
    run_module(sandbox, crate_dir, subject, module, PROPERTY, true)
}

/// Appends `module` (holding the test `test::test`) to `file` in a scratch copy of the
/// crate, with proptest among its dev-dependencies if `proptest`, and runs that test.
fn run_module(
    sandbox: &Sandbox,
    crate_dir: &Path,
    subject: &Subject,
    module: &str,
    test: &str,
    proptest: bool,
) -> Result<Confirmation, SandboxError> {
    let file = subject.file.as_str();
    let io = |e| SandboxError::Spawn("a scratch copy of the crate".into(), e);
    let scratch = tempfile::tempdir().map_err(io)?;
    let copy = scratch.path().join("crate");
    copy_crate(crate_dir, &copy).map_err(io)?;
    let target = copy.join(file);
    let mut text = std::fs::read_to_string(&target).map_err(io)?;
    text.push_str(module);
    std::fs::write(&target, &text).map_err(io)?;
    // The manifest with proptest added, when the crate lacks it.
    let mut manifest = None;
    if proptest {
        let path = copy.join("Cargo.toml");
        manifest = with_proptest(&std::fs::read_to_string(&path).map_err(io)?);
        if let Some(text) = &manifest {
            std::fs::write(&path, text).map_err(io)?;
        }
    }
    let binds = vec![(copy.clone(), "crate".to_string())];
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{home}/.cargo"));
    let rustup_home = std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{home}/.rustup"));
    let script = format!(
        "export CARGO_HOME={} RUSTUP_HOME={} PATH={}/bin:\"$PATH\" CARGO_TERM_COLOR=never RUST_BACKTRACE=0\n\
cp -R -H {SRC_DIR}/crate {WORK_DIR}/crate && cd {WORK_DIR}/crate || exit 96\n\
CARGO_TARGET_DIR={WORK_DIR}/target exec cargo test --offline --quiet --lib {test}::{test} -- --nocapture",
        shell_quote(&cargo_home),
        shell_quote(&rustup_home),
        shell_quote(&cargo_home),
    );
    let run = sandbox.run(&binds, &script)?;
    let mut setup = format!(
        "mkdir \"$scratch/crate\"\n\
tar -C {} --exclude=target --exclude=.git --exclude=.vouch -cf - . | tar -C \"$scratch/crate\" -xf -\n\
cat \"$test\" >> \"$scratch/crate/\"{}\n",
        shell_quote(&crate::sandbox::absolute(crate_dir).display().to_string()),
        shell_quote(file)
    );
    if let Some(manifest) = &manifest {
        setup.push_str(&format!(
            "cat > \"$scratch/crate/Cargo.toml\" <<'VOUCH_MANIFEST'\n{}\nVOUCH_MANIFEST\n",
            manifest.trim_end()
        ));
    }
    let reproduce = sandbox.reproduce_script(
        &format!("Appends the test module beside this script to {file} in a copy of the crate, and runs its test."),
        ".rs",
        &setup,
        &[("\"$scratch/crate\"".into(), "crate".into())],
        &script,
    );
    Ok(Confirmation {
        outcome: classify_rust(&run, subject),
        source: module.to_string(),
        command: sandbox.command_line(&binds, &script),
        reproduce,
        output: format!("{}{}", run.stdout, run.stderr),
    })
}

/// The outcome of a probe or property run about `subject`: confirmed by the clause's
/// own assertion (`vouch-assert: violated`) or by a panic located in `subject`; a
/// panic elsewhere (the test's set-up, another function's defect) is inconclusive.
pub fn classify_rust(run: &RunOutput, subject: &Subject) -> Outcome {
    let all = format!("{}\n{}", run.stdout, run.stderr);
    if let Some(stopped) = crate::c::stopped(run) {
        return stopped;
    }
    if all.contains("could not compile")
        || all.contains("error[E")
        || all.contains("error: expected")
    {
        let first: Vec<&str> = all
            .lines()
            .filter(|l| l.starts_with("error"))
            .take(3)
            .collect();
        return Outcome::Inconclusive {
            why: format!("the probe did not build: {}", first.join(" | ")),
        };
    }
    if all.contains("proptest") && all.contains("offline") && !all.contains("test result") {
        return Outcome::Inconclusive {
            why: "proptest is not in cargo's local cache, and the sandbox has no network (`cargo fetch` once in a crate that uses proptest 1 puts it there)".into(),
        };
    }
    if let Some(l) = all.lines().find(|l| l.contains("vouch-inconclusive: ")) {
        return Outcome::Inconclusive {
            why: format!(
                "the property found too few cases that meet the preconditions ({})",
                l.split("vouch-inconclusive: ").nth(1).unwrap_or(l).trim()
            ),
        };
    }
    if all.contains("test result: ok. 1 passed") {
        return Outcome::Refuted;
    }
    if let Some(l) = all.lines().find(|l| l.contains("vouch-assert: violated:")) {
        if subject.callee_claim && !subject.checks_consequence(l) {
            return Outcome::Inconclusive {
                why: crate::c::callee_claim_checked(l),
            };
        }
        return Outcome::Confirmed {
            why: crate::c::assertion_failed(subject, l),
        };
    }
    if let Some(i) = all.find("panicked at") {
        let rest = &all[i..];
        let message: Vec<&str> = rest.lines().take(2).collect();
        let message = message.join(" ");
        return match crate::blame::rust_panics(&all, subject) {
            Blame::Subject => Outcome::Confirmed {
                why: format!(
                    "the probe panicked in `{}`: {}",
                    subject.name,
                    message.trim()
                ),
            },
            Blame::Elsewhere(at) => Outcome::Inconclusive {
                why: format!(
                    "the test panicked at {at}, not in `{}`: a failure elsewhere shows nothing of this claim ({})",
                    subject.name,
                    message.trim()
                ),
            },
            Blame::Unplaced => Outcome::Inconclusive {
                why: format!(
                    "the test panicked outside `{}` ({})",
                    subject.name,
                    message.trim()
                ),
            },
        };
    }
    Outcome::Inconclusive {
        why: "the probe did not run (no test result)".into(),
    }
}
