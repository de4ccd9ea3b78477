//! docker-compose / compose.yaml: the services and the settings that decide
//! what runs in each container and how it is stopped.
//!
//! Semantics follow the compose specification and compose-go (the loader of
//! `docker compose` v2): YAML anchors and merge keys first, then variable
//! interpolation of every value, then the service fields. Only `services`
//! is read; `x-*` extension sections matter only through anchors.
//!
//! Every value keeps its span. Interpolated values keep an exact map for
//! their literal parts and defaults; a value taken from the environment maps
//! to the whole `${...}` it replaced. [`ComposeFile::interpolations`] lists
//! every substitution so a consumer can tell a value written in the file
//! from one that came from `.env`.

use std::collections::HashSet;

use crate::diag::Problem;
use crate::sources::yaml::{self, Node, NodeKind, Style, Text, TextBuilder};
use crate::span::{FileId, Span, Spanned};
use crate::value::Millis;

/// The services of one compose file (or of several merged, see [`merge`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ComposeFile {
    pub services: Vec<Service>,
    pub problems: Vec<Problem>,
    /// Every `$VAR` / `${VAR...}` substitution made in the services, in file order.
    pub interpolations: Vec<Interpolation>,
    /// Top-level `configs:` (name and the file it is read from).
    pub configs: Vec<ConfigDef>,
    /// Top-level `include:` paths (compose 2.20+), as written.
    pub include: Vec<Text>,
}

/// A top-level `configs:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigDef {
    pub name: Spanned<String>,
    /// `file:` (relative to the project directory); `None` for `content:`,
    /// `environment:` or `external:` configs.
    pub file: Option<Text>,
}

/// One variable substitution (`$VAR`, `${VAR:-default}`, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Interpolation {
    pub var: String,
    /// The whole `$VAR` / `${...}` as written.
    pub span: Span,
    pub source: Substituted,
}

/// Where a substituted value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Substituted {
    /// The variable's value from the environment passed to [`parse`].
    Env(String),
    /// The default (`:-`, `-`) or alternative (`:+`, `+`) written in the file.
    Default,
    /// Not set and no default: compose warns and uses an empty string.
    Unset,
    /// `${VAR:?msg}` / `${VAR?msg}` with the variable missing from the
    /// environment given to [`parse`]: compose refuses to run unless the
    /// deployment sets it (the message is the file's). Not a Problem, since
    /// the shell environment at deploy time may well set it.
    Required(String),
}

/// One service.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: Spanned<String>,
    /// The service's mapping (or its key, when the value is empty).
    pub span: Span,
    pub image: Option<Text>,
    pub build: Option<Build>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub environment: Vec<EnvVar>,
    pub env_files: Vec<Text>,
    /// The value as written and its meaning under compose's duration grammar.
    pub stop_grace_period: Option<(Text, Result<Millis, String>)>,
    pub stop_signal: Option<Text>,
    pub working_dir: Option<Text>,
    pub init: Option<bool>,
    pub volumes: Vec<Volume>,
    /// `(source, target)`.
    pub configs: Vec<(Text, Option<Text>)>,
    /// Network aliases from every network the service joins.
    pub aliases: Vec<Text>,
    pub container_name: Option<Text>,
    pub hostname: Option<Text>,
    pub network_mode: Option<Text>,
    pub expose: Vec<Text>,
    pub ports: Vec<Text>,
    /// Keys of this service tagged `!reset` (remove what an earlier file set).
    pub reset_keys: Vec<String>,
    /// Keys of this service tagged `!override` (replace instead of merge).
    pub override_keys: Vec<String>,
    /// The whole service is `!reset` (an override file removes it).
    pub reset: bool,
    /// `(file, service)`.
    pub extends: Option<(Option<Text>, Text)>,
    pub healthcheck: Option<Healthcheck>,
}

impl Service {
    /// A service with nothing set but its name (and where it is defined).
    #[must_use]
    pub fn empty(name: Spanned<String>, span: Span) -> Self {
        Service {
            name,
            span,
            image: None,
            build: None,
            command: None,
            entrypoint: None,
            environment: Vec::new(),
            env_files: Vec::new(),
            stop_grace_period: None,
            stop_signal: None,
            working_dir: None,
            init: None,
            volumes: Vec::new(),
            configs: Vec::new(),
            aliases: Vec::new(),
            container_name: None,
            hostname: None,
            network_mode: None,
            expose: Vec::new(),
            ports: Vec::new(),
            reset_keys: Vec::new(),
            override_keys: Vec::new(),
            reset: false,
            extends: None,
            healthcheck: None,
        }
    }
}

/// A compose duration as written and its meaning (see [`parse_duration`]).
pub type Duration = (Text, Result<Millis, String>);

/// `healthcheck:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Healthcheck {
    pub span: Span,
    /// `test:` (`["CMD", ...]`, `["CMD-SHELL", "..."]`, `["NONE"]` or a string).
    pub test: Option<Command>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub retries: Option<Text>,
    pub disable: Option<bool>,
}

/// `build:` in string or mapping form.
#[derive(Clone, Debug, PartialEq)]
pub struct Build {
    pub context: Text,
    /// False when `context` is compose's default (`.`), not written.
    pub context_written: bool,
    pub dockerfile: Option<Text>,
    /// The Dockerfile stage to build (`target:`); the last stage otherwise.
    pub target: Option<Text>,
}

/// `command:` / `entrypoint:`.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// String form: compose splits it with shell-like rules (no shell runs);
    /// the consumer splits it like shlex.
    Shell(Text),
    /// List form.
    Exec(Vec<Text>),
    /// `null`: keep the image's value.
    Null,
}

/// One `environment:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub name_span: Span,
    /// `None`: written without a value (`- KEY` or `KEY:`), so compose takes
    /// it from its own environment, or leaves it unset.
    pub value: Option<Text>,
    /// Tagged `!reset`: an override file removes the variable.
    pub reset: bool,
}

/// One `volumes:` entry (short `src:dst:ro` or long syntax).
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    /// Long syntax `type:` (`bind`, `volume`, `tmpfs`, ...); `None` in short
    /// syntax, where the source decides (a path is a bind mount, a name a volume).
    pub kind: Option<Text>,
    pub source: Option<Text>,
    pub target: Text,
    pub read_only: bool,
    pub span: Span,
}

/// Cheap check used by discovery: a top-level `services:` key.
#[must_use]
pub fn looks_like_compose(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().any(|line| {
        ["services", "\"services\"", "'services'"]
            .iter()
            .any(|key| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.trim_start_matches([' ', '\t']).strip_prefix(':'))
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '#', '\r']))
            })
    }) || text.trim_start().starts_with('{') && text.contains("\"services\"")
}

/// Parses a compose file. `env` gives the variables compose would see (the
/// caller passes the project's `.env`).
pub fn parse(file: FileId, text: &str, env: &dyn Fn(&str) -> Option<String>) -> ComposeFile {
    let docs = yaml::parse(file, text);
    let mut reader = Reader {
        env,
        problems: docs.problems,
        interpolations: Vec::new(),
        seen_interpolations: HashSet::new(),
    };
    let mut services = Vec::new();
    let mut configs = Vec::new();
    let mut include = Vec::new();
    match docs.docs.iter().find(|d| !d.is_null()) {
        None => {}
        Some(root) if root.as_map().is_none() => reader.problem(
            root.span,
            "a compose file must be a mapping with a `services` key",
        ),
        Some(root) => {
            if let Some(svcs) = root.get("services") {
                match &svcs.kind {
                    NodeKind::Map(entries) => {
                        for (key, value) in entries {
                            if let Some(service) = reader.service(key, value) {
                                services.push(service);
                            }
                        }
                    }
                    NodeKind::Null => {}
                    _ => reader.problem(svcs.span, "`services` must be a mapping"),
                }
            }
            if let Some(defs) = root.get("configs").and_then(Node::as_map) {
                for (key, value) in defs {
                    let Some(name) = key.as_str() else { continue };
                    let file = value.get("file").and_then(|f| reader.string(f, "file"));
                    configs.push(ConfigDef {
                        name: Spanned::new(name.to_owned(), key.span),
                        file,
                    });
                }
            }
            if let Some(inc) = root.get("include") {
                let items: Vec<&Node> = match &inc.kind {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![inc],
                };
                for item in items {
                    match &item.kind {
                        // Long syntax: `path` is one path or a list merged as one project.
                        NodeKind::Map(_) => {
                            if let Some(p) = item.get("path") {
                                include.extend(reader.strings(p, "include.path"));
                            }
                        }
                        _ => include.extend(reader.string(item, "include")),
                    }
                }
            }
        }
    }
    reader
        .interpolations
        .sort_by_key(|i| (i.span.start, i.span.end));
    ComposeFile {
        services,
        problems: reader.problems,
        interpolations: reader.interpolations,
        configs,
        include,
    }
}

struct Reader<'e> {
    env: &'e dyn Fn(&str) -> Option<String>,
    problems: Vec<Problem>,
    interpolations: Vec<Interpolation>,
    /// Aliases repeat the same text; report each substitution once.
    seen_interpolations: HashSet<(u32, u32, String)>,
}

impl Reader<'_> {
    fn problem(&mut self, span: Span, msg: impl Into<String>) {
        self.problems.push(Problem::parse(span, msg));
    }

    fn service(&mut self, key: &Node, value: &Node) -> Option<Service> {
        let Some(name) = key.as_str() else {
            self.problem(key.span, "a service name must be a string");
            return None;
        };
        let mut svc = Service::empty(
            Spanned::new(name.to_owned(), key.span),
            if value.is_null() {
                key.span
            } else {
                value.span
            },
        );
        svc.reset = value.tag.as_deref() == Some("!reset");
        let entries = match &value.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null => return Some(svc),
            _ => {
                self.problem(value.span, format!("service {name:?} must be a mapping"));
                return None;
            }
        };
        for (k, v) in entries {
            let Some(field) = k.as_str() else { continue };
            match v.tag.as_deref() {
                Some("!reset") => svc.reset_keys.push(field.to_owned()),
                Some("!override") => svc.override_keys.push(field.to_owned()),
                _ => {}
            }
            match field {
                "image" => svc.image = self.string(v, field),
                "build" => svc.build = self.build(v),
                "command" => svc.command = self.command(v, field),
                "entrypoint" => svc.entrypoint = self.command(v, field),
                "environment" => svc.environment = self.environment(v),
                "env_file" => svc.env_files = self.env_files(v),
                "stop_grace_period" => {
                    svc.stop_grace_period = self.string(v, field).map(|t| {
                        let d = parse_duration(&t.value);
                        (t, d)
                    });
                }
                "stop_signal" => svc.stop_signal = self.string(v, field),
                "working_dir" => svc.working_dir = self.string(v, field),
                "init" => svc.init = self.boolean(v, field),
                "volumes" => svc.volumes = self.volumes(v),
                "configs" => svc.configs = self.configs(v),
                "networks" => svc.aliases = self.aliases(v),
                "container_name" => svc.container_name = self.string(v, field),
                "hostname" => svc.hostname = self.string(v, field),
                "network_mode" => svc.network_mode = self.string(v, field),
                "expose" => svc.expose = self.ports(v, field),
                "ports" => svc.ports = self.ports(v, field),
                "extends" => svc.extends = self.extends(v),
                "healthcheck" => svc.healthcheck = self.healthcheck(v),
                _ => {}
            }
        }
        Some(svc)
    }

    /// A scalar value, interpolated. Null gives `None`; a collection is a Problem.
    fn string(&mut self, v: &Node, field: &str) -> Option<Text> {
        match &v.kind {
            NodeKind::Scalar(t) => Some(self.interpolate(t)),
            NodeKind::Null => None,
            _ => {
                self.problem(v.span, format!("`{field}` must be a string"));
                None
            }
        }
    }

    fn strings(&mut self, v: &Node, field: &str) -> Vec<Text> {
        match &v.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|i| self.string(i, field)).collect(),
            NodeKind::Null => Vec::new(),
            _ => self.string(v, field).into_iter().collect(),
        }
    }

    fn boolean(&mut self, v: &Node, field: &str) -> Option<bool> {
        let t = self.string(v, field)?;
        // compose-go's boolean cast for interpolated values (YAML 1.1 words).
        match t.value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "on" => Some(true),
            "false" | "no" | "n" | "off" => Some(false),
            _ => {
                self.problem(t.span, format!("`{field}` must be a boolean"));
                None
            }
        }
    }

    fn build(&mut self, v: &Node) -> Option<Build> {
        match &v.kind {
            NodeKind::Scalar(_) => self.string(v, "build").map(|context| Build {
                context,
                context_written: true,
                dockerfile: None,
                target: None,
            }),
            NodeKind::Map(_) => {
                let written = match v.get("context") {
                    Some(c) => self.string(c, "build.context"),
                    None => None,
                };
                let context_written = written.is_some();
                let context = written.unwrap_or_else(|| Text::new_mapped(".".to_owned(), v.span));
                let dockerfile = v
                    .get("dockerfile")
                    .and_then(|d| self.string(d, "build.dockerfile"));
                let target = v.get("target").and_then(|d| self.string(d, "build.target"));
                Some(Build {
                    context,
                    context_written,
                    dockerfile,
                    target,
                })
            }
            NodeKind::Null => None,
            NodeKind::Seq(_) => {
                self.problem(v.span, "`build` must be a string or a mapping");
                None
            }
        }
    }

    fn command(&mut self, v: &Node, field: &str) -> Option<Command> {
        match &v.kind {
            NodeKind::Null => Some(Command::Null),
            NodeKind::Scalar(t) => Some(Command::Shell(self.interpolate(t))),
            NodeKind::Seq(items) => {
                let mut args = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        NodeKind::Scalar(t) => args.push(self.interpolate(t)),
                        // go-yaml renders a null list item as an empty string.
                        NodeKind::Null => args.push(Text::new_mapped(String::new(), item.span)),
                        _ => self.problem(item.span, format!("`{field}` items must be strings")),
                    }
                }
                Some(Command::Exec(args))
            }
            NodeKind::Map(_) => {
                self.problem(v.span, format!("`{field}` must be a string or a list"));
                None
            }
        }
    }

    fn environment(&mut self, v: &Node) -> Vec<EnvVar> {
        let mut out = Vec::new();
        match &v.kind {
            NodeKind::Map(entries) => {
                for (k, val) in entries {
                    let Some(name) = k.as_str() else {
                        self.problem(k.span, "environment variable names must be strings");
                        continue;
                    };
                    let value = match &val.kind {
                        NodeKind::Scalar(t) => Some(self.interpolate(t)),
                        NodeKind::Null => None,
                        _ => {
                            self.problem(val.span, "environment values must be strings");
                            None
                        }
                    };
                    out.push(EnvVar {
                        name: name.to_owned(),
                        name_span: k.span,
                        value,
                        reset: val.tag.as_deref() == Some("!reset"),
                    });
                }
            }
            NodeKind::Seq(items) => {
                for item in items {
                    let Some(t) = self.string(item, "environment") else {
                        continue;
                    };
                    // compose splits `KEY=VALUE` after interpolation.
                    let (name, value) = match t.value.find('=') {
                        Some(eq) => (&t.value[..eq], Some(t.slice(eq + 1..t.value.len()))),
                        None => (t.value.as_str(), None),
                    };
                    out.push(EnvVar {
                        name: name.to_owned(),
                        name_span: t.span_of(0..name.len()),
                        value,
                        reset: item.tag.as_deref() == Some("!reset"),
                    });
                }
            }
            NodeKind::Null => {}
            NodeKind::Scalar(_) => {
                self.problem(v.span, "`environment` must be a mapping or a list");
            }
        }
        out
    }

    fn env_files(&mut self, v: &Node) -> Vec<Text> {
        let items: Vec<&Node> = match &v.kind {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                NodeKind::Map(_) => {
                    if let Some(t) = item
                        .get("path")
                        .and_then(|p| self.string(p, "env_file.path"))
                    {
                        out.push(t);
                    }
                }
                _ => out.extend(self.string(item, "env_file")),
            }
        }
        out
    }

    fn volumes(&mut self, v: &Node) -> Vec<Volume> {
        let Some(items) = v.as_seq() else {
            if !v.is_null() {
                self.problem(v.span, "`volumes` must be a list");
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                NodeKind::Scalar(t) => {
                    let t = self.interpolate(t);
                    out.push(short_volume(&t, item.span));
                }
                NodeKind::Map(_) => {
                    let source = item.get("source").and_then(|s| self.string(s, "source"));
                    let Some(target) = item.get("target").and_then(|s| self.string(s, "target"))
                    else {
                        self.problem(item.span, "a volume needs a `target`");
                        continue;
                    };
                    let read_only = item
                        .get("read_only")
                        .and_then(|r| self.boolean(r, "read_only"))
                        .unwrap_or(false);
                    let kind = item.get("type").and_then(|t| self.string(t, "type"));
                    out.push(Volume {
                        kind,
                        source,
                        target,
                        read_only,
                        span: item.span,
                    });
                }
                _ => self.problem(item.span, "a volume must be a string or a mapping"),
            }
        }
        out
    }

    fn configs(&mut self, v: &Node) -> Vec<(Text, Option<Text>)> {
        let Some(items) = v.as_seq() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                NodeKind::Scalar(t) => out.push((self.interpolate(t), None)),
                NodeKind::Map(_) => {
                    let Some(source) = item.get("source").and_then(|s| self.string(s, "source"))
                    else {
                        self.problem(item.span, "a config needs a `source`");
                        continue;
                    };
                    let target = item.get("target").and_then(|s| self.string(s, "target"));
                    out.push((source, target));
                }
                _ => self.problem(item.span, "a config must be a string or a mapping"),
            }
        }
        out
    }

    fn aliases(&mut self, v: &Node) -> Vec<Text> {
        // The list form (`networks: [front]`) has no aliases.
        let Some(networks) = v.as_map() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (_, net) in networks {
            if let Some(aliases) = net.get("aliases") {
                out.extend(self.strings(aliases, "aliases"));
            }
        }
        out
    }

    fn ports(&mut self, v: &Node, field: &str) -> Vec<Text> {
        let Some(items) = v.as_seq() else {
            if !v.is_null() {
                self.problem(v.span, format!("`{field}` must be a list"));
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match &item.kind {
                NodeKind::Scalar(t) => out.push(self.interpolate(t)),
                NodeKind::Map(_) => {
                    // Long syntax: rendered as `published:target`.
                    let target = item.get("target").and_then(|t| self.string(t, "target"));
                    let published = item
                        .get("published")
                        .and_then(|t| self.string(t, "published"));
                    match (published, target) {
                        (Some(p), Some(t)) => {
                            let mut b = TextBuilder::new(item.span.file);
                            b.push_text(&p, 0..p.value.len());
                            b.push_mapped(":", item.span);
                            b.push_text(&t, 0..t.value.len());
                            out.push(b.finish(item.span, Style::Plain));
                        }
                        (None, Some(t)) => out.push(t),
                        _ => self.problem(item.span, "a port needs a `target`"),
                    }
                }
                _ => self.problem(item.span, format!("`{field}` items must be strings")),
            }
        }
        out
    }

    fn extends(&mut self, v: &Node) -> Option<(Option<Text>, Text)> {
        match &v.kind {
            NodeKind::Scalar(t) => Some((None, self.interpolate(t))),
            NodeKind::Map(_) => {
                let Some(service) = v.get("service").and_then(|s| self.string(s, "service")) else {
                    self.problem(v.span, "`extends` needs a `service`");
                    return None;
                };
                let file = v.get("file").and_then(|f| self.string(f, "file"));
                Some((file, service))
            }
            _ => None,
        }
    }

    fn duration(&mut self, v: &Node, field: &str) -> Option<Duration> {
        self.string(v, field).map(|t| {
            let d = parse_duration(&t.value);
            (t, d)
        })
    }

    fn healthcheck(&mut self, v: &Node) -> Option<Healthcheck> {
        if v.is_null() {
            return None;
        }
        if v.as_map().is_none() {
            self.problem(v.span, "`healthcheck` must be a mapping");
            return None;
        }
        let mut h = Healthcheck {
            span: v.span,
            test: None,
            interval: None,
            timeout: None,
            start_period: None,
            start_interval: None,
            retries: None,
            disable: None,
        };
        for (k, val) in v.as_map().unwrap_or_default() {
            match k.as_str() {
                Some("test") => h.test = self.command(val, "healthcheck.test"),
                Some(f @ "interval") => h.interval = self.duration(val, f),
                Some(f @ "timeout") => h.timeout = self.duration(val, f),
                Some(f @ "start_period") => h.start_period = self.duration(val, f),
                Some(f @ "start_interval") => h.start_interval = self.duration(val, f),
                Some(f @ "retries") => h.retries = self.string(val, f),
                Some(f @ "disable") => h.disable = self.boolean(val, f),
                _ => {}
            }
        }
        Some(h)
    }

    /// Compose variable interpolation of one value.
    fn interpolate(&mut self, text: &Text) -> Text {
        if !text.value.contains('$') {
            return text.clone();
        }
        let mut b = TextBuilder::new(text.span.file);
        self.interpolate_into(text, 0..text.value.len(), &mut b, 0);
        b.finish(text.span, text.style)
    }

    /// Interpolates `text.value[range]` into `out`. `depth` bounds nested defaults.
    fn interpolate_into(
        &mut self,
        text: &Text,
        range: std::ops::Range<usize>,
        out: &mut TextBuilder,
        depth: usize,
    ) {
        let v = text.value.as_bytes();
        let end = range.end.min(v.len());
        let mut i = range.start;
        let mut literal_start = i;
        while i < end {
            if v[i] != b'$' {
                i += 1;
                continue;
            }
            out.push_text(text, literal_start..i);
            let dollar = i;
            match v.get(i + 1).copied() {
                Some(b'$') if i + 1 < end => {
                    out.push_mapped("$", text.span_of(i..i + 2));
                    i += 2;
                }
                Some(c) if i + 1 < end && (c == b'_' || c.is_ascii_alphabetic()) => {
                    let name_end = (i + 1..end)
                        .find(|&j| !(v[j] == b'_' || v[j].is_ascii_alphanumeric()))
                        .unwrap_or(end);
                    let name = &text.value[i + 1..name_end];
                    let span = text.span_of(dollar..name_end);
                    self.substitute_plain(name, span, out);
                    i = name_end;
                }
                Some(b'{') if i + 1 < end => match matching_brace(v, i + 2, end) {
                    Some(close) => {
                        self.braced(
                            text,
                            i + 2..close,
                            text.span_of(dollar..close + 1),
                            out,
                            depth,
                        );
                        i = close + 1;
                    }
                    None => {
                        self.problem(
                            text.span_of(dollar..end),
                            "invalid interpolation: `${` without a closing `}` (docker compose rejects the file)",
                        );
                        out.push_text(text, dollar..end);
                        i = end;
                    }
                },
                _ => {
                    let next = (i + 2..=end)
                        .find(|&j| text.value.is_char_boundary(j))
                        .unwrap_or(end);
                    self.problem(
                        text.span_of(dollar..next),
                        "invalid interpolation: `$` must start `$VAR`, `${VAR}` or `$$` (docker compose rejects the file)",
                    );
                    out.push_text(text, dollar..dollar + 1);
                    i = dollar + 1;
                }
            }
            literal_start = i;
        }
        out.push_text(text, literal_start..end);
    }

    fn substitute_plain(&mut self, name: &str, span: Span, out: &mut TextBuilder) {
        match (self.env)(name) {
            Some(value) => {
                out.push_mapped(&value, span);
                self.record(name, span, Substituted::Env(value));
            }
            None => self.record(name, span, Substituted::Unset),
        }
    }

    /// `${...}`: `inner` is the range between the braces.
    fn braced(
        &mut self,
        text: &Text,
        inner: std::ops::Range<usize>,
        span: Span,
        out: &mut TextBuilder,
        depth: usize,
    ) {
        let v = text.value.as_bytes();
        let name_end = (inner.start..inner.end)
            .find(|&j| !(v[j] == b'_' || v[j].is_ascii_alphanumeric()))
            .unwrap_or(inner.end);
        let name = &text.value[inner.start..name_end];
        let starts_ok = name
            .bytes()
            .next()
            .is_some_and(|c| c == b'_' || c.is_ascii_alphabetic());
        if !starts_ok {
            self.problem(span, "invalid interpolation: `${...}` needs a variable name (docker compose rejects the file)");
            return;
        }
        if name_end == inner.end {
            self.substitute_plain(name, span, out);
            return;
        }
        let rest = &v[name_end..inner.end];
        let (op, op_len) = match rest {
            [b':', b'-', ..] => (":-", 2),
            [b':', b'?', ..] => (":?", 2),
            [b':', b'+', ..] => (":+", 2),
            [b'-', ..] => ("-", 1),
            [b'?', ..] => ("?", 1),
            [b'+', ..] => ("+", 1),
            _ => {
                self.problem(span, format!("invalid interpolation: unexpected characters after `{name}` (docker compose rejects the file)"));
                return;
            }
        };
        let arg = name_end + op_len..inner.end;
        let value = (self.env)(name);
        let set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|s| !s.is_empty());
        let use_arg = match op {
            ":-" => !non_empty,
            "-" => !set,
            ":+" => non_empty,
            "+" => set,
            _ => false,
        };
        if op == ":?" || op == "?" {
            let ok = if op == ":?" { non_empty } else { set };
            if !ok {
                let mut msg = TextBuilder::new(text.span.file);
                self.interpolate_nested(text, arg, &mut msg, depth);
                let msg = msg.value().to_owned();
                self.record(name, span, Substituted::Required(msg));
                return;
            }
        }
        if use_arg {
            self.interpolate_nested(text, arg, out, depth);
            self.record(name, span, Substituted::Default);
        } else if matches!(op, ":+" | "+") {
            // The alternative is not used: the variable's own (empty) value.
            let value = value.unwrap_or_default();
            out.push_mapped(&value, span);
            self.record(name, span, Substituted::Env(value));
        } else {
            match value {
                Some(value) => {
                    out.push_mapped(&value, span);
                    self.record(name, span, Substituted::Env(value));
                }
                None => self.record(name, span, Substituted::Unset),
            }
        }
    }

    fn interpolate_nested(
        &mut self,
        text: &Text,
        range: std::ops::Range<usize>,
        out: &mut TextBuilder,
        depth: usize,
    ) {
        if depth >= 16 {
            self.problem(
                text.span_of(range.clone()),
                "interpolation nested too deeply",
            );
            out.push_text(text, range);
            return;
        }
        self.interpolate_into(text, range, out, depth + 1);
    }

    fn record(&mut self, var: &str, span: Span, source: Substituted) {
        if self
            .seen_interpolations
            .insert((span.start, span.end, var.to_owned()))
        {
            self.interpolations.push(Interpolation {
                var: var.to_owned(),
                span,
                source,
            });
        }
    }
}

/// Merges `over` onto `base` as `docker compose -f base -f over` does
/// (compose-spec `13-merge.md`; compose-go `override/merge.go` and
/// `override/uncity.go`): scalars are replaced; `command`, `entrypoint` and
/// `healthcheck.test` are replaced whole; `environment` merges by variable
/// name; `volumes` and `configs` merge by container target; `env_file`,
/// `expose`, `ports` and network aliases are appended without duplicates;
/// `build` and `healthcheck` merge field by field. `!reset` removes what `base`
/// set (a whole service, a field, one variable) and `!override` replaces a
/// field instead of merging it. Every value keeps the span of the file that
/// set it, so a finding on a merged service points into the right file.
#[must_use]
pub fn merge(base: &ComposeFile, over: &ComposeFile) -> ComposeFile {
    let mut services: Vec<Service> = base.services.clone();
    for o in &over.services {
        let at = services.iter().position(|s| s.name.value == o.name.value);
        match at {
            Some(i) if o.reset => {
                services.remove(i);
            }
            Some(i) => {
                let merged = merge_service(&services[i], o);
                services[i] = merged;
            }
            None if o.reset => {}
            // A field tagged `!reset` in a new service still ends up unset.
            None => services.push(merge_service(&Service::empty(o.name.clone(), o.span), o)),
        }
    }
    let mut configs = base.configs.clone();
    for c in &over.configs {
        match configs.iter_mut().find(|b| b.name.value == c.name.value) {
            Some(b) => *b = c.clone(),
            None => configs.push(c.clone()),
        }
    }
    ComposeFile {
        services,
        problems: base
            .problems
            .iter()
            .chain(&over.problems)
            .cloned()
            .collect(),
        interpolations: base
            .interpolations
            .iter()
            .chain(&over.interpolations)
            .cloned()
            .collect(),
        configs,
        include: base.include.iter().chain(&over.include).cloned().collect(),
    }
}

/// `over`'s service merged onto `base`'s (same name). See [`merge`].
#[must_use]
pub fn merge_service(base: &Service, over: &Service) -> Service {
    let reset = |k: &str| over.reset_keys.iter().any(|r| r == k);
    let replace = |k: &str| over.override_keys.iter().any(|r| r == k);
    let mut m = base.clone();
    m.reset_keys.clear();
    m.override_keys.clear();
    m.reset = false;

    fn scalar<T: Clone>(b: &mut Option<T>, o: &Option<T>, reset: bool) {
        if reset {
            *b = None;
        } else if o.is_some() {
            b.clone_from(o);
        }
    }
    scalar(&mut m.image, &over.image, reset("image"));
    scalar(&mut m.command, &over.command, reset("command"));
    scalar(&mut m.entrypoint, &over.entrypoint, reset("entrypoint"));
    scalar(
        &mut m.stop_grace_period,
        &over.stop_grace_period,
        reset("stop_grace_period"),
    );
    scalar(&mut m.stop_signal, &over.stop_signal, reset("stop_signal"));
    scalar(&mut m.working_dir, &over.working_dir, reset("working_dir"));
    scalar(&mut m.init, &over.init, reset("init"));
    scalar(
        &mut m.container_name,
        &over.container_name,
        reset("container_name"),
    );
    scalar(&mut m.hostname, &over.hostname, reset("hostname"));
    scalar(
        &mut m.network_mode,
        &over.network_mode,
        reset("network_mode"),
    );
    if over.extends.is_some() {
        m.extends.clone_from(&over.extends);
    }

    m.build = if reset("build") {
        None
    } else {
        match (&base.build, &over.build) {
            (Some(b), Some(o)) if !replace("build") => Some(Build {
                context: if o.context_written {
                    o.context.clone()
                } else {
                    b.context.clone()
                },
                context_written: b.context_written || o.context_written,
                dockerfile: o.dockerfile.clone().or_else(|| b.dockerfile.clone()),
                target: o.target.clone().or_else(|| b.target.clone()),
            }),
            (_, Some(o)) => Some(o.clone()),
            (b, None) => b.clone(),
        }
    };

    m.healthcheck = if reset("healthcheck") {
        None
    } else {
        match (&base.healthcheck, &over.healthcheck) {
            (Some(b), Some(o)) if !replace("healthcheck") => Some(Healthcheck {
                span: o.span,
                test: o.test.clone().or_else(|| b.test.clone()),
                interval: o.interval.clone().or_else(|| b.interval.clone()),
                timeout: o.timeout.clone().or_else(|| b.timeout.clone()),
                start_period: o.start_period.clone().or_else(|| b.start_period.clone()),
                start_interval: o
                    .start_interval
                    .clone()
                    .or_else(|| b.start_interval.clone()),
                retries: o.retries.clone().or_else(|| b.retries.clone()),
                disable: o.disable.or(b.disable),
            }),
            (_, Some(o)) => Some(o.clone()),
            (b, None) => b.clone(),
        }
    };

    // Sequences: `!reset` empties, `!override` replaces, otherwise merge.
    m.environment = if reset("environment") {
        Vec::new()
    } else {
        let mut env = if replace("environment") {
            Vec::new()
        } else {
            base.environment.clone()
        };
        for e in &over.environment {
            match env.iter().position(|x| x.name == e.name) {
                Some(i) if e.reset => {
                    env.remove(i);
                }
                Some(i) => env[i] = e.clone(),
                None if e.reset => {}
                None => env.push(e.clone()),
            }
        }
        env
    };
    m.env_files = merge_unique(
        &base.env_files,
        &over.env_files,
        reset("env_file"),
        replace("env_file"),
        |t| t.value.clone(),
    );
    m.volumes = merge_unique(
        &base.volumes,
        &over.volumes,
        reset("volumes"),
        replace("volumes"),
        |v| v.target.value.trim_end_matches('/').to_owned(),
    );
    m.configs = merge_unique(
        &base.configs,
        &over.configs,
        reset("configs"),
        replace("configs"),
        |(source, target)| {
            target
                .as_ref()
                .map_or_else(|| format!("/{}", source.value), |t| t.value.clone())
        },
    );
    m.aliases = merge_unique(
        &base.aliases,
        &over.aliases,
        reset("networks"),
        replace("networks"),
        |t| t.value.clone(),
    );
    m.expose = merge_unique(
        &base.expose,
        &over.expose,
        reset("expose"),
        replace("expose"),
        |t| t.value.clone(),
    );
    m.ports = merge_unique(
        &base.ports,
        &over.ports,
        reset("ports"),
        replace("ports"),
        |t| t.value.clone(),
    );
    m
}

/// A sequence merged by a unique key: an entry of `over` replaces the entry
/// of `base` with the same key in place, new keys are appended.
fn merge_unique<T: Clone, K: PartialEq>(
    base: &[T],
    over: &[T],
    reset: bool,
    replace: bool,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    if reset {
        return Vec::new();
    }
    let mut out: Vec<T> = if replace { Vec::new() } else { base.to_vec() };
    for o in over {
        let k = key(o);
        match out.iter().position(|b| key(b) == k) {
            Some(i) => out[i] = o.clone(),
            None => out.push(o.clone()),
        }
    }
    out
}

/// How deep `extends` chains are followed before giving up.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Resolves `extends:` in every service of `file`, as compose does when it
/// loads the file: the named service (of this file, or of the file named by
/// `extends.file`) is the base and the extending service is merged onto it
/// with the rules of [`merge`]. `other` returns the file an `extends.file`
/// names, already resolved and with its relative paths rebased onto this
/// file's directory (see [`rebase_paths`]); `None` when it is not in the
/// repository. Cycles and missing services become Problems.
pub fn resolve_extends(
    file: &mut ComposeFile,
    other: &mut dyn FnMut(&Text) -> Option<ComposeFile>,
) {
    let original = file.services.clone();
    let mut problems = Vec::new();
    for i in 0..file.services.len() {
        let mut stack = Vec::new();
        if let Some(resolved) = extend_one(&original, i, other, &mut stack, &mut problems) {
            file.services[i] = resolved;
        }
    }
    file.problems.extend(problems);
}

/// The service `services[i]` with its `extends` chain applied; `None` when it
/// has none.
fn extend_one(
    services: &[Service],
    i: usize,
    other: &mut dyn FnMut(&Text) -> Option<ComposeFile>,
    stack: &mut Vec<usize>,
    problems: &mut Vec<Problem>,
) -> Option<Service> {
    let svc = services.get(i)?;
    let (from_file, name) = svc.extends.as_ref()?;
    if stack.contains(&i) || stack.len() >= MAX_EXTENDS_DEPTH {
        problems.push(Problem::parse(
            name.span,
            format!(
                "`extends` of service `{}` loops back to itself (docker compose rejects the file)",
                svc.name.value
            ),
        ));
        return None;
    }
    let base = match from_file {
        Some(path) => {
            let Some(f) = other(path) else {
                // The file is not in the repository: what it sets is unknown.
                return None;
            };
            match f.services.iter().find(|s| s.name.value == name.value) {
                Some(b) => b.clone(),
                None => {
                    problems.push(Problem::parse(
                        name.span,
                        format!(
                            "`extends` names service `{}`, which {} does not define (docker compose rejects the file)",
                            name.value, path.value
                        ),
                    ));
                    return None;
                }
            }
        }
        None => {
            let Some(j) = services.iter().position(|s| s.name.value == name.value) else {
                problems.push(Problem::parse(
                    name.span,
                    format!(
                        "`extends` names service `{}`, which this file does not define (docker compose rejects the file)",
                        name.value
                    ),
                ));
                return None;
            };
            stack.push(i);
            let b = extend_one(services, j, other, stack, problems)
                .unwrap_or_else(|| services[j].clone());
            stack.pop();
            b
        }
    };
    let mut local = svc.clone();
    local.extends = None;
    let mut merged = merge_service(&base, &local);
    merged.name = svc.name.clone();
    merged.span = svc.span;
    merged.extends = None;
    Some(merged)
}

/// Rewrites the relative paths of `file`'s services (build context,
/// bind-mount sources, `env_file`, config files) as seen from a directory
/// `prefix` above them: compose resolves the paths of a service taken from
/// another file (`extends.file`) relative to that file. `prefix` is the
/// other file's directory relative to the extending file's (e.g. `common`).
pub fn rebase_paths(file: &mut ComposeFile, prefix: &str) {
    if prefix.is_empty() || prefix == "." {
        return;
    }
    let join = |t: &Text| -> Text {
        let p = t.value.strip_prefix("./").unwrap_or(&t.value);
        let v = if p == "." || p.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}/{p}")
        };
        Text::new_mapped(v, t.span)
    };
    let relative = |s: &str| !s.starts_with('/') && !s.contains("://") && !s.starts_with('~');
    for s in &mut file.services {
        if let Some(b) = &mut s.build
            && relative(&b.context.value)
        {
            b.context = join(&b.context);
        }
        for v in &mut s.volumes {
            if let Some(src) = &mut v.source
                && src.value.starts_with('.')
            {
                *src = join(src);
            }
        }
        for f in &mut s.env_files {
            if relative(&f.value) {
                *f = join(f);
            }
        }
    }
    for c in &mut file.configs {
        if let Some(f) = &mut c.file
            && relative(&f.value)
        {
            *f = join(f);
        }
    }
}

/// The `}` closing a `${` whose content starts at `from`, counting nested `${`.
fn matching_brace(v: &[u8], from: usize, end: usize) -> Option<usize> {
    let mut depth = 1usize;
    let mut i = from;
    while i < end {
        match v[i] {
            b'$' if v.get(i + 1) == Some(&b'{') && i + 1 < end => {
                depth += 1;
                i += 2;
                continue;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Short volume syntax `[SOURCE:]TARGET[:MODE]` (Windows drive letters kept
/// with their path).
fn short_volume(t: &Text, span: Span) -> Volume {
    let v = &t.value;
    let mut parts: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for (i, c) in v.char_indices() {
        if c != ':' {
            continue;
        }
        // `C:\data` or `C:/data`: a drive letter, not a separator.
        let is_drive = i == start + 1
            && v[start..i].chars().all(|c| c.is_ascii_alphabetic())
            && v[i + 1..].starts_with(['\\', '/']);
        if !is_drive {
            parts.push(start..i);
            start = i + 1;
        }
    }
    parts.push(start..v.len());
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, target.clone(), None),
        [source, target] => (Some(source.clone()), target.clone(), None),
        [source, target, mode, ..] => (Some(source.clone()), target.clone(), Some(mode.clone())),
        [] => (None, 0..v.len(), None),
    };
    let read_only = mode.is_some_and(|m| v[m].split(',').any(|o| o == "ro"));
    Volume {
        kind: None,
        source: source.map(|r| t.slice(r)),
        target: t.slice(target),
        read_only,
        span,
    }
}

/// A compose duration (`stop_grace_period`): Go's duration syntax as
/// compose-go reads it (str2duration): decimal numbers with a unit each,
/// concatenated (`1m30s`, `1.5s`), units `ns us µs ms s m h d w`. A bare
/// number other than `0` has no unit and is rejected, as compose does.
pub fn parse_duration(s: &str) -> Result<Millis, String> {
    const UNITS: [(&str, u128); 10] = [
        ("ns", 1),
        ("us", 1_000),
        ("µs", 1_000),
        ("μs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
        ("d", 86_400_000_000_000),
        ("w", 604_800_000_000_000),
    ];
    let invalid = || format!("invalid duration {s:?}");
    let mut rest = s;
    if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    } else if rest.starts_with('-') {
        return Err(format!("negative duration {s:?}"));
    }
    if rest == "0" {
        return Ok(Millis(0));
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_ns: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                a.split_at(n)
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .char_indices()
            .find(|&(_, c)| c.is_ascii_digit() || c == '.')
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!("missing unit in duration {s:?}"));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit {unit:?} in duration {s:?}"));
        };
        let int: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| invalid())?
        };
        let mut frac_ns: u128 = 0;
        let mut div: u128 = 1;
        // Digits past the 18th are below a nanosecond for every unit.
        for d in frac_part.bytes().take(18) {
            frac_ns = frac_ns * 10 + u128::from(d - b'0');
            div *= 10;
        }
        total_ns = int
            .checked_mul(scale)
            .and_then(|n| n.checked_add(frac_ns * scale / div))
            .and_then(|n| total_ns.checked_add(n))
            .filter(|&n| n <= i64::MAX as u128)
            .ok_or_else(|| format!("duration {s:?} out of range"))?;
        rest = after;
    }
    Ok(Millis(
        u64::try_from(total_ns / 1_000_000).unwrap_or(u64::MAX),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_compose() {
        assert_eq!(parse_duration("30s"), Ok(Millis(30_000)));
        assert_eq!(parse_duration("1m30s"), Ok(Millis(90_000)));
        assert_eq!(parse_duration("1h2m3s4ms"), Ok(Millis(3_723_004)));
        assert_eq!(parse_duration("1.5s"), Ok(Millis(1500)));
        assert_eq!(parse_duration(".5m"), Ok(Millis(30_000)));
        assert_eq!(parse_duration("500ms"), Ok(Millis(500)));
        assert_eq!(parse_duration("2500us"), Ok(Millis(2)));
        assert_eq!(parse_duration("0"), Ok(Millis(0)));
        assert_eq!(parse_duration("2d"), Ok(Millis(172_800_000)));
        assert!(parse_duration("10").unwrap_err().contains("missing unit"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("10 s").is_err());
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    fn read(id: u32, src: &str) -> ComposeFile {
        parse(FileId(id), src, &|_| None)
    }

    #[test]
    fn reset_and_override_tags_follow_the_spec() {
        let base = read(
            0,
            "services:\n  app:\n    image: myapp\n    ports: [\"8080:80\"]\n    environment:\n      FOO: BAR\n      KEEP: x\n    volumes: [\"./a:/a\", \"./b:/b\"]\n  gone:\n    image: x\n",
        );
        let over = read(
            1,
            "services:\n  app:\n    ports: !reset []\n    environment:\n      FOO: !reset null\n    volumes: !override [\"./c:/c\"]\n  gone: !reset\n",
        );
        let m = merge(&base, &over);
        assert_eq!(m.services.len(), 1);
        let app = &m.services[0];
        assert!(app.ports.is_empty());
        let env: Vec<&str> = app.environment.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(env, ["KEEP"]);
        let targets: Vec<&str> = app
            .volumes
            .iter()
            .map(|v| v.target.value.as_str())
            .collect();
        assert_eq!(targets, ["/c"]);
        assert_eq!(app.image.as_ref().map(|t| t.value.as_str()), Some("myapp"));
    }

    #[test]
    fn a_reset_field_of_a_new_service_is_unset() {
        let base = read(0, "services:\n  a:\n    image: x\n");
        let over = read(
            1,
            "services:\n  b:\n    image: y\n    command: !reset gunicorn\n",
        );
        let m = merge(&base, &over);
        assert_eq!(m.services.len(), 2);
        assert!(m.services[1].command.is_none());
    }

    #[test]
    fn extends_cycles_and_missing_services_are_problems() {
        let mut f = read(
            0,
            "services:\n  a:\n    extends: b\n  b:\n    extends: a\n  c:\n    extends: nowhere\n",
        );
        resolve_extends(&mut f, &mut |_| None);
        assert!(f.problems.iter().any(|p| p.message.contains("loops back")));
        assert!(f.problems.iter().any(|p| p.message.contains("`nowhere`")));
    }

    #[test]
    fn rebased_paths_are_relative_to_the_extending_file() {
        let mut f = read(
            0,
            "services:\n  a:\n    build: ./src\n    env_file: app.env\n    volumes: [\"./conf:/conf\", \"data:/data\", \"/abs:/abs\"]\n",
        );
        rebase_paths(&mut f, "common");
        let a = &f.services[0];
        assert_eq!(a.build.as_ref().unwrap().context.value, "common/src");
        assert_eq!(a.env_files[0].value, "common/app.env");
        let sources: Vec<&str> = a
            .volumes
            .iter()
            .filter_map(|v| v.source.as_ref())
            .map(|t| t.value.as_str())
            .collect();
        assert_eq!(sources, ["common/conf", "data", "/abs"]);
    }

    #[test]
    fn healthcheck_configs_and_include_are_read() {
        let f = read(
            0,
            "include:\n  - other/compose.yaml\n  - path: [a.yml, b.yml]\nconfigs:\n  site:\n    file: ./nginx/site.conf\n  inline:\n    content: x\nservices:\n  web:\n    image: nginx\n    configs:\n      - source: site\n        target: /etc/nginx/conf.d/site.conf\n      - inline\n    healthcheck:\n      test: curl -f localhost\n      interval: 1m\n      timeout: 5s\n      retries: 3\n",
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let inc: Vec<&str> = f.include.iter().map(|t| t.value.as_str()).collect();
        assert_eq!(inc, ["other/compose.yaml", "a.yml", "b.yml"]);
        assert_eq!(f.configs.len(), 2);
        assert_eq!(
            f.configs[0].file.as_ref().map(|t| t.value.as_str()),
            Some("./nginx/site.conf")
        );
        assert!(f.configs[1].file.is_none());
        let h = f.services[0].healthcheck.as_ref().unwrap();
        assert_eq!(h.interval.as_ref().unwrap().1, Ok(Millis(60_000)));
        assert_eq!(h.timeout.as_ref().unwrap().1, Ok(Millis(5_000)));
        assert_eq!(h.retries.as_ref().unwrap().value, "3");
        assert!(matches!(h.test, Some(Command::Shell(_))));
    }

    #[test]
    fn compose_detection() {
        assert!(looks_like_compose("version: '3'\nservices:\n  web: {}\n"));
        assert!(looks_like_compose("\u{feff}services: # x\n"));
        assert!(looks_like_compose("\"services\": {}\n"));
        assert!(!looks_like_compose("spec:\n  services:\n"));
        assert!(!looks_like_compose("services_x: 1\n"));
        assert!(!looks_like_compose("kind: Service\n"));
    }
}
