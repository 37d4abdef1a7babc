//! The findings model: one `Report` per run, versioned by `SCHEMA_VERSION`, that every
//! renderer reads and `findings.json` holds. Its JSON Schema is `findings_schema()`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of `findings.json`. Raise it when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one audit found, with how it was found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub run: RunInfo,
    pub summary: Summary,
    /// Sorted by file, line and id, the questions about intent last.
    pub findings: Vec<Finding>,
    /// Functions vouch could not decide, each with its reason.
    pub unknowns: Vec<Unknown>,
    /// Inline suppressions that matched no finding.
    #[serde(default)]
    pub unused_suppressions: Vec<SuppressionSite>,
    /// Against a baseline (`vouch ci`): known findings no longer found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<FixedFinding>,
    /// What the user should know about the run itself (malformed suppressions, ...).
    #[serde(default)]
    pub diagnostics: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How the run was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunInfo {
    pub tool: String,
    pub version: String,
    /// The audited path as given.
    pub root: String,
    pub model: String,
    /// Every prompt template used, as `stage.name@version`.
    pub prompts: Vec<String>,
    /// Whether Z3 decided formal steps (`--no-solver` turns it off).
    pub solver: bool,
    pub usage: Usage,
    pub usage_by_stage: BTreeMap<String, Usage>,
    /// The budget that ran out, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_spent: Option<String>,
    /// With `--cache replay`: requests that had no recorded reply. Their functions are
    /// unknown, so the run is not a repetition of the recorded one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replay_misses: u64,
    /// Every model reply came from a recording (`--cache replay`): no model was asked
    /// during this run, and the report says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    pub timings: Vec<Timing>,
    /// Stages that did not run, with why.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

/// Model usage and its estimated cost.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    pub calls: u64,
    pub cache_hits: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Tokens of the replies answered from the run store, as recorded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replayed_prompt_tokens: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub replayed_completion_tokens: u64,
    pub cost_usd: f64,
}

/// Wall time of one stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timing {
    pub stage: String,
    pub seconds: f64,
}

/// A stage that did not run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    pub stage: String,
    pub reason: String,
}

/// Counts over the run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub files: usize,
    pub functions: usize,
    pub checked: usize,
    /// Test functions left out of the checks (`--check-tests` checks them); their calls
    /// still shaped their callees' specs.
    #[serde(default)]
    pub tests_not_checked: usize,
    /// The clauses of the checked functions' specs, and how many of them had a formal
    /// side (the part Z3 can decide).
    #[serde(default)]
    pub clauses: usize,
    #[serde(default)]
    pub formal_clauses: usize,
    /// Steps Z3 decided: proofs, refutations, rejected counterexamples, vacuous specs.
    #[serde(default)]
    pub z3_decided: usize,
    pub verified: usize,
    pub violated: usize,
    pub unknown: usize,
    pub confirmed: usize,
    pub unconfirmed: usize,
    pub refuted: usize,
    pub suppressed: usize,
    /// Broken clauses of specs the model wrote without enough confidence (`question` set):
    /// not counted above, never failing a run.
    #[serde(default)]
    pub questions: usize,
    /// Against a baseline (`vouch ci`): findings not in it, and findings already in it.
    #[serde(default)]
    pub new: usize,
    #[serde(default)]
    pub preexisting: usize,
}

/// What a finding says is wrong.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A postcondition the callers rely on does not hold at some exit.
    Postcondition,
    /// An error the callers expect is not reported the way they handle it.
    ErrorContract,
    /// A call where the caller cannot establish the called function's precondition.
    CallPrecondition,
}

impl Kind {
    pub const ALL: [Kind; 3] = [
        Kind::Postcondition,
        Kind::ErrorContract,
        Kind::CallPrecondition,
    ];

    /// The name used in `findings.json` and in `vouch-ignore[...]`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Postcondition => "postcondition",
            Kind::ErrorContract => "error-contract",
            Kind::CallPrecondition => "call-precondition",
        }
    }

    pub fn rule_id(self) -> String {
        format!("vouch/{}", self.name())
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// One line for a rule list.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Postcondition => "A function breaks a postcondition its callers rely on",
            Kind::ErrorContract => {
                "A function does not report an error the way its callers handle it"
            }
            Kind::CallPrecondition => {
                "A function calls another without establishing what the called function requires"
            }
        }
    }

    /// The help text of the rule.
    pub fn help(self) -> &'static str {
        match self {
            Kind::Postcondition => {
                "vouch derived this function's specification from how its callers use it: what they check \
before the call, what they do with the result. The function's body does not establish one of the \
postconditions at some exit, so a caller that relies on it misbehaves. The finding names the clause, the \
callers that expect it, the reasoning steps over the body and a counterexample. Fix the function, or, if the \
callers expect too much, fix them; suppress with `// vouch-ignore[postcondition]: reason`."
            }
            Kind::ErrorContract => {
                "vouch derived this function's error behaviour from how its callers handle errors: which codes, \
`None`s or `Err`s they test for. On some path the function fails differently (another code, no error, a \
panic), so the callers' error handling does not run. Fix the error path or the callers; suppress with \
`// vouch-ignore[error-contract]: reason`."
            }
            Kind::CallPrecondition => {
                "The called function's specification requires something of its arguments or of the state \
(derived from all its callers), and on some path this caller does not make it true before the call: the \
called function may then misbehave however correct it is. The finding names the call, the called function \
and a counterexample. Establish the precondition before the call (a check, a guard, another argument); \
suppress with `// vouch-ignore[call-precondition]: reason`."
            }
        }
    }
}

/// What the generated test showed (DESIGN.md, verdicts and findings).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A test failed the way the violation predicted.
    Confirmed,
    /// No test could show it (none generated, or it could not be built or run).
    Unconfirmed,
    /// The test passed: kept as information.
    Refuted,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Confirmed => "confirmed",
            Status::Unconfirmed => "unconfirmed",
            Status::Refuted => "refuted",
        }
    }

    /// The severity a finding of this status is reported at.
    pub fn severity(self) -> Severity {
        match self {
            Status::Confirmed => Severity::Error,
            Status::Unconfirmed => Severity::Warning,
            Status::Refuted => Severity::Note,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

/// Who decided that the clause is broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    Model,
    Z3,
}

/// One function that does not do what its callers need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// `VCH-` and the first 10 hex digits of the fingerprint.
    pub id: String,
    /// Hash of rule, function id and normalized clause: stable when lines move.
    pub fingerprint: String,
    pub rule: String,
    pub kind: Kind,
    pub severity: Severity,
    pub status: Status,
    /// Qualified name.
    pub function: String,
    pub function_id: String,
    pub file: String,
    /// The function's lines.
    pub start_line: u32,
    pub end_line: u32,
    /// The line the finding points at: the first evidence line inside the function, or its first line.
    pub line: u32,
    pub clause: ClauseRef,
    /// The call sites whose expectations the clause came from.
    pub expected_by: Vec<CallerSite>,
    pub explanation: String,
    /// The forward reasoning, one step per block of the body.
    pub steps: Vec<Step>,
    pub evidence_lines: Vec<u32>,
    pub counterexample: Vec<Binding>,
    pub decided_by: DecidedBy,
    pub spec: SpecView,
    /// The function's source, for the viewer.
    pub source: Source,
    /// The test that confirmed or refuted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<TestEvidence>,
    /// The inline suppression that covers it; a suppressed finding never fails a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<SuppressionSite>,
    /// Set, with the reason, when the broken clause rests on a guess: it belongs to a
    /// spec the model wrote with a confidence below `--min-spec-confidence` (its callers
    /// and docs told too little). Such a finding is a question about the function's
    /// intent for its author: it is reported and tested like any finding, but it never
    /// fails a run and the summary counts it apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Against a baseline (`vouch ci`): whether it was known before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
}

/// A finding's state against the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    /// Not in the baseline: the change brought it.
    New,
    /// In the baseline already.
    Unchanged,
}

/// A baseline finding that a re-check no longer finds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FixedFinding {
    pub id: String,
    pub fingerprint: String,
    pub function_id: String,
    pub file: String,
    pub clause: String,
}

/// The violated clause.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClauseRef {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formal: Option<String>,
    /// `postcondition`, `side_effect`, `error`, or `precondition` for a call whose
    /// callee's precondition the caller does not establish.
    pub section: String,
    /// For a `precondition`: the called function's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callee: Option<String>,
    /// For a `precondition`: the function's own clauses said to break through the
    /// call, in the same state; this finding stands for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_breaks: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallerSite {
    pub caller: String,
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Step {
    pub start_line: u32,
    pub end_line: u32,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Binding {
    pub name: String,
    pub value: String,
}

/// The function's spec as the viewer shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpecView {
    pub summary: String,
    pub preconditions: Vec<String>,
    pub postconditions: Vec<String>,
    pub side_effects: Vec<String>,
    pub errors: Vec<String>,
}

/// Source lines, starting at `start_line`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Source {
    pub start_line: u32,
    pub text: String,
    /// The text was cut at the size limit.
    #[serde(default)]
    pub truncated: bool,
}

/// The generated test of a finding and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TestEvidence {
    /// Under the report's `tests/` folder.
    pub path: String,
    pub source: String,
    /// The command that reproduces it, from the report directory: `sh tests/<id>.sh`
    /// (in results kept from before such scripts, the run's own command line).
    pub command: String,
    /// The script `command` runs, saved beside the test as `tests/<id>.sh`: it repeats
    /// the build and the run in the same sandbox, from the saved test.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub script: String,
    pub output: String,
}

/// An inline `vouch-ignore[kind]: reason` comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SuppressionSite {
    pub file: String,
    pub line: u32,
    /// A kind name, or `all`.
    pub kind: String,
    pub reason: String,
}

/// A function vouch could not decide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unknown {
    pub function: String,
    pub function_id: String,
    pub file: String,
    pub line: u32,
    /// The stage that gave up (`specgen`, `hoare`).
    pub stage: String,
    pub reason: String,
}

/// The fingerprint of a finding: rule, function id and clause, with the clause's case,
/// punctuation and spacing normalized, so moving code or rewording whitespace keeps it.
pub fn fingerprint(rule: &str, function_id: &str, clause: &str) -> String {
    let normalized: String = clause
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut h = blake3::Hasher::new();
    for part in ["vouch-finding/1", rule, function_id, &normalized] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..32].to_string()
}

/// The short id of a fingerprint.
pub fn finding_id(fingerprint: &str) -> String {
    format!("VCH-{}", &fingerprint[..10.min(fingerprint.len())])
}

impl Report {
    /// Sorts everything and recounts the statuses, so the output is the same for the same run.
    pub fn finalize(&mut self) {
        // Questions about intent after the findings.
        self.findings.sort_by(|a, b| {
            (a.is_question(), &a.file, a.line, &a.id).cmp(&(
                b.is_question(),
                &b.file,
                b.line,
                &b.id,
            ))
        });
        self.unknowns.sort_by(|a, b| {
            (&a.file, a.line, &a.function_id).cmp(&(&b.file, b.line, &b.function_id))
        });
        self.unused_suppressions
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        let s = &mut self.summary;
        s.questions = self.findings.iter().filter(|f| f.is_question()).count();
        s.violated = self.findings.len() - s.questions;
        s.unknown = self.unknowns.len();
        s.confirmed = 0;
        s.unconfirmed = 0;
        s.refuted = 0;
        s.suppressed = 0;
        s.new = 0;
        s.preexisting = 0;
        self.fixed
            .sort_by(|a, b| (&a.file, &a.id).cmp(&(&b.file, &b.id)));
        for f in self.findings.iter().filter(|f| !f.is_question()) {
            match f.baseline {
                Some(BaselineState::New) => s.new += 1,
                Some(BaselineState::Unchanged) => s.preexisting += 1,
                None => {}
            }
            match f.status {
                Status::Confirmed => s.confirmed += 1,
                Status::Unconfirmed => s.unconfirmed += 1,
                Status::Refuted => s.refuted += 1,
            }
            if f.suppression.is_some() {
                s.suppressed += 1;
            }
        }
    }

    /// Findings that count towards failing a run: not suppressed, not a question, and at
    /// least as sure as `at`.
    pub fn failing(&self, at: Status) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_none() && !f.is_question() && f.status.at_least(at))
            .count()
    }
}

impl Finding {
    /// Whether it is a question about intent rather than a finding (`question`).
    pub fn is_question(&self) -> bool {
        self.question.is_some()
    }

    /// The status a reader is shown: `suppressed` or `question` before the test's.
    pub fn shown_status(&self) -> &'static str {
        if self.suppression.is_some() {
            "suppressed"
        } else if self.is_question() {
            "question"
        } else {
            self.status.name()
        }
    }
}

impl Status {
    /// Whether this status is at least as sure as `other`.
    pub fn at_least(self, other: Status) -> bool {
        self.rank() >= other.rank()
    }

    /// Confirmed ranks above unconfirmed, which ranks above refuted.
    fn rank(self) -> u8 {
        match self {
            Status::Confirmed => 2,
            Status::Unconfirmed => 1,
            Status::Refuted => 0,
        }
    }
}

/// The JSON Schema of `findings.json`.
pub fn findings_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default()
}
