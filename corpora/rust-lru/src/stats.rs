//! Hit and miss counters of a cache.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub expirations: u64,
}

impl Stats {
    pub fn record_hit(&mut self) {
        self.hits += 1;
    }

    pub fn record_miss(&mut self) {
        self.misses += 1;
    }

    /// Number of lookups (hits and misses).
    pub fn lookups(&self) -> u64 {
        self.hits.saturating_add(self.misses)
    }

    /// Fraction of lookups that hit, in `0.0..=1.0`; `0.0` before any lookup.
    pub fn hit_ratio(&self) -> f64 {
        let total = self.lookups();
        if total == 0 {
            return 0.0;
        }
        self.hits as f64 / total as f64
    }

    /// Add the counters of `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.evictions += other.evictions;
        self.expirations += other.expirations;
    }

    /// A one-line summary such as `hits=3 misses=1 ratio=75.0%`.
    pub fn summary(&self) -> String {
        format!(
            "hits={} misses={} evictions={} expirations={} ratio={:.1}%",
            self.hits,
            self.misses,
            self.evictions,
            self.expirations,
            self.hit_ratio() * 100.0
        )
    }
}
