//! `parity model`: the request paths parity rebuilt, as JSON or Graphviz.
//! Shows every setting with its value and origin, every link with its reason and
//! every hop that could not be linked, so users can see what parity believes.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use super::check::Analysis;
use crate::model::{Settings, StopPath, TargetPort};
use crate::origin::Origin;
use crate::source_map::SourceMap;
use crate::span::Span;
use crate::value::Value;

fn at(map: &SourceMap, span: Span) -> Json {
    let r = map.region(span);
    json!({ "path": map.get(span.file).path, "line": r.start.line, "column": r.start.column })
}

fn value_json(v: &Value) -> Json {
    match v {
        // Durations are seconds (fractional below one second).
        Value::Duration(ms) => {
            if ms.0 % 1000 == 0 {
                json!(ms.0 / 1000)
            } else {
                #[allow(clippy::cast_precision_loss)]
                let secs = ms.0 as f64 / 1000.0;
                json!(secs)
            }
        }
        Value::Int(i) => json!(i),
        Value::Bool(b) => json!(b),
        Value::Str(s) => json!(s),
        Value::List(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::OneOf(items) => {
            json!({ "one_of": items.iter().map(value_json).collect::<Vec<_>>() })
        }
        Value::Unset | Value::Unknown(_) => Json::Null,
    }
}

fn settings_json(map: &SourceMap, settings: &Settings) -> Json {
    let mut out = serde_json::Map::new();
    for (name, s) in settings {
        let mut v = json!({ "value": value_json(&s.value), "origin": s.origin.kind() });
        if let Value::Unknown(why) = &s.value {
            v["unknown"] = json!(why);
        }
        if matches!(s.value, Value::Duration(_)) {
            v["unit"] = json!("s");
        }
        match &s.origin {
            Origin::Default { tool, versions, .. } => {
                v["default"] = json!(format!("{tool}, {versions}"));
            }
            Origin::Inherited { span } => {
                v["at"] = at(map, *span);
                v["inherited"] = json!(true);
            }
            Origin::Env { var, span } | Origin::EnvDefault { var, span } => {
                v["at"] = at(map, *span);
                v["env"] = json!(var);
                if matches!(s.origin, Origin::EnvDefault { .. }) {
                    v["env_default"] = json!(true);
                }
            }
            Origin::File { span } | Origin::Cli { span } => v["at"] = at(map, *span),
        }
        out.insert((*name).to_owned(), v);
    }
    Json::Object(out)
}

/// The model as JSON.
#[must_use]
pub fn to_json(a: &Analysis) -> Json {
    let map = &a.map;
    let m = &a.model;
    let proxies: Vec<Json> = m
        .proxies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut v = json!({
                "id": i, "tool": p.tool, "name": p.name, "family": p.family,
                "target": p.target.value, "at": at(map, p.pass_span),
                "settings": settings_json(map, &p.settings),
            });
            if let Some(r) = m.k8s.ingress_routes.iter().find(|r| r.proxy == i) {
                v["ingress"] = json!({
                    "name": r.ingress.value, "namespace": r.namespace(), "service": r.service,
                    "service_port": r.service_port.as_ref().map(ToString::to_string),
                    "ignored_annotations": r.ignored_annotations.iter().map(|(a, span, why)| json!({
                        "annotation": a, "at": at(map, *span), "why": why,
                    })).collect::<Vec<_>>(),
                });
            }
            if let Some((_, pod)) = m.k8s.proxy_pods.iter().find(|(pi, _)| *pi == i) {
                v["pod"] = json!(m.k8s.pods.get(*pod).map(|p| p.owner.value.clone()));
            }
            v
        })
        .collect();
    let upstreams: Vec<Json> = m
        .upstreams
        .iter()
        .map(|u| {
            json!({
                "name": u.name.value, "at": at(map, u.name.span),
                "servers": u.servers.iter().map(|s| json!({
                    "host": s.host, "port": s.port, "unix": s.unix_path, "at": at(map, s.span),
                })).collect::<Vec<_>>(),
                "settings": settings_json(map, &u.settings),
            })
        })
        .collect();
    let workloads: Vec<Json> = m
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| {
            json!({
                "id": i, "orchestrator": w.kind.orchestrator(), "name": w.name.value,
                "at": at(map, w.name.span), "hostnames": w.hostnames, "image": w.image,
                "servers": w.servers, "settings": settings_json(map, &w.settings),
            })
        })
        .collect();
    let servers: Vec<Json> = m
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let place = s.workload.and_then(|w| m.workloads.get(w)).map(|w| {
                json!({ "orchestrator": w.kind.orchestrator(), "name": w.name.value, "path": map.get(w.file).path })
            });
            json!({
                "id": i, "kind": s.kind, "where": place, "command": s.command.value,
                "at": at(map, s.command.span),
                "config_file": s.config_file.map(|f| map.get(f).path.clone()),
                "settings": settings_json(map, &s.settings),
                "unknown_settings": s.unknown_settings.iter().map(|u| json!({"name": u.value, "at": at(map, u.span)})).collect::<Vec<_>>(),
                "notes": s.notes,
                "stop_path": match &s.stop_path {
                    StopPath::Direct => json!({"kind": "direct"}),
                    StopPath::Shell(w) => json!({"kind": "shell", "wrapper": w.value, "at": at(map, w.span)}),
                    StopPath::Supervisor(sig) => json!({"kind": "supervisor", "signal": sig.value.to_string()}),
                },
            })
        })
        .collect();
    let paths: Vec<Json> = a
        .links
        .hops
        .iter()
        .map(|h| {
            json!({
                "proxy": h.proxy, "upstream": h.upstream.map(|u| m.upstreams[u].name.value.clone()),
                "service": h.service.and_then(|s| m.k8s.services.get(s)).map(|s| s.name.value.clone()),
                "workload": h.workload, "server": h.server, "port": h.port,
                "reason": h.reason, "weak": h.weak, "loopback_bind": h.loopback_bind,
            })
        })
        .collect();
    let services: Vec<Json> = m
        .k8s
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "id": i, "name": s.name.value, "namespace": s.namespace(), "at": at(map, s.name.span),
                "type": s.service_type.as_deref().unwrap_or("ClusterIP"),
                "external_name": s.external_name,
                "selector": s.selector.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "ports": s.ports.iter().map(|p| json!({
                    "name": p.name, "port": p.port, "at": at(map, p.span),
                    "target_port": match &p.target_port {
                        TargetPort::Number(n) => json!(n),
                        TargetPort::Name(n) => json!(n),
                        TargetPort::SameAsPort => json!(p.port),
                    },
                })).collect::<Vec<_>>(),
                "deployment": m.projects.get(s.project).map(|p| p.dir.clone()),
            })
        })
        .collect();
    let pods: Vec<Json> = m
        .k8s
        .pods
        .iter()
        .map(|p| {
            json!({
                "owner": p.owner.value, "namespace": p.namespace(), "at": at(map, p.owner.span),
                "labels": p.labels.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "deployment": m.projects.get(p.project).map(|d| d.dir.clone()),
                "containers": p.containers.iter().map(|c| json!({
                    "name": c.name.value, "image": c.image, "nginx": c.nginx, "nginx_version": c.nginx_version, "workload": c.workload,
                    "ports": c.ports.iter().map(|port| json!({"name": port.name, "port": port.port})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let ignored: Vec<Json> = m
        .k8s
        .ignored
        .iter()
        .map(|i| json!({ "what": i.what, "at": at(map, i.span), "reason": i.reason }))
        .chain(m.k8s.controller_ignored.iter().map(|(key, span, why)| {
            json!({ "what": format!("ingress-nginx ConfigMap key {key}"), "at": at(map, *span), "reason": why })
        }))
        .collect();
    let unlinked: Vec<Json> = a
        .links
        .unlinked
        .iter()
        .map(|u| json!({ "proxy": u.proxy, "target": u.target, "reason": u.reason }))
        .collect();
    let problems: Vec<Json> = a
        .problems
        .iter()
        .map(|p| {
            let mut v =
                json!({ "path": map.get(p.file).path, "code": p.code, "message": p.message });
            if let Some(span) = p.span {
                v["at"] = at(map, span);
            }
            v
        })
        .collect();
    json!({
        "schema_version": 1,
        "files": a.inventory.files.iter().map(|d| json!({"path": map.get(d.file).path, "kind": d.kind.name()})).collect::<Vec<_>>(),
        "proxies": proxies,
        "upstreams": upstreams,
        "workloads": workloads,
        "servers": servers,
        "services": services,
        "pods": pods,
        "paths": paths,
        "unlinked": unlinked,
        "ignored": ignored,
        "problems": problems,
    })
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The request paths as a Graphviz digraph.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn write_dot(a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let map = &a.map;
    let m = &a.model;
    writeln!(out, "digraph parity {{")?;
    writeln!(
        out,
        "  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];"
    )?;
    for (i, p) in m.proxies.iter().enumerate() {
        let read = p
            .settings
            .get("read_timeout")
            .map(|s| s.value.to_string())
            .unwrap_or_default();
        // An Ingress backend names a Service; nginx has a `*_pass` directive.
        let pass = if p.tool == "nginx" {
            format!("{}_pass {}", p.family, p.target.value)
        } else {
            format!("{} backend {}", p.tool, p.target.value)
        };
        writeln!(
            out,
            "  proxy{i} [label=\"{}\\n{}\\n{}\\nread_timeout {}\"];",
            dot_escape(&map.get(p.file).path),
            dot_escape(&p.name),
            dot_escape(&pass),
            dot_escape(&read)
        )?;
    }
    for (i, s) in m.servers.iter().enumerate() {
        let place = s
            .workload
            .and_then(|w| m.workloads.get(w))
            .map(|w| format!("{} {}", w.kind.orchestrator(), w.name.value))
            .unwrap_or_default();
        let get = |k: &str| {
            s.settings
                .get(k)
                .map(|v| v.value.to_string())
                .unwrap_or_default()
        };
        writeln!(
            out,
            "  server{i} [label=\"{}\\n{}\\nworker {} timeout {}\\ngraceful {}\"];",
            dot_escape(&place),
            s.kind,
            dot_escape(&get("worker_class")),
            dot_escape(&get("timeout")),
            dot_escape(&get("graceful_timeout"))
        )?;
    }
    for h in &a.links.hops {
        let style = if h.weak { ", style=dashed" } else { "" };
        writeln!(
            out,
            "  proxy{} -> server{} [label=\"{}\"{style}];",
            h.proxy,
            h.server,
            dot_escape(&h.reason)
        )?;
    }
    for (i, u) in a.links.unlinked.iter().enumerate() {
        writeln!(
            out,
            "  unlinked{i} [shape=plaintext, label=\"{}: {}\"];",
            dot_escape(&u.target),
            dot_escape(&u.reason)
        )?;
        writeln!(out, "  proxy{} -> unlinked{i} [style=dotted];", u.proxy)?;
    }
    for (i, ig) in m.k8s.ignored.iter().enumerate() {
        writeln!(
            out,
            "  ignored{i} [shape=plaintext, label=\"{} (not modelled): {}\"];",
            dot_escape(&ig.what),
            dot_escape(&ig.reason)
        )?;
    }
    writeln!(out, "}}")
}
