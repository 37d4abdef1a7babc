//! proptest properties from a spec alone: when a Rust function takes and returns only
//! integers and booleans and every precondition has a formal fragment, vouch writes a
//! property test without the model. Its strategies draw each argument from the range the
//! preconditions bound it to (with the ends and zero drawn often); the preconditions the
//! ranges do not capture reject a case; the assertion is the violated clause.
//!
//! Formulas are evaluated as in the formula language: over mathematical integers (`i128`
//! here, with `None` for an overflow or a division by zero) and with a three-valued
//! logic, so a clause that cannot be evaluated on a case neither passes nor fails it.

use std::fmt::Write as _;
use vouch_specgen::formula::{self, BinOp, Expr, ExprKind, IntTy, Ty};

/// The property's module and test name.
pub const PROPERTY: &str = "vouch_property";
/// Cases run per property.
pub const CASES: u32 = 2000;
/// The dev-dependency line added to a crate that has no proptest.
pub const PROPTEST_DEPENDENCY: &str =
    r#"proptest = { version = "1", default-features = false, features = ["std"] }"#;
/// The most arguments a property takes (proptest's tuples go to twelve).
const MAX_ARGS: usize = 8;

/// A Rust function and the part of its spec a property is made of.
#[derive(Clone, Debug)]
pub struct Target {
    /// The function's name.
    pub name: String,
    /// The `impl` block's type for an associated function.
    pub self_ty: Option<String>,
    /// Parameters (name, type as written).
    pub params: Vec<(String, String)>,
    /// The return type as written; `None` for `()`.
    pub ret: Option<String>,
    /// Every precondition's formal fragment; `None` for one without.
    pub preconditions: Vec<Option<String>>,
    /// The violated clause: its text and formal fragment.
    pub clause: String,
    pub formal: Option<String>,
    /// The signature text (to refuse `async`, `unsafe`, generic and trait functions).
    pub signature: String,
    /// The function has generic parameters or sits in a trait impl.
    pub generic: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Int,
    Bool,
}

/// A simple argument or result type: a machine integer up to 64 bits, or `bool`.
fn simple(ty: &str) -> Option<(Kind, Option<IntTy>)> {
    let t = ty.trim();
    if t.starts_with('&') || t.starts_with('*') {
        return None;
    }
    match formula::type_of(t) {
        Ty::Bool => Some((Kind::Bool, None)),
        Ty::Int(i) if (1..=64).contains(&i.bits) => Some((Kind::Int, Some(i))),
        _ => None,
    }
}

/// The property module for `t`, or why there is none.
pub fn property_module(t: &Target) -> Result<String, String> {
    let formal = t
        .formal
        .as_deref()
        .ok_or("the clause has no formal fragment")?;
    if t.generic
        || t.signature.contains("async ")
        || t.signature.contains("unsafe ")
        || t.signature.contains("extern ")
    {
        return Err("the function is generic, async, unsafe or extern".into());
    }
    if t.preconditions.iter().any(Option::is_none) {
        return Err("a precondition has no formal fragment".into());
    }
    if t.params.len() > MAX_ARGS {
        return Err(format!("more than {MAX_ARGS} arguments"));
    }
    let mut params = Vec::new();
    for (name, ty) in &t.params {
        if name == "self" || name.is_empty() || !vouch_specgen::formula::is_name(name) {
            return Err("a receiver or a pattern parameter".into());
        }
        let (kind, int) = simple(ty).ok_or_else(|| format!("`{name}: {ty}` is not simple"))?;
        params.push(Param {
            name: name.clone(),
            ty: ty.trim().to_string(),
            kind,
            range: int.and_then(IntTy::range),
        });
    }
    let result = match &t.ret {
        None => None,
        Some(r) => Some(
            simple(r)
                .ok_or_else(|| format!("the result `{r}` is not simple"))?
                .0,
        ),
    };
    let mut pres = Vec::new();
    for p in t.preconditions.iter().flatten() {
        let e = formula::parse(p).map_err(|e| e.render(p))?;
        pres.push(e);
    }
    let post = formula::parse(formal).map_err(|e| e.render(formal))?;

    // Ranges from the preconditions' conjuncts `x op n`.
    for e in &pres {
        for c in conjuncts(e) {
            narrow(&mut params, c);
        }
    }
    if let Some(p) = params
        .iter()
        .find(|p| p.range.is_some_and(|(lo, hi)| lo > hi))
    {
        return Err(format!("the preconditions leave `{}` no value", p.name));
    }

    let env = Env {
        params: &params,
        result,
    };
    let mut pre_code = String::from("Some(true)");
    for e in &pres {
        pre_code = format!("vouch_and({pre_code}, {})", env.condition(e, &[])?);
    }
    let post_code = env.condition(&post, &[])?;

    let call = match &t.self_ty {
        Some(ty) => format!("{ty}::{}", t.name),
        None => t.name.clone(),
    };
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let strategies: Vec<String> = params.iter().map(Param::strategy).collect();
    let (pattern, strategy) = match params.len() {
        0 => ("()".to_string(), "Just(())".to_string()),
        1 => (format!("({},)", names[0]), format!("({},)", strategies[0])),
        _ => (
            format!("({})", names.join(", ")),
            format!("({})", strategies.join(", ")),
        ),
    };
    let mut shown = String::new();
    for n in &names {
        let _ = write!(shown, "{n} = {{:?}}, ");
    }
    let shown_args = names.join(", ");
    let result_shown = if result.is_some() {
        "result = {:?}"
    } else {
        "returned"
    };
    let result_arg = if result.is_some() { ", result" } else { "" };
    let comma = if names.is_empty() { "" } else { ", " };
    // A Rust string literal of the clause.
    let clause = format!("{:?}", t.clause);
    Ok(format!(
        r#"

#[cfg(test)]
#[allow(unused_imports, unused_variables, unused_parens, unused_mut, dead_code, clippy::all)]
mod {PROPERTY} {{
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner}};

    // The formula language's values: integers without overflow, a three-valued logic.
    fn vouch_arith(a: Option<i128>, b: Option<i128>, f: fn(i128, i128) -> Option<i128>) -> Option<i128> {{
        f(a?, b?)
    }}
    fn vouch_cmp<T: PartialOrd>(a: Option<T>, b: Option<T>, f: fn(&T, &T) -> bool) -> Option<bool> {{
        Some(f(&a?, &b?))
    }}
    fn vouch_and(a: Option<bool>, b: Option<bool>) -> Option<bool> {{
        match (a, b) {{
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }}
    }}
    fn vouch_or(a: Option<bool>, b: Option<bool>) -> Option<bool> {{
        vouch_and(a.map(|v| !v), b.map(|v| !v)).map(|v| !v)
    }}
    fn vouch_forall(lo: Option<i128>, hi: Option<i128>, body: impl Fn(i128) -> Option<bool>) -> Option<bool> {{
        let (lo, hi) = (lo?, hi?);
        if hi.saturating_sub(lo) > 100_000 {{
            return None;
        }}
        let mut all = Some(true);
        for i in lo..hi {{
            all = vouch_and(all, body(i));
            if all == Some(false) {{
                break;
            }}
        }}
        all
    }}

    #[test]
    fn {PROPERTY}() {{
        let config = Config {{
            cases: {CASES},
            max_global_rejects: {rejects},
            failure_persistence: None,
            ..Config::default()
        }};
        let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        let outcome = runner.run(&{strategy}, |{pattern}| {{
            if {pre_code} != Some(true) {{
                return Err(TestCaseError::reject("the preconditions do not hold"));
            }}
            let result = {call}({shown_args});
            if {post_code} == Some(false) {{
                return Err(TestCaseError::fail(format!(
                    "vouch-assert: violated: {{}} ({shown}{result_shown})",
                    {clause}{comma}{shown_args}{result_arg}
                )));
            }}
            Ok(())
        }});
        match outcome {{
            Ok(()) => {{}}
            Err(TestError::Fail(why, input)) => panic!("{{}}; smallest failing input: {{:?}}", why, input),
            Err(TestError::Abort(why)) => panic!("vouch-inconclusive: {{}}", why),
        }}
    }}
}}
"#,
        rejects = CASES * 20,
    ))
}

#[derive(Clone, Debug)]
struct Param {
    name: String,
    ty: String,
    kind: Kind,
    /// The values drawn, within the type's range; `None` for `bool`.
    range: Option<(i128, i128)>,
}

impl Param {
    /// Values of the range, with its ends and zero (when inside) drawn often.
    fn strategy(&self) -> String {
        let Some((lo, hi)) = self.range else {
            return "any::<bool>()".into();
        };
        let lit = |v: i128| self.literal(v);
        let mut edges = vec![lit(lo), lit(hi)];
        if lo < 0 && hi > 0 {
            edges.push(lit(0));
        }
        let mut s = String::from("prop_oneof![");
        for e in &edges {
            let _ = write!(s, "1 => Just({e}), ");
        }
        let _ = write!(s, "{} => ({})..=({})]", 2 * edges.len(), lit(lo), lit(hi));
        s
    }

    fn literal(&self, v: i128) -> String {
        let ty = &self.ty;
        match formula::type_of(ty) {
            Ty::Int(i) if i.range().is_some_and(|(lo, _)| lo == v) => format!("{ty}::MIN"),
            Ty::Int(i) if i.range().is_some_and(|(_, hi)| hi == v) => format!("{ty}::MAX"),
            _ => format!("({v} as {ty})"),
        }
    }
}

/// The conjuncts of a condition.
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Binary(BinOp::And, a, b) => {
            let mut v = conjuncts(a);
            v.extend(conjuncts(b));
            v
        }
        _ => vec![e],
    }
}

/// Narrows a parameter's range by a conjunct `x op n` or `n op x`.
fn narrow(params: &mut [Param], c: &Expr) {
    let ExprKind::Binary(op, a, b) = &c.kind else {
        return;
    };
    let (name, n, op) = match (&a.kind, &b.kind) {
        (ExprKind::Var(x), _) if constant(b).is_some() => (x, constant(b), *op),
        (_, ExprKind::Var(x)) if constant(a).is_some() => (x, constant(a), flip(*op)),
        _ => return,
    };
    let (Some(n), Some(p)) = (n, params.iter_mut().find(|p| &p.name == name)) else {
        return;
    };
    let Some((lo, hi)) = p.range.as_mut() else {
        return;
    };
    match op {
        BinOp::Lt => *hi = (*hi).min(n - 1),
        BinOp::Le => *hi = (*hi).min(n),
        BinOp::Gt => *lo = (*lo).max(n + 1),
        BinOp::Ge => *lo = (*lo).max(n),
        BinOp::Eq => {
            *lo = (*lo).max(n);
            *hi = (*hi).min(n);
        }
        _ => {}
    }
}

fn constant(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Int(n) => Some(*n),
        ExprKind::Neg(inner) => constant(inner).map(|n| -n),
        _ => None,
    }
}

/// `n op x` as `x op' n`.
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

struct Env<'a> {
    params: &'a [Param],
    result: Option<Kind>,
}

impl Env<'_> {
    fn condition(&self, e: &Expr, bound: &[&str]) -> Result<String, String> {
        match self.expr(e, bound)? {
            (code, Kind::Bool) => Ok(code),
            _ => Err(format!("`{e}` is not a condition")),
        }
    }

    /// Rust code of type `Option<i128>` or `Option<bool>` computing `e`; `bound` are the
    /// names bound by enclosing `forall`s (integers).
    fn expr(&self, e: &Expr, bound: &[&str]) -> Result<(String, Kind), String> {
        let unsupported = || Err(format!("`{e}` is not over simple values"));
        Ok(match &e.kind {
            ExprKind::Int(n) => (format!("Some({n}i128)"), Kind::Int),
            ExprKind::Bool(b) => (format!("Some({b})"), Kind::Bool),
            ExprKind::Var(x) if bound.contains(&x.as_str()) => (format!("Some({x})"), Kind::Int),
            ExprKind::Var(x) => match self.params.iter().find(|p| &p.name == x) {
                Some(p) if p.kind == Kind::Int => (format!("Some({x} as i128)"), Kind::Int),
                Some(_) => (format!("Some({x})"), Kind::Bool),
                None => return Err(format!("`{x}` is not a parameter")),
            },
            ExprKind::Result => match self.result {
                Some(Kind::Int) => ("Some(result as i128)".into(), Kind::Int),
                Some(Kind::Bool) => ("Some(result)".into(), Kind::Bool),
                None => return Err("the function returns nothing".into()),
            },
            // Arguments are passed by value: their old values are their values.
            ExprKind::Old(inner) => self.expr(inner, bound)?,
            ExprKind::Not(inner) => {
                let c = self.condition(inner, bound)?;
                (format!("{c}.map(|v: bool| !v)"), Kind::Bool)
            }
            ExprKind::Neg(inner) => {
                let (c, _) = self.expr(inner, bound)?;
                (
                    format!("{c}.and_then(|v: i128| v.checked_neg())"),
                    Kind::Int,
                )
            }
            ExprKind::Binary(op, a, b) => {
                let (ca, ka) = self.expr(a, bound)?;
                let (cb, kb) = self.expr(b, bound)?;
                let arith = |f: &str| (format!("vouch_arith({ca}, {cb}, i128::{f})"), Kind::Int);
                let cmp = |s: &str| (format!("vouch_cmp({ca}, {cb}, |x, y| x {s} y)"), Kind::Bool);
                match op {
                    BinOp::Add => arith("checked_add"),
                    BinOp::Sub => arith("checked_sub"),
                    BinOp::Mul => arith("checked_mul"),
                    BinOp::Div => arith("checked_div"),
                    BinOp::Rem => arith("checked_rem"),
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                        if ka != kb {
                            return Err(format!("`{e}` compares a number with a condition"));
                        }
                        cmp(op.symbol())
                    }
                    BinOp::And | BinOp::Or | BinOp::Implies
                        if ka != Kind::Bool || kb != Kind::Bool =>
                    {
                        return Err(format!("`{e}` joins numbers as conditions"));
                    }
                    BinOp::And => (format!("vouch_and({ca}, {cb})"), Kind::Bool),
                    BinOp::Or => (format!("vouch_or({ca}, {cb})"), Kind::Bool),
                    BinOp::Implies => (
                        format!("vouch_or({ca}.map(|v: bool| !v), {cb})"),
                        Kind::Bool,
                    ),
                }
            }
            ExprKind::Forall { var, lo, hi, body } => {
                if !vouch_specgen::formula::is_name(var) {
                    return unsupported();
                }
                let (clo, _) = self.expr(lo, bound)?;
                let (chi, _) = self.expr(hi, bound)?;
                let mut inner: Vec<&str> = bound.to_vec();
                inner.push(var);
                let cb = self.condition(body, &inner)?;
                (
                    format!("vouch_forall({clo}, {chi}, |{var}: i128| {cb})"),
                    Kind::Bool,
                )
            }
            ExprKind::Null | ExprKind::Len(_) | ExprKind::Field(..) | ExprKind::Index(..) => {
                return unsupported();
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(params: &[(&str, &str)], ret: Option<&str>, pre: &[&str], post: &str) -> Target {
        Target {
            name: "clamp_add".into(),
            self_ty: None,
            params: params
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            ret: ret.map(str::to_string),
            preconditions: pre.iter().map(|p| Some(p.to_string())).collect(),
            clause: "returns \"the\" sum".into(),
            formal: Some(post.into()),
            signature: "fn clamp_add(a: u8, b: u8) -> u8".into(),
            generic: false,
        }
    }

    #[test]
    fn ranges_come_from_the_preconditions() {
        let t = target(
            &[("a", "u8"), ("b", "i32")],
            Some("u8"),
            &["a <= 100 && -5 < b", "b <= 7", "a != b"],
            "result == a + b",
        );
        let m = property_module(&t).expect("module");
        assert!(
            m.contains("prop_oneof![1 => Just(u8::MIN), 1 => Just((100 as u8)), 4 => (u8::MIN)..=((100 as u8))]"),
            "{m}"
        );
        assert!(
            m.contains("Just((-4 as i32)), 1 => Just((7 as i32)), 1 => Just((0 as i32))"),
            "{m}"
        );
        assert!(m.contains("let result = clamp_add(a, b);"), "{m}");
        assert!(
            m.contains("vouch_cmp(Some(a as i128), Some(b as i128), |x, y| x != y)"),
            "{m}"
        );
        assert!(m.contains(r#""returns \"the\" sum""#), "{m}");
    }

    #[test]
    fn what_a_property_cannot_state_is_refused_with_the_reason() {
        let mut t = target(&[("xs", "&[u8]")], Some("u8"), &[], "result == 0");
        assert!(
            property_module(&t)
                .expect_err("refused")
                .contains("not simple")
        );
        t = target(&[("a", "u8")], Some("u8"), &[], "result == a");
        t.preconditions.push(None);
        assert!(
            property_module(&t)
                .expect_err("refused")
                .contains("no formal")
        );
        t = target(&[("a", "u8")], Some("u8"), &["a > 300"], "result == a");
        assert!(
            property_module(&t)
                .expect_err("refused")
                .contains("no value")
        );
        t = target(&[("self", "&self")], Some("u8"), &[], "result == 0");
        assert!(property_module(&t).is_err());
        t = target(&[("a", "u8")], Some("Option<u8>"), &[], "result == a");
        assert!(
            property_module(&t)
                .expect_err("refused")
                .contains("not simple")
        );
        t = target(&[("a", "u8")], Some("u8"), &[], "len(a) == 1");
        assert!(property_module(&t).is_err());
    }
}
