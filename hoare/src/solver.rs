//! vouch's own solver type over Z3: the formula language lowered with machine types,
//! and the three questions Z3 decides (DESIGN.md, "What Z3 decides"):
//!
//! 1. does an implication hold whose sides are formal ([`Solver::implies`])? A proof,
//!    or a counterexample model;
//! 2. can a proposed counterexample occur under the function's formal preconditions
//!    ([`Solver::admits`])? If not, it is rejected, not reported;
//! 3. are a spec's formal preconditions satisfiable at all ([`Solver::satisfiable`])?
//!    If not, the spec is vacuous.
//!
//! Lowering: integers are mathematical integers with their machine type's range as a
//! fact (an `int` parameter is in [-2^31, 2^31-1]); C's `/` and `%` truncate toward
//! zero as in C and Rust. Pointers, slices and strings are integer addresses (`null` is
//! 0) with a length `len(p) >= 0`, their elements and struct fields uninterpreted
//! functions of the address, with the ranges of their types where the program's struct
//! layouts give them (`rb->count` is a `size_t`; a `bool` field is a condition). A
//! parameter names the value passed, the same before and after the call; `old(e)` reads
//! the memory `e` reaches at entry (`old!field!f(p)`, `old!elem(a, i)`, `old!len(p)`).
//! Every query has a time limit; a timeout is `Unknown`, never a pass.
//!
//! Z3's types never leave this module: the API speaks in formula expressions and
//! plain values.

use std::collections::BTreeMap;
use std::path::PathBuf;
use vouch_specgen::formula::{self, BinOp, Env, Expr, ExprKind, IntTy, Ty};
use z3::ast::{Ast, Bool, Dynamic, Int};
use z3::{FuncDecl, Params, SatResult, Sort};

/// What Z3 decided about one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Shown: the implication holds, the formulas are satisfiable, the example is admitted.
    Holds {
        /// A model, when the question was satisfiability.
        model: Model,
    },
    /// Shown not to: for an implication, a counterexample.
    Fails { model: Model },
    /// Z3 could not decide (time limit, or a formula outside what it decides).
    Unknown { reason: String },
}

/// Values of the names in a model, by name (`x`, `len(p)`, `old!x`), as decimal text.
pub type Model = BTreeMap<String, String>;

const NOTHING_WRAPS: &str = "no arithmetic that can wrap";

/// A formula that could not be lowered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot lower `{formula}` to the solver: {reason}")]
pub struct LowerError {
    pub formula: String,
    pub reason: String,
}

/// The solver: a time limit per query, and where queries are dumped (`--dump-smt`).
#[derive(Clone, Debug)]
pub struct Solver {
    pub timeout_ms: u32,
    pub dump_dir: Option<PathBuf>,
}

impl Default for Solver {
    fn default() -> Solver {
        Solver {
            timeout_ms: 5000,
            dump_dir: None,
        }
    }
}

impl Solver {
    /// Do `assumptions` imply `goal`? `Holds` is a proof; `Fails` carries a model of
    /// the assumptions where the goal is false.
    pub fn implies(&self, env: &Env, assumptions: &[&Expr], goal: &Expr, label: &str) -> Decision {
        self.run(
            label,
            |l| {
                let mut facts = Vec::new();
                for a in assumptions {
                    facts.push(l.boolean(a)?);
                }
                let g = l.boolean(goal)?;
                facts.push(g.not());
                Ok(facts)
            },
            env,
        )
        .implication()
    }

    /// `implies` again, with the arithmetic of `code` (the states the code reaches, as
    /// the model describes them) wrapping as the machine's does: `+ - *` and negation
    /// on unsigned integers of 32 bits or more are taken modulo 2^bits (what a
    /// bit-vector of that width computes), while `spec` (preconditions) and `goal`
    /// stay mathematical. Read with math alone, `result == a - b` on `unsigned`
    /// would silently drop the states where `a < b`, since `result` cannot be
    /// negative. `None` when nothing in `code` can wrap.
    pub fn implies_wrapping(
        &self,
        env: &Env,
        spec: &[&Expr],
        code: &[&Expr],
        goal: &Expr,
        label: &str,
    ) -> Option<Decision> {
        let outcome = self.run(
            label,
            |l| {
                let mut facts = Vec::new();
                for a in spec {
                    facts.push(l.boolean(a)?);
                }
                l.wrap = true;
                for a in code {
                    facts.push(l.boolean(a)?);
                }
                l.wrap = false;
                if l.wrapped == 0 {
                    return Err(LowerError {
                        formula: String::new(),
                        reason: NOTHING_WRAPS.into(),
                    });
                }
                facts.push(l.boolean(goal)?.not());
                Ok(facts)
            },
            env,
        );
        match outcome {
            Outcome::Unknown(reason) if reason.ends_with(NOTHING_WRAPS) => None,
            o => Some(o.implication()),
        }
    }

    /// Do `assumptions` pin `goal` down at the entry state of `witness`? `witness` is
    /// a model of the assumptions where `goal` is false (from [`Solver::implies`]).
    /// With the entry state fixed to the witness's — the parameters and everything
    /// read at entry (`old!…`) — the assumptions must fix every other name the goal
    /// reads (`result`, a field, an element, a length after the call) to the witness's
    /// value: then the goal's value is decided by the assumptions, and it is false.
    /// `Holds` means pinned: the witness is a counterexample that rests on what the
    /// assumptions say, not on what they leave out. `Fails` names a value the
    /// assumptions leave open. A goal with a quantifier is never pinned.
    pub fn pins(
        &self,
        env: &Env,
        assumptions: &[&Expr],
        goal: &Expr,
        witness: &Model,
        label: &str,
    ) -> Decision {
        if has_forall(goal) {
            return Decision::Fails {
                model: Model::new(),
            };
        }
        let mut l = Lowering::new(env);
        let lowered: Result<(Vec<Bool>, Vec<String>), LowerError> = (|| {
            let mut facts = Vec::new();
            for a in assumptions {
                facts.push(l.boolean(a)?);
            }
            l.read = Some(Vec::new());
            l.boolean(goal)?;
            let read = l.read.take().unwrap_or_default();
            Ok((facts, read))
        })();
        let (mut facts, read) = match lowered {
            Ok(x) => x,
            Err(e) => {
                return Decision::Unknown {
                    reason: e.to_string(),
                };
            }
        };
        // The entry state fixed to the witness's.
        let inputs: Vec<&String> = l
            .names
            .keys()
            .chain(l.bools.keys())
            .filter(|n| is_input(env, n))
            .collect();
        facts.extend(inputs.iter().filter_map(|n| l.equals(n, witness)));
        let solver = self.solver_with(&l, &facts);
        for name in read.iter().filter(|n| !is_input(env, n)) {
            // A name is fixed when no state of the assumptions gives it another value.
            let Some(same) = l.equals(name, witness) else {
                return Decision::Fails {
                    model: Model::new(),
                };
            };
            solver.push();
            solver.assert(same.not());
            if let Some(dir) = &self.dump_dir {
                dump(dir, &format!("{label} {name}"), &solver.to_smt2());
            }
            let outcome = solver.check();
            solver.pop(1);
            match outcome {
                SatResult::Unsat => {}
                SatResult::Sat => {
                    let mut open = Model::new();
                    open.insert(name.clone(), "not fixed".into());
                    return Decision::Fails { model: open };
                }
                SatResult::Unknown => {
                    return Decision::Unknown {
                        reason: "the solver could not decide whether the state pins the clause"
                            .into(),
                    };
                }
            }
        }
        Decision::Holds {
            model: witness.clone(),
        }
    }

    /// Are `formulas` satisfiable together? `Holds` carries a model, `Fails` means
    /// they contradict each other (for a spec's preconditions: it is vacuous).
    pub fn satisfiable(&self, env: &Env, formulas: &[&Expr], label: &str) -> Decision {
        self.run(
            label,
            |l| formulas.iter().map(|f| l.boolean(f)).collect(),
            env,
        )
        .satisfiability()
    }

    /// Can the values of a proposed counterexample occur when the `preconditions`
    /// hold? `values` are facts `e == v` about what the counterexample fixes (a
    /// parameter, a field it points to, a length); each name within its machine type.
    /// `Fails` means no valid caller can produce them.
    pub fn admits(
        &self,
        env: &Env,
        preconditions: &[&Expr],
        values: &[&Expr],
        label: &str,
    ) -> Decision {
        let all: Vec<&Expr> = preconditions.iter().chain(values).copied().collect();
        self.satisfiable(env, &all, label)
    }

    /// A Z3 solver under this solver's time limit, holding `facts` and the range and
    /// length facts of the names `l` made.
    fn solver_with(&self, l: &Lowering, facts: &[Bool]) -> z3::Solver {
        let solver = z3::Solver::new();
        let mut params = Params::new();
        params.set_u32("timeout", self.timeout_ms);
        solver.set_params(&params);
        for f in l.side_facts.iter().chain(facts) {
            solver.assert(f);
        }
        solver
    }

    fn run(
        &self,
        label: &str,
        build: impl FnOnce(&mut Lowering) -> Result<Vec<Bool>, LowerError>,
        env: &Env,
    ) -> Outcome {
        let mut l = Lowering::new(env);
        let facts = match build(&mut l) {
            Ok(f) => f,
            Err(e) => return Outcome::Unknown(e.to_string()),
        };
        let solver = self.solver_with(&l, &facts);
        if let Some(dir) = &self.dump_dir {
            dump(dir, label, &solver.to_smt2());
        }
        match solver.check() {
            SatResult::Unsat => Outcome::Unsat,
            SatResult::Sat => {
                Outcome::Sat(solver.get_model().map(|m| l.model(&m)).unwrap_or_default())
            }
            SatResult::Unknown => Outcome::Unknown(format!(
                "the solver could not decide ({})",
                solver
                    .get_reason_unknown()
                    .unwrap_or_else(|| "no reason given".into())
            )),
        }
    }
}

/// What Z3 said of a set of facts; a formula that could not be lowered is `Unknown`.
enum Outcome {
    Sat(Model),
    Unsat,
    Unknown(String),
}

impl Outcome {
    /// Read as "can the facts hold together?".
    fn satisfiability(self) -> Decision {
        match self {
            Outcome::Sat(model) => Decision::Holds { model },
            Outcome::Unsat => Decision::Fails {
                model: Model::new(),
            },
            Outcome::Unknown(reason) => Decision::Unknown { reason },
        }
    }

    /// Read as an implication whose goal was negated: unsatisfiable means it holds,
    /// a model is a counterexample.
    fn implication(self) -> Decision {
        match self {
            Outcome::Unsat => Decision::Holds {
                model: Model::new(),
            },
            Outcome::Sat(model) => Decision::Fails { model },
            Outcome::Unknown(reason) => Decision::Unknown { reason },
        }
    }
}

/// Whether a formula has a quantifier.
fn has_forall(e: &Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Forall { .. } => return true,
            ExprKind::Old(a) | ExprKind::Len(a) | ExprKind::Not(a) | ExprKind::Neg(a) => {
                stack.push(a)
            }
            ExprKind::Field(a, _) => stack.push(a),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            _ => {}
        }
    }
    false
}

/// Whether a name of a model belongs to the entry state: a parameter (the value it
/// was passed; vouch's formulas read a parameter as passed unless under `old`), or
/// anything read at entry (`old!x`, `old!field!f(old!p)`, `old!len(old!p)`).
fn is_input(env: &Env, name: &str) -> bool {
    let name = name.trim_start_matches('|');
    name.starts_with("old!") || env.vars.iter().any(|(v, _)| v == name)
}

fn dump(dir: &std::path::Path, label: &str, smt: &str) {
    let name: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let result = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join(format!("{name}.smt2")), smt));
    if let Err(e) = result {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot dump an SMT query");
    }
}

fn int(v: i128) -> Int {
    i64::try_from(v).map_or_else(
        |_| {
            v.to_string()
                .parse::<Int>()
                .unwrap_or_else(|_| Int::from_i64(0))
        },
        Int::from_i64,
    )
}

/// One query's lowering: the names it made, with their types and the facts they bring.
struct Lowering<'e> {
    env: &'e Env,
    /// Range and length facts of the names used.
    side_facts: Vec<Bool>,
    /// Every name made, to read a model back.
    names: BTreeMap<String, Int>,
    bools: BTreeMap<String, Bool>,
    /// Bound variables of enclosing quantifiers.
    bound: Vec<(String, Int)>,
    /// Lower unsigned arithmetic of 32 bits or more modulo 2^bits.
    wrap: bool,
    /// Operations lowered that way.
    wrapped: usize,
    /// When set, the names read (made or met again) are recorded here.
    read: Option<Vec<String>>,
}

/// A lowered value.
enum Val {
    Int(Int),
    Bool(Bool),
}

impl<'e> Lowering<'e> {
    fn new(env: &'e Env) -> Lowering<'e> {
        Lowering {
            env,
            side_facts: Vec::new(),
            names: BTreeMap::new(),
            bools: BTreeMap::new(),
            bound: Vec::new(),
            wrap: false,
            wrapped: 0,
            read: None,
        }
    }

    fn error(e: &Expr, reason: impl Into<String>) -> LowerError {
        LowerError {
            formula: e.to_string(),
            reason: reason.into(),
        }
    }

    fn boolean(&mut self, e: &Expr) -> Result<Bool, LowerError> {
        match self.lower(e, false)? {
            Val::Bool(b) => Ok(b),
            Val::Int(_) => Err(Self::error(e, "an integer where a condition was expected")),
        }
    }

    fn integer(&mut self, e: &Expr, old: bool) -> Result<Int, LowerError> {
        match self.lower(e, old)? {
            Val::Int(i) => Ok(i),
            Val::Bool(_) => Err(Self::error(e, "a condition where an integer was expected")),
        }
    }

    fn ty(&self, name: &str) -> Option<Ty> {
        if name == "result" {
            return self.env.result.clone();
        }
        self.env
            .vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }

    /// An integer name with its range facts, made once per query.
    fn int_var(&mut self, name: &str) -> Result<Int, LowerError> {
        self.note_read(name);
        if let Some(v) = self.names.get(name) {
            return Ok(v.clone());
        }
        let base = name.strip_prefix("old!").unwrap_or(name);
        let v = Int::new_const(name);
        match self.ty(base) {
            Some(Ty::Int(t)) => self.range(&v, t),
            // Addresses: null is 0, nothing is below it.
            Some(Ty::Seq(_) | Ty::Opaque(_)) => self.side_facts.push(v.ge(Int::from_i64(0))),
            Some(Ty::Bool) => {
                return Err(LowerError {
                    formula: name.into(),
                    reason: "a boolean used as an integer".into(),
                });
            }
            Some(Ty::Null) | None => {}
        }
        self.names.insert(name.to_string(), v.clone());
        Ok(v)
    }

    fn range(&mut self, v: &Int, t: IntTy) {
        if let Some((lo, hi)) = t.range() {
            self.side_facts.push(v.ge(int(lo)));
            self.side_facts.push(v.le(int(hi)));
        }
    }

    /// `name == v`, for the value `v` a model gives that name (an integer or a
    /// boolean it made); `None` when the name or its value is not there.
    fn equals(&self, name: &str, model: &Model) -> Option<Bool> {
        let v = model.get(name)?;
        match (self.names.get(name), self.bools.get(name)) {
            (Some(t), _) => Some(t.eq(int(v.parse::<i128>().ok()?))),
            (_, Some(t)) => Some(t.eq(Bool::from_bool(v.parse::<bool>().ok()?))),
            _ => None,
        }
    }

    fn note_read(&mut self, name: &str) {
        if let Some(read) = &mut self.read
            && !read.iter().any(|r| r == name)
        {
            read.push(name.to_string());
        }
    }

    fn func(&mut self, name: &str, arity: usize, args: &[&Int]) -> Int {
        let domain: Vec<Sort> = (0..arity).map(|_| Sort::int()).collect();
        let refs: Vec<&Sort> = domain.iter().collect();
        let f = FuncDecl::new(name, &refs, &Sort::int());
        let dyn_args: Vec<&dyn Ast> = args.iter().map(|a| *a as &dyn Ast).collect();
        let applied: Dynamic = f.apply(&dyn_args);
        let v = applied.as_int().unwrap_or_else(|| Int::new_const(name));
        let key = format!(
            "{name}({})",
            args.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.note_read(&key);
        self.names.insert(key, v.clone());
        v
    }

    fn lower(&mut self, e: &Expr, old: bool) -> Result<Val, LowerError> {
        let prefix = if old { "old!" } else { "" };
        Ok(match &e.kind {
            ExprKind::Int(n) => Val::Int(int(*n)),
            ExprKind::Bool(b) => Val::Bool(Bool::from_bool(*b)),
            ExprKind::Null => Val::Int(Int::from_i64(0)),
            ExprKind::Var(v) => {
                if let Some((_, b)) = self.bound.iter().rev().find(|(n, _)| n == v) {
                    return Ok(Val::Int(b.clone()));
                }
                // A parameter names the value passed, which the caller cannot see
                // change: `old(p)` is `p`. Only what `p` reaches (`old(p->f)`,
                // `old(len(p))`) has an entry value of its own.
                match self.ty(v) {
                    Some(Ty::Bool) => {
                        let name = v.clone();
                        self.note_read(&name);
                        let b = self
                            .bools
                            .entry(name.clone())
                            .or_insert_with(|| Bool::new_const(name))
                            .clone();
                        Val::Bool(b)
                    }
                    Some(_) => Val::Int(self.int_var(v)?),
                    None => return Err(Self::error(e, format!("unknown name `{v}`"))),
                }
            }
            ExprKind::Result => match self.env.result {
                Some(Ty::Bool) => Val::Bool({
                    self.note_read("result");
                    self.bools
                        .entry("result".into())
                        .or_insert_with(|| Bool::new_const("result"))
                        .clone()
                }),
                Some(_) => Val::Int(self.int_var("result")?),
                None => {
                    return Err(Self::error(
                        e,
                        "`result` of a function that returns nothing",
                    ));
                }
            },
            ExprKind::Old(inner) => self.lower(inner, true)?,
            ExprKind::Len(inner) => {
                let a = self.integer(inner, old)?;
                let l = self.func(&format!("{prefix}len"), 1, &[&a]);
                self.side_facts.push(l.ge(Int::from_i64(0)));
                Val::Int(l)
            }
            ExprKind::Field(base, field) => {
                let a = self.integer(base, old)?;
                let name = format!("{prefix}field!{field}");
                if self.type_at(e) == Some(Ty::Bool) {
                    return Ok(Val::Bool(self.bool_func(&name, &a)));
                }
                let v = self.func(&name, 1, &[&a]);
                self.typed(&v, e);
                Val::Int(v)
            }
            ExprKind::Index(base, index) => {
                let a = self.integer(base, old)?;
                let i = self.integer(index, old)?;
                let v = self.func(&format!("{prefix}elem"), 2, &[&a, &i]);
                self.typed(&v, e);
                Val::Int(v)
            }
            ExprKind::Not(inner) => Val::Bool(self.boolean_at(inner, old)?.not()),
            ExprKind::Neg(inner) => {
                let v = self.integer(inner, old)?.unary_minus();
                Val::Int(self.wrapped(v, e))
            }
            ExprKind::Binary(op, a, b) => self.binary(e, *op, a, b, old)?,
            ExprKind::Forall { var, lo, hi, body } => {
                let lo = self.integer(lo, old)?;
                let hi = self.integer(hi, old)?;
                let i = Int::fresh_const(var);
                self.bound.push((var.clone(), i.clone()));
                let body = self.boolean_at(body, old);
                self.bound.pop();
                let guard = Bool::and(&[i.ge(&lo), i.lt(&hi)]);
                Val::Bool(z3::ast::forall_const(&[&i], &[], &guard.implies(&body?)))
            }
        })
    }

    /// The type of `e`, a part of the formula being lowered (with the quantifiers'
    /// bound variables, integers, in scope).
    fn type_at(&self, e: &Expr) -> Option<Ty> {
        if self.bound.is_empty() {
            return formula::type_of_expr(e, self.env);
        }
        let mut env = self.env.clone();
        env.vars.extend(
            self.bound
                .iter()
                .map(|(n, _)| (n.clone(), Ty::Int(IntTy::MATH))),
        );
        formula::type_of_expr(e, &env)
    }

    /// The facts of `v`'s type, where `v` is the value of field or element `e`: a
    /// machine integer's range; an address is not below null.
    fn typed(&mut self, v: &Int, e: &Expr) {
        match self.type_at(e) {
            Some(Ty::Int(t)) => self.range(v, t),
            Some(Ty::Seq(_) | Ty::Opaque(_)) => self.side_facts.push(v.ge(Int::from_i64(0))),
            _ => {}
        }
    }

    /// A boolean field of the struct at address `a`, made once per query.
    fn bool_func(&mut self, name: &str, a: &Int) -> Bool {
        let f = FuncDecl::new(name, &[&Sort::int()], &Sort::bool());
        let applied: Dynamic = f.apply(&[a as &dyn Ast]);
        let key = format!("{name}({a})");
        self.note_read(&key);
        let b = applied
            .as_bool()
            .unwrap_or_else(|| Bool::new_const(key.as_str()));
        self.bools.insert(key, b.clone());
        b
    }

    fn boolean_at(&mut self, e: &Expr, old: bool) -> Result<Bool, LowerError> {
        match self.lower(e, old)? {
            Val::Bool(b) => Ok(b),
            Val::Int(_) => Err(Self::error(e, "an integer where a condition was expected")),
        }
    }

    fn binary(
        &mut self,
        e: &Expr,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        old: bool,
    ) -> Result<Val, LowerError> {
        if matches!(op, BinOp::And | BinOp::Or | BinOp::Implies) {
            let x = self.boolean_at(a, old)?;
            let y = self.boolean_at(b, old)?;
            return Ok(Val::Bool(match op {
                BinOp::And => Bool::and(&[x, y]),
                BinOp::Or => Bool::or(&[x, y]),
                _ => x.implies(&y),
            }));
        }
        let x = self.lower(a, old)?;
        let y = self.lower(b, old)?;
        Ok(match (x, y) {
            (Val::Bool(x), Val::Bool(y)) => match op {
                BinOp::Eq => Val::Bool(x.eq(&y)),
                BinOp::Ne => Val::Bool(x.eq(&y).not()),
                _ => {
                    return Err(Self::error(
                        e,
                        format!("`{}` between conditions", op.symbol()),
                    ));
                }
            },
            (Val::Int(x), Val::Int(y)) => match op {
                BinOp::Add => Val::Int(self.wrapped(Int::add(&[x, y]), e)),
                BinOp::Sub => Val::Int(self.wrapped(Int::sub(&[x, y]), e)),
                BinOp::Mul => Val::Int(self.wrapped(Int::mul(&[x, y]), e)),
                BinOp::Div => Val::Int(truncated_div(&x, &y)),
                BinOp::Rem => {
                    let q = truncated_div(&x, &y);
                    Val::Int(Int::sub(&[x, Int::mul(&[y, q])]))
                }
                BinOp::Eq => Val::Bool(x.eq(&y)),
                BinOp::Ne => Val::Bool(x.eq(&y).not()),
                BinOp::Lt => Val::Bool(x.lt(&y)),
                BinOp::Le => Val::Bool(x.le(&y)),
                BinOp::Gt => Val::Bool(x.gt(&y)),
                BinOp::Ge => Val::Bool(x.ge(&y)),
                BinOp::And | BinOp::Or | BinOp::Implies => {
                    return Err(Self::error(
                        e,
                        format!("`{}` between integers", op.symbol()),
                    ));
                }
            },
            _ => return Err(Self::error(e, "a condition compared with an integer")),
        })
    }

    /// `v`, the value of arithmetic `e`, as the machine computes it when wrapping
    /// is on and `e` is unsigned of 32 bits or more (narrower operands are promoted
    /// to `int` in C, and do not wrap there).
    fn wrapped(&mut self, v: Int, e: &Expr) -> Int {
        if !self.wrap {
            return v;
        }
        match self.int_ty(e) {
            Some(t) if !t.signed && t.bits >= 32 => {
                self.wrapped += 1;
                v.modulo(int(1i128 << t.bits))
            }
            _ => v,
        }
    }

    /// The machine type of an integer expression: a name's, or the one its operands
    /// share (a literal or a length takes the other side's; two unsigned types, the
    /// wider). `None` for a mathematical integer or one whose type is not known.
    fn int_ty(&self, e: &Expr) -> Option<IntTy> {
        let machine = |t: Option<Ty>| match t {
            Some(Ty::Int(t)) if t.bits > 0 => Some(t),
            _ => None,
        };
        match &e.kind {
            ExprKind::Var(v) if !self.bound.iter().any(|(n, _)| n == v) => machine(self.ty(v)),
            ExprKind::Result => machine(self.env.result.clone()),
            ExprKind::Old(inner) | ExprKind::Neg(inner) => self.int_ty(inner),
            ExprKind::Index(..) | ExprKind::Field(..) => machine(self.type_at(e)),
            ExprKind::Binary(
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem,
                a,
                b,
            ) => match (self.int_ty(a), self.int_ty(b)) {
                (Some(x), None) | (None, Some(x)) => Some(x),
                (Some(x), Some(y)) if x == y => Some(x),
                (Some(x), Some(y)) if !x.signed && !y.signed => {
                    Some(if x.bits >= y.bits { x } else { y })
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The values of every name the query made.
    fn model(&self, m: &z3::Model) -> Model {
        let mut out = Model::new();
        for (name, v) in &self.names {
            if let Some(x) = m.eval(v, true) {
                // Plain decimal, not SMT-LIB's `(- 1)`.
                let text = x.as_i64().map_or_else(|| x.to_string(), |n| n.to_string());
                out.insert(name.clone(), text);
            }
        }
        for (name, v) in &self.bools {
            if let Some(x) = m.eval(v, true) {
                out.insert(name.clone(), x.to_string());
            }
        }
        out
    }
}

/// `x / y` rounded toward zero, as C and Rust divide.
fn truncated_div(x: &Int, y: &Int) -> Int {
    let zero = Int::from_i64(0);
    let ax = x.ge(&zero).ite(x, &x.unary_minus());
    let ay = y.ge(&zero).ite(y, &y.unary_minus());
    let q = ax.div(&ay);
    x.ge(&zero).eq(y.ge(&zero)).ite(&q, &q.unary_minus())
}
