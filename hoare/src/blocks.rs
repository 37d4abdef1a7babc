//! Block splitting: a body is cut into blocks of about `max_lines` lines along its
//! statement outline, never inside a statement. A statement longer than a block (a
//! long loop or branch) is opened, and cut only between its own nested statements;
//! its head (`for (...) {`, `if (...) {`) stays with the first of them. A function
//! short enough is one block.

use vouch_frontend::StmtOutline;

/// Lines of one block, inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub start_line: u32,
    pub end_line: u32,
}

impl Block {
    pub fn lines(&self) -> u32 {
        self.end_line + 1 - self.start_line
    }
}

/// The default size of a block, in lines.
pub const BLOCK_LINES: u32 = 35;

/// Cuts the statements (a body's outline) into blocks that cover every line from the
/// first statement to the last, in order. Blocks are at most `max_lines` long wherever
/// the statements allow; a single statement longer than that with nothing nested to
/// cut at is a block of its own.
pub fn split(stmts: &[StmtOutline], max_lines: u32) -> Vec<Block> {
    let (Some(first), Some(last)) = (stmts.first(), stmts.last()) else {
        return Vec::new();
    };
    let (start, end) = (first.start_line, last.end_line.max(first.start_line));
    let max_lines = max_lines.max(1);
    // Lines after which a cut is allowed: between siblings of the top level and of
    // every opened statement.
    let mut cuts: Vec<u32> = Vec::new();
    let mut lists: Vec<&[StmtOutline]> = vec![stmts];
    while let Some(list) = lists.pop() {
        for pair in list.windows(2) {
            // A cut after the earlier statement; the lines between go with the later one.
            cuts.push(pair[0].end_line);
        }
        for s in list {
            if s.end_line + 1 - s.start_line > max_lines && !s.children.is_empty() {
                lists.push(&s.children);
            }
        }
    }
    cuts.retain(|&c| c >= start && c < end);
    cuts.sort_unstable();
    cuts.dedup();
    let mut blocks = Vec::new();
    let mut from = start;
    let mut i = 0;
    while i < cuts.len() {
        // The farthest cut that keeps the block within max_lines, else the nearest one.
        let mut pick = None;
        let mut j = i;
        while j < cuts.len() && cuts[j] + 1 - from <= max_lines {
            pick = Some(j);
            j += 1;
        }
        let k = pick.unwrap_or(i);
        // Is the rest short enough to end here without another cut?
        if end + 1 - from <= max_lines {
            break;
        }
        blocks.push(Block {
            start_line: from,
            end_line: cuts[k],
        });
        from = cuts[k] + 1;
        i = k + 1;
    }
    blocks.push(Block {
        start_line: from,
        end_line: end,
    });
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use vouch_frontend::StmtKind;

    fn s(start: u32, end: u32, children: Vec<StmtOutline>) -> StmtOutline {
        StmtOutline {
            kind: if children.is_empty() {
                StmtKind::Simple
            } else {
                StmtKind::Loop
            },
            start_line: start,
            end_line: end,
            children,
        }
    }

    fn ranges(b: &[Block]) -> Vec<(u32, u32)> {
        b.iter().map(|b| (b.start_line, b.end_line)).collect()
    }

    #[test]
    fn short_bodies_are_one_block() {
        assert_eq!(
            ranges(&split(&[s(2, 2, vec![]), s(3, 10, vec![])], 35)),
            [(2, 10)]
        );
        assert!(split(&[], 35).is_empty());
    }

    #[test]
    fn blocks_cut_between_statements_only() {
        let stmts: Vec<StmtOutline> = (0..10)
            .map(|k| s(10 + k * 10, 10 + k * 10 + 8, vec![]))
            .collect();
        // Statements of 9 lines, 10 apart: three fit in 30 lines.
        let b = split(&stmts, 30);
        assert_eq!(ranges(&b), [(10, 38), (39, 68), (69, 98), (99, 108)]);
    }

    #[test]
    fn a_long_loop_is_opened_and_its_head_stays_with_its_first_statement() {
        // for (...) {            line 1
        //   20 one-line statements 2..21, then a 30-line nested branch 22..51,
        //   then 10 more 52..61
        // }                      line 62
        let mut inner: Vec<StmtOutline> = (2..=21).map(|l| s(l, l, vec![])).collect();
        let nested: Vec<StmtOutline> = (23..=50).map(|l| s(l, l, vec![])).collect();
        inner.push(s(22, 51, nested));
        inner.extend((52..=61).map(|l| s(l, l, vec![])));
        let stmts = vec![s(1, 62, inner), s(63, 63, vec![])];
        let b = split(&stmts, 35);
        assert_eq!(ranges(&b), [(1, 21), (22, 56), (57, 63)]);
        for pair in b.windows(2) {
            assert_eq!(
                pair[0].end_line + 1,
                pair[1].start_line,
                "blocks are contiguous"
            );
        }
    }

    #[test]
    fn an_unsplittable_statement_is_a_block_of_its_own() {
        let b = split(&[s(1, 1, vec![]), s(2, 80, vec![]), s(81, 81, vec![])], 35);
        assert_eq!(ranges(&b), [(1, 1), (2, 80), (81, 81)]);
    }
}
