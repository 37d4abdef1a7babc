//! Hoare-style checking of each function against its own spec, with Z3 deciding every
//! formal step.
//!
//! Built so far: [`solver`], vouch's own solver type over Z3 — the formula language
//! lowered with machine types, and the three questions Z3 decides: implications,
//! counterexamples against preconditions, and vacuous preconditions. Block splitting,
//! the model's forward reasoning and the verdicts arrive with the rest of the hoare
//! issue.

pub mod solver;

pub use solver::{Decision, LowerError, Model, Solver};
