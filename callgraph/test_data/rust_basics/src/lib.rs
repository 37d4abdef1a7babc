//! A small shapes library used as a call-graph fixture.

pub mod geometry;
mod stack;

pub mod util {
    pub mod inner {
        /// Deep inside nested modules.
        pub fn deep() -> u32 {
            7
        }
    }

    pub fn twice(x: u32) -> u32 {
        x * 2
    }
}

use crate::util::inner::deep as d;
use geometry::{Circle, Shape};

/// Sum of the areas.
pub fn total_area<T: Shape>(items: &[T]) -> f64 {
    items.iter().map(|s| s.area()).sum()
}

pub fn largest(shapes: &[Box<dyn Shape>]) -> f64 {
    let mut best = 0.0;
    for s in shapes {
        let a = s.area();
        if a > best {
            best = a;
        }
    }
    best
}

pub fn compute(x: u32) -> u32 {
    let c = Circle::new(1.0);
    let scaled = c.scale(2.0);
    let _ = scaled.area();
    util::twice(d()) + x + fib(x)
}

fn fib(n: u32) -> u32 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

pub fn ping(n: u32) -> u32 {
    if n == 0 { 0 } else { pong(n - 1) }
}

fn pong(n: u32) -> u32 {
    let v = Some(n);
    match v {
        Some(0) => 0,
        _ => ping(n - 1),
    }
}

pub fn report(x: u32) {
    println!("{}", compute(x));
    assert!(util::twice(x) >= x, "twice {}", x);
    let helper = |y: u32| y + 1;
    let _ = helper(x);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes() {
        assert_eq!(compute(0), 14);
    }
}
