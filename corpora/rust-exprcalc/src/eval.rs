//! Evaluation of expression trees over `i64`, with variables and built-in functions.

use std::collections::HashMap;

use crate::error::{CalcError, ErrorKind, Span};
use crate::parser::{BinOp, Expr};

/// Variable bindings.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, i64>,
}

impl Env {
    pub fn new() -> Self {
        Env::default()
    }

    pub fn set(&mut self, name: &str, value: i64) {
        self.vars.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<i64> {
        self.vars.get(name).copied()
    }

    /// Variable names in sorted order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

fn overflow(span: Span) -> CalcError {
    CalcError::new(ErrorKind::Overflow, span)
}

/// Apply a binary operator. Every arithmetic failure is reported as an error,
/// never a panic: division or remainder by zero gives `DivisionByZero`, any
/// result outside `i64` gives `Overflow`, and a negative exponent gives
/// `Overflow` too (results are integers).
pub fn apply_binary(op: BinOp, a: i64, b: i64, span: Span) -> Result<i64, CalcError> {
    match op {
        BinOp::Add => a.checked_add(b).ok_or_else(|| overflow(span)),
        BinOp::Sub => a.checked_sub(b).ok_or_else(|| overflow(span)),
        BinOp::Mul => a.checked_mul(b).ok_or_else(|| overflow(span)),
        BinOp::Div => {
            if b == 0 {
                return Err(CalcError::new(ErrorKind::DivisionByZero, span));
            }
            a.checked_div(b).ok_or_else(|| overflow(span))
        }
        BinOp::Rem => a.checked_rem(b).ok_or_else(|| overflow(span)),
        BinOp::Pow => power(a, b, span),
    }
}

/// `base ^ exp` by repeated squaring. A negative exponent or a result outside
/// `i64` gives `Overflow`.
pub fn power(base: i64, exp: i64, span: Span) -> Result<i64, CalcError> {
    if exp < 0 {
        return Err(overflow(span));
    }
    let mut result: i64 = 1;
    let mut base = base;
    let mut exp = exp;
    while exp > 0 {
        if exp & 1 == 1 {
            result = result.checked_mul(base).ok_or_else(|| overflow(span))?;
        }
        exp >>= 1;
        if exp > 0 {
            base *= base;
        }
    }
    Ok(result)
}

/// Call a built-in function. `min` and `max` take one or more arguments and
/// report `Arity` when called with none; `abs` takes exactly one; `clamp`
/// takes three (value, low, high).
pub fn call_builtin(name: &str, args: &[i64], span: Span) -> Result<i64, CalcError> {
    let arity = |expected: usize| {
        CalcError::new(ErrorKind::Arity { name: name.to_string(), expected, got: args.len() }, span)
    };
    match name {
        "min" => Ok(args.iter().copied().min().unwrap()),
        "max" => Ok(args.iter().copied().max().unwrap()),
        "abs" => {
            let [x] = args else { return Err(arity(1)) };
            x.checked_abs().ok_or_else(|| overflow(span))
        }
        "clamp" => {
            let [x, lo, hi] = args else { return Err(arity(3)) };
            if lo > hi {
                return Err(arity(3));
            }
            Ok((*x).clamp(*lo, *hi))
        }
        _ => Err(CalcError::new(ErrorKind::UnknownFunction(name.to_string()), span)),
    }
}

/// Evaluate `expr` in `env`.
pub fn eval(expr: &Expr, env: &Env) -> Result<i64, CalcError> {
    match expr {
        Expr::Num(n, _) => Ok(*n),
        Expr::Var(name, span) => {
            env.get(name).ok_or_else(|| CalcError::new(ErrorKind::UnknownVariable(name.clone()), *span))
        }
        Expr::Neg(inner, span) => eval(inner, env)?.checked_neg().ok_or_else(|| overflow(*span)),
        Expr::Binary(op, lhs, rhs, span) => {
            let a = eval(lhs, env)?;
            let b = eval(rhs, env)?;
            apply_binary(*op, a, b, *span)
        }
        Expr::Call(name, args, span) => {
            let values = args.iter().map(|a| eval(a, env)).collect::<Result<Vec<_>, _>>()?;
            call_builtin(name, &values, *span)
        }
    }
}
