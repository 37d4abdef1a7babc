//! Hoare-style checking of each function against its own spec, with Z3 deciding every
//! formal step.
//!
//! Built so far:
//! - [`blocks`]: a body cut into blocks of about 35 lines along its statement outline,
//!   never inside a statement;
//! - [`solver`]: vouch's own solver type over Z3 — the formula language lowered with
//!   machine types, and the three questions Z3 decides: implications, counterexamples
//!   against preconditions, and vacuous preconditions.
//!
//! - [`values`]: what a counterexample's bindings fix, read from the model's words as
//!   constants (`0x7F`, `u64::MAX`, `9 (not registered)`, a struct's fields);
//! - `names`: a model's names as the formula language writes them (`self.len`);
//! - [`check`]: the check of one function: forward reasoning by the model over the
//!   blocks, a verdict request over the exits, and Z3 deciding every formal step.

pub mod blocks;
pub mod check;
mod names;
pub mod solver;
pub mod values;

pub use blocks::{BLOCK_LINES, Block, split};
pub use check::{
    Binding, CheckOptions, CheckResult, Checker, DecidedBy, Step, Verdict, Violation, prompt_ids,
};
pub use solver::{Decision, LowerError, Model, Solver};
