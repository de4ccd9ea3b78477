//! uWSGI's JSON reader (`core/json.c`, jansson build): the object named by the
//! section (default `uwsgi`) at the top level; each member is an option.
//! Strings are taken as they are, `true` is `1`, `false` and `null` are `0`,
//! integers are printed back through a C `int` (so they wrap at 32 bits),
//! arrays repeat the option once per string/boolean/null/integer item; real
//! numbers, objects and nested arrays are ignored. A repeated key keeps the
//! position of its first appearance and the value of its last (jansson's
//! hash table). Any syntax error makes uWSGI exit.
//!
//! The parser follows jansson's grammar (strict RFC 8259: no comments, no
//! trailing commas, no leading zeros, no `\u0000`, UTF-8 only, an object or
//! array at the top).

use std::ops::Range;

use super::{RawEntry, RawRead};

/// Nesting limit (parity's; jansson allows 2048).
const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Json {
    Str(String),
    Int(i64),
    Real,
    Bool(bool),
    Null,
    Array(Vec<(Json, Range<usize>)>),
    Object(Vec<Member>),
}

#[derive(Debug, Clone, PartialEq)]
struct Member {
    key: String,
    key_range: Range<usize>,
    value: Json,
    value_range: Range<usize>,
}

type Error = (Range<usize>, String);

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn err<T>(&self, msg: impl Into<String>) -> Result<T, Error> {
        let end = (self.i + 1).min(self.b.len()).max(self.i);
        Err((self.i..end, msg.into()))
    }

    fn value(&mut self, depth: usize) -> Result<(Json, Range<usize>), Error> {
        if depth > MAX_DEPTH {
            return self.err(format!("JSON nested deeper than {MAX_DEPTH} levels"));
        }
        self.ws();
        let start = self.i;
        let v = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Json::Str(self.string()?),
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(b't') => self.literal(b"true", Json::Bool(true))?,
            Some(b'f') => self.literal(b"false", Json::Bool(false))?,
            Some(b'n') => self.literal(b"null", Json::Null)?,
            Some(_) => return self.err("invalid token"),
            None => return self.err("unexpected end of JSON input"),
        };
        Ok((v, start..self.i))
    }

    fn literal(&mut self, word: &[u8], v: Json) -> Result<Json, Error> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("invalid token")
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, Error> {
        self.i += 1;
        let mut members = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.err("string or '}' expected");
            }
            let key_start = self.i;
            let key = self.string()?;
            let key_range = key_start..self.i;
            self.ws();
            if self.peek() != Some(b':') {
                return self.err("':' expected");
            }
            self.i += 1;
            let (value, value_range) = self.value(depth + 1)?;
            members.push(Member {
                key,
                key_range,
                value,
                value_range,
            });
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return self.err("'}' expected"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, Error> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return self.err("']' expected"),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.b.get(self.i..self.i + 4);
        let v = digits
            .and_then(|d| std::str::from_utf8(d).ok())
            .filter(|s| s.bytes().all(|c| c.is_ascii_hexdigit()))
            .and_then(|s| u32::from_str_radix(s, 16).ok());
        match v {
            Some(v) => {
                self.i += 4;
                Ok(v)
            }
            None => self.err("invalid escape"),
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            // Copy a run of plain characters, checking UTF-8 as jansson does.
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            match std::str::from_utf8(self.b.get(start..self.i).unwrap_or_default()) {
                Ok(s) => out.push_str(s),
                Err(e) => {
                    self.i = start + e.valid_up_to();
                    return self.err("invalid UTF-8 in string");
                }
            }
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek();
                    self.i += 1;
                    match c {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                                    return self
                                        .err("invalid Unicode escape (lone high surrogate)");
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("invalid Unicode escape (bad low surrogate)");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return self.err("invalid Unicode escape (lone low surrogate)");
                            } else {
                                hi
                            };
                            if code == 0 {
                                return self.err("\\u0000 is not allowed");
                            }
                            match char::from_u32(code) {
                                Some(ch) => out.push(ch),
                                None => return self.err("invalid Unicode escape"),
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return self.err("invalid escape");
                        }
                    }
                }
                Some(c) => {
                    return self.err(format!("control character 0x{c:x} in string"));
                }
                None => return self.err("premature end of input in string"),
            }
        }
    }

    fn number(&mut self) -> Result<Json, Error> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return self.err("invalid token (leading zero)");
                }
            }
            Some(b'1'..=b'9') => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
            _ => return self.err("invalid token"),
        }
        let mut real = false;
        if self.peek() == Some(b'.') {
            real = true;
            self.i += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return self.err("invalid token");
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            real = true;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return self.err("invalid token");
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(self.b.get(start..self.i).unwrap_or_default()).unwrap_or("");
        if real {
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Json::Real),
                _ => {
                    self.i = start;
                    self.err("real number overflow")
                }
            };
        }
        match text.parse::<i64>() {
            Ok(n) => Ok(Json::Int(n)),
            Err(_) => {
                self.i = start;
                self.err("too big integer")
            }
        }
    }
}

/// The option value uWSGI derives from a JSON scalar, `None` when it skips it.
fn scalar(v: &Json) -> Option<String> {
    match v {
        Json::Str(s) => Some(s.clone()),
        Json::Bool(true) => Some("1".into()),
        Json::Bool(false) | Json::Null => Some("0".into()),
        // uwsgi_num2str(int): the 64-bit integer goes through a C int.
        #[allow(clippy::cast_possible_truncation)]
        Json::Int(n) => Some((*n as i32).to_string()),
        Json::Real | Json::Array(_) | Json::Object(_) => None,
    }
}

/// A string token's range without its quotes.
fn inside_quotes(r: &Range<usize>) -> Range<usize> {
    (r.start + 1).min(r.end)..r.end.saturating_sub(1).max(r.start)
}

/// Reads the object `section` of a JSON text (after magic substitution).
pub(super) fn read(bytes: &[u8], section: &str) -> RawRead {
    let mut out = RawRead::default();
    // json_loads() takes a C string: the text ends at the first NUL.
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = bytes.get(..end).unwrap_or_default();
    let mut p = Parser { b: text, i: 0 };
    p.ws();
    if !matches!(p.peek(), Some(b'{' | b'[')) {
        out.problems.push((
            p.i..(p.i + 1).min(text.len()).max(p.i),
            "error parsing JSON data: '[' or '{' expected (uWSGI exits)".into(),
        ));
        return out;
    }
    let root = match p.value(0) {
        Ok((root, _)) => root,
        Err((r, msg)) => {
            out.problems
                .push((r, format!("error parsing JSON data: {msg} (uWSGI exits)")));
            return out;
        }
    };
    p.ws();
    if p.i < text.len() {
        out.problems.push((
            p.i..text.len(),
            "error parsing JSON data: end of file expected (uWSGI exits)".into(),
        ));
        return out;
    }
    let Json::Object(members) = root else {
        out.problems.push((
            0..text.len(),
            format!("you must define a object named {section} in your JSON data (uWSGI exits)"),
        ));
        return out;
    };
    let config = members.iter().rev().find(|m| m.key == section);
    let Some(Member {
        value: Json::Object(config),
        ..
    }) = config
    else {
        let r = config.map_or(0..text.len(), |m| m.key_range.start..m.value_range.end);
        out.problems.push((
            r,
            format!("you must define a object named {section} in your JSON data (uWSGI exits)"),
        ));
        return out;
    };
    out.section_found = true;
    // jansson keeps a repeated key at its first position with its last value.
    let mut order: Vec<&Member> = Vec::new();
    for m in config {
        match order.iter_mut().find(|o| o.key == m.key) {
            Some(slot) => {
                *slot = m;
            }
            None => order.push(m),
        }
    }
    for m in order {
        let mut push = |item: &Json, token: &Range<usize>| {
            let Some(value) = scalar(item) else {
                return;
            };
            out.entries.push(RawEntry {
                generated: false,
                key: m.key.clone(),
                value,
                key_range: inside_quotes(&m.key_range),
                range: m.key_range.start..token.end,
                value_range: if matches!(item, Json::Str(_)) {
                    inside_quotes(token)
                } else {
                    token.clone()
                },
            });
        };
        if let Json::Array(items) = &m.value {
            for (item, r) in items {
                push(item, r);
            }
        } else {
            push(&m.value, &m.value_range);
        }
    }
    out
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
    fn converts_values_like_uwsgi() {
        let text = r#"{"uwsgi": {"http": ":8080", "workers": 8, "master": true, "x": false, "n": null,
            "f": 1.5, "o": {"a": 1}, "socket": ["/tmp/s", 3, true, null, 2.5, ["x"]], "big": 4294967297,
            "esc": "a\u00e9\n"}}"#;
        assert_eq!(
            pairs(text, "uwsgi"),
            vec![
                ("http".into(), ":8080".into()),
                ("workers".into(), "8".into()),
                ("master".into(), "1".into()),
                ("x".into(), "0".into()),
                ("n".into(), "0".into()),
                ("socket".into(), "/tmp/s".into()),
                ("socket".into(), "3".into()),
                ("socket".into(), "1".into()),
                ("socket".into(), "0".into()),
                ("big".into(), "1".into()),
                ("esc".into(), "a\u{e9}\n".into()),
            ]
        );
    }

    #[test]
    fn repeated_keys_keep_first_position_and_last_value() {
        assert_eq!(
            pairs(r#"{"uwsgi": {"a": 1, "b": 2, "a": 3}}"#, "uwsgi"),
            vec![("a".into(), "3".into()), ("b".into(), "2".into())]
        );
    }

    #[test]
    fn section_selection_and_missing_section() {
        let text = r#"{"uwsgi": {"a": 1}, "prod": {"a": 2}}"#;
        assert_eq!(pairs(text, "prod"), vec![("a".into(), "2".into())]);
        let r = read(text.as_bytes(), "nope");
        assert!(!r.section_found);
        assert_eq!(r.problems.len(), 1);
        let r = read(br#"{"uwsgi": [1]}"#, "uwsgi");
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn syntax_errors_are_problems() {
        for bad in [
            "",
            "{",
            r#"{"uwsgi": {"a": 01}}"#,
            r#"{"uwsgi": {"a": 1,}}"#,
            r#"{"uwsgi": {"a": "\u0000"}}"#,
            r#"{"uwsgi": {"a": "\ud800"}}"#,
            r#"{"uwsgi": {}} x"#,
            r#"{"uwsgi": {"a": 99999999999999999999}}"#,
            r#"{"uwsgi": {"a": 1e999}}"#,
            "{\"uwsgi\": {\"a\": \"tab\there\"}}",
            "\"top\"",
        ] {
            let r = read(bad.as_bytes(), "uwsgi");
            assert_eq!(r.problems.len(), 1, "{bad}");
            assert!(r.entries.is_empty(), "{bad}");
        }
        let r = read(b"{\"uwsgi\": {\"a\": \"\xff\"}}", "uwsgi");
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!(
            "{{\"uwsgi\": {}{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let r = read(deep.as_bytes(), "uwsgi");
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn ranges_cover_tokens() {
        let text = r#"{"uwsgi": {"harakiri": 30}}"#;
        let r = read(text.as_bytes(), "uwsgi");
        let e = &r.entries[0];
        assert_eq!(&text[e.key_range.clone()], "harakiri");
        assert_eq!(&text[e.value_range.clone()], "30");
    }
}
