//! The model layer: the one way vouch talks to a model (OpenAI-compatible client, structured output, retries, budgets, the response cache, the local model). Not built yet; see the model-layer issue.
