//! Evaluating policies over the linked model and turning true (or undecidable)
//! conditions into findings that point at both ends.

use super::Policy;
use super::expr::{self, Truth, ValueEnv};
use super::fields::{Ctx, HopVia, Subject, list_items};
use crate::finding::{Finding, Label, Severity};
use crate::link::Links;
use crate::model::Model;
use crate::source_map::SourceMap;
use crate::value::Value;

struct Scope<'a> {
    ctx: &'a Ctx<'a>,
    policy: &'a Policy,
}

/// Templates read `<field>.origin` as a field too: it renders where the value came from.
struct TemplateScope<'a> {
    scope: &'a Scope<'a>,
    map: &'a SourceMap,
}

impl ValueEnv for TemplateScope<'_> {
    fn field(&self, path: &str) -> Value {
        match path.strip_suffix(".origin") {
            Some(base) => Value::Str(self.scope.ctx.lookup(base).origin.describe(self.map)),
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
        self.ctx.lookup(path).value
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
    for policy in policies {
        match policy.applies_to {
            Subject::Hop => {
                for hop in &links.hops {
                    let upstream = hop.upstream.and_then(|u| model.upstreams.get(u));
                    let ctx = Ctx {
                        proxy: model.proxies.get(hop.proxy),
                        app: &model.servers[hop.server],
                        container: model.workloads.get(hop.workload),
                        weak: hop.weak.then_some(hop.reason.as_str()),
                        hop: Some(HopVia {
                            upstream,
                            server: upstream
                                .zip(hop.upstream_server)
                                .and_then(|(u, i)| u.servers.get(i)),
                            port: hop.port,
                        }),
                        item: None,
                    };
                    evaluate_each(policy, &ctx, map, &mut out);
                }
            }
            Subject::Workload => {
                for (w, &si) in model
                    .workloads
                    .iter()
                    .flat_map(|w| w.servers.iter().map(move |s| (w, s)))
                {
                    let ctx = Ctx {
                        proxy: None,
                        app: &model.servers[si],
                        container: Some(w),
                        weak: None,
                        hop: None,
                        item: None,
                    };
                    evaluate_each(policy, &ctx, map, &mut out);
                }
            }
            Subject::Server => {
                for app in &model.servers {
                    let ctx = Ctx {
                        proxy: None,
                        app,
                        container: app.workload.and_then(|w| model.workloads.get(w)),
                        weak: None,
                        hop: None,
                        item: None,
                    };
                    evaluate_each(policy, &ctx, map, &mut out);
                }
            }
        }
    }
    out
}

/// Evaluates `policy` once for the subject, or once per item of its `for_each` list.
fn evaluate_each(policy: &Policy, ctx: &Ctx<'_>, map: &SourceMap, out: &mut Vec<Finding>) {
    let Some(list) = &policy.for_each else {
        evaluate_one(policy, ctx, map, out);
        return;
    };
    for item in list_items(ctx.app, list) {
        let ctx = Ctx {
            item: Some(&item),
            hop: ctx.hop,
            ..*ctx
        };
        evaluate_one(policy, &ctx, map, out);
    }
}

fn evaluate_one(policy: &Policy, ctx: &Ctx<'_>, map: &SourceMap, out: &mut Vec<Finding>) {
    let scope = Scope { ctx, policy };
    match expr::eval_bool(&policy.when, &scope) {
        Truth::False => {}
        Truth::True => out.push(finding(policy, ctx, map, None)),
        Truth::Unknown { fields } => out.push(finding(policy, ctx, map, Some(&fields))),
    }
}

fn finding(policy: &Policy, ctx: &Ctx<'_>, map: &SourceMap, unknown: Option<&[String]>) -> Finding {
    let scope = Scope { ctx, policy };
    let tscope = TemplateScope { scope: &scope, map };
    let render = |t: &expr::Template| expr::render(t, &tscope);
    // Undecided findings state values plainly: a label template would splice
    // "unknown (...)" into a sentence written for known values.
    let label_text = |field: &str| -> String {
        let template = policy.labels.iter().find(|(f, _)| f == field);
        match template {
            Some((_, t)) if unknown.is_none() => render(t),
            _ => {
                let s = ctx.lookup(field);
                match &s.value {
                    Value::Unknown(why) => format!("{field} is unknown: {why}"),
                    v => format!("{field} = {v}"),
                }
            }
        }
    };
    let primary_setting = ctx.lookup(&policy.primary);
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
        let Some(span) = ctx.lookup(field).origin.span() else {
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
                let s = ctx.lookup(f);
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
