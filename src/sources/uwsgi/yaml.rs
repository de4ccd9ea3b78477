//! uWSGI's own YAML dialect (`core/yaml.c` without libyaml, the default
//! build): a line reader, not a YAML parser.
//! - `#` starts a comment anywhere on a line, even inside a value;
//! - indentation depth counts a space as 1 and a tab or `\r` as 8;
//! - the section is a line `name:` at a depth no greater than the lines before
//!   it; its entries are the deeper lines that follow, `key: value` split at
//!   the first `": "` (else the first `":\t"`);
//! - reading stops at the first line back at the section's depth, at a line
//!   starting with `-`, `[` or `{`, or at an entry without `": "`/`":\t"`:
//!   lists are not supported (a build with libyaml would read them);
//! - quotes are kept, and a value keeps a trailing `\r`.

use super::{RawEntry, RawRead};

fn depth(line: &[u8]) -> usize {
    let mut d = 0;
    for &b in line {
        match b {
            b' ' => d += 1,
            b'\t' | b'\r' => d += 8,
            _ => break,
        }
    }
    d
}

/// Why reading a section stopped early (the rest of the section is ignored by uWSGI).
pub(super) const STOP_LIST: &str = "uWSGI's YAML reader stops at a line starting with `-`, `[` or `{` (lists are only read by builds with libyaml); the rest of the section is ignored";
pub(super) const STOP_NO_VALUE: &str = "uWSGI's YAML reader stops at an entry without `: ` (nested mappings and `key:` lines end the section); the rest of the section is ignored";

/// Reads the entries of section `section` (after magic substitution).
pub(super) fn read(bytes: &[u8], section: &str) -> RawRead {
    let mut out = RawRead::default();
    let mut in_section = false;
    let mut current_depth = 0;
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = bytes
            .get(line_start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(bytes.len(), |i| line_start + i);
        let raw = bytes.get(line_start..line_end).unwrap_or_default();
        let base = line_start;
        line_start = line_end + 1;
        // `#` and NUL both end the C string.
        let len = raw
            .iter()
            .position(|&b| b == b'#' || b == 0)
            .unwrap_or(raw.len());
        let line = raw.get(..len).unwrap_or_default();
        if line.is_empty() {
            continue;
        }
        let d = depth(line);
        if d <= current_depth {
            current_depth = d;
            if in_section {
                return out;
            }
        } else if !in_section {
            continue;
        }
        let key_start = line
            .iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
            .unwrap_or(line.len());
        let Some(&first) = line.get(key_start) else {
            continue;
        };
        if matches!(first, b'-' | b'[' | b'{') {
            if in_section {
                out.problems
                    .push((base + key_start..base + line.len(), STOP_LIST.to_string()));
                return out;
            }
            continue;
        }
        let rest = line.get(key_start..).unwrap_or_default();
        if !in_section {
            if let Some(colon) = rest.iter().position(|&b| b == b':')
                && rest.get(..colon) == Some(section.as_bytes())
            {
                in_section = true;
                out.section_found = true;
            }
            continue;
        }
        let sep = find(rest, b": ").or_else(|| find(rest, b":\t"));
        let Some(sep) = sep else {
            out.problems.push((
                base + key_start..base + line.len(),
                STOP_NO_VALUE.to_string(),
            ));
            return out;
        };
        let mut key_end = sep;
        while key_end > 0 && matches!(rest.get(key_end - 1), Some(b' ' | b'\t')) {
            key_end -= 1;
        }
        let mut vs = sep + 2;
        while matches!(rest.get(vs), Some(b' ' | b'\t' | b'\r')) {
            vs += 1;
        }
        let mut ve = rest.len().max(vs);
        while ve > vs && matches!(rest.get(ve - 1), Some(b' ' | b'\t')) {
            ve -= 1;
        }
        let abs = |i: usize| base + key_start + i;
        out.entries.push(RawEntry {
            generated: false,
            key: String::from_utf8_lossy(rest.get(..key_end).unwrap_or_default()).into_owned(),
            value: String::from_utf8_lossy(rest.get(vs..ve).unwrap_or_default()).into_owned(),
            key_range: abs(0)..abs(key_end),
            value_range: abs(vs)..abs(ve),
            range: abs(0)..abs(ve),
        });
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str, section: &str) -> Vec<(String, String)> {
        read(text.as_bytes(), section)
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    #[test]
    fn reads_the_section_and_stops_at_the_next() {
        let text = "# c\nuwsgi:\n  module: app # comment\n  master:\t1\n\n  socket: \"a:1\"\napp2:\n  socket: :2\n";
        assert_eq!(
            pairs(text, "uwsgi"),
            vec![
                ("module".into(), "app".into()),
                ("master".into(), "1".into()),
                ("socket".into(), "\"a:1\"".into()),
            ]
        );
        assert_eq!(pairs(text, "app2"), vec![("socket".into(), ":2".into())]);
        assert!(!read(text.as_bytes(), "nope").section_found);
    }

    #[test]
    fn comment_lines_at_column_zero_do_not_end_the_section() {
        let text = "uwsgi:\n  a: 1\n# note\n  b: 2\n";
        assert_eq!(pairs(text, "uwsgi").len(), 2);
    }

    #[test]
    fn lists_and_bare_keys_end_the_section() {
        let r = read(b"uwsgi:\n  a: 1\n  - x\n  b: 2\n", "uwsgi");
        assert_eq!(r.entries.len(), 1);
        assert_eq!(r.problems.len(), 1);
        let r = read(b"uwsgi:\n  socket:\n    - a\n  b: 2\n", "uwsgi");
        assert!(r.entries.is_empty());
        assert_eq!(r.problems.len(), 1);
        // Before the section, lists are skipped silently.
        assert_eq!(pairs("- a\nuwsgi:\n  b: 2\n", "uwsgi").len(), 1);
    }

    #[test]
    fn carriage_returns_stay_in_values() {
        assert_eq!(
            pairs("uwsgi:\r\n  a: 1\r\n  b: x\r\n", "uwsgi"),
            vec![("a".into(), "1\r".into()), ("b".into(), "x\r".into())]
        );
    }

    #[test]
    fn nested_section_headers_are_skipped() {
        // An indented `uwsgi:` is deeper than the previous line: not a section.
        assert!(pairs("  uwsgi:\n    a: 1\n", "uwsgi").is_empty());
        assert_eq!(pairs("x:\n  y: 1\nuwsgi:\n  a: 1\n", "uwsgi").len(), 1);
    }

    #[test]
    fn ranges_point_into_the_text() {
        let text = "uwsgi:\n  harakiri: 30 # x\n";
        let r = read(text.as_bytes(), "uwsgi");
        let e = &r.entries[0];
        assert_eq!(&text[e.key_range.clone()], "harakiri");
        assert_eq!(&text[e.value_range.clone()], "30");
    }
}
