//! Caller expectations: what a function expects of each function it calls, per call
//! site, with where it came from. The model drafts them from the caller's body
//! ([`ExpectReply`]); [`Expectation::with_draft`] keeps what the body supports.

use crate::request::cap_bytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A fact the caller establishes before a call, with the code that establishes it.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct Guarded {
    /// The fact, in plain language.
    #[schemars(length(max = 300))]
    pub text: String,
    /// The guarding code, quoted exactly from the caller's body.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 300))]
    pub code: String,
}

/// What the model says one caller expects at one call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CallDraft {
    /// The call's id from the request (`c1`, `c2`, ...).
    #[schemars(length(max = 8))]
    pub call: String,
    /// What the caller has made true before the call.
    #[serde(default)]
    #[schemars(length(max = 4))]
    pub established: Vec<Guarded>,
    /// What the caller does with the result or relies on after the call.
    #[serde(default)]
    #[schemars(length(max = 4), inner(length(max = 300)))]
    pub relies_on: Vec<String>,
    /// Error values or outcomes the caller checks for after the call, and what it does then.
    #[serde(default)]
    #[schemars(length(max = 4), inner(length(max = 300)))]
    pub handles_errors: Vec<String>,
}

/// The reply to an expectations request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExpectReply {
    /// One entry per call of the request.
    #[schemars(length(max = 32))]
    pub calls: Vec<CallDraft>,
}

/// What one caller expects of one callee at one call site.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Expectation {
    /// The caller's id.
    pub caller: String,
    /// The callee's id.
    pub callee: String,
    /// Index of the call site in the program.
    pub site: u32,
    pub file: String,
    pub line: u32,
    /// The statement around the call, as written.
    pub statement: String,
    pub established: Vec<Guarded>,
    pub relies_on: Vec<String>,
    pub handles_errors: Vec<String>,
}

/// Longest text kept in an expectation, in bytes.
const MAX_TEXT: usize = 400;
/// Most entries kept in each list of an expectation.
const MAX_ITEMS: usize = 8;

impl Expectation {
    /// An expectation at a call site, before the model has said anything of it.
    pub fn at(
        caller: &str,
        callee: &str,
        site: u32,
        file: &str,
        line: u32,
        statement: &str,
    ) -> Expectation {
        Expectation {
            caller: caller.to_string(),
            callee: callee.to_string(),
            site,
            file: file.to_string(),
            line,
            statement: statement.to_string(),
            established: Vec::new(),
            relies_on: Vec::new(),
            handles_errors: Vec::new(),
        }
    }

    /// Fills in the model's draft, keeping what the caller's body supports: a quoted
    /// guard that does not occur in the body (whitespace aside) loses its quote, with a
    /// note; texts and lists are capped.
    pub fn with_draft(self, draft: CallDraft, caller_body: &str) -> (Expectation, Vec<String>) {
        let caller = &self.caller;
        let mut notes = Vec::new();
        let body = squash(caller_body);
        let mut established: Vec<Guarded> = draft
            .established
            .into_iter()
            .filter_map(|mut g| {
                g.text = cap_bytes(g.text.trim(), MAX_TEXT);
                g.code = cap_bytes(g.code.trim(), MAX_TEXT);
                if !g.code.is_empty() && !body.contains(&squash(&g.code)) {
                    notes.push(format!(
                        "the quoted guard `{}` is not in {caller}'s body; its quote is dropped",
                        g.code
                    ));
                    g.code.clear();
                }
                (!g.text.is_empty()).then_some(g)
            })
            .collect();
        established.dedup();
        established.truncate(MAX_ITEMS);
        let list = |v: Vec<String>| {
            let mut v: Vec<String> = v
                .into_iter()
                .map(|s| cap_bytes(s.trim(), MAX_TEXT))
                .filter(|s| !s.is_empty())
                .collect();
            v.dedup();
            v.truncate(MAX_ITEMS);
            v
        };
        let expectation = Expectation {
            established,
            relies_on: list(draft.relies_on),
            handles_errors: list(draft.handles_errors),
            ..self
        };
        (expectation, notes)
    }

    /// True when the caller expects nothing in particular.
    pub fn is_empty(&self) -> bool {
        self.established.is_empty() && self.relies_on.is_empty() && self.handles_errors.is_empty()
    }

    /// The content that makes two expectations the same, whoever states them.
    pub fn content_key(&self) -> String {
        let mut k = String::new();
        for g in &self.established {
            k.push_str(&squash(&g.text).to_lowercase());
            k.push('\u{1}');
        }
        k.push('\u{2}');
        for s in self.relies_on.iter().chain(&self.handles_errors) {
            k.push_str(&squash(s).to_lowercase());
            k.push('\u{1}');
        }
        k
    }

    /// How much the expectation tells: the number of distinct facts, with quoted guards
    /// and handled errors counting extra.
    pub fn weight(&self) -> usize {
        self.established.len() * 2
            + self
                .established
                .iter()
                .filter(|g| !g.code.is_empty())
                .count()
            + self.relies_on.len() * 2
            + self.handles_errors.len() * 3
    }
}

/// Whitespace removed, for comparing quoted code with the body it came from.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_must_come_from_the_callers_body() {
        let draft = CallDraft {
            call: "c1".into(),
            established: vec![
                Guarded {
                    text: "n fits in buf".into(),
                    code: "if (n >= sizeof buf)  return -1;".into(),
                },
                Guarded {
                    text: "p is not null".into(),
                    code: "assert(p != NULL)".into(),
                },
            ],
            relies_on: vec!["  result is the count ".into(), String::new()],
            handles_errors: vec![],
        };
        let body = "{\n  if (n >= sizeof buf)\n    return -1;\n  copy(buf, src, n);\n}";
        let at = Expectation::at("a.c::f#0", "a.c::copy#0", 3, "a.c", 4, "copy(buf, src, n);");
        let (e, notes) = at.with_draft(draft, body);
        assert_eq!(e.established[0].code, "if (n >= sizeof buf)  return -1;");
        assert_eq!(e.established[1].code, "", "an invented quote is dropped");
        assert_eq!(e.established[1].text, "p is not null", "its fact stays");
        assert_eq!(notes.len(), 1);
        assert_eq!(e.relies_on, vec!["result is the count".to_string()]);
        assert!(!e.is_empty());
    }
}
