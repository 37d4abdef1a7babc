//! lrucache: a least-recently-used cache (`lru`) built on a slab-backed list
//! (`list`), an expiring cache on top of it (`ttl`), and hit statistics
//! (`stats`).

pub mod list;
pub mod lru;
pub mod stats;
pub mod ttl;

pub use lru::{CacheError, LruCache};
pub use stats::Stats;
pub use ttl::{TtlCache, NEVER};

/// Replay a trace of keys through an LRU cache of `capacity` and return the
/// statistics: a key that misses is inserted (with its position in the trace
/// as value).
pub fn simulate<K: std::hash::Hash + Eq + Clone>(trace: &[K], capacity: usize) -> Result<Stats, CacheError> {
    let mut cache = LruCache::new(capacity)?;
    for (i, key) in trace.iter().enumerate() {
        if cache.get(key).is_none() {
            cache.put(key.clone(), i);
        }
    }
    Ok(cache.stats().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulation_counts_hits() {
        let stats = simulate(&["a", "b", "a", "c", "a", "b"], 2).unwrap();
        assert_eq!(stats.hits, 2);
        assert_eq!(stats.misses, 4);
        assert!(stats.summary().starts_with("hits=2 misses=4"));
        assert_eq!(simulate::<u8>(&[], 0).unwrap_err(), CacheError::ZeroCapacity);
    }
}
