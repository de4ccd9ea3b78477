//! How Kubernetes reads a YAML scalar, and Go's integer parsers.
//!
//! kubectl turns YAML into JSON with `sigs.k8s.io/yaml`, which resolves
//! plain scalars with go-yaml v2 (YAML 1.1: `yes`/`on`/`y` are booleans,
//! `0x1F` and `017` are integers, `1_000` drops its underscores) and then
//! marshals to JSON; the API server decodes that JSON into typed fields. So a
//! plain `8080` where Kubernetes wants a string (an env value, an annotation)
//! is a type error that rejects the whole object, and a quoted `"30"` where
//! it wants an integer is one too. A float that is a whole number (`30.0`,
//! `3e1`) reaches the server as the JSON number `30` and is accepted.

use crate::sources::yaml::{Node, NodeKind, Style};

/// What a YAML scalar means after go-yaml v2 resolution.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    /// Any integer go-yaml accepts (up to `u64::MAX`).
    Int(i128),
    Float(f64),
    /// A string: quoted, block, or a plain scalar that is nothing else.
    Str,
}

impl Resolved {
    /// The YAML type as a user would name it, for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "boolean",
            Resolved::Int(_) => "integer",
            Resolved::Float(_) => "number",
            Resolved::Str => "string",
        }
    }
}

/// Resolves a node the way go-yaml v2 does; `None` for mappings and
/// sequences.
pub(crate) fn resolve(node: &Node) -> Option<Resolved> {
    let text = match &node.kind {
        NodeKind::Null => return Some(Resolved::Null),
        NodeKind::Scalar(t) => t,
        NodeKind::Seq(_) | NodeKind::Map(_) => return None,
    };
    let value = text.value.as_str();
    // A core-schema tag decides; any other tag leaves the string as is
    // (go-yaml v2 returns the scalar's text for tags it does not resolve).
    match node.tag.as_deref() {
        Some("!!str") => return Some(Resolved::Str),
        Some("!!int") => {
            return Some(resolve_plain(value).filter_int().unwrap_or(Resolved::Str));
        }
        Some("!!float") => {
            return Some(match resolve_plain(value) {
                Resolved::Int(i) => Resolved::Float(i as f64),
                r @ Resolved::Float(_) => r,
                _ => Resolved::Str,
            });
        }
        Some("!!bool") => {
            return Some(match resolve_plain(value) {
                r @ Resolved::Bool(_) => r,
                _ => Resolved::Str,
            });
        }
        Some(_) => return Some(Resolved::Str),
        None => {}
    }
    if text.style != Style::Plain {
        return Some(Resolved::Str);
    }
    Some(resolve_plain(value))
}

trait FilterInt {
    fn filter_int(self) -> Option<Resolved>;
}

impl FilterInt for Resolved {
    fn filter_int(self) -> Option<Resolved> {
        matches!(self, Resolved::Int(_)).then_some(self)
    }
}

/// go-yaml v2 `resolve()` for an untagged plain scalar.
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes().first() {
        Some(b'.') => {
            if is_yaml_float(s)
                && let Ok(f) = s.parse::<f64>()
            {
                return Resolved::Float(f);
            }
            Resolved::Str
        }
        Some(b'0'..=b'9' | b'+' | b'-') => {
            let plain = s.replace('_', "");
            if let Ok(i) = go_parse_int(&plain, 0) {
                return Resolved::Int(i128::from(i));
            }
            if let Ok(u) = go_parse_uint(&plain, 0) {
                return Resolved::Int(i128::from(u));
            }
            if is_yaml_float(&plain)
                && let Ok(f) = plain.parse::<f64>()
            {
                return Resolved::Float(f);
            }
            if let Some(bits) = plain.strip_prefix("0b")
                && let Ok(i) = go_parse_int(bits, 2)
            {
                return Resolved::Int(i128::from(i));
            }
            if let Some(bits) = plain.strip_prefix("-0b")
                && let Ok(i) = go_parse_int(&format!("-{bits}"), 2)
            {
                return Resolved::Int(i128::from(i));
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i = 1;
    }
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    } else {
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
        if b.get(i) == Some(&b'.') {
            i += 1 + digits(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == b.len()
}

/// The integer the API server decodes from a resolved scalar: integers, and
/// floats that JSON-encode without a fraction or exponent (Go writes whole
/// floats below 1e21 as plain digits).
pub(crate) fn as_integer(r: &Resolved) -> Option<i128> {
    match *r {
        Resolved::Int(i) => Some(i),
        Resolved::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 => {
            // Whole and below 1e21: the cast is exact.
            #[allow(clippy::cast_possible_truncation)]
            Some(f as i128)
        }
        _ => None,
    }
}

/// Why Go's `strconv` rejected a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoNumError {
    /// `invalid syntax`
    Syntax,
    /// `value out of range`
    Range,
}

impl GoNumError {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            GoNumError::Syntax => "invalid syntax",
            GoNumError::Range => "value out of range",
        }
    }
}

/// Go `strconv.ParseUint(s, base, 64)` for `base` 0 (prefixes `0x`, `0o`,
/// `0b`, a leading `0` for octal, underscores between digits) or 2..=36.
pub fn go_parse_uint(s: &str, base: u32) -> Result<u64, GoNumError> {
    if s.is_empty() {
        return Err(GoNumError::Syntax);
    }
    let base0 = base == 0;
    let b = s.as_bytes();
    let lower = |c: u8| c | 0x20;
    let (base, digits): (u32, &[u8]) = if base0 {
        if b[0] == b'0' {
            match b.get(1).map(|&c| lower(c)) {
                Some(b'b') if b.len() >= 3 => (2, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            }
        } else {
            (10, b)
        }
    } else if (2..=36).contains(&base) {
        (base, b)
    } else {
        return Err(GoNumError::Syntax);
    };
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if lower(c).is_ascii_lowercase() => lower(c) - b'a' + 10,
            _ => return Err(GoNumError::Syntax),
        };
        if u32::from(d) >= base {
            return Err(GoNumError::Syntax);
        }
        // Go stops at the first overflow with a range error.
        n = n
            .checked_mul(u64::from(base))
            .and_then(|m| m.checked_add(u64::from(d)))
            .ok_or(GoNumError::Range)?;
    }
    if underscores && !underscore_ok(s) {
        return Err(GoNumError::Syntax);
    }
    Ok(n)
}

/// Go `strconv.ParseInt(s, base, 64)`; see [`go_parse_uint`].
pub fn go_parse_int(s: &str, base: u32) -> Result<i64, GoNumError> {
    let (neg, rest) = match s.as_bytes().first() {
        None => return Err(GoNumError::Syntax),
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
    };
    let un = go_parse_uint(rest, base)?;
    let cutoff = 1u64 << 63;
    if !neg && un >= cutoff || neg && un > cutoff {
        return Err(GoNumError::Range);
    }
    let v = i128::from(un);
    let v = if neg { -v } else { v };
    i64::try_from(v).map_err(|_| GoNumError::Range)
}

/// Go `strconv.Atoi`: base 10, optional sign, digits only (no spaces, no
/// underscores, no unit).
pub fn go_atoi(s: &str) -> Result<i64, GoNumError> {
    go_parse_int(s, 10)
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix counts
/// as a digit).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if matches!(b.first(), Some(b'+' | b'-')) {
        b = &b[1..];
    }
    let lower = |c: u8| c | 0x20;
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(lower(b[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(b[1]) == b'x';
    }
    while i < b.len() {
        let c = b[i];
        i += 1;
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_parse_int_base0_matches_go() {
        // Answers of Go 1.22 strconv.ParseInt(s, 0, 64).
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("60", 60),
            ("+60", 60),
            ("-5", -5),
            ("0x1F", 31),
            ("0X1f", 31),
            ("017", 15),
            ("0o17", 15),
            ("0b101", 5),
            ("1_000", 1000),
            ("0x_1f", 31),
            ("00", 0),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for &(s, want) in ok {
            assert_eq!(go_parse_int(s, 0), Ok(want), "{s}");
        }
        let syntax = [
            "", "+", "-", "60s", "1m", " 60", "60 ", "0x", "08", "1__0", "_1", "1_", "1.0", "60\n",
        ];
        for s in syntax {
            assert_eq!(go_parse_int(s, 0), Err(GoNumError::Syntax), "{s:?}");
        }
        assert_eq!(
            go_parse_int("9223372036854775808", 0),
            Err(GoNumError::Range)
        );
        assert_eq!(go_parse_uint("18446744073709551615", 0), Ok(u64::MAX));
    }

    #[test]
    fn atoi_is_plain_decimal() {
        assert_eq!(go_atoi("120"), Ok(120));
        assert_eq!(go_atoi("+120"), Ok(120));
        assert_eq!(go_atoi("-1"), Ok(-1));
        assert_eq!(go_atoi("007"), Ok(7));
        for s in ["60s", "1m", "", " 5", "0x10", "1_000", "1.5", "5\n"] {
            assert_eq!(go_atoi(s), Err(GoNumError::Syntax), "{s:?}");
        }
        assert_eq!(go_atoi("99999999999999999999"), Err(GoNumError::Range));
    }

    #[test]
    fn yaml11_plain_resolution() {
        assert_eq!(resolve_plain("yes"), Resolved::Bool(true));
        assert_eq!(resolve_plain("y"), Resolved::Bool(true));
        assert_eq!(resolve_plain("Off"), Resolved::Bool(false));
        assert_eq!(resolve_plain("30"), Resolved::Int(30));
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("017"), Resolved::Int(15));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        // `08` is not octal; go-yaml falls back to a float.
        assert_eq!(resolve_plain("08"), Resolved::Float(8.0));
        assert_eq!(resolve_plain("30.0"), Resolved::Float(30.0));
        assert_eq!(resolve_plain(".5"), Resolved::Float(0.5));
        assert_eq!(resolve_plain("3e1"), Resolved::Float(30.0));
        assert_eq!(resolve_plain("-0b11"), Resolved::Int(-3));
        assert_eq!(
            resolve_plain("18446744073709551615"),
            Resolved::Int(u64::MAX.into())
        );
        for s in ["60s", "1m", "2024-01-01", "1.2.3", "abc", "+", "-", "0x"] {
            assert_eq!(resolve_plain(s), Resolved::Str, "{s}");
        }
        assert_eq!(as_integer(&Resolved::Float(30.0)), Some(30));
        assert_eq!(as_integer(&Resolved::Float(30.5)), None);
        assert_eq!(as_integer(&Resolved::Float(f64::INFINITY)), None);
        assert_eq!(as_integer(&Resolved::Str), None);
    }
}
