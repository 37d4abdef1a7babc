//! Model-written harnesses: one request per violation for a C `main` that triggers it,
//! built and run in the sandbox; when it does not build, the compiler's errors go back
//! to the model, a bounded number of times.

use crate::c::{CProject, Confirmation, Outcome, confirm};
use crate::sandbox::{Sandbox, SandboxError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use vouch_frontend::Lang;
use vouch_llm::{Client, Usage};
use vouch_specgen::prompt::{self, Vars};

const HARNESS_C: &str = include_str!("../prompts/harness-c.txt");
const PROBE_RUST: &str = include_str!("../prompts/probe-rust.txt");

/// The stage name of testgen's model calls.
pub const STAGE: &str = "testgen";
/// How many times a harness that does not build goes back to the model, by default.
pub const MAX_REPAIRS: usize = 3;
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
}

#[derive(Debug, Deserialize, JsonSchema)]
struct HarnessReply {
    /// The test: for C, code defining `int main(void)` (and helpers); for Rust, the
    /// statements of the probe test's body.
    #[schemars(length(max = 12000))]
    code: String,
}

/// A harness run, and what it took.
#[derive(Debug)]
pub struct TestRun {
    pub confirmation: Confirmation,
    /// Harnesses written (the first and its repairs).
    pub attempts: usize,
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
}

impl Confirmer<'_> {
    /// A C harness for `v`, built with its translation unit.
    pub async fn confirm_c(&self, v: &Violation) -> Result<TestRun, TestgenError> {
        let (sandbox, project) = (self.sandbox.clone(), self.project.clone());
        let file = v.file.clone();
        self.attempts(v, "harness-c", HARNESS_C, Lang::C, move |body| {
            confirm(&sandbox, &project, &file, &body)
        })
        .await
    }

    /// A Rust probe test for `v`, in a scratch copy of its crate.
    pub async fn confirm_rust(&self, v: &Violation) -> Result<TestRun, TestgenError> {
        let Some((crate_dir, file)) = crate::rust::crate_of(&self.project.root, &v.file) else {
            return Err(TestgenError::NoCrate(v.file.clone()));
        };
        let sandbox = self.sandbox.clone();
        self.attempts(v, "probe-rust", PROBE_RUST, Lang::Rust, move |body| {
            crate::rust::confirm_rust(&sandbox, &crate_dir, &file, &body)
        })
        .await
    }

    /// Asks for a test, runs it, and sends build errors back up to `max_repairs` times.
    async fn attempts<F>(
        &self,
        v: &Violation,
        name: &str,
        template: &'static str,
        lang: Lang,
        run: F,
    ) -> Result<TestRun, TestgenError>
    where
        F: Fn(String) -> Result<Confirmation, SandboxError> + Clone + Send + 'static,
    {
        let mut usage = Usage::default();
        let mut previous: Option<(String, String)> = None;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let mut data = serde_json::to_value(v).unwrap_or_default();
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
            let code: String = strip_fences(&reply.code).chars().take(MAX_CODE).collect();
            let (body, run) = (code.clone(), run.clone());
            let confirmation = tokio::task::spawn_blocking(move || run(body))
                .await
                .map_err(|e| TestgenError::Join(e.to_string()))??;
            let unbuilt = matches!(&confirmation.outcome, Outcome::Inconclusive { why } if why.contains("did not build"));
            if unbuilt && attempts <= self.max_repairs {
                previous = Some((code, errors_of(&confirmation.output)));
                continue;
            }
            return Ok(TestRun {
                confirmation,
                attempts,
                usage,
            });
        }
    }
}

/// A reply's code without Markdown fences around it.
fn strip_fences(code: &str) -> String {
    let t = code.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t.to_string();
    };
    let rest = rest.split_once('\n').map_or("", |(_, r)| r);
    rest.trim_end()
        .trim_end_matches("```")
        .trim_end()
        .to_string()
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
    }
}
