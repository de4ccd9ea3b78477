//! Typed setting values and their provenance. Leaf module shared by sources,
//! model and policy (imports only [`crate::origin`]).

use std::fmt;

use crate::origin::Origin;

/// A duration in milliseconds: every timeout in every tool fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(pub u64);

impl Millis {
    #[must_use]
    pub fn from_secs(s: u64) -> Self {
        Millis(s.saturating_mul(1000))
    }
}

impl Millis {
    /// Largest units first, as a duration literal is written: `1h30m`, `1s500ms`, `0s`.
    #[must_use]
    pub fn compound(self) -> String {
        const UNITS: [(u64, &str); 5] = [
            (86_400_000, "d"),
            (3_600_000, "h"),
            (60_000, "m"),
            (1000, "s"),
            (1, "ms"),
        ];
        let mut ms = self.0;
        if ms == 0 {
            return "0s".to_owned();
        }
        let mut out = String::new();
        for (size, unit) in UNITS {
            if ms >= size {
                out.push_str(&format!("{}{unit}", ms / size));
                ms %= size;
            }
        }
        out
    }
}

impl fmt::Display for Millis {
    /// Whole seconds as users write them (`30s`, `300s`), whole hours as `1h`,
    /// anything with a sub-second part in milliseconds (`1500ms`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if !ms.is_multiple_of(1000) {
            write!(f, "{ms}ms")
        } else if ms >= 3_600_000 && ms.is_multiple_of(3_600_000) {
            write!(f, "{}h", ms / 3_600_000)
        } else {
            write!(f, "{}s", ms / 1000)
        }
    }
}

/// The value of one setting after the tool's own parsing rules.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Duration(Millis),
    Int(i64),
    Bool(bool),
    Str(String),
    /// A list (e.g. gunicorn `bind` addresses, nginx `proxy_next_upstream` conditions).
    List(Vec<Value>),
    /// Several possible values (e.g. set differently in branches of an `if`).
    OneOf(Vec<Value>),
    /// Not set and without a default: the feature is off / not applicable.
    Unset,
    /// Cannot be determined statically; the string says why.
    Unknown(String),
}

impl Value {
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Duration(d) => write!(f, "{d}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{}", if *b { "on" } else { "off" }),
            Value::Str(s) => f.write_str(s),
            Value::List(vs) => {
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Value::OneOf(vs) => {
                f.write_str("one of ")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Value::Unset => f.write_str("unset"),
            Value::Unknown(why) => write!(f, "unknown ({why})"),
        }
    }
}

/// A value with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub value: Value,
    pub origin: Origin,
}

impl Setting {
    #[must_use]
    pub fn new(value: Value, origin: Origin) -> Self {
        Self { value, origin }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_render_as_users_write_them() {
        assert_eq!(Millis::from_secs(30).to_string(), "30s");
        assert_eq!(Millis::from_secs(300).to_string(), "300s");
        assert_eq!(Millis::from_secs(5400).to_string(), "5400s");
        assert_eq!(Millis::from_secs(7200).to_string(), "2h");
        assert_eq!(Millis(1500).to_string(), "1500ms");
        assert_eq!(Millis::from_secs(5400).compound(), "1h30m");
        assert_eq!(Millis(1500).compound(), "1s500ms");
        assert_eq!(Millis(0).to_string(), "0s");
    }
}
