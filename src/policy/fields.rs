//! The fields a policy can read, per subject, with their types; and how each
//! is looked up in the model. This table is the policy language's schema:
//! a misspelt field is an error when the policy loads.

use super::expr::Type;
use crate::finding::Label;
use crate::model::{
    AppServer, ConfigItemKind, IngressControllerScope, NginxDirective, Proxy, Settings, Upstream,
    UpstreamServer, Workload,
};
use crate::origin::Origin;
use crate::span::Span;
use crate::value::{Setting, Value};

/// What a policy is evaluated over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A proxy linked to the app server behind it: `proxy.*`, `upstream.*`,
    /// `app.*`, `container.*`.
    Hop,
    /// A workload running an app server: `app.*`, `container.*`.
    Workload,
    /// One app server on its own: `app.*`, and `container.*` when it runs in
    /// a known workload (unknown otherwise).
    Server,
    /// One proxy location that forwards, linked or not: `proxy.*`, `upstream.*`.
    Proxy,
    /// One nginx directive parity checks on its own: `directive.*`.
    Directive,
    /// The outcome of another rule that depends on the nginx version, which
    /// parity does not know: `split.*`.
    VersionSplit,
    /// An Ingress controller in one deployment scope: `controller.*`.
    IngressController,
}

impl Subject {
    /// Every subject, in the order the docs list them.
    pub const ALL: [Subject; 7] = [
        Subject::Hop,
        Subject::Workload,
        Subject::Server,
        Subject::Proxy,
        Subject::Directive,
        Subject::VersionSplit,
        Subject::IngressController,
    ];

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Hop => "hop",
            Subject::Workload => "workload",
            Subject::Server => "server",
            Subject::Proxy => "proxy",
            Subject::Directive => "directive",
            Subject::VersionSplit => "version_split",
            Subject::IngressController => "ingress_controller",
        }
    }
}

const PROXY: &[(&str, Type)] = &[
    ("proxy.tool", Type::String),
    ("proxy.name", Type::String),
    ("proxy.family", Type::String),
    ("proxy.target", Type::String),
    ("proxy.upstream", Type::String),
    ("proxy.read_timeout", Type::Duration),
    ("proxy.connect_timeout", Type::Duration),
    ("proxy.send_timeout", Type::Duration),
    ("proxy.next_upstream", Type::List),
    ("proxy.next_upstream_tries", Type::Number),
    ("proxy.next_upstream_timeout", Type::Duration),
    ("proxy.http_version", Type::String),
    ("proxy.connection_values", Type::List),
    ("proxy.buffering", Type::Bool),
    ("proxy.request_buffering", Type::Bool),
    ("proxy.set_headers", Type::List),
    ("proxy.lost_headers", Type::List),
];

const UPSTREAM: &[(&str, Type)] = &[
    ("upstream.name", Type::String),
    ("upstream.implicit", Type::Bool),
    ("upstream.server_count", Type::Number),
    ("upstream.keepalive", Type::Number),
    ("upstream.keepalive_local", Type::Bool),
    ("upstream.keepalive_timeout", Type::Duration),
    ("upstream.keepalive_requests", Type::Number),
    ("upstream.keepalive_time", Type::Duration),
    ("upstream.max_fails", Type::Number),
    ("upstream.fail_timeout", Type::Duration),
    ("upstream.resolve", Type::Bool),
];

const APP: &[(&str, Type)] = &[
    ("app.server", Type::String),
    ("app.name", Type::String),
    ("app.timeout", Type::Duration),
    ("app.graceful_timeout", Type::Duration),
    ("app.keepalive", Type::Duration),
    ("app.worker_class", Type::String),
    ("app.threads", Type::Number),
    ("app.workers", Type::Number),
    ("app.max_requests", Type::Number),
    ("app.max_requests_jitter", Type::Number),
    ("app.harakiri", Type::Duration),
    ("app.max_requests_delta", Type::Number),
    ("app.master", Type::Bool),
    ("app.die_on_term", Type::Bool),
    ("app.worker_reload_mercy", Type::Duration),
    ("app.stop_signal", Type::String),
    ("app.on_stop_signal", Type::String),
    ("app.drain_timeout", Type::Duration),
    ("app.shell_wrapper", Type::String),
];

const CONTAINER: &[(&str, Type)] = &[
    ("container.name", Type::String),
    ("container.orchestrator", Type::String),
    ("container.stop_grace_period", Type::Duration),
    ("container.prestop_delay", Type::Duration),
    ("container.prestop_program", Type::String),
    ("container.image_distroless", Type::Bool),
    ("container.routed", Type::Bool),
    ("container.stop_signal", Type::String),
];

/// What a hop goes through between the proxy and the app server.
const HOP: &[(&str, Type)] = &[
    ("hop.target", Type::String),
    ("hop.upstream", Type::String),
    ("hop.resolve", Type::Bool),
    ("hop.by_name", Type::Bool),
    ("hop.loopback_bind", Type::Bool),
];

const DIRECTIVE: &[(&str, Type)] = &[
    ("directive.name", Type::String),
    ("directive.args", Type::String),
    ("directive.family", Type::String),
    ("directive.setting", Type::String),
    ("directive.scope_families", Type::List),
    ("directive.error", Type::String),
];

const SPLIT: &[(&str, Type)] = &[
    ("split.rule", Type::String),
    ("split.rule_name", Type::String),
    ("split.boundary", Type::String),
    ("split.fires_before", Type::Bool),
    ("split.fires_since", Type::Bool),
    ("split.versions", Type::String),
    ("split.values", Type::String),
    ("split.message", Type::String),
    ("split.help", Type::String),
];

const CONTROLLER: &[(&str, Type)] = &[
    ("controller.tool", Type::String),
    ("controller.scope", Type::String),
    ("controller.seen", Type::String),
    ("controller.evidence", Type::String),
    ("controller.explicit", Type::Bool),
];

fn tables(subject: Subject) -> &'static [&'static [(&'static str, Type)]] {
    match subject {
        Subject::Hop => &[PROXY, UPSTREAM, APP, CONTAINER, HOP],
        Subject::Workload | Subject::Server => &[APP, CONTAINER],
        Subject::Proxy => &[PROXY, UPSTREAM],
        Subject::Directive => &[DIRECTIVE],
        Subject::VersionSplit => &[SPLIT],
        Subject::IngressController => &[CONTROLLER],
    }
}

const UNKNOWN_SETTING_ITEM: &[(&str, Type)] = &[
    ("item.name", Type::String),
    ("item.value", Type::String),
    ("item.suggestion", Type::String),
    ("item.referenced", Type::Bool),
    ("item.did_you_mean", Type::String),
];

const IMMEDIATE_ENV_ITEM: &[(&str, Type)] = &[
    ("item.name", Type::String),
    ("item.value", Type::String),
    ("item.variables", Type::String),
];

const IGNORED_VALUE_ITEM: &[(&str, Type)] = &[
    ("item.name", Type::String),
    ("item.value", Type::String),
    ("item.source", Type::String),
    ("item.object", Type::String),
    ("item.reason", Type::String),
    ("item.why", Type::String),
    ("item.used", Type::String),
];

/// Where the items of a list come from.
#[derive(Clone, Copy)]
enum ListSource {
    /// An app server's config items of this kind.
    App(ConfigItemKind),
    /// The values an ingress-nginx controller ignores in its scope.
    ControllerIgnored,
}

/// Lists of spanned items a policy can iterate with `for_each` (one
/// evaluation, and at most one finding, per item), with each item's fields.
/// The fields of a table: path and type.
type Table = &'static [(&'static str, Type)];

const LISTS: &[(&str, ListSource, Table)] = &[
    (
        "app.unknown_settings",
        ListSource::App(ConfigItemKind::UnknownSetting),
        UNKNOWN_SETTING_ITEM,
    ),
    (
        "app.env_in_immediate_options",
        ListSource::App(ConfigItemKind::EnvInImmediateOption),
        IMMEDIATE_ENV_ITEM,
    ),
    (
        "controller.ignored_settings",
        ListSource::ControllerIgnored,
        IGNORED_VALUE_ITEM,
    ),
];

/// The type of a field for a subject, or `None` if there is no such field.
#[must_use]
pub fn field_type(subject: Subject, path: &str) -> Option<Type> {
    tables(subject)
        .iter()
        .flat_map(|t| t.iter())
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
}

/// The type of a field for a subject iterated over `list` (`for_each`):
/// the subject's fields and the list's `item.*`.
#[must_use]
pub fn field_type_in(subject: Subject, list: Option<&str>, path: &str) -> Option<Type> {
    field_type(subject, path).or_else(|| {
        item_fields(list?)?
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, t)| *t)
    })
}

/// Every field of a subject (for "did you mean" help and docs).
#[must_use]
pub fn field_names(subject: Subject) -> Vec<&'static str> {
    tables(subject)
        .iter()
        .flat_map(|t| t.iter())
        .map(|(p, _)| *p)
        .collect()
}

/// Every field of a subject iterated over `list`.
#[must_use]
pub fn field_names_in(subject: Subject, list: Option<&str>) -> Vec<&'static str> {
    let mut names = field_names(subject);
    if let Some(items) = list.and_then(item_fields) {
        names.extend(items.iter().map(|(p, _)| *p));
    }
    names
}

/// The lists a subject can iterate (`for_each`): those of its namespaces.
#[must_use]
pub fn list_names(subject: Subject) -> Vec<&'static str> {
    let spaces: Vec<&str> = field_names(subject)
        .into_iter()
        .filter_map(|f| f.split_once('.').map(|(ns, _)| ns))
        .collect();
    LISTS
        .iter()
        .filter(|(l, _, _)| {
            l.split_once('.')
                .is_some_and(|(ns, _)| spaces.contains(&ns))
        })
        .map(|(l, _, _)| *l)
        .collect()
}

fn item_fields(list: &str) -> Option<&'static [(&'static str, Type)]> {
    LISTS
        .iter()
        .find(|(l, _, _)| *l == list)
        .map(|(_, _, fields)| *fields)
}

/// The items of `list` for one server, each as its fields (without the
/// `item.` prefix); every field points at the item's span.
pub(super) fn list_items(ctx: &Ctx<'_>, list: &str) -> Vec<Settings> {
    match LISTS.iter().find(|(l, _, _)| *l == list) {
        Some((_, ListSource::App(kind), _)) => ctx
            .app
            .map_or_else(Vec::new, |app| app_list_items(app, *kind)),
        Some((_, ListSource::ControllerIgnored, _)) => ctx
            .controller
            .map_or_else(Vec::new, controller_ignored_items),
        None => Vec::new(),
    }
}

/// The values ingress-nginx ignores in a scope; every field points at the
/// value as written, except `used`, which points where the value used
/// instead comes from.
fn controller_ignored_items(scope: &IngressControllerScope) -> Vec<Settings> {
    scope
        .ignored
        .iter()
        .map(|i| {
            let at = |v: &str| {
                Setting::new(
                    Value::Str(v.to_owned()),
                    Origin::File { span: i.value.span },
                )
            };
            let mut fields = Settings::new();
            fields.insert("name", at(&i.name));
            fields.insert("value", at(&i.value.value));
            fields.insert("source", at(i.source));
            fields.insert("object", at(&i.object));
            fields.insert("reason", at(i.reason.as_str()));
            fields.insert("why", at(&i.why));
            let used = match &i.used.value {
                v @ Value::Unknown(_) => v.clone(),
                v => Value::Str(v.to_string()),
            };
            fields.insert("used", Setting::new(used, i.used.origin.clone()));
            fields
        })
        .collect()
}

fn app_list_items(app: &AppServer, kind: ConfigItemKind) -> Vec<Settings> {
    app.config_items
        .iter()
        .filter(|i| i.kind == kind)
        .map(|i| {
            let at = |v: Value| Setting::new(v, Origin::File { span: i.name.span });
            let text = |v: Option<&str>| v.map_or(Value::Unset, |s| Value::Str(s.to_owned()));
            let mut fields = Settings::new();
            fields.insert("name", at(Value::Str(i.name.value.clone())));
            fields.insert("value", at(text(i.value.as_deref())));
            fields.insert("suggestion", at(text(i.suggestion)));
            fields.insert("referenced", at(Value::Bool(i.referenced)));
            let noun = if app.kind == "uwsgi" {
                "option"
            } else {
                "setting"
            };
            fields.insert(
                "did_you_mean",
                at(Value::Str(i.suggestion.map_or_else(
                    || format!("no {} {noun} has a similar name", app.kind),
                    |s| format!("did you mean `{s}`?"),
                ))),
            );
            let vars = env_references(i.value.as_deref().unwrap_or(""));
            fields.insert(
                "variables",
                at(if vars.is_empty() {
                    Value::Unset
                } else {
                    Value::Str(vars.join(", "))
                }),
            );
            fields
        })
        .collect()
}

/// The names of the `$(VAR)` references in a uWSGI value.
fn env_references(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find("$(") {
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(end) => {
                out.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// The upstream a hop goes through, and the server line it reached.
#[derive(Clone, Copy)]
pub(super) struct HopVia<'a> {
    pub upstream: Option<&'a Upstream>,
    pub server: Option<&'a UpstreamServer>,
    pub port: Option<u16>,
    /// The server listens only on loopback, out of the proxy's reach.
    pub loopback_bind: bool,
}

/// A rule whose outcome depends on the side of an nginx version boundary
/// (the version being unknown): what it reports on the side where it fires.
#[derive(Debug, Clone)]
pub(super) struct SplitOutcome {
    pub rule: String,
    pub rule_name: String,
    /// The release that changed the defaults, e.g. `1.29.7`.
    pub boundary: &'static str,
    pub fires_before: bool,
    pub fires_since: bool,
    /// Where it fires, e.g. `>= 1.29.7`.
    pub versions: &'static str,
    /// The version-dependent values, e.g. `upstream.keepalive is 0 before
    /// 1.29.7 and 32 since`.
    pub values: String,
    /// The rule's message and help on the side where it fires.
    pub message: String,
    pub help: String,
    pub primary: Label,
    pub related: Vec<Label>,
}

/// uWSGI options a field reads where the name differs from the field's
/// (`app.workers` is uWSGI's `processes`); other uWSGI fields read the
/// option whose name is the field's with `_` written `-`.
const UWSGI_ALIASES: &[(&str, &str)] = &[("workers", "processes")];

/// The model objects one evaluation reads.
#[derive(Clone, Copy)]
pub(super) struct Ctx<'a> {
    pub proxy: Option<&'a Proxy>,
    /// The upstream the proxy's target names.
    pub upstream: Option<&'a Upstream>,
    pub app: Option<&'a AppServer>,
    pub container: Option<&'a Workload>,
    pub directive: Option<&'a NginxDirective>,
    pub split: Option<&'a SplitOutcome>,
    /// Why the hop was linked, when the link is weak.
    pub weak: Option<&'a str>,
    /// For a hop: the upstream block and server line it goes through.
    pub hop: Option<HopVia<'a>>,
    /// Under `for_each`: the fields of the current item.
    pub item: Option<&'a Settings>,
    /// An Ingress controller in one deployment scope.
    pub controller: Option<&'a IngressControllerScope>,
}

impl<'a> Ctx<'a> {
    /// A context with nothing in it; subjects fill in what they have.
    pub fn empty() -> Self {
        Ctx {
            proxy: None,
            upstream: None,
            app: None,
            container: None,
            directive: None,
            split: None,
            weak: None,
            hop: None,
            item: None,
            controller: None,
        }
    }

    /// A place to point at when a field has no location of its own.
    pub fn anchor(&self) -> Span {
        if let Some(span) = self
            .item
            .and_then(|i| i.get("name"))
            .and_then(|n| n.origin.span())
        {
            return span;
        }
        if let Some(p) = self.proxy {
            return p.pass_span;
        }
        if let Some(d) = self.directive {
            return d.span;
        }
        if let Some(s) = self.split {
            return s.primary.span;
        }
        if let Some(a) = self.app {
            return a.command.span;
        }
        if let Some(e) = self.controller.and_then(|c| c.evidence.first()) {
            return e.span;
        }
        self.container
            .map_or(Span::new(crate::span::FileId(0), 0, 0), |w| w.name.span)
    }

    /// The setting behind a field path (already validated against the schema).
    pub fn lookup(&self, path: &str) -> Setting {
        let (ns, name) = path.split_once('.').unwrap_or((path, ""));
        match ns {
            "proxy" => self.proxy_field(name),
            "upstream" => self.upstream_field(name),
            "app" => self.app_field(name),
            "container" => self.container_field(name),
            "directive" => self.directive_field(name),
            "split" => self.split_field(name),
            "item" => self
                .item
                .and_then(|i| i.get(name).cloned())
                .unwrap_or_else(|| unknown("not an item field")),
            "hop" => self.hop_field(name),
            "controller" => self.controller_field(name),
            _ => unknown("no such field"),
        }
    }

    fn proxy_field(&self, name: &str) -> Setting {
        let Some(p) = self.proxy else {
            return unknown("this subject has no proxy");
        };
        match name {
            "tool" => derived(p.tool.to_owned(), p.pass_span),
            "name" => derived(p.name.clone(), p.pass_span),
            "family" => derived(p.family.to_owned(), p.pass_span),
            "target" => derived(p.target.value.clone(), p.target.span),
            "upstream" => match self.upstream {
                Some(u) => derived(u.name.value.clone(), p.target.span),
                None => Setting::new(
                    Value::Unknown(no_upstream(p)),
                    Origin::File {
                        span: p.target.span,
                    },
                ),
            },
            _ => p
                .settings
                .get(name)
                .cloned()
                .unwrap_or_else(|| unknown("not modelled for this proxy")),
        }
    }

    fn upstream_field(&self, name: &str) -> Setting {
        let Some(u) = self.upstream else {
            return match self.proxy {
                Some(p) => unknown(&no_upstream(p)),
                None => unknown("this subject has no upstream"),
            };
        };
        let at = Origin::File { span: u.name.span };
        match name {
            "name" => Setting::new(Value::Str(u.name.value.clone()), at),
            "implicit" => Setting::new(Value::Bool(u.implicit), at),
            "server_count" => {
                let up = u
                    .servers
                    .iter()
                    .filter(|s| {
                        s.settings
                            .get("down")
                            .is_none_or(|d| d.value != Value::Bool(true))
                    })
                    .count();
                Setting::new(Value::Int(i64::try_from(up).unwrap_or(i64::MAX)), at)
            }
            "max_fails" | "fail_timeout" | "resolve" => {
                // One value for the group: the servers' common value, or
                // each distinct one (a condition then holds only if it holds
                // for every server).
                let mut values: Vec<Value> = Vec::new();
                let mut origin = None;
                for s in &u.servers {
                    let Some(set) = s.settings.get(name) else {
                        continue;
                    };
                    origin.get_or_insert_with(|| set.origin.clone());
                    if !values.contains(&set.value) {
                        values.push(set.value.clone());
                    }
                }
                let value = match values.len() {
                    0 => Value::Unset,
                    1 => values.remove(0),
                    _ => Value::OneOf(values),
                };
                Setting::new(value, origin.unwrap_or(at))
            }
            _ => u.settings.get(name).cloned().unwrap_or_else(|| {
                if u.implicit {
                    // `proxy_pass http://host:port` keeps no connections:
                    // the pool settings do not apply.
                    Setting::new(Value::Unset, at)
                } else {
                    unknown("not modelled for this upstream")
                }
            }),
        }
    }

    fn app_field(&self, name: &str) -> Setting {
        let Some(app) = self.app else {
            return unknown("this subject has no app server");
        };
        let cli = || Origin::Cli {
            span: app.command.span,
        };
        match name {
            "stop_signal" => super::stop::stop_signal(app, self.container),
            "on_stop_signal" => super::stop::on_stop_signal(app, self.container),
            "drain_timeout" => super::stop::drain_timeout(app, self.container),
            "shell_wrapper" => super::stop::shell_wrapper(app),
            "server" => Setting::new(Value::Str(app.kind.to_owned()), cli()),
            "name" => {
                let name = self
                    .container
                    .map_or_else(|| app.kind.to_owned(), |w| w.name.value.clone());
                Setting::new(Value::Str(name), cli())
            }
            _ => {
                let found = app.settings.get(name).or_else(|| {
                    if app.kind != "uwsgi" {
                        return None;
                    }
                    let option = UWSGI_ALIASES
                        .iter()
                        .find(|(f, _)| *f == name)
                        .map_or_else(|| name.replace('_', "-"), |(_, o)| (*o).to_owned());
                    app.settings.get(option.as_str())
                });
                found
                    .cloned()
                    .unwrap_or_else(|| unknown("not resolved for this server"))
            }
        }
    }

    fn container_field(&self, name: &str) -> Setting {
        let Some(w) = self.container else {
            // A server no known workload runs (a config file read on its
            // own): rules about containers do not apply to it.
            if let Some(app) = self.app
                && name == "orchestrator"
            {
                return Setting::new(
                    Value::Unset,
                    Origin::Cli {
                        span: app.command.span,
                    },
                );
            }
            return unknown("this server runs outside a known container");
        };
        match name {
            "stop_signal" => super::stop::container_stop_signal(w),
            "name" => derived(w.name.value.clone(), w.name.span),
            "orchestrator" => derived(w.kind.orchestrator().to_owned(), w.name.span),
            _ => w
                .settings
                .get(name)
                .cloned()
                .unwrap_or_else(|| unknown("not set for this workload")),
        }
    }

    fn directive_field(&self, name: &str) -> Setting {
        let Some(d) = self.directive else {
            return unknown("this subject has no directive");
        };
        let at = Origin::File { span: d.span };
        let value = match name {
            "name" => Value::Str(d.name.clone()),
            "args" => Value::Str(d.args.clone()),
            "family" => d
                .family
                .map_or(Value::Unset, |(f, _)| Value::Str(f.to_owned())),
            "setting" => d
                .family
                .map_or(Value::Unset, |(_, k)| Value::Str(k.to_owned())),
            "scope_families" => match &d.scope_families {
                None => Value::Unknown(
                    "an include parity cannot read may add locations to this block".to_owned(),
                ),
                Some(fs) if fs.is_empty() => Value::Unset,
                Some(fs) => Value::List(fs.iter().map(|f| Value::Str((*f).to_owned())).collect()),
            },
            "error" => {
                return match &d.invalid {
                    Some(why) => Setting::new(
                        Value::Str(why.value.clone()),
                        Origin::File { span: why.span },
                    ),
                    None => Setting::new(Value::Unset, at),
                };
            }
            _ => return unknown("no such field"),
        };
        Setting::new(value, at)
    }

    fn split_field(&self, name: &str) -> Setting {
        let Some(s) = self.split else {
            return unknown("this subject is not a version-dependent outcome");
        };
        let value = match name {
            "rule" => Value::Str(s.rule.clone()),
            "rule_name" => Value::Str(s.rule_name.clone()),
            "boundary" => Value::Str(s.boundary.to_owned()),
            "fires_before" => Value::Bool(s.fires_before),
            "fires_since" => Value::Bool(s.fires_since),
            "versions" => Value::Str(s.versions.to_owned()),
            "values" => Value::Str(s.values.clone()),
            "message" => Value::Str(s.message.clone()),
            "help" => Value::Str(s.help.clone()),
            _ => return unknown("no such field"),
        };
        Setting::new(
            value,
            Origin::File {
                span: s.primary.span,
            },
        )
    }
}

impl Ctx<'_> {
    fn controller_field(&self, name: &str) -> Setting {
        let Some(c) = self.controller else {
            return unknown("this subject is not an ingress controller");
        };
        let at = Origin::File {
            span: self.anchor(),
        };
        if name == "explicit" {
            return Setting::new(Value::Bool(c.explicit), at);
        }
        let value = match name {
            "tool" => c.tool.clone(),
            "scope" => {
                if c.dir.is_empty() {
                    "the repository root".to_owned()
                } else {
                    format!("`{}`", c.dir)
                }
            }
            "seen" => c
                .evidence
                .first()
                .map_or_else(String::new, |e| e.value.clone()),
            "evidence" => {
                const SHOWN: usize = 4;
                let mut text: Vec<&str> = c
                    .evidence
                    .iter()
                    .take(SHOWN)
                    .map(|e| e.value.as_str())
                    .collect();
                let more = c.evidence.len().saturating_sub(SHOWN);
                let more_text = format!("{more} more");
                if more > 0 {
                    text.push(&more_text);
                }
                text.join(", ")
            }
            _ => return unknown("no such field"),
        };
        Setting::new(Value::Str(value), at)
    }

    fn hop_field(&self, name: &str) -> Setting {
        let Some(via) = self.hop else {
            return unknown("this subject is not a hop");
        };
        let proxy_target = || {
            self.proxy.map_or_else(
                || unknown("this hop has no proxy"),
                |p| {
                    // `http://web:8000/api/` -> `web:8000`: what nginx resolves.
                    let t = p.target.value.as_str();
                    let t = t.split_once("://").map_or(t, |(_, rest)| rest);
                    // `unix:/run/app.sock:/uri`: the socket path ends at the colon.
                    let t = match t.strip_prefix("unix:") {
                        Some(path) => &t[..5 + path.find(':').unwrap_or(path.len())],
                        None => t.split('/').next().unwrap_or(t),
                    };
                    Setting::new(
                        Value::Str(t.to_owned()),
                        Origin::File {
                            span: p.target.span,
                        },
                    )
                },
            )
        };
        match (name, via.server) {
            ("target", Some(s)) => {
                let text = match (&s.unix_path, s.port.or(via.port)) {
                    (Some(path), _) => format!("unix:{path}"),
                    (None, Some(port)) => format!("{}:{port}", s.host),
                    (None, None) => s.host.clone(),
                };
                Setting::new(Value::Str(text), Origin::File { span: s.span })
            }
            ("target", None) => proxy_target(),
            ("loopback_bind", _) => {
                let bind = self.app.map_or_else(|| self.anchor(), |a| a.command.span);
                Setting::new(Value::Bool(via.loopback_bind), Origin::Cli { span: bind })
            }
            ("by_name", _) => {
                let target = self.hop_field("target");
                let by_name = match &target.value {
                    Value::Str(t) => Value::Bool(names_a_host(t)),
                    other => other.clone(),
                };
                Setting::new(by_name, target.origin)
            }
            ("upstream", _) => via.upstream.map_or_else(
                || {
                    Setting::new(
                        Value::Unset,
                        Origin::File {
                            span: self.anchor(),
                        },
                    )
                },
                |u| {
                    Setting::new(
                        Value::Str(u.name.value.clone()),
                        Origin::File { span: u.name.span },
                    )
                },
            ),
            ("resolve", Some(s)) => {
                s.settings.get("resolve").cloned().unwrap_or_else(|| {
                    Setting::new(Value::Bool(false), Origin::File { span: s.span })
                })
            }
            // A `*_pass` to a name without a variable resolves it once, at start-up.
            ("resolve", None) => Setting::new(
                Value::Bool(false),
                Origin::File {
                    span: self.anchor(),
                },
            ),
            _ => unknown("no such hop field"),
        }
    }
}

/// True when `target` (`host:port`, `unix:/path`) names a host that DNS
/// resolves: not a socket, not an IP address.
fn names_a_host(target: &str) -> bool {
    if target.starts_with("unix:") {
        return false;
    }
    let host = match target.strip_prefix('[') {
        Some(v6) => {
            return v6
                .split(']')
                .next()
                .is_none_or(|h| h.parse::<std::net::Ipv6Addr>().is_err());
        }
        None => target.rsplit_once(':').map_or(target, |(h, _)| h),
    };
    host.parse::<std::net::Ipv4Addr>().is_err()
}

/// A value parity derives from the configuration's structure (a name, a
/// family), located at `span`.
fn derived(v: String, span: Span) -> Setting {
    Setting::new(Value::Str(v), Origin::File { span })
}

fn no_upstream(p: &Proxy) -> String {
    if p.target.value.contains('$') {
        format!(
            "the target \"{}\" has variables: nginx chooses the upstream per request",
            p.target.value
        )
    } else {
        format!("the target \"{}\" cannot be read", p.target.value)
    }
}

pub(super) fn unknown(why: &str) -> Setting {
    Setting::new(
        Value::Unknown(why.to_owned()),
        Origin::Default {
            tool: "parity",
            versions: "",
            anchor: None,
        },
    )
}
