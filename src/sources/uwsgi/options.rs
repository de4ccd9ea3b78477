//! uWSGI's option table (generated from the 2.0.31 source into
//! `option_table.rs`) and the name lookups uWSGI itself performs: exact
//! `strcmp` for config files and environment variables (`uwsgi_opt_get`),
//! glibc `getopt_long` (exact name, else unique prefix) for the command line.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::option_table::OPTIONS;

/// Whether an option takes a value (`struct option.has_arg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A flag: `--master`.
    No,
    /// `--harakiri 30` or `--harakiri=30`.
    Required,
    /// Only `--http-keepalive=5`; a bare `--http-keepalive` has no value.
    Optional,
}

/// One row of uWSGI's option table (`struct uwsgi_option`).
#[derive(Debug, PartialEq, Eq)]
pub struct OptionDef {
    pub name: &'static str,
    /// Short flag letter, 0 when none.
    pub short: u8,
    pub arg: Arg,
    /// uWSGI's handler, e.g. `uwsgi_opt_set_int`: it decides how the value is read.
    pub func: &'static str,
    /// The variable the handler writes (C expression); options sharing
    /// `func` and `target` are aliases (`processes` / `workers`).
    pub target: &'static str,
    /// `UWSGI_OPT_*` bits, see [`flag`].
    pub flags: u16,
    /// `core` or the plugin directory the option comes from.
    pub plugin: &'static str,
    /// Part of the default build (`pip install uwsgi`): core plus its embedded plugins.
    pub default_build: bool,
}

/// `UWSGI_OPT_*` flag bits as defined in `uwsgi.h`.
pub mod flag {
    /// Applied while the configuration is read, before `$()`/`@()`/`%()` expansion.
    pub const IMMEDIATE: u16 = 1 << 0;
    /// Setting the option turns the master process on.
    pub const MASTER: u16 = 1 << 1;
    /// Turns the master and the master logger on.
    pub const LOG_MASTER: u16 = 1 << 2;
    /// Turns thread support on.
    pub const THREADS: u16 = 1 << 3;
    /// Turns request logging in the master on (implies the master).
    pub const REQ_LOG_MASTER: u16 = 1 << 14;
}

impl OptionDef {
    /// Applied at parse time with the raw value (no `$()`, `@()`, `%()` expansion).
    #[must_use]
    pub fn is_immediate(&self) -> bool {
        self.flags & flag::IMMEDIATE != 0
    }

    /// Setting this option switches the master process on (`UWSGI_OPT_MASTER` and friends).
    #[must_use]
    pub fn implies_master(&self) -> bool {
        self.flags & (flag::MASTER | flag::LOG_MASTER | flag::REQ_LOG_MASTER) != 0
    }

    /// Every occurrence adds to a list (sockets, hooks, env...) instead of
    /// replacing the previous value. Derived from the handler's name.
    #[must_use]
    pub fn is_repeatable(&self) -> bool {
        self.func.starts_with("uwsgi_opt_add")
            || self.func.contains("_list")
            || matches!(
                self.func,
                "uwsgi_opt_corerouter"
                    | "uwsgi_opt_https"
                    | "uwsgi_opt_https2"
                    | "uwsgi_opt_pythonpath"
                    | "uwsgi_opt_set_env"
                    | "uwsgi_opt_unset_env"
                    | "uwsgi_opt_load"
                    | "uwsgi_opt_load_ini"
                    | "uwsgi_opt_load_yml"
                    | "uwsgi_opt_load_json"
                    | "uwsgi_opt_load_xml"
                    | "uwsgi_opt_load_plugin"
                    | "uwsgi_opt_set_placeholder"
            )
    }

    /// True when `other` writes the same variable through the same handler.
    #[must_use]
    pub fn is_alias_of(&self, other: &OptionDef) -> bool {
        self.name == other.name
            || (self.func == other.func
                && self.target == other.target
                && self.target != "NULL"
                && !self.target.starts_with('"'))
    }
}

/// The whole table, in uWSGI's order.
#[must_use]
pub fn all() -> &'static [OptionDef] {
    OPTIONS
}

static BY_NAME: LazyLock<HashMap<&'static str, &'static OptionDef>> = LazyLock::new(|| {
    let mut map = HashMap::with_capacity(OPTIONS.len());
    for def in OPTIONS {
        map.entry(def.name).or_insert(def);
    }
    map
});

/// Exact lookup, as `uwsgi_opt_get` does for config files and `UWSGI_*` variables.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static OptionDef> {
    BY_NAME.get(name).copied()
}

/// The option a short flag stands for: the first in table order (`-s` is `socket`).
#[must_use]
pub fn by_short(c: u8) -> Option<&'static OptionDef> {
    if c == 0 {
        return None;
    }
    OPTIONS.iter().find(|d| d.short == c)
}

/// Why `getopt_long` rejected a long option name.
#[derive(Debug, PartialEq)]
pub enum LongMatchError {
    Unknown,
    /// Several options start with the given prefix.
    Ambiguous(Vec<&'static str>),
}

/// glibc `getopt_long` matching: an exact name, else the only option of the
/// default build starting with `name`.
///
/// # Errors
/// [`LongMatchError`] when no or several options match.
pub fn match_long(name: &str) -> Result<&'static OptionDef, LongMatchError> {
    if let Some(def) = lookup(name) {
        return Ok(def);
    }
    let candidates: Vec<&'static OptionDef> = OPTIONS
        .iter()
        .filter(|d| d.default_build && !name.is_empty() && d.name.starts_with(name))
        .collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(LongMatchError::Unknown),
        many => Err(LongMatchError::Ambiguous(
            many.iter().map(|d| d.name).collect(),
        )),
    }
}

/// The option `key` would be if underscores and case were normalised
/// (`max_requests` -> `max-requests`): uWSGI does not do this in files.
#[must_use]
pub fn near_miss(key: &str) -> Option<&'static OptionDef> {
    let normalised: String = key
        .trim()
        .chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if normalised == key {
        return None;
    }
    lookup(&normalised)
}

/// The option a key not in the table most likely meant: [`near_miss`], else
/// an option one edit away (two for long names) once `_` is `-` and case is
/// ignored. Short keys get no guess: `base` or `env` are usually placeholders.
#[must_use]
pub fn suggest(key: &str) -> Option<&'static str> {
    if let Some(def) = near_miss(key) {
        return Some(def.name);
    }
    let want: String = key
        .trim()
        .chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let n = want.chars().count();
    let max = match n {
        0..=4 => return None,
        5..=8 => 1,
        _ => 2,
    };
    let close = OPTIONS
        .iter()
        .filter(|o| o.name.len().abs_diff(want.len()) <= max)
        .map(|o| (edit_distance(&want, o.name), o.name))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name);
    // `chown` for `chown-socket`: the only option the key is the first word of.
    close.or_else(|| {
        let prefix = format!("{want}-");
        let mut starting = OPTIONS.iter().filter(|o| o.name.starts_with(&prefix));
        match (starting.next(), starting.next()) {
            (Some(only), None) => Some(only.name),
            _ => None,
        }
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_core_and_plugin_options() {
        let harakiri = lookup("harakiri").expect("harakiri");
        assert_eq!(harakiri.short, b't');
        assert_eq!(harakiri.arg, Arg::Required);
        assert_eq!(harakiri.func, "uwsgi_opt_set_int");
        let keepalive = lookup("http-keepalive").expect("http-keepalive");
        assert_eq!(keepalive.arg, Arg::Optional);
        assert_eq!(keepalive.plugin, "http");
        assert!(lookup("listen").is_some_and(OptionDef::is_immediate));
        assert!(lookup("ini").is_some_and(OptionDef::is_immediate));
        assert!(!lookup("inherit").is_some_and(OptionDef::is_immediate));
        assert!(lookup("max_requests").is_none());
        assert!(lookup("php-docroot").is_some_and(|d| !d.default_build));
    }

    #[test]
    fn aliases_share_handler_and_target() {
        let processes = lookup("processes").expect("processes");
        let workers = lookup("workers").expect("workers");
        assert!(processes.is_alias_of(workers));
        assert!(!processes.is_alias_of(lookup("threads").expect("threads")));
        // Two socket options share a NULL target but are not aliases.
        let socket = lookup("socket").expect("socket");
        assert!(!socket.is_alias_of(lookup("http-socket").expect("http-socket")));
    }

    #[test]
    fn short_flags_take_the_first_option() {
        assert_eq!(by_short(b's').map(|d| d.name), Some("socket"));
        assert_eq!(by_short(b'p').map(|d| d.name), Some("processes"));
        assert_eq!(by_short(b'M').map(|d| d.name), Some("master"));
        assert_eq!(by_short(b'y').map(|d| d.name), Some("yaml"));
    }

    #[test]
    fn long_prefixes_must_be_unique() {
        assert_eq!(match_long("harakiri").map(|d| d.name), Ok("harakiri"));
        assert!(matches!(
            match_long("harak"),
            Err(LongMatchError::Ambiguous(v)) if v.contains(&"harakiri-verbose")
        ));
        assert_eq!(match_long("die-on-te").map(|d| d.name), Ok("die-on-term"));
        assert_eq!(
            match_long("no-such-thing").err(),
            Some(LongMatchError::Unknown)
        );
    }

    #[test]
    fn near_misses_normalise_underscores_and_case() {
        assert_eq!(
            near_miss("max_requests").map(|d| d.name),
            Some("max-requests")
        );
        assert_eq!(near_miss("Harakiri").map(|d| d.name), Some("harakiri"));
        assert!(near_miss("harakiri").is_none());
        assert!(near_miss("project").is_none());
    }

    #[test]
    fn suggestions_for_typos_but_not_for_short_placeholders() {
        assert_eq!(suggest("max_requests"), Some("max-requests"));
        assert_eq!(suggest("harakri"), Some("harakiri"));
        assert_eq!(suggest("worker-reload-mecry"), Some("worker-reload-mercy"));
        assert_eq!(suggest("chown"), Some("chown-socket"));
        assert_eq!(suggest("base"), None);
        assert_eq!(suggest("project"), None);
    }
}
