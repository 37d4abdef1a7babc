//! The model layer: the one way vouch talks to a model.
//!
//! - [`client`]: an OpenAI-compatible client with typed structured calls, retries,
//!   a concurrency limit and budgets;
//! - [`store`]: the run store, where every reply is recorded before it is used, and
//!   the cache modes over it;
//! - [`usage`]: usage accounting per stage and the budgets;
//! - [`local`]: the offline model, llama.cpp's `llama-server` started and stopped by vouch;
//! - [`config`]: `[llm]` of vouch.toml and the environment.
//!
//! async-openai's and reqwest's types never leave this crate.

pub mod client;
pub mod config;
pub mod local;
pub mod schema;
pub mod store;
pub mod usage;

pub use client::{Client, LlmError, Prompt, parse_reply};
pub use config::{ApiKey, LlmConfig, Price, Provider};
pub use local::{ConnectError, Connected, LocalError, LocalModel, LocalServer, connect};
pub use store::{
    Cache, CacheKey, CacheMode, RequestKey, Store, StoreError, StoreStats, StoredReply, TokenUsage,
};
pub use usage::{BudgetKind, Usage, UsageReport};
