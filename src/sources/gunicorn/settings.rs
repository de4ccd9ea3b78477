//! gunicorn's settings: names, command-line flags, types and defaults
//! (generated from gunicorn 27.0.1's `config.py`), and the conversions
//! gunicorn applies to values (Python `int()` rules, its validators).

pub use crate::sources::python::py_repr;
use crate::value::{Millis, Value};

use super::pyconf::PyValue;

/// How parity models a setting's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An integer number of seconds, modelled as [`Value::Duration`].
    Seconds,
    Int,
    Bool,
    Str,
    List,
    Dict,
    /// A server hook (a Python callable).
    Hook,
}

/// argparse `type=` of a stored option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `int(s)`: base 10, surrounding whitespace and `_` between digits allowed.
    Int,
    /// gunicorn's `auto_int`: a leading `0` means octal, else `int(s, 0)`.
    AutoInt,
    Str,
}

/// argparse action of a setting's flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// No command-line flag: config file only.
    FileOnly,
    Store(ArgType),
    StoreTrue,
    /// `store_const` with this constant (Python repr).
    StoreConst(&'static str),
    /// Repeatable; each occurrence adds one string.
    Append,
    /// `nargs='?'`: the value is optional, this constant when absent.
    OptionalValue(&'static str),
}

impl Action {
    /// True when the flag takes a value (possibly optional).
    #[must_use]
    pub fn takes_value(self) -> bool {
        matches!(
            self,
            Action::Store(_) | Action::Append | Action::OptionalValue(_)
        )
    }
}

/// gunicorn's validator for the setting (applied to every source).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// `validate_pos_int`: int, bool, or a string read with `int(s, 0)`; >= 0.
    PosInt,
    /// `validate_pos_int` and at most this.
    PosIntMax(i64),
    /// `validate_pos_int` and at least this.
    PosIntMin(i64),
    /// Integer in an inclusive range.
    IntRange(i64, i64),
    Bool,
    /// `validate_string`: stripped string or None.
    Str,
    /// A string or a list of strings.
    ListStr,
    /// A comma-separated string.
    CommaList,
    /// A worker/logger class: dotted path, alias or class.
    Class,
    Dict,
    Callable,
    /// A validator parity does not reproduce (named after gunicorn's function).
    Other(&'static str),
}

/// A setting's default as gunicorn defines it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DefaultValue {
    Int(i64),
    Bool(bool),
    Str(&'static str),
    /// A comma-separated string default of a list setting.
    CommaList(&'static str),
    List(&'static [&'static str]),
    /// Python `None`.
    NoneValue,
    /// A dict (its Python repr).
    Dict(&'static str),
    /// A no-op hook.
    Hook,
    /// Computed when gunicorn starts (from the environment or the machine).
    Dynamic(&'static str),
}

/// One gunicorn setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SettingDef {
    /// Config-file name, e.g. `keepalive`.
    pub name: &'static str,
    /// Command-line flags, e.g. `["--keep-alive"]`.
    pub cli: &'static [&'static str],
    pub action: Action,
    pub kind: Kind,
    pub validator: Validator,
    pub default: DefaultValue,
    /// Section in gunicorn's settings reference.
    pub section: &'static str,
    /// `since X` from the setting's `versionadded`, else `all versions`.
    pub since: &'static str,
}

/// What an argparse option string belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionTarget {
    /// Index into [`SETTINGS`].
    Setting(usize),
    Help,
    Version,
}

/// The setting named `name` (config-file spelling, exact).
#[must_use]
pub fn setting(name: &str) -> Option<&'static SettingDef> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// True when gunicorn applies a config-file name `name` (exact match: gunicorn
/// silently ignores every other module-level name).
#[must_use]
pub fn is_setting(name: &str) -> bool {
    setting(name).is_some()
}

/// True for server-hook settings (`post_fork`, `on_starting`, ...).
#[must_use]
pub fn is_hook(name: &str) -> bool {
    setting(name).is_some_and(|s| s.kind == Kind::Hook)
}

/// The setting a misspelled name most likely meant: same letters ignoring
/// case, `-` and `_` (`keep_alive`, `TIMEOUT`, `workerclass`), a flag spelling
/// (`--keep-alive`), or one edit away for names of five letters or more.
#[must_use]
pub fn suggest(name: &str) -> Option<&'static str> {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let want = squash(name);
    if want.is_empty() {
        return None;
    }
    if let Some(s) = SETTINGS.iter().find(|s| squash(s.name) == want) {
        return Some(s.name);
    }
    if let Some(s) = SETTINGS
        .iter()
        .find(|s| s.cli.iter().any(|f| squash(f) == want))
    {
        return Some(s.name);
    }
    if want.chars().count() >= 5 {
        let mut best: Option<(usize, &'static str)> = None;
        for s in SETTINGS {
            let d = edit_distance(&want, &squash(s.name));
            if d <= 1 && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, s.name));
            }
        }
        return best.map(|(_, n)| n);
    }
    None
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The default as a [`Value`] (dynamic defaults are [`Value::Unknown`] saying
/// what they depend on; the resolver fills in `WEB_CONCURRENCY` and `PORT`).
#[must_use]
pub fn default_value(def: &SettingDef) -> Value {
    match def.default {
        DefaultValue::Int(n) => int_value(def.kind, i128::from(n)),
        DefaultValue::Bool(b) => Value::Bool(b),
        DefaultValue::Str(s) => Value::Str(s.to_string()),
        DefaultValue::CommaList(s) => Value::List(comma_list(s)),
        DefaultValue::List(items) => {
            Value::List(items.iter().map(|s| Value::Str((*s).to_string())).collect())
        }
        DefaultValue::NoneValue => Value::Unset,
        DefaultValue::Dict(repr) => Value::Str(repr.to_string()),
        DefaultValue::Hook => Value::Str("no-op hook".into()),
        DefaultValue::Dynamic("$WEB_CONCURRENCY if set, else 1") => Value::Int(1),
        DefaultValue::Dynamic(s) if s.starts_with("['0.0.0.0:$PORT']") => {
            Value::List(vec![Value::Str("127.0.0.1:8000".into())])
        }
        DefaultValue::Dynamic(what) => Value::Unknown(what.to_string()),
    }
}

fn comma_list(s: &str) -> Vec<Value> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| Value::Str(py_strip(p).to_string()))
        .collect()
}

fn int_value(kind: Kind, n: i128) -> Value {
    match (kind, u64::try_from(n)) {
        (Kind::Seconds, Ok(s)) => Value::Duration(Millis::from_secs(s)),
        _ => i64::try_from(n).map_or_else(
            |_| Value::Unknown(format!("{n} is out of range")),
            Value::Int,
        ),
    }
}

// ---------------------------------------------------------------------------
// Python `int()` and `str.strip()`
// ---------------------------------------------------------------------------

fn is_py_space(c: char) -> bool {
    PY_WHITESPACE.contains(&u32::from(c))
}

/// Python `str.strip()` with no argument.
#[must_use]
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The ASCII digit for a Unicode decimal digit (Python `\d`, `int()`).
fn decimal_digit(c: char) -> Option<u8> {
    let cp = u32::from(c);
    DECIMAL_ZEROS.iter().find_map(|&z| {
        cp.checked_sub(z)
            .filter(|d| *d < 10)
            .and_then(|d| u8::try_from(d).ok())
    })
}

/// True when `s` is all Unicode decimal digits (Python `re` `\d+`).
pub(crate) fn all_decimal(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| decimal_digit(c).is_some())
}

/// Why Python's `int()` rejected a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntError {
    /// `ValueError: invalid literal for int() with base N`.
    Invalid,
    /// Valid but beyond what parity represents (|n| >= 2^127).
    TooLarge,
}

/// Python `int(s)` (`base0 = false`) or `int(s, 0)` (`base0 = true`).
///
/// # Errors
/// When Python would raise `ValueError`, or the value does not fit in an i128.
pub fn python_int(s: &str, base0: bool) -> Result<i128, IntError> {
    // Python maps Unicode digits to ASCII and strips whitespace first.
    let mut t = String::with_capacity(s.len());
    for c in py_strip(s).chars() {
        if let Some(d) = decimal_digit(c) {
            t.push(char::from(b'0' + d));
        } else if c.is_ascii() {
            t.push(c);
        } else {
            return Err(IntError::Invalid);
        }
    }
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or_default()),
        Some(b'+') => (false, t.get(1..).unwrap_or_default()),
        _ => (false, t.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, after_prefix) = if base0 && lower.starts_with("0x") {
        (16, body.get(2..).unwrap_or_default(), true)
    } else if base0 && lower.starts_with("0o") {
        (8, body.get(2..).unwrap_or_default(), true)
    } else if base0 && lower.starts_with("0b") {
        (2, body.get(2..).unwrap_or_default(), true)
    } else {
        (10, body, false)
    };
    // Underscores: single, between digits; after a base prefix one may lead.
    let d = digits
        .strip_prefix('_')
        .filter(|_| after_prefix)
        .unwrap_or(digits);
    if d.is_empty() || d.starts_with('_') || d.ends_with('_') || d.contains("__") {
        return Err(IntError::Invalid);
    }
    let clean: String = d.chars().filter(|c| *c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return Err(IntError::Invalid);
    }
    // `int("010", 0)` is an error: base 0 forbids leading zeros on non-zero decimals.
    if base0 && radix == 10 && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
        return Err(IntError::Invalid);
    }
    let mut n: i128 = 0;
    for c in clean.chars() {
        let v = i128::from(c.to_digit(radix).unwrap_or(0));
        n = n
            .checked_mul(i128::from(radix))
            .and_then(|n| n.checked_add(v))
            .ok_or(IntError::TooLarge)?;
    }
    Ok(if neg { -n } else { n })
}

/// gunicorn's `auto_int` (used for `--umask`): `0NNN` is octal.
///
/// # Errors
/// As [`python_int`].
pub fn auto_int(s: &str) -> Result<i128, IntError> {
    let mut cs = s.chars();
    if cs.next() == Some('0') && cs.next().is_some_and(|c| decimal_digit(c).is_some()) {
        let rest = s.get(1..).unwrap_or_default();
        return python_int(&format!("0o{rest}"), true);
    }
    python_int(s, true)
}

// ---------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------

/// Applies gunicorn's validator for `def` to a Python value, as
/// `Config.set(name, value)` does. `Err` carries gunicorn's error text.
///
/// # Errors
/// When gunicorn would reject the value (it then exits with status 1).
pub fn validate(def: &SettingDef, v: &PyValue) -> Result<Value, String> {
    match v {
        PyValue::Unknown(why) => return Ok(Value::Unknown(why.clone())),
        PyValue::CpuDependent(expr) => {
            return Ok(Value::Unknown(format!(
                "depends on the number of CPUs: {expr}"
            )));
        }
        PyValue::OneOf(vs) => {
            let mut out: Vec<Value> = Vec::new();
            for v in vs {
                let one = match v {
                    PyValue::Unset => Value::Unset,
                    v => validate(def, v)
                        .unwrap_or_else(|e| Value::Unknown(format!("rejected by gunicorn: {e}"))),
                };
                if !out.contains(&one) {
                    out.push(one);
                }
            }
            return Ok(if out.len() == 1 {
                out.pop().unwrap_or(Value::Unset)
            } else {
                Value::OneOf(out)
            });
        }
        _ => {}
    }
    match def.validator {
        Validator::PosInt
        | Validator::PosIntMax(_)
        | Validator::PosIntMin(_)
        | Validator::IntRange(..) => {
            let n = match v {
                PyValue::Int(n) => *n,
                PyValue::Bool(b) => i128::from(*b),
                PyValue::Str(s) => python_int(s, true).map_err(|e| match e {
                    IntError::Invalid => {
                        format!("invalid literal for int() with base 0: {}", py_repr(s))
                    }
                    IntError::TooLarge => format!("{s} is too large"),
                })?,
                _ => return Err("int() can't convert non-string with explicit base".into()),
            };
            match def.validator {
                Validator::IntRange(lo, hi) if n < i128::from(lo) || n > i128::from(hi) => {
                    return Err(format!(
                        "{} must be between {lo} and {hi}, got {n}",
                        def.name
                    ));
                }
                Validator::IntRange(..) => {}
                _ if n < 0 => return Err(format!("Value must be positive: {n}")),
                Validator::PosIntMax(hi) if n > i128::from(hi) => {
                    return Err(format!("HTTP/2 window size must be at most {hi}: {n}"));
                }
                Validator::PosIntMin(lo) if n < i128::from(lo) => {
                    return Err(format!(
                        "HTTP/2 max concurrent streams must be at least {lo}: {n}"
                    ));
                }
                _ => {}
            }
            Ok(int_value(def.kind, n))
        }
        Validator::Bool => match v {
            PyValue::None => Ok(Value::Unset),
            PyValue::Bool(b) => Ok(Value::Bool(*b)),
            PyValue::Str(s) => match py_strip(s).to_lowercase().as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("Invalid boolean: {s}")),
            },
            other => Err(format!("Invalid type for casting: {}", other.py_str())),
        },
        Validator::Str | Validator::Other(_) => match v {
            PyValue::None => Ok(Value::Unset),
            PyValue::Str(s) => Ok(Value::Str(py_strip(s).to_string())),
            PyValue::Int(n) if matches!(def.validator, Validator::Other(_)) => {
                Ok(int_value(def.kind, *n))
            }
            PyValue::Bool(b) if matches!(def.validator, Validator::Other(_)) => Ok(Value::Bool(*b)),
            other if matches!(def.validator, Validator::Other(_)) => Ok(Value::Unknown(format!(
                "{} (not checked by parity)",
                other.py_str()
            ))),
            other => Err(format!("Not a string: {}", other.py_str())),
        },
        Validator::ListStr => {
            if !v.truthy().unwrap_or(true) {
                return Ok(Value::List(Vec::new()));
            }
            match v {
                PyValue::Str(s) => Ok(Value::List(vec![Value::Str(py_strip(s).to_string())])),
                PyValue::List(items) => items
                    .iter()
                    .map(|i| match i {
                        PyValue::Str(s) => Ok(Value::Str(py_strip(s).to_string())),
                        PyValue::None => Ok(Value::Unset),
                        PyValue::Unknown(w) => Ok(Value::Unknown(w.clone())),
                        other => Err(format!("Not a string: {}", other.py_str())),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::List),
                PyValue::Int(_) | PyValue::Bool(_) | PyValue::Float(_) => {
                    Err(format!("'{}' object is not iterable", v.type_name()))
                }
                other => Ok(Value::Unknown(format!(
                    "{} (not checked by parity)",
                    other.py_str()
                ))),
            }
        }
        Validator::CommaList => match v {
            PyValue::None => Ok(Value::List(Vec::new())),
            PyValue::Str(s) => Ok(Value::List(comma_list(py_strip(s)))),
            other => Err(format!("Not a string: {}", other.py_str())),
        },
        Validator::Class => match v {
            PyValue::Str(s) => Ok(Value::Str(py_strip(s).to_string())),
            PyValue::None => Ok(Value::Unset),
            PyValue::Function(name) => {
                Ok(Value::Unknown(format!("the class returned by {name}()")))
            }
            other => Err(format!("Not a string: {}", other.py_str())),
        },
        Validator::Dict => match v {
            PyValue::Dict => Ok(Value::Unknown("a dict (contents not modelled)".into())),
            other => Err(format!("Value is not a dictionary: {} ", other.py_str())),
        },
        Validator::Callable => match v {
            PyValue::Function(name) => Ok(Value::Str(format!("{name}()"))),
            PyValue::Str(s) => Ok(Value::Unknown(format!("imported from {s}"))),
            other => Err(format!("Value is not callable: {}", other.py_str())),
        },
    }
}

/// True when gunicorn treats a `worker_class` string as the sync worker
/// (`Config.worker_class`: ends with `SyncWorker` or equals `sync`).
#[must_use]
pub fn is_sync_worker(raw: &str) -> bool {
    raw.ends_with("SyncWorker") || raw == "sync"
}

/// The bundled worker classes (`gunicorn.workers.SUPPORTED_WORKERS`) and the
/// eventlet worker removed in 26.0.
const WORKER_ALIASES: &[(&str, &str)] = &[
    ("sync", "gunicorn.workers.sync.SyncWorker"),
    ("gevent", "gunicorn.workers.ggevent.GeventWorker"),
    ("gevent_wsgi", "gunicorn.workers.ggevent.GeventPyWSGIWorker"),
    (
        "gevent_pywsgi",
        "gunicorn.workers.ggevent.GeventPyWSGIWorker",
    ),
    ("tornado", "gunicorn.workers.gtornado.TornadoWorker"),
    ("gthread", "gunicorn.workers.gthread.ThreadWorker"),
    ("asgi", "gunicorn.workers.gasgi.ASGIWorker"),
    ("eventlet", "gunicorn.workers.geventlet.EventletWorker"),
];

/// The short name of a worker class as `util.load_class` resolves it:
/// `#gevent` and `egg:gunicorn#gevent` (entry points, gunicorn < 20 and the
/// `#` form in every version) and full paths of bundled classes become the
/// alias; anything else (`uvicorn.workers.UvicornWorker`) is kept.
#[must_use]
pub fn normalize_worker_class(raw: &str) -> String {
    let s = raw
        .strip_prefix("egg:gunicorn#")
        .unwrap_or(raw)
        .trim_start_matches('#');
    if let Some((alias, _)) = WORKER_ALIASES.iter().find(|(a, _)| *a == s) {
        return (*alias).to_string();
    }
    if let Some((alias, _)) = WORKER_ALIASES.iter().find(|(_, path)| *path == s) {
        return (*alias).to_string();
    }
    raw.to_string()
}

// BEGIN GENERATED by scripts/gunicorn-settings-table.py from gunicorn 27.0.1
/// Every setting gunicorn 27.0.1 knows, in its own order (`config.KNOWN_SETTINGS`).
pub static SETTINGS: &[SettingDef] = &[
    SettingDef {
        name: "config",
        cli: &["-c", "--config"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("./gunicorn.conf.py"),
        section: "Config File",
        since: "all versions",
    },
    SettingDef {
        name: "wsgi_app",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Config File",
        since: "since 20.1.0",
    },
    SettingDef {
        name: "bind",
        cli: &["-b", "--bind"],
        action: Action::Append,
        kind: Kind::List,
        validator: Validator::ListStr,
        default: DefaultValue::Dynamic(
            "['0.0.0.0:$PORT'] if $PORT is set, else ['127.0.0.1:8000']",
        ),
        section: "Server Socket",
        since: "all versions",
    },
    SettingDef {
        name: "backlog",
        cli: &["--backlog"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(2048),
        section: "Server Socket",
        since: "all versions",
    },
    SettingDef {
        name: "workers",
        cli: &["-w", "--workers"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Dynamic("$WEB_CONCURRENCY if set, else 1"),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "worker_class",
        cli: &["-k", "--worker-class"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Class,
        default: DefaultValue::Str("sync"),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "threads",
        cli: &["--threads"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(1),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "worker_connections",
        cli: &["--worker-connections"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(1000),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "max_requests",
        cli: &["--max-requests"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(0),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "max_requests_jitter",
        cli: &["--max-requests-jitter"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(0),
        section: "Worker Processes",
        since: "since 19.2",
    },
    SettingDef {
        name: "timeout",
        cli: &["-t", "--timeout"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(30),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "graceful_timeout",
        cli: &["--graceful-timeout"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(30),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "keepalive",
        cli: &["--keep-alive"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(2),
        section: "Worker Processes",
        since: "all versions",
    },
    SettingDef {
        name: "limit_request_line",
        cli: &["--limit-request-line"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(4094),
        section: "Security",
        since: "all versions",
    },
    SettingDef {
        name: "limit_request_fields",
        cli: &["--limit-request-fields"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(100),
        section: "Security",
        since: "all versions",
    },
    SettingDef {
        name: "limit_request_field_size",
        cli: &["--limit-request-field_size"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(8190),
        section: "Security",
        since: "all versions",
    },
    SettingDef {
        name: "reload",
        cli: &["--reload"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Debugging",
        since: "all versions",
    },
    SettingDef {
        name: "reload_engine",
        cli: &["--reload-engine"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_reload_engine"),
        default: DefaultValue::Str("auto"),
        section: "Debugging",
        since: "since 19.7",
    },
    SettingDef {
        name: "reload_extra_files",
        cli: &["--reload-extra-file"],
        action: Action::Append,
        kind: Kind::List,
        validator: Validator::ListStr,
        default: DefaultValue::List(&[]),
        section: "Debugging",
        since: "since 19.8",
    },
    SettingDef {
        name: "spew",
        cli: &["--spew"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Debugging",
        since: "all versions",
    },
    SettingDef {
        name: "check_config",
        cli: &["--check-config"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Debugging",
        since: "all versions",
    },
    SettingDef {
        name: "print_config",
        cli: &["--print-config"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Debugging",
        since: "all versions",
    },
    SettingDef {
        name: "preload_app",
        cli: &["--preload"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "sendfile",
        cli: &["--no-sendfile"],
        action: Action::StoreConst("False"),
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "since 19.2",
    },
    SettingDef {
        name: "reuse_port",
        cli: &["--reuse-port"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 19.8",
    },
    SettingDef {
        name: "chdir",
        cli: &["--chdir"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_chdir"),
        default: DefaultValue::Dynamic("the working directory gunicorn starts in"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "daemon",
        cli: &["-D", "--daemon"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "raw_env",
        cli: &["-e", "--env"],
        action: Action::Append,
        kind: Kind::List,
        validator: Validator::ListStr,
        default: DefaultValue::List(&[]),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "pidfile",
        cli: &["-p", "--pid"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "worker_tmp_dir",
        cli: &["--worker-tmp-dir"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "user",
        cli: &["-u", "--user"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_user"),
        default: DefaultValue::Dynamic("the effective user id of the gunicorn process"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "group",
        cli: &["-g", "--group"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_group"),
        default: DefaultValue::Dynamic("the effective group id of the gunicorn process"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "umask",
        cli: &["-m", "--umask"],
        action: Action::Store(ArgType::AutoInt),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(0),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "initgroups",
        cli: &["--initgroups"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 19.7",
    },
    SettingDef {
        name: "tmp_upload_dir",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "secure_scheme_headers",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Dict,
        validator: Validator::Dict,
        default: DefaultValue::Dict(
            "{'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on'}",
        ),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "forwarded_allow_ips",
        cli: &["--forwarded-allow-ips"],
        action: Action::Store(ArgType::Str),
        kind: Kind::List,
        validator: Validator::CommaList,
        default: DefaultValue::CommaList("127.0.0.1,::1"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "accesslog",
        cli: &["--access-logfile"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "disable_redirect_access_to_syslog",
        cli: &["--disable-redirect-access-to-syslog"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Logging",
        since: "since 19.8",
    },
    SettingDef {
        name: "access_log_format",
        cli: &["--access-logformat"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str(
            "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\"",
        ),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "errorlog",
        cli: &["--error-logfile", "--log-file"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("-"),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "loglevel",
        cli: &["--log-level"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("info"),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "capture_output",
        cli: &["--capture-output"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Logging",
        since: "since 19.6",
    },
    SettingDef {
        name: "logger_class",
        cli: &["--logger-class"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Class,
        default: DefaultValue::Str("gunicorn.glogging.Logger"),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "logconfig",
        cli: &["--log-config"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "logconfig_dict",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Dict,
        validator: Validator::Dict,
        default: DefaultValue::Dict("{}"),
        section: "Logging",
        since: "since 19.8",
    },
    SettingDef {
        name: "logconfig_json",
        cli: &["--log-config-json"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Logging",
        since: "since 20.0",
    },
    SettingDef {
        name: "syslog_addr",
        cli: &["--log-syslog-to"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("udp://localhost:514"),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "syslog",
        cli: &["--log-syslog"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "syslog_prefix",
        cli: &["--log-syslog-prefix"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "syslog_facility",
        cli: &["--log-syslog-facility"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("user"),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "enable_stdio_inheritance",
        cli: &["-R", "--enable-stdio-inheritance"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "statsd_host",
        cli: &["--statsd-host"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_statsd_address"),
        default: DefaultValue::NoneValue,
        section: "Logging",
        since: "since 19.1",
    },
    SettingDef {
        name: "dogstatsd_tags",
        cli: &["--dogstatsd-tags"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str(""),
        section: "Logging",
        since: "since 20",
    },
    SettingDef {
        name: "statsd_prefix",
        cli: &["--statsd-prefix"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str(""),
        section: "Logging",
        since: "since 19.2",
    },
    SettingDef {
        name: "enable_backlog_metric",
        cli: &["--enable-backlog-metric"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Logging",
        since: "all versions",
    },
    SettingDef {
        name: "proc_name",
        cli: &["-n", "--name"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Process Naming",
        since: "all versions",
    },
    SettingDef {
        name: "default_proc_name",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("gunicorn"),
        section: "Process Naming",
        since: "all versions",
    },
    SettingDef {
        name: "pythonpath",
        cli: &["--pythonpath"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "paste",
        cli: &["--paste", "--paster"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "on_starting",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "on_reload",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "when_ready",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "pre_fork",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "post_fork",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "post_worker_init",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "worker_int",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "worker_abort",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "pre_exec",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "pre_request",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "post_request",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "child_exit",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "since 19.7",
    },
    SettingDef {
        name: "worker_exit",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "nworkers_changed",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "on_exit",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "all versions",
    },
    SettingDef {
        name: "ssl_context",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Server Hooks",
        since: "since 21.0",
    },
    SettingDef {
        name: "proxy_protocol",
        cli: &["--proxy-protocol"],
        action: Action::OptionalValue("auto"),
        kind: Kind::Str,
        validator: Validator::Other("validate_proxy_protocol"),
        default: DefaultValue::Str("off"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "proxy_allow_ips",
        cli: &["--proxy-allow-from"],
        action: Action::Store(ArgType::Str),
        kind: Kind::List,
        validator: Validator::CommaList,
        default: DefaultValue::CommaList("127.0.0.1,::1"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "protocol",
        cli: &["--protocol"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str("http"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "uwsgi_allow_ips",
        cli: &["--uwsgi-allow-from"],
        action: Action::Store(ArgType::Str),
        kind: Kind::List,
        validator: Validator::CommaList,
        default: DefaultValue::CommaList("127.0.0.1,::1"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "keyfile",
        cli: &["--keyfile"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "certfile",
        cli: &["--certfile"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "ssl_version",
        cli: &["--ssl-version"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_ssl_version"),
        default: DefaultValue::Dynamic("ssl.PROTOCOL_TLS (deprecated, ignored)"),
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "cert_reqs",
        cli: &["--cert-reqs"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Dynamic("ssl.CERT_NONE (0)"),
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "ca_certs",
        cli: &["--ca-certs"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "suppress_ragged_eofs",
        cli: &["--suppress-ragged-eofs"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(true),
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "do_handshake_on_connect",
        cli: &["--do-handshake-on-connect"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "ciphers",
        cli: &["--ciphers"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::NoneValue,
        section: "SSL",
        since: "all versions",
    },
    SettingDef {
        name: "http_protocols",
        cli: &["--http-protocols"],
        action: Action::Store(ArgType::Str),
        kind: Kind::List,
        validator: Validator::Other("validate_http_protocols"),
        default: DefaultValue::CommaList("h1"),
        section: "HTTP/2",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "http2_cleartext",
        cli: &["--http2-cleartext"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_http2_cleartext"),
        default: DefaultValue::Str("off"),
        section: "HTTP/2",
        since: "since 26.2.0",
    },
    SettingDef {
        name: "http2_max_concurrent_streams",
        cli: &["--http2-max-concurrent-streams"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosIntMin(1),
        default: DefaultValue::Int(100),
        section: "HTTP/2",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "http2_initial_window_size",
        cli: &["--http2-initial-window-size"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosIntMax(2147483647),
        default: DefaultValue::Int(65535),
        section: "HTTP/2",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "http2_max_frame_size",
        cli: &["--http2-max-frame-size"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::IntRange(16384, 16777215),
        default: DefaultValue::Int(16384),
        section: "HTTP/2",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "http2_max_header_list_size",
        cli: &["--http2-max-header-list-size"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(65536),
        section: "HTTP/2",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "raw_paste_global_conf",
        cli: &["--paste-global"],
        action: Action::Append,
        kind: Kind::List,
        validator: Validator::ListStr,
        default: DefaultValue::List(&[]),
        section: "Server Mechanics",
        since: "since 19.7",
    },
    SettingDef {
        name: "permit_obsolete_folding",
        cli: &["--permit-obsolete-folding"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 23.0.0",
    },
    SettingDef {
        name: "strip_header_spaces",
        cli: &["--strip-header-spaces"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 20.0.1",
    },
    SettingDef {
        name: "permit_unconventional_http_method",
        cli: &["--permit-unconventional-http-method"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 22.0.0",
    },
    SettingDef {
        name: "permit_unconventional_http_version",
        cli: &["--permit-unconventional-http-version"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 22.0.0",
    },
    SettingDef {
        name: "casefold_http_method",
        cli: &["--casefold-http-method"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Server Mechanics",
        since: "since 22.0.0",
    },
    SettingDef {
        name: "forwarder_headers",
        cli: &["--forwarder-headers"],
        action: Action::Store(ArgType::Str),
        kind: Kind::List,
        validator: Validator::CommaList,
        default: DefaultValue::CommaList("SCRIPT_NAME,PATH_INFO"),
        section: "Server Mechanics",
        since: "all versions",
    },
    SettingDef {
        name: "header_map",
        cli: &["--header-map"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_header_map_behaviour"),
        default: DefaultValue::Str("drop"),
        section: "Server Mechanics",
        since: "since 22.0.0",
    },
    SettingDef {
        name: "asgi_loop",
        cli: &["--asgi-loop"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_asgi_loop"),
        default: DefaultValue::Str("auto"),
        section: "Worker Processes",
        since: "since 24.0.0",
    },
    SettingDef {
        name: "asgi_lifespan",
        cli: &["--asgi-lifespan"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_asgi_lifespan"),
        default: DefaultValue::Str("auto"),
        section: "Worker Processes",
        since: "since 24.0.0",
    },
    SettingDef {
        name: "asgi_disconnect_grace_period",
        cli: &["--asgi-disconnect-grace-period"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(3),
        section: "Worker Processes",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "websocket_max_message_size",
        cli: &["--websocket-max-message-size"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(16777216),
        section: "Worker Processes",
        since: "since 26.3.0",
    },
    SettingDef {
        name: "http_parser",
        cli: &["--http-parser"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Other("validate_http_parser"),
        default: DefaultValue::Str("auto"),
        section: "Worker Processes",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "root_path",
        cli: &["--root-path"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Str(""),
        section: "Server Mechanics",
        since: "since 24.0.0",
    },
    SettingDef {
        name: "dirty_apps",
        cli: &["--dirty-app"],
        action: Action::Append,
        kind: Kind::List,
        validator: Validator::ListStr,
        default: DefaultValue::List(&[]),
        section: "Dirty Arbiters",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_workers",
        cli: &["--dirty-workers"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(0),
        section: "Dirty Arbiters",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_timeout",
        cli: &["--dirty-timeout"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(300),
        section: "Dirty Arbiters",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_threads",
        cli: &["--dirty-threads"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(1),
        section: "Dirty Arbiters",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_graceful_timeout",
        cli: &["--dirty-graceful-timeout"],
        action: Action::Store(ArgType::Int),
        kind: Kind::Seconds,
        validator: Validator::PosInt,
        default: DefaultValue::Int(30),
        section: "Dirty Arbiters",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "on_dirty_starting",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Dirty Arbiter Hooks",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_post_fork",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Dirty Arbiter Hooks",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_worker_init",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Dirty Arbiter Hooks",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "dirty_worker_exit",
        cli: &[],
        action: Action::FileOnly,
        kind: Kind::Hook,
        validator: Validator::Callable,
        default: DefaultValue::Hook,
        section: "Dirty Arbiter Hooks",
        since: "since 25.0.0",
    },
    SettingDef {
        name: "control_socket",
        cli: &["--control-socket"],
        action: Action::Store(ArgType::Str),
        kind: Kind::Str,
        validator: Validator::Str,
        default: DefaultValue::Dynamic("$HOME/.gunicorn/gunicorn.ctl"),
        section: "Control",
        since: "since 25.1.0",
    },
    SettingDef {
        name: "control_socket_mode",
        cli: &["--control-socket-mode"],
        action: Action::Store(ArgType::AutoInt),
        kind: Kind::Int,
        validator: Validator::PosInt,
        default: DefaultValue::Int(384),
        section: "Control",
        since: "since 25.1.0",
    },
    SettingDef {
        name: "control_socket_disable",
        cli: &["--no-control-socket"],
        action: Action::StoreTrue,
        kind: Kind::Bool,
        validator: Validator::Bool,
        default: DefaultValue::Bool(false),
        section: "Control",
        since: "since 25.1.0",
    },
];

/// argparse's option strings in registration order (this order appears in
/// `ambiguous option` messages). `None` = `-h/--help` or `-v/--version`.
pub static OPTION_STRINGS: &[(&str, OptionTarget)] = &[
    ("-h", OptionTarget::Help),
    ("--help", OptionTarget::Help),
    ("-v", OptionTarget::Version),
    ("--version", OptionTarget::Version),
    ("-c", OptionTarget::Setting(0)),
    ("--config", OptionTarget::Setting(0)),
    ("-b", OptionTarget::Setting(2)),
    ("--bind", OptionTarget::Setting(2)),
    ("--backlog", OptionTarget::Setting(3)),
    ("-w", OptionTarget::Setting(4)),
    ("--workers", OptionTarget::Setting(4)),
    ("-k", OptionTarget::Setting(5)),
    ("--worker-class", OptionTarget::Setting(5)),
    ("--threads", OptionTarget::Setting(6)),
    ("--worker-connections", OptionTarget::Setting(7)),
    ("--max-requests", OptionTarget::Setting(8)),
    ("--max-requests-jitter", OptionTarget::Setting(9)),
    ("-t", OptionTarget::Setting(10)),
    ("--timeout", OptionTarget::Setting(10)),
    ("--graceful-timeout", OptionTarget::Setting(11)),
    ("--keep-alive", OptionTarget::Setting(12)),
    ("--limit-request-line", OptionTarget::Setting(13)),
    ("--limit-request-fields", OptionTarget::Setting(14)),
    ("--limit-request-field_size", OptionTarget::Setting(15)),
    ("--reload", OptionTarget::Setting(16)),
    ("--reload-engine", OptionTarget::Setting(17)),
    ("--reload-extra-file", OptionTarget::Setting(18)),
    ("--spew", OptionTarget::Setting(19)),
    ("--check-config", OptionTarget::Setting(20)),
    ("--print-config", OptionTarget::Setting(21)),
    ("--preload", OptionTarget::Setting(22)),
    ("--no-sendfile", OptionTarget::Setting(23)),
    ("--reuse-port", OptionTarget::Setting(24)),
    ("--chdir", OptionTarget::Setting(25)),
    ("-D", OptionTarget::Setting(26)),
    ("--daemon", OptionTarget::Setting(26)),
    ("-e", OptionTarget::Setting(27)),
    ("--env", OptionTarget::Setting(27)),
    ("-p", OptionTarget::Setting(28)),
    ("--pid", OptionTarget::Setting(28)),
    ("--worker-tmp-dir", OptionTarget::Setting(29)),
    ("-u", OptionTarget::Setting(30)),
    ("--user", OptionTarget::Setting(30)),
    ("-g", OptionTarget::Setting(31)),
    ("--group", OptionTarget::Setting(31)),
    ("-m", OptionTarget::Setting(32)),
    ("--umask", OptionTarget::Setting(32)),
    ("--initgroups", OptionTarget::Setting(33)),
    ("--forwarded-allow-ips", OptionTarget::Setting(36)),
    ("--access-logfile", OptionTarget::Setting(37)),
    (
        "--disable-redirect-access-to-syslog",
        OptionTarget::Setting(38),
    ),
    ("--access-logformat", OptionTarget::Setting(39)),
    ("--error-logfile", OptionTarget::Setting(40)),
    ("--log-file", OptionTarget::Setting(40)),
    ("--log-level", OptionTarget::Setting(41)),
    ("--capture-output", OptionTarget::Setting(42)),
    ("--logger-class", OptionTarget::Setting(43)),
    ("--log-config", OptionTarget::Setting(44)),
    ("--log-config-json", OptionTarget::Setting(46)),
    ("--log-syslog-to", OptionTarget::Setting(47)),
    ("--log-syslog", OptionTarget::Setting(48)),
    ("--log-syslog-prefix", OptionTarget::Setting(49)),
    ("--log-syslog-facility", OptionTarget::Setting(50)),
    ("-R", OptionTarget::Setting(51)),
    ("--enable-stdio-inheritance", OptionTarget::Setting(51)),
    ("--statsd-host", OptionTarget::Setting(52)),
    ("--dogstatsd-tags", OptionTarget::Setting(53)),
    ("--statsd-prefix", OptionTarget::Setting(54)),
    ("--enable-backlog-metric", OptionTarget::Setting(55)),
    ("-n", OptionTarget::Setting(56)),
    ("--name", OptionTarget::Setting(56)),
    ("--pythonpath", OptionTarget::Setting(58)),
    ("--paste", OptionTarget::Setting(59)),
    ("--paster", OptionTarget::Setting(59)),
    ("--proxy-protocol", OptionTarget::Setting(76)),
    ("--proxy-allow-from", OptionTarget::Setting(77)),
    ("--protocol", OptionTarget::Setting(78)),
    ("--uwsgi-allow-from", OptionTarget::Setting(79)),
    ("--keyfile", OptionTarget::Setting(80)),
    ("--certfile", OptionTarget::Setting(81)),
    ("--ssl-version", OptionTarget::Setting(82)),
    ("--cert-reqs", OptionTarget::Setting(83)),
    ("--ca-certs", OptionTarget::Setting(84)),
    ("--suppress-ragged-eofs", OptionTarget::Setting(85)),
    ("--do-handshake-on-connect", OptionTarget::Setting(86)),
    ("--ciphers", OptionTarget::Setting(87)),
    ("--http-protocols", OptionTarget::Setting(88)),
    ("--http2-cleartext", OptionTarget::Setting(89)),
    ("--http2-max-concurrent-streams", OptionTarget::Setting(90)),
    ("--http2-initial-window-size", OptionTarget::Setting(91)),
    ("--http2-max-frame-size", OptionTarget::Setting(92)),
    ("--http2-max-header-list-size", OptionTarget::Setting(93)),
    ("--paste-global", OptionTarget::Setting(94)),
    ("--permit-obsolete-folding", OptionTarget::Setting(95)),
    ("--strip-header-spaces", OptionTarget::Setting(96)),
    (
        "--permit-unconventional-http-method",
        OptionTarget::Setting(97),
    ),
    (
        "--permit-unconventional-http-version",
        OptionTarget::Setting(98),
    ),
    ("--casefold-http-method", OptionTarget::Setting(99)),
    ("--forwarder-headers", OptionTarget::Setting(100)),
    ("--header-map", OptionTarget::Setting(101)),
    ("--asgi-loop", OptionTarget::Setting(102)),
    ("--asgi-lifespan", OptionTarget::Setting(103)),
    ("--asgi-disconnect-grace-period", OptionTarget::Setting(104)),
    ("--websocket-max-message-size", OptionTarget::Setting(105)),
    ("--http-parser", OptionTarget::Setting(106)),
    ("--root-path", OptionTarget::Setting(107)),
    ("--dirty-app", OptionTarget::Setting(108)),
    ("--dirty-workers", OptionTarget::Setting(109)),
    ("--dirty-timeout", OptionTarget::Setting(110)),
    ("--dirty-threads", OptionTarget::Setting(111)),
    ("--dirty-graceful-timeout", OptionTarget::Setting(112)),
    ("--control-socket", OptionTarget::Setting(117)),
    ("--control-socket-mode", OptionTarget::Setting(118)),
    ("--no-control-socket", OptionTarget::Setting(119)),
];

/// First code point (value 0) of each run of ten Unicode decimal digits (Python 3.11,
/// Unicode 14.0.0); `int()` accepts any of them.
pub(crate) static DECIMAL_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];
/// Characters Python's `str.strip()` (and so `int()`) treats as whitespace.
pub(crate) static PY_WHITESPACE: &[u32] = &[
    0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
    0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F,
    0x205F, 0x3000,
];
// END GENERATED

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_consistent() {
        assert_eq!(SETTINGS.len(), 120);
        let t = setting("timeout").unwrap();
        assert_eq!(t.cli, ["-t", "--timeout"]);
        assert_eq!(t.action, Action::Store(ArgType::Int));
        assert_eq!(default_value(t), Value::Duration(Millis::from_secs(30)));
        assert_eq!(
            default_value(setting("keepalive").unwrap()),
            Value::Duration(Millis::from_secs(2))
        );
        assert_eq!(
            default_value(setting("graceful_timeout").unwrap()),
            Value::Duration(Millis::from_secs(30))
        );
        assert_eq!(default_value(setting("backlog").unwrap()), Value::Int(2048));
        assert_eq!(
            default_value(setting("worker_connections").unwrap()),
            Value::Int(1000)
        );
        assert_eq!(
            default_value(setting("max_requests").unwrap()),
            Value::Int(0)
        );
        assert_eq!(default_value(setting("threads").unwrap()), Value::Int(1));
        assert_eq!(
            default_value(setting("worker_class").unwrap()),
            Value::Str("sync".into())
        );
        assert_eq!(setting("max_requests_jitter").unwrap().since, "since 19.2");
        assert!(is_hook("post_fork") && !is_hook("timeout"));
        assert!(!is_setting("keep_alive") && !is_setting("TIMEOUT"));
        // Every option string maps to a setting that lists it.
        for (opt, target) in OPTION_STRINGS {
            if let OptionTarget::Setting(i) = target {
                assert!(SETTINGS[*i].cli.contains(opt), "{opt}");
            }
        }
    }

    #[test]
    fn suggestions_for_misspelled_names() {
        assert_eq!(suggest("keep_alive"), Some("keepalive"));
        assert_eq!(suggest("TIMEOUT"), Some("timeout"));
        assert_eq!(suggest("workerclass"), Some("worker_class"));
        assert_eq!(suggest("graceful-timeout"), Some("graceful_timeout"));
        assert_eq!(suggest("max_request"), Some("max_requests"));
        assert_eq!(suggest("post_forks"), Some("post_fork"));
        assert_eq!(suggest("cores"), None);
        assert_eq!(suggest("x"), None);
    }

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 45 ", false), Ok(45));
        assert_eq!(python_int("010", false), Ok(10));
        assert_eq!(python_int("0x10", false), Err(IntError::Invalid));
        assert_eq!(python_int("0x10", true), Ok(16));
        assert_eq!(python_int("0X_1f", true), Ok(31));
        assert_eq!(python_int("010", true), Err(IntError::Invalid));
        assert_eq!(python_int("000", true), Ok(0));
        assert_eq!(python_int("0_0", true), Ok(0));
        assert_eq!(python_int("1_000", false), Ok(1000));
        assert_eq!(python_int("1__0", false), Err(IntError::Invalid));
        assert_eq!(python_int("_1", false), Err(IntError::Invalid));
        assert_eq!(python_int("1_", false), Err(IntError::Invalid));
        assert_eq!(python_int("+5", false), Ok(5));
        assert_eq!(python_int("-5", false), Ok(-5));
        assert_eq!(python_int("- 5", false), Err(IntError::Invalid));
        assert_eq!(python_int("\u{663}\u{664}", false), Ok(34));
        assert_eq!(python_int("\u{b2}", false), Err(IntError::Invalid));
        assert_eq!(python_int("\u{3000}7\u{a0}", false), Ok(7));
        assert_eq!(python_int("5.0", false), Err(IntError::Invalid));
        assert_eq!(python_int("", false), Err(IntError::Invalid));
        assert_eq!(python_int("0b101", true), Ok(5));
        assert_eq!(python_int("0o17", true), Ok(15));
        assert_eq!(auto_int("022"), Ok(18));
        assert_eq!(auto_int("0o22"), Ok(18));
        assert_eq!(auto_int("18"), Ok(18));
        assert_eq!(python_int(&"9".repeat(60), false), Err(IntError::TooLarge));
    }

    #[test]
    fn validators_follow_gunicorn() {
        let t = setting("timeout").unwrap();
        assert_eq!(
            validate(t, &PyValue::Str("0x10".into())),
            Ok(Value::Duration(Millis::from_secs(16)))
        );
        assert_eq!(
            validate(t, &PyValue::Str("abc".into())),
            Err("invalid literal for int() with base 0: 'abc'".into())
        );
        assert_eq!(
            validate(t, &PyValue::Int(-1)),
            Err("Value must be positive: -1".into())
        );
        assert_eq!(
            validate(t, &PyValue::Float(1.5)),
            Err("int() can't convert non-string with explicit base".into())
        );
        assert_eq!(
            validate(t, &PyValue::Bool(true)),
            Ok(Value::Duration(Millis::from_secs(1)))
        );
        let b = setting("bind").unwrap();
        assert_eq!(
            validate(b, &PyValue::Str(" 0.0.0.0:80 ".into())),
            Ok(Value::List(vec![Value::Str("0.0.0.0:80".into())]))
        );
        assert_eq!(
            validate(b, &PyValue::Str(String::new())),
            Ok(Value::List(vec![]))
        );
        let r = setting("reload").unwrap();
        assert_eq!(
            validate(r, &PyValue::Str("TRUE ".into())),
            Ok(Value::Bool(true))
        );
        assert!(validate(r, &PyValue::Str("yes".into())).is_err());
    }

    #[test]
    fn worker_class_names() {
        assert_eq!(
            normalize_worker_class("gunicorn.workers.sync.SyncWorker"),
            "sync"
        );
        assert_eq!(normalize_worker_class("egg:gunicorn#gevent"), "gevent");
        assert_eq!(normalize_worker_class("#gthread"), "gthread");
        assert_eq!(
            normalize_worker_class("uvicorn.workers.UvicornWorker"),
            "uvicorn.workers.UvicornWorker"
        );
        assert!(is_sync_worker("sync") && is_sync_worker("gunicorn.workers.sync.SyncWorker"));
        assert!(!is_sync_worker("#sync") && !is_sync_worker("egg:gunicorn#sync"));
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(py_repr("0x10"), "'0x10'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_repr("a\tb"), "'a\\tb'");
    }
}
