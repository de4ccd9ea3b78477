//! The fields a policy can read, per subject, with their types; and how each
//! is looked up in the model. This table is the policy language's schema:
//! a misspelt field is an error when the policy loads.

use super::expr::Type;
use crate::model::{
    AppServer, ConfigItemKind, Proxy, Settings, Upstream, UpstreamServer, Workload,
};
use crate::origin::Origin;
use crate::span::Span;
use crate::value::{Setting, Value};

/// What a policy is evaluated over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A proxy linked to the app server behind it: `proxy.*`, `app.*`, `container.*`.
    Hop,
    /// A workload running an app server: `app.*`, `container.*`.
    Workload,
    /// One app server on its own: `app.*`, and `container.*` when it runs in
    /// a known workload (unknown otherwise).
    Server,
}

impl Subject {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hop" => Some(Subject::Hop),
            "workload" => Some(Subject::Workload),
            "server" => Some(Subject::Server),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Hop => "hop",
            Subject::Workload => "workload",
            Subject::Server => "server",
        }
    }
}

const PROXY: &[(&str, Type)] = &[
    ("proxy.tool", Type::String),
    ("proxy.name", Type::String),
    ("proxy.family", Type::String),
    ("proxy.read_timeout", Type::Duration),
    ("proxy.connect_timeout", Type::Duration),
    ("proxy.send_timeout", Type::Duration),
    ("proxy.next_upstream_tries", Type::Number),
    ("proxy.next_upstream_timeout", Type::Duration),
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
    ("container.stop_signal", Type::String),
];

/// What a hop goes through between the proxy and the app server.
const HOP: &[(&str, Type)] = &[
    ("hop.target", Type::String),
    ("hop.upstream", Type::String),
    ("hop.resolve", Type::Bool),
];

fn tables(subject: Subject) -> &'static [&'static [(&'static str, Type)]] {
    match subject {
        Subject::Hop => &[PROXY, APP, CONTAINER, HOP],
        Subject::Workload | Subject::Server => &[APP, CONTAINER],
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

/// Lists of spanned items a policy can iterate with `for_each` (one
/// evaluation, and at most one finding, per item), with each item's fields.
/// The fields of a table: path and type.
type Table = &'static [(&'static str, Type)];

const LISTS: &[(&str, ConfigItemKind, Table)] = &[
    (
        "app.unknown_settings",
        ConfigItemKind::UnknownSetting,
        UNKNOWN_SETTING_ITEM,
    ),
    (
        "app.env_in_immediate_options",
        ConfigItemKind::EnvInImmediateOption,
        IMMEDIATE_ENV_ITEM,
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
pub(super) fn list_items(app: &AppServer, list: &str) -> Vec<Settings> {
    let Some((_, kind, _)) = LISTS.iter().find(|(l, _, _)| *l == list) else {
        return Vec::new();
    };
    app.config_items
        .iter()
        .filter(|i| i.kind == *kind)
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
}

/// The model objects one evaluation reads.
pub(super) struct Ctx<'a> {
    pub proxy: Option<&'a Proxy>,
    pub app: &'a AppServer,
    pub container: Option<&'a Workload>,
    /// Why the hop was linked, when the link is weak.
    pub weak: Option<&'a str>,
    /// For a hop: the upstream block and server line it goes through.
    pub hop: Option<HopVia<'a>>,
    /// Under `for_each`: the fields of the current item.
    pub item: Option<&'a Settings>,
}

impl Ctx<'_> {
    /// A place to point at when a field has no location of its own.
    pub fn anchor(&self) -> Span {
        if let Some(span) = self
            .item
            .and_then(|i| i.get("name"))
            .and_then(|n| n.origin.span())
        {
            return span;
        }
        self.proxy.map_or(self.app.command.span, |p| p.pass_span)
    }

    /// The setting behind a field path (already validated against the schema).
    pub fn lookup(&self, path: &str) -> Setting {
        let (ns, name) = path.split_once('.').unwrap_or((path, ""));
        let derived = |v: String, span: Span| Setting::new(Value::Str(v), Origin::File { span });
        match ns {
            "proxy" => {
                let Some(p) = self.proxy else {
                    return unknown("this subject has no proxy");
                };
                match name {
                    "tool" => derived(p.tool.to_owned(), p.pass_span),
                    "name" => derived(p.name.clone(), p.pass_span),
                    "family" => derived(p.family.to_owned(), p.pass_span),
                    _ => p
                        .settings
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| unknown("not modelled for this proxy")),
                }
            }
            "item" => self
                .item
                .and_then(|i| i.get(name).cloned())
                .unwrap_or_else(|| unknown("not an item field")),
            "hop" => self.hop_field(name),
            "app" => match name {
                "stop_signal" => super::stop::stop_signal(self.app, self.container),
                "on_stop_signal" => super::stop::on_stop_signal(self.app, self.container),
                "drain_timeout" => super::stop::drain_timeout(self.app, self.container),
                "shell_wrapper" => super::stop::shell_wrapper(self.app),
                "server" => Setting::new(
                    Value::Str(self.app.kind.to_owned()),
                    Origin::Cli {
                        span: self.app.command.span,
                    },
                ),
                "name" => {
                    let name = self
                        .container
                        .map_or_else(|| self.app.kind.to_owned(), |w| w.name.value.clone());
                    Setting::new(
                        Value::Str(name),
                        Origin::Cli {
                            span: self.app.command.span,
                        },
                    )
                }
                _ => app_setting(self.app, name),
            },
            "container" => {
                let Some(w) = self.container else {
                    // A server no known workload runs (a config file read on its
                    // own): rules about containers do not apply to it.
                    if name == "orchestrator" {
                        return Setting::new(
                            Value::Unset,
                            Origin::Cli {
                                span: self.app.command.span,
                            },
                        );
                    }
                    return unknown("this server runs outside a known container");
                };
                match name {
                    "name" => derived(w.name.value.clone(), w.name.span),
                    "orchestrator" => derived(w.kind.orchestrator().to_owned(), w.name.span),
                    "stop_signal" => super::stop::container_stop_signal(w),
                    _ => w
                        .settings
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| unknown("not set for this workload")),
                }
            }
            _ => unknown("no such field"),
        }
    }
}

impl Ctx<'_> {
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
                    let t = t.split('/').next().unwrap_or(t);
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

/// A server setting by its policy name: uWSGI options are spelt with dashes
/// (`app.die_on_term` is `die-on-term`).
fn app_setting(app: &AppServer, name: &str) -> Setting {
    let found = app.settings.get(name).or_else(|| {
        (app.kind == "uwsgi")
            .then(|| app.settings.get(name.replace('_', "-").as_str()))
            .flatten()
    });
    found
        .cloned()
        .unwrap_or_else(|| unknown("not resolved for this server"))
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
