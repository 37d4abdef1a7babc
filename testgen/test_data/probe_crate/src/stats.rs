/// The mean of `xs`, rounded down; `xs` is not empty.
pub(crate) fn mean(xs: &[u32]) -> u32 {
    xs.iter().sum::<u32>() / (xs.len() as u32 + 1)
}

/// The second value of `xs`; `xs` holds at least two values.
pub(crate) fn second(xs: &[u32]) -> u32 {
    xs[2]
}

/// The largest value of `xs`, or 0 when it is empty.
fn largest(xs: &[u32]) -> u32 {
    xs.iter().copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_of_three() {
        assert_eq!(largest(&[3, 9, 4]), 9);
    }
}

/// `x` rounded up to a multiple of `step`.
pub(crate) fn round_up(x: u32, step: u32) -> u32 {
    (x / step + 1) * step
}

/// The larger of `a` and `b`.
pub(crate) fn larger(a: i64, b: i64) -> i64 {
    if a >= b {
        a
    } else {
        b
    }
}
