//! Tests that trigger each reported violation, built and run in a sandbox to confirm it.
//! Built so far: the sandbox (`sandbox`), the C harness runner with its classification
//! (`c`), and model-written C harnesses with a repair loop (`generate`). Rust probes
//! come with the rest of the testgen issue.

pub mod c;
pub mod generate;
pub mod sandbox;

pub use c::{CProject, Confirmation, Outcome, confirm};
pub use generate::{Confirmer, MAX_REPAIRS, TestRun, TestgenError, Violation, prompt_ids};
pub use sandbox::{Exit, Limits, RunOutput, Sandbox, SandboxError};
