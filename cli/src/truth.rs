//! `vouch eval --confirm-truth`: the confirming stage alone, against ground truth. Each
//! planted bug of a manifest goes to testgen as a claimed violation (its description as
//! the clause broken), and so does each correct look-alike (its doc comment as the
//! clause, which it keeps). A good test confirms the bugs and refutes the look-alikes;
//! the score says how often the model's tests do.

use crate::audit::{PipelineFlags, build};
use crate::confirm::confirm_findings;
use crate::eval::Manifest;
use crate::specs::{Prepared, connect};
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use vouch_frontend::{FnIdx, Function};
use vouch_hoare::{CheckResult, DecidedBy, Verdict, Violation};
use vouch_llm::Cache;
use vouch_reports::Status;
use vouch_specgen::spec::Section;

/// How one claimed violation ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claim {
    /// The bug's id, or `correct` for a look-alike.
    pub id: String,
    pub function: String,
    pub status: Status,
    /// testgen's note: the reason, the tests written.
    pub note: String,
}

/// The confirming stage's score on one corpus, or on all.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TruthScore {
    pub bugs: usize,
    pub bugs_confirmed: usize,
    pub bugs_refuted: usize,
    pub lookalikes: usize,
    pub lookalikes_refuted: usize,
    /// Correct functions whose test "confirmed" a violation: false confirmations.
    pub lookalikes_confirmed: usize,
    /// Manifest functions not found in the tree.
    pub missing: usize,
    pub calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub seconds: f64,
    /// With `--cache replay`: requests that had no recorded reply (the eval fails).
    #[serde(default, skip_serializing_if = "crate::eval::is_zero")]
    pub replay_misses: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<Claim>,
}

impl TruthScore {
    pub fn add(&mut self, o: &TruthScore) {
        self.bugs += o.bugs;
        self.bugs_confirmed += o.bugs_confirmed;
        self.bugs_refuted += o.bugs_refuted;
        self.lookalikes += o.lookalikes;
        self.lookalikes_refuted += o.lookalikes_refuted;
        self.lookalikes_confirmed += o.lookalikes_confirmed;
        self.missing += o.missing;
        self.calls += o.calls;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
        self.seconds += o.seconds;
        self.replay_misses += o.replay_misses;
    }

    /// One line of the table.
    pub fn row(&self, name: &str) -> String {
        let share = |n: usize, of: usize| {
            if of == 0 {
                "-".to_string()
            } else {
                format!("{n}/{of} ({:.0}%)", 100.0 * n as f64 / of as f64)
            }
        };
        format!(
            "{name:<16} {:>16} {:>14} {:>16} {:>14} {:>6} {:>9.0}\n",
            share(self.bugs_confirmed, self.bugs),
            share(self.bugs_refuted, self.bugs),
            share(self.lookalikes_refuted, self.lookalikes),
            share(self.lookalikes_confirmed, self.lookalikes),
            self.calls,
            self.seconds
        )
    }

    pub fn header() -> String {
        format!(
            "{:<16} {:>16} {:>14} {:>16} {:>14} {:>6} {:>9}\n",
            "corpus",
            "bugs confirmed",
            "bugs refuted",
            "correct refuted",
            "correct confd",
            "calls",
            "seconds"
        )
    }
}

/// The claimed violation of `func`: the clause it is said to break.
fn claim(func: &Function, idx: FnIdx, clause: String, explanation: String) -> CheckResult {
    CheckResult {
        function: idx,
        id: func.id.to_string(),
        verdict: Verdict::Violated {
            violations: vec![Violation {
                id: "p1".into(),
                clause,
                formal: None,
                section: Section::Postcondition,
                from: Vec::new(),
                counterexample: Vec::new(),
                evidence_lines: Vec::new(),
                explanation,
                decided_by: DecidedBy::Model,
                callee: None,
                also_breaks: Vec::new(),
            }],
            steps: Vec::new(),
        },
        z3_decided: 0,
        notes: Vec::new(),
        blocks: 0,
        model_calls: 0,
        prompt_tokens: 0,
    }
}

/// Sends every bug and look-alike of `manifest` to testgen and scores the outcomes;
/// also says which model answered.
pub(crate) async fn confirm_truth(
    prepared: &Prepared,
    cache: Cache,
    manifest: &Manifest,
    flags: &PipelineFlags,
) -> Result<(TruthScore, String)> {
    let started = std::time::Instant::now();
    let program = &prepared.program;
    let find = |name: &str, file: &str| {
        program
            .functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.qualified_name == name && program.file(f.file).path == file)
            .map(|(i, f)| (FnIdx(i as u32), f))
    };
    let mut score = TruthScore::default();
    let mut results = Vec::new();
    // Which claim each function's finding is: the bug's id, or `correct`.
    let mut ids: HashMap<String, String> = HashMap::new();
    for b in &manifest.bug {
        let Some((idx, func)) = find(&b.function, &b.file) else {
            score.missing += 1;
            continue;
        };
        score.bugs += 1;
        ids.insert(func.id.to_string(), b.id.clone());
        results.push(claim(
            func,
            idx,
            b.description.clone(),
            b.description.clone(),
        ));
    }
    for c in &manifest.correct {
        let Some((idx, func)) = find(&c.function, &c.file) else {
            score.missing += 1;
            continue;
        };
        if ids.contains_key(func.id.as_str()) {
            continue;
        }
        score.lookalikes += 1;
        ids.insert(func.id.to_string(), "correct".into());
        let contract = func
            .doc
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| {
                format!(
                    "`{}` does what its name and signature promise its callers",
                    func.name
                )
            });
        results.push(claim(
            func,
            idx,
            contract,
            "a reviewer claims the function breaks this contract for some input".into(),
        ));
    }
    let connected = connect(prepared.llm.clone(), cache, flags.quiet).await?;
    let client = Arc::new(connected.client);
    let mut report = build(
        program,
        &HashMap::new(),
        results,
        vouch_reports::RunInfo::default(),
    );
    confirm_findings(
        prepared,
        &client,
        &HashMap::new(),
        &mut report,
        &flags.confirming,
        flags.quiet,
    )
    .await;
    if let Some(local) = connected.local {
        local.stop().await;
    }
    for f in &report.findings {
        let id = ids.get(&f.function_id).cloned().unwrap_or_default();
        let correct = id == "correct";
        match (f.status, correct) {
            (Status::Confirmed, false) => score.bugs_confirmed += 1,
            (Status::Refuted, false) => score.bugs_refuted += 1,
            (Status::Confirmed, true) => score.lookalikes_confirmed += 1,
            (Status::Refuted, true) => score.lookalikes_refuted += 1,
            _ => {}
        }
        score.claims.push(Claim {
            id,
            function: f.function.clone(),
            status: f.status,
            note: f
                .notes
                .iter()
                .find(|n| n.starts_with("testgen"))
                .cloned()
                .unwrap_or_default(),
        });
    }
    let usage = client.usage();
    score.calls = usage.total.calls;
    score.prompt_tokens = usage.total.prompt_tokens;
    score.completion_tokens = usage.total.completion_tokens;
    score.seconds = started.elapsed().as_secs_f64();
    score.replay_misses = client.cache().replay_misses();
    Ok((score, client.model().to_string()))
}
