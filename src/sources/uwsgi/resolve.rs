//! Replays uWSGI's configuration pipeline (`uwsgi_setup`): environment,
//! command line with files read in place, the `$`/`@`/`%` passes, then the
//! in-order application of every option. See the module docs of
//! [`super`] for the order; this file keeps uWSGI's `exported_opts` list.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use crate::diag::Problem;
use crate::origin::Origin;
use crate::sources::shell::Word;
use crate::span::{FileId, Span, Spanned};
use crate::value::Setting;

use super::magic::{self, MagicTable};
use super::options::{self, OptionDef};
use super::{Format, cli, settings};

/// Nesting limit for config files including config files (each level is a
/// few recursive calls; 64 keeps a debug build inside a 2 MiB thread stack).
const MAX_DEPTH: usize = 64;
/// Total config file loads per resolution (includes can fan out).
const MAX_LOADS: usize = 2000;
/// Total options per resolution (`for-times` and includes can multiply them).
const MAX_OPTIONS: usize = 200_000;
/// Substitutions per value in one pass (`a = x%(a)` never ends in uWSGI).
const MAX_SUBSTITUTIONS: usize = 256;
/// Length of a value after substitutions.
const MAX_VALUE_LEN: usize = 64 * 1024;

/// The environment variables uWSGI reserves for itself (`parse_sys_envs`).
const RESERVED_ENV: &[&str] = &[
    "UWSGI_RELOADS",
    "UWSGI_VASSALS_DIR",
    "UWSGI_EMPEROR_FD",
    "UWSGI_BROODLORD_NUM",
    "UWSGI_EMPEROR_FD_CONFIG",
    "UWSGI_EMPEROR_PROXY",
    "UWSGI_JAIL_PID",
    "UWSGI_ORIGINAL_PROC_NAME",
];

/// A config file as the `load` callback gives it: id, text, repository path.
pub type LoadedFile = (FileId, Arc<str>, String);

/// Everything a uWSGI process is started with.
pub struct UwsgiInputs<'a> {
    /// argv after the `uwsgi` program word.
    pub args: &'a [Word],
    /// The deployment environment: value and where it is set.
    pub env: &'a dyn Fn(&str) -> Option<(String, Span)>,
    /// A config file named as uWSGI opens it (relative to the process working
    /// directory): its file id, text and repository path; `None` when the
    /// file is not in the repository.
    pub load: &'a dyn Fn(&str) -> Option<LoadedFile>,
    /// Where defaults point (e.g. the command line).
    pub anchor: Span,
}

/// Knobs for [`resolve_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// The environment given is the process's whole environment: a variable
    /// `env` does not know is unset (rather than unknown).
    pub env_complete: bool,
}

/// One entry of uWSGI's option list (`exported_opts`), after the passes.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportedOption {
    pub key: String,
    /// `None` for a command-line flag given without a value.
    pub value: Option<String>,
    /// Why the value cannot be known statically (then `value` keeps the text
    /// uWSGI would see when the unknown part is left unexpanded).
    pub unknown: Option<String>,
    pub origin: Origin,
    pub key_span: Option<Span>,
    /// The option, `None` for a placeholder.
    pub option: Option<&'static OptionDef>,
    /// Applied while reading, with its raw value (no `$()`/`@()`/`%()`).
    pub immediate: bool,
    /// Defined with `set-placeholder`/`set-ph`: never expanded, never applied.
    pub placeholder_only: bool,
    /// Only present when a condition parity cannot evaluate holds
    /// (`if-env` on a variable of unknown value, `if-exists`...).
    pub condition: Option<String>,
    /// Loaded by `inherit`: added after the passes, so never expanded.
    pub inherited: bool,
}

/// uWSGI's view of one process's configuration.
#[derive(Clone, Debug, Default)]
pub struct ResolvedUwsgi {
    /// Effective values (the last occurrence wins, defaults otherwise); keys
    /// are option names, see [`super::SETTING_NAMES`].
    pub settings: BTreeMap<&'static str, Setting>,
    /// Listening sockets and routers: (option, address, span). Option is e.g.
    /// `socket`, `uwsgi-socket`, `http-socket`, `http11-socket`, `http`.
    pub protocols: Vec<(String, String, Span)>,
    /// Keys that are not options (mistyped, `max_requests` with underscores,
    /// or deliberate placeholders), where written.
    pub placeholders: Vec<Spanned<String>>,
    /// Placeholders that are an option once `_` is `-` and case is ignored:
    /// almost certainly meant as that option, which uWSGI silently ignores.
    pub near_misses: Vec<(Spanned<String>, &'static str)>,
    /// Immediate options (`listen`, `ini`...) whose value holds `$(VAR)`:
    /// uWSGI does not expand it there. The string is the option name.
    pub immediate_env: Vec<Spanned<String>>,
    /// Names read as placeholders (`%(name)`, the names of a `%(a + b)`
    /// expression, `if-opt`/`if-not-opt`): keys that are not options but are
    /// used on purpose.
    pub referenced: BTreeSet<String>,
    pub config_files: Vec<FileId>,
    /// Config files named but not in the repository (or behind a URL scheme).
    pub unresolved: Vec<Spanned<String>>,
    pub problems: Vec<Problem>,
    /// Every option in uWSGI's order.
    pub options: Vec<ExportedOption>,
}

impl ResolvedUwsgi {
    /// What `uwsgi --get KEY` prints: the first occurrence of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&ExportedOption> {
        self.options.iter().find(|o| o.key == key)
    }

    /// Every occurrence of `key`, in the order uWSGI applies them.
    pub fn all<'s>(&'s self, key: &'s str) -> impl Iterator<Item = &'s ExportedOption> + 's {
        self.options.iter().filter(move |o| o.key == key)
    }
}

/// Resolves a uWSGI process's configuration; unknown environment variables
/// are treated as unknown values.
#[must_use]
pub fn resolve(inputs: &UwsgiInputs) -> ResolvedUwsgi {
    resolve_with(inputs, ResolveOptions::default())
}

/// [`resolve`] with options.
#[must_use]
pub fn resolve_with(inputs: &UwsgiInputs, opts: ResolveOptions) -> ResolvedUwsgi {
    let mut r = Resolver::new(inputs, opts);
    r.parse_env();
    r.parse_cli();
    if !r.fatal_cli {
        r.pass(b'$');
        r.pass(b'@');
        r.pass(b'%');
        r.configure();
    }
    r.finish()
}

/// A value while it is being resolved.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Val {
    pub text: String,
    pub unknown: Option<String>,
    /// The last `$(VAR)` / `UWSGI_*` variable it came from.
    pub env: Option<(String, Span)>,
    pub cwd_relative: Option<String>,
    pub span: Span,
}

impl Val {
    fn new(text: impl Into<String>, span: Span) -> Val {
        Val {
            text: text.into(),
            unknown: None,
            env: None,
            cwd_relative: None,
            span,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Exported {
    pub key: String,
    pub value: Option<Val>,
    pub configured: bool,
    pub placeholder_only: bool,
    pub def: Option<&'static OptionDef>,
    pub origin: Origin,
    pub key_span: Option<Span>,
    pub condition: Option<String>,
    pub inherited: bool,
}

#[derive(Clone, Debug)]
struct Src {
    origin: Origin,
    key_span: Option<Span>,
    /// Written by `set`/`set-placeholder`, or made by the XML reader: not a
    /// key the user typed, so never reported as a placeholder.
    from_set: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LogicKind {
    IfEnv,
    IfNotEnv,
    For,
    ForGlob,
    ForTimes,
    ForReadline,
    IfOpt,
    IfNotOpt,
    IfReload,
    IfNotReload,
    /// Existence of a file or directory, a plugin, the host name: parity cannot know.
    Runtime(&'static str),
}

impl LogicKind {
    fn from_target(target: &str) -> LogicKind {
        let func = target.rsplit(')').next().unwrap_or(target);
        match func {
            "uwsgi_logic_opt_if_env" => LogicKind::IfEnv,
            "uwsgi_logic_opt_if_not_env" => LogicKind::IfNotEnv,
            "uwsgi_logic_opt_for" => LogicKind::For,
            "uwsgi_logic_opt_for_glob" => LogicKind::ForGlob,
            "uwsgi_logic_opt_for_times" => LogicKind::ForTimes,
            "uwsgi_logic_opt_for_readline" => LogicKind::ForReadline,
            "uwsgi_logic_opt_if_opt" => LogicKind::IfOpt,
            "uwsgi_logic_opt_if_not_opt" => LogicKind::IfNotOpt,
            "uwsgi_logic_opt_if_reload" => LogicKind::IfReload,
            "uwsgi_logic_opt_if_not_reload" => LogicKind::IfNotReload,
            f if f.contains("hostname") => LogicKind::Runtime("depends on the host name"),
            f if f.contains("plugin") => LogicKind::Runtime("depends on the plugins loaded"),
            _ => LogicKind::Runtime("depends on the filesystem at start-up"),
        }
    }
}

#[derive(Clone, Debug)]
struct Logic {
    kind: LogicKind,
    data: Option<Val>,
}

/// What a lookup of the first occurrence of a key gave.
enum First {
    Absent,
    /// Present without a value (a command-line flag).
    Null,
    Val(Val),
    Unknown(String),
}

/// A `$`/`@`/`%` hook's answer.
enum Hook {
    /// NULL: the reference stays as written.
    Null,
    Val(Val),
    /// Parity cannot know: the reference stays and the value is unknown.
    Unknown(String),
}

struct Resolver<'a, 'i> {
    inputs: &'a UwsgiInputs<'i>,
    opts: ResolveOptions,
    exported: Vec<Exported>,
    logic: Option<Logic>,
    logic_running: bool,
    cond_ctx: Option<String>,
    magic: MagicTable,
    last_ini: Option<String>,
    strict: bool,
    strict_reported: bool,
    in_configure: bool,
    depth: usize,
    loads: usize,
    fatal_cli: bool,
    overflow_reported: bool,
    custom_options: HashSet<String>,
    wildcards: Vec<settings::Wildcard>,
    out: ResolvedUwsgi,
}

fn is_end(key: &str) -> bool {
    matches!(key, "end" | "endfor" | "endif" | "end-if" | "end-for")
}

/// `uwsgi_substitute(value, "%(_)", with)`.
fn subst_underscore(value: Option<&Val>, with: Option<&Val>) -> Option<Val> {
    let value = value?;
    let Some(with) = with else {
        return Some(value.clone());
    };
    if !value.text.contains("%(_)") {
        return Some(value.clone());
    }
    let mut v = value.clone();
    v.text = value.text.replace("%(_)", &with.text);
    v.cwd_relative = None;
    if v.unknown.is_none() {
        v.unknown.clone_from(&with.unknown);
    }
    if with.env.is_some() {
        v.env.clone_from(&with.env);
    }
    Some(v)
}

/// C `strtoll(s, NULL, 10)`: leading space, sign, digits, saturating.
pub(super) fn strtoll(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut n: i128 = 0;
    for c in digits.bytes().take_while(u8::is_ascii_digit) {
        n = (n * 10 + i128::from(c - b'0')).min(i128::from(i64::MAX) + 1);
    }
    let n = if neg { -n } else { n };
    i64::try_from(n).unwrap_or(if neg { i64::MIN } else { i64::MAX })
}

/// `is_a_number`: every byte a digit (the empty string counts).
fn is_a_number(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

impl<'a, 'i> Resolver<'a, 'i> {
    fn new(inputs: &'a UwsgiInputs<'i>, opts: ResolveOptions) -> Self {
        Resolver {
            inputs,
            opts,
            exported: Vec::new(),
            logic: None,
            logic_running: false,
            cond_ctx: None,
            magic: MagicTable::new(),
            last_ini: None,
            strict: false,
            strict_reported: false,
            in_configure: false,
            depth: 0,
            loads: 0,
            fatal_cli: false,
            overflow_reported: false,
            custom_options: HashSet::new(),
            wildcards: Vec::new(),
            out: ResolvedUwsgi::default(),
        }
    }

    fn problem(&mut self, span: Span, msg: impl Into<String>) {
        self.out.problems.push(Problem::parse(span, msg));
    }

    fn env(&self, name: &str) -> Option<(String, Span)> {
        (self.inputs.env)(name)
    }

    /// `parse_sys_envs`: `UWSGI_HARAKIRI=30` is `harakiri = 30`. The real
    /// order is the process environment's; parity uses the option table's.
    fn parse_env(&mut self) {
        for def in options::all() {
            if !def
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                continue;
            }
            let var = format!("UWSGI_{}", def.name.to_ascii_uppercase().replace('-', "_"));
            if RESERVED_ENV.contains(&var.as_str()) {
                continue;
            }
            if let Some((value, span)) = self.env(&var) {
                let mut val = Val::new(value, span);
                val.env = Some((var.clone(), span));
                self.add(
                    def.name.to_string(),
                    Some(val),
                    Src {
                        origin: Origin::Env { var, span },
                        key_span: Some(span),
                        from_set: false,
                    },
                );
            }
        }
    }

    /// A command-line word as a value: simple `$VAR`/`${VAR}` shell
    /// expansions are taken from the environment, others are unknown.
    fn word_val(&self, w: &Word) -> Val {
        let mut val = Val::new(w.text.clone(), w.span);
        if !w.has_expansion() {
            return val;
        }
        let mut text = String::new();
        let mut last = 0;
        for r in w.expansions() {
            let piece = w.text.get(r.clone()).unwrap_or_default();
            let name = piece
                .strip_prefix("${")
                .and_then(|p| p.strip_suffix('}'))
                .or_else(|| piece.strip_prefix('$'))
                .filter(|n| {
                    !n.is_empty()
                        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        && n.bytes().next().is_some_and(|b| !b.is_ascii_digit())
                });
            text.push_str(w.text.get(last..r.start).unwrap_or_default());
            last = r.end;
            match name.and_then(|n| self.env(n).map(|e| (n, e))) {
                Some((n, (v, span))) => {
                    text.push_str(&v);
                    val.env = Some((n.to_string(), span));
                }
                None => {
                    text.push_str(piece);
                    val.unknown.get_or_insert_with(|| {
                        format!("shell expansion {piece} on the command line")
                    });
                }
            }
        }
        text.push_str(w.text.get(last..).unwrap_or_default());
        val.text = text;
        val
    }

    fn parse_cli(&mut self) {
        let parsed = cli::parse(self.inputs.args);
        for opt in &parsed.options {
            let value = opt.value.as_ref().map(|w| self.word_val(w));
            self.add(
                opt.def.name.to_string(),
                value,
                Src {
                    origin: Origin::Cli { span: opt.span },
                    key_span: Some(opt.span),
                    from_set: false,
                },
            );
        }
        if let Some((span, msg)) = parsed.error {
            self.problem(span, format!("{msg}: uWSGI exits (getopt_long() error)"));
            self.fatal_cli = true;
            return;
        }
        for w in &parsed.operands {
            if w.text.starts_with('[') {
                continue;
            }
            let val = self.word_val(w);
            self.load(None, Some(val), true);
        }
    }

    fn add(&mut self, key: String, value: Option<Val>, src: Src) {
        self.add_do(key, value, src, false);
    }

    /// `add_exported_option_do`.
    fn add_do(&mut self, key: String, value: Option<Val>, src: Src, placeholder_only: bool) {
        if self.exported.len() >= MAX_OPTIONS {
            if !self.overflow_reported {
                self.overflow_reported = true;
                let span = src.origin.span().unwrap_or(self.inputs.anchor);
                self.problem(
                    span,
                    format!("more than {MAX_OPTIONS} uWSGI options: the rest is ignored"),
                );
            }
            return;
        }
        if !self.logic_running {
            if is_end(&key) {
                self.logic = None;
            }
            if let Some(logic) = self.logic.clone() {
                self.logic_running = true;
                self.run_logic(&logic, key, value, &src);
                self.logic_running = false;
                return;
            }
        }
        let def = if placeholder_only {
            None
        } else {
            options::lookup(&key)
        };
        let idx = self.exported.len();
        self.exported.push(Exported {
            key: key.clone(),
            value: value.clone(),
            configured: false,
            placeholder_only,
            def,
            origin: src.origin.clone(),
            key_span: src.key_span,
            condition: self.cond_ctx.clone(),
            inherited: self.in_configure,
        });
        let span = src
            .key_span
            .or(src.origin.span())
            .unwrap_or(self.inputs.anchor);
        if placeholder_only {
            if options::lookup(&key).is_some() {
                self.problem(
                    span,
                    format!("you cannot use {key} as a placeholder, it is already available as an option: uWSGI exits"),
                );
            }
            if let Some(e) = self.exported.get_mut(idx) {
                e.configured = true;
            }
            return;
        }
        match def {
            Some(def) => {
                if def.is_immediate() {
                    if let Some(e) = self.exported.get_mut(idx) {
                        e.configured = true;
                    }
                    self.immediate(def, &key, value, &src);
                }
            }
            None => {
                if self.custom_options.contains(&key) {
                    return;
                }
                if !src.from_set && key != "end" && !matches!(src.origin, Origin::Cli { .. }) {
                    let spanned = Spanned::new(key.clone(), span);
                    if let Some(near) = options::near_miss(&key) {
                        self.out.near_misses.push((spanned.clone(), near.name));
                    }
                    self.out.placeholders.push(spanned);
                }
                if self.strict {
                    self.report_strict(&key, span);
                }
            }
        }
    }

    fn report_strict(&mut self, key: &str, span: Span) {
        if !self.strict_reported {
            self.strict_reported = true;
            self.problem(
                span,
                format!("[strict-mode] unknown config directive: {key} (uWSGI exits)"),
            );
        }
    }

    /// Adds `key` under a condition parity cannot evaluate.
    fn add_conditional(&mut self, key: String, value: Option<Val>, src: &Src, why: String) {
        let saved = self.cond_ctx.clone();
        if self.cond_ctx.is_none() {
            self.cond_ctx = Some(why);
        }
        self.add(key, value, src.clone());
        self.cond_ctx = saved;
    }

    /// The state of an environment variable for `if-env`.
    fn env_state(&self, name: &str) -> Result<Option<Val>, String> {
        match self.env(name) {
            Some((v, span)) => {
                let mut val = Val::new(v, span);
                val.env = Some((name.to_string(), span));
                Ok(Some(val))
            }
            None if self.opts.env_complete => Ok(None),
            None => Err(format!(
                "only if ${name} is set in the deployment environment"
            )),
        }
    }

    /// One option inside an `if-*`/`for*` block (`uwsgi.logic_opt`).
    fn run_logic(&mut self, logic: &Logic, key: String, value: Option<Val>, src: &Src) {
        let Some(data) = logic.data.clone() else {
            return;
        };
        if let Some(why) = &data.unknown {
            let why = format!("condition on an unknown value ({why})");
            let value = if value.as_ref().is_some_and(|v| v.text.contains("%(_)")) {
                value.map(|mut v| {
                    v.unknown.get_or_insert_with(|| why.clone());
                    v
                })
            } else {
                value
            };
            self.add_conditional(key, value, src, why);
            return;
        }
        let (name, expected) = match data.text.split_once('=') {
            Some((n, e)) => (n.to_string(), Some(e.to_string())),
            None => (data.text.clone(), None),
        };
        match logic.kind {
            LogicKind::IfEnv | LogicKind::IfNotEnv => {
                let negate = logic.kind == LogicKind::IfNotEnv;
                match self.env_state(&name) {
                    Ok(found) => {
                        // uwsgi_logic_opt_if_env / _if_not_env.
                        let apply = match (&found, &expected, negate) {
                            (Some(v), Some(e), false) => v.text == *e,
                            (Some(_), None, false) => true,
                            (None, _, false) => false,
                            (Some(v), Some(e), true) => v.text != *e,
                            (Some(_), None, true) => false,
                            (None, _, true) => true,
                        };
                        if apply {
                            let v = subst_underscore(value.as_ref(), found.as_ref());
                            self.add(key, v, src.clone());
                        }
                    }
                    Err(why) => {
                        let why = if negate {
                            why.replace("only if", "only if not")
                        } else {
                            why
                        };
                        let v = mark_if_underscore(value, &why);
                        self.add_conditional(key, v, src, why);
                    }
                }
            }
            LogicKind::IfOpt | LogicKind::IfNotOpt => {
                let negate = logic.kind == LogicKind::IfNotOpt;
                self.out.referenced.insert(name.clone());
                match self.first_value(&name) {
                    First::Unknown(why) => {
                        let why = format!("depends on option {name}: {why}");
                        let v = mark_if_underscore(value, &why);
                        self.add_conditional(key, v, src, why);
                    }
                    First::Absent | First::Null => {
                        if negate {
                            self.add(key, value, src.clone());
                        }
                    }
                    First::Val(p) => {
                        let matches = expected.as_ref().is_none_or(|e| *e == p.text);
                        let apply = if negate {
                            expected.is_some() && !matches
                        } else {
                            matches
                        };
                        if apply {
                            let v = subst_underscore(value.as_ref(), Some(&p));
                            self.add(key, v, src.clone());
                        }
                    }
                }
            }
            LogicKind::For => {
                for token in data.text.split(' ').filter(|t| !t.is_empty()) {
                    let mut with = data.clone();
                    with.text = token.to_string();
                    let v = subst_underscore(value.as_ref(), Some(&with));
                    self.add(key.clone(), v, src.clone());
                }
            }
            LogicKind::ForTimes => {
                let n = strtoll(&data.text).clamp(i64::from(i32::MIN), i64::from(i32::MAX));
                let limit = 10_000;
                if n > limit {
                    self.problem(
                        data.span,
                        format!("for-times {n}: parity expands only {limit} iterations"),
                    );
                }
                for i in 1..=n.min(limit) {
                    let mut with = data.clone();
                    with.text = i.to_string();
                    let v = subst_underscore(value.as_ref(), Some(&with));
                    self.add(key.clone(), v, src.clone());
                }
            }
            LogicKind::ForGlob | LogicKind::ForReadline => {
                let why = "repeated once per file or line found at start-up".to_string();
                let v = mark_if_underscore(value, &why);
                self.add_conditional(key, v, src, why);
            }
            LogicKind::IfReload | LogicKind::IfNotReload => {
                let why = if logic.kind == LogicKind::IfReload {
                    "only when uWSGI reloads"
                } else {
                    "only on the first start, not on reloads"
                };
                self.add_conditional(key, value, src, why.to_string());
            }
            LogicKind::Runtime(why) => {
                let v = subst_underscore(value.as_ref(), Some(&data));
                self.add_conditional(key, v, src, format!("{why} ({})", data.text));
            }
        }
    }

    /// An immediate option's effect while reading (`op->func` at add time).
    fn immediate(&mut self, def: &'static OptionDef, key: &str, value: Option<Val>, src: &Src) {
        if let Some(v) = &value
            && v.text.contains("$(")
        {
            let span = src.origin.span().unwrap_or(v.span);
            self.out
                .immediate_env
                .push(Spanned::new(key.to_string(), span));
        }
        match def.func {
            "uwsgi_opt_load_ini" | "uwsgi_opt_ini_paste" => {
                self.load(Some(Format::Ini), value, false)
            }
            "uwsgi_opt_load_yml" => self.load(Some(Format::Yaml), value, false),
            "uwsgi_opt_load_json" => self.load(Some(Format::Json), value, false),
            "uwsgi_opt_load_xml" => self.load(Some(Format::Xml), value, false),
            "uwsgi_opt_load" => self.load(None, value, true),
            "uwsgi_opt_load_config" => {
                if let Some(v) = value {
                    self.problem(
                        v.span,
                        format!("unable to load configuration from {}: no configurator in the default build (uWSGI exits)", v.text),
                    );
                }
            }
            "uwsgi_opt_set_placeholder" => {
                let Some(v) = value else { return };
                match v.text.split_once('=') {
                    None => self.problem(
                        v.span,
                        "invalid placeholder/--set value (no `=`): uWSGI exits",
                    ),
                    Some((name, rest)) => {
                        let mut val = v.clone();
                        val.text = rest.to_string();
                        val.cwd_relative = None;
                        let placeholder_only = def.target == "(void*)1";
                        let src = Src {
                            from_set: true,
                            ..src.clone()
                        };
                        self.add_do(name.to_string(), Some(val), src, placeholder_only);
                    }
                }
            }
            "uwsgi_opt_logic" => {
                if self.logic.is_some() {
                    let span = src.origin.span().unwrap_or(self.inputs.anchor);
                    self.problem(span, format!("recursive logic in options is not supported (option = {key}): uWSGI exits"));
                    return;
                }
                self.logic = Some(Logic {
                    kind: LogicKind::from_target(def.target),
                    data: value,
                });
            }
            "uwsgi_opt_true" if def.target == "&uwsgi.strict" => {
                self.strict = value.as_ref().is_none_or(|v| settings::opt_true(&v.text));
            }
            "uwsgi_opt_add_custom_option" => {
                if let Some(v) = value {
                    let name = v.text.split('=').next().unwrap_or_default().to_string();
                    self.custom_options.insert(name);
                }
            }
            _ => {}
        }
    }

    /// A config file parity cannot read: whatever it sets at this point of
    /// the option list is unknown.
    fn unresolved(&mut self, name: String, span: Span) {
        self.wildcards.push(settings::Wildcard {
            position: self.exported.len(),
            reason: format!("may be set by {name}, which is not in the repository"),
            span,
            condition: self.cond_ctx.is_some(),
        });
        self.out.unresolved.push(Spanned::new(name, span));
    }

    /// `uwsgi_opt_load*`: reads a config file and adds its options in place.
    /// `by_name`: the format comes from the name (`include`, `inherit`, bare
    /// arguments) and the upper-case magic variables are left alone.
    fn load(&mut self, format: Option<Format>, value: Option<Val>, by_name: bool) {
        let Some(val) = value else { return };
        let name = match (&val.unknown, &val.cwd_relative) {
            (None, _) => val.text.clone(),
            (Some(_), Some(rel)) => rel.clone(),
            (Some(_), None) => {
                self.unresolved(val.text.clone(), val.span);
                return;
            }
        };
        if magic::has_scheme(&name) || name == "-" {
            if name.starts_with("exec://") {
                self.problem(
                    val.span,
                    format!("{name}: uWSGI runs this command to read its configuration; parity never does"),
                );
            }
            self.unresolved(name, val.span);
            return;
        }
        if self.depth >= MAX_DEPTH || self.loads >= MAX_LOADS {
            self.problem(val.span, format!("config files nested deeper than {MAX_DEPTH} or more than {MAX_LOADS} loads: {name} not read"));
            return;
        }
        let format = match format.or_else(|| Format::from_name(&name)) {
            Some(f) => f,
            None => {
                self.problem(
                    val.span,
                    format!("unable to load configuration from {name}: uWSGI exits"),
                );
                return;
            }
        };
        let (mut path, section) = match name.rfind(':') {
            Some(i) => (name[..i].to_string(), Some(name[i + 1..].to_string())),
            None => (name.clone(), None),
        };
        let section = match (format, section) {
            (Format::Xml, Some(id)) if id.is_empty() => {
                self.problem(val.span, "invalid xml id (empty after `:`): uWSGI exits");
                return;
            }
            (Format::Xml, id) => id,
            (_, Some(s)) if s.is_empty() => Some("uwsgi".to_string()),
            (_, s) => s,
        };
        if format == Format::Ini && path.is_empty() && section.is_some() {
            match &self.last_ini {
                Some(last) => path.clone_from(last),
                None => {
                    self.problem(
                        val.span,
                        format!("{name}: no ini file was read before (uWSGI crashes)"),
                    );
                    return;
                }
            }
        }
        let saved_round = self.magic.first_round();
        if by_name {
            self.magic.set_first_round(true);
        }
        self.magic.fill(&name);
        match (self.inputs.load)(&path) {
            None => self.unresolved(name.clone(), val.span),
            Some((file, text, _repo_path)) => {
                self.loads += 1;
                if !self.out.config_files.contains(&file) {
                    self.out.config_files.push(file);
                }
                if format == Format::Ini {
                    self.last_ini = Some(path.clone());
                }
                let parsed = super::read_file(
                    file,
                    text.as_bytes(),
                    format,
                    section.as_deref(),
                    &self.magic,
                );
                // A missing section is only a warning for ini (uWSGI goes on).
                self.out.problems.extend(parsed.problems);
                self.depth += 1;
                for e in parsed.entries {
                    let value = Val {
                        text: e.value.value,
                        unknown: e.unknown,
                        env: None,
                        cwd_relative: e.cwd_relative,
                        span: e.value.span,
                    };
                    self.add(
                        e.key.value,
                        Some(value),
                        Src {
                            origin: Origin::File { span: e.span },
                            key_span: Some(e.key.span),
                            from_set: e.generated,
                        },
                    );
                }
                self.depth -= 1;
            }
        }
        if by_name {
            self.magic.set_first_round(saved_round);
        }
    }

    /// `uwsgi_get_exported_opt`: the first occurrence of `key`.
    fn first_value(&self, key: &str) -> First {
        if let Some(e) = self.exported.iter().find(|e| e.key == key) {
            if let Some(cond) = &e.condition {
                return First::Unknown(format!("its first occurrence is conditional ({cond})"));
            }
            return match &e.value {
                None => First::Null,
                Some(v) => First::Val(v.clone()),
            };
        }
        // A placeholder may come from the environment (UWSGI_NAME), which
        // uWSGI reads first; parity only probes it when it is looked up.
        if options::lookup(key).is_none()
            && !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            let var = format!("UWSGI_{}", key.to_ascii_uppercase().replace('-', "_"));
            if let Some((v, span)) = self.env(&var) {
                let mut val = Val::new(v, span);
                val.env = Some((var, span));
                return First::Val(val);
            }
        }
        First::Absent
    }

    fn hook(&self, symbol: u8, key: &str) -> Hook {
        match symbol {
            b'$' => match self.env(key) {
                Some((v, span)) => {
                    let mut val = Val::new(v, span);
                    val.env = Some((key.to_string(), span));
                    Hook::Val(val)
                }
                None if self.opts.env_complete => Hook::Null,
                None => Hook::Unknown(format!(
                    "$({key}) is not set in the known deployment environment"
                )),
            },
            b'@' => Hook::Unknown(format!(
                "@({key}) is read from a file, URL or command at start-up; parity never evaluates it"
            )),
            _ => self.placeholder(key),
        }
    }

    /// Records the names a `%(...)` reads (one name, or the names of a math expression).
    fn note_placeholder_use(&mut self, key: &str) {
        for token in key.split(' ').filter(|t| !t.is_empty()) {
            if !is_a_number(token) && !matches!(token, "+" | "-" | "*" | "/" | "++" | "--") {
                self.out.referenced.insert(token.to_string());
            }
        }
    }

    /// `uwsgi_manage_placeholder`: `%(name)` or the `%(a + b)` pipeline.
    fn placeholder(&self, key: &str) -> Hook {
        // A referenced value that is itself unknown is substituted as uWSGI
        // would see it unexpanded, and the result is marked unknown.
        let lookup = |k: &str| match self.first_value(k) {
            First::Absent | First::Null => Hook::Null,
            First::Val(v) => Hook::Val(v),
            First::Unknown(why) => Hook::Unknown(why),
        };
        if !key.contains(' ') {
            return lookup(key);
        }
        #[derive(Clone, Copy)]
        enum State {
            Concat,
            Sum,
            Sub,
            Mul,
            Div,
        }
        let mut state = State::Concat;
        let mut current: Option<String> = None;
        let mut unknown: Option<String> = None;
        let mut env = None;
        for token in key.split(' ').filter(|t| !t.is_empty()) {
            let value = if is_a_number(token) {
                token.to_string()
            } else {
                match token {
                    "+" => {
                        state = State::Sum;
                        continue;
                    }
                    "-" => {
                        state = State::Sub;
                        continue;
                    }
                    "*" => {
                        state = State::Mul;
                        continue;
                    }
                    "/" => {
                        state = State::Div;
                        continue;
                    }
                    "++" | "--" => {
                        if let Some(c) = &current {
                            let delta = if token == "++" { 1 } else { -1 };
                            current = Some(strtoll(c).wrapping_add(delta).to_string());
                        }
                        state = State::Concat;
                        continue;
                    }
                    _ => match lookup(token) {
                        Hook::Val(v) => {
                            if unknown.is_none() {
                                unknown.clone_from(&v.unknown);
                            }
                            if v.env.is_some() {
                                env.clone_from(&v.env);
                            }
                            v.text
                        }
                        Hook::Null => String::new(),
                        Hook::Unknown(why) => {
                            unknown.get_or_insert(why);
                            String::new()
                        }
                    },
                }
            };
            let a = current.as_deref().map_or(0, strtoll);
            let b = strtoll(&value);
            current = Some(match state {
                State::Concat => format!("{}{value}", current.as_deref().unwrap_or_default()),
                State::Sum => a.wrapping_add(b).to_string(),
                State::Sub => a.wrapping_sub(b).to_string(),
                State::Mul => a.wrapping_mul(b).to_string(),
                State::Div => a.checked_div(b).unwrap_or(0).to_string(),
            });
            state = State::Concat;
        }
        match (current, unknown) {
            (None, _) => Hook::Null,
            (Some(_), Some(why)) => Hook::Unknown(why),
            (Some(text), None) => {
                let mut v = Val::new(text, self.inputs.anchor);
                v.env = env;
                Hook::Val(v)
            }
        }
    }

    /// `uwsgi_apply_config_pass`, byte for byte (including its restart at
    /// the second byte after every substitution).
    fn pass(&mut self, symbol: u8) {
        for i in 0..self.exported.len() {
            let Some(e) = self.exported.get(i) else { break };
            if e.configured {
                continue;
            }
            let Some(mut val) = e.value.clone() else {
                continue;
            };
            let mut s: Vec<u8> = val.text.clone().into_bytes();
            let mut has: usize = 0;
            let mut depth = 0usize;
            let mut key_start = 0usize;
            let mut j = 0usize;
            let mut subs = 0usize;
            let mut changed = false;
            while let Some(&c) = s.get(j) {
                if c == symbol {
                    has = 1;
                } else if c == b'(' && has == 1 {
                    has = 2;
                    depth = 0;
                    key_start = j + 1;
                } else if has > 1 {
                    if c == b'(' {
                        has += 1;
                        depth += 1;
                    } else if c == b')' {
                        if depth > 0 {
                            has += 1;
                            depth -= 1;
                        } else if has <= 2 {
                            has = 0;
                        } else {
                            let key_end = key_start + has - 2;
                            let key = String::from_utf8_lossy(
                                s.get(key_start..key_end).unwrap_or_default(),
                            )
                            .into_owned();
                            has = 0;
                            if symbol == b'%' {
                                self.note_placeholder_use(&key);
                            }
                            match self.hook(symbol, &key) {
                                Hook::Null => {}
                                Hook::Unknown(why) => {
                                    val.unknown.get_or_insert(why);
                                }
                                Hook::Val(rep) => {
                                    let mut next = s
                                        .get(..key_start.saturating_sub(2))
                                        .unwrap_or_default()
                                        .to_vec();
                                    next.extend_from_slice(rep.text.as_bytes());
                                    next.extend_from_slice(
                                        s.get(key_end + 1..).unwrap_or_default(),
                                    );
                                    s = next;
                                    changed = true;
                                    if val.unknown.is_none() {
                                        val.unknown.clone_from(&rep.unknown);
                                    }
                                    if rep.env.is_some() {
                                        val.env.clone_from(&rep.env);
                                    }
                                    subs += 1;
                                    if subs > MAX_SUBSTITUTIONS || s.len() > MAX_VALUE_LEN {
                                        let span = val.span;
                                        let k = self
                                            .exported
                                            .get(i)
                                            .map(|e| e.key.clone())
                                            .unwrap_or_default();
                                        self.problem(span, format!("expanding `{k}` does not end (uWSGI would loop forever)"));
                                        val.unknown = Some("expansion does not terminate".into());
                                        break;
                                    }
                                    j = 0;
                                }
                            }
                        }
                    } else {
                        has += 1;
                    }
                } else {
                    has = 0;
                }
                j += 1;
            }
            if changed {
                val.text = String::from_utf8_lossy(&s).into_owned();
                val.cwd_relative = None;
            }
            if let Some(e) = self.exported.get_mut(i) {
                e.value = Some(val);
            }
        }
    }

    /// `uwsgi_configure`: applies options in order; `inherit` reads its file now.
    fn configure(&mut self) {
        self.in_configure = true;
        let mut i = 0;
        while let Some(e) = self.exported.get(i) {
            if e.configured {
                i += 1;
                continue;
            }
            let def = e.def;
            let key = e.key.clone();
            let value = e.value.clone();
            let span = e.key_span.or(e.origin.span()).unwrap_or(self.inputs.anchor);
            let is_custom = self.custom_options.contains(&key);
            match def {
                None => {
                    if self.strict && !is_custom {
                        self.report_strict(&key, span);
                    }
                }
                Some(def) => {
                    if let Some(e) = self.exported.get_mut(i) {
                        e.configured = true;
                    }
                    if def.func == "uwsgi_opt_load" {
                        self.load(None, value, true);
                    }
                }
            }
            i += 1;
        }
        self.in_configure = false;
    }

    fn finish(mut self) -> ResolvedUwsgi {
        let exported = std::mem::take(&mut self.exported);
        let anchor = self.inputs.anchor;
        settings::compute(&exported, &self.wildcards, anchor, &mut self.out);
        self.out.options = exported
            .into_iter()
            .map(|e| {
                let origin = match (&e.value, &e.origin) {
                    (
                        Some(Val {
                            env: Some((var, span)),
                            ..
                        }),
                        Origin::File { .. } | Origin::Cli { .. },
                    ) => Origin::Env {
                        var: var.clone(),
                        span: *span,
                    },
                    _ => e.origin.clone(),
                };
                ExportedOption {
                    immediate: e.def.is_some_and(OptionDef::is_immediate),
                    key: e.key,
                    unknown: e.value.as_ref().and_then(|v| v.unknown.clone()),
                    value: e.value.map(|v| v.text),
                    origin,
                    key_span: e.key_span,
                    option: e.def,
                    placeholder_only: e.placeholder_only,
                    condition: e.condition,
                    inherited: e.inherited,
                }
            })
            .collect();
        self.out
    }
}

/// Marks a value unknown when it uses `%(_)` (the logic data) and the data is unknown.
fn mark_if_underscore(value: Option<Val>, why: &str) -> Option<Val> {
    value.map(|mut v| {
        if v.text.contains("%(_)") {
            v.unknown.get_or_insert_with(|| why.to_string());
        }
        v
    })
}
