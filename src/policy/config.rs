//! Configuration: `.parity.toml` at a scanned root, `[tool.parity]` in
//! `pyproject.toml`, or a file given with `--config`. Every key is checked
//! when the file loads; a mistake is an error with a span into the file
//! (exit status 2), never a silently ignored setting.
//!
//! This module reads text only; the command line finds and reads the files.

use std::fmt;
use std::ops::Range;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::PolicySet;
use super::load::{parse_duration_literal, similar};
use crate::finding::Severity;
use crate::sources::nginx::NginxVersion;
use crate::value::Value;

/// The configuration file looked up at a scanned root.
pub const CONFIG_FILE: &str = ".parity.toml";
/// Read for a `[tool.parity]` table when there is no [`CONFIG_FILE`].
pub const PYPROJECT_FILE: &str = "pyproject.toml";

/// What `parity init` writes: every setting, commented out, with what it does.
pub const STARTER: &str = r#"# parity configuration. Every setting is optional; command-line flags win over this file.
# Reference: docs/output-formats.md ("Configuration"). `parity rules` lists the rule ids.

# Rules to run, by id or family prefix (default: every rule).
# select = ["PAR-T", "PAR-S004"]

# Rules to leave out, by id or family prefix. The most specific entry of select/ignore wins.
# ignore = ["PAR-E002"]

# Files and directories parity does not read: globs relative to the scanned root.
# exclude = ["vendor/**", "legacy/"]

# Directories of your own policy files (YAML, docs/policy-language.md), relative to this file.
# policies = ["ops/parity-policies"]

# The nginx version your configs run on, when no image tag says it ("1.27.3", or a series "1.27").
# nginx-version = "1.27.3"

# Exit with status 1 at findings of this severity or above: error, warning, info or none.
# fail-on = "warning"

# Per-rule settings: severity, and parameters (of the same type as the rule's default).
# [rules.PAR-T001]
# severity = "warning"
# params = { margin = "5s" }
"#;

/// Top-level keys of a configuration.
const KEYS: &[&str] = &[
    "select",
    "ignore",
    "exclude",
    "policies",
    "nginx-version",
    "fail-on",
    "rules",
];
/// Keys of a `[rules.<ID>]` table.
const RULE_KEYS: &[&str] = &["severity", "params"];

/// A value and, when it came from a configuration file, its byte range there
/// (`None`: from the command line).
#[derive(Clone, Debug, PartialEq)]
pub struct Located<T> {
    pub value: T,
    pub range: Option<Range<usize>>,
}

impl<T> Located<T> {
    /// A value given on the command line.
    #[must_use]
    pub fn cli(value: T) -> Self {
        Self { value, range: None }
    }
}

/// `fail-on`: the lowest severity that fails a run, or never.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailThreshold {
    At(Severity),
    Never,
}

/// A parameter override as written in the file; typed against the rule's
/// parameter when applied.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Any other TOML type (its name), always rejected.
    Other(&'static str),
}

/// `[rules.<ID>]`: per-rule overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSettings {
    pub id: Located<String>,
    pub severity: Option<Severity>,
    /// (parameter name, value) as written.
    pub params: Vec<(Located<String>, Located<ParamValue>)>,
}

/// The file a configuration was read from, kept for diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigSource {
    /// The path as shown in messages (as given on the command line, or the
    /// scanned root joined with the file name).
    pub path: String,
    pub text: String,
}

/// A loaded configuration (or the defaults), with command-line flags merged in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Where it was read from; `None` for the defaults.
    pub source: Option<ConfigSource>,
    /// Rule ids or id prefixes to run (`None`: all rules).
    pub select: Option<Vec<Located<String>>>,
    /// Rule ids or id prefixes to leave out.
    pub ignore: Option<Vec<Located<String>>>,
    pub rules: Vec<RuleSettings>,
    /// Root-relative globs of files and directories discovery leaves out.
    pub exclude: Vec<Located<String>>,
    /// Directories of user policy files, relative to the configuration file.
    pub policies: Vec<Located<String>>,
    pub nginx_version: Option<Located<NginxVersion>>,
    pub fail_on: Option<FailThreshold>,
}

/// An invalid configuration (or command-line selection), with the place of the mistake.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
    pub help: Option<String>,
    /// The configuration file and the byte range of the mistake; `None` when
    /// the mistake is in a command-line flag or concerns no single place.
    pub place: Option<(NamedSource<String>, Range<usize>)>,
}

impl ConfigError {
    /// An error without a place in a file.
    #[must_use]
    pub fn plain(message: impl Into<String>, help: Option<String>) -> Box<Self> {
        Box::new(Self {
            message: message.into(),
            help,
            place: None,
        })
    }

    /// An error at `range` of `source` (clamped to the text), or a plain one.
    #[must_use]
    pub fn at(
        source: Option<&ConfigSource>,
        range: Option<Range<usize>>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Box<Self> {
        let place = match (source, range) {
            (Some(src), Some(r)) => {
                let start = r.start.min(src.text.len());
                let end = r.end.clamp(start, src.text.len());
                Some((
                    NamedSource::new(src.path.clone(), src.text.clone()),
                    start..end,
                ))
            }
            _ => None,
        };
        Box::new(Self {
            message: message.into(),
            help,
            place,
        })
    }

    /// 1-based line and column (in characters) of the mistake, if it has a place.
    #[must_use]
    pub fn line_col(&self) -> Option<(usize, usize)> {
        let (src, range) = self.place.as_ref()?;
        let text = src.inner();
        let before = text.get(..range.start)?;
        let line = before.matches('\n').count() + 1;
        let col = before
            .rsplit_once('\n')
            .map_or(before, |(_, l)| l)
            .chars()
            .count()
            + 1;
        Some((line, col))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("parity::invalid_config"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.place.as_ref().map(|(s, _)| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, range) = self.place.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.message.clone()),
            range.start,
            range.end - range.start,
        ))))
    }
}

/// Reads one table of a configuration (the whole `.parity.toml`, or `[tool.parity]`).
struct Reader<'a> {
    source: &'a ConfigSource,
    /// How the table is named in messages: `.parity.toml` or `[tool.parity]`.
    table_name: &'a str,
}

type Table<'i> = DeTable<'i>;
type Val<'i> = Spanned<DeValue<'i>>;

impl Reader<'_> {
    fn err(
        &self,
        range: Range<usize>,
        msg: impl Into<String>,
        help: Option<String>,
    ) -> Box<ConfigError> {
        ConfigError::at(Some(self.source), Some(range), msg, help)
    }

    fn unknown_key(
        &self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        known: &[&str],
        what: &str,
    ) -> Box<ConfigError> {
        let name = key.get_ref().as_ref();
        let help = match known.iter().find(|k| similar(k, name)) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("{what} keys are: {}", known.join(", ")),
        };
        self.err(key.span(), format!("unknown key `{name}`"), Some(help))
    }

    fn string<'v>(&self, v: &'v Val<'_>, key: &str) -> Result<&'v str, Box<ConfigError>> {
        v.get_ref().as_str().ok_or_else(|| {
            self.err(
                v.span(),
                format!("`{key}` must be a string, not {}", v.get_ref().type_str()),
                None,
            )
        })
    }

    fn string_list(
        &self,
        v: &Val<'_>,
        key: &str,
    ) -> Result<Vec<Located<String>>, Box<ConfigError>> {
        let Some(items) = v.get_ref().as_array() else {
            return Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be a list of strings, not {}",
                    v.get_ref().type_str()
                ),
                Some(format!("e.g. {key} = [\"...\"]")),
            ));
        };
        items
            .iter()
            .map(|item| {
                let s = item.get_ref().as_str().ok_or_else(|| {
                    self.err(
                        item.span(),
                        format!(
                            "`{key}` items must be strings, not {}",
                            item.get_ref().type_str()
                        ),
                        None,
                    )
                })?;
                Ok(Located {
                    value: s.to_owned(),
                    range: Some(item.span()),
                })
            })
            .collect()
    }

    fn read(&self, table: &Table<'_>) -> Result<Config, Box<ConfigError>> {
        let mut config = Config {
            source: Some(self.source.clone()),
            ..Config::default()
        };
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "select" => config.select = Some(self.selectors(value, name)?),
                "ignore" => config.ignore = Some(self.selectors(value, name)?),
                "exclude" => {
                    let globs = self.string_list(value, name)?;
                    for g in &globs {
                        if let Err(e) = globset::Glob::new(normalize_glob(&g.value)) {
                            return Err(self.err(
                                g.range.clone().unwrap_or_default(),
                                format!("invalid glob `{}`: {}", g.value, e.kind()),
                                None,
                            ));
                        }
                    }
                    config.exclude = globs;
                }
                "policies" => {
                    let dirs = self.string_list(value, name)?;
                    for d in &dirs {
                        if d.value.trim().is_empty() {
                            return Err(self.err(
                                d.range.clone().unwrap_or_default(),
                                "an empty policy directory",
                                Some("name a directory relative to this file, e.g. \"ops/parity-policies\"".into()),
                            ));
                        }
                    }
                    config.policies = dirs;
                }
                "nginx-version" => {
                    let s = self.string(value, name)?;
                    let version = parse_nginx_version(s).ok_or_else(|| {
                        self.err(
                            value.span(),
                            format!("`{s}` is not an nginx version"),
                            Some(
                                "write the release, e.g. \"1.27.3\", or a series, e.g. \"1.27\""
                                    .into(),
                            ),
                        )
                    })?;
                    config.nginx_version = Some(Located {
                        value: version,
                        range: Some(value.span()),
                    });
                }
                "fail-on" => {
                    let s = self.string(value, name)?;
                    config.fail_on = Some(match s {
                        "none" => FailThreshold::Never,
                        other => FailThreshold::At(Severity::parse(other).ok_or_else(|| {
                            self.err(
                                value.span(),
                                format!("unknown `fail-on` value `{other}`"),
                                Some("use error, warning, info or none".into()),
                            )
                        })?),
                    });
                }
                "rules" => config.rules = self.rules(value)?,
                _ => return Err(self.unknown_key(key, KEYS, self.table_name)),
            }
        }
        Ok(config)
    }

    fn selectors(&self, v: &Val<'_>, key: &str) -> Result<Vec<Located<String>>, Box<ConfigError>> {
        let list = self.string_list(v, key)?;
        for s in &list {
            if !valid_selector(&s.value) {
                return Err(self.err(
                    s.range.clone().unwrap_or_default(),
                    format!("`{}` is not a rule id or id prefix", s.value),
                    Some("write an id (`PAR-T001`) or a family prefix (`PAR-T`)".into()),
                ));
            }
        }
        Ok(list)
    }

    fn rules(&self, v: &Val<'_>) -> Result<Vec<RuleSettings>, Box<ConfigError>> {
        let Some(table) = v.get_ref().as_table() else {
            return Err(self.err(
                v.span(),
                "`rules` must be a table of rule ids",
                Some("e.g. [rules.PAR-T001]".into()),
            ));
        };
        let mut out = Vec::new();
        for (id, settings) in table.iter() {
            let id_text = id.get_ref().as_ref();
            let Some(body) = settings.get_ref().as_table() else {
                return Err(self.err(
                    settings.span(),
                    format!("`rules.{id_text}` must be a table"),
                    Some(format!(
                        "e.g. [rules.{id_text}] with severity = \"warning\""
                    )),
                ));
            };
            let mut rule = RuleSettings {
                id: Located {
                    value: id_text.to_owned(),
                    range: Some(id.span()),
                },
                severity: None,
                params: Vec::new(),
            };
            for (key, value) in body.iter() {
                match key.get_ref().as_ref() {
                    "severity" => {
                        let s = self.string(value, "severity")?;
                        rule.severity = Some(Severity::parse(s).ok_or_else(|| {
                            self.err(
                                value.span(),
                                format!("unknown severity `{s}`"),
                                Some("use error, warning or info".into()),
                            )
                        })?);
                    }
                    "params" => {
                        let Some(params) = value.get_ref().as_table() else {
                            return Err(self.err(
                                value.span(),
                                "`params` must be a table of parameter values",
                                Some("e.g. params = { margin = \"5s\" }".into()),
                            ));
                        };
                        for (name, pv) in params.iter() {
                            let param = match pv.get_ref() {
                                DeValue::String(s) => ParamValue::Str(s.to_string()),
                                DeValue::Boolean(b) => ParamValue::Bool(*b),
                                DeValue::Integer(i) => {
                                    match i64::from_str_radix(i.as_str(), i.radix()) {
                                        Ok(n) => ParamValue::Int(n),
                                        Err(_) => {
                                            return Err(self.err(
                                                pv.span(),
                                                "integer out of range",
                                                None,
                                            ));
                                        }
                                    }
                                }
                                other => ParamValue::Other(other.type_str()),
                            };
                            rule.params.push((
                                Located {
                                    value: name.get_ref().to_string(),
                                    range: Some(name.span()),
                                },
                                Located {
                                    value: param,
                                    range: Some(pv.span()),
                                },
                            ));
                        }
                    }
                    _ => return Err(self.unknown_key(key, RULE_KEYS, "rule")),
                }
            }
            out.push(rule);
        }
        Ok(out)
    }
}

/// `1.27.3` or `1.27`.
fn parse_nginx_version(s: &str) -> Option<NginxVersion> {
    let parts: Vec<&str> = s.trim().split('.').collect();
    let num = |p: &str| -> Option<u32> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    match parts.as_slice() {
        [a, b] => Some(NginxVersion::Series(num(a)?, num(b)?)),
        [a, b, c] => Some(NginxVersion::Known(num(a)?, num(b)?, num(c)?)),
        _ => None,
    }
}

/// Letters, digits and dashes: `PAR-T001`, `PAR-T`, `ACME`.
fn valid_selector(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `legacy/` means the directory `legacy`.
fn normalize_glob(g: &str) -> &str {
    let t = g.trim_end_matches('/');
    if t.is_empty() { g } else { t }
}

fn parse_error(source: &ConfigSource, e: &toml::de::Error) -> Box<ConfigError> {
    ConfigError::at(
        Some(source),
        Some(e.span().unwrap_or(0..0)),
        format!("not valid TOML: {}", e.message().trim_end()),
        None,
    )
}

impl Config {
    /// Reads a `.parity.toml` (or a file given with `--config`).
    ///
    /// # Errors
    /// Invalid TOML, an unknown key, or a value of the wrong type, with its span.
    pub fn from_parity_toml(path: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        let source = ConfigSource {
            path: path.to_owned(),
            text: text.to_owned(),
        };
        let table = DeTable::parse(text).map_err(|e| parse_error(&source, &e))?;
        Reader {
            source: &source,
            table_name: CONFIG_FILE,
        }
        .read(table.get_ref())
    }

    /// Reads the `[tool.parity]` table of a `pyproject.toml`; `None` without one.
    ///
    /// # Errors
    /// As [`Config::from_parity_toml`], inside `[tool.parity]`. A pyproject.toml
    /// that is not valid TOML is an error only if it mentions parity at all.
    pub fn from_pyproject(path: &str, text: &str) -> Result<Option<Config>, Box<ConfigError>> {
        let source = ConfigSource {
            path: path.to_owned(),
            text: text.to_owned(),
        };
        let table = match DeTable::parse(text) {
            Ok(t) => t,
            Err(e) if text.contains("parity") => return Err(parse_error(&source, &e)),
            Err(_) => return Ok(None),
        };
        let Some(tool) = table.get_ref().get("tool") else {
            return Ok(None);
        };
        let Some(parity) = tool.get_ref().as_table().and_then(|t| t.get("parity")) else {
            return Ok(None);
        };
        let Some(body) = parity.get_ref().as_table() else {
            return Err(ConfigError::at(
                Some(&source),
                Some(parity.span()),
                "`tool.parity` must be a table",
                None,
            ));
        };
        Reader {
            source: &source,
            table_name: "[tool.parity]",
        }
        .read(body)
        .map(Some)
    }

    /// A selection on the command line replaces the file's (`--select`, `--ignore`).
    pub fn override_selection(&mut self, select: Option<Vec<String>>, ignore: Option<Vec<String>>) {
        if let Some(s) = select {
            self.select = Some(s.into_iter().map(Located::cli).collect());
        }
        if let Some(i) = ignore {
            self.ignore = Some(i.into_iter().map(Located::cli).collect());
        }
    }

    /// The `exclude` globs as one set (`None` when there are none).
    ///
    /// # Errors
    /// An invalid glob (already ruled out when a file is read).
    pub fn exclude_set(&self) -> Result<Option<globset::GlobSet>, Box<ConfigError>> {
        if self.exclude.is_empty() {
            return Ok(None);
        }
        let mut builder = globset::GlobSetBuilder::new();
        for g in &self.exclude {
            let glob = globset::Glob::new(normalize_glob(&g.value)).map_err(|e| {
                self.err(
                    g.range.clone(),
                    format!("invalid glob `{}`: {}", g.value, e.kind()),
                    None,
                )
            })?;
            builder.add(glob);
        }
        builder
            .build()
            .map(Some)
            .map_err(|e| self.err(None, format!("invalid exclude globs: {e}"), None))
    }

    fn err(
        &self,
        range: Option<Range<usize>>,
        msg: impl Into<String>,
        help: Option<String>,
    ) -> Box<ConfigError> {
        ConfigError::at(self.source.as_ref(), range, msg, help)
    }

    /// Whether rule `id` runs: the most specific (longest) matching `select`
    /// or `ignore` entry decides, `ignore` on a tie; with no match, a rule runs
    /// unless `select` is given.
    #[must_use]
    pub fn is_enabled(&self, id: &str) -> bool {
        let longest = |list: Option<&Vec<Located<String>>>| {
            list.into_iter()
                .flatten()
                .filter(|s| id.starts_with(s.value.as_str()))
                .map(|s| s.value.len())
                .max()
        };
        let selected = longest(self.select.as_ref());
        let ignored = longest(self.ignore.as_ref());
        match (selected, ignored) {
            (_, Some(i)) if selected.is_none_or(|s| i >= s) => false,
            (Some(_), _) => true,
            _ => self.select.is_none(),
        }
    }

    /// The severity configured for rule `id`, if any.
    #[must_use]
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.rules
            .iter()
            .rev()
            .find(|r| r.id.value == id)
            .and_then(|r| r.severity)
    }

    /// Checks every selector and override against the known rules (`policies`
    /// and the ids of `other_rules`, which take no parameters), applies
    /// severity and parameter overrides, and drops the rules not selected.
    ///
    /// # Errors
    /// A selector that matches no rule, an override for an unknown rule or
    /// parameter, or a parameter value of the wrong type.
    pub fn apply(
        &self,
        policies: &mut PolicySet,
        other_rules: &[&str],
    ) -> Result<(), Box<ConfigError>> {
        let owned: Vec<String> = policies.iter().map(|p| p.id.clone()).collect();
        let mut known: Vec<&str> = owned.iter().map(String::as_str).collect();
        known.extend_from_slice(other_rules);
        for (flag, list) in [("select", &self.select), ("ignore", &self.ignore)] {
            for s in list.iter().flatten() {
                if !valid_selector(&s.value) {
                    return Err(self.err(
                        s.range.clone(),
                        format!("`--{flag} {}`: not a rule id or id prefix", s.value),
                        Some("write an id (`PAR-T001`) or a family prefix (`PAR-T`)".into()),
                    ));
                }
                if !known.iter().any(|k| k.starts_with(s.value.as_str())) {
                    let what = if s.range.is_some() {
                        format!("no rule id starts with `{}`", s.value)
                    } else {
                        format!(
                            "`--{flag} {}`: no rule id starts with `{}`",
                            s.value, s.value
                        )
                    };
                    return Err(self.err(s.range.clone(), what, Some(id_help(&known, &s.value))));
                }
            }
        }
        for rule in &self.rules {
            let id = &rule.id.value;
            if let Some(policy) = policies.iter_mut().find(|p| &p.id == id) {
                if let Some(sev) = rule.severity {
                    policy.severity = sev;
                }
                for (name, value) in &rule.params {
                    let Some(default) = policy.params.get(&name.value) else {
                        let names: Vec<&str> = policy.params.keys().map(String::as_str).collect();
                        let help = match names.iter().find(|n| similar(n, &name.value)) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None if names.is_empty() => format!("{id} has no parameters"),
                            None => format!("{id}'s parameters are: {}", names.join(", ")),
                        };
                        return Err(self.err(
                            name.range.clone(),
                            format!("{id} has no parameter `{}`", name.value),
                            Some(help),
                        ));
                    };
                    let typed = typed_param(default, &value.value).map_err(|expected| {
                        self.err(
                            value.range.clone(),
                            format!("`{}` of {id} is {expected}", name.value),
                            Some(format!(
                                "the default is {}; write the override the same way",
                                render_default(default)
                            )),
                        )
                    })?;
                    if let (Some(choices), Value::Str(word)) =
                        (policy.param_choices.get(&name.value), &typed)
                        && !choices.contains(word)
                    {
                        return Err(self.err(
                            value.range.clone(),
                            format!("`{}` of {id} cannot be \"{word}\"", name.value),
                            Some(format!("write one of: {}", choices.join(", "))),
                        ));
                    }
                    policy.params.insert(name.value.clone(), typed);
                }
            } else if other_rules.contains(&id.as_str()) {
                if let Some((name, _)) = rule.params.first() {
                    return Err(self.err(
                        name.range.clone(),
                        format!("{id} has no parameters"),
                        None,
                    ));
                }
            } else {
                return Err(self.err(
                    rule.id.range.clone(),
                    format!("no rule `{id}`"),
                    Some(id_help(&known, id)),
                ));
            }
        }
        policies.retain(|p| self.is_enabled(&p.id));
        Ok(())
    }
}

fn id_help(known: &[&str], wrong: &str) -> String {
    let mut ids: Vec<&str> = known.to_vec();
    ids.sort_unstable();
    match ids.iter().find(|k| similar(k, wrong)) {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("rule ids are: {}", ids.join(", ")),
    }
}

/// A default as a TOML value: `"1s"`, `3`, `true`.
fn render_default(v: &Value) -> String {
    match v {
        Value::Duration(d) => format!("\"{}\"", d.compound()),
        Value::Str(s) => format!("\"{s}\""),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Types an override like the parameter's default; `Err` names the expected type.
fn typed_param(default: &Value, given: &ParamValue) -> Result<Value, &'static str> {
    match (default, given) {
        (Value::Duration(_), ParamValue::Str(s)) => parse_duration_literal(s.trim())
            .map(Value::Duration)
            .ok_or("a duration: write a string like \"5s\", \"1m30s\" or \"500ms\""),
        (Value::Duration(_), _) => {
            Err("a duration: write a string like \"5s\", \"1m30s\" or \"500ms\"")
        }
        (Value::Int(_), ParamValue::Int(i)) => Ok(Value::Int(*i)),
        (Value::Int(_), _) => Err("a number: write an integer like 3"),
        (Value::Bool(_), ParamValue::Bool(b)) => Ok(Value::Bool(*b)),
        (Value::Bool(_), _) => Err("a boolean: write true or false"),
        (Value::Str(_), ParamValue::Str(s)) => Ok(Value::Str(s.clone())),
        (Value::Str(_), _) => Err("a string"),
        _ => Err("not overridable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::builtin;

    fn parse(text: &str) -> Result<Config, Box<ConfigError>> {
        Config::from_parity_toml(".parity.toml", text)
    }

    #[test]
    fn every_key_reads() {
        let c = parse(
            "select = [\"PAR-T\"]\nignore = [\"PAR-T002\"]\nexclude = [\"legacy/\"]\n\
             policies = [\"ops/p\"]\nnginx-version = \"1.27.3\"\nfail-on = \"none\"\n\
             [rules.PAR-T001]\nseverity = \"warning\"\nparams = { margin = \"5s\" }\n",
        )
        .unwrap();
        assert_eq!(c.select.as_ref().unwrap()[0].value, "PAR-T");
        assert_eq!(c.ignore.as_ref().unwrap()[0].value, "PAR-T002");
        assert_eq!(c.exclude[0].value, "legacy/");
        assert_eq!(c.policies[0].value, "ops/p");
        assert_eq!(
            c.nginx_version.as_ref().unwrap().value,
            NginxVersion::Known(1, 27, 3)
        );
        assert_eq!(c.fail_on, Some(FailThreshold::Never));
        assert_eq!(c.rules[0].id.value, "PAR-T001");
        assert_eq!(c.rules[0].severity, Some(Severity::Warning));
        assert_eq!(c.rules[0].params[0].1.value, ParamValue::Str("5s".into()));
    }

    #[test]
    fn unknown_keys_point_at_the_key_and_suggest() {
        let e = parse("select = []\nselct = [\"PAR-T\"]\n").unwrap_err();
        assert_eq!(e.message, "unknown key `selct`");
        assert_eq!(e.line_col(), Some((2, 1)));
        assert_eq!(e.help.as_deref(), Some("did you mean `select`?"));
        let e = parse("[rules.PAR-T001]\nseverty = \"info\"\n").unwrap_err();
        assert_eq!(e.line_col(), Some((2, 1)));
        assert_eq!(e.help.as_deref(), Some("did you mean `severity`?"));
    }

    #[test]
    fn wrong_types_and_values_point_at_the_value() {
        let e = parse("fail-on = \"sometimes\"\n").unwrap_err();
        assert_eq!(e.line_col(), Some((1, 11)));
        let e = parse("select = \"PAR-T\"\n").unwrap_err();
        assert!(e.message.contains("list of strings"), "{}", e.message);
        let e = parse("nginx-version = \"latest\"\n").unwrap_err();
        assert!(e.message.contains("not an nginx version"));
        let e = parse("exclude = [\"a/[b\"]\n").unwrap_err();
        assert!(e.message.contains("invalid glob"), "{}", e.message);
        let e = parse("select = [\"PAR T\"]\n").unwrap_err();
        assert_eq!(e.line_col(), Some((1, 11)));
        let e = parse("select = [").unwrap_err();
        assert!(e.message.starts_with("not valid TOML"), "{}", e.message);
    }

    #[test]
    fn pyproject_tool_parity() {
        let text = "[project]\nname = \"x\"\n\n[tool.parity]\nignore = [\"PAR-S004\"]\n\
                    [tool.parity.rules.PAR-T001]\nseverity = \"info\"\n";
        let c = Config::from_pyproject("pyproject.toml", text)
            .unwrap()
            .unwrap();
        assert_eq!(c.ignore.unwrap()[0].value, "PAR-S004");
        assert_eq!(c.rules[0].severity, Some(Severity::Info));
        assert!(
            Config::from_pyproject("pyproject.toml", "[tool.black]\nx = 1\n")
                .unwrap()
                .is_none()
        );
        assert!(
            Config::from_pyproject("pyproject.toml", "not toml at all [")
                .unwrap()
                .is_none()
        );
        let e =
            Config::from_pyproject("pyproject.toml", "[tool.parity]\nselekt = []\n").unwrap_err();
        assert_eq!(e.line_col(), Some((2, 1)));
        assert!(e.help.unwrap().contains("`select`"));
    }

    #[test]
    fn selection_the_most_specific_entry_wins() {
        let mut c = Config::default();
        assert!(c.is_enabled("PAR-T001"));
        c.override_selection(Some(vec!["PAR-T".into()]), None);
        assert!(c.is_enabled("PAR-T001"));
        assert!(!c.is_enabled("PAR-S004"));
        c.override_selection(None, Some(vec!["PAR-T001".into()]));
        assert!(!c.is_enabled("PAR-T001"));
        assert!(c.is_enabled("PAR-T002"));
        // A more specific select beats a family ignore.
        c.override_selection(Some(vec!["PAR-T001".into()]), Some(vec!["PAR-T".into()]));
        assert!(c.is_enabled("PAR-T001"));
        assert!(!c.is_enabled("PAR-T002"));
        // The same entry in both: ignore wins.
        c.override_selection(Some(vec!["PAR-T".into()]), Some(vec!["PAR-T".into()]));
        assert!(!c.is_enabled("PAR-T001"));
    }

    #[test]
    fn apply_overrides_and_checks_types() {
        let mut pack = builtin().unwrap();
        let c = parse(
            "ignore = [\"PAR-S\"]\n[rules.PAR-T001]\nseverity = \"warning\"\nparams = { margin = \"5s\" }\n",
        )
        .unwrap();
        c.apply(&mut pack, &[]).unwrap();
        assert!(pack.iter().all(|p| !p.id.starts_with("PAR-S")));
        let t001 = pack.iter().find(|p| p.id == "PAR-T001").unwrap();
        assert_eq!(t001.severity, Severity::Warning);
        assert_eq!(
            t001.params.get("margin"),
            Some(&Value::Duration(crate::value::Millis(5000)))
        );

        // A choice parameter takes only its words.
        let mut pack = builtin().unwrap();
        let c = parse("[rules.PAR-T001]\nparams = { direction = \"app_first\" }\n").unwrap();
        c.apply(&mut pack, &[]).unwrap();
        let t001 = pack.iter().find(|p| p.id == "PAR-T001").unwrap();
        assert_eq!(
            t001.params.get("direction"),
            Some(&Value::Str("app_first".into()))
        );
        let mut pack = builtin().unwrap();
        let c = parse("[rules.PAR-T001]\nparams = { direction = \"inner_first\" }\n").unwrap();
        let e = c.apply(&mut pack, &[]).unwrap_err();
        assert!(
            e.message.contains("cannot be \"inner_first\""),
            "{}",
            e.message
        );
        assert_eq!(
            e.help.as_deref(),
            Some("write one of: proxy_first, app_first")
        );

        let mut pack = builtin().unwrap();
        let c = parse("[rules.PAR-T001]\nparams = { margin = 5 }\n").unwrap();
        let e = c.apply(&mut pack, &[]).unwrap_err();
        assert!(e.message.contains("is a duration"), "{}", e.message);
        assert_eq!(e.line_col(), Some((2, 21)));

        let mut pack = builtin().unwrap();
        let c = parse("[rules.PAR-T001]\nparams = { margn = \"5s\" }\n").unwrap();
        let e = c.apply(&mut pack, &[]).unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `margin`?"));

        let mut pack = builtin().unwrap();
        let c = parse("[rules.PAR-T099]\nseverity = \"info\"\n").unwrap();
        let e = c.apply(&mut pack, &[]).unwrap_err();
        assert_eq!(e.message, "no rule `PAR-T099`");
        assert_eq!(e.line_col(), Some((1, 8)));

        let mut pack = builtin().unwrap();
        let c = parse("select = [\"PAR-Q\"]\n").unwrap();
        let e = c.apply(&mut pack, &["PAR-E002"]).unwrap_err();
        assert!(e.message.contains("no rule id starts with `PAR-Q`"));

        let mut pack = builtin().unwrap();
        let mut c = Config::default();
        c.override_selection(Some(vec!["PAR-E002".into()]), None);
        c.apply(&mut pack, &["PAR-E002"]).unwrap();
        assert!(pack.is_empty());
    }

    #[test]
    fn the_starter_file_loads_commented_and_uncommented() {
        let c = parse(STARTER).unwrap();
        assert_eq!(c.select, None);
        assert!(c.rules.is_empty());
        // Uncommenting every setting gives a valid configuration too.
        let uncommented: String = STARTER
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") || rest.starts_with("[rules.") => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = parse(&uncommented).unwrap();
        assert_eq!(c.select.as_ref().map(Vec::len), Some(2));
        assert_eq!(c.fail_on, Some(FailThreshold::At(Severity::Warning)));
        let mut pack = builtin().unwrap();
        c.apply(&mut pack, &["PAR-E002"]).unwrap();
        assert!(
            pack.iter()
                .all(|p| p.id.starts_with("PAR-T") || p.id == "PAR-S004")
        );
        assert!(pack.iter().any(|p| p.id == "PAR-S004"));
        assert_eq!(
            pack.iter().find(|p| p.id == "PAR-T001").unwrap().severity,
            Severity::Warning
        );
    }

    #[test]
    fn nginx_versions() {
        assert_eq!(
            parse_nginx_version("1.27"),
            Some(NginxVersion::Series(1, 27))
        );
        assert_eq!(
            parse_nginx_version("1.27.3"),
            Some(NginxVersion::Known(1, 27, 3))
        );
        assert_eq!(parse_nginx_version("1.27.x"), None);
        assert_eq!(parse_nginx_version("1"), None);
        assert_eq!(parse_nginx_version("1..2"), None);
    }
}
