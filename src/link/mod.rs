//! Link: joins proxies to the app servers they reach
//! (nginx location -> upstream -> `server host:port` -> compose service -> app server;
//! Kubernetes Services and Ingresses in [`k8s`]),
//! recording why each link was made and why a hop could not be linked.
//! No rule ever fires on a guessed link.

mod k8s;

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
        return Err(format!(
            "unix socket {path}: parity does not model shared sockets yet"
        ));
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
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.starts_with("127.") || host == "::1"
}

/// Links every proxy of the model. `path_of` gives a file's root-relative path.
#[must_use]
pub fn link(model: &Model, path_of: &dyn Fn(crate::span::FileId) -> String) -> Links {
    let mut links = Links::default();
    for (pi, proxy) in model.proxies.iter().enumerate() {
        let path = path_of(proxy.file);
        if k8s::link_proxy(model, pi, proxy, &path, &mut links) {
            continue;
        }
        link_proxy(model, pi, proxy, &path, &mut links);
    }
    links
}

fn link_proxy(model: &Model, pi: usize, proxy: &Proxy, proxy_path: &str, links: &mut Links) {
    let target = match parse_target(&proxy.target.value, proxy.family) {
        Ok(t) => t,
        Err(reason) => {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: proxy.target.value.clone(),
                reason,
            });
            return;
        }
    };
    // A name without a port may be an upstream block; nginx looks those up first.
    let upstream = if target.port.is_none() {
        model
            .upstreams
            .iter()
            .position(|u| u.name.value == target.host)
    } else {
        None
    };
    let servers: Vec<(Option<usize>, String, Option<u16>, String)> = match upstream {
        Some(ui) => model.upstreams[ui]
            .servers
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let addr = match s.port {
                    Some(p) => format!("{}:{p}", s.host),
                    None => s.host.clone(),
                };
                if let Some(path) = &s.unix_path {
                    (
                        Some(si),
                        format!("unix:{path}"),
                        None,
                        format!("upstream `{}` server unix:{path}", target.host),
                    )
                } else {
                    // nginx's default port for an upstream server line is 80.
                    (
                        Some(si),
                        s.host.clone(),
                        Some(s.port.unwrap_or(80)),
                        format!("upstream `{}` server {addr}", target.host),
                    )
                }
            })
            .collect(),
        None => vec![(
            None,
            target.host.clone(),
            target.port.or(target.default_port),
            format!("{}_pass {}", proxy.family, proxy.target.value),
        )],
    };
    for (si, host, port, via) in servers {
        let addr = match port {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        if host.starts_with("unix:") {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: host.clone(),
                reason: "unix socket: parity does not model shared sockets yet".into(),
            });
            continue;
        }
        if is_loopback(&host) {
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: addr,
                reason: "loopback address: the server runs in the proxy's own container, which parity does not model yet".into(),
            });
            continue;
        }
        let named: Vec<usize> = model
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.hostnames.iter().any(|h| h == &host))
            .map(|(i, _)| i)
            .collect();
        // Names resolve only inside the deployment the proxy config belongs to.
        let candidates: Vec<usize> = named
            .iter()
            .copied()
            .filter(|&wi| {
                model
                    .projects
                    .get(model.workloads[wi].project)
                    .is_some_and(|p| p.contains(proxy_path))
            })
            .collect();
        if candidates.is_empty() {
            let reason = if named.is_empty() {
                format!("no compose service is named or aliased `{host}`")
            } else {
                format!(
                    "a service named `{host}` exists, but in another deployment ({}); this nginx config is not under that compose project nor mounted by it",
                    named
                        .iter()
                        .filter_map(|&wi| model.projects.get(model.workloads[wi].project))
                        .map(|p| if p.dir.is_empty() {
                            ".".to_owned()
                        } else {
                            p.dir.clone()
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: addr,
                reason,
            });
            continue;
        }
        for wi in candidates {
            let w = &model.workloads[wi];
            if w.servers.is_empty() {
                links.unlinked.push(Unlinked {
                    proxy: pi,
                    target: addr.clone(),
                    reason: format!(
                        "service `{}` runs no app server parity recognises",
                        w.name.value
                    ),
                });
                continue;
            }
            let service_desc = format!("compose service `{}`", w.name.value);
            // A server whose bind matches the port; with several servers in one
            // container (supervisord), only that one is reached.
            let mut strong = false;
            for &si_server in &w.servers {
                let server = &model.servers[si_server];
                let Some(binds) = &server.binds else { continue };
                if let Some(b) = binds.iter().find(|b| b.port.is_some() && b.port == port) {
                    strong = true;
                    links.hops.push(Hop {
                        proxy: pi,
                        upstream,
                        upstream_server: si,
                        workload: wi,
                        server: si_server,
                        port,
                        reason: format!(
                            "{via} names {service_desc}, whose {} binds {}:{}",
                            server.kind,
                            if b.host.is_empty() { "*" } else { &b.host },
                            b.port.unwrap_or_default()
                        ),
                        weak: false,
                        service: None,
                    });
                }
            }
            if strong {
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
                        upstream,
                        upstream_server: si,
                        workload: wi,
                        server: si_server,
                        port,
                        reason: format!(
                            "{via} names {service_desc}; its {} bind address is unknown, so the port could not be confirmed",
                            model.servers[si_server].kind
                        ),
                        weak: true,
                        service: None,
                    });
                }
                continue;
            }
            let listed: Vec<String> = w
                .servers
                .iter()
                .flat_map(|&s| model.servers[s].binds.iter().flatten().map(move |b| (s, b)))
                .map(|(s, b)| {
                    let kind = model.servers[s].kind;
                    match (&b.unix_path, b.port) {
                        (Some(p), _) => format!("{kind} on unix:{p}"),
                        (None, Some(p)) => format!("{kind} on {}:{p}", b.host),
                        (None, None) => format!("{kind} on {}", b.host),
                    }
                })
                .collect();
            links.unlinked.push(Unlinked {
                proxy: pi,
                target: addr.clone(),
                reason: format!(
                    "{service_desc} runs {}, not port {}",
                    if listed.is_empty() {
                        "servers without a TCP bind".to_owned()
                    } else {
                        listed.join(", ")
                    },
                    port.map_or_else(|| "?".to_owned(), |p| p.to_string())
                ),
            });
        }
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
                default_port: Some(80)
            })
        );
        assert_eq!(
            parse_target("http://django:8000/api/", "proxy"),
            Ok(Target {
                host: "django".into(),
                port: Some(8000),
                default_port: Some(80)
            })
        );
        assert_eq!(
            parse_target("flask:5000", "uwsgi"),
            Ok(Target {
                host: "flask".into(),
                port: Some(5000),
                default_port: None
            })
        );
        assert!(parse_target("http://$backend", "proxy").is_err());
        assert!(parse_target("unix:/run/app.sock", "uwsgi").is_err());
        assert!(parse_target("http://unix:/run/app.sock:/", "proxy").is_err());
    }
}
