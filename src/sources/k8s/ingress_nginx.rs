//! ingress-nginx settings: per-Ingress annotations and the controller
//! ConfigMap, parsed as the controller parses them.
//!
//! Annotations (`internal/ingress/annotations/proxy/main.go`): integer
//! annotations go through `strconv.Atoi`; on any error the controller uses
//! the ConfigMap value and says nothing (a klog warning at most). So
//! `proxy-read-timeout: "60s"` or `"1m"` silently means 60 s. Since v1.9 the
//! annotation validators run first (`ValidateInt`, and a regex for
//! `proxy-next-upstream`); a failing value is ignored the same way.
//! ingress-nginx has no per-Ingress `upstream-keepalive-*` annotations
//! (kubernetes/ingress-nginx#11472): such an annotation is ignored.
//!
//! ConfigMap (`internal/ingress/controller/template/configmap.go`): keys are
//! decoded by mapstructure with `WeaklyTypedInput`, i.e.
//! `strconv.ParseInt(value, 0, 64)` for integer keys (`0x10`, `010` octal and
//! `1_000` are accepted, an empty value is 0), and a case-insensitive key
//! match; a value that fails keeps the default with a logged warning.

use std::collections::BTreeMap;

use crate::origin::Origin;
use crate::span::Span;
use crate::value::{Millis, Setting, Value};

use super::scalar::{go_atoi, go_parse_int};
use super::{ConfigMap, Meta};

/// The default annotation prefix (the controller flag `--annotations-prefix`
/// can change it).
pub const ANNOTATION_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// Which controller versions the built-in defaults below hold for.
pub const DEFAULTS_VERSIONS: &str = "v1.x (config.go NewDefault)";

const TOOL: &str = "ingress-nginx";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Bare integer seconds.
    Seconds,
    /// A plain integer.
    Count,
    /// An nginx `proxy_next_upstream` condition list.
    Conditions,
    /// One of a few words the template copies into a directive verbatim
    /// (`proxy-buffering: "off"`, `proxy-http-version: "1.1"`); nginx would
    /// refuse any other word.
    Word(&'static [&'static str], &'static str),
}

#[derive(Clone, Copy)]
struct Key {
    /// Model key.
    key: &'static str,
    /// Annotation suffix and ConfigMap key.
    name: &'static str,
    kind: Kind,
    /// Built-in default (`Conditions` uses [`DEFAULT_NEXT_UPSTREAM`]).
    default: i64,
    /// ingress-nginx reads it from an Ingress annotation too.
    annotation: bool,
}

const DEFAULT_NEXT_UPSTREAM: &str = "error timeout";

const KEYS: &[Key] = &[
    key(
        "connect_timeout",
        "proxy-connect-timeout",
        Kind::Seconds,
        5,
        true,
    ),
    key(
        "read_timeout",
        "proxy-read-timeout",
        Kind::Seconds,
        60,
        true,
    ),
    key(
        "send_timeout",
        "proxy-send-timeout",
        Kind::Seconds,
        60,
        true,
    ),
    key(
        "next_upstream",
        "proxy-next-upstream",
        Kind::Conditions,
        0,
        true,
    ),
    key(
        "next_upstream_tries",
        "proxy-next-upstream-tries",
        Kind::Count,
        3,
        true,
    ),
    key(
        "next_upstream_timeout",
        "proxy-next-upstream-timeout",
        Kind::Seconds,
        0,
        true,
    ),
    // The template's `proxy_buffering`, `proxy_request_buffering` and
    // `proxy_http_version` (config.go defaults: off, on, 1.1).
    key(
        "buffering",
        "proxy-buffering",
        Kind::Word(&["on", "off"], "off"),
        0,
        true,
    ),
    key(
        "request_buffering",
        "proxy-request-buffering",
        Kind::Word(&["on", "off"], "on"),
        0,
        true,
    ),
    key(
        "http_version",
        "proxy-http-version",
        Kind::Word(&["1.0", "1.1"], "1.1"),
        0,
        true,
    ),
    key(
        "keepalive_timeout",
        "upstream-keepalive-timeout",
        Kind::Seconds,
        60,
        false,
    ),
    key(
        "keepalive_connections",
        "upstream-keepalive-connections",
        Kind::Count,
        320,
        false,
    ),
    key(
        "keepalive_requests",
        "upstream-keepalive-requests",
        Kind::Count,
        10000,
        false,
    ),
];

const fn key(
    key: &'static str,
    name: &'static str,
    kind: Kind,
    default: i64,
    annotation: bool,
) -> Key {
    Key {
        key,
        name,
        kind,
        default,
        annotation,
    }
}

/// Why the controller ignored an annotation or ConfigMap value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoredReason {
    /// An integer setting whose value the controller's integer parsing
    /// refuses (`"60s"`, `"1m"`).
    NotAnInteger,
    /// A word setting (`proxy-buffering`, `proxy-http-version`) with another word.
    NotAWord,
    /// A `proxy-next-upstream` value that fails validation.
    InvalidConditions,
    /// An annotation ingress-nginx does not read per Ingress (`upstream-keepalive-*`).
    NoSuchAnnotation,
}

impl IgnoredReason {
    /// The word policies read (`item.reason`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoredReason::NotAnInteger => "not-an-integer",
            IgnoredReason::NotAWord => "not-a-word",
            IgnoredReason::InvalidConditions => "invalid-conditions",
            IgnoredReason::NoSuchAnnotation => "no-such-annotation",
        }
    }
}

/// For an ignored annotation (`nginx.ingress.kubernetes.io/<name>`) or
/// controller ConfigMap key (matched case-insensitively, as mapstructure
/// does): the model key of the setting whose value is used instead, and why
/// the value was ignored. `None` for a name that is no setting parity reads.
#[must_use]
pub fn ignored_reason(name: &str, annotation: bool) -> Option<(&'static str, IgnoredReason)> {
    let suffix = if annotation {
        name.strip_prefix(ANNOTATION_PREFIX)?
    } else {
        name
    };
    let k = KEYS.iter().find(|k| {
        if annotation {
            k.name == suffix
        } else {
            k.name.eq_ignore_ascii_case(suffix)
        }
    })?;
    let reason = if annotation && !k.annotation {
        IgnoredReason::NoSuchAnnotation
    } else {
        match k.kind {
            Kind::Seconds | Kind::Count => IgnoredReason::NotAnInteger,
            Kind::Conditions => IgnoredReason::InvalidConditions,
            Kind::Word(..) => IgnoredReason::NotAWord,
        }
    };
    Some((k.key, reason))
}

/// The controller's settings from its ConfigMap, and the keys it ignored.
#[derive(Clone, Debug, PartialEq)]
pub struct ControllerConfig {
    /// Same keys as [`super::Ingress::settings`]; `Origin::File` where the
    /// ConfigMap sets a value the controller accepts, else the built-in default.
    pub settings: BTreeMap<&'static str, Setting>,
    /// `(ConfigMap key, value span, why)` for values the controller rejected
    /// (it logs a warning and keeps the default).
    pub ignored: Vec<IgnoredSetting>,
}

/// `(key or annotation, value span, why)`.
pub type IgnoredSetting = (String, Span, String);

fn default_value(k: &Key) -> Value {
    match k.kind {
        Kind::Seconds => Value::Duration(Millis::from_secs(k.default.unsigned_abs())),
        Kind::Count => Value::Int(k.default),
        Kind::Conditions => conditions(DEFAULT_NEXT_UPSTREAM),
        Kind::Word(_, default) => word_value(k, default),
    }
}

/// `on`/`off` as the flag nginx reads; other words (HTTP versions) as strings.
fn word_value(k: &Key, word: &str) -> Value {
    match (k.key, word) {
        ("buffering" | "request_buffering", "on") => Value::Bool(true),
        ("buffering" | "request_buffering", _) => Value::Bool(false),
        _ => Value::Str(word.to_owned()),
    }
}

fn word_setting(k: &Key, raw: &str) -> Result<Value, String> {
    let Kind::Word(words, _) = k.kind else {
        return Err(format!("`{}` is not a word setting", k.name));
    };
    let w = raw.trim();
    if words.contains(&w) {
        Ok(word_value(k, w))
    } else {
        Err(format!(
            "`{}` is not one of {}: the controller writes it into `{}` and nginx refuses the \
             configuration, so the controller keeps its previous one",
            raw.escape_debug(),
            words.join(", "),
            k.name.replace('-', "_")
        ))
    }
}

fn default_text(k: &Key) -> String {
    match k.kind {
        Kind::Conditions => format!("\"{DEFAULT_NEXT_UPSTREAM}\""),
        Kind::Word(_, default) => format!("\"{default}\""),
        _ => k.default.to_string(),
    }
}

fn conditions(s: &str) -> Value {
    Value::List(
        s.split_whitespace()
            .map(|w| Value::Str(w.to_owned()))
            .collect(),
    )
}

fn default_setting(k: &Key, anchor: Span) -> Setting {
    Setting::new(
        default_value(k),
        Origin::Default {
            tool: TOOL,
            versions: DEFAULTS_VERSIONS,
            anchor: Some(anchor),
        },
    )
}

/// An accepted integer as a setting value. nginx rejects a negative time or
/// count in the generated configuration, so the controller's reload fails
/// and it keeps serving its previous configuration.
fn int_setting(k: &Key, n: i64) -> Value {
    if n < 0 {
        let directive = k.name.replace('-', "_");
        return Value::Unknown(format!(
            "{} is negative ({n}): nginx rejects the generated `{directive}` and the \
             controller keeps its previous configuration",
            k.name
        ));
    }
    match k.kind {
        Kind::Seconds => Value::Duration(Millis::from_secs(n.unsigned_abs())),
        _ => Value::Int(n),
    }
}

/// Settings of one Ingress from its annotations; see [`super::Ingress::settings`].
pub(super) fn ingress_settings(
    meta: &Meta,
) -> (BTreeMap<&'static str, Setting>, Vec<IgnoredSetting>) {
    let mut settings = BTreeMap::new();
    let mut ignored = Vec::new();
    for k in KEYS {
        let name = format!("{ANNOTATION_PREFIX}{}", k.name);
        let found = meta.annotations.iter().rev().find(|(a, _)| *a == name);
        let Some((_, text)) = found else {
            settings.insert(k.key, default_setting(k, meta.name.span));
            continue;
        };
        if !k.annotation {
            ignored.push((
                name,
                text.span,
                format!(
                    "ingress-nginx has no per-Ingress `{}` annotation; upstream keepalive is set \
                     only in the controller ConfigMap (default {})",
                    k.name,
                    default_text(k)
                ),
            ));
            settings.insert(k.key, default_setting(k, meta.name.span));
            continue;
        }
        match annotation_value(k, &text.value) {
            Ok(value) => {
                settings.insert(k.key, Setting::new(value, Origin::File { span: text.span }));
            }
            Err(why) => {
                ignored.push((
                    name,
                    text.span,
                    format!(
                        "{why}; ingress-nginx ignores the annotation and uses the ConfigMap \
                         value (default {})",
                        default_text(k)
                    ),
                ));
                settings.insert(k.key, default_setting(k, meta.name.span));
            }
        }
    }
    (settings, ignored)
}

fn annotation_value(k: &Key, raw: &str) -> Result<Value, String> {
    match k.kind {
        Kind::Seconds | Kind::Count => match go_atoi(raw) {
            Ok(n) => Ok(int_setting(k, n)),
            Err(e) => {
                let unit_hint = if k.kind == Kind::Seconds && has_unit(raw) {
                    " (annotation timeouts are bare seconds: write \"60\", not \"60s\")"
                } else {
                    ""
                };
                Err(format!(
                    "`{}` is not an integer (strconv.Atoi: {}){unit_hint}",
                    raw.escape_debug(),
                    e.describe()
                ))
            }
        },
        Kind::Conditions => {
            // The validator runs on the raw value, unless it is empty.
            if !raw.is_empty() && !valid_next_upstream(raw) {
                return Err(format!(
                    "`{}` fails the proxy-next-upstream validation of ingress-nginx v1.9+ \
                     (conditions among error, timeout, invalid_header, http_500, http_502, \
                     http_503, http_504, http_403, http_404, http_429, non_idempotent, off, \
                     separated by single spaces)",
                    raw.escape_debug()
                ));
            }
            let normalized = normalize_string(raw);
            if normalized.is_empty() {
                return Err("the value is empty".to_owned());
            }
            Ok(conditions(&normalized))
        }
        Kind::Word(..) => word_setting(k, raw),
    }
}

/// A number followed by a time unit (`60s`, `1m`, `500ms`).
fn has_unit(raw: &str) -> bool {
    let digits = raw.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0
        && digits < raw.len()
        && raw[digits..]
            .bytes()
            .all(|b| matches!(b, b's' | b'm' | b'h' | b'd' | b'w' | b'y'))
}

/// The annotation parser's `normalizeString`: every line trimmed.
fn normalize_string(s: &str) -> String {
    s.split('\n').map(str::trim).collect::<Vec<_>>().join("\n")
}

/// `^((error|timeout|invalid_header|http_500|http_502|http_503|http_504|http_403|http_404|http_429|non_idempotent|off)\s?)+$`
/// (the words are prefix-free, so a greedy walk decides the match).
fn valid_next_upstream(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "error",
        "timeout",
        "invalid_header",
        "http_500",
        "http_502",
        "http_503",
        "http_504",
        "http_403",
        "http_404",
        "http_429",
        "non_idempotent",
        "off",
    ];
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let Some(w) = WORDS.iter().find(|w| rest.starts_with(**w)) else {
            return false;
        };
        rest = &rest[w.len()..];
        // Go's `\s` is [\t\n\f\r ].
        if let Some(c) = rest.bytes().next()
            && matches!(c, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
        {
            rest = &rest[1..];
        }
    }
    true
}

/// The controller settings a ConfigMap sets (the caller decides which
/// ConfigMap is the controller's, e.g. the one `--configmap` names).
#[must_use]
pub fn ingress_nginx_configmap(cm: &ConfigMap) -> BTreeMap<&'static str, Setting> {
    ingress_nginx_controller_config(cm).settings
}

/// [`ingress_nginx_configmap`] with the values the controller rejected.
#[must_use]
pub fn ingress_nginx_controller_config(cm: &ConfigMap) -> ControllerConfig {
    let mut settings = BTreeMap::new();
    let mut ignored = Vec::new();
    for k in KEYS {
        // mapstructure: the exact key first, then any case-insensitive match.
        let found = cm.data.iter().find(|(key, _)| key == k.name).or_else(|| {
            cm.data
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k.name))
        });
        let Some((key, text)) = found else {
            settings.insert(k.key, default_setting(k, cm.meta.name.span));
            continue;
        };
        let value = match k.kind {
            Kind::Seconds | Kind::Count => {
                let raw = if text.value.is_empty() {
                    "0"
                } else {
                    text.value.as_str()
                };
                match go_parse_int(raw, 0) {
                    Ok(n) => Ok(int_setting(k, n)),
                    Err(e) => Err(format!(
                        "`{}` is not an integer (the controller decodes ConfigMap integers with \
                         strconv.ParseInt base 0: {}); it logs a warning and keeps the default {}",
                        text.value.escape_debug(),
                        e.describe(),
                        default_text(k)
                    )),
                }
            }
            Kind::Conditions => Ok(if text.value.trim().is_empty() {
                Value::Unknown(
                    "proxy-next-upstream is empty: nginx rejects `proxy_next_upstream ;`"
                        .to_owned(),
                )
            } else {
                conditions(&text.value)
            }),
            Kind::Word(..) => word_setting(k, &text.value),
        };
        match value {
            Ok(v) => {
                settings.insert(k.key, Setting::new(v, Origin::File { span: text.span }));
            }
            Err(why) => {
                ignored.push((key.clone(), text.span, why));
                settings.insert(k.key, default_setting(k, cm.meta.name.span));
            }
        }
    }
    ControllerConfig { settings, ignored }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_upstream_validation_matches_the_regex() {
        for ok in [
            "error timeout",
            "error timeout http_502",
            "off",
            "error\ttimeout",
            "error timeout ",
            "errortimeout",
            "non_idempotent",
        ] {
            assert!(valid_next_upstream(ok), "{ok:?}");
        }
        for bad in [
            "",
            "error  timeout",
            " error",
            "error,timeout",
            "http_501",
            "timeout 10s",
            "ERROR",
        ] {
            assert!(!valid_next_upstream(bad), "{bad:?}");
        }
    }

    #[test]
    fn ignored_values_are_classified_by_the_setting_kind() {
        let a = |n: &str| ignored_reason(&format!("{ANNOTATION_PREFIX}{n}"), true);
        assert_eq!(
            a("proxy-read-timeout"),
            Some(("read_timeout", IgnoredReason::NotAnInteger))
        );
        assert_eq!(
            a("proxy-next-upstream-tries"),
            Some(("next_upstream_tries", IgnoredReason::NotAnInteger))
        );
        assert_eq!(
            a("proxy-buffering"),
            Some(("buffering", IgnoredReason::NotAWord))
        );
        assert_eq!(
            a("proxy-next-upstream"),
            Some(("next_upstream", IgnoredReason::InvalidConditions))
        );
        assert_eq!(
            a("upstream-keepalive-timeout"),
            Some(("keepalive_timeout", IgnoredReason::NoSuchAnnotation))
        );
        assert_eq!(a("proxy-body-size"), None);
        assert_eq!(ignored_reason("proxy-read-timeout", true), None);
        assert_eq!(
            ignored_reason("Upstream-Keepalive-Timeout", false),
            Some(("keepalive_timeout", IgnoredReason::NotAnInteger))
        );
    }

    #[test]
    fn units_are_recognised_for_the_hint() {
        assert!(has_unit("60s"));
        assert!(has_unit("1m"));
        assert!(has_unit("500ms"));
        assert!(!has_unit("60"));
        assert!(!has_unit("s"));
        assert!(!has_unit("6o"));
    }
}
