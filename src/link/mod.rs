//! Link: joins proxies to the app servers they reach
//! (nginx location -> upstream -> `server host:port` -> compose service -> app server;
//! Kubernetes Services and Ingresses in [`k8s`];
//! `127.0.0.1` and unix sockets -> the container nginx runs in, or a volume it
//! shares), recording why each link was made and why a hop could not be linked.
//! No rule ever fires on a guessed link: a link made on circumstantial
//! evidence is marked weak, and findings on it say so.

mod container;
mod k8s;
mod weak;

use crate::model::{Model, Proxy};

/// A proxy hop joined to the app server behind it.
#[derive(Debug, Clone)]
pub struct Hop {
    pub proxy: usize,
    /// The `upstream` block the pass names, if any.
    pub upstream: Option<usize>,
    /// Index of the server line in that upstream block.
    pub upstream_server: Option<usize>,
    pub workload: usize,
    pub server: usize,
    /// The port the proxy connects to.
    pub port: Option<u16>,
    /// Why parity believes the proxy reaches this server.
    pub reason: String,
    /// True when the evidence is circumstantial; findings on weak links say so.
    pub weak: bool,
    /// The proxy names this server from another network namespace (another
    /// container, or by service name) but the server listens only on a
    /// loopback address there: every connection is refused (PAR-N001). The
    /// hop is kept so that rules can report it.
    pub loopback_bind: bool,
    /// The Kubernetes Service the hop goes through (index into `model.k8s.services`).
    pub service: Option<usize>,
}

/// A proxy target that could not be joined to an app server.
#[derive(Debug, Clone)]
pub struct Unlinked {
    pub proxy: usize,
    /// The host:port or address that was looked up.
    pub target: String,
    pub reason: String,
}

/// All links of a run.
#[derive(Debug, Default)]
pub struct Links {
    pub hops: Vec<Hop>,
    pub unlinked: Vec<Unlinked>,
}

/// A parsed `*_pass` target.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    host: String,
    port: Option<u16>,
    default_port: Option<u16>,
    /// `unix:/path` (`proxy_pass http://unix:/path:/uri`, `uwsgi_pass unix:/path`).
    unix: Option<String>,
}

fn parse_target(raw: &str, family: &str) -> Result<Target, String> {
    if raw.contains('$') {
        return Err("the address contains a variable and is resolved at run time".into());
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => (String::new(), raw),
    };
    if let Some(path) = rest.strip_prefix("unix:") {
        // With a scheme, a `:` ends the path and starts the URI.
        let path = if scheme.is_empty() {
            path
        } else {
            path.split(':').next().unwrap_or(path)
        };
        return Ok(Target {
            host: String::new(),
            port: None,
            default_port: None,
            unix: Some(path.to_owned()),
        });
    }
    let hostport = rest.split('/').next().unwrap_or(rest);
    let default_port = match (family, scheme.as_str()) {
        (_, "http") => Some(80),
        (_, "https") => Some(443),
        ("grpc", "grpcs") => Some(443),
        _ => None,
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (
                h.to_owned(),
                p.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (hostport.to_owned(), None),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => match p.parse() {
                Ok(port) => (h.to_owned(), Some(port)),
                Err(_) => return Err(format!("cannot read the port of `{hostport}`")),
            },
            None => (hostport.to_owned(), None),
        }
    };
    Ok(Target {
        host,
        port,
        default_port,
        unix: None,
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

/// One address a proxy connects to: the pass target itself, or a server
/// line of the upstream block it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    upstream: Option<usize>,
    upstream_server: Option<usize>,
    host: String,
    port: Option<u16>,
    unix: Option<String>,
    /// How the proxy names it (`upstream `app` server django:8000`).
    via: String,
}

impl Endpoint {
    /// `host:port` or `unix:/path`, as reasons and [`Unlinked::target`] show it.
    fn addr(&self) -> String {
        match (&self.unix, self.port) {
            (Some(p), _) => format!("unix:{p}"),
            (None, Some(port)) => format!("{}:{port}", self.host),
            (None, None) => self.host.clone(),
        }
    }
}

/// The addresses `raw` (a `*_pass` argument) connects to.
fn endpoints(model: &Model, raw: &str, family: &str) -> Result<Vec<Endpoint>, String> {
    let target = parse_target(raw, family)?;
    if let Some(path) = target.unix {
        return Ok(vec![Endpoint {
            upstream: None,
            upstream_server: None,
            host: String::new(),
            port: None,
            unix: Some(path),
            via: format!("{family}_pass {raw}"),
        }]);
    }
    // A name without a port may be an upstream block; nginx looks those up first.
    let upstream = if target.port.is_none() {
        model
            .upstreams
            .iter()
            .position(|u| u.name.value == target.host)
    } else {
        None
    };
    Ok(match upstream {
        Some(ui) => model.upstreams[ui]
            .servers
            .iter()
            .enumerate()
            .map(|(si, s)| match &s.unix_path {
                Some(path) => Endpoint {
                    upstream: Some(ui),
                    upstream_server: Some(si),
                    host: String::new(),
                    port: None,
                    unix: Some(path.clone()),
                    via: format!("upstream `{}` server unix:{path}", target.host),
                },
                None => {
                    let addr = match s.port {
                        Some(p) => format!("{}:{p}", s.host),
                        None => s.host.clone(),
                    };
                    // nginx's default port for an upstream server line is 80.
                    Endpoint {
                        upstream: Some(ui),
                        upstream_server: Some(si),
                        host: s.host.clone(),
                        port: Some(s.port.unwrap_or(80)),
                        unix: None,
                        via: format!("upstream `{}` server {addr}", target.host),
                    }
                }
            })
            .collect(),
        None => vec![Endpoint {
            upstream: None,
            upstream_server: None,
            host: target.host,
            port: target.port.or(target.default_port),
            unix: None,
            via: format!("{family}_pass {raw}"),
        }],
    })
}

/// Links every proxy of the model. `path_of` gives a file's root-relative path.
#[must_use]
pub fn link(model: &Model, path_of: &dyn Fn(crate::span::FileId) -> String) -> Links {
    let mut links = Links::default();
    for (pi, proxy) in model.proxies.iter().enumerate() {
        if k8s::link_proxy(model, pi, proxy, &path_of(proxy.file), &mut links) {
            continue;
        }
        link_proxy(model, pi, proxy, path_of, &mut links);
    }
    weak::link_single_pair(model, path_of, &mut links);
    // A base file shared by several deployments repeats the same miss.
    let mut seen = std::collections::HashSet::new();
    links
        .unlinked
        .retain(|u| seen.insert((u.proxy, u.target.clone(), u.reason.clone())));
    links
}

/// Runs `f` into a scratch [`Links`] and records its results with the
/// rendering's note prefixed to every reason.
fn rendered_into(links: &mut Links, r: &container::Rendered, f: impl FnOnce(&mut Links)) {
    let mut sub = Links::default();
    f(&mut sub);
    for mut h in sub.hops {
        h.reason = format!("{}; {}", r.note, h.reason);
        h.weak |= r.weak;
        links.hops.push(h);
    }
    for mut u in sub.unlinked {
        u.reason = format!("{}; {}", r.note, u.reason);
        links.unlinked.push(u);
    }
}

fn link_proxy(
    model: &Model,
    pi: usize,
    proxy: &Proxy,
    path_of: &dyn Fn(crate::span::FileId) -> String,
    links: &mut Links,
) {
    let proxy_path = path_of(proxy.file);
    if proxy.target.value.contains('$') {
        // A template rendered with the environment of nginx's container.
        let rendered = container::render_text(model, &proxy.target.value, &proxy_path);
        if rendered.is_empty() {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: proxy.target.value.clone(),
                reason: container::unrendered_reason(model, &proxy.target.value, &proxy_path),
            });
        }
        for r in rendered {
            rendered_into(links, &r, |sub| {
                link_target(model, pi, proxy, &proxy_path, path_of, &r.target, sub);
            });
        }
        return;
    }
    link_target(
        model,
        pi,
        proxy,
        &proxy_path,
        path_of,
        &proxy.target.value,
        links,
    );
}

/// Links one (rendered) pass target of `proxy`.
fn link_target(
    model: &Model,
    pi: usize,
    proxy: &Proxy,
    proxy_path: &str,
    path_of: &dyn Fn(crate::span::FileId) -> String,
    raw: &str,
    links: &mut Links,
) {
    let eps = match endpoints(model, raw, proxy.family) {
        Ok(eps) => eps,
        Err(reason) => {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: raw.to_owned(),
                reason,
            });
            return;
        }
    };
    for ep in eps {
        if ep.unix.is_none() && ep.host.contains('$') {
            // `server ${HOST}:${PORT}` of an upstream block in a template.
            let file = ep
                .upstream
                .and_then(|u| model.upstreams.get(u))
                .map_or_else(|| proxy_path.to_owned(), |u| path_of(u.file));
            let rendered = container::render_text(model, &ep.host, &file);
            if rendered.is_empty() {
                links.unlinked.push(Unlinked {
                    proxy: pi,
                    target: ep.addr(),
                    reason: container::unrendered_reason(model, &ep.host, &file),
                });
            }
            for r in rendered {
                let mut concrete = ep.clone();
                match r
                    .target
                    .rsplit_once(':')
                    .map(|(h, p)| (h, p.parse::<u16>()))
                {
                    Some((h, Ok(port))) => {
                        concrete.host = h.to_owned();
                        concrete.port = Some(port);
                    }
                    _ => concrete.host.clone_from(&r.target),
                }
                if concrete.host.contains('$') {
                    links.unlinked.push(Unlinked {
                        proxy: pi,
                        target: concrete.addr(),
                        reason: format!(
                            "{}; the address still contains a variable and is resolved at run time",
                            r.note
                        ),
                    });
                    continue;
                }
                rendered_into(links, &r, |sub| {
                    link_endpoint(model, pi, proxy_path, &concrete, sub)
                });
            }
            continue;
        }
        link_endpoint(model, pi, proxy_path, &ep, links);
    }
}

/// Links one concrete address.
fn link_endpoint(model: &Model, pi: usize, proxy_path: &str, ep: &Endpoint, links: &mut Links) {
    if let Some(path) = &ep.unix {
        container::link_unix(model, pi, proxy_path, ep, path, links);
    } else if is_loopback(&ep.host) {
        container::link_loopback(model, pi, proxy_path, ep, links);
    } else {
        link_by_name(model, pi, proxy_path, ep, links);
    }
}

/// A host name: a compose service (name, alias, container name, hostname)
/// of the deployment the proxy config belongs to.
fn link_by_name(model: &Model, pi: usize, proxy_path: &str, ep: &Endpoint, links: &mut Links) {
    let host = &ep.host;
    let port = ep.port;
    let addr = ep.addr();
    let via = &ep.via;
    let named: Vec<usize> = model.workloads_named(host).to_vec();
    // Names resolve only inside the deployment the proxy config belongs to:
    // the deployments whose nginx containers read it, when parity knows them;
    // otherwise those it lies under or that mount it.
    let nginx_projects: Vec<usize> = model
        .nginx_readers(proxy_path)
        .iter()
        .map(|&c| model.containers[c].project)
        .collect();
    let candidates: Vec<usize> = named
        .iter()
        .copied()
        .filter(|&wi| {
            let project = model.workloads[wi].project;
            if nginx_projects.is_empty() {
                model
                    .projects
                    .get(project)
                    .is_some_and(|p| p.contains(proxy_path))
            } else {
                nginx_projects.contains(&project)
            }
        })
        .collect();
    if candidates.is_empty() {
        let reason = if named.is_empty() {
            format!("no compose service is named or aliased `{host}`")
        } else {
            let mut dirs: Vec<String> = named
                .iter()
                .filter_map(|&wi| model.projects.get(model.workloads[wi].project))
                .map(|p| {
                    if p.dir.is_empty() {
                        ".".to_owned()
                    } else {
                        p.dir.clone()
                    }
                })
                .collect();
            dirs.dedup();
            if nginx_projects.is_empty() {
                format!(
                    "a service named `{host}` exists, but in another deployment ({}); this nginx config is not under that compose project nor mounted by it",
                    dirs.join(", ")
                )
            } else {
                format!(
                    "a service named `{host}` exists, but in another deployment ({}) than the nginx containers that read this config",
                    dirs.join(", ")
                )
            }
        };
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr,
            reason,
        });
        return;
    }
    for wi in candidates {
        let w = &model.workloads[wi];
        if w.servers.is_empty() {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: addr.clone(),
                reason: match &w.runs {
                    Some(runs) => format!("service `{}` runs {runs}", w.name.value),
                    None => format!(
                        "service `{}` runs no app server parity recognises",
                        w.name.value
                    ),
                },
            });
            continue;
        }
        let service_desc = format!("compose service `{}`", w.name.value);
        // A server whose bind matches the port; with several servers in one
        // container (supervisord), only that one is reached.
        let mut matched = false;
        for &si_server in &w.servers {
            let server = &model.servers[si_server];
            let Some(binds) = &server.binds else { continue };
            let on_port: Vec<&crate::model::Bind> = binds
                .iter()
                .filter(|b| b.port.is_some() && b.port == port)
                .collect();
            if on_port.is_empty() {
                continue;
            }
            matched = true;
            // A service name resolves to the container's network address:
            // a loopback-only bind refuses it (PAR-N001).
            let reachable = on_port.iter().find(|b| !b.is_loopback());
            let b = reachable.unwrap_or(&on_port[0]);
            let bind = format!(
                "{}:{}",
                if b.host.is_empty() { "*" } else { &b.host },
                b.port.unwrap_or_default()
            );
            let reason = if reachable.is_some() {
                format!(
                    "{via} names {service_desc}, whose {} binds {bind}",
                    server.kind
                )
            } else {
                format!(
                    "{via} names {service_desc}, whose {} binds {bind}: a loopback address, which only accepts connections from inside its own container, so nginx's connections are refused",
                    server.kind
                )
            };
            links.hops.push(Hop {
                proxy: pi,
                upstream: ep.upstream,
                upstream_server: ep.upstream_server,
                workload: wi,
                server: si_server,
                port,
                reason,
                weak: false,
                loopback_bind: reachable.is_none(),
                service: None,
            });
        }
        if matched {
            continue;
        }
        let unknown: Vec<usize> = w
            .servers
            .iter()
            .copied()
            .filter(|&s| model.servers[s].binds.is_none())
            .collect();
        if !unknown.is_empty() {
            for si_server in unknown {
                links.hops.push(Hop {
                    proxy: pi,
                    upstream: ep.upstream,
                    upstream_server: ep.upstream_server,
                    workload: wi,
                    server: si_server,
                    port,
                    reason: format!(
                        "{via} names {service_desc}; its {} bind address is unknown, so the port could not be confirmed",
                        model.servers[si_server].kind
                    ),
                    weak: true,
                    loopback_bind: false,
                    service: None,
                });
            }
            continue;
        }
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr.clone(),
            reason: format!(
                "{service_desc} runs {}, not port {}",
                servers_listing(model, &w.servers),
                port.map_or_else(|| "?".to_owned(), |p| p.to_string())
            ),
        });
    }
}

/// `gunicorn on 0.0.0.0:8000, uwsgi on unix:/run/app.sock` for reasons.
fn servers_listing(model: &Model, servers: &[usize]) -> String {
    let listed: Vec<String> = servers
        .iter()
        .flat_map(|&s| model.servers[s].binds.iter().flatten().map(move |b| (s, b)))
        .map(|(s, b)| {
            let kind = model.servers[s].kind;
            match (&b.unix_path, b.port) {
                (Some(p), _) => format!("{kind} on unix:{p}"),
                (None, Some(p)) => format!("{kind} on {}:{p}", b.host),
                (None, None) if b.host.is_empty() => format!("{kind} on an unknown port"),
                (None, None) => format!("{kind} on {}", b.host),
            }
        })
        .collect();
    if listed.is_empty() {
        "servers without a TCP bind".to_owned()
    } else {
        listed.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("http://app", "proxy"),
            Ok(Target {
                host: "app".into(),
                port: None,
                default_port: Some(80),
                unix: None,
            })
        );
        assert_eq!(
            parse_target("http://django:8000/api/", "proxy"),
            Ok(Target {
                host: "django".into(),
                port: Some(8000),
                default_port: Some(80),
                unix: None,
            })
        );
        assert_eq!(
            parse_target("flask:5000", "uwsgi"),
            Ok(Target {
                host: "flask".into(),
                port: Some(5000),
                default_port: None,
                unix: None,
            })
        );
        assert!(parse_target("http://$backend", "proxy").is_err());
        assert_eq!(
            parse_target("unix:/run/app.sock", "uwsgi").map(|t| t.unix),
            Ok(Some("/run/app.sock".to_owned()))
        );
        assert_eq!(
            parse_target("http://unix:/run/app.sock:/api/", "proxy").map(|t| t.unix),
            Ok(Some("/run/app.sock".to_owned()))
        );
    }
}
