//! Strings that match a `@pattern`: the shortest match of the regular
//! expression (or the shortest of a given length range), read off its HIR.
//!
//! Every choice is deterministic: the first alternative that fits, each
//! repetition's fewest copies, and from each class the first character in a
//! fixed order of preference (lowercase letters, digits, capitals, then other
//! printable ASCII), so an example is readable and the same on every build.
//! Look-around assertions (`^`, `$`, `\b`) match the empty string here: a
//! pattern is matched whole, so anchors change nothing, and word boundaries
//! are rare in API patterns.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Characters tried, in order, where a class allows a choice.
const PREFERRED: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-.";

/// How many nodes one generation may visit before it gives up: patterns
/// whose lengths interact badly would otherwise backtrack for a long time.
const BUDGET: usize = 20_000;

/// Lengths tried past the shortest one allowed.
const TRIES: usize = 64;

/// The shortest string `pattern` matches whole whose length in characters
/// lies within `min..=max` (`max` of `None`: unbounded). `variant` picks
/// another character at the first choice a class offers, so that several
/// distinct strings (a map's keys) can be asked for. `Err` says why there is
/// none: the pattern does not parse, or no match has such a length.
pub(crate) fn generate(
    pattern: &str,
    min: usize,
    max: Option<usize>,
    variant: usize,
) -> Result<String, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("the pattern does not parse: {e}"))?;
    let (shortest, longest) = lengths(&hir);
    let from = shortest.max(min);
    let to = match (longest, max) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let mut generator = Generator {
        budget: BUDGET,
        variant,
        varied: false,
    };
    for length in from..=from + TRIES {
        if to.is_some_and(|to| length > to) {
            break;
        }
        let mut out = String::new();
        generator.varied = false;
        if generator.build(&hir, length, &mut out) {
            return Ok(out);
        }
        if generator.budget == 0 {
            break;
        }
    }
    Err(match max {
        Some(max) => format!("no string of {min} to {max} characters matches it"),
        None => format!("no string of {min} characters or more matches it"),
    })
}

/// The fewest and most characters a match of `hir` has (`None`: unbounded).
fn lengths(hir: &Hir) -> (usize, Option<usize>) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (0, Some(0)),
        HirKind::Literal(literal) => {
            let n = String::from_utf8_lossy(&literal.0).chars().count();
            (n, Some(n))
        }
        HirKind::Class(_) => (1, Some(1)),
        HirKind::Capture(capture) => lengths(&capture.sub),
        HirKind::Repetition(repetition) => {
            let (lo, hi) = lengths(&repetition.sub);
            let min = lo.saturating_mul(repetition.min as usize);
            let max = match (hi, repetition.max) {
                (Some(0), _) => Some(0),
                (Some(hi), Some(n)) => Some(hi.saturating_mul(n as usize)),
                _ => None,
            };
            (min, max)
        }
        HirKind::Concat(items) => items.iter().map(lengths).fold((0, Some(0)), |acc, l| {
            (
                acc.0.saturating_add(l.0),
                acc.1.zip(l.1).map(|(a, b)| a.saturating_add(b)),
            )
        }),
        HirKind::Alternation(items) => {
            let all: Vec<(usize, Option<usize>)> = items.iter().map(lengths).collect();
            let min = all.iter().map(|l| l.0).min().unwrap_or(0);
            let max = all
                .iter()
                .try_fold(0, |acc: usize, l| l.1.map(|m| acc.max(m)));
            (min, max)
        }
    }
}

/// One generation's state.
struct Generator {
    /// Nodes left to visit.
    budget: usize,
    /// Which choice the first class makes (see [`generate`]).
    variant: usize,
    /// Whether the first class has made its choice.
    varied: bool,
}

impl Generator {
    /// Appends to `out` a match of `hir` of exactly `length` characters;
    /// `false` (with `out` unchanged) when there is none.
    fn build(&mut self, hir: &Hir, length: usize, out: &mut String) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let (min, max) = lengths(hir);
        if length < min || max.is_some_and(|max| length > max) {
            return false;
        }
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => length == 0,
            HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
                Ok(text) => {
                    out.push_str(text);
                    true
                }
                Err(_) => false,
            },
            HirKind::Class(class) => match self.pick(class) {
                Some(c) => {
                    out.push(c);
                    true
                }
                None => false,
            },
            HirKind::Capture(capture) => self.build(&capture.sub, length, out),
            HirKind::Concat(items) => {
                let items: Vec<&Hir> = items.iter().collect();
                self.sequence(&items, length, out)
            }
            HirKind::Alternation(items) => items.iter().any(|item| self.build(item, length, out)),
            HirKind::Repetition(repetition) => {
                let (lo, hi) = lengths(&repetition.sub);
                let at_least = repetition.min as usize;
                let at_most = repetition.max.map_or(usize::MAX, |n| n as usize);
                // The fewest copies that can add up to `length`.
                let fewest = match hi {
                    Some(0) | None => usize::from(length > 0),
                    Some(hi) => length.div_ceil(hi),
                }
                .max(at_least);
                // Copies that may be empty add nothing: no more than the fewest.
                let most = length.checked_div(lo).map_or(fewest, |n| n.min(at_most));
                let mut copies = fewest;
                while copies <= most && copies <= fewest + TRIES && copies <= at_most {
                    let items = vec![&*repetition.sub; copies];
                    if self.sequence(&items, length, out) {
                        return true;
                    }
                    copies += 1;
                }
                false
            }
        }
    }

    /// Appends matches of `items`, one after another, `length` characters
    /// in all: each item as short as the rest allows.
    fn sequence(&mut self, items: &[&Hir], length: usize, out: &mut String) -> bool {
        let Some((first, rest)) = items.split_first() else {
            return length == 0;
        };
        let (lo, hi) = lengths(first);
        let rest_lengths: Vec<(usize, Option<usize>)> = rest.iter().map(|h| lengths(h)).collect();
        let rest_min: usize = rest_lengths.iter().map(|l| l.0).sum();
        let rest_max: Option<usize> = rest_lengths
            .iter()
            .try_fold(0usize, |acc, l| l.1.map(|m| acc.saturating_add(m)));
        let Some(room) = length.checked_sub(rest_min) else {
            return false;
        };
        let top = hi.map_or(room, |hi| hi.min(room));
        let mark = out.len();
        let varied = self.varied;
        for own in lo..=top {
            if rest_max.is_some_and(|m| length - own > m) {
                continue;
            }
            if self.build(first, own, out) && self.sequence(rest, length - own, out) {
                return true;
            }
            out.truncate(mark);
            self.varied = varied;
            if self.budget == 0 {
                return false;
            }
        }
        false
    }

    /// A character of `class`: the preferred one, or for the first class of
    /// a generation the `variant`-th preferred one.
    fn pick(&mut self, class: &Class) -> Option<char> {
        let contains = |c: char| match class {
            Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
            Class::Bytes(b) => {
                c.is_ascii()
                    && b.ranges()
                        .iter()
                        .any(|r| r.start() <= c as u8 && c as u8 <= r.end())
            }
        };
        let printable = (0x21u8..=0x7e).map(char::from).chain([' ']);
        let mut candidates = PREFERRED.chars().chain(printable).filter(|c| contains(*c));
        let skip = if self.varied { 0 } else { self.variant };
        self.varied = true;
        let first_choice = candidates.clone().next();
        if let Some(c) = candidates.nth(skip) {
            return Some(c);
        }
        // Fewer choices than the variant asks for: the first one, or a
        // character beyond ASCII when the class has nothing else.
        first_choice.or_else(|| match class {
            Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
            Class::Bytes(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .expect("a valid pattern")
            .is_match(text)
    }

    /// The shortest match, readable, and a match indeed.
    #[test]
    fn shortest_matches() {
        for (pattern, expected) in [
            ("[a-z0-9_]+", "a"),
            ("[A-Z0-9]+", "0"),
            ("\\d{5}", "00000"),
            ("[0-9]{4}", "0000"),
            ("[a-z0-9-]+", "a"),
            ("(ab|c)+", "c"),
            ("[a-z]+@[a-z]+\\.com", "a@a.com"),
            ("v[0-9]+(\\.[0-9]+)*", "v0"),
            ("(?i)abc", "abc"),
            ("[^a-z]", "0"),
            ("x?y*", ""),
            ("^[A-Z]{2}-\\d{3}$", "AA-000"),
            ("\\p{Lu}\\w*", "A"),
        ] {
            let found = generate(pattern, 0, None, 0).expect("a match exists");
            assert_eq!(found, expected, "{pattern}");
            // regex-lite has no Unicode classes.
            if !pattern.contains("\\p") {
                assert!(matches(pattern, &found), "{pattern} ~ {found}");
            }
        }
    }

    /// Lengths from `@len` choose among the pattern's matches.
    #[test]
    fn lengths_are_honoured() {
        for (pattern, min, max, expected) in [
            ("[a-z0-9_]+", 3, Some(30), "aaa"),
            ("[a-z]{2,}", 0, Some(8), "aa"),
            ("(ab)+", 3, Some(10), "abab"),
            ("[a-z]+-[0-9]+", 6, None, "a-0000"),
            ("a|bbbb", 2, Some(5), "bbbb"),
        ] {
            let found = generate(pattern, min, max, 0).expect("a match exists");
            assert_eq!(found, expected, "{pattern} {min}..{max:?}");
            assert!(matches(pattern, &found));
        }
    }

    /// A pattern that no string of the lengths allowed matches says so.
    #[test]
    fn impossible_lengths_are_errors() {
        assert!(generate("[0-9]{4}", 5, Some(10), 0).is_err());
        assert!(generate("(ab)+", 3, Some(3), 0).is_err());
        assert!(generate("[", 0, None, 0).is_err());
    }

    /// Variants give distinct strings where the pattern allows a choice.
    #[test]
    fn variants_differ() {
        let keys: Vec<String> = (0..3)
            .map(|v| generate("[a-z]{2}", 0, None, v).expect("a match"))
            .collect();
        assert_eq!(keys, ["aa", "ba", "ca"]);
    }

    /// Nested unbounded repetitions end, within the budget.
    #[test]
    fn pathological_patterns_end() {
        let found = generate("(a*)*b", 0, None, 0).expect("a match");
        assert_eq!(found, "b");
        let _ = generate("((a|b)*c){3}(d|e){2,}", 40, Some(40), 0);
    }
}
