//! From uWSGI's option list to typed settings: each option read the way its
//! handler reads it (`atoi` for `uwsgi_opt_set_int`, `strtoul` for
//! `uwsgi_opt_set_64bit`, `false`/`off`/`no`/`0` for flags), the last
//! occurrence winning, plus the fallbacks uWSGI applies at run time.

use crate::origin::Origin;
use crate::span::Span;
use crate::value::{Millis, Setting, Value};

use super::options::{self, OptionDef};
use super::resolve::{Exported, ResolvedUwsgi, strtoll};

/// How a setting's value is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Seconds through `atoi` (a C int).
    Secs,
    /// Seconds through `strtoul` (unsigned 64-bit).
    Secs64,
    /// A count through `atoi`.
    Int,
    /// A count through `strtoul`.
    Int64,
    Bool,
    /// Every occurrence, in order.
    StrList,
}

/// Settings parity reports, by uWSGI option name, with their 2.0.x defaults.
const SETTINGS: &[(&str, Kind, Option<u64>)] = &[
    ("harakiri", Kind::Secs, Some(0)),
    ("harakiri-graceful-timeout", Kind::Secs, Some(0)),
    ("http-timeout", Kind::Secs, Some(60)),
    ("http-headers-timeout", Kind::Secs, None),
    ("http-connect-timeout", Kind::Secs, None),
    ("socket-timeout", Kind::Secs, Some(4)),
    ("http-keepalive", Kind::Int, Some(0)),
    ("max-requests", Kind::Int64, Some(0)),
    ("max-requests-delta", Kind::Int64, Some(0)),
    ("max-worker-lifetime", Kind::Secs64, Some(0)),
    ("max-worker-lifetime-delta", Kind::Secs, Some(0)),
    ("min-worker-lifetime", Kind::Secs64, Some(10)),
    ("reload-mercy", Kind::Secs, Some(0)),
    ("worker-reload-mercy", Kind::Secs, Some(60)),
    ("die-on-term", Kind::Bool, Some(0)),
    ("hook-master-start", Kind::StrList, None),
    ("listen", Kind::Int, Some(100)),
    ("processes", Kind::Int, Some(1)),
    ("threads", Kind::Int, Some(1)),
    ("master", Kind::Bool, Some(0)),
    ("lazy-apps", Kind::Bool, Some(0)),
    ("so-keepalive", Kind::Bool, Some(0)),
];

/// Names of the settings in [`ResolvedUwsgi::settings`](super::ResolvedUwsgi::settings).
///
/// Values: timeouts are durations (`harakiri` 0 = off; `http-timeout` 0 means
/// 60 s; `http-headers-timeout` and `http-connect-timeout` default to the
/// effective `http-timeout`; `reload-mercy` 0 means 3 s, the fallback in
/// `core/master_utils.c`); `http-keepalive` is an int (0 off, 1 on, > 1 the
/// idle timeout in seconds); `hook-master-start` a list of strings; `master`
/// is also switched on by options flagged `UWSGI_OPT_MASTER` unless a
/// `master` option says otherwise.
pub const SETTING_NAMES: &[&str] = &[
    "harakiri",
    "harakiri-graceful-timeout",
    "http-timeout",
    "http-headers-timeout",
    "http-connect-timeout",
    "socket-timeout",
    "http-keepalive",
    "max-requests",
    "max-requests-delta",
    "max-worker-lifetime",
    "max-worker-lifetime-delta",
    "min-worker-lifetime",
    "reload-mercy",
    "worker-reload-mercy",
    "die-on-term",
    "hook-master-start",
    "listen",
    "processes",
    "threads",
    "master",
    "lazy-apps",
    "so-keepalive",
];

/// `uwsgi_opt_true`: anything but `false`/`off`/`no` (any case) or `0` is on.
#[must_use]
pub(super) fn opt_true(v: &str) -> bool {
    !(v.eq_ignore_ascii_case("false")
        || v.eq_ignore_ascii_case("off")
        || v.eq_ignore_ascii_case("no")
        || v == "0")
}

/// C `strtoul(s, NULL, 10)`: a minus sign negates in unsigned arithmetic.
fn strtoul(s: &str) -> u64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or_default()),
        Some(b'+') => (false, t.get(1..).unwrap_or_default()),
        _ => (false, t),
    };
    let mut n: u64 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(c - b'0')))
        {
            Some(v) => n = v,
            None => return u64::MAX,
        }
    }
    if neg { n.wrapping_neg() } else { n }
}

/// C `atoi`: `strtol` narrowed to an `int`.
#[allow(clippy::cast_possible_truncation)]
fn atoi(s: &str) -> i32 {
    strtoll(s) as i32
}

fn default_origin(anchor: Span) -> Origin {
    Origin::Default {
        tool: "uWSGI",
        versions: "2.0.x",
        anchor: Some(anchor),
    }
}

fn origin_of(e: &Exported) -> Origin {
    match e.value.as_ref().and_then(|v| v.env.clone()) {
        Some((var, span)) if !matches!(e.origin, Origin::Env { .. }) => Origin::Env { var, span },
        _ => e.origin.clone(),
    }
}

fn secs(n: u64) -> Value {
    Value::Duration(Millis::from_secs(n))
}

/// One occurrence read by the option's handler. `Err` when uWSGI refuses it.
fn convert(kind: Kind, e: &Exported) -> Result<Value, String> {
    let Some(v) = &e.value else {
        // A flag without a value: set_int/set_64bit store 1, flags are on.
        return Ok(match kind {
            Kind::Secs | Kind::Secs64 => secs(1),
            Kind::Int | Kind::Int64 => Value::Int(1),
            Kind::Bool => Value::Bool(true),
            Kind::StrList => Value::List(Vec::new()),
        });
    };
    if let Some(why) = &v.unknown {
        return Ok(Value::Unknown(why.clone()));
    }
    if kind != Kind::StrList && v.text.contains("${") {
        // Not uWSGI syntax: such files are rendered by a template step
        // (envsubst...) before uWSGI reads them; uWSGI itself would read
        // the text literally (atoi gives 0).
        return Ok(Value::Unknown(format!(
            "`{}` uses ${{...}}, which uWSGI does not expand (only $(VAR)): the file must be rendered by a template step first",
            v.text
        )));
    }
    Ok(match kind {
        Kind::Secs | Kind::Int => {
            let n = atoi(&v.text);
            if n < 0 {
                return Err(format!(
                    "invalid value for option \"{}\": must be > 0 (uWSGI exits)",
                    e.key
                ));
            }
            if kind == Kind::Secs {
                secs(n.unsigned_abs().into())
            } else {
                Value::Int(i64::from(n))
            }
        }
        Kind::Secs64 => secs(strtoul(&v.text)),
        Kind::Int64 => Value::Int(i64::try_from(strtoul(&v.text)).unwrap_or(i64::MAX)),
        Kind::Bool => Value::Bool(opt_true(&v.text)),
        Kind::StrList => Value::Str(v.text.clone()),
    })
}

/// Folds occurrences: an unconditional one replaces what came before, a
/// conditional one adds a possibility.
struct Fold {
    possible: Vec<(Value, Origin)>,
}

impl Fold {
    fn new(value: Value, origin: Origin) -> Fold {
        Fold {
            possible: vec![(value, origin)],
        }
    }

    fn push(&mut self, value: Value, origin: Origin, conditional: bool) {
        if conditional {
            if let Some(slot) = self.possible.iter_mut().find(|(v, _)| *v == value) {
                slot.1 = origin;
            } else {
                self.possible.push((value, origin));
            }
        } else {
            self.possible = vec![(value, origin)];
        }
    }

    fn map(&mut self, f: impl Fn(&Value) -> Value) {
        for (v, _) in &mut self.possible {
            *v = f(v);
        }
    }

    fn setting(self) -> Setting {
        let mut possible = self.possible;
        match possible.len() {
            0 => Setting::new(
                Value::Unset,
                Origin::Default {
                    tool: "uWSGI",
                    versions: "2.0.x",
                    anchor: None,
                },
            ),
            1 => {
                let (v, o) = possible.remove(0);
                Setting::new(v, o)
            }
            _ => {
                let origin = possible.last().map(|(_, o)| o.clone());
                let values = possible.into_iter().map(|(v, _)| v).collect();
                Setting::new(
                    Value::OneOf(values),
                    origin.unwrap_or(Origin::Default {
                        tool: "uWSGI",
                        versions: "2.0.x",
                        anchor: None,
                    }),
                )
            }
        }
    }
}

/// The entries that set `def` (under any alias name).
fn occurrences<'e>(
    exported: &'e [Exported],
    def: &'static OptionDef,
) -> impl Iterator<Item = &'e Exported> {
    exported
        .iter()
        .filter(move |e| e.def.is_some_and(|d| d.is_alias_of(def)))
}

/// A config file that could not be read, at its place in the option list:
/// any option may be set there.
#[derive(Clone, Debug)]
pub(super) struct Wildcard {
    /// Options before it have an index below `position`.
    pub position: usize,
    pub reason: String,
    pub span: Span,
    /// Read only under a condition parity cannot evaluate.
    pub condition: bool,
}

/// Fills `out.settings` and `out.protocols` from the option list.
pub(super) fn compute(
    exported: &[Exported],
    wildcards: &[Wildcard],
    anchor: Span,
    out: &mut ResolvedUwsgi,
) {
    for &(name, kind, default) in SETTINGS {
        let Some(def) = options::lookup(name) else {
            continue;
        };
        let default_value = match (kind, default) {
            (_, None) | (Kind::StrList, _) => Value::Unset,
            (Kind::Secs | Kind::Secs64, Some(n)) => secs(n),
            (Kind::Int | Kind::Int64, Some(n)) => Value::Int(i64::try_from(n).unwrap_or(i64::MAX)),
            (Kind::Bool, Some(n)) => Value::Bool(n != 0),
        };
        if kind == Kind::StrList {
            let items: Vec<&Exported> = occurrences(exported, def).collect();
            let mut list: Vec<Value> = items.iter().filter_map(|e| convert(kind, e).ok()).collect();
            // A file parity cannot read may add items.
            list.extend(wildcards.iter().map(|w| Value::Unknown(w.reason.clone())));
            let origin = match (items.last(), wildcards.last()) {
                (Some(last), _) => origin_of(last),
                (None, Some(w)) => Origin::File { span: w.span },
                (None, None) => default_origin(anchor),
            };
            out.settings
                .insert(def.name, Setting::new(Value::List(list), origin));
            continue;
        }
        let mut fold = Fold::new(default_value, default_origin(anchor));
        let mut any = false;
        let mut pending = wildcards.iter().peekable();
        for (index, e) in exported.iter().enumerate() {
            while let Some(w) = pending.next_if(|w| w.position <= index) {
                fold.push(
                    Value::Unknown(w.reason.clone()),
                    Origin::File { span: w.span },
                    w.condition,
                );
            }
            if !e.def.is_some_and(|d| d.is_alias_of(def)) {
                continue;
            }
            any = true;
            match convert(kind, e) {
                Ok(v) => fold.push(v, origin_of(e), e.condition.is_some()),
                Err(msg) => {
                    let span = e.value.as_ref().map_or(anchor, |v| v.span);
                    out.problems
                        .push(crate::diag::Problem::parse(span, msg.clone()));
                    fold.push(Value::Unknown(msg), origin_of(e), e.condition.is_some());
                }
            }
        }
        for w in pending {
            fold.push(
                Value::Unknown(w.reason.clone()),
                Origin::File { span: w.span },
                w.condition,
            );
        }
        if name == "master" && !any {
            // Options flagged UWSGI_OPT_MASTER switch the master on when added.
            for e in exported
                .iter()
                .filter(|e| e.def.is_some_and(OptionDef::implies_master))
            {
                fold.push(Value::Bool(true), origin_of(e), e.condition.is_some());
            }
        }
        match name {
            "http-timeout" => fold.map(|v| zero_means(v, secs(60))),
            "reload-mercy" => fold.map(|v| zero_means(v, secs(3))),
            _ => {}
        }
        out.settings.insert(def.name, fold.setting());
    }
    // The router's header and connect timeouts fall back to http-timeout.
    let http_timeout = out.settings.get("http-timeout").cloned();
    for name in ["http-headers-timeout", "http-connect-timeout"] {
        let Some(setting) = out.settings.get_mut(name) else {
            continue;
        };
        let Some(effective) = &http_timeout else {
            continue;
        };
        let unset = matches!(setting.value, Value::Unset | Value::Duration(Millis(0)));
        if unset {
            *setting = effective.clone();
        } else if let Value::OneOf(vs) = &setting.value {
            let vs = vs
                .iter()
                .map(|v| match v {
                    Value::Unset | Value::Duration(Millis(0)) => effective.value.clone(),
                    v => v.clone(),
                })
                .collect();
            setting.value = Value::OneOf(vs);
        }
    }
    protocols(exported, out);
}

fn zero_means(v: &Value, instead: Value) -> Value {
    match v {
        Value::Duration(Millis(0)) => instead,
        v => v.clone(),
    }
}

/// Socket-creating options and HTTP routers, in order.
fn protocols(exported: &[Exported], out: &mut ResolvedUwsgi) {
    for e in exported {
        let Some(def) = e.def else { continue };
        let socket = matches!(
            def.func,
            "uwsgi_opt_add_socket"
                | "uwsgi_opt_add_ssl_socket"
                | "uwsgi_opt_add_socket_no_defer"
                | "uwsgi_opt_add_lazy_socket"
        );
        let router = def.plugin == "http" && matches!(def.name, "http" | "https" | "https2");
        if !(socket || router) {
            continue;
        }
        let Some(v) = &e.value else { continue };
        let address = if def.func == "uwsgi_opt_add_ssl_socket" || def.name.starts_with("https") {
            v.text.split(',').next().unwrap_or_default().to_string()
        } else {
            v.text.clone()
        };
        let span = e.origin.span().unwrap_or(v.span);
        out.protocols.push((def.name.to_string(), address, span));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_number_parsing() {
        assert_eq!(atoi(" 30s"), 30);
        assert_eq!(atoi("$(X)"), 0);
        assert_eq!(atoi("-5"), -5);
        assert_eq!(atoi("99999999999"), 1_215_752_191);
        assert_eq!(atoi("9223372036854775808"), -1);
        assert_eq!(strtoul("-1"), u64::MAX);
        assert_eq!(strtoul("18446744073709551616"), u64::MAX);
        assert_eq!(strtoul("+12x"), 12);
    }

    #[test]
    fn flags_read_like_uwsgi() {
        for off in ["false", "OFF", "No", "0"] {
            assert!(!opt_true(off));
        }
        for on in ["true", "1", "", "yes", "00", "enabled"] {
            assert!(opt_true(on));
        }
    }

    #[test]
    fn setting_names_match_the_table() {
        assert_eq!(SETTING_NAMES.len(), SETTINGS.len());
        for (name, (s, _, _)) in SETTING_NAMES.iter().zip(SETTINGS) {
            assert_eq!(name, s);
            assert!(options::lookup(name).is_some(), "{name}");
        }
    }
}
