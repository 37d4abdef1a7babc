//! The LRU cache: a hash map from keys to list handles, and a list kept in
//! recency order (front = most recently used).

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use crate::list::{Handle, List};
use crate::stats::Stats;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheError {
    ZeroCapacity,
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::ZeroCapacity => write!(f, "cache capacity must be at least 1"),
        }
    }
}

impl std::error::Error for CacheError {}

#[derive(Debug)]
pub struct LruCache<K, V> {
    map: HashMap<K, Handle>,
    list: List<(K, V)>,
    capacity: usize,
    stats: Stats,
}

impl<K: Hash + Eq + Clone, V> LruCache<K, V> {
    /// A cache holding at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Result<Self, CacheError> {
        if capacity == 0 {
            return Err(CacheError::ZeroCapacity);
        }
        Ok(LruCache { map: HashMap::new(), list: List::new(), capacity, stats: Stats::default() })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Look up `key` and mark it most recently used.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        match self.map.get(key) {
            Some(&h) => {
                self.stats.record_hit();
                self.list.move_to_front(h);
                self.list.get(h).map(|(_, v)| v)
            }
            None => {
                self.stats.record_miss();
                None
            }
        }
    }

    /// Mutable lookup of `key`; like `get`, this counts as a use and marks
    /// the entry most recently used.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        match self.map.get(key) {
            Some(&h) => {
                self.stats.record_hit();
                self.list.get_mut(h).map(|(_, v)| v)
            }
            None => {
                self.stats.record_miss();
                None
            }
        }
    }

    /// Look up `key` without touching its recency or the statistics.
    pub fn peek(&self, key: &K) -> Option<&V> {
        let h = *self.map.get(key)?;
        self.list.get(h).map(|(_, v)| v)
    }

    pub fn contains(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Insert or replace `key`. Returns the least recently used entry if one
    /// had to be evicted to make room. Replacing the value of a key that is
    /// already present evicts nothing and returns `None` (the old value is
    /// dropped).
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&h) = self.map.get(&key) {
            self.list.move_to_front(h);
            let slot = self.list.get_mut(h).expect("mapped handles are live");
            let old = std::mem::replace(&mut slot.1, value);
            return Some((key, old));
        }
        let evicted = if self.list.len() >= self.capacity { self.evict_lru() } else { None };
        let h = self.list.push_front((key.clone(), value));
        self.map.insert(key, h);
        evicted
    }

    /// Remove `key`, returning its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let h = self.map.remove(key)?;
        self.list.remove(h).map(|(_, v)| v)
    }

    /// Remove and return the least recently used entry; `None` if the cache is empty.
    pub fn evict_lru(&mut self) -> Option<(K, V)> {
        let (key, value) = self.list.pop_back()?;
        self.map.remove(&key);
        self.stats.evictions += 1;
        Some((key, value))
    }

    /// Change the capacity, evicting least recently used entries until the
    /// cache fits; returns them, least recently used first. A capacity of 0
    /// is rejected with `ZeroCapacity` and leaves the cache unchanged.
    pub fn resize(&mut self, capacity: usize) -> Result<Vec<(K, V)>, CacheError> {
        let mut evicted = Vec::new();
        while self.list.len() > capacity {
            match self.evict_lru() {
                Some(entry) => evicted.push(entry),
                None => break,
            }
        }
        self.capacity = capacity;
        Ok(evicted)
    }

    /// Remove every entry and return them, least recently used first.
    pub fn drain(&mut self) -> Vec<(K, V)> {
        let mut out = Vec::with_capacity(self.list.len());
        while !self.list.is_empty() {
            if let Some((key, value)) = self.list.pop_back() {
                self.map.remove(&key);
                out.push((key, value));
            }
        }
        out
    }

    /// Remove every entry. Handles obtained before are invalid afterwards.
    pub fn clear(&mut self) {
        self.map.clear();
        self.list.clear();
    }

    /// The list handle of `key`, for `value_at`.
    pub fn handle_of(&self, key: &K) -> Option<Handle> {
        self.map.get(key).copied()
    }

    /// The value stored at `h`; `None` if that entry has since been removed,
    /// evicted or cleared and no later `put` has reused its slot (a reused
    /// slot holds the new entry, whose value this returns).
    pub fn value_at(&self, h: Handle) -> Option<&V> {
        self.list.get(h).map(|(_, v)| v)
    }

    /// Keys from most to least recently used.
    pub fn keys_mru(&self) -> Vec<&K> {
        self.list.iter().map(|(k, _)| k).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used() {
        let mut cache = LruCache::new(2).unwrap();
        assert_eq!(cache.put("a", 1), None);
        assert_eq!(cache.put("b", 2), None);
        assert_eq!(cache.get(&"a"), Some(&1));
        assert_eq!(cache.put("c", 3), Some(("b", 2)));
        assert_eq!(cache.keys_mru(), vec![&"c", &"a"]);
        assert_eq!(cache.peek(&"b"), None);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.stats().evictions, 1);
    }

    #[test]
    fn zero_capacity_is_rejected() {
        assert_eq!(LruCache::<u32, u32>::new(0).unwrap_err(), CacheError::ZeroCapacity);
    }

    #[test]
    fn remove_resize_and_handles() {
        let mut cache = LruCache::new(4).unwrap();
        for (k, v) in [(1, "one"), (2, "two"), (3, "three")] {
            cache.put(k, v);
        }
        let h = cache.handle_of(&2).unwrap();
        assert_eq!(cache.value_at(h), Some(&"two"));
        assert_eq!(cache.remove(&2), Some("two"));
        assert_eq!(cache.value_at(h), None);
        let evicted = cache.resize(1).unwrap();
        assert_eq!(evicted, vec![(1, "one")]);
        assert_eq!(cache.capacity(), 1);
        assert!(cache.contains(&3));
        if let Some(v) = cache.get_mut(&3) {
            *v = "THREE";
        }
        assert_eq!(cache.peek(&3), Some(&"THREE"));
        assert_eq!(cache.evict_lru(), Some((3, "THREE")));
        assert!(cache.is_empty());
    }
}
