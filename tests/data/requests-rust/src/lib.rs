//! A bounded cache of strings, and a replay of a trace through it.

/// Entries, at most `cap` of them.
pub struct Cache {
    cap: usize,
    keys: Vec<String>,
}

impl Cache {
    /// A cache for `cap` entries; an error when `cap` is 0.
    pub fn new(cap: usize) -> Result<Cache, String> {
        if cap == 0 {
            return Err("capacity 0".into());
        }
        Ok(Cache { cap, keys: Vec::new() })
    }

    /// Adds `key`, dropping the oldest entry when full.
    pub fn insert(&mut self, key: String) {
        if self.keys.len() == self.cap {
            self.keys.remove(0);
        }
        self.keys.push(key);
    }

    /// Whether `key` is cached.
    pub fn get(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// How many entries are cached.
    pub fn stats(&self) -> usize {
        self.keys.len()
    }
}

/// Replays `trace` through a cache of `cap` entries and counts the hits.
pub fn simulate<K: ToString>(trace: &[K], cap: usize) -> Result<usize, String> {
    let mut cache = Cache::new(cap)?;
    let mut hits = 0;
    for k in trace {
        let k = k.to_string();
        if cache.get(&k) {
            hits += 1;
        } else {
            cache.insert(k);
        }
    }
    Ok(hits)
}

/// Reads keys and reports the cache's size.
pub fn run(keys: &[&str]) -> usize {
    let Ok(mut cache) = Cache::new(4) else {
        return 0;
    };
    for k in keys {
        cache.insert(k.to_string());
    }
    println!("{}", cache.get("a"));
    cache.stats()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_trace_needs_a_capacity() {
        assert_eq!(simulate::<u8>(&[], 0), Err("capacity 0".to_string()));
    }
}
