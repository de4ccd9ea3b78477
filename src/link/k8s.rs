//! Kubernetes request paths. An nginx `proxy_pass`/upstream `server` host,
//! or an Ingress backend, names a Service (cluster DNS: `name`, `name.ns`,
//! `name.ns.svc`, `name.ns.svc.cluster.local`; a bare name is in the
//! namespace of the nginx's own manifest, `default` when unset); the Service
//! selects pod templates (selector ⊆ pod labels, same namespace, same
//! deployment scope); the Service port the caller uses (`port` equal to the
//! port connected to, or the port an Ingress names) leads to its
//! `targetPort` (a number, a container port name, or `port` itself); the
//! container whose app server binds that port serves the hop. nginx reading a
//! ConfigMap in a pod also reaches the pod's other containers on loopback.
//! Every link says why; every dead end is an [`Unlinked`] saying where the
//! path stops.

use super::{Hop, Links, Target, Unlinked, is_loopback, parse_target};
use crate::model::{Model, Proxy, Service, ServicePort, TargetPort, manifest_affinity};

/// Where a name is looked up from.
struct From<'a> {
    /// The deployment scope of the referring manifest; `None` for an nginx
    /// file of the repository (then: scopes whose directory holds the file).
    project: Option<usize>,
    /// Root-relative path of the referring file.
    path: &'a str,
    /// Namespace a bare name resolves in.
    namespace: &'a str,
}

/// The caller side of the hops being linked.
struct Caller {
    proxy: usize,
    upstream: Option<usize>,
    upstream_server: Option<usize>,
    /// How the caller names its target, e.g. `proxy_pass http://web:80`.
    via: String,
    /// The address looked up, as shown in unlinked entries.
    target: String,
    /// ingress-nginx sends requests to the pods' endpoints directly; nginx
    /// connects to the Service's port.
    to_endpoints: bool,
}

/// A Service port as a caller selects it.
enum PortSel {
    Number(u16),
    Name(String),
}

impl std::fmt::Display for PortSel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortSel::Number(n) => write!(f, "{n}"),
            PortSel::Name(s) => write!(f, "`{s}`"),
        }
    }
}

/// One address an nginx proxy sends to (the pass target, or each server of
/// the upstream block it names).
struct Address {
    upstream: Option<usize>,
    upstream_server: Option<usize>,
    host: String,
    port: Option<u16>,
    unix: Option<String>,
    via: String,
}

/// Links a proxy the Kubernetes way when it is one: an Ingress backend, an
/// nginx config read from a ConfigMap, or an nginx file whose targets name a
/// Service of a deployment scope that holds the file. Returns false (and
/// records nothing) for any other proxy.
pub(super) fn link_proxy(
    model: &Model,
    pi: usize,
    proxy: &Proxy,
    proxy_path: &str,
    links: &mut Links,
) -> bool {
    if let Some(route) = model.k8s.ingress_routes.iter().find(|r| r.proxy == pi) {
        let caller = Caller {
            proxy: pi,
            upstream: Some(route.upstream),
            upstream_server: None,
            via: format!(
                "Ingress {} backend {}",
                route.ingress.value, proxy.target.value
            ),
            target: proxy.target.value.clone(),
            to_endpoints: true,
        };
        let Some(port) = &route.service_port else {
            unlinked(
                links,
                &caller,
                "the backend names no Service port (networking.k8s.io/v1 requires port.number or port.name)".to_owned(),
            );
            return true;
        };
        let from = From {
            project: Some(route.project),
            path: &route.path,
            namespace: route.namespace(),
        };
        let before = links.hops.len();
        // The Service is always in the Ingress's own namespace.
        match find_services(model, &route.service, route.namespace(), &from) {
            Ok(found) => {
                let sel = match port {
                    crate::model::ServiceRef::Number(n) => PortSel::Number(*n),
                    crate::model::ServiceRef::Name(s) => PortSel::Name(s.clone()),
                };
                for si in found {
                    through_service(model, &caller, si, &sel, links);
                }
            }
            Err(reason) => unlinked(links, &caller, reason),
        }
        if !route.explicit {
            for h in &mut links.hops[before..] {
                h.weak = true;
                h.reason.push_str(
                    "; the Ingress names no class and no ingress-nginx annotation, so it is \
                     taken to be served by ingress-nginx as the cluster's default class",
                );
            }
        }
        return true;
    }
    let pod = model
        .k8s
        .proxy_pods
        .iter()
        .find(|(p, _)| *p == pi)
        .map(|&(_, pod)| pod);
    let target = match parse_target(&proxy.target.value, proxy.family) {
        Ok(t) => t,
        Err(reason) if pod.is_some() => {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: proxy.target.value.clone(),
                reason,
            });
            return true;
        }
        Err(_) => return false,
    };
    let from = From {
        project: pod.and_then(|p| model.k8s.pods.get(p)).map(|p| p.project),
        path: proxy_path,
        namespace: pod
            .and_then(|p| model.k8s.pods.get(p))
            .map_or("default", |p| p.namespace()),
    };
    let addresses = addresses(model, proxy, &target);
    if pod.is_none()
        && !addresses.iter().any(|a| {
            service_name(&a.host, from.namespace)
                .is_some_and(|(name, ns)| find_services(model, &name, &ns, &from).is_ok())
        })
    {
        return false;
    }
    for a in addresses {
        let caller = Caller {
            proxy: pi,
            upstream: a.upstream,
            upstream_server: a.upstream_server,
            via: a.via.clone(),
            target: match a.port {
                Some(p) => format!("{}:{p}", a.host),
                None => a.host.clone(),
            },
            to_endpoints: false,
        };
        link_address(model, &caller, &a, pod, &from, links);
    }
    true
}

fn unlinked(links: &mut Links, caller: &Caller, reason: String) {
    links.unlinked.push(Unlinked {
        proxy: caller.proxy,
        target: caller.target.clone(),
        reason,
    });
}

/// The pass target, or the servers of the `upstream` block it names (one of
/// the proxy's own file first; nginx's default port 80 for a server line
/// without one).
fn addresses(model: &Model, proxy: &Proxy, target: &Target) -> Vec<Address> {
    let upstream = if target.port.is_none() {
        let named = |same_file: bool| {
            model
                .upstreams
                .iter()
                .position(|u| u.name.value == target.host && (!same_file || u.file == proxy.file))
        };
        named(true).or_else(|| named(false))
    } else {
        None
    };
    let Some(ui) = upstream else {
        return vec![Address {
            upstream: None,
            upstream_server: None,
            host: target.host.clone(),
            port: target.port.or(target.default_port),
            unix: None,
            via: format!("{}_pass {}", proxy.family, proxy.target.value),
        }];
    };
    model.upstreams[ui]
        .servers
        .iter()
        .enumerate()
        .map(|(si, s)| Address {
            upstream: Some(ui),
            upstream_server: Some(si),
            host: s.host.clone(),
            port: if s.unix_path.is_some() {
                None
            } else {
                Some(s.port.unwrap_or(80))
            },
            unix: s.unix_path.clone(),
            via: match s.port {
                Some(p) => format!("upstream `{}` server {}:{p}", target.host, s.host),
                None => format!("upstream `{}` server {}", target.host, s.host),
            },
        })
        .collect()
}

/// The Service a host names under cluster DNS, as `(name, namespace)`:
/// `name` (in `namespace`), `name.ns`, `name.ns.svc`,
/// `name.ns.svc.cluster.local` (a trailing dot allowed); `None` for anything
/// else (an IP address, an outside host name).
fn service_name(host: &str, namespace: &str) -> Option<(String, String)> {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    let h = h
        .strip_suffix(".svc.cluster.local")
        .or_else(|| h.strip_suffix(".svc"))
        .unwrap_or(&h);
    let parts: Vec<&str> = h.split('.').collect();
    let label_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.bytes().all(|b| b.is_ascii_digit())
    };
    match parts.as_slice() {
        [name] if label_ok(name) => Some(((*name).to_owned(), namespace.to_owned())),
        [name, ns] if label_ok(name) && label_ok(ns) => {
            Some(((*name).to_owned(), (*ns).to_owned()))
        }
        _ => None,
    }
}

fn in_scope(model: &Model, svc: &Service, from: &From<'_>) -> bool {
    match from.project {
        Some(p) => svc.project == p,
        None => model
            .projects
            .get(svc.project)
            .is_some_and(|p| p.contains(from.path)),
    }
}

/// The Services `name` in `namespace` that `from` sees: same deployment
/// scope, and of several, the nearest manifests (never one of a sibling
/// kustomize overlay).
fn find_services(
    model: &Model,
    name: &str,
    namespace: &str,
    from: &From<'_>,
) -> Result<Vec<usize>, String> {
    let services = &model.k8s.services;
    let named: Vec<usize> = (0..services.len())
        .filter(|&i| services[i].name.value == name)
        .collect();
    let scoped: Vec<usize> = named
        .iter()
        .copied()
        .filter(|&i| in_scope(model, &services[i], from))
        .collect();
    let here: Vec<usize> = scoped
        .iter()
        .copied()
        .filter(|&i| services[i].namespace() == namespace)
        .collect();
    if here.is_empty() {
        let mut others: Vec<String> = Vec::new();
        if scoped.is_empty() {
            for &i in &named {
                let dir = model
                    .projects
                    .get(services[i].project)
                    .map_or(String::new(), |p| {
                        if p.dir.is_empty() {
                            ".".to_owned()
                        } else {
                            p.dir.clone()
                        }
                    });
                if !others.contains(&dir) {
                    others.push(dir);
                }
            }
        } else {
            for &i in &scoped {
                let ns = services[i].namespace().to_owned();
                if !others.contains(&ns) {
                    others.push(ns);
                }
            }
        }
        return Err(if named.is_empty() {
            format!("no Kubernetes Service is named `{name}`")
        } else if scoped.is_empty() {
            format!(
                "a Service named `{name}` exists, but in another deployment ({}); names resolve within one deployment's manifests",
                others.join(", ")
            )
        } else {
            format!(
                "Service `{name}` is in namespace {}, not in `{namespace}` where the name is looked up",
                others
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    let scored: Vec<(usize, Option<usize>)> = here
        .iter()
        .map(|&i| (i, manifest_affinity(from.path, &services[i].path)))
        .collect();
    let Some(best) = scored.iter().filter_map(|(_, a)| *a).max() else {
        return Err(format!(
            "Service `{name}` is defined only in another kustomize overlay ({}), which is not applied with this one",
            here.iter()
                .map(|&i| services[i].path.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    // A Service without a selector next to one with it is a kustomize patch
    // layer of the same object (patchesStrategicMerge): the selector comes from
    // the nearest layer that has one.
    let complete = |i: usize| {
        let s = &services[i];
        !s.selector.is_empty()
            || s.external_name.is_some()
            || s.service_type.as_deref() == Some("ExternalName")
    };
    let nearest_complete = scored
        .iter()
        .filter(|(i, _)| complete(*i))
        .filter_map(|(_, a)| *a)
        .max();
    let pick = match nearest_complete {
        Some(a) if !scored.iter().any(|(i, s)| *s == Some(best) && complete(*i)) => a,
        _ => best,
    };
    Ok(scored
        .into_iter()
        .filter(|(i, a)| *a == Some(pick) && (pick == best || complete(*i)))
        .map(|(i, _)| i)
        .collect())
}

/// One address of an nginx proxy: the pod's own containers for loopback,
/// else the Service it names.
fn link_address(
    model: &Model,
    caller: &Caller,
    a: &Address,
    pod: Option<usize>,
    from: &From<'_>,
    links: &mut Links,
) {
    if let Some(path) = &a.unix {
        unlinked(
            links,
            caller,
            format!("unix socket {path}: parity does not model shared sockets yet"),
        );
        return;
    }
    let Some(port) = a.port else {
        unlinked(
            links,
            caller,
            "the address has no port and its protocol has no default one".to_owned(),
        );
        return;
    };
    if is_loopback(&a.host) {
        match pod {
            Some(p) => link_same_pod(model, caller, p, port, links),
            None => unlinked(
                links,
                caller,
                "loopback address: parity does not know which pod this nginx file runs in"
                    .to_owned(),
            ),
        }
        return;
    }
    let Some((name, namespace)) = service_name(&a.host, from.namespace) else {
        unlinked(
            links,
            caller,
            format!(
                "`{}` is not a Kubernetes Service name (name, name.namespace, name.namespace.svc[.cluster.local])",
                a.host
            ),
        );
        return;
    };
    match find_services(model, &name, &namespace, from) {
        Ok(found) => {
            for si in found {
                through_service(model, caller, si, &PortSel::Number(port), links);
            }
        }
        Err(reason) => unlinked(links, caller, reason),
    }
}

/// nginx in a pod sending to `127.0.0.1:port`: the pod's containers share
/// its network, so the container whose server binds that port serves it.
fn link_same_pod(model: &Model, caller: &Caller, pod: usize, port: u16, links: &mut Links) {
    let Some(p) = model.k8s.pods.get(pod) else {
        return;
    };
    let mut found = false;
    let mut listed = Vec::new();
    for c in &p.containers {
        let Some(wi) = c.workload else { continue };
        for &si in &model.workloads[wi].servers {
            let server = &model.servers[si];
            let why = match &server.binds {
                Some(binds) => match binds.iter().find(|b| b.port == Some(port)) {
                    Some(b) => Some((
                        format!(
                            "{} reaches container {} of the same pod ({}): containers of a pod share its network, and its {} binds {}:{port}",
                            caller.via,
                            c.name.value,
                            p.owner.value,
                            server.kind,
                            if b.host.is_empty() { "*" } else { &b.host }
                        ),
                        false,
                    )),
                    None => {
                        listed.extend(binds.iter().map(|b| describe_bind(server.kind, b)));
                        None
                    }
                },
                None => Some((
                    format!(
                        "{} may reach container {} of the same pod ({}); its {} bind address is unknown, so the port could not be confirmed",
                        caller.via, c.name.value, p.owner.value, server.kind
                    ),
                    true,
                )),
            };
            if let Some((reason, weak)) = why {
                found = true;
                links.hops.push(Hop {
                    proxy: caller.proxy,
                    upstream: caller.upstream,
                    upstream_server: caller.upstream_server,
                    workload: wi,
                    server: si,
                    port: Some(port),
                    reason,
                    weak,
                    service: None,
                    loopback_bind: false,
                });
            }
        }
    }
    if !found {
        unlinked(
            links,
            caller,
            format!(
                "loopback address: no container of {} (the pod this nginx runs in) serves port {port}{}",
                p.owner.value,
                if listed.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", listed.join(", "))
                }
            ),
        );
    }
}

fn describe_bind(kind: &str, b: &crate::model::Bind) -> String {
    match (&b.unix_path, b.port) {
        (Some(p), _) => format!("{kind} on unix:{p}"),
        (None, Some(p)) => format!(
            "{kind} on {}:{p}",
            if b.host.is_empty() { "*" } else { &b.host }
        ),
        (None, None) => format!("{kind} on {}", b.host),
    }
}

/// Service -> pod templates -> targetPort -> the app server binding it.
fn through_service(model: &Model, caller: &Caller, si: usize, sel: &PortSel, links: &mut Links) {
    let svc = &model.k8s.services[si];
    let svc_desc = format!("Service `{}` ({})", svc.name.value, svc.path);
    if svc.service_type.as_deref() == Some("ExternalName") || svc.external_name.is_some() {
        unlinked(
            links,
            caller,
            format!(
                "{svc_desc} is an ExternalName Service (a DNS alias for {}): no pod of the repository serves it",
                svc.external_name.as_deref().unwrap_or("an outside name")
            ),
        );
        return;
    }
    if svc.selector.is_empty() {
        unlinked(
            links,
            caller,
            format!(
                "{svc_desc} has no selector: its endpoints are managed by hand, so parity cannot tell which pods receive its traffic"
            ),
        );
        return;
    }
    let port = svc.ports.iter().find(|p| match sel {
        PortSel::Number(n) => p.port == *n,
        PortSel::Name(s) => p.name.as_deref() == Some(s.as_str()),
    });
    let Some(sp) = port else {
        let have: Vec<String> = svc
            .ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{} ({n})", p.port),
                None => p.port.to_string(),
            })
            .collect();
        unlinked(
            links,
            caller,
            format!(
                "{svc_desc} has no port {sel} (its ports: {})",
                if have.is_empty() {
                    "none".to_owned()
                } else {
                    have.join(", ")
                }
            ),
        );
        return;
    };
    let pods: Vec<usize> = (0..model.k8s.pods.len())
        .filter(|&p| {
            let pod = &model.k8s.pods[p];
            pod.project == svc.project
                && pod.namespace() == svc.namespace()
                && svc.selects(&pod.labels)
        })
        .collect();
    if pods.is_empty() {
        unlinked(
            links,
            caller,
            format!(
                "the selector {} of {svc_desc} matches no pod template in namespace `{}` of this deployment",
                svc.selector_text(),
                svc.namespace()
            ),
        );
        return;
    }
    for p in pods {
        through_pod(model, caller, si, sp, p, links);
    }
}

/// One selected pod template: the container and server the target port reaches.
fn through_pod(
    model: &Model,
    caller: &Caller,
    si: usize,
    sp: &ServicePort,
    pod_index: usize,
    links: &mut Links,
) {
    let svc = &model.k8s.services[si];
    let pod = &model.k8s.pods[pod_index];
    let port_desc = match &sp.name {
        Some(n) => format!("port {} ({n})", sp.port),
        None => format!("port {}", sp.port),
    };
    let (target, named) = match &sp.target_port {
        TargetPort::Number(n) => (*n, None),
        TargetPort::SameAsPort => (sp.port, None),
        TargetPort::Name(n) => {
            let declared = pod.containers.iter().enumerate().find_map(|(ci, c)| {
                c.ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(n.as_str()))
                    .map(|p| (p.port, ci))
            });
            match declared {
                Some((port, ci)) => (port, Some((ci, n.as_str()))),
                None => {
                    unlinked(
                        links,
                        caller,
                        format!(
                            "targetPort `{n}` of Service `{}` names a container port that no container of {} declares",
                            svc.name.value, pod.owner.value
                        ),
                    );
                    return;
                }
            }
        }
    };
    let target_desc = match (&sp.target_port, named) {
        (TargetPort::Name(_), Some((_, n))) => format!("targetPort `{n}` = containerPort {target}"),
        (TargetPort::SameAsPort, _) => format!("targetPort {target} (not set: the port itself)"),
        _ => format!("targetPort {target}"),
    };
    let mut found = false;
    let mut blocked: Vec<String> = Vec::new();
    for (ci, c) in pod.containers.iter().enumerate() {
        if named.is_some_and(|(n, _)| n != ci) {
            continue;
        }
        let Some(wi) = c.workload else {
            if named.is_some() {
                blocked.push(format!(
                    "container {} declares that port but runs no app server parity recognises{}",
                    c.name.value,
                    if c.nginx {
                        " (it runs nginx, whose own proxies are hops of their own)"
                    } else {
                        ""
                    }
                ));
            }
            continue;
        };
        for &server_index in &model.workloads[wi].servers {
            let server = &model.servers[server_index];
            let (reason, weak) = match &server.binds {
                Some(binds) => match binds.iter().find(|b| b.port == Some(target)) {
                    Some(b) if b.is_loopback() => {
                        blocked.push(format!(
                            "{} in container {} binds {}:{target}, which only the pod itself can reach, not a Service{}",
                            server.kind,
                            c.name.value,
                            b.host,
                            if server.kind == "gunicorn" {
                                " (gunicorn binds 127.0.0.1:8000 unless told otherwise; bind 0.0.0.0)"
                            } else {
                                ""
                            }
                        ));
                        continue;
                    }
                    Some(b) => (
                        format!(
                            "{} names {}, whose selector {} matches {}; {port_desc} leads to {target_desc} of container {}, where {} binds {}:{target}",
                            caller.via,
                            format_args!("Service `{}` ({})", svc.name.value, svc.path),
                            svc.selector_text(),
                            pod.owner.value,
                            c.name.value,
                            server.kind,
                            if b.host.is_empty() { "*" } else { &b.host }
                        ),
                        false,
                    ),
                    None => {
                        blocked.push(format!(
                            "container {} runs {}",
                            c.name.value,
                            binds
                                .iter()
                                .map(|b| describe_bind(server.kind, b))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                        continue;
                    }
                },
                None => (
                    format!(
                        "{} names Service `{}` ({}), whose selector {} matches {}; {port_desc} leads to {target_desc} of container {}, but its {} bind address is unknown, so the port could not be confirmed",
                        caller.via,
                        svc.name.value,
                        svc.path,
                        svc.selector_text(),
                        pod.owner.value,
                        c.name.value,
                        server.kind
                    ),
                    true,
                ),
            };
            found = true;
            links.hops.push(Hop {
                proxy: caller.proxy,
                upstream: caller.upstream,
                upstream_server: caller.upstream_server,
                workload: wi,
                server: server_index,
                port: Some(if caller.to_endpoints { target } else { sp.port }),
                reason,
                weak,
                service: Some(si),
                loopback_bind: false,
            });
        }
    }
    if found {
        return;
    }
    let reason = if blocked.is_empty() {
        let containers: Vec<String> = pod
            .containers
            .iter()
            .map(|c| {
                if c.nginx {
                    format!("{} (nginx)", c.name.value)
                } else if !c.sets_command {
                    format!(
                        "{} (runs its image's own command, which parity cannot see)",
                        c.name.value
                    )
                } else {
                    c.name.value.clone()
                }
            })
            .collect();
        format!(
            "Service `{}` selects {}, which runs no app server parity recognises (containers: {})",
            svc.name.value,
            pod.owner.value,
            containers.join(", ")
        )
    } else {
        format!(
            "Service `{}` sends {port_desc} to {target_desc} of {}, but no server there listens on it: {}",
            svc.name.value,
            pod.owner.value,
            blocked.join("; ")
        )
    };
    unlinked(links, caller, reason);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AppServer, Bind, IngressRoute, K8sModel, NamedPort, Pod, PodContainer, Project, ServiceRef,
        Settings, Workload, WorkloadKind,
    };
    use crate::span::{FileId, Span, Spanned};

    fn at() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// A model with one scope `k8s` (project 0) and one `other/k8s` (project 1).
    fn base() -> Model {
        let mut m = Model::default();
        for dir in ["k8s", "other/k8s"] {
            m.projects.push(Project {
                file: FileId(0),
                dir: dir.to_owned(),
                mounted: Vec::new(),
            });
        }
        m.k8s = K8sModel::default();
        m
    }

    /// Adds a Deployment `name` whose single container runs gunicorn on `bind`.
    /// `place`: (project, manifest path).
    fn add_app(
        m: &mut Model,
        place: (usize, &str),
        name: &str,
        ns: Option<&str>,
        pod_labels: &[(&str, &str)],
        ports: &[(Option<&str>, u16)],
        bind: &str,
    ) -> usize {
        let (project, path) = place;
        let wi = m.workloads.len();
        let si = m.servers.len();
        m.servers.push(AppServer {
            kind: "gunicorn",
            workload: Some(wi),
            command: Spanned::new("gunicorn app".into(), at()),
            settings: Settings::new(),
            binds: Some(vec![Bind::parse_gunicorn(bind)]),
            config_file: None,
            unknown_settings: Vec::new(),
            notes: Vec::new(),
            config_items: Vec::new(),
            stop_path: crate::model::StopPath::Direct,
        });
        m.workloads.push(Workload {
            kind: WorkloadKind::KubernetesContainer,
            file: FileId(0),
            name: Spanned::new(format!("Deployment/{name} container app"), at()),
            hostnames: Vec::new(),
            settings: Settings::new(),
            image: None,
            servers: vec![si],
            project,
            runs: None,
        });
        m.k8s.pods.push(Pod {
            file: FileId(0),
            path: path.to_owned(),
            owner: Spanned::new(format!("Deployment/{name}"), at()),
            namespace: ns.map(str::to_owned),
            labels: labels(pod_labels),
            containers: vec![PodContainer {
                name: Spanned::new("app".into(), at()),
                image: None,
                ports: ports
                    .iter()
                    .map(|(n, p)| NamedPort {
                        name: n.map(str::to_owned),
                        port: *p,
                        span: at(),
                    })
                    .collect(),
                workload: Some(wi),
                nginx: false,
                sets_command: true,
                nginx_version: None,
            }],
            project,
        });
        wi
    }

    fn add_service(
        m: &mut Model,
        project: usize,
        path: &str,
        name: &str,
        ns: Option<&str>,
        selector: &[(&str, &str)],
        ports: &[(Option<&str>, u16, TargetPort)],
    ) -> usize {
        m.k8s.services.push(Service {
            file: FileId(0),
            path: path.to_owned(),
            name: Spanned::new(name.to_owned(), at()),
            namespace: ns.map(str::to_owned),
            selector: labels(selector),
            ports: ports
                .iter()
                .map(|(n, p, t)| ServicePort {
                    name: n.map(str::to_owned),
                    port: *p,
                    target_port: t.clone(),
                    span: at(),
                })
                .collect(),
            service_type: None,
            external_name: None,
            project,
            span: at(),
        });
        m.k8s.services.len() - 1
    }

    /// An nginx proxy `proxy_pass <target>` read from a ConfigMap of a pod in `project`.
    fn add_nginx_in_pod(m: &mut Model, project: usize, ns: Option<&str>, target: &str) -> usize {
        let pod = m.k8s.pods.len();
        m.k8s.pods.push(Pod {
            file: FileId(0),
            path: "k8s/nginx.yaml".into(),
            owner: Spanned::new("Deployment/nginx".into(), at()),
            namespace: ns.map(str::to_owned),
            labels: labels(&[("app", "nginx")]),
            containers: Vec::new(),
            project,
        });
        let pi = m.proxies.len();
        m.proxies.push(Proxy {
            tool: "nginx",
            file: FileId(0),
            name: "server, location /".into(),
            family: "proxy",
            target: Spanned::new(target.to_owned(), at()),
            pass_span: at(),
            settings: Settings::new(),
            upstream: None,
        });
        m.k8s.proxy_pods.push((pi, pod));
        pi
    }

    fn run(m: &Model) -> Links {
        super::super::link(m, &|_| "k8s/nginx.yaml".to_owned())
    }

    #[test]
    fn service_name_forms() {
        let n = |h: &str| service_name(h, "shop");
        assert_eq!(n("web"), Some(("web".into(), "shop".into())));
        assert_eq!(n("web.blog"), Some(("web".into(), "blog".into())));
        assert_eq!(n("web.blog.svc"), Some(("web".into(), "blog".into())));
        assert_eq!(
            n("web.blog.svc.cluster.local"),
            Some(("web".into(), "blog".into()))
        );
        assert_eq!(
            n("Web.Blog.svc.cluster.local."),
            Some(("web".into(), "blog".into()))
        );
        assert_eq!(n("10.0.0.1"), None);
        assert_eq!(n("api.example.com"), None);
        assert_eq!(n("web_app"), None);
    }

    #[test]
    fn every_name_form_links_and_the_bare_name_uses_the_nginx_namespace() {
        for (target, ns) in [
            ("http://web", Some("shop")),
            ("http://web.shop", None),
            ("http://web.shop.svc:80", None),
            ("http://web.shop.svc.cluster.local", Some("blog")),
        ] {
            let mut m = base();
            add_app(
                &mut m,
                (0, "k8s/app.yaml"),
                "web",
                Some("shop"),
                &[("app", "web")],
                &[],
                "0.0.0.0:8000",
            );
            add_service(
                &mut m,
                0,
                "k8s/app.yaml",
                "web",
                Some("shop"),
                &[("app", "web")],
                &[(None, 80, TargetPort::Number(8000))],
            );
            add_nginx_in_pod(&mut m, 0, ns, target);
            let links = run(&m);
            assert_eq!(links.hops.len(), 1, "{target}: {:?}", links.unlinked);
            assert_eq!(links.hops[0].service, Some(0));
            assert_eq!(links.hops[0].port, Some(80));
            assert!(!links.hops[0].weak);
            assert!(
                links.hops[0].reason.contains("targetPort 8000"),
                "{}",
                links.hops[0].reason
            );
        }
    }

    #[test]
    fn namespace_mismatch_is_unlinked_with_the_reason() {
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            Some("shop"),
            &[("app", "web")],
            &[],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            Some("shop"),
            &[("app", "web")],
            &[(None, 80, TargetPort::Number(8000))],
        );
        // nginx in `default` names the bare `web`.
        add_nginx_in_pod(&mut m, 0, None, "http://web");
        let links = run(&m);
        assert!(links.hops.is_empty());
        assert!(
            links.unlinked[0].reason.contains("namespace `shop`"),
            "{:?}",
            links.unlinked
        );
        // A Service whose pods are in another namespace selects nothing.
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            Some("blog"),
            &[("app", "web")],
            &[],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            None,
            &[("app", "web")],
            &[(None, 80, TargetPort::Number(8000))],
        );
        add_nginx_in_pod(&mut m, 0, None, "http://web");
        let links = run(&m);
        assert!(links.hops.is_empty());
        assert!(
            links.unlinked[0].reason.contains("matches no pod template"),
            "{:?}",
            links.unlinked
        );
    }

    #[test]
    fn the_selector_must_be_a_subset_of_the_pod_labels() {
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            None,
            &[("app", "web"), ("tier", "api")],
            &[],
            "0.0.0.0:8000",
        );
        add_app(
            &mut m,
            (0, "k8s/worker.yaml"),
            "worker",
            None,
            &[("app", "web"), ("tier", "worker")],
            &[],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            None,
            &[("app", "web"), ("tier", "api")],
            &[(None, 80, TargetPort::Number(8000))],
        );
        add_nginx_in_pod(&mut m, 0, None, "http://web");
        let links = run(&m);
        assert_eq!(links.hops.len(), 1, "{:?}", links.unlinked);
        assert_eq!(links.hops[0].workload, 0);
    }

    #[test]
    fn named_target_ports_resolve_through_the_container_ports() {
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            None,
            &[("app", "web")],
            &[(Some("http"), 8000)],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            None,
            &[("app", "web")],
            &[(Some("web"), 80, TargetPort::Name("http".into()))],
        );
        // An Ingress naming the Service port by name: ingress-nginx connects to the pod port.
        let pi = m.proxies.len();
        m.proxies.push(Proxy {
            tool: "ingress-nginx",
            file: FileId(0),
            name: "Ingress web".into(),
            family: "proxy",
            target: Spanned::new("web:web".into(), at()),
            pass_span: at(),
            settings: Settings::new(),
            upstream: None,
        });
        m.upstreams.push(crate::model::Upstream {
            file: FileId(0),
            name: Spanned::new("upstream_balancer (Ingress web)".into(), at()),
            servers: Vec::new(),
            settings: Settings::new(),
            implicit: false,
        });
        m.k8s.ingress_routes.push(IngressRoute {
            explicit: true,
            proxy: pi,
            path: "k8s/ingress.yaml".into(),
            ingress: Spanned::new("web".into(), at()),
            namespace: None,
            service: "web".into(),
            service_port: Some(ServiceRef::Name("web".into())),
            upstream: 0,
            project: 0,
            ignored_annotations: Vec::new(),
        });
        let links = run(&m);
        assert_eq!(links.hops.len(), 1, "{:?}", links.unlinked);
        assert_eq!(links.hops[0].port, Some(8000));
        assert_eq!(links.hops[0].upstream, Some(0));
        assert!(
            links.hops[0]
                .reason
                .contains("targetPort `http` = containerPort 8000"),
            "{}",
            links.hops[0].reason
        );

        // Undeclared name, and a server on another port.
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            None,
            &[("app", "web")],
            &[(Some("web"), 8000)],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            None,
            &[("app", "web")],
            &[
                (Some("a"), 80, TargetPort::Name("http".into())),
                (Some("b"), 81, TargetPort::Number(9000)),
            ],
        );
        add_nginx_in_pod(&mut m, 0, None, "http://web:80");
        add_nginx_in_pod(&mut m, 0, None, "http://web:81");
        add_nginx_in_pod(&mut m, 0, None, "http://web:82");
        let links = run(&m);
        assert!(links.hops.is_empty());
        let reasons: Vec<&str> = links.unlinked.iter().map(|u| u.reason.as_str()).collect();
        assert!(
            reasons[0].contains("no container of Deployment/web declares"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("gunicorn on 0.0.0.0:8000"),
            "{reasons:?}"
        );
        assert!(reasons[2].contains("has no port 82"), "{reasons:?}");
    }

    #[test]
    fn loopback_binds_are_not_reachable_through_a_service() {
        let mut m = base();
        add_app(
            &mut m,
            (0, "k8s/app.yaml"),
            "web",
            None,
            &[("app", "web")],
            &[],
            "127.0.0.1:8000",
        );
        add_service(
            &mut m,
            0,
            "k8s/app.yaml",
            "web",
            None,
            &[("app", "web")],
            &[(None, 8000, TargetPort::SameAsPort)],
        );
        add_nginx_in_pod(&mut m, 0, None, "http://web:8000");
        let links = run(&m);
        assert!(links.hops.is_empty());
        assert!(
            links.unlinked[0]
                .reason
                .contains("only the pod itself can reach"),
            "{:?}",
            links.unlinked
        );
    }

    #[test]
    fn same_names_in_other_scopes_and_sibling_overlays_do_not_link() {
        let mut m = base();
        add_app(
            &mut m,
            (1, "other/k8s/app.yaml"),
            "web",
            None,
            &[("app", "web")],
            &[],
            "0.0.0.0:8000",
        );
        add_service(
            &mut m,
            1,
            "other/k8s/app.yaml",
            "web",
            None,
            &[("app", "web")],
            &[(None, 80, TargetPort::Number(8000))],
        );
        add_nginx_in_pod(&mut m, 0, None, "http://web");
        let links = run(&m);
        assert!(links.hops.is_empty());
        assert!(
            links.unlinked[0]
                .reason
                .contains("another deployment (other/k8s)"),
            "{:?}",
            links.unlinked
        );

        let from = From {
            project: Some(0),
            path: "k8s/overlays/prod/ingress.yaml",
            namespace: "default",
        };
        let mut m = base();
        add_service(
            &mut m,
            0,
            "k8s/overlays/dev/svc.yaml",
            "web",
            None,
            &[("a", "b")],
            &[],
        );
        assert!(
            find_services(&m, "web", "default", &from)
                .unwrap_err()
                .contains("another kustomize overlay")
        );
        add_service(
            &mut m,
            0,
            "k8s/base/svc.yaml",
            "web",
            None,
            &[("a", "b")],
            &[],
        );
        assert_eq!(find_services(&m, "web", "default", &from), Ok(vec![1]));
        // A selector-less patch of the Service in the overlay itself: the base layer has the selector.
        add_service(
            &mut m,
            0,
            "k8s/overlays/prod/svc-patch.yaml",
            "web",
            None,
            &[],
            &[],
        );
        assert_eq!(find_services(&m, "web", "default", &from), Ok(vec![1]));
    }

    #[test]
    fn nginx_files_outside_kubernetes_scopes_are_left_to_the_compose_linker() {
        let mut m = base();
        m.proxies.push(Proxy {
            tool: "nginx",
            file: FileId(0),
            name: "server".into(),
            family: "proxy",
            target: Spanned::new("http://web:8000".into(), at()),
            pass_span: at(),
            settings: Settings::new(),
            upstream: None,
        });
        add_service(&mut m, 0, "k8s/app.yaml", "web", None, &[("a", "b")], &[]);
        let mut links = Links::default();
        assert!(!link_proxy(
            &m,
            0,
            &m.proxies[0],
            "nginx/app.conf",
            &mut links
        ));
        assert!(link_proxy(
            &m,
            0,
            &m.proxies[0],
            "k8s/nginx/app.conf",
            &mut links
        ));
    }
}
