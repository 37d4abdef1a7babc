//! The model layer: the one way vouch talks to a model.
//!
//! Built so far: the run store ([`store`]), where every reply is recorded before it is
//! used, and the cache modes over it. The OpenAI-compatible client, structured output,
//! retries, budgets and the local model arrive with the rest of the model-layer issue.

pub mod store;

pub use store::{
    Cache, CacheKey, CacheMode, RequestKey, Store, StoreError, StoreStats, StoredReply, TokenUsage,
};
