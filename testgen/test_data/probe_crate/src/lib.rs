//! A fixture for probe tests: private functions with planted bugs and a correct one.

mod stats;

pub fn summary(xs: &[u32]) -> (u32, u32) {
    (stats::mean(xs), stats::second(xs))
}
