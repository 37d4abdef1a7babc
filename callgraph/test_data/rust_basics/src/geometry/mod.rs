//! Shapes and their areas.

mod square;

pub use square::Square;

pub trait Shape {
    fn area(&self) -> f64;

    /// Default method: dispatches on the implementor.
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }
}

pub struct Circle {
    pub r: f64,
}

impl Circle {
    pub fn new(r: f64) -> Self {
        Circle { r }
    }

    pub fn scale(&self, k: f64) -> Circle {
        Self::new(self.r * k)
    }
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        3.14 * self.r * self.r
    }
}
