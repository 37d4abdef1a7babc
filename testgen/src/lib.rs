//! Tests that trigger each reported violation, built and run in a sandbox to confirm it.
//! The parts: the sandbox (`sandbox`), the C harness runner with its classification
//! (`c`), where a failed test places its failure (`blame`), Rust tests in a scratch
//! copy of the crate (`rust`), model-written tests with a repair loop (`generate`),
//! and proptest properties written from a spec alone (`property`).

pub mod blame;
pub mod c;
pub mod generate;
pub mod property;
pub mod rust;
pub mod sandbox;

pub use blame::Subject;
pub use c::{CProject, Confirmation, Outcome, confirm};
pub use generate::{
    Confirmer, MAX_REPAIRS, TestRun, TestgenError, Violation, prompt_ids, tree_hash,
};
pub use sandbox::{Exit, Limits, RunOutput, Sandbox, SandboxError};
