//! The top-down walk: units (SCCs) of the call graph are specified callers first. A
//! unit is ready when every unit that calls it has its specs and has said what it
//! expects of its callees; ready units run concurrently, and each spec is sent out as
//! soon as it is written, so later stages can start before the walk ends.
//!
//! Per unit: one spec request for all its functions (condensing many callers' expectations
//! first when they do not fit the token budget), then, for each function that calls
//! functions of later units, one expectation request over its body. A failed request
//! never stops the walk: its functions get `Unknown` with the reason, and their callees
//! are still specified from the callers that did answer.

use crate::expect::{CallDraft, ExpectReply, Expectation};
use crate::prompt::{self, Template, Vars, estimate_tokens};
use crate::request::{self, CallEntry, ExpectData, FunctionEntry, Group, Requirement, SpecData};
use crate::spec::{CallerSite, Origin, Provenance, Spec, SpecDraft, env_of};
use crate::types::Types;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use vouch_callgraph::{CallGraph, Callee};
use vouch_frontend::{FnIdx, Function, Lang, Program};
use vouch_llm::schema::{entries_require, one_entry_per_id};
use vouch_llm::{Client, Usage};

/// Limits of the walk; each has a flag and a config key (`[specgen]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Estimated prompt tokens of one request, at most.
    pub max_prompt_tokens: usize,
    /// Caller expectations quoted in full in one spec request, at most.
    pub max_quoted: usize,
    /// Condensing requests for one function's unquoted callers, at most.
    pub max_reduce_calls: usize,
    /// Calls listed in one expectation request; a function with more makes more requests.
    pub max_calls_per_request: usize,
    /// The audited tree, for its README (quoted for roots).
    #[serde(skip)]
    pub root_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_prompt_tokens: 6000,
            max_quoted: 24,
            max_reduce_calls: 4,
            max_calls_per_request: 24,
            root_dir: None,
        }
    }
}

/// A function's spec, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Spec(Box<Spec>),
    Unknown { reason: String },
}

/// What the walk spent on one function (a unit's spec request is shared evenly).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    pub calls: f64,
    pub cache_hits: f64,
    pub prompt_tokens: f64,
    pub completion_tokens: f64,
}

impl Cost {
    fn add(&mut self, u: &Usage, share: f64) {
        self.calls += u.calls as f64 * share;
        self.cache_hits += u.cache_hits as f64 * share;
        self.prompt_tokens += u.prompt_tokens as f64 * share;
        self.completion_tokens += u.completion_tokens as f64 * share;
    }
}

/// One function's spec, sent as soon as it is written.
#[derive(Clone, Debug, Serialize)]
pub struct FunctionSpec {
    #[serde(skip)]
    pub function: FnIdx,
    pub id: String,
    pub outcome: Outcome,
    /// What vouch could not keep from the model's draft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
    pub cost: Cost,
}

/// What one function expects of its callees, sent once its expectation requests end.
#[derive(Clone, Debug, Serialize)]
pub struct CallerExpectations {
    #[serde(skip)]
    pub caller: FnIdx,
    pub id: String,
    pub expectations: Vec<Expectation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
    pub cost: Cost,
}

#[derive(Clone, Debug)]
pub enum Event {
    Spec(Box<FunctionSpec>),
    Expectations(Box<CallerExpectations>),
}

/// A function's draft in a spec reply.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct FunctionDraft {
    /// The function's id, as given in the request.
    #[schemars(length(max = 300))]
    pub function: String,
    #[serde(flatten)]
    pub spec: SpecDraft,
}

/// The reply to a spec request.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
pub struct SpecReply {
    /// One entry per function of the request.
    #[schemars(length(max = 64))]
    pub specs: Vec<FunctionDraft>,
}

/// The model stage name in usage reports.
pub const STAGE: &str = "specgen";

struct Ctx {
    program: Arc<Program>,
    graph: Arc<CallGraph>,
    client: Arc<Client>,
    options: Options,
    readme: Option<String>,
    /// Where each function no one calls is used as a value.
    uses: HashMap<FnIdx, Vec<request::UseSite>>,
    /// What the program's type names mean to a formula.
    types: Arc<Types>,
}

/// The spec generator over one program.
pub struct Specgen {
    ctx: Arc<Ctx>,
}

/// Expectations of a function's callers, with each caller's spec summary.
type Incoming = Vec<(Expectation, String)>;

impl Specgen {
    pub fn new(
        program: Arc<Program>,
        graph: Arc<CallGraph>,
        client: Arc<Client>,
        options: Options,
    ) -> Specgen {
        let readme = options.root_dir.as_deref().and_then(request::readme);
        let uses = request::uses_index(&program, &graph);
        let types = Arc::new(Types::of(&program.types));
        Specgen {
            ctx: Arc::new(Ctx {
                program,
                graph,
                client,
                options,
                readme,
                uses,
                types,
            }),
        }
    }

    /// The functions a run for `targets` specifies: the targets and every function that
    /// calls them, directly or not (their specs come first). All functions for `None`.
    pub fn selection(&self, targets: Option<&[FnIdx]>) -> Vec<FnIdx> {
        let needed = self.needed_units(targets);
        let mut out: Vec<FnIdx> = self
            .ctx
            .graph
            .sccs
            .iter()
            .enumerate()
            .filter(|(u, _)| needed[*u])
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        out.sort();
        out
    }

    fn needed_units(&self, targets: Option<&[FnIdx]>) -> Vec<bool> {
        let graph = &self.ctx.graph;
        let Some(targets) = targets else {
            return vec![true; graph.sccs.len()];
        };
        let mut needed = vec![false; graph.sccs.len()];
        let mut stack: Vec<u32> = targets.iter().map(|f| graph.scc_of[f.0 as usize]).collect();
        while let Some(u) = stack.pop() {
            if std::mem::replace(&mut needed[u as usize], true) {
                continue;
            }
            for &f in &graph.sccs[u as usize] {
                stack.extend(graph.callers(f).map(|e| graph.scc_of[e.caller.0 as usize]));
            }
        }
        needed
    }

    /// Runs the walk, sending every spec and every caller's expectations on `events` as
    /// they are written. Returns when every selected function has an outcome.
    pub async fn run(&self, targets: Option<&[FnIdx]>, events: UnboundedSender<Event>) {
        let graph = &self.ctx.graph;
        let needed = self.needed_units(targets);
        let n = graph.sccs.len();
        let mut pending = vec![0usize; n];
        let mut callee_units: Vec<Vec<u32>> = vec![Vec::new(); n];
        for e in &graph.edges {
            if let Callee::Function(t) = e.callee {
                let (a, b) = (
                    graph.scc_of[e.caller.0 as usize],
                    graph.scc_of[t.0 as usize],
                );
                if a != b && needed[a as usize] && needed[b as usize] {
                    callee_units[a as usize].push(b);
                }
            }
        }
        for list in &mut callee_units {
            list.sort_unstable();
            list.dedup();
            for &b in list.iter() {
                pending[b as usize] += 1;
            }
        }
        let mut incoming: HashMap<FnIdx, Incoming> = HashMap::new();
        let mut tasks: JoinSet<Vec<(FnIdx, Expectation, String)>> = JoinSet::new();
        let mut unit_of_task = HashMap::new();
        let spawn = |u: usize,
                     tasks: &mut JoinSet<_>,
                     incoming: &mut HashMap<FnIdx, Incoming>,
                     unit_of_task: &mut HashMap<_, _>| {
            let members = graph.sccs[u].clone();
            let inputs: Vec<(FnIdx, Incoming)> = members
                .iter()
                .map(|f| (*f, incoming.remove(f).unwrap_or_default()))
                .collect();
            let ctx = self.ctx.clone();
            let events = events.clone();
            let handle = tasks.spawn(async move { unit(ctx, inputs, events).await });
            unit_of_task.insert(handle.id(), u);
        };
        // Ready units wait here, so that a tree with thousands of roots does not build
        // thousands of requests at once: a few more units run than requests can be in
        // flight, so that the next request is ready when one ends.
        let in_flight = self.ctx.client.max_concurrency().saturating_mul(2).max(2);
        let mut ready: std::collections::VecDeque<usize> =
            (0..n).filter(|&u| needed[u] && pending[u] == 0).collect();
        loop {
            while tasks.len() < in_flight
                && let Some(u) = ready.pop_front()
            {
                spawn(u, &mut tasks, &mut incoming, &mut unit_of_task);
            }
            let Some(done) = tasks.join_next_with_id().await else {
                break;
            };
            let (id, produced) = match done {
                Ok((id, produced)) => (id, produced),
                Err(e) => {
                    // A panic in a unit's task is a bug of vouch; the unit's functions
                    // end as Unknown and the walk goes on.
                    let id = e.id();
                    if let Some(&u) = unit_of_task.get(&id) {
                        for &f in &graph.sccs[u] {
                            let _ = events.send(Event::Spec(Box::new(FunctionSpec {
                                function: f,
                                id: self.ctx.program.function(f).id.to_string(),
                                outcome: Outcome::Unknown {
                                    reason: format!(
                                        "internal error while specifying this unit: {e}"
                                    ),
                                },
                                diagnostics: Vec::new(),
                                cost: Cost::default(),
                            })));
                        }
                    }
                    (id, Vec::new())
                }
            };
            for (callee, e, summary) in produced {
                incoming.entry(callee).or_default().push((e, summary));
            }
            let Some(u) = unit_of_task.remove(&id) else {
                continue;
            };
            for &b in &callee_units[u] {
                pending[b as usize] -= 1;
                if pending[b as usize] == 0 {
                    ready.push_back(b as usize);
                }
            }
        }
    }
}

/// Specifies one unit, then asks each member what it expects of its callees.
async fn unit(
    ctx: Arc<Ctx>,
    inputs: Vec<(FnIdx, Incoming)>,
    events: UnboundedSender<Event>,
) -> Vec<(FnIdx, Expectation, String)> {
    let members: Vec<FnIdx> = inputs.iter().map(|(f, _)| *f).collect();
    let specs = specify(&ctx, inputs).await;
    let mut summaries = HashMap::new();
    for s in specs {
        if let Outcome::Spec(spec) = &s.outcome {
            summaries.insert(s.function, spec.clone());
        }
        let _ = events.send(Event::Spec(Box::new(s)));
    }
    let mut produced = Vec::new();
    let mut asks = JoinSet::new();
    for f in members {
        let ctx = ctx.clone();
        let spec = summaries.get(&f).cloned();
        asks.spawn(async move { expectations(&ctx, f, spec.as_deref()).await });
    }
    while let Some(done) = asks.join_next().await {
        match done {
            Ok((out, list)) => {
                produced.extend(list);
                if let Some(out) = out {
                    let _ = events.send(Event::Expectations(Box::new(out)));
                }
            }
            Err(e) => tracing::error!(error = %e, "an expectation request's task failed"),
        }
    }
    produced
}

/// A test's spec needs no model: it must run to the end without failing. Test code is
/// what `Program::is_test_code` says: Rust tests and their helpers, and the functions of
/// C test files (`tests/`, `test_*.c`), whose entry is often a `main` of their own.
fn test_spec(f: &Function) -> Spec {
    let fails = match f.lang {
        Lang::Rust => "panic",
        Lang::C => "abort",
    };
    let draft = SpecDraft {
        summary: format!(
            "The test `{}` passes: every assertion in it holds and it does not {fails}.",
            f.name
        ),
        preconditions: Vec::new(),
        postconditions: vec![crate::spec::Clause {
            text: "returns normally, with every assertion it makes holding".into(),
            formal: None,
            from: Vec::new(),
        }],
        side_effects: Vec::new(),
        errors: Vec::new(),
        confidence: 1.0,
    };
    // No formal fragment: no types needed.
    Spec::from_draft(
        f.id.as_str(),
        Origin::Root,
        draft,
        &env_of(f, &Arc::default()),
        &[],
    )
    .0
}

/// Per-function bookkeeping of one spec request.
struct Prepared {
    f: FnIdx,
    origin: Origin,
    provenance: Vec<Provenance>,
    notes: Vec<String>,
    cost: Cost,
}

async fn specify(ctx: &Ctx, inputs: Vec<(FnIdx, Incoming)>) -> Vec<FunctionSpec> {
    let program = &ctx.program;
    let mut out = Vec::new();
    let mut asked: Vec<(FnIdx, Incoming)> = Vec::new();
    for (f, inc) in inputs {
        let func = program.function(f);
        if program.is_test_code(f) {
            out.push(FunctionSpec {
                function: f,
                id: func.id.to_string(),
                outcome: Outcome::Spec(Box::new(test_spec(func))),
                diagnostics: Vec::new(),
                cost: Cost::default(),
            });
        } else {
            asked.push((f, inc));
        }
    }
    if asked.is_empty() {
        return out;
    }
    let lang = program.function(asked[0].0).lang;
    let fs: Vec<FnIdx> = asked.iter().map(|(f, _)| *f).collect();
    let recursive = fs.len() > 1 || ctx.graph.is_recursive(fs[0]);
    let max = ctx.options.max_prompt_tokens;
    let declarations = request::declarations(program, &fs, max / 5);
    let mut entries = Vec::new();
    let mut any_root = false;
    for &f in &fs {
        let func = program.function(f);
        let (role, root) = request::role(&ctx.graph, f, ctx.graph.callers(f).count());
        any_root |= root;
        entries.push(FunctionEntry {
            id: func.id.to_string(),
            name: func.name.clone(),
            signature: func.signature.text.clone(),
            doc: request::doc(program, func),
            file: program.file(func.file).path.clone(),
            role,
            expectations: Vec::new(),
            other_callers_require: Vec::new(),
            used_at: if root {
                ctx.uses.get(&f).cloned().unwrap_or_default()
            } else {
                Vec::new()
            },
        });
    }
    let (module_doc, readme) = if any_root {
        (
            request::module_doc(program, program.function(fs[0])),
            ctx.readme.clone(),
        )
    } else {
        (None, None)
    };
    let mut data = SpecData {
        functions: entries,
        declarations,
        module_doc,
        readme,
    };
    let vars = Vars {
        recursive,
        root: any_root,
        ..Vars::default()
    };
    // What the request costs without any expectation: the rest of the budget is theirs.
    let schema = serde_json::to_string(&schemars::schema_for!(SpecReply)).unwrap_or_default();
    let bare = prompt::render(Template::Spec, lang, &vars, &data);
    let fixed = estimate_tokens(&bare.system)
        + estimate_tokens(&bare.user)
        + estimate_tokens(&schema)
        + 120;
    let per_fn = max.saturating_sub(fixed) / fs.len();
    let mut prepared = Vec::new();
    let mut next_id = 1;
    let mut extra_usage: Vec<Usage> = Vec::new();
    for (i, (f, mut inc)) in asked.into_iter().enumerate() {
        // Callers finish in any order; the request must not depend on it.
        inc.sort_by(|(a, _), (b, _)| (&a.caller, a.site).cmp(&(&b.caller, b.site)));
        let callers = {
            let mut c: Vec<&str> = inc.iter().map(|(e, _)| e.caller.as_str()).collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        };
        let sites = inc.len();
        let groups = request::group(inc);
        // Each group quoted once, with a placeholder id of the final id's width; the
        // whole request is measured again before it is sent.
        let quotes: Vec<(request::QuotedExpectation, usize)> = groups
            .iter()
            .map(|g| {
                let q = request::quote(g, "e00".into(), &caller_name(program, g));
                let t = request::tokens_of(&q);
                (q, t)
            })
            .collect();
        let fits_all: usize = quotes.iter().map(|(_, t)| t).sum();
        let quote_budget = if fits_all <= per_fn {
            per_fn
        } else {
            per_fn * 7 / 10
        };
        let mut spent = 0;
        let mut quoted = Vec::new();
        let mut provenance = Vec::new();
        let mut rest: Vec<&Group> = Vec::new();
        for (g, (mut q, t)) in groups.iter().zip(quotes) {
            if quoted.len() < ctx.options.max_quoted && spent + t <= quote_budget {
                let id = format!("e{next_id}");
                q.id = id.clone();
                spent += t;
                next_id += 1;
                provenance.push(Provenance {
                    id,
                    sites: g
                        .members
                        .iter()
                        .map(|(caller, site)| site_of(program, caller, *site))
                        .collect(),
                });
                quoted.push(q);
            } else {
                rest.push(g);
            }
        }
        let mut notes = Vec::new();
        let mut summarized = 0;
        let mut unread = 0;
        if !rest.is_empty() {
            let name = &program.function(f).name;
            let (reqs, read, usage, mut n) = condense(ctx, lang, name, &rest).await;
            extra_usage.push(usage);
            notes.append(&mut n);
            let total: usize = rest.iter().map(|g| g.members.len()).sum();
            let mut left = per_fn.saturating_sub(spent);
            let mut kept = Vec::new();
            for r in reqs {
                let t = request::tokens_of(&r);
                if t > left {
                    break;
                }
                left -= t;
                kept.push(r);
            }
            summarized = if kept.is_empty() { 0 } else { read };
            unread = total - summarized;
            data.functions[i].other_callers_require = kept;
        }
        let origin = if sites == 0 {
            Origin::Root
        } else {
            Origin::Callers {
                callers,
                sites,
                quoted: quoted.len(),
                summarized,
                unread,
            }
        };
        data.functions[i].expectations = quoted;
        prepared.push(Prepared {
            f,
            origin,
            provenance,
            notes,
            cost: Cost::default(),
        });
    }
    // The estimates above are per part; the whole request is what must fit. Quoted
    // expectations are dropped from the end (their call sites count as unread) until it does.
    let mut prompt = prompt::render(Template::Spec, lang, &vars, &data);
    while estimate_tokens(&prompt.system) + estimate_tokens(&prompt.user) + estimate_tokens(&schema)
        > max
    {
        let Some(i) =
            (0..data.functions.len()).max_by_key(|&i| data.functions[i].expectations.len())
        else {
            break;
        };
        if data.functions[i].expectations.pop().is_none() {
            break;
        }
        let p = &mut prepared[i];
        if let Some(dropped) = p.provenance.pop()
            && let Origin::Callers { quoted, unread, .. } = &mut p.origin
        {
            *quoted -= 1;
            *unread += dropped.sites.len();
        }
        prompt = prompt::render(Template::Spec, lang, &vars, &data);
    }
    let share = 1.0 / fs.len() as f64;
    for u in &extra_usage {
        for p in &mut prepared {
            p.cost.add(u, share);
        }
    }
    let ids: Vec<String> = prepared
        .iter()
        .map(|p| program.function(p.f).id.to_string())
        .collect();
    // A spec without a postcondition leaves its function nothing to be checked
    // against, so the schema asks for at least one.
    let narrow = |s: &mut serde_json::Value| {
        one_entry_per_id(s, "specs", "function", &ids);
        entries_require(s, "specs", "postconditions");
    };
    match ctx
        .client
        .call_narrowed::<SpecReply>(STAGE, &prompt, narrow)
        .await
    {
        Err(e) => {
            for p in prepared {
                out.push(FunctionSpec {
                    function: p.f,
                    id: program.function(p.f).id.to_string(),
                    outcome: Outcome::Unknown {
                        reason: e.to_string(),
                    },
                    diagnostics: p.notes,
                    cost: p.cost,
                });
            }
        }
        Ok((reply, usage)) => {
            let mut drafts: Vec<Option<FunctionDraft>> =
                reply.specs.into_iter().map(Some).collect();
            let by_order = drafts.len() == prepared.len();
            for (i, mut p) in prepared.into_iter().enumerate() {
                p.cost.add(&usage, share);
                let func = program.function(p.f);
                let named = |want: &dyn Fn(&str) -> bool| {
                    drafts
                        .iter()
                        .position(|d| d.as_ref().is_some_and(|d| want(&d.function)))
                };
                // By id; else by name (small models shorten ids); else, when the reply has
                // one draft per function, by position.
                let pos = named(&|n| n == func.id.as_str())
                    .or_else(|| named(&|n| n == func.name || n == func.qualified_name))
                    .or_else(|| by_order.then_some(i));
                let draft = pos.and_then(|k| drafts[k].take()).map(|d| d.spec);
                let outcome = match draft {
                    None => Outcome::Unknown {
                        reason: "the model's reply has no spec for this function".into(),
                    },
                    Some(d) => {
                        let ids: Vec<String> = p.provenance.iter().map(|x| x.id.clone()).collect();
                        let (mut spec, diags) = Spec::from_draft(
                            func.id.as_str(),
                            p.origin.clone(),
                            d,
                            &env_of(func, &ctx.types),
                            &ids,
                        );
                        spec.provenance = p.provenance;
                        p.notes.extend(
                            diags.into_iter().map(|d| {
                                format!("{:?} {}: {}", d.section, d.clause + 1, d.message)
                            }),
                        );
                        Outcome::Spec(Box::new(spec))
                    }
                };
                out.push(FunctionSpec {
                    function: p.f,
                    id: func.id.to_string(),
                    outcome,
                    diagnostics: p.notes,
                    cost: p.cost,
                });
            }
        }
    }
    out
}

fn caller_name(program: &Program, g: &Group) -> String {
    program
        .functions
        .binary_search_by(|f| f.id.as_str().cmp(&g.first.caller))
        .map(|i| program.functions[i].qualified_name.clone())
        .unwrap_or_else(|_| g.first.caller.clone())
}

fn site_of(program: &Program, caller: &str, site: u32) -> CallerSite {
    let cs = &program.call_sites[site as usize];
    let func = program.function(cs.caller);
    CallerSite {
        caller: caller.to_string(),
        file: program.file(func.file).path.clone(),
        line: cs.span.start_line,
    }
}

/// Condenses the expectations that were not quoted, in at most `max_reduce_calls`
/// requests. Returns the requirements (most stated first), how many call sites were
/// read, what the requests used and notes.
async fn condense(
    ctx: &Ctx,
    lang: Lang,
    function: &str,
    rest: &[&Group],
) -> (Vec<Requirement>, usize, Usage, Vec<String>) {
    const MAX_ITEMS: usize = 8;
    let program = &ctx.program;
    let vars = Vars {
        function: function.to_string(),
        max_items: MAX_ITEMS,
        ..Vars::default()
    };
    let schema =
        serde_json::to_string(&schemars::schema_for!(request::ReduceReply)).unwrap_or_default();
    let empty: Vec<request::QuotedExpectation> = Vec::new();
    let bare = prompt::render(
        Template::Reduce,
        lang,
        &vars,
        &serde_json::json!({ "expectations": empty }),
    );
    let fixed = estimate_tokens(&bare.system)
        + estimate_tokens(&bare.user)
        + estimate_tokens(&schema)
        + 120;
    let chunk_budget = ctx.options.max_prompt_tokens.saturating_sub(fixed).max(1);
    let mut chunks: Vec<(Vec<request::QuotedExpectation>, usize)> = Vec::new();
    let mut cur = (Vec::new(), 0usize);
    let mut cur_tokens = 0;
    for (k, g) in rest.iter().enumerate() {
        let q = request::quote(g, format!("x{}", k + 1), &caller_name(program, g));
        let t = request::tokens_of(&q);
        if t > chunk_budget {
            continue;
        }
        if cur_tokens + t > chunk_budget {
            chunks.push(std::mem::take(&mut cur));
            cur_tokens = 0;
        }
        cur_tokens += t;
        cur.1 += g.members.len();
        cur.0.push(q);
    }
    if !cur.0.is_empty() {
        chunks.push(cur);
    }
    let mut notes = Vec::new();
    if chunks.len() > ctx.options.max_reduce_calls {
        notes.push(format!(
            "callers' expectations fill {} condensing requests; only the first {} are read",
            chunks.len(),
            ctx.options.max_reduce_calls
        ));
        chunks.truncate(ctx.options.max_reduce_calls);
    }
    let mut total = Usage::default();
    let mut read = 0;
    let mut merged: BTreeMap<String, Requirement> = BTreeMap::new();
    for (chunk, members) in chunks {
        let prompt = prompt::render(
            Template::Reduce,
            lang,
            &vars,
            &serde_json::json!({ "expectations": chunk }),
        );
        match ctx
            .client
            .call::<request::ReduceReply>(STAGE, &prompt)
            .await
        {
            Ok((reply, usage)) => {
                total.add(&usage);
                read += members;
                for r in reply.requirements.into_iter().take(MAX_ITEMS) {
                    let text = request::cap_bytes(r.text.trim(), 400);
                    if text.is_empty() {
                        continue;
                    }
                    let key: String = text
                        .to_lowercase()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    let entry = merged.entry(key).or_insert(Requirement { text, count: 0 });
                    entry.count += r.count.clamp(1, members);
                }
            }
            Err(e) => notes.push(format!(
                "condensing {members} callers' expectations failed: {e}"
            )),
        }
    }
    let mut reqs: Vec<Requirement> = merged.into_values().collect();
    reqs.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    (reqs, read, total, notes)
}

/// Asks what `f` expects of each function it calls outside its own unit. Returns the
/// event to send and the expectations keyed by callee.
async fn expectations(
    ctx: &Ctx,
    f: FnIdx,
    spec: Option<&Spec>,
) -> (
    Option<CallerExpectations>,
    Vec<(FnIdx, Expectation, String)>,
) {
    let program = &ctx.program;
    let graph = &ctx.graph;
    let func = program.function(f);
    let unit = graph.scc_of[f.0 as usize];
    // Call sites to functions of other units, with every target (dynamic calls have many).
    let mut sites: BTreeMap<u32, Vec<FnIdx>> = BTreeMap::new();
    for e in graph.callees(f) {
        // A test's spec is fixed (`test_spec`): nothing its callers expect changes it.
        if let Callee::Function(t) = e.callee
            && graph.scc_of[t.0 as usize] != unit
            && !program.is_test_code(t)
        {
            sites.entry(e.site).or_default().push(t);
        }
    }
    if sites.is_empty() {
        return (None, Vec::new());
    }
    let summary = spec.map(|s| s.summary.clone()).unwrap_or_default();
    let body = func.body.map_or("", |b| program.text(func.file, b));
    let file = program.file(func.file).path.clone();
    let sites: Vec<(u32, Vec<FnIdx>)> = sites.into_iter().collect();
    let mut cost = Cost::default();
    let mut notes = Vec::new();
    let mut list = Vec::new();
    for chunk in sites.chunks(ctx.options.max_calls_per_request.max(1)) {
        let calls: Vec<CallEntry> = chunk
            .iter()
            .enumerate()
            .map(|(k, (site, targets))| {
                let cs = &program.call_sites[*site as usize];
                let callee = program.function(targets[0]);
                CallEntry {
                    id: format!("c{}", k + 1),
                    line: cs.span.start_line,
                    callee: if targets.len() > 1 {
                        format!(
                            "{} (one of {} implementations)",
                            callee.qualified_name,
                            targets.len()
                        )
                    } else {
                        callee.qualified_name.clone()
                    },
                    callee_signature: callee.signature.text.clone(),
                    callee_doc: request::doc(program, callee)
                        .map(|d| request::cap_bytes(&request::first_paragraph(&d), 400)),
                    statement: cs.statement.clone(),
                }
            })
            .collect();
        let lines: Vec<u32> = calls.iter().map(|c| c.line).collect();
        let data = ExpectData {
            function: func.qualified_name.clone(),
            signature: func.signature.text.clone(),
            spec_summary: summary.clone(),
            spec_preconditions: spec
                .map(|s| s.preconditions.iter().map(|c| c.text.clone()).collect())
                .unwrap_or_default(),
            file: file.clone(),
            body: request::numbered_body(program, func, &lines, ctx.options.max_prompt_tokens / 2),
            calls,
        };
        let prompt = prompt::render(Template::Expect, func.lang, &Vars::default(), &data);
        let ids: Vec<String> = data.calls.iter().map(|c| c.id.clone()).collect();
        let narrow = |s: &mut serde_json::Value| one_entry_per_id(s, "calls", "call", &ids);
        let drafts: Vec<CallDraft> = match ctx
            .client
            .call_narrowed::<ExpectReply>(STAGE, &prompt, narrow)
            .await
        {
            Ok((reply, usage)) => {
                cost.add(&usage, 1.0);
                reply.calls
            }
            Err(e) => {
                notes.push(format!(
                    "what this function expects of its callees is unknown: {e}"
                ));
                Vec::new()
            }
        };
        for (k, (site, targets)) in chunk.iter().enumerate() {
            let id = format!("c{}", k + 1);
            let cs = &program.call_sites[*site as usize];
            let draft = drafts
                .iter()
                .find(|d| d.call == id)
                .cloned()
                .unwrap_or(CallDraft {
                    call: id,
                    established: Vec::new(),
                    relies_on: Vec::new(),
                    handles_errors: Vec::new(),
                });
            for &t in targets {
                let at = Expectation::at(
                    func.id.as_str(),
                    program.function(t).id.as_str(),
                    *site,
                    &file,
                    cs.span.start_line,
                    &cs.statement,
                );
                let (e, mut n) = at.with_draft(draft.clone(), body);
                notes.append(&mut n);
                list.push((t, e, summary.clone()));
            }
        }
    }
    notes.sort();
    notes.dedup();
    let event = CallerExpectations {
        caller: f,
        id: func.id.to_string(),
        expectations: list.iter().map(|(_, e, _)| e.clone()).collect(),
        diagnostics: notes,
        cost,
    };
    (Some(event), list)
}
