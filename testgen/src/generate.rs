//! Model-written harnesses: one request per violation for a C `main` that triggers it,
//! built and run in the sandbox; when it does not build, the compiler's errors go back
//! to the model, a bounded number of times.

use crate::blame::Subject;
use crate::c::{CProject, Confirmation, Outcome, confirm};
use crate::sandbox::{Sandbox, SandboxError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use vouch_frontend::Lang;
use vouch_llm::{Client, Usage};
use vouch_specgen::prompt::{self, Vars};

const HARNESS_C: &str = include_str!("../prompts/harness-c.txt");
const PROBE_RUST: &str = include_str!("../prompts/probe-rust.txt");

/// The stage name of testgen's model calls.
pub const STAGE: &str = "testgen";
/// How many times a harness that does not build goes back to the model, by default.
pub const MAX_REPAIRS: usize = 3;
/// The version of a kept test result: bump it when the build, the run or the
/// classification of a test changes, so results kept by an older vouch are not reused.
const RESULT_FORMAT: &str = "vouch-testgen-result/6";
/// The longest harness kept from a reply, in bytes.
const MAX_CODE: usize = 12_000;

/// The ids of testgen's templates, as stored with each request.
pub fn prompt_ids() -> Vec<String> {
    vec![
        prompt::template_id(STAGE, "harness-c", HARNESS_C),
        prompt::template_id(STAGE, "probe-rust", PROBE_RUST),
    ]
}

/// What the model is told of a violation.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub function: String,
    pub signature: String,
    /// The file holding the function, relative to the project root.
    pub file: String,
    pub preconditions: Vec<String>,
    pub clause: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formal: Option<String>,
    pub counterexample: Vec<(String, String)>,
    pub explanation: String,
    /// The function's source with line numbers.
    pub source: String,
    /// The declarations it uses (types, constants, macros), to build its arguments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declarations: Vec<String>,
    /// Signatures and docs of the functions that make or take the same types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// For a claim that the function calls another without its precondition: what
    /// alone confirms it (a failure inside either), since checking the precondition
    /// itself restates the test's set-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm_by: Option<String>,
    /// For such a claim: the called function's source with line numbers, where the
    /// call's consequence shows (the test writer may see bodies; only a caller's check
    /// is kept to its callees' specs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callee_source: Option<String>,
    /// The function's id and body hash: part of the key its test results are kept by.
    #[serde(skip)]
    pub function_id: String,
    #[serde(skip)]
    pub function_hash: Option<String>,
    /// The function's lines in its file: a test confirms the claim only by failing
    /// there (or by its check of the clause).
    #[serde(skip)]
    pub start_line: u32,
    #[serde(skip)]
    pub end_line: u32,
    /// Other functions a failure confirming the claim may lie in (see
    /// [`Subject::also`]), with their files relative to the project root.
    #[serde(skip)]
    pub also: Vec<(String, u32, u32)>,
    /// For a call-precondition claim: the function's own clauses said to break
    /// through the call (their check confirms it; `confirm_by` names them).
    #[serde(skip)]
    pub also_breaks: Vec<String>,
}

impl Violation {
    /// The function under test, with its file as the test's build names it (for a
    /// Rust probe, relative to the crate).
    fn subject(&self, file: &str) -> Subject {
        Subject {
            name: self
                .function
                .rsplit("::")
                .next()
                .unwrap_or(&self.function)
                .to_string(),
            file: file.to_string(),
            start_line: self.start_line,
            end_line: self.end_line,
            // A Rust test names files relative to its crate: the same prefix goes.
            also: self
                .also
                .iter()
                .map(|(f, s, e)| {
                    let prefix = self.file.strip_suffix(file).unwrap_or("");
                    (f.strip_prefix(prefix).unwrap_or(f).to_string(), *s, *e)
                })
                .collect(),
            callee_claim: self.confirm_by.is_some(),
            consequences: self.also_breaks.clone(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
struct HarnessReply {
    /// The test: for C, code defining `int main(void)` (and helpers); for Rust, the
    /// statements of the probe test's body. Empty when `claim_false` is given.
    #[schemars(length(max = 12000))]
    code: String,
    /// Instead of a test: why the claim cannot be true (its counterexample breaks a
    /// precondition, or the code does not do what the claim says it does).
    #[serde(default)]
    #[schemars(length(max = 1000))]
    claim_false: Option<String>,
    /// Instead of a test: why a test cannot show the claim (it is about reading
    /// standard input, the process's exit status, or something else a test cannot reach).
    #[serde(default)]
    #[schemars(length(max = 1000))]
    cannot_test: Option<String>,
}

/// A harness run, and what it took.
#[derive(Debug)]
pub struct TestRun {
    pub confirmation: Confirmation,
    /// Harnesses written (the first and its repairs).
    pub attempts: usize,
    /// Of those, how many were not built and run again because the run store held the
    /// result of the same test against the same code.
    pub reused: usize,
    /// What the spec's proptest property showed, when one was run (Rust).
    pub property: Option<Outcome>,
    pub usage: Usage,
}

#[derive(Debug, thiserror::Error)]
pub enum TestgenError {
    #[error("the harness request failed: {0}")]
    Model(#[from] vouch_llm::LlmError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the sandbox task failed: {0}")]
    Join(String),
    #[error("no Cargo.toml above {0} in the tree, so there is no crate to put a probe in")]
    NoCrate(String),
}

/// Writes, builds and runs harnesses for C violations.
pub struct Confirmer<'a> {
    pub client: &'a Client,
    pub sandbox: &'a Sandbox,
    pub project: &'a CProject,
    pub max_repairs: usize,
    /// A hash of the audited sources (see [`tree_hash`]): a kept test result is reused
    /// only while it is unchanged.
    pub tree_hash: String,
}

/// The hash of a tree's sources (`(path, text)` pairs, in any order) that test results
/// are kept under: any edit to a source builds and runs the tests again.
pub fn tree_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort_unstable();
    let mut h = blake3::Hasher::new();
    for (path, text) in files {
        for part in [path, text] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    h.finalize().to_hex().to_string()
}

impl Confirmer<'_> {
    /// A C harness for `v`, built with its translation unit.
    pub async fn confirm_c(&self, v: &Violation) -> Result<TestRun, TestgenError> {
        let (sandbox, project) = (self.sandbox.clone(), self.project.clone());
        let subject = v.subject(&v.file);
        let name = v.function.clone();
        self.attempts(v, "harness-c", HARNESS_C, Lang::C, "", move |body| {
            let body = crate::c::without_redefinitions(&body, &[name.as_str()]);
            confirm(&sandbox, &project, &subject, &body)
        })
        .await
    }

    /// A Rust probe test for `v`, in a scratch copy of its crate.
    pub async fn confirm_rust(&self, v: &Violation) -> Result<TestRun, TestgenError> {
        let (crate_dir, file, manifest) = self.crate_of(v)?;
        self.probe(v, crate_dir, file, &manifest).await
    }

    /// The crate holding `v`'s file, the file's path in it, and the crate's manifest
    /// and lock file (they decide the dependencies a test builds with).
    fn crate_of(&self, v: &Violation) -> Result<(PathBuf, String, String), TestgenError> {
        let Some((crate_dir, file)) = crate::rust::crate_of(&self.project.root, &v.file) else {
            return Err(TestgenError::NoCrate(v.file.clone()));
        };
        let manifest = ["Cargo.toml", "Cargo.lock"]
            .iter()
            .map(|f| std::fs::read_to_string(crate_dir.join(f)).unwrap_or_default())
            .collect();
        Ok((crate_dir, file, manifest))
    }

    /// The model's probe test for `v`, in a scratch copy of `crate_dir`.
    async fn probe(
        &self,
        v: &Violation,
        crate_dir: PathBuf,
        file: String,
        manifest: &str,
    ) -> Result<TestRun, TestgenError> {
        let sandbox = self.sandbox.clone();
        let subject = v.subject(&file);
        self.attempts(
            v,
            "probe-rust",
            PROBE_RUST,
            Lang::Rust,
            manifest,
            move |body| crate::rust::confirm_rust(&sandbox, &crate_dir, &subject, &body),
        )
        .await
    }

    /// The key a test's result is kept under: everything the result depends on.
    fn result_key(&self, v: &Violation, name: &str, build: &str, code: &str) -> [u8; 32] {
        let limits = &self.sandbox.limits;
        let mut h = blake3::Hasher::new();
        for part in [
            RESULT_FORMAT,
            env!("CARGO_PKG_VERSION"),
            crate::c::CFLAGS,
            name,
            &v.function_id,
            v.function_hash.as_deref().unwrap_or(""),
            &self.tree_hash,
            build,
            &format!(
                "{}/{}/{}",
                limits.time.as_millis(),
                limits.memory_bytes,
                self.sandbox.is_isolated()
            ),
            code,
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        *h.finalize().as_bytes()
    }

    /// The result of `code` from the run store, or from building and running it (kept
    /// unless the sandbox stopped it at a limit). The flag says whether it was reused.
    async fn run_once<F>(
        &self,
        key: [u8; 32],
        code: String,
        run: F,
    ) -> Result<(Confirmation, bool), TestgenError>
    where
        F: FnOnce(String) -> Result<Confirmation, SandboxError> + Send + 'static,
    {
        let cache = self.client.cache();
        if let Ok(Some(text)) = cache.lookup_result(&key)
            && let Ok(kept) = serde_json::from_str::<Confirmation>(&text)
        {
            return Ok((kept, true));
        }
        let confirmation = tokio::task::spawn_blocking(move || run(code))
            .await
            .map_err(|e| TestgenError::Join(e.to_string()))??;
        if !confirmation.outcome.at_limit()
            && let Ok(text) = serde_json::to_string(&confirmation)
        {
            // A store that cannot be written only means the test runs again next time.
            let _ = cache.record_result(&key, STAGE, &text);
        }
        Ok((confirmation, false))
    }

    /// A Rust violation with the spec's property first, when there is one (see
    /// [`crate::property`]): a property that fails confirms it without a model call.
    /// Otherwise the model's probe runs too, and the violation is confirmed if the probe
    /// fails, refuted if either test passed, and inconclusive if neither showed anything.
    pub async fn confirm_rust_with(
        &self,
        v: &Violation,
        property: Option<String>,
    ) -> Result<TestRun, TestgenError> {
        let Some(module) = property else {
            return self.confirm_rust(v).await;
        };
        let (crate_dir, file, manifest) = self.crate_of(v)?;
        let key = self.result_key(v, "property", &manifest, &module);
        let (sandbox, dir, subject) = (self.sandbox.clone(), crate_dir.clone(), v.subject(&file));
        let (checked, kept) = self
            .run_once(key, module, move |m| {
                crate::rust::confirm_property(&sandbox, &dir, &subject, &m)
            })
            .await?;
        let outcome = checked.outcome.clone();
        if matches!(outcome, Outcome::Confirmed { .. }) {
            return Ok(TestRun {
                confirmation: checked,
                attempts: 0,
                reused: usize::from(kept),
                usage: Usage::default(),
                property: Some(outcome),
            });
        }
        let mut probe = self.probe(v, crate_dir, file, &manifest).await?;
        if outcome == Outcome::Refuted
            && !matches!(
                probe.confirmation.outcome,
                Outcome::Confirmed { .. } | Outcome::Refuted
            )
        {
            probe.confirmation = checked;
        }
        probe.property = Some(outcome);
        Ok(probe)
    }

    /// Asks for a test, runs it, and sends build errors back up to `max_repairs` times.
    /// `build` is what else the build depends on (a crate's manifest and lock file).
    async fn attempts<F>(
        &self,
        v: &Violation,
        name: &str,
        template: &'static str,
        lang: Lang,
        build: &str,
        run: F,
    ) -> Result<TestRun, TestgenError>
    where
        F: Fn(String) -> Result<Confirmation, SandboxError> + Clone + Send + 'static,
    {
        let mut usage = Usage::default();
        let mut previous: Option<(String, String)> = None;
        let (mut attempts, mut reused) = (0, 0);
        loop {
            attempts += 1;
            let mut data = serde_json::to_value(v).unwrap_or_default();
            if lang == Lang::C && !self.project.sources.contains(&v.file) {
                // The unit defines `main`: the harness sees it under another name.
                data["unit_main_renamed_to"] = serde_json::Value::from(crate::c::UNIT_MAIN);
            }
            if let Some((code, errors)) = &previous {
                data["previous_code"] = serde_json::Value::from(code.as_str());
                data["compiler_errors"] = serde_json::Value::from(errors.as_str());
            }
            let prompt = prompt::render_source(
                &prompt::template_id(STAGE, name, template),
                template,
                lang,
                &Vars::default(),
                &data,
            );
            let (reply, u): (HarnessReply, Usage) = self.client.call(STAGE, &prompt).await?;
            usage.add(&u);
            let answer = |text: &Option<String>| {
                text.as_deref()
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(|t| t.chars().take(1000).collect::<String>())
            };
            let untested = match (answer(&reply.claim_false), answer(&reply.cannot_test)) {
                (Some(why), _) => Some(Outcome::Disputed { why }),
                (None, Some(why)) => Some(Outcome::Inconclusive {
                    why: format!("the test writer says no test can show it: {why}"),
                }),
                (None, None) => None,
            };
            if let Some(outcome) = untested {
                return Ok(TestRun {
                    confirmation: Confirmation {
                        outcome,
                        source: String::new(),
                        command: String::new(),
                        reproduce: String::new(),
                        output: String::new(),
                    },
                    attempts,
                    reused,
                    usage,
                    property: None,
                });
            }
            let code: String = strip_fences(&reply.code).chars().take(MAX_CODE).collect();
            let key = self.result_key(v, name, build, &code);
            let (confirmation, kept) = self.run_once(key, code.clone(), run.clone()).await?;
            reused += usize::from(kept);
            let unbuilt = matches!(&confirmation.outcome, Outcome::Inconclusive { why } if why.contains("did not build"));
            if unbuilt && attempts <= self.max_repairs {
                previous = Some((code, errors_of(&confirmation.output)));
                continue;
            }
            return Ok(TestRun {
                confirmation,
                attempts,
                reused,
                usage,
                property: None,
            });
        }
    }
}

/// A reply's code without Markdown around it: the first fenced block when there is one
/// (small models wrap the code in prose and fences inside the JSON string).
fn strip_fences(code: &str) -> String {
    let t = code.trim();
    let Some(open) = t.find("```") else {
        return t.to_string();
    };
    let rest = &t[open + 3..];
    let rest = rest.split_once('\n').map_or("", |(_, r)| r);
    let inner = rest.find("```").map_or(rest, |close| &rest[..close]);
    inner.trim_end().to_string()
}

/// The compiler's and linker's output, without vouch's markers, bounded, and with
/// gcc's random temporary object names (`/tmp/ccAbC123.o`) made fixed, so the same
/// harness makes the same repair request (and a recorded run replays).
fn errors_of(output: &str) -> String {
    let text: Vec<&str> = output
        .lines()
        .filter(|l| !l.starts_with("@@vouch"))
        .collect();
    let text = text.join("\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("/cc") {
        let after = &rest[at + 3..];
        let random = after.len() >= 8
            && after.as_bytes()[..6].iter().all(u8::is_ascii_alphanumeric)
            && after[6..].starts_with(".o");
        out.push_str(&rest[..at + 3]);
        if random {
            out.push_str("XXXXXX");
            rest = &after[6..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out.chars().take(4000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_object_names_are_fixed() {
        let out = "@@vouch: build failed@@\n/usr/bin/ld: /tmp/vouch/work/ccQ1w2E3.o: in function `main':\nharness.c:(.text+0x9): undefined reference to `thrice'";
        assert_eq!(
            errors_of(out),
            "/usr/bin/ld: /tmp/vouch/work/ccXXXXXX.o: in function `main':\nharness.c:(.text+0x9): undefined reference to `thrice'"
        );
    }

    #[test]
    fn fences_are_stripped() {
        assert_eq!(
            strip_fences("```c\nint main(void) { return 0; }\n```"),
            "int main(void) { return 0; }"
        );
        assert_eq!(
            strip_fences("int main(void) { return 0; }"),
            "int main(void) { return 0; }"
        );
        assert_eq!(
            strip_fences(
                "Here is the test:\n```rust\nlet x = 1;\nassert_eq!(x, 1);\n```\nIt checks x."
            ),
            "let x = 1;\nassert_eq!(x, 1);"
        );
    }
}
