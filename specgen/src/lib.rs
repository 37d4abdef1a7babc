//! Top-down specifications: what each function must do, derived from how its callers
//! use it.
//!
//! Built so far: the formula language of the specs' formal fragments ([`formula`]),
//! its parser and type checker, and the spec format ([`spec`]) with the validation of
//! what a model drafts. Spec generation itself arrives with the rest of the specgen
//! issue.

pub mod formula;
pub mod spec;
