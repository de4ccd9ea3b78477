//! The weak link of last resort: a scan with exactly one proxy target and
//! exactly one app server, where nothing links them and nothing contradicts
//! that they are connected (a name that resolves to another workload, a port
//! or socket that the server does not bind, nginx known to run in another
//! container), links them, marked weak with the reason.

use super::{Endpoint, Hop, Links, endpoints, is_loopback};
use crate::model::Model;

pub(super) fn link_single_pair(
    model: &Model,
    path_of: &dyn Fn(crate::span::FileId) -> String,
    links: &mut Links,
) {
    if !links.hops.is_empty() || model.servers.len() != 1 || model.proxies.is_empty() {
        return;
    }
    let server = &model.servers[0];
    let Some(wi) = server.workload else { return };
    let mut all: Vec<(usize, Endpoint)> = Vec::new();
    for (pi, p) in model.proxies.iter().enumerate() {
        // A target resolved at run time could be anything.
        let Ok(eps) = endpoints(model, &p.target.value, p.family) else {
            return;
        };
        all.extend(eps.into_iter().map(|e| (pi, e)));
    }
    // An address left to a variable could be anything.
    if all.iter().any(|(_, e)| e.host.contains('$')) {
        return;
    }
    let Some((_, first)) = all.first() else {
        return;
    };
    let same =
        |a: &Endpoint, b: &Endpoint| a.host == b.host && a.port == b.port && a.unix == b.unix;
    if all.iter().any(|(_, e)| !same(e, first)) {
        return;
    }
    let e = first.clone();
    // A name another workload answers to: that is where it goes.
    if e.unix.is_none()
        && !is_loopback(&e.host)
        && model
            .workloads
            .iter()
            .any(|w| w.hostnames.contains(&e.host))
    {
        return;
    }
    // Kubernetes evidence (an Ingress, nginx in a pod, a Service of that
    // name) is for the Kubernetes linker to judge, never a guess.
    let k8s = &model.k8s;
    if all.iter().any(|(pi, _)| {
        k8s.ingress_routes.iter().any(|r| r.proxy == *pi)
            || k8s.proxy_pods.iter().any(|(p, _)| p == pi)
    }) || (e.unix.is_none()
        && k8s
            .services
            .iter()
            .any(|s| e.host.split('.').next() == Some(s.name.value.as_str())))
    {
        return;
    }
    // nginx known to run elsewhere: its loopback and sockets are not the server's.
    let local = e.unix.is_some() || is_loopback(&e.host);
    if local {
        let elsewhere = all.iter().any(|(pi, _)| {
            let path = path_of(model.proxies[*pi].file);
            model
                .containers
                .iter()
                .any(|c| c.workload != Some(wi) && c.nginx_file(&path).is_some())
        });
        if elsewhere {
            return;
        }
    }
    let port_note = match &server.binds {
        None => "its bind address is unknown, so the port could not be confirmed".to_owned(),
        Some(binds) => {
            let matching = binds.iter().find(|b| match &e.unix {
                Some(p) => b.unix_path.as_deref() == Some(p.as_str()),
                None => b.unix_path.is_none() && b.port.is_some() && b.port == e.port,
            });
            match matching {
                Some(b) => match &b.unix_path {
                    Some(p) => format!("it binds unix:{p}"),
                    None => format!(
                        "it binds {}:{}",
                        if b.host.is_empty() { "*" } else { &b.host },
                        b.port.unwrap_or_default()
                    ),
                },
                // A bind that does not match: contrary evidence.
                None => return,
            }
        }
    };
    let w = &model.workloads[wi];
    let reason = format!(
        "{} is the only proxy target in the scanned files and {} in {} {} the only app server, and nothing names either elsewhere; {port_note}",
        e.addr(),
        server.kind,
        w.kind.orchestrator(),
        w.name.value
    );
    let linked: Vec<usize> = all.iter().map(|(pi, _)| *pi).collect();
    for (pi, ep) in all {
        links.hops.push(Hop {
            proxy: pi,
            upstream: ep.upstream,
            upstream_server: ep.upstream_server,
            workload: wi,
            server: 0,
            port: ep.port,
            reason: reason.clone(),
            weak: true,
            loopback_bind: false,
            service: None,
        });
    }
    links.unlinked.retain(|u| !linked.contains(&u.proxy));
}
