//! A fixed-capacity pool of numbers.

/// Numbers, at most `cap` of them.
pub struct Pool {
    cap: usize,
    items: Vec<u32>,
}

impl Pool {
    /// A pool of capacity `cap`; `None` when `cap` is 0.
    pub fn new(cap: usize) -> Option<Pool> {
        if cap == 0 {
            return None;
        }
        Some(Pool { cap, items: Vec::new() })
    }

    /// Changes the capacity; a pool never has capacity 0.
    pub fn resize(&mut self, cap: usize) {
        self.cap = cap;
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Adds `x`; false when the pool is full.
    pub fn push(&mut self, x: u32) -> bool {
        if self.items.len() >= self.cap {
            return false;
        }
        self.items.push(x);
        true
    }
}

/// Fills a pool of 4 and shrinks it.
pub fn demo() -> usize {
    let Some(mut p) = Pool::new(4) else { return 0 };
    p.push(1);
    p.resize(2);
    p.capacity()
}
