//! Evaluating policies over the linked model and turning true (or undecidable)
//! conditions into findings that point at both ends.
//!
//! Defaults nginx changed at a release are `OneOf(before, since)` when the
//! nginx version is not known. A condition over such values is evaluated
//! once per side of the release (every such value taking its value for that
//! side), never by mixing sides. When the two sides agree the rule fires or
//! not as usual; when they disagree the outcome is handed to the
//! `version_split` rules (PAR-V001), which report both interpretations; when
//! no such rule runs, the rule reports that it could not decide.

use super::Policy;
use super::expr::{self, Truth, ValueEnv};
use super::fields::{Ctx, HopVia, SplitOutcome, Subject, list_items};
use crate::finding::{Finding, Label, Severity};
use crate::link::Links;
use crate::model::Model;
use crate::origin::Origin;
use crate::source_map::SourceMap;
use crate::sources::nginx::version::{
    BEFORE_1_19_10, BEFORE_1_29_7, EITHER_SIDE_OF_1_19_10, EITHER_SIDE_OF_1_29_7, SINCE_1_19_10,
    SINCE_1_29_7,
};
use crate::value::{Setting, Value};

/// An nginx release whose defaults differ on either side.
#[derive(Debug, PartialEq, Eq)]
struct Boundary {
    release: &'static str,
    /// `Origin::Default` versions text of a value given for both sides.
    either: &'static str,
    before: &'static str,
    since: &'static str,
}

const BOUNDARIES: &[Boundary] = &[
    Boundary {
        release: "1.29.7",
        either: EITHER_SIDE_OF_1_29_7,
        before: BEFORE_1_29_7,
        since: SINCE_1_29_7,
    },
    Boundary {
        release: "1.19.10",
        either: EITHER_SIDE_OF_1_19_10,
        before: BEFORE_1_19_10,
        since: SINCE_1_19_10,
    },
];

/// The boundary a setting's value depends on: an nginx default given as
/// `OneOf(before, since)` because the version is unknown.
fn boundary_of(s: &Setting) -> Option<&'static Boundary> {
    let Origin::Default {
        tool: "nginx",
        versions,
        ..
    } = &s.origin
    else {
        return None;
    };
    match &s.value {
        Value::OneOf(vs) if vs.len() == 2 => BOUNDARIES.iter().find(|b| b.either == *versions),
        _ => None,
    }
}

/// One side of a boundary: 0 before the release, 1 since.
#[derive(Clone, Copy)]
struct Side {
    index: usize,
    boundary: &'static Boundary,
}

struct Scope<'a> {
    ctx: &'a Ctx<'a>,
    policy: &'a Policy,
    side: Option<Side>,
}

impl Scope<'_> {
    /// A field's setting; on a fixed side of a boundary, a value that
    /// depends on it takes that side's value.
    fn setting(&self, path: &str) -> Setting {
        let s = self.ctx.lookup(path);
        let Some(side) = self.side else {
            return s;
        };
        if boundary_of(&s) != Some(side.boundary) {
            return s;
        }
        let (Value::OneOf(vs), Origin::Default { tool, anchor, .. }) = (&s.value, &s.origin) else {
            return s;
        };
        let versions = if side.index == 0 {
            side.boundary.before
        } else {
            side.boundary.since
        };
        Setting::new(
            vs.get(side.index).cloned().unwrap_or(Value::Unset),
            Origin::Default {
                tool,
                versions,
                anchor: *anchor,
            },
        )
    }
}

/// Templates read `<field>.origin` as a field too: it renders where the value came from.
struct TemplateScope<'a> {
    scope: &'a Scope<'a>,
    map: &'a SourceMap,
}

impl ValueEnv for TemplateScope<'_> {
    fn field(&self, path: &str) -> Value {
        match path.strip_suffix(".origin") {
            Some(base) => Value::Str(self.scope.setting(base).origin.describe(self.map)),
            None => self.scope.field(path),
        }
    }
    fn field_is_default(&self, path: &str) -> bool {
        self.scope.field_is_default(path)
    }
    fn param(&self, name: &str) -> Value {
        self.scope.param(name)
    }
}

impl ValueEnv for Scope<'_> {
    fn field(&self, path: &str) -> Value {
        self.setting(path).value
    }
    fn field_is_default(&self, path: &str) -> bool {
        self.ctx.lookup(path).origin.is_default()
    }
    fn param(&self, name: &str) -> Value {
        self.policy
            .params
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::Unknown(format!("no parameter `{name}`")))
    }
}

/// Evaluates every policy over every subject it applies to.
#[must_use]
pub fn evaluate(
    policies: &[Policy],
    model: &Model,
    links: &Links,
    map: &SourceMap,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let splits_reported = policies
        .iter()
        .any(|p| p.applies_to == Subject::VersionSplit);
    let mut splits: Vec<SplitOutcome> = Vec::new();
    let mut run = Run {
        map,
        out: &mut out,
        splits: splits_reported.then_some(&mut splits),
    };
    let upstream_of = |proxy: Option<&crate::model::Proxy>| {
        proxy
            .and_then(|p| p.upstream)
            .and_then(|i| model.upstreams.get(i))
    };
    for policy in policies {
        match policy.applies_to {
            Subject::Hop => {
                // A hop to a server that only listens on loopback carries no
                // traffic: only rules about that (reading `hop.loopback_bind`)
                // look at it.
                let about_reachability = expr::fields(&policy.when)
                    .iter()
                    .any(|(f, _)| f == "hop.loopback_bind");
                for hop in links
                    .hops
                    .iter()
                    .filter(|h| !h.loopback_bind || about_reachability)
                {
                    let proxy = model.proxies.get(hop.proxy);
                    let ctx = Ctx {
                        proxy,
                        upstream: upstream_of(proxy),
                        app: model.servers.get(hop.server),
                        container: model.workloads.get(hop.workload),
                        weak: hop.weak.then_some(hop.reason.as_str()),
                        hop: Some(HopVia {
                            upstream: hop.upstream.and_then(|u| model.upstreams.get(u)),
                            server: hop
                                .upstream
                                .and_then(|u| model.upstreams.get(u))
                                .zip(hop.upstream_server)
                                .and_then(|(u, i)| u.servers.get(i)),
                            port: hop.port,
                            loopback_bind: hop.loopback_bind,
                        }),
                        ..Ctx::empty()
                    };
                    run.each(policy, &ctx);
                }
            }
            Subject::Workload => {
                for (w, &si) in model
                    .workloads
                    .iter()
                    .flat_map(|w| w.servers.iter().map(move |s| (w, s)))
                {
                    let ctx = Ctx {
                        app: model.servers.get(si),
                        container: Some(w),
                        ..Ctx::empty()
                    };
                    run.each(policy, &ctx);
                }
            }
            Subject::Server => {
                for app in &model.servers {
                    let ctx = Ctx {
                        app: Some(app),
                        container: app.workload.and_then(|w| model.workloads.get(w)),
                        ..Ctx::empty()
                    };
                    run.each(policy, &ctx);
                }
            }
            Subject::Proxy => {
                for proxy in &model.proxies {
                    let ctx = Ctx {
                        proxy: Some(proxy),
                        upstream: upstream_of(Some(proxy)),
                        ..Ctx::empty()
                    };
                    run.one(policy, &ctx);
                }
            }
            Subject::Directive => {
                for d in &model.directives {
                    let ctx = Ctx {
                        directive: Some(d),
                        ..Ctx::empty()
                    };
                    run.one(policy, &ctx);
                }
            }
            Subject::IngressController => {
                for scope in &model.k8s.ingress_controllers {
                    let ctx = Ctx {
                        controller: Some(scope),
                        ..Ctx::empty()
                    };
                    run.each(policy, &ctx);
                }
            }
            // After every other rule has run.
            Subject::VersionSplit => {}
        }
    }
    for policy in policies
        .iter()
        .filter(|p| p.applies_to == Subject::VersionSplit)
    {
        for split in &splits {
            let ctx = Ctx {
                split: Some(split),
                ..Ctx::empty()
            };
            let before = out.len();
            let mut run = Run {
                map,
                out: &mut out,
                splits: None,
            };
            run.one(policy, &ctx);
            // The outcome's other ends stay visible.
            for f in out.iter_mut().skip(before) {
                for l in &split.related {
                    if l.span != f.primary.span && !f.related.iter().any(|r| r.span == l.span) {
                        f.related.push(l.clone());
                    }
                }
            }
        }
    }
    out
}

/// State of one evaluation pass.
struct Run<'r> {
    map: &'r SourceMap,
    out: &'r mut Vec<Finding>,
    /// Where outcomes that depend on the nginx version go; `None` when no
    /// rule reports them (the rule then says it could not decide).
    splits: Option<&'r mut Vec<SplitOutcome>>,
}

impl Run<'_> {
    /// Evaluates `policy` once for the subject, or once per item of its
    /// `for_each` list.
    fn each(&mut self, policy: &Policy, ctx: &Ctx<'_>) {
        let Some(list) = &policy.for_each else {
            self.one(policy, ctx);
            return;
        };
        for item in list_items(ctx, list) {
            let ctx = Ctx {
                item: Some(&item),
                ..*ctx
            };
            self.one(policy, &ctx);
        }
    }

    fn one(&mut self, policy: &Policy, ctx: &Ctx<'_>) {
        if self.by_side(policy, ctx) {
            return;
        }
        let scope = Scope {
            ctx,
            policy,
            side: None,
        };
        match expr::eval_bool(&policy.when, &scope) {
            Truth::False => {}
            Truth::True => self.out.push(finding(policy, ctx, self.map, None, None)),
            // A value the tool refuses is reported once where it is written
            // (PAR-P004, or a problem); the rules that read it stay silent.
            Truth::Unknown { fields } if refused_only(ctx, &fields) => {}
            Truth::Unknown { fields } => {
                self.out
                    .push(finding(policy, ctx, self.map, Some(&fields), None));
            }
        }
    }

    /// Evaluates a condition over version-dependent defaults once per side
    /// of their release. Returns false when that does not settle it (no such
    /// value, several releases, or a side that is itself undecided).
    fn by_side(&mut self, policy: &Policy, ctx: &Ctx<'_>) -> bool {
        let mut fields: Vec<(String, &'static Boundary)> = Vec::new();
        for (path, _) in expr::fields(&policy.when) {
            if fields.iter().any(|(p, _)| *p == path) {
                continue;
            }
            if let Some(b) = boundary_of(&ctx.lookup(&path)) {
                fields.push((path, b));
            }
        }
        let Some((_, boundary)) = fields.first() else {
            return false;
        };
        let boundary: &'static Boundary = boundary;
        if fields.iter().any(|(_, b)| *b != boundary) {
            return false;
        }
        let truth = |index: usize| {
            let scope = Scope {
                ctx,
                policy,
                side: Some(Side { index, boundary }),
            };
            expr::eval_bool(&policy.when, &scope)
        };
        let (before, since) = (truth(0), truth(1));
        match (&before, &since) {
            (Truth::True, Truth::True) => {
                self.out.push(finding(policy, ctx, self.map, None, None));
                true
            }
            (Truth::False, Truth::False) => true,
            (Truth::True, Truth::False) | (Truth::False, Truth::True) => {
                let fires_before = before == Truth::True;
                let names: Vec<String> = fields.iter().map(|(p, _)| p.clone()).collect();
                let Some(splits) = self.splits.as_deref_mut() else {
                    let mut f = finding(policy, ctx, self.map, Some(&names), None);
                    f.help = format!(
                        "The answer depends on nginx defaults that changed in {}: pin the nginx \
                         version (an image tag such as nginx:1.30.0, or `nginx-version` in \
                         .parity.toml) so parity can decide.",
                        boundary.release
                    );
                    self.out.push(f);
                    return true;
                };
                let side = Side {
                    index: usize::from(!fires_before),
                    boundary,
                };
                let f = finding(policy, ctx, self.map, None, Some(side));
                let values: Vec<String> = fields
                    .iter()
                    .map(|(path, _)| {
                        let value = |index| {
                            Scope {
                                ctx,
                                policy,
                                side: Some(Side { index, boundary }),
                            }
                            .setting(path)
                            .value
                        };
                        format!(
                            "{path} is {} before {} and {} since",
                            shown(&value(0)),
                            boundary.release,
                            shown(&value(1))
                        )
                    })
                    .collect();
                splits.push(SplitOutcome {
                    rule: policy.id.clone(),
                    rule_name: policy.name.clone(),
                    boundary: boundary.release,
                    fires_before,
                    fires_since: !fires_before,
                    versions: if fires_before {
                        boundary.before
                    } else {
                        boundary.since
                    },
                    values: values.join("; "),
                    message: f.message,
                    help: f.help,
                    primary: f.primary,
                    related: f.related,
                });
                true
            }
            _ => false,
        }
    }
}

fn finding(
    policy: &Policy,
    ctx: &Ctx<'_>,
    map: &SourceMap,
    unknown: Option<&[String]>,
    side: Option<Side>,
) -> Finding {
    let scope = Scope { ctx, policy, side };
    let tscope = TemplateScope { scope: &scope, map };
    let render = |t: &expr::Template| expr::render(t, &tscope);
    // Undecided findings state values plainly: a label template would splice
    // "unknown (...)" into a sentence written for known values.
    let label_text = |field: &str| -> String {
        let template = policy.labels.iter().find(|(f, _)| f == field);
        match template {
            Some((_, t)) if unknown.is_none() => render(t),
            _ => {
                let s = scope.setting(field);
                match &s.value {
                    Value::Unknown(why) => format!("{field} is unknown: {why}"),
                    v => format!("{field} = {v}"),
                }
            }
        }
    };
    let primary_setting = scope.setting(&policy.primary);
    let primary = Label {
        span: primary_setting
            .origin
            .span()
            .unwrap_or_else(|| ctx.anchor()),
        text: label_text(&policy.primary),
    };
    let mut related: Vec<Label> = Vec::new();
    for (field, _) in &policy.labels {
        if field == &policy.primary {
            continue;
        }
        let Some(span) = scope.setting(field).origin.span() else {
            continue;
        };
        if span == primary.span || related.iter().any(|l| l.span == span) {
            continue;
        }
        related.push(Label {
            span,
            text: label_text(field),
        });
    }

    let (mut message, mut help) = if unknown.is_none() {
        (render(&policy.message), render(&policy.help))
    } else {
        (String::new(), String::new())
    };
    let mut severity = policy.severity;
    if unknown.is_none()
        && let Some(lower) = &policy.downgrade_when
    {
        match expr::eval_bool(lower, &scope) {
            Truth::True => severity = one_lower(severity),
            Truth::False => {}
            Truth::Unknown { fields } => message.push_str(&format!(
                " (reported at {} because parity could not decide whether the lower severity applies: {})",
                severity.as_str(),
                fields.join(", ")
            )),
        }
    }
    if let Some(fields) = unknown {
        severity = Severity::Info;
        let reasons: Vec<String> = fields
            .iter()
            .map(|f| {
                let s = scope.setting(f);
                match &s.value {
                    Value::Unknown(why) => format!("{f} is unknown: {why}"),
                    other => format!("{f} is {other}"),
                }
            })
            .collect();
        message = format!(
            "could not decide whether {}: {}",
            lower_first(policy.summary.trim_end_matches('.')),
            reasons.join("; ")
        );
        help = "parity cannot see this value, so it does not guess. Check it by hand, or make it \
                visible to parity (commit the file, set the variable in the deployment)."
            .to_owned();
    }
    if let Some(reason) = ctx.weak {
        message.push_str(&format!(" [weak link: {reason}]"));
    }
    Finding {
        rule: policy.id.clone(),
        name: policy.name.clone(),
        severity,
        message,
        help,
        primary,
        related,
        docs: policy.docs.clone(),
        suppressed: None,
    }
}

/// Whether every undecided field holds a value its tool refuses to parse
/// (sources give those the reason `invalid ...`).
fn refused_only(ctx: &Ctx<'_>, fields: &[String]) -> bool {
    !fields.is_empty()
        && fields.iter().all(
            |f| matches!(&ctx.lookup(f).value, Value::Unknown(why) if why.starts_with("invalid ")),
        )
}

/// A value as a sentence shows it: an empty list is `none`.
fn shown(v: &Value) -> String {
    match v {
        Value::List(items) if items.is_empty() => "none".to_owned(),
        v => v.to_string(),
    }
}

/// The next lower severity (`downgrade_when`); info stays info.
fn one_lower(s: Severity) -> Severity {
    match s {
        Severity::Error => Severity::Warning,
        Severity::Warning | Severity::Info => Severity::Info,
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
