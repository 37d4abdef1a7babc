//! Usage accounting per stage, and the budgets that stop new calls when spent.

use crate::config::{LlmConfig, Price};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What one stage (or the whole run) used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    /// Requests that reached the model (retries not counted).
    pub calls: u64,
    /// Requests answered from the run store.
    pub cache_hits: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Tokens of the replies answered from the run store, as recorded when the model
    /// wrote them: with `prompt_tokens`, what the run's requests cost in all.
    pub replayed_prompt_tokens: u64,
    pub replayed_completion_tokens: u64,
    /// Estimated from `[llm.prices]`; 0 when the model has no price.
    pub cost_usd: f64,
    /// Extra attempts after retryable faults.
    pub retries: u64,
    /// Replies that had to be repaired once.
    pub repairs: u64,
    /// Calls that ended in an error.
    pub failures: u64,
}

impl Usage {
    /// Adds another usage to this one.
    pub fn add(&mut self, o: &Usage) {
        self.calls += o.calls;
        self.cache_hits += o.cache_hits;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
        self.replayed_prompt_tokens += o.replayed_prompt_tokens;
        self.replayed_completion_tokens += o.replayed_completion_tokens;
        self.cost_usd += o.cost_usd;
        self.retries += o.retries;
        self.repairs += o.repairs;
        self.failures += o.failures;
    }
}

/// Which budget was spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    Calls,
    Tokens,
    Cost,
}

impl std::fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BudgetKind::Calls => "max_calls",
            BudgetKind::Tokens => "max_tokens_total",
            BudgetKind::Cost => "max_cost_usd",
        })
    }
}

/// Usage per stage plus the budgets. A call *reserves* its slot before it starts, so
/// with `max_calls = k` exactly k calls reach the server however many run at once.
#[derive(Debug)]
pub struct Ledger {
    max_calls: Option<u64>,
    max_tokens: Option<u64>,
    max_cost: Option<f64>,
    price: Option<Price>,
    inner: Mutex<LedgerInner>,
}

#[derive(Debug, Default)]
struct LedgerInner {
    reserved_calls: u64,
    by_stage: BTreeMap<String, Usage>,
    spent: Option<BudgetKind>,
}

impl Ledger {
    pub fn new(config: &LlmConfig, model: &str) -> Ledger {
        Ledger {
            max_calls: config.max_calls,
            max_tokens: config.max_tokens_total,
            max_cost: config.max_cost_usd,
            price: config.prices.get(model).copied(),
            inner: Mutex::new(LedgerInner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LedgerInner> {
        // A poisoned ledger still holds valid counts.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves one call, or says which budget is spent.
    pub fn reserve(&self) -> Result<(), BudgetKind> {
        let mut inner = self.lock();
        if let Some(kind) = inner.spent {
            return Err(kind);
        }
        let total = total(&inner.by_stage);
        let spent = if self.max_calls.is_some_and(|m| inner.reserved_calls >= m) {
            Some(BudgetKind::Calls)
        } else if self
            .max_tokens
            .is_some_and(|m| total.prompt_tokens + total.completion_tokens >= m)
        {
            Some(BudgetKind::Tokens)
        } else if self.max_cost.is_some_and(|m| total.cost_usd >= m) {
            Some(BudgetKind::Cost)
        } else {
            None
        };
        if let Some(kind) = spent {
            inner.spent = Some(kind);
            return Err(kind);
        }
        inner.reserved_calls += 1;
        Ok(())
    }

    pub fn cost(&self, prompt_tokens: u64, completion_tokens: u64) -> f64 {
        self.price.map_or(0.0, |p| {
            (prompt_tokens as f64 * p.prompt_per_mtok
                + completion_tokens as f64 * p.completion_per_mtok)
                / 1e6
        })
    }

    pub fn record(&self, stage: &str, usage: Usage) {
        let mut inner = self.lock();
        inner
            .by_stage
            .entry(stage.to_string())
            .or_default()
            .add(&usage);
    }

    /// The budget that stopped new calls, if any.
    pub fn spent(&self) -> Option<BudgetKind> {
        self.lock().spent
    }

    pub fn report(&self) -> UsageReport {
        let inner = self.lock();
        UsageReport {
            total: total(&inner.by_stage),
            by_stage: inner.by_stage.clone(),
            budget_spent: inner.spent,
        }
    }
}

fn total(by_stage: &BTreeMap<String, Usage>) -> Usage {
    let mut t = Usage::default();
    for u in by_stage.values() {
        t.add(u);
    }
    t
}

/// Usage per stage and in total, for the end of a run and for reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UsageReport {
    pub total: Usage,
    pub by_stage: BTreeMap<String, Usage>,
    pub budget_spent: Option<BudgetKind>,
}
