//! uWSGI's ini reader (`core/ini.c`), byte for byte:
//! - lines end at `\n`; a line is cut at its first NUL (uWSGI uses C strings);
//! - leading and trailing spaces, tabs and `\r` are stripped;
//! - `[name]` starts a section (the last byte of the stripped line is dropped,
//!   whatever it is); `;` or `#` *at the start* of a line is a comment, never
//!   inside a value;
//! - `key = value` splits at the first `=`; a line without `=` is a key with an
//!   empty value; key and value are stripped again;
//! - only lines of the asked section count (every block of that name, in order).

use super::{RawEntry, RawRead};

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

/// Trims uWSGI's ini whitespace from both ends of `bytes[r]`.
fn trim(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && bytes.get(start).is_some_and(|&b| is_space(b)) {
        start += 1;
    }
    while end > start && bytes.get(end - 1).is_some_and(|&b| is_space(b)) {
        end -= 1;
    }
    (start, end)
}

/// Reads the `[section]` entries of an ini text (after magic substitution).
pub(super) fn read(bytes: &[u8], section: &str) -> RawRead {
    let mut out = RawRead::default();
    let mut current: Vec<u8> = Vec::new();
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = bytes
            .get(line_start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            .map_or(bytes.len(), |i| line_start + i);
        let next = line_end + 1;
        // strlen() semantics: the line stops at a NUL.
        let c_end = bytes
            .get(line_start..line_end)
            .and_then(|l| l.iter().position(|&b| b == 0))
            .map_or(line_end, |i| line_start + i);
        let (start, end) = trim(bytes, line_start, c_end);
        line_start = next;
        let Some(&first) = bytes.get(start).filter(|_| start < end) else {
            continue;
        };
        match first {
            b'[' => {
                // `section[strlen(section) - 1] = 0`: the last byte goes, `]` or not.
                let name_end = (end - 1).max(start + 1);
                current = bytes.get(start + 1..name_end).unwrap_or_default().to_vec();
            }
            b';' | b'#' => {}
            _ => {
                if current != section.as_bytes() {
                    continue;
                }
                out.section_found = true;
                let eq = bytes
                    .get(start..end)
                    .and_then(|l| l.iter().position(|&b| b == b'='))
                    .map(|i| start + i);
                let (key_range, value_range) = match eq {
                    Some(eq) => {
                        let (ks, ke) = trim(bytes, start, eq);
                        let (vs, ve) = trim(bytes, eq + 1, end);
                        (ks..ke, vs..ve)
                    }
                    None => (start..end, end..end),
                };
                out.entries.push(RawEntry {
                    generated: false,
                    key: text(bytes, key_range.clone()),
                    value: text(bytes, value_range.clone()),
                    range: start..end,
                    key_range,
                    value_range,
                });
            }
        }
    }
    out
}

fn text(bytes: &[u8], r: std::ops::Range<usize>) -> String {
    String::from_utf8_lossy(bytes.get(r).unwrap_or_default()).into_owned()
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
    fn sections_comments_and_trimming() {
        let text = "; top comment\n[uwsgi]\n  harakiri =  30 \r\n# c\nsocket = :3031 ; not a comment\nmaster\n[other]\nharakiri = 99\n[uwsgi]\nharakiri=40\n";
        assert_eq!(
            pairs(text, "uwsgi"),
            vec![
                ("harakiri".into(), "30".into()),
                ("socket".into(), ":3031 ; not a comment".into()),
                ("master".into(), String::new()),
                ("harakiri".into(), "40".into()),
            ]
        );
        assert_eq!(pairs(text, "other"), vec![("harakiri".into(), "99".into())]);
        let r = read(text.as_bytes(), "missing");
        assert!(!r.section_found);
        assert!(r.entries.is_empty());
    }

    #[test]
    fn values_split_at_the_first_equals_and_keep_the_rest() {
        assert_eq!(
            pairs("[uwsgi]\nenv = A=B=C\n = empty key\nk =\n", "uwsgi"),
            vec![
                ("env".into(), "A=B=C".into()),
                (String::new(), "empty key".into()),
                ("k".into(), String::new()),
            ]
        );
    }

    #[test]
    fn section_header_drops_its_last_byte() {
        // `[uwsgi` without the bracket names section "uwsg"; `[uwsgi] x` names "uwsgi] ".
        assert_eq!(pairs("[uwsgi\nk = 1\n", "uwsg").len(), 1);
        assert_eq!(pairs("[uwsgi] ;c\nk = 1\n", "uwsgi] ;").len(), 1);
        assert_eq!(pairs("[\nk = 1\n", "").len(), 1);
        // Before any header the section is "" as well.
        assert_eq!(pairs("k = 1\n", ""), vec![("k".into(), "1".into())]);
    }

    #[test]
    fn ranges_point_at_key_and_value() {
        let text = "[uwsgi]\n harakiri = 30 \n";
        let r = read(text.as_bytes(), "uwsgi");
        let e = &r.entries[0];
        assert_eq!(&text[e.key_range.clone()], "harakiri");
        assert_eq!(&text[e.value_range.clone()], "30");
        assert_eq!(&text[e.range.clone()], "harakiri = 30");
    }

    #[test]
    fn nul_ends_a_line() {
        assert_eq!(
            pairs("[uwsgi]\nk = a\0b\nj = 2", "uwsgi"),
            vec![("k".into(), "a".into()), ("j".into(), "2".into())]
        );
    }
}
