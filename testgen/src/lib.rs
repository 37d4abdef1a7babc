//! Tests that trigger each reported violation, built and run in a sandbox to confirm it.
//! Built so far: the sandbox (`sandbox`) and the C harness runner with its
//! classification (`c`); the model-written harnesses, the repair loop and Rust probes
//! come with the rest of the testgen issue.

pub mod c;
pub mod sandbox;

pub use c::{CProject, Confirmation, Outcome, confirm};
pub use sandbox::{Exit, Limits, RunOutput, Sandbox, SandboxError};
