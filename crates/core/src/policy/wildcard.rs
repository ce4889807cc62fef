//! IAM wildcard matching with a proven bound on the work done.
//!
//! IAM's `*` matches any run of characters, `/` and `:` included, and `?` exactly one character,
//! in the `Resource`/`Action` elements and in `StringLike`/`ArnLike` condition values:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards>
//! and the string operators at
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String>.
//! (`ArnLike` keeps a `*` inside one ARN component; `arn_matches` splits the ARN before calling
//! this.)
//!
//! The algorithm: split the pattern on `*`. The first piece must match the start of the text and
//! the last its end; every piece in between is searched for left to right, leftmost occurrence
//! first, each search starting where the previous occurrence ended. Taking the leftmost occurrence
//! is never wrong for a glob: the `*`s around a piece absorb any text, so an earlier occurrence
//! leaves at least as much room for the pieces after it as a later one would.
//!
//! Work: a piece without `?` is searched with Knuth-Morris-Pratt, a piece with `?` with the
//! bit-parallel Shift-And algorithm (`?` sets its bit in every character's mask), in
//! W = ⌈length/64⌉ machine words. Every text character is read by one search only, so the work
//! is at most 4·(|pattern| + |text|)·W_max steps, where W_max is 1 unless a piece between two
//! `*`s contains `?` and is longer than 64 characters. `tests::wildcard_work_stays_linear`
//! counts the steps.

use std::collections::HashMap;

/// IAM glob: `*` matches any run of characters (including `/` and `:`), `?` exactly one.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    matches_counting(pattern, text, &mut 0)
}

/// [`wildcard_match`], adding to `steps` one per character comparison, automaton transition or
/// machine-word operation, so a test can bound the work without timing it.
pub(super) fn matches_counting(pattern: &str, text: &str, steps: &mut u64) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let pieces: Vec<&[char]> = pattern.split(|&c| c == '*').collect();
    let (first, rest) = pieces
        .split_first()
        .expect("split yields one piece at least");
    let Some((last, middle)) = rest.split_last() else {
        return text.len() == first.len() && fits(first, &text, steps);
    };
    if first.len() + last.len() > text.len() {
        return false;
    }
    let (head, tail) = text.split_at(first.len());
    let (between, end) = tail.split_at(tail.len() - last.len());
    if !fits(first, head, steps) || !fits(last, end, steps) {
        return false;
    }
    let mut from = 0;
    for piece in middle.iter().filter(|piece| !piece.is_empty()) {
        match find(piece, &between[from..], steps) {
            Some(after) => from += after,
            None => return false,
        }
    }
    true
}

/// Whether `piece` (literal characters and `?`) matches `text` of the same length.
fn fits(piece: &[char], text: &[char], steps: &mut u64) -> bool {
    piece.iter().zip(text).all(|(&p, &t)| {
        *steps += 1;
        p == '?' || p == t
    })
}

/// The end (exclusive) of the leftmost occurrence of a non-empty `piece` in `text`.
fn find(piece: &[char], text: &[char], steps: &mut u64) -> Option<usize> {
    if piece.contains(&'?') {
        shift_and(piece, text, steps)
    } else {
        knuth_morris_pratt(piece, text, steps)
    }
}

/// KMP failure function: for each prefix of `piece`, the length of its longest proper border.
/// At most 2·|piece| steps: `border` rises by one per character and every fallback lowers it.
fn borders(piece: &[char], steps: &mut u64) -> Vec<usize> {
    let mut table = vec![0; piece.len()];
    let mut border = 0;
    for i in 1..piece.len() {
        while border > 0 && piece[i] != piece[border] {
            *steps += 1;
            border = table[border - 1];
        }
        *steps += 1;
        if piece[i] == piece[border] {
            border += 1;
        }
        table[i] = border;
    }
    table
}

/// Leftmost occurrence of a literal piece: at most 2·|piece| + 2·(characters read) steps.
fn knuth_morris_pratt(piece: &[char], text: &[char], steps: &mut u64) -> Option<usize> {
    let table = borders(piece, steps);
    let mut matched = 0;
    for (i, &c) in text.iter().enumerate() {
        while matched > 0 && c != piece[matched] {
            *steps += 1;
            matched = table[matched - 1];
        }
        *steps += 1;
        if c == piece[matched] {
            matched += 1;
        }
        if matched == piece.len() {
            return Some(i + 1);
        }
    }
    None
}

/// Leftmost occurrence of a piece with `?`: bit j of the state is set while the text read so far
/// ends with the piece's first j+1 characters. At most (|piece| + |piece|·W) steps to build the
/// masks and W per character read, W = ⌈|piece|/64⌉.
fn shift_and(piece: &[char], text: &[char], steps: &mut u64) -> Option<usize> {
    let words = piece.len().div_ceil(64);
    let mut any = vec![0u64; words];
    for (j, _) in piece.iter().enumerate().filter(|(_, &c)| c == '?') {
        *steps += 1;
        any[j / 64] |= 1 << (j % 64);
    }
    let mut masks: HashMap<char, Vec<u64>> = HashMap::new();
    for (j, &c) in piece.iter().enumerate().filter(|(_, &c)| c != '?') {
        *steps += 1;
        let mask = masks.entry(c).or_insert_with(|| {
            *steps += words as u64;
            any.clone()
        });
        mask[j / 64] |= 1 << (j % 64);
    }
    let last = (piece.len() - 1) / 64;
    let last_bit = 1u64 << ((piece.len() - 1) % 64);
    let mut state = vec![0u64; words];
    for (i, c) in text.iter().enumerate() {
        let mask = masks.get(c).unwrap_or(&any);
        let mut carry = 1;
        for (word, bits) in state.iter_mut().zip(mask) {
            *steps += 1;
            let shifted = (*word << 1) | carry;
            carry = *word >> 63;
            *word = shifted & bits;
        }
        if state[last] & last_bit != 0 {
            return Some(i + 1);
        }
    }
    None
}
