//! Request routes (every `*_pass` in a location, nested location, `if` or
//! `limit_except` in a location, or server) with the effective upstream timeouts nginx applies to
//! them, and `upstream {}` blocks.
//!
//! Effective values follow nginx's configuration merge: a setting is looked
//! up from the route's own block outwards (if-in-location -> location(s) ->
//! server -> http -> the file's top level), the innermost definition wins, and
//! the compiled-in default applies when it is set nowhere. A file whose top
//! level holds `server`, `upstream` or `location` blocks (a `conf.d`
//! fragment or snippet) is read as if included in `http {}`; `include` is
//! not resolved here. `upstream` blocks inherit nothing.

use std::collections::BTreeMap;

use crate::diag::Problem;
use crate::origin::Origin;
use crate::span::{Span, Spanned};
use crate::value::{Setting, Value};

use super::time::{TimeKind, parse_int, parse_time};
use super::{Arg, Directive, MAX_DEPTH, NginxFile};

/// The upstream module a `*_pass` directive hands the request to; it selects
/// which family of `*_timeout` directives applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PassFamily {
    Proxy,
    Uwsgi,
    Fastcgi,
    Grpc,
    Scgi,
    Memcached,
}

impl PassFamily {
    /// Every family, in a fixed order.
    pub const ALL: [PassFamily; 6] = [
        PassFamily::Proxy,
        PassFamily::Uwsgi,
        PassFamily::Fastcgi,
        PassFamily::Grpc,
        PassFamily::Scgi,
        PassFamily::Memcached,
    ];

    /// Directive prefix: `proxy`, `uwsgi`, `fastcgi`, `grpc`, `scgi`, `memcached`.
    #[must_use]
    pub fn prefix(&self) -> &'static str {
        match self {
            PassFamily::Proxy => "proxy",
            PassFamily::Uwsgi => "uwsgi",
            PassFamily::Fastcgi => "fastcgi",
            PassFamily::Grpc => "grpc",
            PassFamily::Scgi => "scgi",
            PassFamily::Memcached => "memcached",
        }
    }

    /// The family whose pass directive is `name` (`proxy_pass` -> `Proxy`).
    #[must_use]
    pub fn from_pass_directive(name: &str) -> Option<Self> {
        let prefix = name.strip_suffix("_pass")?;
        Self::ALL.into_iter().find(|f| f.prefix() == prefix)
    }
}

/// A `*_pass` directive.
#[derive(Clone, Debug, PartialEq)]
pub struct Pass {
    pub family: PassFamily,
    /// The pass target as written (`http://app:8000`, `unix:/run/app.sock`, `app`).
    pub target: Arg,
    /// The directive's span (name to last argument).
    pub directive_span: Span,
}

/// One place requests are handed to an upstream, with effective settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub pass: Pass,
    /// Names from the enclosing server's `server_name` directives (may be empty).
    pub server_names: Vec<String>,
    /// Each of the enclosing server's `listen` directives, arguments joined by ' '.
    pub listen: Vec<String>,
    /// The innermost enclosing location's arguments joined by ' ' (e.g. "/",
    /// "~ ^/api"), spanning the location directive; `None` outside a location.
    pub location: Option<Spanned<String>>,
    /// Effective values, keyed by family-independent names:
    /// `read_timeout`, `connect_timeout`, `send_timeout`, `next_upstream`,
    /// `next_upstream_tries`, `next_upstream_timeout`, `keepalive_timeout`
    /// (client side, core), `send_timeout_client` (core `send_timeout`) and,
    /// for proxy routes, `http_version` and `buffering`.
    pub settings: BTreeMap<&'static str, Setting>,
}

/// A `server` line of an `upstream` block.
#[derive(Clone, Debug, PartialEq)]
pub struct UpstreamServer {
    pub address: Arg,
    /// Host name or address without brackets; empty for a unix socket.
    pub host: String,
    /// The port when written (nginx uses 80 when it is not).
    pub port: Option<u16>,
    /// The socket path of a `unix:` address.
    pub unix_path: Option<String>,
    /// Parameters after the address: `("max_fails", "3")`, `("backup", "")`.
    pub params: Vec<(String, String)>,
    pub span: Span,
}

/// An `upstream name { ... }` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Upstream {
    pub name: Spanned<String>,
    /// The `upstream name` header (directive span).
    pub span: Span,
    pub servers: Vec<UpstreamServer>,
    /// `keepalive` (Int), `keepalive_timeout` (Duration), `keepalive_requests`
    /// (Int), `keepalive_time` (Duration); only those written in the block.
    pub settings: BTreeMap<&'static str, Setting>,
}

/// Routes, upstreams and the problems found reading their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NginxFacts {
    pub routes: Vec<Route>,
    pub upstreams: Vec<Upstream>,
    pub problems: Vec<Problem>,
}

/// How a directive's value is read.
#[derive(Clone, Copy)]
enum Kind {
    /// One `ngx_conf_set_msec_slot` value.
    Msec,
    /// `ngx_conf_set_num_slot`.
    Int,
    /// `ngx_conf_set_flag_slot`.
    Flag,
    /// `ngx_conf_set_bitmask_slot`: one or more words.
    Words,
    /// `proxy_http_version`.
    HttpVersion,
    /// Core `keepalive_timeout`: msec value, optional seconds header value.
    ClientKeepalive,
}

/// A route setting: key, directive name suffix (after `<family>_`) or full
/// name for core directives, reading, nginx default, versions the default holds for.
struct RouteKey {
    key: &'static str,
    directive: NameRule,
    kind: Kind,
    default: fn() -> Value,
    versions: &'static str,
}

enum NameRule {
    /// `<family prefix>_<suffix>`.
    Family(&'static str),
    /// Only for proxy routes: `proxy_<suffix>`.
    ProxyOnly(&'static str),
    /// A core directive, the same for every family.
    Core(&'static str),
}

const ALL_VERSIONS: &str = "all versions";

fn sixty_seconds() -> Value {
    Value::Duration(crate::value::Millis::from_secs(60))
}

const ROUTE_KEYS: &[RouteKey] = &[
    RouteKey {
        key: "read_timeout",
        directive: NameRule::Family("read_timeout"),
        kind: Kind::Msec,
        default: sixty_seconds,
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "connect_timeout",
        directive: NameRule::Family("connect_timeout"),
        kind: Kind::Msec,
        default: sixty_seconds,
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "send_timeout",
        directive: NameRule::Family("send_timeout"),
        kind: Kind::Msec,
        default: sixty_seconds,
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "next_upstream",
        directive: NameRule::Family("next_upstream"),
        kind: Kind::Words,
        default: || {
            Value::List(vec![
                Value::Str("error".to_owned()),
                Value::Str("timeout".to_owned()),
            ])
        },
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "next_upstream_tries",
        directive: NameRule::Family("next_upstream_tries"),
        kind: Kind::Int,
        default: || Value::Int(0),
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "next_upstream_timeout",
        directive: NameRule::Family("next_upstream_timeout"),
        kind: Kind::Msec,
        default: || Value::Duration(crate::value::Millis(0)),
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "http_version",
        directive: NameRule::ProxyOnly("http_version"),
        kind: Kind::HttpVersion,
        default: || Value::Str("1.0".to_owned()),
        versions: "< 1.29.7",
    },
    RouteKey {
        key: "buffering",
        directive: NameRule::ProxyOnly("buffering"),
        kind: Kind::Flag,
        default: || Value::Bool(true),
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "keepalive_timeout",
        directive: NameRule::Core("keepalive_timeout"),
        kind: Kind::ClientKeepalive,
        default: || Value::Duration(crate::value::Millis::from_secs(75)),
        versions: ALL_VERSIONS,
    },
    RouteKey {
        key: "send_timeout_client",
        directive: NameRule::Core("send_timeout"),
        kind: Kind::Msec,
        default: sixty_seconds,
        versions: ALL_VERSIONS,
    },
];

/// Settings read inside `upstream {}`: key (= directive name) and reading.
const UPSTREAM_KEYS: &[(&str, Kind)] = &[
    ("keepalive", Kind::Int),
    ("keepalive_timeout", Kind::Msec),
    ("keepalive_requests", Kind::Int),
    ("keepalive_time", Kind::Msec),
];

/// Blocks whose entries are not directives (or not HTTP): never searched.
fn is_opaque_block(name: &str) -> bool {
    matches!(
        name,
        "map"
            | "geo"
            | "types"
            | "split_clients"
            | "charset_map"
            | "match"
            | "stream"
            | "mail"
            | "events"
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    /// The file's top level, read as `http {}` content.
    Top,
    Http,
    Server,
    Location,
    If,
    /// `limit_except` inside a location: a nested location configuration.
    LimitExcept,
}

#[derive(Clone, Copy)]
struct Scope<'a> {
    kind: ScopeKind,
    items: &'a [Directive],
    /// The block's own directive (`server`, `location`, `if`), `None` at top level.
    owner: Option<&'a Directive>,
}

/// Routes, upstreams and value problems of one parsed file.
#[must_use]
pub fn extract(file: &NginxFile) -> NginxFacts {
    let mut facts = NginxFacts::default();
    validate(&file.directives, false, 0, &mut facts.problems);
    let mut chain = vec![Scope {
        kind: ScopeKind::Top,
        items: &file.directives,
        owner: None,
    }];
    walk(&mut chain, &mut facts);
    facts
}

/// Walks the innermost scope of `chain`, collecting routes and upstreams.
fn walk<'a>(chain: &mut Vec<Scope<'a>>, facts: &mut NginxFacts) {
    let Some(&scope) = chain.last() else {
        return;
    };
    if chain.len() > MAX_DEPTH {
        return;
    }
    for d in scope.items {
        if d.is_comment() {
            continue;
        }
        let child_kind = match (d.name.as_str(), scope.kind) {
            ("http", ScopeKind::Top) => Some(ScopeKind::Http),
            ("server", ScopeKind::Top | ScopeKind::Http) => Some(ScopeKind::Server),
            (
                "location",
                ScopeKind::Top | ScopeKind::Http | ScopeKind::Server | ScopeKind::Location,
            ) => Some(ScopeKind::Location),
            ("if", ScopeKind::Location | ScopeKind::If) => Some(ScopeKind::If),
            ("limit_except", ScopeKind::Location) => Some(ScopeKind::LimitExcept),
            _ => None,
        };
        if let (Some(kind), Some(items)) = (child_kind, d.block.as_deref()) {
            chain.push(Scope {
                kind,
                items,
                owner: Some(d),
            });
            walk(chain, facts);
            chain.pop();
            continue;
        }
        if d.name == "upstream"
            && matches!(scope.kind, ScopeKind::Top | ScopeKind::Http)
            && let Some(items) = d.block.as_deref()
        {
            facts
                .upstreams
                .push(upstream(d, items, &mut facts.problems));
            continue;
        }
        if let Some(family) = PassFamily::from_pass_directive(&d.name)
            && d.block.is_none()
        {
            pass_route(d, family, chain, facts);
        }
    }
}

fn pass_route(d: &Directive, family: PassFamily, chain: &[Scope<'_>], facts: &mut NginxFacts) {
    let Some(target) = d.args.first() else {
        facts.problems.push(Problem::parse(
            d.span,
            format!(
                "invalid number of arguments in \"{}\" directive; nginx would refuse the configuration",
                d.name
            ),
        ));
        return;
    };
    if let Some(scope) = chain.last()
        && matches!(scope.kind, ScopeKind::Http | ScopeKind::Server)
    {
        facts.problems.push(Problem::parse(
            d.name_span,
            format!(
                "\"{}\" directive is not allowed here (only in a location or an if inside one); nginx would refuse the configuration",
                d.name
            ),
        ));
    }
    let pass = Pass {
        family,
        target: target.clone(),
        directive_span: d.span,
    };
    let server = chain
        .iter()
        .rev()
        .find(|s| s.kind == ScopeKind::Server)
        .map(|s| s.items);
    let mut server_names = Vec::new();
    let mut listen = Vec::new();
    for sd in server.unwrap_or(&[]) {
        match sd.name.as_str() {
            "server_name" => server_names.extend(sd.args.iter().map(|a| a.value.clone())),
            "listen" => listen.push(join_args(&sd.args)),
            _ => {}
        }
    }
    let location = chain
        .iter()
        .rev()
        .find(|s| s.kind == ScopeKind::Location)
        .and_then(|s| s.owner)
        .map(|l| Spanned::new(join_args(&l.args), l.span));
    let mut settings = BTreeMap::new();
    for rk in ROUTE_KEYS {
        let name = match rk.directive {
            NameRule::Family(suffix) => format!("{}_{suffix}", family.prefix()),
            NameRule::ProxyOnly(suffix) if family == PassFamily::Proxy => {
                format!("proxy_{suffix}")
            }
            NameRule::ProxyOnly(_) => continue,
            NameRule::Core(name) => name.to_owned(),
        };
        settings.insert(rk.key, effective(&name, rk, chain, d.span));
    }
    facts.routes.push(Route {
        pass,
        server_names,
        listen,
        location,
        settings,
    });
}

/// The innermost definition of directive `name` along `chain`, or nginx's default.
fn effective(name: &str, rk: &RouteKey, chain: &[Scope<'_>], anchor: Span) -> Setting {
    let own = chain.len().saturating_sub(1);
    for (i, scope) in chain.iter().enumerate().rev() {
        if let Some(d) = scope
            .items
            .iter()
            .find(|d| d.name == name && !d.is_comment())
        {
            let origin = if i == own {
                Origin::File { span: d.span }
            } else {
                Origin::Inherited { span: d.span }
            };
            return Setting::new(
                read_value(d, rk.kind).unwrap_or_else(Value::Unknown),
                origin,
            );
        }
    }
    Setting::new(
        (rk.default)(),
        Origin::Default {
            tool: "nginx",
            versions: rk.versions,
            anchor: Some(anchor),
        },
    )
}

fn join_args(args: &[Arg]) -> String {
    args.iter()
        .map(|a| a.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A directive's value read the way nginx reads it; `Err` says why nginx
/// rejects it (the argument span is in [`check`]).
fn read_value(d: &Directive, kind: Kind) -> Result<Value, String> {
    check(d, kind).map_err(|(msg, _)| msg)
}

/// Reads and validates a directive: the value, or the reason nginx refuses
/// it with the span to point at.
fn check(d: &Directive, kind: Kind) -> Result<Value, (String, Span)> {
    let count_error = || {
        (
            format!("invalid number of arguments in \"{}\" directive", d.name),
            d.span,
        )
    };
    let one = || match d.args.as_slice() {
        [a] => Ok(a),
        _ => Err(count_error()),
    };
    // `${VAR}` / `$VAR` in a value nginx cannot take variables in: an envsubst
    // template (the official image's `*.conf.template`), filled in before nginx
    // reads the file. Unknown here, not an error.
    if !matches!(kind, Kind::Words)
        && let Some(a) = d.args.iter().find(|a| a.value.contains('$'))
    {
        return Ok(Value::Unknown(format!(
            "template placeholder \"{}\" (filled in before nginx reads the file)",
            a.value
        )));
    }
    match kind {
        Kind::Msec => {
            let a = one()?;
            time_value(a, TimeKind::Msec)
        }
        Kind::ClientKeepalive => {
            let (first, second) = match d.args.as_slice() {
                [a] => (a, None),
                [a, b] => (a, Some(b)),
                _ => return Err(count_error()),
            };
            if let Some(b) = second {
                time_value(b, TimeKind::Sec)?;
            }
            time_value(first, TimeKind::Msec)
        }
        Kind::Int => {
            let a = one()?;
            parse_int(&a.value)
                .map(Value::Int)
                .map_err(|_| (format!("invalid number \"{}\"", a.value), a.span))
        }
        Kind::Flag => {
            let a = one()?;
            match a.value.to_ascii_lowercase().as_str() {
                "on" => Ok(Value::Bool(true)),
                "off" => Ok(Value::Bool(false)),
                _ => Err((
                    format!(
                        "invalid value \"{}\", it must be \"on\" or \"off\"",
                        a.value
                    ),
                    a.span,
                )),
            }
        }
        Kind::HttpVersion => {
            let a = one()?;
            match a.value.as_str() {
                "1.0" | "1.1" | "2" => Ok(Value::Str(a.value.clone())),
                _ => Err((
                    format!(
                        "invalid value \"{}\" (nginx accepts 1.0, 1.1 and, since 1.29.4, 2)",
                        a.value
                    ),
                    a.span,
                )),
            }
        }
        Kind::Words => {
            if d.args.is_empty() {
                return Err(count_error());
            }
            Ok(Value::List(
                d.args.iter().map(|a| Value::Str(a.value.clone())).collect(),
            ))
        }
    }
}

fn time_value(a: &Arg, kind: TimeKind) -> Result<Value, (String, Span)> {
    parse_time(&a.value, kind)
        .map(Value::Duration)
        .map_err(|why| (format!("invalid time \"{}\": {why}", a.value), a.span))
}

/// Kind of a directive parity reads, by its name and whether it is inside an
/// `upstream` block (where `keepalive_timeout` is the upstream one).
fn kind_of(name: &str, in_upstream: bool) -> Option<Kind> {
    if in_upstream {
        return UPSTREAM_KEYS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k);
    }
    match name {
        "keepalive_timeout" => return Some(Kind::ClientKeepalive),
        "send_timeout" => return Some(Kind::Msec),
        "proxy_http_version" => return Some(Kind::HttpVersion),
        "proxy_buffering" => return Some(Kind::Flag),
        _ => {}
    }
    let (prefix, suffix) = name.split_once('_')?;
    PassFamily::ALL.iter().find(|f| f.prefix() == prefix)?;
    match suffix {
        "read_timeout" | "connect_timeout" | "send_timeout" | "next_upstream_timeout" => {
            Some(Kind::Msec)
        }
        "next_upstream_tries" => Some(Kind::Int),
        _ => None,
    }
}

/// Reports every value nginx would refuse among the directives parity reads,
/// once per directive wherever it is.
fn validate(items: &[Directive], in_upstream: bool, depth: usize, problems: &mut Vec<Problem>) {
    if depth > MAX_DEPTH {
        return;
    }
    for d in items {
        if d.is_comment() || is_opaque_block(&d.name) {
            continue;
        }
        if let Some(kind) = kind_of(&d.name, in_upstream)
            && let Err((msg, span)) = check(d, kind)
        {
            problems.push(Problem::parse(
                span,
                format!(
                    "{msg} in \"{}\" directive; nginx would refuse the configuration",
                    d.name
                ),
            ));
        }
        if let Some(children) = &d.block {
            validate(
                children,
                in_upstream || d.name == "upstream",
                depth + 1,
                problems,
            );
        }
    }
}

fn upstream(d: &Directive, items: &[Directive], problems: &mut Vec<Problem>) -> Upstream {
    let name = d.args.first().map_or_else(
        || Spanned::new(String::new(), d.name_span),
        |a| Spanned::new(a.value.clone(), a.span),
    );
    let mut servers = Vec::new();
    let mut settings = BTreeMap::new();
    for c in items {
        if c.name == "server" {
            if let Some(s) = upstream_server(c, problems) {
                servers.push(s);
            }
            continue;
        }
        if let Some((key, kind)) = UPSTREAM_KEYS.iter().find(|(n, _)| *n == c.name)
            && !settings.contains_key(key)
        {
            let value = read_value(c, *kind).unwrap_or_else(Value::Unknown);
            settings.insert(*key, Setting::new(value, Origin::File { span: c.span }));
        }
    }
    Upstream {
        name,
        span: d.span,
        servers,
        settings,
    }
}

/// Parses `server ADDRESS [params]` (`ngx_http_upstream_server`, `ngx_parse_url`).
fn upstream_server(d: &Directive, problems: &mut Vec<Problem>) -> Option<UpstreamServer> {
    let Some(address) = d.args.first() else {
        problems.push(Problem::parse(
            d.span,
            "invalid number of arguments in \"server\" directive; nginx would refuse the configuration",
        ));
        return None;
    };
    let placeholder = address.value.contains('$');
    let (host, port, unix_path) = parse_address(&address.value).unwrap_or_else(|why| {
        if placeholder {
            // An envsubst template (`${HOST}:${PORT}`): not an nginx error.
            let host = address.value.split(':').next().unwrap_or("").to_owned();
            return (host, None, None);
        }
        problems.push(Problem::parse(
            address.span,
            format!(
                "{why} in upstream \"{}\"; nginx would refuse the configuration",
                address.value
            ),
        ));
        (address.value.clone(), None, None)
    });
    let mut params = Vec::new();
    for a in d.args.iter().skip(1) {
        let (k, v) = a.value.split_once('=').unwrap_or((a.value.as_str(), ""));
        let bad = match k {
            _ if v.contains('$') => None,
            "fail_timeout" => parse_time(v, TimeKind::Sec).err(),
            "max_fails" | "weight" | "max_conns" => parse_int(v).err(),
            _ => None,
        };
        if let Some(why) = bad {
            problems.push(Problem::parse(
                a.span,
                format!(
                    "invalid parameter \"{}\" ({why}); nginx would refuse the configuration",
                    a.value
                ),
            ));
        }
        params.push((k.to_owned(), v.to_owned()));
    }
    Some(UpstreamServer {
        address: address.clone(),
        host,
        port,
        unix_path,
        params,
        span: d.span,
    })
}

type Address = (String, Option<u16>, Option<String>);

/// `host`, `host:port`, `[v6]`, `[v6]:port` or `unix:/path`.
fn parse_address(s: &str) -> Result<Address, String> {
    if let Some(path) = s.strip_prefix("unix:") {
        if path.is_empty() {
            return Err("no path in the unix domain socket".to_owned());
        }
        return Ok((String::new(), None, Some(path.to_owned())));
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((h, after)) = rest.split_once(']') else {
            return Err("invalid IPv6 address".to_owned());
        };
        match after {
            "" => (h, None),
            _ => match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return Err("invalid host".to_owned()),
            },
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err("no host".to_owned());
    }
    let port = match port {
        None => None,
        Some(p) => match parse_int(p) {
            Ok(n) if (1..=65535).contains(&n) => u16::try_from(n).ok(),
            _ => return Err("invalid port".to_owned()),
        },
    };
    Ok((host.to_owned(), port, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::FileId;
    use crate::value::Millis;

    fn facts(text: &str) -> NginxFacts {
        let f = super::super::parse(FileId(0), text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        extract(&f)
    }

    fn dur(s: u64) -> Value {
        Value::Duration(Millis::from_secs(s))
    }

    fn span_text(text: &str, origin: &Origin) -> String {
        origin
            .span()
            .map(|s| text[s.range()].to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn location_override_and_inheritance() {
        let text = "http {\n  proxy_read_timeout 300s;\n  proxy_connect_timeout 5s;\n  server {\n    server_name a.example b.example;\n    listen 443 ssl;\n    location / {\n      proxy_read_timeout 30s;\n      proxy_pass http://app;\n    }\n  }\n}\n";
        let f = facts(text);
        assert_eq!(f.routes.len(), 1);
        let r = &f.routes[0];
        assert_eq!(r.pass.family, PassFamily::Proxy);
        assert_eq!(r.pass.target.value, "http://app");
        assert_eq!(r.server_names, ["a.example", "b.example"]);
        assert_eq!(r.listen, ["443 ssl"]);
        assert_eq!(r.location.as_ref().map(|l| l.value.as_str()), Some("/"));
        let read = &r.settings["read_timeout"];
        assert_eq!(read.value, dur(30));
        assert!(matches!(read.origin, Origin::File { .. }));
        assert_eq!(span_text(text, &read.origin), "proxy_read_timeout 30s");
        let connect = &r.settings["connect_timeout"];
        assert_eq!(connect.value, dur(5));
        assert!(matches!(connect.origin, Origin::Inherited { .. }));
        assert_eq!(span_text(text, &connect.origin), "proxy_connect_timeout 5s");
        let send = &r.settings["send_timeout"];
        assert_eq!(send.value, dur(60));
        assert_eq!(
            send.origin,
            Origin::Default {
                tool: "nginx",
                versions: "all versions",
                anchor: Some(r.pass.directive_span)
            }
        );
        assert_eq!(r.settings["keepalive_timeout"].value, dur(75));
        assert_eq!(r.settings["send_timeout_client"].value, dur(60));
        assert_eq!(
            r.settings["next_upstream"].value,
            Value::List(vec![
                Value::Str("error".into()),
                Value::Str("timeout".into())
            ])
        );
        assert_eq!(r.settings["next_upstream_tries"].value, Value::Int(0));
        assert_eq!(
            r.settings["next_upstream_timeout"].value,
            Value::Duration(Millis(0))
        );
        assert_eq!(r.settings["http_version"].value, Value::Str("1.0".into()));
        assert!(matches!(
            r.settings["http_version"].origin,
            Origin::Default {
                versions: "< 1.29.7",
                ..
            }
        ));
        assert_eq!(r.settings["buffering"].value, Value::Bool(true));
    }

    #[test]
    fn nested_locations_and_if_blocks() {
        let text = "server {\n  proxy_read_timeout 10s;\n  location /a {\n    proxy_read_timeout 20s;\n    location /a/b {\n      proxy_pass http://b;\n    }\n    if ($x) {\n      proxy_read_timeout 40s;\n      proxy_pass http://c;\n    }\n    if ($y) {\n      proxy_pass http://d;\n    }\n    limit_except GET {\n      proxy_pass http://e;\n    }\n  }\n}\n";
        let f = facts(text);
        let by_target: BTreeMap<_, _> = f
            .routes
            .iter()
            .map(|r| (r.pass.target.value.as_str(), r))
            .collect();
        let b = by_target["http://b"];
        assert_eq!(b.location.as_ref().map(|l| l.value.as_str()), Some("/a/b"));
        assert_eq!(b.settings["read_timeout"].value, dur(20));
        assert!(matches!(
            b.settings["read_timeout"].origin,
            Origin::Inherited { .. }
        ));
        let c = by_target["http://c"];
        assert_eq!(c.location.as_ref().map(|l| l.value.as_str()), Some("/a"));
        assert_eq!(c.settings["read_timeout"].value, dur(40));
        assert!(matches!(
            c.settings["read_timeout"].origin,
            Origin::File { .. }
        ));
        let e = by_target["http://e"];
        assert_eq!(e.location.as_ref().map(|l| l.value.as_str()), Some("/a"));
        assert!(matches!(
            e.settings["read_timeout"].origin,
            Origin::Inherited { .. }
        ));
        let d = by_target["http://d"];
        assert_eq!(d.settings["read_timeout"].value, dur(20));
        assert!(matches!(
            d.settings["read_timeout"].origin,
            Origin::Inherited { .. }
        ));
    }

    #[test]
    fn uwsgi_route_ignores_proxy_settings() {
        let text = "http {\n  proxy_read_timeout 300s;\n  uwsgi_connect_timeout 3s;\n  server {\n    location / {\n      include uwsgi_params;\n      uwsgi_pass unix:/run/app.sock;\n    }\n  }\n}\n";
        let f = facts(text);
        let r = &f.routes[0];
        assert_eq!(r.pass.family, PassFamily::Uwsgi);
        assert_eq!(r.settings["read_timeout"].value, dur(60));
        assert!(r.settings["read_timeout"].origin.is_default());
        assert_eq!(r.settings["connect_timeout"].value, dur(3));
        assert!(!r.settings.contains_key("http_version"));
        assert!(!r.settings.contains_key("buffering"));
    }

    #[test]
    fn fragments_are_read_as_included_in_http() {
        let text = "upstream app {\n  server web:8000 max_fails=3 fail_timeout=10s;\n  server [::1]:8001 backup;\n  server unix:/run/a.sock weight=2 resolve;\n  server django;\n  keepalive 16;\n  keepalive_timeout 5s;\n}\nserver {\n  location /api { grpc_pass grpc://app; grpc_read_timeout 1h30m; }\n}\n";
        let f = facts(text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.upstreams.len(), 1);
        let u = &f.upstreams[0];
        assert_eq!(u.name.value, "app");
        let hosts: Vec<_> = u
            .servers
            .iter()
            .map(|s| (s.host.as_str(), s.port, s.unix_path.as_deref()))
            .collect();
        assert_eq!(
            hosts,
            [
                ("web", Some(8000), None),
                ("::1", Some(8001), None),
                ("", None, Some("/run/a.sock")),
                ("django", None, None)
            ]
        );
        assert_eq!(
            u.servers[0].params,
            [
                ("max_fails".to_owned(), "3".to_owned()),
                ("fail_timeout".to_owned(), "10s".to_owned())
            ]
        );
        assert_eq!(u.servers[1].params, [("backup".to_owned(), String::new())]);
        assert_eq!(u.settings["keepalive"].value, Value::Int(16));
        assert_eq!(u.settings["keepalive_timeout"].value, dur(5));
        assert!(!u.settings.contains_key("keepalive_requests"));
        let r = &f.routes[0];
        assert_eq!(r.pass.family, PassFamily::Grpc);
        assert_eq!(r.settings["read_timeout"].value, dur(5400));
    }

    #[test]
    fn snippet_level_pass_has_no_location() {
        let f = facts("proxy_read_timeout 5s;\nproxy_pass http://x;\n");
        assert_eq!(f.routes.len(), 1);
        assert!(f.routes[0].location.is_none());
        assert!(f.routes[0].server_names.is_empty());
        assert_eq!(f.routes[0].settings["read_timeout"].value, dur(5));
        assert!(f.problems.is_empty());
    }

    #[test]
    fn server_level_pass_is_a_route_and_a_problem() {
        let f = facts("server { listen 80; proxy_pass http://x; }\n");
        assert_eq!(f.routes.len(), 1);
        assert!(f.routes[0].location.is_none());
        assert_eq!(f.problems.len(), 1);
        assert!(f.problems[0].message.contains("not allowed here"));
    }

    #[test]
    fn invalid_times_are_unknown_with_one_problem() {
        let text = "http {\n  proxy_read_timeout 30m1h;\n  server {\n    location /a { proxy_pass http://a; }\n    location /b { proxy_pass http://b; proxy_send_timeout 1y; }\n  }\n}\n";
        let f = facts(text);
        assert_eq!(f.problems.len(), 2, "{:?}", f.problems);
        assert!(f.problems.iter().all(|p| p.code == "PAR-E001"));
        assert!(f.problems[0].message.contains("nginx would refuse"));
        assert_eq!(f.problems[0].span.map(|s| &text[s.range()]), Some("30m1h"));
        for r in &f.routes {
            assert!(r.settings["read_timeout"].value.is_unknown());
            assert!(matches!(
                &r.settings["read_timeout"].value,
                Value::Unknown(why) if why.starts_with("invalid time")
            ));
        }
        assert!(f.routes[1].settings["send_timeout"].value.is_unknown());
    }

    #[test]
    fn other_values_and_client_keepalive() {
        let text = "keepalive_timeout 65 60;\nsend_timeout 10s;\nlocation / {\n  proxy_http_version 1.1;\n  proxy_buffering OFF;\n  proxy_next_upstream error timeout http_502;\n  proxy_next_upstream_tries 3;\n  proxy_pass http://a;\n}\n";
        let f = facts(text);
        let r = &f.routes[0];
        assert_eq!(r.settings["keepalive_timeout"].value, dur(65));
        assert_eq!(r.settings["send_timeout_client"].value, dur(10));
        assert_eq!(r.settings["http_version"].value, Value::Str("1.1".into()));
        assert_eq!(r.settings["buffering"].value, Value::Bool(false));
        assert_eq!(r.settings["next_upstream_tries"].value, Value::Int(3));
        assert_eq!(
            r.settings["next_upstream"].value,
            Value::List(vec![
                Value::Str("error".into()),
                Value::Str("timeout".into()),
                Value::Str("http_502".into())
            ])
        );
        let bad = facts(
            "keepalive_timeout 65 500ms;\nupstream u { server a:99999; server b fail_timeout=5ms; keepalive x; }\n",
        );
        assert_eq!(bad.problems.len(), 4, "{:?}", bad.problems);
    }

    #[test]
    fn envsubst_placeholders_are_unknown_not_errors() {
        let f = facts(
            "upstream u { server ${HOST}:${PORT} fail_timeout=${FT}; keepalive ${KA}; }\nlocation / {\n  proxy_read_timeout ${PROXY_READ_TIMEOUT};\n  proxy_pass http://u;\n}\n",
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(matches!(
            &f.routes[0].settings["read_timeout"].value,
            Value::Unknown(why) if why.contains("template placeholder")
        ));
        assert_eq!(f.upstreams[0].servers[0].host, "${HOST}");
        assert_eq!(f.upstreams[0].servers[0].port, None);
        assert!(f.upstreams[0].settings["keepalive"].value.is_unknown());
    }

    #[test]
    fn stream_and_map_blocks_are_not_routes() {
        let f = facts(
            "stream { server { listen 12345; proxy_pass backend; } }\nmap $a $b { proxy_pass 1; }\n",
        );
        assert!(f.routes.is_empty());
    }
}
