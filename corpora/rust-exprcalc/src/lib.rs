//! exprcalc: a small integer calculator. `tokenize` → `parse` → `eval`, with
//! variables kept in an `Env` between lines.

pub mod error;
pub mod eval;
pub mod format;
pub mod parser;
pub mod token;

pub use error::{CalcError, ErrorKind, Span};
pub use eval::Env;
pub use format::{format_value, Style};
pub use parser::Statement;

/// What running one line produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Value(i64),
    Assigned(String, i64),
}

/// Evaluate one expression against `env` (no assignment allowed).
pub fn evaluate(src: &str, env: &Env) -> Result<i64, CalcError> {
    let tokens = token::tokenize(src)?;
    match parser::parse(tokens)? {
        Statement::Expr(expr) => eval::eval(&expr, env),
        Statement::Assign(name, expr) => Err(CalcError::new(
            ErrorKind::UnexpectedToken(format!("assignment to {name}")),
            expr.span(),
        )),
    }
}

/// Run one line: an expression or `name = expr`, which updates `env`.
pub fn run_line(src: &str, env: &mut Env) -> Result<Outcome, CalcError> {
    let tokens = token::tokenize(src)?;
    match parser::parse(tokens)? {
        Statement::Expr(expr) => eval::eval(&expr, env).map(Outcome::Value),
        Statement::Assign(name, expr) => {
            let value = eval::eval(&expr, env)?;
            env.set(&name, value);
            Ok(Outcome::Assigned(name, value))
        }
    }
}

/// Run every line of a script, stopping at the first error, which is
/// returned rendered against its line (`CalcError::render`) with its
/// 1-based line number.
pub fn run_script(script: &str, env: &mut Env) -> Result<Vec<Outcome>, (usize, String)> {
    let mut outcomes = Vec::new();
    for (i, line) in script.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        match run_line(line, env) {
            Ok(outcome) => outcomes.push(outcome),
            Err(err) => return Err((i + 1, err.render(line))),
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_and_grouping() {
        let env = Env::new();
        assert_eq!(evaluate("1 + 2 * 3", &env), Ok(7));
        assert_eq!(evaluate("(1 + 2) * 3", &env), Ok(9));
        assert_eq!(evaluate("10 - 4", &env), Ok(6));
        assert_eq!(evaluate("2 ^ 3 ^ 2", &env), Ok(512));
        assert_eq!(evaluate("-2 ^ 2", &env), Ok(-4));
        assert_eq!(evaluate("1_000 / 3", &env), Ok(333));
    }

    #[test]
    fn variables_and_functions() {
        let mut env = Env::new();
        assert_eq!(run_line("x = 4", &mut env), Ok(Outcome::Assigned("x".into(), 4)));
        assert_eq!(evaluate("x * x", &env), Ok(16));
        assert_eq!(evaluate("max(1, x, 3)", &env), Ok(4));
        assert_eq!(evaluate("min(x)", &env), Ok(4));
        assert_eq!(evaluate("abs(-7)", &env), Ok(7));
        assert_eq!(evaluate("clamp(12, 0, 10)", &env), Ok(10));
        assert_eq!(env.names(), vec!["x"]);
    }

    #[test]
    fn errors_are_reported() {
        let env = Env::new();
        assert_eq!(evaluate("y", &env).unwrap_err().kind, ErrorKind::UnknownVariable("y".into()));
        assert_eq!(evaluate("7 / 0", &env).unwrap_err().kind, ErrorKind::DivisionByZero);
        assert_eq!(evaluate("9223372036854775807 + 1", &env).unwrap_err().kind, ErrorKind::Overflow);
        assert_eq!(evaluate("2 ^ -1", &env).unwrap_err().kind, ErrorKind::Overflow);
        assert_eq!(evaluate("nope(1)", &env).unwrap_err().kind, ErrorKind::UnknownFunction("nope".into()));
        assert!(matches!(evaluate("abs(1, 2)", &env).unwrap_err().kind, ErrorKind::Arity { expected: 1, got: 2, .. }));
        assert_eq!(evaluate("1 +", &env).unwrap_err().kind, ErrorKind::UnexpectedEof);
        assert_eq!(evaluate("(1", &env).unwrap_err().kind, ErrorKind::UnexpectedEof);
    }

    #[test]
    fn render_underlines_the_span() {
        let env = Env::new();
        let err = evaluate("1 + $", &env).unwrap_err();
        assert_eq!(err.render("1 + $"), "1 + $\n    ^ unexpected character '$'");
    }

    #[test]
    fn scripts_stop_at_the_first_error() {
        let mut env = Env::new();
        let out = run_script("a = 2\n# comment\n\na * 21\n", &mut env).unwrap();
        assert_eq!(out, vec![Outcome::Assigned("a".into(), 2), Outcome::Value(42)]);
        let err = run_script("a = 1\nb = a $ 2\n", &mut env).unwrap_err();
        assert_eq!(err.0, 2);
        assert!(err.1.contains("unexpected character"));
    }
}
