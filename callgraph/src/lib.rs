//! The call graph: resolves every call site of a [`Program`] to functions of the tree,
//! external functions or an explicit reason why not; finds recursion (strongly
//! connected components), roots, and the top-down order in which specs are written
//! (callers before callees, each SCC as one unit).
//!
//! petgraph is used inside this crate only; the API speaks in [`FnIdx`] and plain vectors.

mod resolve_c;
mod resolve_rust;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use vouch_frontend::{FnIdx, Lang, Program};

/// How an edge was resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A plain or path call naming the function.
    Direct,
    /// A method call whose receiver type was known.
    Method,
    /// A method call whose receiver type was unknown, resolved because only one
    /// method of that name exists in the tree.
    MethodByName,
    /// A trait method: one edge to every implementation in the tree.
    Dynamic,
    /// A C call through a function-like macro whose body calls the function.
    Macro,
}

/// What an edge points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Callee {
    Function(FnIdx),
    /// Index into [`CallGraph::externals`].
    External(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub caller: FnIdx,
    pub callee: Callee,
    pub kind: EdgeKind,
    /// Index into [`Program::call_sites`].
    pub site: u32,
    /// The macro a C call went through.
    pub via: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub site: u32,
    pub reason: String,
}

/// Why a function is a root: no function of the tree calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootKind {
    Main,
    Test,
    /// Rust `pub` or a C function with external linkage.
    Public,
    /// Private and uncalled: dead, or reached only through a pointer or a macro.
    Uncalled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Root {
    pub function: FnIdx,
    pub kind: RootKind,
}

/// The outcome of resolving one call site (used by the resolvers).
pub(crate) enum Resolution {
    Resolved(Vec<(FnIdx, EdgeKind, Option<String>)>),
    Macro {
        targets: Vec<(FnIdx, EdgeKind, Option<String>)>,
        externals: Vec<String>,
    },
    External(String),
    Unresolved(String),
    /// Not a call of a function (a constructor, a macro that expands to no call).
    Ignored,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub call_sites: usize,
    /// Call sites with at least one edge into the tree.
    pub resolved: usize,
    pub external: usize,
    pub unresolved: usize,
    /// Constructors and macros that expand to no call.
    pub ignored: usize,
    pub edges: usize,
    pub edges_by_kind: BTreeMap<EdgeKind, usize>,
    /// SCCs with more than one function, or one that calls itself.
    pub recursive_sccs: usize,
}

/// An edge before external callees are numbered: `Err` holds an external name.
type RawEdge = (FnIdx, Result<FnIdx, String>, EdgeKind, u32, Option<String>);

pub struct CallGraph {
    /// Sorted by (caller, site, callee).
    pub edges: Vec<Edge>,
    /// Names of functions called but not defined in the tree, sorted.
    pub externals: Vec<String>,
    pub unresolved: Vec<Unresolved>,
    /// Every SCC, in top-down order (by layer, then by the first member's id).
    pub sccs: Vec<Vec<FnIdx>>,
    /// For each function, the index of its SCC in `sccs`.
    pub scc_of: Vec<u32>,
    /// Top-down layers of SCC indices: a unit's callers are all in earlier layers.
    pub layers: Vec<Vec<u32>>,
    pub roots: Vec<Root>,
    pub stats: Stats,
    callers: Vec<Vec<u32>>,
    callees: Vec<Vec<u32>>,
}

impl CallGraph {
    pub fn build(program: &Program) -> CallGraph {
        let _span = tracing::info_span!("callgraph", functions = program.functions.len()).entered();
        let c_index = resolve_c::CIndex::new(program);
        let rust_index = resolve_rust::RustIndex::new(program);
        let mut stats = Stats {
            call_sites: program.call_sites.len(),
            ..Stats::default()
        };
        let mut externals: BTreeSet<String> = BTreeSet::new();
        let mut raw_edges: Vec<RawEdge> = Vec::new();
        let mut unresolved = Vec::new();
        let resolutions: Vec<Resolution> = program
            .call_sites
            .par_iter()
            .map(|site| match program.function(site.caller).lang {
                Lang::C => c_index.resolve(site),
                Lang::Rust => rust_index.resolve(site),
            })
            .collect();
        for (i, (site, resolution)) in program.call_sites.iter().zip(resolutions).enumerate() {
            let site_idx = i as u32;
            match resolution {
                Resolution::Resolved(targets) => {
                    stats.resolved += 1;
                    for (t, kind, via) in targets {
                        raw_edges.push((site.caller, Ok(t), kind, site_idx, via));
                    }
                }
                Resolution::Macro {
                    targets,
                    externals: ext,
                } => {
                    if targets.is_empty() {
                        stats.external += 1;
                    } else {
                        stats.resolved += 1;
                    }
                    for (t, kind, via) in targets {
                        raw_edges.push((site.caller, Ok(t), kind, site_idx, via));
                    }
                    for name in ext {
                        externals.insert(name.clone());
                        raw_edges.push((
                            site.caller,
                            Err(name),
                            EdgeKind::Macro,
                            site_idx,
                            Some(site.name.clone()),
                        ));
                    }
                }
                Resolution::External(name) => {
                    stats.external += 1;
                    externals.insert(name.clone());
                    raw_edges.push((site.caller, Err(name), EdgeKind::Direct, site_idx, None));
                }
                Resolution::Unresolved(reason) => {
                    stats.unresolved += 1;
                    unresolved.push(Unresolved {
                        site: site_idx,
                        reason,
                    });
                }
                Resolution::Ignored => stats.ignored += 1,
            }
        }
        let externals: Vec<String> = externals.into_iter().collect();
        let mut edges: Vec<Edge> = raw_edges
            .into_iter()
            .map(|(caller, target, kind, site, via)| {
                let callee = match target {
                    Ok(f) => Callee::Function(f),
                    Err(name) => {
                        Callee::External(externals.binary_search(&name).unwrap_or(0) as u32)
                    }
                };
                Edge {
                    caller,
                    callee,
                    kind,
                    site,
                    via,
                }
            })
            .collect();
        edges.sort();
        edges.dedup();
        stats.edges = edges.len();
        for e in &edges {
            *stats.edges_by_kind.entry(e.kind).or_default() += 1;
        }

        let n = program.functions.len();
        let mut callers = vec![Vec::new(); n];
        let mut callees = vec![Vec::new(); n];
        for (i, e) in edges.iter().enumerate() {
            if let Callee::Function(t) = e.callee {
                callees[e.caller.0 as usize].push(i as u32);
                callers[t.0 as usize].push(i as u32);
            }
        }
        let (sccs, scc_of, layers) = order(n, &edges);
        stats.recursive_sccs = sccs
            .iter()
            .filter(|s| {
                s.len() > 1
                    || callees[s[0].0 as usize]
                        .iter()
                        .any(|&e| edges[e as usize].callee == Callee::Function(s[0]))
            })
            .count();
        let roots = roots(program, &sccs, &scc_of, &callers, &edges);
        CallGraph {
            edges,
            externals,
            unresolved,
            sccs,
            scc_of,
            layers,
            roots,
            stats,
            callers,
            callees,
        }
    }

    /// Edges into `f` from call sites in the tree.
    pub fn callers(&self, f: FnIdx) -> impl Iterator<Item = &Edge> {
        self.callers[f.0 as usize]
            .iter()
            .map(|&i| &self.edges[i as usize])
    }

    /// Edges out of `f` to functions of the tree.
    pub fn callees(&self, f: FnIdx) -> impl Iterator<Item = &Edge> {
        self.callees[f.0 as usize]
            .iter()
            .map(|&i| &self.edges[i as usize])
    }

    /// True if `f` is in a cycle (including calling itself).
    pub fn is_recursive(&self, f: FnIdx) -> bool {
        let scc = &self.sccs[self.scc_of[f.0 as usize] as usize];
        scc.len() > 1 || self.callees(f).any(|e| e.callee == Callee::Function(f))
    }

    /// Units (SCCs) in top-down order: every unit comes after all units that call it.
    pub fn top_down(&self) -> impl Iterator<Item = &[FnIdx]> {
        self.layers
            .iter()
            .flatten()
            .map(|&s| self.sccs[s as usize].as_slice())
    }
}

/// Tarjan SCCs (petgraph) and top-down layers over the condensation.
fn order(n: usize, edges: &[Edge]) -> (Vec<Vec<FnIdx>>, Vec<u32>, Vec<Vec<u32>>) {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, edges.len());
    for _ in 0..n {
        g.add_node(());
    }
    let mut pairs: Vec<(u32, u32)> = edges
        .iter()
        .filter_map(|e| match e.callee {
            Callee::Function(t) => Some((e.caller.0, t.0)),
            Callee::External(_) => None,
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    for &(a, b) in &pairs {
        g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), ());
    }
    // tarjan_scc yields SCCs in reverse topological order (callees first).
    let mut comps: Vec<Vec<FnIdx>> = tarjan_scc(&g)
        .into_iter()
        .map(|c| {
            let mut v: Vec<FnIdx> = c.into_iter().map(|i| FnIdx(i.index() as u32)).collect();
            v.sort();
            v
        })
        .collect();
    comps.reverse();
    let mut comp_of = vec![0u32; n];
    for (ci, c) in comps.iter().enumerate() {
        for f in c {
            comp_of[f.0 as usize] = ci as u32;
        }
    }
    // Longest-path layering in topological order: a unit sits one below its deepest caller.
    let mut layer = vec![0u32; comps.len()];
    let mut succ: Vec<Vec<u32>> = vec![Vec::new(); comps.len()];
    for &(a, b) in &pairs {
        let (ca, cb) = (comp_of[a as usize], comp_of[b as usize]);
        if ca != cb {
            succ[ca as usize].push(cb);
        }
    }
    for ci in 0..comps.len() {
        let l = layer[ci];
        for &s in &succ[ci] {
            layer[s as usize] = layer[s as usize].max(l + 1);
        }
    }
    let depth = layer.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut by_layer: Vec<Vec<u32>> = vec![Vec::new(); depth];
    for (ci, &l) in layer.iter().enumerate() {
        by_layer[l as usize].push(ci as u32);
    }
    for l in &mut by_layer {
        l.sort_by_key(|&c| comps[c as usize][0]);
    }
    // Renumber SCCs in the final top-down order so the output is stable.
    let mut sccs = Vec::with_capacity(comps.len());
    let mut renum = vec![0u32; comps.len()];
    for &c in by_layer.iter().flatten() {
        renum[c as usize] = sccs.len() as u32;
        sccs.push(comps[c as usize].clone());
    }
    let layers: Vec<Vec<u32>> = by_layer
        .iter()
        .map(|l| l.iter().map(|&c| renum[c as usize]).collect())
        .collect();
    let scc_of: Vec<u32> = comp_of.iter().map(|&c| renum[c as usize]).collect();
    (sccs, scc_of, layers)
}

fn roots(
    program: &Program,
    sccs: &[Vec<FnIdx>],
    scc_of: &[u32],
    callers: &[Vec<u32>],
    edges: &[Edge],
) -> Vec<Root> {
    let mut out = Vec::new();
    for scc in sccs {
        let called_from_outside = scc.iter().any(|f| {
            callers[f.0 as usize]
                .iter()
                .any(|&e| scc_of[edges[e as usize].caller.0 as usize] != scc_of[f.0 as usize])
        });
        if called_from_outside {
            continue;
        }
        for &f in scc {
            let func = program.function(f);
            let kind = if func.name == "main"
                && func
                    .rust
                    .as_ref()
                    .is_none_or(|r| r.self_ty.is_none() && r.module.is_empty())
            {
                RootKind::Main
            } else if func
                .rust
                .as_ref()
                .is_some_and(|r| r.is_test || r.krate.contains("#test"))
            {
                RootKind::Test
            } else if func.c.as_ref().is_some_and(|c| !c.is_static)
                || func
                    .rust
                    .as_ref()
                    .is_some_and(|r| r.is_pub || r.trait_name.is_some())
            {
                RootKind::Public
            } else {
                RootKind::Uncalled
            };
            out.push(Root { function: f, kind });
        }
    }
    out.sort_by_key(|r| r.function);
    out
}
