//! Top-down specifications: what each function must do, derived from how its callers
//! use it.
//!
//! - [`walk`]: the top-down walk over the call graph's units (SCCs), callers first,
//!   streaming each spec as soon as it is written;
//! - [`request`]: what goes into each request (never the body of a function being
//!   specified), with deduplication, ranking and condensing of many callers'
//!   expectations within the token budget;
//! - [`expect`]: caller expectations per call site, with their provenance;
//! - [`prompt`]: the versioned prompt templates under `specgen/prompts/`;
//! - [`spec`]: the spec format and the validation of a model's draft;
//! - [`formula`]: the formula language of the specs' formal fragments;
//! - [`types`]: what the program's type names mean to a formula (struct layouts,
//!   typedefs and aliases);
//! - [`invariants`]: the invariants of a type, from the specs of the functions that
//!   take or make its values, added to those functions' specs for their checks.

pub mod expect;
pub mod formula;
pub mod invariants;
pub mod prompt;
pub mod request;
pub mod spec;
pub mod types;
pub mod walk;

pub use expect::Expectation;
pub use spec::{Clause, Origin, Spec};
pub use walk::{CallerExpectations, Cost, Event, FunctionSpec, Options, Outcome, Specgen};
