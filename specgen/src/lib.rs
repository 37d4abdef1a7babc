//! Top-down specifications: what each function must do, derived from how its callers use it. Not built yet; see the specgen issue.
