//! The check of one function against its own spec, assuming only its callees' specs.
//!
//! 1. Z3 first asks whether the spec's formal preconditions can hold at all; a vacuous
//!    spec is `Unknown`, since anything would "hold" under it.
//! 2. The body is split into blocks; for each block the model reasons forward from the
//!    current precondition and returns the postcondition (the next block's
//!    precondition), whether each callee's preconditions hold at its call, and the
//!    state at every exit in the block.
//! 3. A verdict request decides every postcondition, side effect and error clause at
//!    the exits; a violation must come with a counterexample.
//! 4. Z3 decides what is formal, and who wins is fixed:
//!    - a clause that follows from every exit's formal state is proved; the model's
//!      "holds" stands, and its "broken" is overruled only when the proof needs no
//!      state the model wrote (the formal preconditions and the types alone imply the
//!      clause). A proof from the model's exit states does not overrule the model's
//!      traced counterexample: both are the model's words, the counterexample is the
//!      more specific, and the test decides (a note says they disagree);
//!    - a counterexample that breaks the formal preconditions or the parameters'
//!      types is rejected: no finding, and nothing for testgen;
//!    - a state at an exit that allows the clause to be false is a counterexample
//!      only when it pins the clause down (every value the clause reads fixed by the
//!      entry state, [`Solver::pins`]); even then, against the model's "holds" it is
//!      no finding, since the exit states are the model's partial account of the body
//!      — the clause is undecided (`Unknown`), with the values. With the model's
//!      "broken" it backs the violation (`decided_by: z3`).
//!
//! Every broken clause is its own violation: one never hides another. `Verified` only
//! when every clause was shown to hold and nothing was skipped; an unusable reply, a
//! missing clause or a failed call is `Unknown` with the reason.

use crate::blocks::{self, Block};
use crate::solver::{Decision, Solver};
use crate::values;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{FnIdx, Function, Program};
use vouch_llm::{Client, Usage};
use vouch_specgen::formula::{self, Env, Expr, Position, Ty};
use vouch_specgen::prompt::{self, Vars};
use vouch_specgen::spec::{Clause, Section, Spec, env_of};
use vouch_specgen::types::Types;

const STEP: &str = include_str!("../prompts/step.txt");
const VERDICT: &str = include_str!("../prompts/verdict.txt");
/// The model stage name in usage reports.
pub const STAGE: &str = "hoare";

/// The ids of the checker's templates, as stored with each request.
pub fn prompt_ids() -> Vec<String> {
    vec![
        prompt::template_id(STAGE, "step", STEP),
        prompt::template_id(STAGE, "verdict", VERDICT),
    ]
}

/// Limits of a check; each has a flag.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Lines of one block, about.
    pub block_lines: u32,
    /// Estimated tokens of the body quoted in a verdict request, at most.
    pub max_body_tokens: usize,
    /// Let Z3 decide formal steps. Off, the model alone judges (the ablation that
    /// measures what the solver adds).
    pub use_solver: bool,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions {
            block_lines: blocks::BLOCK_LINES,
            max_body_tokens: 3000,
            use_solver: true,
        }
    }
}

/// Who decided a violation: the model's traced counterexample alone, or that and Z3,
/// which showed the clause false from the exit state the model gave (pinned down:
/// every value the clause reads fixed by it). Z3 never reports a violation alone from
/// the model's facts (see [`Checker::check`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecidedBy {
    Model,
    Z3,
}

/// A value in a counterexample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Binding {
    #[schemars(length(max = 80))]
    pub name: String,
    #[schemars(length(max = 200))]
    pub value: String,
}

/// One forward step: what holds after a block of the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub start_line: u32,
    pub end_line: u32,
    pub text: String,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lines {}-{}: {}",
            self.start_line, self.end_line, self.text
        )
    }
}

/// One clause a function breaks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    /// The clause's id in the verdict request (`p1`, `s2`, `r1`, ...).
    pub id: String,
    /// The clause broken, as written in the spec.
    pub clause: String,
    /// Its formal fragment, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formal: Option<String>,
    /// Its section of the spec (`postcondition`, `side_effect` or `error`).
    pub section: Section,
    /// The caller expectations it came from (provenance ids of the spec).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
    pub counterexample: Vec<Binding>,
    pub evidence_lines: Vec<u32>,
    pub explanation: String,
    pub decided_by: DecidedBy,
    /// For a call whose callee's precondition the caller does not establish
    /// (`section: precondition`): the called function's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callee: Option<String>,
    /// For such a call: the function's own clauses said to break through it, in the
    /// same state, which it stands for (`Checker::through_call`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_breaks: Vec<String>,
}

/// The outcome of checking one function.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Verified,
    /// Every clause shown broken, each with its own evidence (one never hides another);
    /// clauses left undecided beside them are in the result's notes.
    Violated {
        violations: Vec<Violation>,
        /// The forward steps, one per block.
        steps: Vec<Step>,
    },
    Unknown {
        reason: String,
    },
}

/// A checked function.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    #[serde(skip)]
    pub function: FnIdx,
    pub id: String,
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Steps Z3 decided (proofs, refutations, rejected counterexamples, vacuity).
    pub z3_decided: usize,
    /// What else was found on the way: disagreements, rejected counterexamples,
    /// callee preconditions the model says do not hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub blocks: usize,
    pub model_calls: u64,
    pub prompt_tokens: u64,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct CallCheck {
    line: u32,
    #[schemars(length(max = 200))]
    callee: String,
    holds: bool,
    #[serde(default)]
    #[schemars(length(max = 400))]
    because: String,
    /// What holds just before the call; Z3 decides the callee's formal
    /// preconditions from its formal fragments.
    #[serde(default)]
    #[schemars(length(max = 8))]
    state: Vec<Clause>,
    /// When a precondition does not hold: values of this function's parameters (and
    /// of the state its preconditions allow) for which the call is reached with it false.
    #[serde(default)]
    #[schemars(length(max = 8))]
    counterexample: Vec<Binding>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
struct ExitState {
    line: u32,
    /// `return`, `?`, `panic`, `goto`, `exit`, `abort`, `end of body`, ...
    #[schemars(length(max = 80))]
    kind: String,
    #[serde(default)]
    #[schemars(length(max = 12))]
    state: Vec<Clause>,
}

/// The reply to a step request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct StepReply {
    /// What holds when the block ends normally; empty when control never falls
    /// through it (every path leaves the function).
    #[serde(default)]
    #[schemars(length(max = 16))]
    postcondition: Vec<Clause>,
    #[serde(default)]
    #[schemars(length(max = 32))]
    calls: Vec<CallCheck>,
    #[serde(default)]
    #[schemars(length(max = 16))]
    exits: Vec<ExitState>,
}

#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct ClauseVerdict {
    /// The clause id from the request (`p1`, `s1`, `r1`, ...).
    #[schemars(length(max = 8))]
    clause: String,
    holds: bool,
    #[serde(default)]
    #[schemars(length(max = 12))]
    counterexample: Vec<Binding>,
    #[serde(default)]
    #[schemars(length(max = 12))]
    lines: Vec<u32>,
    #[serde(default)]
    #[schemars(length(max = 600))]
    explanation: String,
}

/// The reply to a verdict request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
struct VerdictReply {
    #[schemars(length(max = 48))]
    clauses: Vec<ClauseVerdict>,
}

/// Narrows the verdict reply's schema to this request: one entry per clause id, and
/// each entry either `holds: true`, or `holds: false` with a counterexample, the lines
/// and an explanation. A model under a grammar cannot then call a clause broken and
/// leave out why, which makes the verdict `Unknown` (a small model does so whenever
/// the fields are optional).
fn verdict_schema(schema: &mut serde_json::Value, ids: &[String]) {
    use serde_json::json;
    vouch_llm::schema::one_entry_per_id(schema, "clauses", "clause", ids);
    let Some(entry) = vouch_llm::schema::entry_mut(schema, "clauses") else {
        return;
    };
    let props = entry["properties"].clone();
    let non_empty = |field: &str| {
        let mut p = props[field].clone();
        p["minItems"] = json!(1);
        p
    };
    let mut explanation = props["explanation"].clone();
    explanation["minLength"] = json!(1);
    *entry = json!({"anyOf": [
        {
            "type": "object",
            "properties": {"clause": props["clause"], "holds": {"const": true}, "lines": props["lines"]},
            "required": ["clause", "holds"],
        },
        {
            "type": "object",
            "properties": {
                "clause": props["clause"],
                "holds": {"const": false},
                "counterexample": non_empty("counterexample"),
                "lines": non_empty("lines"),
                "explanation": explanation,
            },
            "required": ["clause", "holds", "counterexample", "lines", "explanation"],
        },
    ]});
}

/// Narrows the step reply's schema: a call whose precondition is said not to hold
/// comes with the reason and a counterexample (`holds: false` without them is no
/// evidence of anything), as `verdict_schema` does for clauses.
fn step_schema(schema: &mut serde_json::Value) {
    use serde_json::json;
    let Some(entry) = vouch_llm::schema::entry_mut(schema, "calls") else {
        return;
    };
    let props = entry["properties"].clone();
    let mut holds = props.clone();
    holds["holds"] = json!({"const": true});
    let mut broken = props.clone();
    broken["holds"] = json!({"const": false});
    broken["because"]["minLength"] = json!(1);
    broken["counterexample"]["minItems"] = json!(1);
    *entry = json!({"anyOf": [
        {"type": "object", "properties": holds, "required": ["line", "callee", "holds"]},
        {"type": "object", "properties": broken, "required": ["line", "callee", "holds", "because", "counterexample"]},
    ]});
}

/// Checks functions against their specs.
pub struct Checker<'a> {
    pub program: &'a Program,
    /// What the program's type names mean to a formula (`Types::of(&program.types)`).
    pub types: Arc<Types>,
    pub graph: &'a CallGraph,
    pub client: &'a Client,
    pub solver: Solver,
    pub options: CheckOptions,
}

struct Run {
    z3: usize,
    notes: Vec<String>,
    usage: Usage,
}

impl Checker<'_> {
    /// Checks `f` against `spec`, assuming the specs in `callee_specs` (by function id).
    pub async fn check(
        &self,
        f: FnIdx,
        spec: &Spec,
        callee_specs: &HashMap<String, Spec>,
    ) -> CheckResult {
        let mut run = Run {
            z3: 0,
            notes: Vec::new(),
            usage: Usage::default(),
        };
        let mut nblocks = 0;
        let verdict = self
            .verdict(f, spec, callee_specs, &mut run, &mut nblocks)
            .await;
        CheckResult {
            function: f,
            id: self.program.function(f).id.to_string(),
            verdict,
            z3_decided: run.z3,
            notes: run.notes,
            blocks: nblocks,
            model_calls: run.usage.calls,
            prompt_tokens: run.usage.prompt_tokens,
        }
    }

    async fn verdict(
        &self,
        f: FnIdx,
        spec: &Spec,
        callee_specs: &HashMap<String, Spec>,
        run: &mut Run,
        nblocks: &mut usize,
    ) -> Verdict {
        let program = self.program;
        let func = program.function(f);
        let env = env_of(func, &self.types);
        // Preconditions hold at entry: what they say of memory is its entry value
        // (`old(p->n)`), not its value at an exit or a call.
        let pre: Vec<Expr> = formals(&spec.preconditions, &env, Position::Pre)
            .into_iter()
            .map(at_entry)
            .collect();
        if self.options.use_solver {
            match vacuity(&self.solver, func, &self.types, spec) {
                None | Some(Decision::Unknown { .. }) => {}
                Some(Decision::Fails { .. }) => {
                    run.z3 += 1;
                    return Verdict::Unknown {
                        reason: "the spec is vacuous: Z3 shows its formal preconditions contradict each other".into(),
                    };
                }
                Some(Decision::Holds { .. }) => run.z3 += 1,
            }
        }
        let Some(body) = func.body else {
            return Verdict::Unknown {
                reason: "the function has no body to check".into(),
            };
        };
        let outline = vouch_frontend::outline(program, f);
        let blocks = blocks::split(&outline, self.options.block_lines);
        *nblocks = blocks.len();
        let mut state: Vec<Clause> = spec.preconditions.clone();
        let mut exits: Vec<ExitState> = Vec::new();
        // Calls whose callee's precondition this function does not establish.
        let mut calls: Vec<Violation> = Vec::new();
        let mut steps = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let mut data = serde_json::json!({
                "function": func.qualified_name,
                "signature": func.signature.text,
                "spec_summary": spec.summary,
                "precondition": state,
                "block": {"lines": format!("{}-{}", b.start_line, b.end_line), "code": numbered(program, func, *b)},
                "callees": self.callees_in(f, *b, callee_specs),
            });
            // A later block says that the body's earlier lines exist and where their
            // effect is: in the precondition (a first block's request is unchanged).
            if i > 0 {
                data["earlier"] = serde_json::Value::String(format!(
                    "lines {}-{} of the body come before this block and were reasoned through already: `precondition` is what holds after them",
                    blocks[0].start_line,
                    b.start_line.saturating_sub(1)
                ));
            }
            let prompt = prompt::render_source(
                &prompt::template_id(STAGE, "step", STEP),
                STEP,
                func.lang,
                &Vars::default(),
                &data,
            );
            let reply: StepReply =
                match self.client.call_narrowed(STAGE, &prompt, step_schema).await {
                    Ok((r, u)) => {
                        run.usage.add(&u);
                        r
                    }
                    Err(e) => {
                        return Verdict::Unknown {
                            reason: format!(
                                "reasoning over lines {}-{} failed: {e}",
                                b.start_line, b.end_line
                            ),
                        };
                    }
                };
            for c in &reply.calls {
                if let Some(v) = self.decide_call(f, *b, &env, &pre, c, callee_specs, run)
                    && !calls.iter().any(|x: &Violation| x.id == v.id)
                {
                    calls.push(v);
                }
            }
            exits.extend(reply.exits);
            state = reply.postcondition;
            steps.push(Step {
                start_line: b.start_line,
                end_line: b.end_line,
                text: state
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        // Falling off the end is an exit of a function that returns nothing; one that
        // returns a value leaves through its returns (a Rust tail expression counts).
        if func.signature.ret.is_none() {
            exits.push(ExitState {
                line: body.end_line,
                kind: "end of body".into(),
                state,
            });
        }
        self.decide(func, spec, &env, &pre, &exits, steps, calls, run)
            .await
    }

    /// The specs of the functions called in a block (each once).
    fn callees_in(
        &self,
        f: FnIdx,
        b: Block,
        specs: &HashMap<String, Spec>,
    ) -> Vec<serde_json::Value> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for e in self.graph.callees(f) {
            let Callee::Function(t) = e.callee else {
                continue;
            };
            let line = self.program.call_sites[e.site as usize].span.start_line;
            if line < b.start_line || line > b.end_line || !seen.insert(t) {
                continue;
            }
            let callee = self.program.function(t);
            let Some(s) = specs.get(callee.id.as_str()) else {
                continue;
            };
            out.push(serde_json::json!({
                "name": callee.qualified_name,
                "signature": callee.signature.text,
                "summary": s.summary,
                "preconditions": s.preconditions,
                "postconditions": s.postconditions,
                "errors": s.errors,
            }));
        }
        out
    }

    /// A call's preconditions: Z3 decides each formal precondition of the callee, its
    /// parameters replaced by the call's arguments, from the caller's formal
    /// preconditions and the formal state the model gives just before the call. Z3's
    /// proof wins over the model's doubt; a state that only fails to prove a
    /// precondition is a note. When the model says a precondition of a function of the
    /// program does not hold, with a counterexample the caller's preconditions admit,
    /// and Z3 does not prove them all, the call is a violation of its own: the caller
    /// does not establish what the callee needs.
    #[allow(clippy::too_many_arguments)]
    fn decide_call(
        &self,
        f: FnIdx,
        b: Block,
        env: &Env,
        pre: &[Expr],
        c: &CallCheck,
        specs: &HashMap<String, Spec>,
        run: &mut Run,
    ) -> Option<Violation> {
        let model_says = |extra: &str| {
            format!(
                "line {}: the model says a precondition of `{}` does not hold: {}{extra}",
                c.line, c.callee, c.because
            )
        };
        let goals = self.call_goals(f, b, env, c, specs);
        // Z3 needs the solver on, a formal precondition to decide and a formal state
        // to decide it from.
        let state = formals(&c.state, env, Position::Post);
        let pre_refs: Vec<&Expr> = pre.iter().collect();
        let mut proved = 0;
        if let Some(g) = &goals
            && self.options.use_solver
            && !g.formal.is_empty()
            && !state.is_empty()
        {
            let state: Vec<&Expr> = state.iter().collect();
            for (k, (text, goal)) in g.formal.iter().enumerate() {
                let label = format!(
                    "{} call {} line {} pre{k}",
                    self.program.function(f).id,
                    g.callee,
                    c.line
                );
                match self.entails(env, &pre_refs, &state, goal, &label) {
                    Decision::Holds { .. } => proved += 1,
                    Decision::Fails { model } => {
                        let values = shown(env, &model);
                        run.notes.push(format!(
                            "line {}: the state the model gives at the call allows the precondition `{text}` of `{}` to fail{}{}",
                            c.line,
                            g.callee,
                            if values.is_empty() { String::new() } else { format!(" ({values})") },
                            if c.holds { "; the model says it holds" } else { "" },
                        ));
                    }
                    Decision::Unknown { reason } => {
                        if reason.starts_with(WRAPS) {
                            run.notes.push(format!(
                                "line {}: the precondition `{text}` of `{}` {reason}",
                                c.line, g.callee
                            ));
                        }
                    }
                }
            }
            run.z3 += proved;
            if !c.holds && proved == g.formal.len() && g.informal == 0 {
                run.notes.push(format!(
                    "line {}: the model says a precondition of `{}` does not hold, but Z3 proves them all from the state at the call (Z3 wins)",
                    c.line, g.callee
                ));
                return None;
            }
        }
        if c.holds {
            return None;
        }
        let proved_note = if proved > 0 {
            format!(" (Z3 proves {proved} of its formal preconditions there)")
        } else {
            String::new()
        };
        // Only a function of the program, with preconditions in its spec, can be
        // called without them; the counterexample is the evidence.
        let Some(g) = goals.filter(|g| !g.texts.is_empty()) else {
            run.notes.push(model_says(&proved_note));
            return None;
        };
        if c.counterexample.is_empty() {
            run.notes
                .push(model_says(" (without a counterexample: no finding)"));
            return None;
        }
        if self.options.use_solver {
            let values = bound_values(env, &c.counterexample);
            let value_refs: Vec<&Expr> = values.iter().collect();
            let label = format!(
                "{} call {} line {} counterexample",
                self.program.function(f).id,
                g.callee,
                c.line
            );
            match self.solver.admits(env, &pre_refs, &value_refs, &label) {
                Decision::Fails { .. } => {
                    run.z3 += 1;
                    run.notes.push(model_says(
                        " (its counterexample breaks this function's formal preconditions or parameter types; Z3 rejects it)",
                    ));
                    return None;
                }
                Decision::Holds { .. } if !values.is_empty() => {
                    run.z3 += 1;
                    run.notes
                        .push(format!("line {}: {}", c.line, admitted_note(values.len())));
                }
                _ => {}
            }
        }
        let clause = vouch_specgen::request::cap_bytes(&call_clause(&g.callee, &g.texts), 1000);
        Some(Violation {
            id: format!("call{}", c.line),
            clause,
            formal: None,
            section: Section::Precondition,
            from: Vec::new(),
            counterexample: c.counterexample.clone(),
            evidence_lines: vec![c.line],
            explanation: format!("{}{proved_note}", c.because),
            decided_by: DecidedBy::Model,
            callee: Some(g.callee_id),
            also_breaks: Vec::new(),
        })
    }

    /// The callee of a call the model reports on, with its formal preconditions in
    /// the caller's terms. `None` when the call or the callee's spec is not found.
    fn call_goals(
        &self,
        f: FnIdx,
        b: Block,
        env: &Env,
        c: &CallCheck,
        specs: &HashMap<String, Spec>,
    ) -> Option<CallGoals> {
        let name = c
            .callee
            .rsplit([':', '.', '>'])
            .next()
            .unwrap_or(&c.callee)
            .trim()
            .trim_end_matches("()");
        let sites: Vec<(usize, FnIdx)> = self
            .graph
            .callees(f)
            .filter_map(|e| match e.callee {
                Callee::Function(t) => Some((e.site as usize, t)),
                _ => None,
            })
            .filter(|(site, _)| {
                let s = &self.program.call_sites[*site];
                s.name == name
                    && s.span.start_line >= b.start_line
                    && s.span.start_line <= b.end_line
            })
            .collect();
        // The call on the line the model names, or the only such call in the block.
        let on_line: Vec<_> = sites
            .iter()
            .filter(|(site, _)| self.program.call_sites[*site].span.start_line == c.line)
            .collect();
        let &(site, t) = match (on_line.as_slice(), sites.as_slice()) {
            ([one], _) => *one,
            ([], [one]) => one,
            _ => return None,
        };
        let site = &self.program.call_sites[site];
        let callee = self.program.function(t);
        let spec = specs.get(callee.id.as_str())?;
        // Each parameter stands for its argument; one whose argument is not in the
        // formula language becomes a name the caller does not have, so a
        // precondition that mentions it fails to type-check and stays open.
        let mut args: Vec<&str> = site.args.iter().map(String::as_str).collect();
        if callee
            .signature
            .params
            .first()
            .is_some_and(|p| p.name == "self")
        {
            match site.receiver.as_deref() {
                Some(r) => args.insert(0, r),
                None if site.kind == vouch_frontend::CallKind::Method => return None,
                None => {}
            }
        }
        if args.len() != callee.signature.params.len() {
            return None;
        }
        let map: HashMap<String, Expr> = callee
            .signature
            .params
            .iter()
            .zip(&args)
            .map(|(p, a)| {
                let e = formula::parse(a.trim()).unwrap_or(Expr {
                    kind: formula::ExprKind::Var(format!("{}@call", p.name)),
                    span: (0, 0),
                });
                (p.name.clone(), e)
            })
            .collect();
        let callee_env = env_of(callee, &self.types);
        let mut goals = CallGoals {
            callee: callee.qualified_name.clone(),
            callee_id: callee.id.to_string(),
            texts: spec.preconditions.iter().map(|c| c.text.clone()).collect(),
            formal: Vec::new(),
            informal: 0,
        };
        for clause in &spec.preconditions {
            let goal = clause
                .formal
                .as_deref()
                .and_then(|t| formula::parse_checked(t, &callee_env, Position::Pre).ok())
                .and_then(|g| formula::substitute(&g, &map))
                .filter(|g| formula::check(g, env, Position::Pre).is_ok());
            match goal {
                Some(g) => goals
                    .formal
                    .push((clause.formal.clone().unwrap_or_default(), g)),
                None => goals.informal += 1,
            }
        }
        Some(goals)
    }

    /// Z3 on `pre ∧ state ⇒ goal`, where `state` is what the model says the code
    /// reached. A proof counts only if the assumptions can hold together (from a
    /// contradictory state anything follows) and if it survives the state's
    /// arithmetic wrapping as the machine's does.
    fn entails(
        &self,
        env: &Env,
        pre: &[&Expr],
        state: &[&Expr],
        goal: &Expr,
        label: &str,
    ) -> Decision {
        let assume: Vec<&Expr> = pre.iter().chain(state).copied().collect();
        let proof = match self.solver.implies(env, &assume, goal, label) {
            proof @ Decision::Holds { .. } => proof,
            other => return other,
        };
        match self
            .solver
            .satisfiable(env, &assume, &format!("{label} consistent"))
        {
            Decision::Holds { .. } => {}
            Decision::Fails { .. } => {
                return Decision::Unknown {
                    reason: "the state it is proved from is contradictory".into(),
                };
            }
            d @ Decision::Unknown { .. } => return d,
        }
        match self
            .solver
            .implies_wrapping(env, pre, state, goal, &format!("{label} wrapping"))
        {
            None | Some(Decision::Holds { .. }) => proof,
            Some(Decision::Fails { model }) => Decision::Unknown {
                reason: format!("{WRAPS} ({})", shown(env, &model)),
            },
            Some(d) => d,
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn decide(
        &self,
        func: &Function,
        spec: &Spec,
        env: &Env,
        pre: &[Expr],
        exits: &[ExitState],
        steps: Vec<Step>,
        mut calls: Vec<Violation>,
        run: &mut Run,
    ) -> Verdict {
        let clauses: Vec<(String, &Clause)> = (spec
            .postconditions
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("p{}", i + 1), c)))
        .chain(
            spec.side_effects
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("s{}", i + 1), c)),
        )
        .chain(
            spec.errors
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("r{}", i + 1), c)),
        )
        .collect();
        let section = |id: &str| match id.as_bytes().first() {
            Some(b'r') => Section::Error,
            Some(b's') => Section::SideEffect,
            _ => Section::Postcondition,
        };
        if clauses.is_empty() {
            if !calls.is_empty() {
                return Verdict::Violated {
                    violations: calls,
                    steps,
                };
            }
            return Verdict::Unknown {
                reason: "the spec states no postcondition, side effect or error clause to check"
                    .into(),
            };
        }
        let whole = numbered(
            self.program,
            func,
            Block {
                start_line: func.span.start_line,
                end_line: func.span.end_line,
            },
        );
        let data = serde_json::json!({
            "function": func.qualified_name,
            "signature": func.signature.text,
            "preconditions": spec.preconditions,
            "clauses": clauses.iter().map(|(id, c)| serde_json::json!({"id": id, "text": c.text, "formal": c.formal})).collect::<Vec<_>>(),
            "exits": exits,
            "body": vouch_specgen::request::cap_bytes(&whole, self.options.max_body_tokens * 3),
        });
        let prompt = prompt::render_source(
            &prompt::template_id(STAGE, "verdict", VERDICT),
            VERDICT,
            func.lang,
            &Vars::default(),
            &data,
        );
        let ids: Vec<String> = clauses.iter().map(|(id, _)| id.clone()).collect();
        let narrow = |s: &mut serde_json::Value| verdict_schema(s, &ids);
        let reply: VerdictReply = match self.client.call_narrowed(STAGE, &prompt, narrow).await {
            Ok((r, u)) => {
                run.usage.add(&u);
                r
            }
            Err(e) => {
                if !calls.is_empty() {
                    run.notes
                        .push(format!("undecided: the verdict request failed: {e}"));
                    return Verdict::Violated {
                        violations: calls,
                        steps,
                    };
                }
                return Verdict::Unknown {
                    reason: format!("the verdict request failed: {e}"),
                };
            }
        };
        let pre_refs: Vec<&Expr> = pre.iter().collect();
        let mut unknown = Vec::new();
        let mut violations = Vec::new();
        for (id, clause) in &clauses {
            let Some(v) = reply.clauses.iter().find(|v| &v.clause == id) else {
                unknown.push(format!(
                    "the verdict says nothing of {id} ({})",
                    clause.text
                ));
                continue;
            };
            let violation =
                |counterexample: Vec<Binding>, explanation: String, decided_by| Violation {
                    id: id.clone(),
                    clause: clause.text.clone(),
                    formal: clause.formal.clone(),
                    section: section(id),
                    from: clause.from.clone(),
                    counterexample,
                    evidence_lines: v.lines.clone(),
                    explanation,
                    decided_by,
                    callee: None,
                    also_breaks: Vec::new(),
                };
            let label = format!("{} {id}", func.id);
            let mut z3_backs = false;
            match self.prove(env, &pre_refs, exits, clause, &label) {
                Proof::Proved { from_pre_alone } => {
                    run.z3 += 1;
                    if v.holds {
                        continue;
                    }
                    // The proof overrules the model's traced counterexample only when
                    // it rests on nothing the model wrote about the body.
                    if from_pre_alone {
                        run.notes.push(format!("{id}: the model says it is broken, but Z3 proves it from the formal preconditions alone (Z3 wins)"));
                        continue;
                    }
                    run.notes.push(format!("{id}: Z3 proves it from the exit states the model gave, yet the model traces a counterexample: its steps and its verdict disagree, so the finding stands on the counterexample and its test decides"));
                }
                Proof::Refuted { model, line } => {
                    run.z3 += 1;
                    if v.holds {
                        // The exit facts are the model's own partial account of the
                        // body: measured, a refutation from them alone was false five
                        // times in six (an exit's path condition left out). It keeps
                        // the clause from being verified; it is not a finding.
                        unknown.push(format!(
                            "{id}: the model says it holds, but the state it gives at the exit on line {line} pins it false ({}); Z3 reports no violation from the model's own exit facts alone",
                            shown(env, &model)
                        ));
                        continue;
                    }
                    z3_backs = true;
                    run.notes.push(format!(
                        "{id}: Z3 agrees: the state at the exit on line {line} pins it false"
                    ));
                }
                // The model's "holds" does not stand against a wrap Z3 found in the
                // model's own exit state; its "broken" goes on to its counterexample.
                Proof::Wraps(why) => {
                    if v.holds {
                        unknown.push(format!("{id}: {why}"));
                        continue;
                    }
                    run.notes.push(format!("{id}: {why}"));
                }
                Proof::Undecided { line } => run.notes.push(format!(
                    "{id}: the state at the exit on line {line} allows it to be false without forcing it; Z3 reports nothing from that (the model says it {})",
                    if v.holds { "holds" } else { "is broken" }
                )),
                Proof::Open => {}
            }
            if v.holds {
                continue;
            }
            if v.counterexample.is_empty() {
                unknown.push(format!(
                    "{id} is said to be broken, without a counterexample"
                ));
                continue;
            }
            let values = bound_values(env, &v.counterexample);
            let value_refs: Vec<&Expr> = values.iter().collect();
            let admitted = if self.options.use_solver {
                self.solver.admits(
                    env,
                    &pre_refs,
                    &value_refs,
                    &format!("{label} counterexample"),
                )
            } else {
                Decision::Unknown {
                    reason: "the solver is off".into(),
                }
            };
            if let Decision::Fails { .. } = admitted {
                run.z3 += 1;
                run.notes.push(format!(
                    "{id}: the model's counterexample ({}) breaks the formal preconditions or the parameter types; Z3 rejects it",
                    v.counterexample.iter().map(|b| format!("{} = {}", b.name, b.value)).collect::<Vec<_>>().join(", ")
                ));
                unknown.push(format!(
                    "{id}: the only counterexample offered was rejected"
                ));
                continue;
            }
            if matches!(admitted, Decision::Holds { .. }) && !values.is_empty() {
                run.z3 += 1;
                run.notes
                    .push(format!("{id}: {}", admitted_note(values.len())));
            }
            if !z3_backs
                && self.options.use_solver
                && let Some(k) =
                    self.through_call(env, &pre_refs, &v.lines, &values, &calls, &label)
            {
                run.z3 += 1;
                let call = &mut calls[k];
                call.also_breaks.push(clause.text.clone());
                run.notes.push(format!(
                    "{}: this call also breaks {id} (\"{}\"), in the state of its counterexample (Z3: the clause's counterexample fixes every value of the call's); what `{}` does without its precondition no spec says, so this finding stands for it",
                    call.id,
                    vouch_specgen::request::cap_bytes(&clause.text, 200),
                    callee_name(&call.clause),
                ));
                continue;
            }
            violations.push(violation(
                v.counterexample.clone(),
                v.explanation.clone(),
                if z3_backs {
                    DecidedBy::Z3
                } else {
                    DecidedBy::Model
                },
            ));
        }
        violations.extend(calls);
        if !violations.is_empty() {
            // What stayed undecided beside the violations is said, not lost.
            run.notes
                .extend(unknown.into_iter().map(|u| format!("undecided: {u}")));
            return Verdict::Violated { violations, steps };
        }
        if unknown.is_empty() {
            Verdict::Verified
        } else {
            Verdict::Unknown {
                reason: unknown.join("; "),
            }
        }
    }

    /// The call of `calls` (callee preconditions the function does not establish) that
    /// a broken clause rests on: every line the verdict gives as its evidence is such
    /// a call, and Z3 finds that the clause's counterexample (`values`) fixes every
    /// value of the call's own, so the clause breaks in the very state in which the
    /// callee runs without its precondition. What the callee does there no spec says,
    /// so the clause's break is no evidence of its own. `None` when the lines are
    /// other code too, or the counterexamples say different things.
    fn through_call(
        &self,
        env: &Env,
        pre: &[&Expr],
        lines: &[u32],
        values: &[Expr],
        calls: &[Violation],
        label: &str,
    ) -> Option<usize> {
        let on = |l: &u32| calls.iter().any(|c| c.evidence_lines.contains(l));
        if values.is_empty() || lines.is_empty() || !lines.iter().all(on) {
            return None;
        }
        let clause_values: Vec<&Expr> = values.iter().collect();
        // Every call on those lines (two calls may share one) may be the state's.
        (0..calls.len()).find(|&k| {
            let call = &calls[k];
            if !call.evidence_lines.iter().any(|l| lines.contains(l)) {
                return false;
            }
            let fixed = bound_values(env, &call.counterexample);
            !fixed.is_empty()
                && fixed.iter().enumerate().all(|(n, goal)| {
                    matches!(
                        self.entails(
                            env,
                            pre,
                            &clause_values,
                            goal,
                            &format!("{label} through {} value{n}", call.id)
                        ),
                        Decision::Holds { .. }
                    )
                })
        })
    }

    /// Z3 on one clause's formal fragment over the exits the model described.
    ///
    /// - Proved: it follows from the formal preconditions and every exit's formal
    ///   state (at least one exit, each with a formal state, each consistent).
    /// - Refuted: at some exit, the formal state pins it down: for the inputs of a
    ///   state where it is false, every state the exit's facts allow makes it false
    ///   ([`Solver::forces_false`]). A state that only fails to prove it is no
    ///   counterexample: the model's facts are partial.
    /// - Undecided: some exit allows it to be false, none forces it.
    fn prove(
        &self,
        env: &Env,
        pre: &[&Expr],
        exits: &[ExitState],
        clause: &Clause,
        label: &str,
    ) -> Proof {
        if !self.options.use_solver {
            return Proof::Open;
        }
        let Some(goal) = clause
            .formal
            .as_deref()
            .and_then(|t| formula::parse_checked(t, env, Position::Post).ok())
        else {
            return Proof::Open;
        };
        // With no exit state known there is nothing to prove the clause from: it is
        // open, never proved for want of a case against it.
        let mut all_proved = !exits.is_empty();
        let mut wraps = None;
        let mut undecided = None;
        for (k, exit) in exits.iter().enumerate() {
            let state = formals(&exit.state, env, Position::Post);
            if state.is_empty() {
                all_proved = false;
                continue;
            }
            let state: Vec<&Expr> = state.iter().collect();
            let exit_label = format!("{label} exit{k}");
            match self.entails(env, pre, &state, &goal, &exit_label) {
                Decision::Holds { .. } => {}
                Decision::Fails { model } => {
                    all_proved = false;
                    let facts: Vec<&Expr> = pre.iter().chain(&state).copied().collect();
                    match self.solver.pins(
                        env,
                        &facts,
                        &goal,
                        &model,
                        &format!("{exit_label} pinned"),
                    ) {
                        Decision::Holds { .. } => {
                            return Proof::Refuted {
                                model,
                                line: exit.line,
                            };
                        }
                        _ => {
                            undecided.get_or_insert(exit.line);
                        }
                    }
                }
                Decision::Unknown { reason } => {
                    if reason.starts_with(WRAPS) {
                        wraps.get_or_insert(format!(
                            "at the exit on line {}, it {reason}",
                            exit.line
                        ));
                    }
                    all_proved = false;
                }
            }
        }
        if all_proved {
            let alone = self
                .solver
                .implies(env, pre, &goal, &format!("{label} pre"));
            return Proof::Proved {
                from_pre_alone: matches!(alone, Decision::Holds { .. }) && !pre.is_empty(),
            };
        }
        match (wraps, undecided) {
            (Some(why), _) => Proof::Wraps(why),
            (None, Some(line)) => Proof::Undecided { line },
            (None, None) => Proof::Open,
        }
    }
}

/// Why a proof did not count: the state's arithmetic can wrap.
const WRAPS: &str = "holds only if the arithmetic does not wrap";

/// A callee's preconditions as they stand at one call.
struct CallGoals {
    callee: String,
    callee_id: String,
    /// The preconditions as the callee's spec writes them.
    texts: Vec<String>,
    /// The formal ones in the caller's terms, with the text as written in the spec.
    formal: Vec<(String, Expr)>,
    /// Those with no formal fragment, or one that cannot be stated at the call.
    informal: usize,
}

enum Proof {
    /// Proved from the exits' formal states; `from_pre_alone` when the formal
    /// preconditions and the types alone imply it, without any state the model gave.
    Proved {
        from_pre_alone: bool,
    },
    /// Proved reading the arithmetic mathematically, not as the machine wraps it.
    Wraps(String),
    /// Pinned down false at the exit on `line`: `model` is a counterexample.
    Refuted {
        model: crate::solver::Model,
        line: u32,
    },
    /// An exit's state allows it to be false without forcing it.
    Undecided {
        line: u32,
    },
    Open,
}

/// Z3 on a spec's formal preconditions: `Fails` when they contradict each other (the
/// spec is vacuous: no caller can meet it, so anything would "hold"), `Holds` when some
/// state meets them; `None` when the spec has no formal precondition.
pub fn vacuity(
    solver: &Solver,
    func: &Function,
    types: &Arc<Types>,
    spec: &Spec,
) -> Option<Decision> {
    let env = env_of(func, types);
    let pre = formals(&spec.preconditions, &env, Position::Pre);
    if pre.is_empty() {
        return None;
    }
    let refs: Vec<&Expr> = pre.iter().collect();
    Some(solver.satisfiable(&env, &refs, &format!("vacuity {}", func.id)))
}

/// The formal fragments of clauses that parse and type-check at `pos`.
fn formals(clauses: &[Clause], env: &Env, pos: Position) -> Vec<Expr> {
    clauses
        .iter()
        .filter_map(|c| c.formal.as_deref())
        .filter_map(|t| formula::parse_checked(t, env, pos).ok())
        .collect()
}

/// A model's values as the formula language names them (`n = 0, len(a) = 3,
/// old(self.len) = 18446744073709551615`): the parameters, `result`, and the lengths,
/// fields and elements they reach. Left out: the solver's own names, and addresses
/// other than null (`self.nodes = 8365` says nothing to a reader).
fn shown(env: &Env, model: &crate::solver::Model) -> String {
    let address = |name: &str| {
        formula::parse(name).is_ok_and(|e| {
            matches!(
                formula::type_of_expr(&e, env),
                Some(Ty::Seq(_) | Ty::Opaque(_))
            )
        })
    };
    model
        .iter()
        .filter(|(n, _)| env.vars.iter().any(|(v, _)| v == *n) || n.contains('(') || *n == "result")
        .filter_map(|(n, v)| {
            let name = crate::names::readable(n)?;
            (v == "0" || !address(&name)).then(|| format!("{name} = {v}"))
        })
        .take(SHOWN)
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many values [`shown`] gives at most.
const SHOWN: usize = 8;

/// `e` read at the function's entry: `old(e)`.
fn at_entry(e: Expr) -> Expr {
    let span = e.span;
    Expr {
        kind: formula::ExprKind::Old(Box::new(e)),
        span,
    }
}

/// The note of a counterexample Z3 found a valid caller can produce.
fn admitted_note(facts: usize) -> String {
    format!(
        "Z3 admits the model's counterexample: {} the formal preconditions and the parameters' types",
        if facts == 1 {
            "the one value it could read meets".to_string()
        } else {
            format!("the {facts} values it could read meet")
        }
    )
}

/// What a counterexample fixes, as facts Z3 can check: each binding whose name is an
/// expression of the formula language about the entry state (`n`, `rb->count`,
/// `len(buf)`) and whose value states a constant (`7`, `0x7F`, `NULL`, `u64::MAX`,
/// `9 (not registered)`; see [`crate::values`]), and each field of a struct value
/// (`self = Stats { hits: 3, misses: 1 }` fixes `self.hits` and `self.misses`).
/// Bindings in prose (`"a 44-character name"`, `rb contents`) are left to the model.
fn bound_values(env: &Env, bindings: &[Binding]) -> Vec<Expr> {
    let fact = |name: &str, value: &str| {
        formula::parse_checked(&format!("({name}) == ({value})"), env, Position::Pre)
            .ok()
            .map(at_entry)
    };
    let mut facts = Vec::new();
    for b in bindings {
        let name = b.name.trim();
        // One expression: a binding name such as `a, b` or `x (after)` is prose.
        if formula::parse(name).is_err() {
            continue;
        }
        if let Some(value) = values::value_text(&b.value) {
            facts.extend(fact(name, &value));
            continue;
        }
        for (field, value) in values::fields(&b.value) {
            let Some(value) = values::value_text(&value) else {
                continue;
            };
            // `.` for a struct, `->` for a pointer to one: whichever type-checks.
            facts.extend(
                fact(&format!("{name}.{field}"), &value)
                    .or_else(|| fact(&format!("{name}->{field}"), &value)),
            );
        }
    }
    facts
}

/// The lines of a block with their numbers.
fn numbered(program: &Program, func: &Function, b: Block) -> String {
    let text = &program.file(func.file).text;
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u32 + 1;
        if n > b.end_line {
            break;
        }
        if n >= b.start_line {
            out.push_str(&format!("{n:>5}| {line}\n"));
        }
    }
    out
}

/// The clause of a call that does not establish `callee`'s preconditions `texts`.
pub fn call_clause(callee: &str, texts: &[String]) -> String {
    format!("`{callee}` requires: {}", texts.join("; "))
}

/// The callee a call's clause (`call_clause`) names.
fn callee_name(clause: &str) -> &str {
    clause
        .strip_prefix('`')
        .and_then(|c| c.split_once("` requires: "))
        .map_or(clause, |(name, _)| name)
}

/// The preconditions a call's clause (`call_clause`) quotes, joined by `; `.
pub fn call_clause_texts(clause: &str) -> Option<&str> {
    clause.split_once("` requires: ").map(|(_, t)| t)
}
