//! Declarations of every kind, at module level and in nested modules.

/// Largest size.
pub const MAX: usize = 16;
static mut COUNTER: u32 = 0;
pub static NAMES: &[&str] = &["a", "b"];

/// A point.
#[derive(Clone, Copy)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

pub struct Unit;

pub enum Shape {
    Circle(f64),
    Square { side: f64 },
}

#[repr(C)]
union Bits {
    i: u32,
    f: f32,
}

type Pair = (i32, i32);

macro_rules! square {
    ($x:expr) => {
        $x * $x
    };
}

pub fn area(s: &Shape) -> f64 {
    struct Local;
    const LOCAL: f64 = 3.0;
    mod in_body {
        pub const HIDDEN: u8 = 1;
    }
    match s {
        Shape::Circle(r) => square!(r) * LOCAL,
        Shape::Square { side } => square!(side),
    }
}

impl Point {
    const ORIGIN: Point = Point { x: 0, y: 0 };
    pub fn origin() -> Point {
        Self::ORIGIN
    }
}

pub trait Named {
    type Name;
    const KIND: &'static str;
}

mod inner {
    pub struct Inner {
        pub depth: u8,
    }

    pub mod deeper {
        pub type Depth = u8;
    }
}
