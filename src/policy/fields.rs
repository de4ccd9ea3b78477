//! The fields a policy can read, per subject, with their types; and how each
//! is looked up in the model. This table is the policy language's schema:
//! a misspelt field is an error when the policy loads.

use super::expr::Type;
use crate::model::{AppServer, Proxy, Workload};
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
}

impl Subject {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hop" => Some(Subject::Hop),
            "workload" => Some(Subject::Workload),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Hop => "hop",
            Subject::Workload => "workload",
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
];

const CONTAINER: &[(&str, Type)] = &[
    ("container.name", Type::String),
    ("container.orchestrator", Type::String),
    ("container.stop_grace_period", Type::Duration),
    ("container.prestop_delay", Type::Duration),
    ("container.routed", Type::Bool),
];

fn tables(subject: Subject) -> &'static [&'static [(&'static str, Type)]] {
    match subject {
        Subject::Hop => &[PROXY, APP, CONTAINER],
        Subject::Workload => &[APP, CONTAINER],
    }
}

/// The type of a field for a subject, or `None` if there is no such field.
#[must_use]
pub fn field_type(subject: Subject, path: &str) -> Option<Type> {
    tables(subject)
        .iter()
        .flat_map(|t| t.iter())
        .find(|(p, _)| *p == path)
        .map(|(_, t)| *t)
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

/// The model objects one evaluation reads.
pub(super) struct Ctx<'a> {
    pub proxy: Option<&'a Proxy>,
    pub app: &'a AppServer,
    pub container: Option<&'a Workload>,
    /// Why the hop was linked, when the link is weak.
    pub weak: Option<&'a str>,
}

impl Ctx<'_> {
    /// A place to point at when a field has no location of its own.
    pub fn anchor(&self) -> Span {
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
            "app" => match name {
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
                _ => self
                    .app
                    .settings
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| unknown("not resolved for this server")),
            },
            "container" => {
                let Some(w) = self.container else {
                    return unknown("this server runs outside a known container");
                };
                match name {
                    "name" => derived(w.name.value.clone(), w.name.span),
                    "orchestrator" => derived(w.kind.orchestrator().to_owned(), w.name.span),
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

fn unknown(why: &str) -> Setting {
    Setting::new(
        Value::Unknown(why.to_owned()),
        Origin::Default {
            tool: "parity",
            versions: "",
            anchor: None,
        },
    )
}
