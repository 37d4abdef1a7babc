//! A cache whose entries expire: an `LruCache` plus a deadline per key.
//!
//! Time is a caller-supplied counter (seconds, ticks...), so tests and
//! simulations control the clock.

use std::collections::HashMap;
use std::hash::Hash;

use crate::lru::{CacheError, LruCache};
use crate::stats::Stats;

/// A time-to-live meaning "never expires".
pub const NEVER: u64 = u64::MAX;

/// Whether an entry with `deadline` is still live at time `now`. An entry
/// inserted at `t` with time-to-live `d` has deadline `t + d` and is live for
/// `t <= now < t + d`: at its deadline it has expired.
pub fn is_live(deadline: u64, now: u64) -> bool {
    now <= deadline
}

#[derive(Debug)]
pub struct TtlCache<K, V> {
    cache: LruCache<K, V>,
    /// Deadline of every key in `cache` (and only those).
    deadlines: HashMap<K, u64>,
    expired: Stats,
}

impl<K: Hash + Eq + Clone, V> TtlCache<K, V> {
    pub fn new(capacity: usize) -> Result<Self, CacheError> {
        Ok(TtlCache { cache: LruCache::new(capacity)?, deadlines: HashMap::new(), expired: Stats::default() })
    }

    pub fn len(&self) -> usize {
        self.cache.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Insert `key` at time `now` with time-to-live `ttl` (`NEVER` for an
    /// entry that never expires). May evict the least recently used entry.
    pub fn insert(&mut self, key: K, value: V, now: u64, ttl: u64) {
        let deadline = now + ttl;
        self.deadlines.insert(key.clone(), deadline);
        if let Some((evicted, _)) = self.cache.put(key, value) {
            // The evicted key is no longer cached: forget its deadline.
            self.deadlines.remove(&evicted);
        }
    }

    /// The value of `key` at time `now`, or `None` if it is absent or has
    /// expired (an expired entry is removed).
    pub fn get(&mut self, key: &K, now: u64) -> Option<&V> {
        if !self.cache.contains(key) {
            self.cache.get(key); // counts the miss
            return None;
        }
        let deadline = self.deadlines[key];
        if !is_live(deadline, now) {
            self.cache.remove(key);
            self.deadlines.remove(key);
            self.expired.expirations += 1;
            return None;
        }
        self.cache.get(key)
    }

    /// Time left for `key` at `now`: `Some(0)` once expired, `None` if absent.
    pub fn remaining(&self, key: &K, now: u64) -> Option<u64> {
        let deadline = *self.deadlines.get(key)?;
        if deadline == NEVER {
            return Some(NEVER);
        }
        Some(deadline.saturating_sub(now))
    }

    /// Remove every entry that has expired at `now`; returns how many.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        let dead: Vec<K> =
            self.deadlines.iter().filter(|(_, &deadline)| !is_live(deadline, now)).map(|(k, _)| k.clone()).collect();
        for key in &dead {
            self.cache.remove(key);
            self.deadlines.remove(key);
        }
        self.expired.expirations += dead.len() as u64;
        dead.len()
    }

    /// Statistics of the underlying cache plus the expirations seen here.
    pub fn stats(&self) -> Stats {
        let mut stats = self.cache.stats().clone();
        stats.merge(&self.expired);
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let mut cache = TtlCache::new(4).unwrap();
        cache.insert("session", 7, 100, 30);
        assert_eq!(cache.get(&"session", 110), Some(&7));
        assert_eq!(cache.remaining(&"session", 110), Some(20));
        assert_eq!(cache.get(&"session", 200), None);
        assert!(cache.is_empty());
        assert_eq!(cache.stats().expirations, 1);
    }

    #[test]
    fn purge_and_eviction() {
        let mut cache = TtlCache::new(2).unwrap();
        cache.insert(1, "a", 0, 10);
        cache.insert(2, "b", 0, 50);
        cache.insert(3, "c", 0, 50); // evicts 1
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(&1, 1), None);
        assert_eq!(cache.purge_expired(100), 2);
        assert_eq!(cache.len(), 0);
        assert_eq!(cache.remaining(&2, 100), None);
    }
}
