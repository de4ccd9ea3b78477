//! Links through the container nginx runs in: `127.0.0.1`/`localhost` and
//! unix sockets reach a server in that same container (supervisord running
//! nginx and gunicorn, an image starting both, a heroku-buildpack-nginx
//! dyno); a unix socket also reaches a server in another container when both
//! mount the volume (or host directory) the socket lives in. Targets written
//! with environment variables are rendered with the container's environment
//! when its image renders them (the official image's templates).

use super::{Endpoint, Hop, Links, Unlinked, servers_listing};
use crate::model::{Bind, Container, Model, NginxFile};

/// A pass target rendered from a template.
pub(super) struct Rendered {
    pub target: String,
    /// How it was rendered, for the link's reason.
    pub note: String,
    /// Rendered on a guess (no renderer parity can see).
    pub weak: bool,
}

/// Containers in which nginx reads the repository file `path`.
fn readers<'m>(model: &'m Model, path: &str) -> Vec<(usize, &'m Container, &'m NginxFile)> {
    model
        .nginx_readers(path)
        .iter()
        .filter_map(|&i| {
            let c = &model.containers[i];
            c.nginx_file(path).map(|f| (i, c, f))
        })
        .collect()
}

/// `$NAME` and `${NAME}` references, as envsubst reads them: (range, name).
fn env_refs(s: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let b = s.as_bytes();
    let is_start = |c: u8| c == b'_' || c.is_ascii_alphabetic();
    let is_name = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        if b.get(i + 1) == Some(&b'{') {
            let start = i + 2;
            let end = (start..b.len())
                .find(|&j| !is_name(b[j]))
                .unwrap_or(b.len());
            if end > start && is_start(b[start]) && b.get(end) == Some(&b'}') {
                out.push((i..end + 1, &s[start..end]));
                i = end + 1;
                continue;
            }
        } else if b.get(i + 1).is_some_and(|&c| is_start(c)) {
            let start = i + 1;
            let end = (start..b.len())
                .find(|&j| !is_name(b[j]))
                .unwrap_or(b.len());
            out.push((i..end, &s[start..end]));
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

/// `s` with the references `value` defines replaced (envsubst with a list of
/// variables: the others stay as written).
fn substitute(s: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (range, name) in env_refs(s) {
        if let Some(v) = value(name) {
            out.push_str(&s[last..range.start]);
            out.push_str(&v);
            last = range.end;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// `raw` (a pass target or an upstream server address in the repository
/// file `path`) as rendered in each container whose nginx reads the file:
/// a template of the official image is rendered with the container's
/// environment (only defined variables are replaced, as its envsubst call
/// does); another file whose variables the container's environment all
/// defines is taken to be rendered by a start script parity cannot see (a
/// weak link).
pub(super) fn render_text(model: &Model, raw: &str, path: &str) -> Vec<Rendered> {
    let names: Vec<&str> = env_refs(raw).into_iter().map(|(_, n)| n).collect();
    let mut out: Vec<Rendered> = Vec::new();
    for (_, c, f) in readers(model, path) {
        let value = |n: &str| c.env.get(n).map(|(v, _)| v.clone());
        let set: Vec<String> = names
            .iter()
            .filter_map(|n| value(n).map(|v| format!("{n}={v}")))
            .collect();
        let rendered = if f.template {
            Rendered {
                target: substitute(raw, &value),
                note: format!(
                    "{} is the template {} in {}, rendered by the image's entrypoint with the container's environment ({})",
                    f.repo,
                    f.path,
                    c.name,
                    if set.is_empty() {
                        "which sets none of its variables".to_owned()
                    } else {
                        set.join(", ")
                    }
                ),
                weak: false,
            }
        } else if !names.is_empty() && set.len() == names.len() {
            Rendered {
                target: substitute(raw, &value),
                note: format!(
                    "{} sets {}, and nginx itself has no such variable, so {} ({} there) is taken to be rendered with the container's environment by a start script parity cannot see",
                    c.name,
                    set.join(", "),
                    f.repo,
                    f.path
                ),
                weak: true,
            }
        } else {
            continue;
        };
        if !out.iter().any(|r| r.target == rendered.target) {
            out.push(rendered);
        }
    }
    out
}

/// Why a target with variables stays unresolved.
pub(super) fn unrendered_reason(model: &Model, raw: &str, path: &str) -> String {
    let base = "the address contains a variable and is resolved at run time";
    let names: Vec<&str> = env_refs(raw).into_iter().map(|(_, n)| n).collect();
    let containers: Vec<&str> = readers(model, path)
        .iter()
        .map(|(_, c, _)| c.name.as_str())
        .collect();
    if containers.is_empty() || names.is_empty() {
        return base.to_owned();
    }
    format!(
        "{base}; the environment of {} does not set {}",
        containers.join(", "),
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn is_wildcard(host: &str) -> bool {
    matches!(host, "" | "0.0.0.0" | "::" | "[::]" | "*")
}

/// `127.0.0.1:PORT` / `localhost:PORT`: a server in the container nginx runs
/// in whose bind accepts loopback connections on that port.
pub(super) fn link_loopback(
    model: &Model,
    pi: usize,
    proxy_path: &str,
    ep: &Endpoint,
    links: &mut Links,
) {
    let addr = ep.addr();
    let cs = readers(model, proxy_path);
    if cs.is_empty() {
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr,
            reason: format!(
                "loopback address: {proxy_path} is not known to be read by nginx in any container parity models, so what listens on its {} is unknown",
                ep.addr()
            ),
        });
        return;
    }
    let mut misses = Vec::new();
    let before = links.hops.len();
    for (_, c, f) in cs {
        let Some(wi) = c.workload else {
            misses.push(format!("{} runs no app server parity recognises", c.name));
            continue;
        };
        let w = &model.workloads[wi];
        let mut found = false;
        for &si in &w.servers {
            let server = &model.servers[si];
            let Some(binds) = &server.binds else {
                found = true;
                links.hops.push(Hop {
                    proxy: pi,
                    upstream: ep.upstream,
                    upstream_server: ep.upstream_server,
                    workload: wi,
                    server: si,
                    port: ep.port,
                    reason: format!(
                        "{}: {} is nginx's own container, {} ({}; it reads {} as {}); its {} bind address is unknown, so the port could not be confirmed",
                        ep.via, ep.host, c.name, nginx_how(c), f.repo, f.path, server.kind
                    ),
                    weak: true,
                    loopback_bind: false,
                    service: None,
                });
                continue;
            };
            let Some(b) = binds.iter().find(|b| {
                b.unix_path.is_none()
                    && b.port.is_some()
                    && b.port == ep.port
                    && (b.is_loopback() || is_wildcard(&b.host))
            }) else {
                continue;
            };
            found = true;
            links.hops.push(Hop {
                proxy: pi,
                upstream: ep.upstream,
                upstream_server: ep.upstream_server,
                workload: wi,
                server: si,
                port: ep.port,
                reason: format!(
                    "{}: {} is nginx's own container, {} ({}; it reads {} as {}), where {} binds {}",
                    ep.via,
                    ep.host,
                    c.name,
                    nginx_how(c),
                    f.repo,
                    f.path,
                    server.kind,
                    bind_text(b)
                ),
                weak: false,
                loopback_bind: false,
                service: None,
            });
        }
        if !found {
            misses.push(format!(
                "in {}, where nginx reads {} as {}, nothing parity knows listens on port {}: it runs {}",
                c.name,
                f.repo,
                f.path,
                ep.port.map_or_else(|| "?".to_owned(), |p| p.to_string()),
                if w.servers.is_empty() {
                    "no app server parity recognises".to_owned()
                } else {
                    servers_listing(model, &w.servers)
                }
            ));
        }
    }
    if links.hops.len() == before {
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr,
            reason: format!("loopback address: {}", misses.join("; ")),
        });
    }
}

/// `unix:/path`: a server binding that socket in nginx's own container, or
/// in another container that mounts the same volume or directory at the
/// socket's place.
pub(super) fn link_unix(
    model: &Model,
    pi: usize,
    proxy_path: &str,
    ep: &Endpoint,
    path: &str,
    links: &mut Links,
) {
    let addr = ep.addr();
    let cs = readers(model, proxy_path);
    if cs.is_empty() {
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr,
            reason: format!(
                "unix socket {path}: {proxy_path} is not known to be read by nginx in any container parity models, so which process owns the socket is unknown"
            ),
        });
        return;
    }
    let before = links.hops.len();
    let mut names = Vec::new();
    for (ci, c, f) in cs {
        names.push(c.name.clone());
        let here = c.fs.normalized(path);
        let shared = c.fs.shared_location(path);
        for (si, server) in model.servers.iter().enumerate() {
            let Some(wi) = server.workload else { continue };
            let Some(sci) = model.containers.iter().position(|x| x.workload == Some(wi)) else {
                continue;
            };
            let sc = &model.containers[sci];
            for b in server.binds.iter().flatten() {
                let Some(u) = &b.unix_path else { continue };
                let reason = if sci == ci && sc.fs.normalized(u) == here {
                    format!(
                        "{}: the socket is in nginx's own container, {} ({}; it reads {} as {}), where {} binds unix:{u}",
                        ep.via,
                        c.name,
                        nginx_how(c),
                        f.repo,
                        f.path,
                        server.kind
                    )
                } else if let Some(loc) = &shared
                    && sci != ci
                    && sc.fs.shared_location(u).as_ref() == Some(loc)
                {
                    format!(
                        "{}: {path} in {} (where nginx reads {} as {}) and unix:{u}, which {} in {} binds, are the same file in {}",
                        ep.via,
                        c.name,
                        f.repo,
                        f.path,
                        server.kind,
                        sc.name,
                        describe_location(loc)
                    )
                } else {
                    continue;
                };
                links.hops.push(Hop {
                    proxy: pi,
                    upstream: ep.upstream,
                    upstream_server: ep.upstream_server,
                    workload: wi,
                    server: si,
                    port: None,
                    reason,
                    weak: false,
                    loopback_bind: false,
                    service: None,
                });
            }
        }
    }
    if links.hops.len() == before {
        links.unlinked.push(Unlinked {
            proxy: pi,
            target: addr,
            reason: format!(
                "unix socket {path}: no app server parity knows binds it in {}, nor in a volume or directory shared with {}",
                names.join(", "),
                if names.len() == 1 { "it" } else { "them" }
            ),
        });
    }
}

fn nginx_how(c: &Container) -> &str {
    c.nginx.as_ref().map_or("", |n| n.how.as_str())
}

fn bind_text(b: &Bind) -> String {
    format!(
        "{}:{}",
        if b.host.is_empty() { "*" } else { &b.host },
        b.port.unwrap_or_default()
    )
}

/// A [`crate::model::ContainerFs::shared_location`] key in words.
fn describe_location(loc: &str) -> String {
    if let Some(rest) = loc.strip_prefix("volume:") {
        // `volume:PROJECT:NAME/rest`
        let name = rest.split_once(':').map_or(rest, |(_, n)| n);
        let name = name.split('/').next().unwrap_or(name);
        format!("the named volume `{name}` both mount")
    } else if let Some(rest) = loc.strip_prefix("host:") {
        format!("the host path {rest}, mounted in both")
    } else if let Some(rest) = loc.strip_prefix("repo:") {
        format!("the repository path {rest}, mounted in both")
    } else {
        loc.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envsubst_replaces_only_defined_variables() {
        let env = |n: &str| (n == "APP").then(|| "flask:8000".to_owned());
        assert_eq!(
            substitute("http://${APP}/$uri$APP", &env),
            "http://flask:8000/$uriflask:8000"
        );
        assert_eq!(substitute("http://$host", &env), "http://$host");
        let names: Vec<&str> = env_refs("$A${B}$1${C:-x}$")
            .iter()
            .map(|(_, n)| *n)
            .collect();
        assert_eq!(names, ["A", "B"]);
    }
}
