//! The spec format: what a function must do, as clauses in natural language with an
//! optional formal fragment, and where each clause came from.
//!
//! The model writes a [`SpecDraft`]; [`Spec::from_draft`] turns it into a [`Spec`],
//! treating the draft as untrusted input: texts are capped, every formal fragment is
//! parsed and type-checked against the function's signature (an invalid one is dropped
//! with a diagnostic and its clause stays as natural language), caller references are
//! checked against the callers the request named, and the confidence is clamped.

use crate::formula::{self, Env, Position};
use crate::types::{Types, key};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Version of the spec format; part of every stored spec.
pub const SPEC_FORMAT_VERSION: u32 = 1;
/// Longest clause or summary text kept, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;
/// Most clauses kept in one section.
pub const MAX_CLAUSES: usize = 24;

/// One requirement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Clause {
    /// The requirement in plain language.
    #[schemars(length(max = 400))]
    pub text: String,
    /// The same requirement in the formula language, when it can be stated formally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 200))]
    pub formal: Option<String>,
    /// The callers (by the ids given in the request) whose use of the function this
    /// clause comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 24), inner(length(max = 12)))]
    pub from: Vec<String>,
}

/// What the model is asked to write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpecDraft {
    /// One or two sentences: what the function is for, as its callers use it.
    #[schemars(length(max = 400))]
    pub summary: String,
    /// What must hold when the function is called.
    #[serde(default)]
    #[schemars(length(max = 6))]
    pub preconditions: Vec<Clause>,
    /// What holds when it returns normally.
    #[serde(default)]
    #[schemars(length(max = 6))]
    pub postconditions: Vec<Clause>,
    /// What it changes besides its result (memory, globals, files, ownership).
    #[serde(default)]
    #[schemars(length(max = 6))]
    pub side_effects: Vec<Clause>,
    /// How it reports failure, and what holds then.
    #[serde(default)]
    #[schemars(length(max = 6))]
    pub errors: Vec<Clause>,
    /// How sure the writer is, from 0 to 1.
    #[serde(default)]
    pub confidence: f64,
}

/// Where a spec's intent came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Drawn from the expectations of `callers` distinct callers at `sites` call sites:
    /// `quoted` expectations quoted in full (after identical ones were merged),
    /// `summarized` call sites condensed into short requirements, and `unread` call
    /// sites left out because the token budget ran out.
    Callers {
        callers: usize,
        sites: usize,
        quoted: usize,
        summarized: usize,
        unread: usize,
    },
    /// No caller in the tree: from the function's doc, name, signature and tests.
    Root,
}

/// The kinds of clause sections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Precondition,
    Postcondition,
    SideEffect,
    Error,
}

/// Something in a draft that vouch could not keep as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecDiagnostic {
    pub section: Section,
    /// Index of the clause in its section of the draft.
    pub clause: usize,
    pub message: String,
}

/// A quoted caller expectation a clause can refer to (`from`), and the call sites that
/// expect exactly that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Provenance {
    /// `e1`, `e2`, ...: the id the request gave it.
    pub id: String,
    pub sites: Vec<CallerSite>,
}

/// One call site in the program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CallerSite {
    /// The caller's id.
    pub caller: String,
    pub file: String,
    pub line: u32,
}

/// A function's specification as vouch keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Spec {
    pub format: u32,
    /// The function's id.
    pub function: String,
    pub origin: Origin,
    pub summary: String,
    pub preconditions: Vec<Clause>,
    pub postconditions: Vec<Clause>,
    pub side_effects: Vec<Clause>,
    pub errors: Vec<Clause>,
    pub confidence: f64,
    /// The caller expectations the clauses' `from` refer to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Provenance>,
}

impl Spec {
    /// Validates a draft against the function's signature (`env`) and the caller ids
    /// the request named.
    pub fn from_draft(
        function: &str,
        origin: Origin,
        draft: SpecDraft,
        env: &Env,
        callers: &[String],
    ) -> (Spec, Vec<SpecDiagnostic>) {
        let mut diags = Vec::new();
        let mut section = |clauses: Vec<Clause>, which: Section| {
            let pos = if which == Section::Precondition {
                Position::Pre
            } else {
                Position::Post
            };
            let mut kept = Vec::new();
            for (i, mut c) in clauses.into_iter().enumerate() {
                let mut note = |message: String| {
                    diags.push(SpecDiagnostic {
                        section: which,
                        clause: i,
                        message,
                    })
                };
                if kept.len() >= MAX_CLAUSES {
                    note(format!(
                        "more than {MAX_CLAUSES} clauses; the rest are dropped"
                    ));
                    break;
                }
                c.text = cap(c.text.trim());
                if c.text.is_empty() {
                    note("a clause without text is dropped".into());
                    continue;
                }
                if kept.iter().any(|k: &Clause| k.text == c.text) {
                    note("a repeated clause is dropped".into());
                    continue;
                }
                if let Some(f) = c
                    .formal
                    .take()
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                {
                    match formula::parse_checked(&f, env, pos) {
                        Ok(_) => c.formal = Some(f),
                        Err(e) => note(format!(
                            "formal fragment dropped, the clause stays as text: {}",
                            e.render(&f)
                        )),
                    }
                }
                let before = c.from.len();
                c.from.retain(|id| callers.contains(id));
                c.from.sort();
                c.from.dedup();
                if c.from.len() < before {
                    note("references to callers that were not in the request are dropped".into());
                }
                kept.push(c);
            }
            kept
        };
        let preconditions = section(draft.preconditions, Section::Precondition);
        let mut postconditions = section(draft.postconditions, Section::Postcondition);
        let mut side_effects = section(draft.side_effects, Section::SideEffect);
        let mut errors = section(draft.errors, Section::Error);
        // A formal fragment copied onto another clause says nothing of that clause's
        // own text (and contradicts it as often as not): the first keeps it.
        let mut formals: Vec<String> = Vec::new();
        for (which, clauses) in [
            (Section::Postcondition, &mut postconditions),
            (Section::SideEffect, &mut side_effects),
            (Section::Error, &mut errors),
        ] {
            for (i, c) in clauses.iter_mut().enumerate() {
                let Some(f) = &c.formal else { continue };
                let key: String = f.split_whitespace().collect();
                if formals.contains(&key) {
                    c.formal = None;
                    diags.push(SpecDiagnostic {
                        section: which,
                        clause: i,
                        message: "formal fragment dropped: it repeats another clause's, so it does not state this one; the clause stays as text".into(),
                    });
                } else {
                    formals.push(key);
                }
            }
        }
        let confidence = if draft.confidence.is_finite() {
            draft.confidence.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let spec = Spec {
            format: SPEC_FORMAT_VERSION,
            function: function.to_string(),
            origin,
            summary: cap(draft.summary.trim()),
            preconditions,
            postconditions,
            side_effects,
            errors,
            confidence,
            provenance: Vec::new(),
        };
        (spec, diags)
    }

    /// Every clause with its section, in order.
    pub fn clauses(&self) -> impl Iterator<Item = (Section, &Clause)> {
        let tag = |section: Section| move |c| (section, c);
        (self.preconditions.iter().map(tag(Section::Precondition)))
            .chain(self.postconditions.iter().map(tag(Section::Postcondition)))
            .chain(self.side_effects.iter().map(tag(Section::SideEffect)))
            .chain(self.errors.iter().map(tag(Section::Error)))
    }
}

/// The names a function's formal fragments may use: its parameters and its result,
/// typed through the program's `types` (a method's `self` and `Self` are its type).
pub fn env_of(f: &vouch_frontend::Function, types: &Arc<Types>) -> Env {
    let self_ty = f.rust.as_ref().and_then(|r| r.self_ty.as_deref());
    let own = |t: &'_ str| -> String {
        match self_ty {
            Some(s) if matches!(key(t).as_str(), "self" | "Self") => s.to_string(),
            _ => t.to_string(),
        }
    };
    let params: Vec<(&str, String)> = f
        .signature
        .params
        .iter()
        .map(|p| (p.name.as_str(), own(&p.ty)))
        .collect();
    let ret = f.signature.ret.as_deref().map(own);
    Env::typed(
        params.iter().map(|(n, t)| (*n, t.as_str())),
        ret.as_deref(),
        types.clone(),
    )
}

fn cap(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_TEXT_CHARS).collect();
    out.push('…');
    out
}
