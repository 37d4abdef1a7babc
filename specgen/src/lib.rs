//! Top-down specifications: what each function must do, derived from how its callers
//! use it.
//!
//! Built so far: the formula language of the specs' formal fragments ([`formula`]),
//! its parser and type checker. Spec generation itself arrives with the rest of the
//! specgen issue.

pub mod formula;
