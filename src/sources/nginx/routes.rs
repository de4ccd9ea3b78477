//! Request routes (every `*_pass` in a location, nested location, `if` or
//! `limit_except` in a location, or server) with the effective upstream
//! settings nginx applies to them, and upstreams (`upstream {}` blocks and
//! the implicit upstreams `proxy_pass http://host:port` creates).
//!
//! Effective values follow nginx's configuration merge: a setting is looked
//! up from the route's own block outwards (location(s) -> server -> http ->
//! the file's top level), the innermost definition wins, and the compiled-in
//! default of the nginx version in [`ExtractOptions`] applies when it is set
//! nowhere. `if` and `limit_except` blocks take part in the merge, but none of
//! the directives read here is allowed in them (nginx refuses the
//! configuration; reported as a problem), so they never change a value.
//!
//! Array directives (`proxy_set_header`) are inherited only by a level that
//! defines none of them: the `Connection` header sent upstream comes from the
//! innermost level with any `proxy_set_header`.
//!
//! A file whose top level holds `server`, `upstream` or `location` blocks (a
//! `conf.d` fragment or snippet) is read as if included in `http {}`.
//! `upstream` blocks inherit nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::diag::Problem;
use crate::origin::Origin;
use crate::span::{Span, Spanned};
use crate::value::{Millis, Setting, Value};

use super::include::Config;
use super::time::{TimeKind, parse_int, parse_offset, parse_size, parse_time};
use super::version::{
    BEFORE_1_19_10, BEFORE_1_29_7, EITHER_SIDE_OF_1_19_10, EITHER_SIDE_OF_1_29_7, ExtractOptions,
    KEEPALIVE_REQUESTS_CHANGED, NginxVersion, SINCE_1_19_10, SINCE_1_29_7, Side,
    UPSTREAM_DEFAULTS_CHANGED,
};
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

    /// URL schemes the pass directive accepts, with the port each implies;
    /// `required` when the address must have one (`proxy_pass`).
    fn schemes(self) -> (&'static [(&'static str, Option<u16>)], bool) {
        match self {
            PassFamily::Proxy => (&[("http://", Some(80)), ("https://", Some(443))], true),
            PassFamily::Grpc => (&[("grpc://", Some(80)), ("grpcs://", Some(443))], false),
            PassFamily::Uwsgi => (&[("uwsgi://", None), ("suwsgi://", None)], false),
            _ => (&[], false),
        }
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
    /// `buffering` and `request_buffering` for the families that have them
    /// (proxy, uwsgi, fastcgi, scgi), and for proxy routes `http_version`,
    /// `connection_header` (the `Connection` header sent upstream: `Str`,
    /// `Value::Unset` when none is sent, `OneOf` of a `map`'s values when set
    /// from a map variable) and `connection_values` (every value that header
    /// can take, lower-cased, as a `List`; empty when none is sent; for a
    /// default that depends on the version, `OneOf` of one list per side).
    pub settings: BTreeMap<&'static str, Setting>,
    /// The upstream requests go to: the `name` of an entry of
    /// [`NginxFacts::upstreams`]. `None` when the target has variables (chosen
    /// per request) or cannot be read.
    pub upstream: Option<String>,
    /// `proxy_set_header` directives of outer levels that do not apply here
    /// because an inner level defines its own (array inheritance).
    pub shadowed_set_headers: Vec<Span>,
    /// How the family's header/parameter list (`proxy_set_header`,
    /// `uwsgi_param`, ...) reaches the route; `None` for memcached.
    pub header_list: Option<HeaderList>,
}

/// The request header (or parameter) list a route sends upstream:
/// `proxy_set_header`, `grpc_set_header`, `uwsgi_param`, `fastcgi_param`
/// or `scgi_param`. nginx inherits such a list only into a level that
/// defines none of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderList {
    /// The directive name, e.g. `proxy_set_header`.
    pub directive: &'static str,
    /// The entries of the level whose list applies (first argument, directive
    /// span); empty when no level defines any.
    pub own: Vec<(String, Span)>,
    /// Entries of outer levels the applying level hides and does not set
    /// again itself (names compared case-insensitively).
    pub lost: Vec<(String, Span)>,
    /// An `include` parity could not read sits in the chain: it may add
    /// entries, so `own` and `lost` may be incomplete.
    pub unread_include: bool,
}

/// A directive parity checked: a family setting (which pass families it can
/// apply to) or a value nginx refuses.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectiveFact {
    pub name: String,
    /// Arguments as written, joined by ' '.
    pub args: String,
    /// Directive span (name to last argument).
    pub span: Span,
    /// For `<family>_<setting>` directives parity reads (`uwsgi_read_timeout`):
    /// the family and the family-independent setting key (`read_timeout`).
    pub family: Option<(PassFamily, &'static str)>,
    /// The pass families used by the `*_pass` directives in the directive's
    /// block and the blocks inside it; `None` when that block holds an
    /// `include` parity could not read (it may add more).
    pub scope_families: Option<Vec<PassFamily>>,
    /// Why nginx refuses a time, size or number value, and the argument to
    /// point at.
    pub invalid: Option<(String, Span)>,
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
    /// Typed parameters with nginx's defaults: `weight` (Int, 1), `max_fails`
    /// (Int, 1), `fail_timeout` (Duration, seconds-typed, 10s), `max_conns`
    /// (Int, 0 = unlimited), `backup`, `down`, `resolve` (Bool, off).
    pub settings: BTreeMap<&'static str, Setting>,
}

/// An upstream: an `upstream name { ... }` block, or the implicit one a pass
/// to `host:port` creates.
#[derive(Clone, Debug, PartialEq)]
pub struct Upstream {
    /// The block's name; for an implicit upstream `host:port` (lower-case
    /// host, the scheme's port when none is written) or `unix:/path`,
    /// spanning the pass target.
    pub name: Spanned<String>,
    /// The `upstream name` header (directive span); the pass directive for
    /// an implicit upstream.
    pub span: Span,
    pub servers: Vec<UpstreamServer>,
    /// `keepalive` (Int, cached idle connections per worker; 0 = off),
    /// `keepalive_local` (Bool), `keepalive_timeout` (Duration),
    /// `keepalive_requests` (Int), `keepalive_time` (Duration, `Unset` before
    /// 1.19.10), with nginx's defaults for the version; an implicit upstream
    /// has only `keepalive` (0 in every version).
    pub settings: BTreeMap<&'static str, Setting>,
    /// Created by a pass target rather than an `upstream` block.
    pub implicit: bool,
}

/// Routes, upstreams and the problems found reading their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NginxFacts {
    /// In the order nginx reads the pass directives.
    pub routes: Vec<Route>,
    /// `upstream` blocks in order, then implicit upstreams in the order their
    /// first pass appears.
    pub upstreams: Vec<Upstream>,
    /// Family settings and refused time/size/number values, in file order
    /// (refused values of upstream `server` parameters last). A refused
    /// value is reported here, not in `problems`.
    pub directives: Vec<DirectiveFact>,
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
    /// Upstream `keepalive N [local]`.
    UpstreamKeepalive,
    /// `ngx_conf_set_size_slot`.
    Size,
    /// `ngx_conf_set_off_slot`.
    Offset,
    /// `ngx_conf_set_bufs_slot`: a count and a size, both above zero.
    Bufs,
}

/// A compiled-in default.
#[derive(Clone, Copy)]
enum DefaultValue {
    /// The same in every version the module documents.
    Fixed(fn() -> Value),
    /// Changed at a release.
    Versioned(&'static VersionedDefault),
}

struct VersionedDefault {
    boundary: (u32, u32, u32),
    before: fn() -> Value,
    since: fn() -> Value,
    before_text: &'static str,
    since_text: &'static str,
    either_text: &'static str,
}

/// A route setting: key, directive name suffix (after `<family>_`) or full
/// name for core directives, reading, nginx default.
struct RouteKey {
    key: &'static str,
    directive: NameRule,
    kind: Kind,
    default: DefaultValue,
}

enum NameRule {
    /// `<family prefix>_<suffix>`.
    Family(&'static str),
    /// Only for proxy routes: `proxy_<suffix>`.
    ProxyOnly(&'static str),
    /// `<family prefix>_<suffix>` for the listed families only.
    Families(&'static str, &'static [PassFamily]),
    /// A core directive, the same for every family.
    Core(&'static str),
}

const ALL_VERSIONS: &str = "all versions";

/// Families with `<family>_buffering` and `<family>_request_buffering`.
const BUFFERING_FAMILIES: &[PassFamily] = &[
    PassFamily::Proxy,
    PassFamily::Uwsgi,
    PassFamily::Fastcgi,
    PassFamily::Scgi,
];

/// Directives parity does not read but checks, because nginx refuses the
/// configuration when their time or size value does not parse (slot types
/// from `ngx_http_core_module.c` and `ngx_http_proxy_module.c`).
const CHECKED_ONLY: &[(&str, Kind)] = &[
    ("client_body_timeout", Kind::Msec),
    ("client_header_timeout", Kind::Msec),
    ("lingering_time", Kind::Msec),
    ("lingering_timeout", Kind::Msec),
    ("resolver_timeout", Kind::Msec),
    ("keepalive_time", Kind::Msec),
    ("client_max_body_size", Kind::Offset),
    ("client_body_buffer_size", Kind::Size),
    ("client_header_buffer_size", Kind::Size),
    ("large_client_header_buffers", Kind::Bufs),
    ("proxy_buffer_size", Kind::Size),
    ("proxy_busy_buffers_size", Kind::Size),
    ("proxy_buffers", Kind::Bufs),
];

fn sixty_seconds() -> Value {
    Value::Duration(Millis::from_secs(60))
}

static HTTP_VERSION_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: UPSTREAM_DEFAULTS_CHANGED,
    before: || Value::Str("1.0".to_owned()),
    since: || Value::Str("1.1".to_owned()),
    before_text: BEFORE_1_29_7,
    since_text: SINCE_1_29_7,
    either_text: EITHER_SIDE_OF_1_29_7,
};

/// `Connection: close` before 1.29.7, no `Connection` header since.
static CONNECTION_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: UPSTREAM_DEFAULTS_CHANGED,
    before: || Value::Str("close".to_owned()),
    since: || Value::Unset,
    before_text: BEFORE_1_29_7,
    since_text: SINCE_1_29_7,
    either_text: EITHER_SIDE_OF_1_29_7,
};

/// Explicit `upstream {}` blocks: no cache before 1.29.7, 32 connections since.
static UPSTREAM_KEEPALIVE_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: UPSTREAM_DEFAULTS_CHANGED,
    before: || Value::Int(0),
    since: || Value::Int(32),
    before_text: BEFORE_1_29_7,
    since_text: SINCE_1_29_7,
    either_text: EITHER_SIDE_OF_1_29_7,
};

/// `local` (cached connections not shared between locations) is implied since 1.29.7.
static UPSTREAM_KEEPALIVE_LOCAL_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: UPSTREAM_DEFAULTS_CHANGED,
    before: || Value::Bool(false),
    since: || Value::Bool(true),
    before_text: BEFORE_1_29_7,
    since_text: SINCE_1_29_7,
    either_text: EITHER_SIDE_OF_1_29_7,
};

static KEEPALIVE_REQUESTS_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: KEEPALIVE_REQUESTS_CHANGED,
    before: || Value::Int(100),
    since: || Value::Int(1000),
    before_text: BEFORE_1_19_10,
    since_text: SINCE_1_19_10,
    either_text: EITHER_SIDE_OF_1_19_10,
};

/// `keepalive_time` exists since 1.19.10 (no limit before).
static KEEPALIVE_TIME_DEFAULT: VersionedDefault = VersionedDefault {
    boundary: KEEPALIVE_REQUESTS_CHANGED,
    before: || Value::Unset,
    since: || Value::Duration(Millis::from_secs(3600)),
    before_text: BEFORE_1_19_10,
    since_text: SINCE_1_19_10,
    either_text: EITHER_SIDE_OF_1_19_10,
};

const ROUTE_KEYS: &[RouteKey] = &[
    RouteKey {
        key: "read_timeout",
        directive: NameRule::Family("read_timeout"),
        kind: Kind::Msec,
        default: DefaultValue::Fixed(sixty_seconds),
    },
    RouteKey {
        key: "connect_timeout",
        directive: NameRule::Family("connect_timeout"),
        kind: Kind::Msec,
        default: DefaultValue::Fixed(sixty_seconds),
    },
    RouteKey {
        key: "send_timeout",
        directive: NameRule::Family("send_timeout"),
        kind: Kind::Msec,
        default: DefaultValue::Fixed(sixty_seconds),
    },
    RouteKey {
        key: "next_upstream",
        directive: NameRule::Family("next_upstream"),
        kind: Kind::Words,
        default: DefaultValue::Fixed(|| {
            Value::List(vec![
                Value::Str("error".to_owned()),
                Value::Str("timeout".to_owned()),
            ])
        }),
    },
    RouteKey {
        key: "next_upstream_tries",
        directive: NameRule::Family("next_upstream_tries"),
        kind: Kind::Int,
        default: DefaultValue::Fixed(|| Value::Int(0)),
    },
    RouteKey {
        key: "next_upstream_timeout",
        directive: NameRule::Family("next_upstream_timeout"),
        kind: Kind::Msec,
        default: DefaultValue::Fixed(|| Value::Duration(Millis(0))),
    },
    RouteKey {
        key: "http_version",
        directive: NameRule::ProxyOnly("http_version"),
        kind: Kind::HttpVersion,
        default: DefaultValue::Versioned(&HTTP_VERSION_DEFAULT),
    },
    RouteKey {
        key: "buffering",
        directive: NameRule::Families("buffering", BUFFERING_FAMILIES),
        kind: Kind::Flag,
        default: DefaultValue::Fixed(|| Value::Bool(true)),
    },
    RouteKey {
        key: "request_buffering",
        directive: NameRule::Families("request_buffering", BUFFERING_FAMILIES),
        kind: Kind::Flag,
        default: DefaultValue::Fixed(|| Value::Bool(true)),
    },
    RouteKey {
        key: "keepalive_timeout",
        directive: NameRule::Core("keepalive_timeout"),
        kind: Kind::ClientKeepalive,
        default: DefaultValue::Fixed(|| Value::Duration(Millis::from_secs(75))),
    },
    RouteKey {
        key: "send_timeout_client",
        directive: NameRule::Core("send_timeout"),
        kind: Kind::Msec,
        default: DefaultValue::Fixed(sixty_seconds),
    },
];

/// Settings read inside `upstream {}`: key (= directive name), reading, default.
const UPSTREAM_KEYS: &[(&str, Kind, DefaultValue)] = &[
    (
        "keepalive",
        Kind::UpstreamKeepalive,
        DefaultValue::Versioned(&UPSTREAM_KEEPALIVE_DEFAULT),
    ),
    (
        "keepalive_timeout",
        Kind::Msec,
        DefaultValue::Fixed(sixty_seconds),
    ),
    (
        "keepalive_requests",
        Kind::Int,
        DefaultValue::Versioned(&KEEPALIVE_REQUESTS_DEFAULT),
    ),
    (
        "keepalive_time",
        Kind::Msec,
        DefaultValue::Versioned(&KEEPALIVE_TIME_DEFAULT),
    ),
];

/// The setting for a compiled-in default under `version`: for a version on
/// both sides of a change, `OneOf(before, since)`.
fn default_setting(default: DefaultValue, version: NginxVersion, anchor: Span) -> Setting {
    let (value, versions) = match default {
        DefaultValue::Fixed(f) => (f(), ALL_VERSIONS),
        DefaultValue::Versioned(v) => match version.side_of(v.boundary) {
            Side::Before => ((v.before)(), v.before_text),
            Side::Since => ((v.since)(), v.since_text),
            Side::Either => (Value::OneOf(vec![(v.before)(), (v.since)()]), v.either_text),
        },
    };
    Setting::new(
        value,
        Origin::Default {
            tool: "nginx",
            versions,
            anchor: Some(anchor),
        },
    )
}

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
    /// The top level of a fragment, read as `http {}` content.
    Top,
    /// The top level of a main configuration (it has `http` or `events`):
    /// nginx's main context, where no http setting may be written.
    Main,
    Http,
    Server,
    Location,
    If,
    /// `limit_except` inside a location: a nested location configuration.
    LimitExcept,
}

impl ScopeKind {
    /// `if` and `limit_except` blocks: none of the settings read here may be
    /// written in them.
    fn is_restricted(self) -> bool {
        matches!(
            self,
            ScopeKind::If | ScopeKind::LimitExcept | ScopeKind::Main
        )
    }
}

#[derive(Clone, Copy)]
struct Scope<'a> {
    kind: ScopeKind,
    items: &'a [Directive],
    /// The block's own directive (`server`, `location`, `if`), `None` at top level.
    owner: Option<&'a Directive>,
}

/// Routes, upstreams and value problems of one parsed file, for an unknown
/// nginx version (`include` is not followed; see [`extract_config`]).
#[must_use]
pub fn extract(file: &NginxFile) -> NginxFacts {
    extract_with(file, &ExtractOptions::default())
}

/// Routes, upstreams and value problems of one parsed file, with defaults
/// for `options.version`.
#[must_use]
pub fn extract_with(file: &NginxFile, options: &ExtractOptions) -> NginxFacts {
    extract_items(&file.directives, options)
}

/// Routes, upstreams and value problems over a configuration's whole tree
/// (includes spliced in). [`Config::problems`] (syntax and include problems)
/// are not repeated here.
#[must_use]
pub fn extract_config(config: &Config, options: &ExtractOptions) -> NginxFacts {
    extract_items(&config.tree, options)
}

/// Extraction state shared by the walk.
struct Ctx<'o> {
    options: &'o ExtractOptions,
    /// `map` variables (without `$`) -> their possible values.
    maps: HashMap<String, Vec<String>>,
    /// Lower-cased names of `upstream` blocks -> the name as written.
    upstream_names: HashMap<String, String>,
    facts: NginxFacts,
    /// Implicit upstreams by name, in order of first use.
    implicit: Vec<Upstream>,
}

fn extract_items(items: &[Directive], options: &ExtractOptions) -> NginxFacts {
    let mut ctx = Ctx {
        options,
        maps: HashMap::new(),
        upstream_names: HashMap::new(),
        facts: NginxFacts::default(),
        implicit: Vec::new(),
    };
    let main = items
        .iter()
        .any(|d| !d.is_comment() && matches!(d.name.as_str(), "http" | "events"));
    let top = if main { Where::Main } else { Where::Http };
    let mut invalid = Vec::new();
    validate(items, top, 0, &mut ctx.facts.problems, &mut invalid);
    let mut directives = Vec::new();
    family_settings(items, 0, &mut directives);
    for bad in invalid {
        match directives.iter_mut().find(|f| f.span == bad.span) {
            Some(f) => f.invalid = bad.invalid,
            None => directives.push(bad),
        }
    }
    directives.sort_by_key(|f| (f.span.file, f.span.start));
    ctx.facts.directives = directives;
    collect_http_level(items, 0, &mut ctx);
    let mut chain = vec![Scope {
        kind: if main {
            ScopeKind::Main
        } else {
            ScopeKind::Top
        },
        items,
        owner: None,
    }];
    walk(&mut chain, &mut ctx);
    let mut facts = ctx.facts;
    facts.upstreams.append(&mut ctx.implicit);
    let mut seen = HashSet::new();
    facts
        .problems
        .retain(|p| seen.insert((p.span, p.message.clone())));
    facts
}

/// Family settings (`uwsgi_read_timeout`, ...) of `items` and every block
/// inside it that can hold them, each with the pass families used in its
/// block; returns the families used in `items` (`None` when an unread
/// include may add passes).
fn family_settings(
    items: &[Directive],
    depth: usize,
    out: &mut Vec<DirectiveFact>,
) -> Option<BTreeSet<PassFamily>> {
    let mut families = Some(BTreeSet::new());
    if depth > MAX_DEPTH {
        return None;
    }
    let start = out.len();
    for d in items.iter().filter(|d| !d.is_comment()) {
        if let Some(children) = &d.block {
            if d.name == "upstream" || is_opaque_block(&d.name) {
                continue;
            }
            let inner = family_settings(children, depth + 1, out);
            families = match (families, inner) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                _ => None,
            };
        } else if let Some(f) = PassFamily::from_pass_directive(&d.name) {
            if let Some(set) = families.as_mut() {
                set.insert(f);
            }
        } else if d.name == "include" && unread_include_may_pass(d) {
            families = None;
        }
    }
    let here: Vec<DirectiveFact> = items
        .iter()
        .filter(|d| !d.is_comment() && d.block.is_none())
        .filter_map(|d| {
            let (family, key) = family_setting(&d.name)?;
            Some(DirectiveFact {
                name: d.name.clone(),
                args: join_args(&d.args),
                span: d.span,
                family: Some((family, key)),
                scope_families: families.as_ref().map(|s| s.iter().copied().collect()),
                invalid: None,
            })
        })
        .collect();
    // This block's own settings come before those of blocks inside it.
    out.splice(start..start, here);
    families
}

/// Upstream names and `map` values of the top level and `http` blocks.
fn collect_http_level(items: &[Directive], depth: usize, ctx: &mut Ctx<'_>) {
    for d in items {
        if d.is_comment() {
            continue;
        }
        match (d.name.as_str(), &d.block) {
            ("http", Some(children)) if depth == 0 => collect_http_level(children, 1, ctx),
            ("upstream", Some(_)) => {
                if let Some(name) = d.arg(0) {
                    ctx.upstream_names
                        .entry(name.to_ascii_lowercase())
                        .or_insert_with(|| name.to_owned());
                }
            }
            ("map", Some(children)) => {
                if let Some(var) = d.arg(1).and_then(variable_name) {
                    ctx.maps.insert(var.to_owned(), map_values(children));
                }
            }
            _ => {}
        }
    }
}

/// `$name` or `${name}` -> `name`; `None` for anything else.
fn variable_name(s: &str) -> Option<&str> {
    let name = s.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// The distinct values a `map` block can give, its default (`""` when not
/// written) included.
fn map_values(entries: &[Directive]) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    let mut has_default = false;
    for e in entries.iter().filter(|e| !e.is_comment()) {
        if matches!(e.name.as_str(), "hostnames" | "volatile") && e.args.is_empty() {
            continue;
        }
        let [value] = e.args.as_slice() else {
            continue;
        };
        has_default |= e.name == "default";
        if !values.contains(&value.value) {
            values.push(value.value.clone());
        }
    }
    if !has_default && !values.iter().any(String::is_empty) {
        values.push(String::new());
    }
    values
}

/// Walks the innermost scope of `chain`, collecting routes and upstreams.
fn walk<'a>(chain: &mut Vec<Scope<'a>>, ctx: &mut Ctx<'_>) {
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
            ("http", ScopeKind::Top | ScopeKind::Main) => Some(ScopeKind::Http),
            ("server", ScopeKind::Top | ScopeKind::Main | ScopeKind::Http) => {
                Some(ScopeKind::Server)
            }
            (
                "location",
                ScopeKind::Top
                | ScopeKind::Main
                | ScopeKind::Http
                | ScopeKind::Server
                | ScopeKind::Location,
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
            walk(chain, ctx);
            chain.pop();
            continue;
        }
        if d.name == "upstream"
            && matches!(
                scope.kind,
                ScopeKind::Top | ScopeKind::Main | ScopeKind::Http
            )
            && let Some(items) = d.block.as_deref()
        {
            let facts = &mut ctx.facts;
            let u = upstream(
                d,
                items,
                ctx.options.version,
                &mut facts.problems,
                &mut facts.directives,
            );
            ctx.facts.upstreams.push(u);
            continue;
        }
        if let Some(family) = PassFamily::from_pass_directive(&d.name)
            && d.block.is_none()
        {
            pass_route(d, family, chain, ctx);
        }
    }
}

fn pass_route(d: &Directive, family: PassFamily, chain: &[Scope<'_>], ctx: &mut Ctx<'_>) {
    let Some(target) = d.args.first() else {
        ctx.facts.problems.push(Problem::parse(
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
        ctx.facts.problems.push(Problem::parse(
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
    let version = ctx.options.version;
    let mut settings = BTreeMap::new();
    for rk in ROUTE_KEYS {
        let name = match rk.directive {
            NameRule::Family(suffix) => format!("{}_{suffix}", family.prefix()),
            NameRule::ProxyOnly(suffix) if family == PassFamily::Proxy => {
                format!("proxy_{suffix}")
            }
            NameRule::ProxyOnly(_) => continue,
            NameRule::Families(suffix, families) if families.contains(&family) => {
                format!("{}_{suffix}", family.prefix())
            }
            NameRule::Families(..) => continue,
            NameRule::Core(name) => name.to_owned(),
        };
        let setting = effective(&name, rk.kind, chain)
            .unwrap_or_else(|| default_setting(rk.default, version, d.span));
        settings.insert(rk.key, setting);
    }
    let mut shadowed_set_headers = Vec::new();
    if family == PassFamily::Proxy {
        let (setting, shadowed) = connection_header(chain, &ctx.maps, version, d.span);
        settings.insert("connection_values", connection_values(&setting));
        settings.insert("connection_header", setting);
        shadowed_set_headers = shadowed;
    }
    let header_list = header_list(family, chain);
    let upstream = route_upstream(family, target, d.span, ctx);
    ctx.facts.routes.push(Route {
        pass,
        server_names,
        listen,
        location,
        settings,
        upstream,
        shadowed_set_headers,
        header_list,
    });
}

/// The innermost definition of directive `name` along `chain` (skipping `if`
/// and `limit_except`, where nginx does not allow it), or `None`.
fn effective(name: &str, kind: Kind, chain: &[Scope<'_>]) -> Option<Setting> {
    let own = chain.len().saturating_sub(1);
    for (i, scope) in chain.iter().enumerate().rev() {
        if scope.kind.is_restricted() {
            continue;
        }
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
            return Some(Setting::new(
                read_value(d, kind).unwrap_or_else(Value::Unknown),
                origin,
            ));
        }
    }
    None
}

/// The directive holding a family's request header/parameter list.
fn list_directive(family: PassFamily) -> Option<&'static str> {
    match family {
        PassFamily::Proxy => Some("proxy_set_header"),
        PassFamily::Grpc => Some("grpc_set_header"),
        PassFamily::Uwsgi => Some("uwsgi_param"),
        PassFamily::Fastcgi => Some("fastcgi_param"),
        PassFamily::Scgi => Some("scgi_param"),
        PassFamily::Memcached => None,
    }
}

/// Whether an `include` parity could not read may hold `directive`. The
/// stock files nginx and its packages ship are known: `uwsgi_params` holds
/// only `uwsgi_param`, `proxy_params` (Debian) only `proxy_set_header`
/// (without `Connection`), `mime.types` no directive at all.
fn unread_include_may_hold(include: &Directive, directive: &str) -> bool {
    let Some(path) = include.arg(0) else {
        return false;
    };
    let file = path.rsplit('/').next().unwrap_or(path);
    match file {
        "uwsgi_params" => directive == "uwsgi_param",
        "fastcgi_params" | "fastcgi.conf" => directive == "fastcgi_param",
        "scgi_params" => directive == "scgi_param",
        "proxy_params" => directive == "proxy_set_header",
        "mime.types" | "koi-utf" | "koi-win" | "win-utf" => false,
        _ => true,
    }
}

/// Whether an `include` parity could not read may add `*_pass` directives.
fn unread_include_may_pass(include: &Directive) -> bool {
    let Some(path) = include.arg(0) else {
        return false;
    };
    let file = path.rsplit('/').next().unwrap_or(path);
    !matches!(
        file,
        "uwsgi_params"
            | "fastcgi_params"
            | "fastcgi.conf"
            | "scgi_params"
            | "proxy_params"
            | "mime.types"
            | "koi-utf"
            | "koi-win"
            | "win-utf"
    )
}

/// The level of `chain` whose `directive` list applies (array inheritance),
/// as (chain index, its visible entries, whether an unread include there may
/// hold entries), and whether an unread include at an outer level may.
struct ListLevel<'a> {
    level: Option<(usize, Vec<&'a Directive>, bool)>,
    outer: Vec<&'a Directive>,
    /// Unread includes of outer levels that hold entries: stock files
    /// (known to hold them) go to `outer_stock`, others set `outer_unread`.
    outer_stock: Vec<&'a Directive>,
    outer_unread: bool,
}

/// Stock include files known to hold entries of `directive`.
fn is_stock_list_file(include: &Directive, directive: &str) -> bool {
    let file = include
        .arg(0)
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .unwrap_or_default();
    matches!(
        (file, directive),
        ("uwsgi_params", "uwsgi_param")
            | ("fastcgi_params" | "fastcgi.conf", "fastcgi_param")
            | ("scgi_params", "scgi_param")
            | ("proxy_params", "proxy_set_header")
    )
}

fn list_level<'a>(chain: &[Scope<'a>], directive: &str) -> ListLevel<'a> {
    let mut levels = chain
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, s)| !s.kind.is_restricted());
    let entries = |scope: &Scope<'a>| -> (Vec<&'a Directive>, bool) {
        let items = scope.items;
        let visible = items
            .iter()
            .filter(|d| !d.is_comment() && d.name == directive)
            .collect();
        let unread = items
            .iter()
            .any(|d| d.name == "include" && unread_include_may_hold(d, directive));
        (visible, unread)
    };
    let mut level = None;
    for (i, scope) in levels.by_ref() {
        let (visible, unread) = entries(scope);
        if !visible.is_empty() || unread {
            level = Some((i, visible, unread));
            break;
        }
    }
    let mut outer = Vec::new();
    let mut outer_stock = Vec::new();
    let mut outer_unread = false;
    for (_, scope) in levels {
        let (visible, _) = entries(scope);
        outer.extend(visible);
        for inc in scope
            .items
            .iter()
            .filter(|d| d.name == "include" && unread_include_may_hold(d, directive))
        {
            if is_stock_list_file(inc, directive) {
                outer_stock.push(inc);
            } else {
                outer_unread = true;
            }
        }
    }
    ListLevel {
        level,
        outer,
        outer_stock,
        outer_unread,
    }
}

/// How the family's header/parameter list reaches a route.
fn header_list(family: PassFamily, chain: &[Scope<'_>]) -> Option<HeaderList> {
    let directive = list_directive(family)?;
    let found = list_level(chain, directive);
    let name_of = |d: &Directive| d.arg(0).unwrap_or_default().to_owned();
    let (own, own_unread) = match &found.level {
        Some((_, visible, unread)) => (
            visible
                .iter()
                .map(|d| (name_of(d), d.span))
                .collect::<Vec<_>>(),
            *unread,
        ),
        None => (Vec::new(), false),
    };
    let lost = if found.level.is_some() {
        let mut lost: Vec<(String, Span)> = found
            .outer
            .iter()
            .filter(|d| {
                let name = name_of(d);
                !own.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name))
            })
            .map(|d| (name_of(d), d.span))
            .collect();
        // A stock file's entries are all lost; they are named by the include.
        lost.extend(
            found
                .outer_stock
                .iter()
                .map(|d| (format!("include {}", d.arg(0).unwrap_or_default()), d.span)),
        );
        lost.sort_by_key(|(_, span)| (span.file, span.start));
        lost
    } else {
        Vec::new()
    };
    Some(HeaderList {
        directive,
        own,
        lost,
        unread_include: own_unread || found.outer_unread,
    })
}

/// A route's header list as settings: `set_headers` (names the applying
/// level sets, at its first entry), `lost_headers` (outer entries it hides
/// and does not set again, at the first of them; `Unset` when none). Both
/// are `Unknown` when an include parity cannot read may add entries.
#[must_use]
pub fn header_list_settings(list: &HeaderList, anchor: Span) -> Vec<(&'static str, Setting)> {
    let unknown = || {
        Value::Unknown(format!(
            "an include parity cannot read may add {} entries",
            list.directive
        ))
    };
    let names = |entries: &[(String, Span)]| {
        Value::List(entries.iter().map(|(n, _)| Value::Str(n.clone())).collect())
    };
    let own = Setting::new(
        if list.unread_include {
            unknown()
        } else if list.own.is_empty() {
            Value::Unset
        } else {
            names(&list.own)
        },
        match list.own.first() {
            Some((_, span)) => Origin::File { span: *span },
            None => Origin::Default {
                tool: "nginx",
                versions: ALL_VERSIONS,
                anchor: Some(anchor),
            },
        },
    );
    let lost = Setting::new(
        if list.unread_include {
            unknown()
        } else if list.lost.is_empty() {
            Value::Unset
        } else {
            names(&list.lost)
        },
        match list.lost.first() {
            Some((_, span)) => Origin::Inherited { span: *span },
            None => Origin::Default {
                tool: "nginx",
                versions: ALL_VERSIONS,
                anchor: Some(anchor),
            },
        },
    );
    vec![("set_headers", own), ("lost_headers", lost)]
}

/// The `Connection` header nginx sends upstream for a proxy route, from the
/// innermost level that defines any `proxy_set_header` (array inheritance),
/// and the outer `proxy_set_header` directives that level hides.
fn connection_header(
    chain: &[Scope<'_>],
    maps: &HashMap<String, Vec<String>>,
    version: NginxVersion,
    anchor: Span,
) -> (Setting, Vec<Span>) {
    let own = chain.len().saturating_sub(1);
    let found = list_level(chain, "proxy_set_header");
    let shadowed: Vec<Span> = if found.level.is_some() {
        found.outer.iter().map(|d| d.span).collect()
    } else {
        Vec::new()
    };
    let Some((level, headers, unread)) = found.level else {
        return (
            default_setting(
                DefaultValue::Versioned(&CONNECTION_DEFAULT),
                version,
                anchor,
            ),
            shadowed,
        );
    };
    let connection = headers.iter().find(|d| {
        d.arg(0)
            .is_some_and(|n| n.eq_ignore_ascii_case("connection"))
    });
    let Some(d) = connection else {
        let include = chain
            .get(level)
            .and_then(|s| s.items.iter().find(|d| d.name == "include"));
        // An include parity cannot read defines this level's list: it may
        // set Connection itself (the stock `proxy_params` does not).
        if unread
            && let Some(inc) = include
            && inc.arg(0).is_none_or(|p| !p.ends_with("proxy_params"))
        {
            return (
                Setting::new(
                    Value::Unknown(format!(
                        "the include of \"{}\", which parity cannot read, may set it",
                        inc.arg(0).unwrap_or_default()
                    )),
                    Origin::File { span: inc.span },
                ),
                shadowed,
            );
        }
        // The level's own list replaces every outer one; nginx adds its
        // default Connection header to it.
        let anchor = headers.first().map_or(anchor, |h| h.span);
        return (
            default_setting(
                DefaultValue::Versioned(&CONNECTION_DEFAULT),
                version,
                anchor,
            ),
            shadowed,
        );
    };
    let origin = if level == own {
        Origin::File { span: d.span }
    } else {
        Origin::Inherited { span: d.span }
    };
    let value = match d.args.as_slice() {
        [_, v] => header_value(&v.value, maps),
        _ => Value::Unknown(
            "invalid number of arguments in \"proxy_set_header\" directive".to_owned(),
        ),
    };
    (Setting::new(value, origin), shadowed)
}

/// Every value the `Connection` header can take, lower-cased, as a list
/// (empty when none is sent). A default that depends on the nginx version
/// stays `OneOf` with one list per side.
fn connection_values(setting: &Setting) -> Setting {
    fn list(v: &Value) -> Value {
        match v {
            Value::Str(s) => Value::List(vec![Value::Str(s.to_ascii_lowercase())]),
            Value::Unset => Value::List(Vec::new()),
            Value::OneOf(vs) => Value::List(
                vs.iter()
                    .filter_map(|v| match v {
                        Value::Str(s) => Some(Value::Str(s.to_ascii_lowercase())),
                        Value::Unknown(w) => Some(Value::Unknown(w.clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    let value = match (&setting.value, setting.origin.is_default()) {
        (Value::OneOf(vs), true) => Value::OneOf(vs.iter().map(list).collect()),
        (v, _) => list(v),
    };
    Setting::new(value, setting.origin.clone())
}

/// A header value as sent: `Unset` when empty (nginx then omits the header),
/// the values of a `map` variable, `Unknown` for other variables.
fn header_value(v: &str, maps: &HashMap<String, Vec<String>>) -> Value {
    let literal = |s: &str| {
        if s.is_empty() {
            Value::Unset
        } else if s.contains('$') {
            Value::Unknown(format!("set per request from \"{s}\""))
        } else {
            Value::Str(s.to_owned())
        }
    };
    if let Some(values) = variable_name(v).and_then(|n| maps.get(n)) {
        let mut out: Vec<Value> = values.iter().map(|s| literal(s)).collect();
        return if out.len() == 1 {
            out.remove(0)
        } else {
            Value::OneOf(out)
        };
    }
    literal(v)
}

/// Where a pass target sends requests.
enum TargetAddr {
    /// Has variables: resolved per request.
    Runtime,
    /// `unix:/path`.
    Unix(String),
    /// Host (as written) and port (written, or the scheme's).
    Inet {
        host: String,
        port: Option<u16>,
        port_written: bool,
    },
}

/// Reads a pass target the way `ngx_http_*_pass` + `ngx_parse_url` do.
fn parse_target(family: PassFamily, value: &str) -> Result<TargetAddr, String> {
    if value.contains('$') {
        return Ok(TargetAddr::Runtime);
    }
    let (schemes, required) = family.schemes();
    let lower = value.to_ascii_lowercase();
    let mut rest = value;
    let mut default_port = None;
    let mut had_scheme = false;
    for (scheme, port) in schemes {
        if lower.starts_with(scheme) {
            rest = &value[scheme.len()..];
            default_port = *port;
            had_scheme = true;
            break;
        }
    }
    if required && !had_scheme {
        return Err(format!("invalid URL prefix in \"{value}\""));
    }
    let uri_part = matches!(family, PassFamily::Proxy | PassFamily::Grpc) && had_scheme;
    if let Some(path) = rest
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("unix:"))
        .and_then(|_| rest.get(5..))
    {
        // With a URI part, the socket path ends at the next ':' (`unix:/s.sock:/uri`).
        let path = if uri_part {
            path.split(':').next().unwrap_or(path)
        } else {
            path
        };
        if path.is_empty() {
            return Err("no path in the unix domain socket".to_owned());
        }
        return Ok(TargetAddr::Unix(path.to_owned()));
    }
    let authority = if uri_part {
        rest.split(['/', '?']).next().unwrap_or(rest)
    } else {
        rest
    };
    let (host, port, _) = parse_address(authority)?;
    Ok(TargetAddr::Inet {
        host,
        port_written: port.is_some(),
        port: port.or(default_port),
    })
}

/// The upstream a pass target names: an `upstream` block, or an implicit
/// upstream created (once per address) for it.
fn route_upstream(
    family: PassFamily,
    target: &Arg,
    pass_span: Span,
    ctx: &mut Ctx<'_>,
) -> Option<String> {
    let addr = match parse_target(family, &target.value) {
        Ok(a) => a,
        Err(why) => {
            ctx.facts.problems.push(Problem::parse(
                target.span,
                format!("{why}; nginx would refuse the configuration"),
            ));
            return None;
        }
    };
    let (name, host, port, unix_path) = match addr {
        TargetAddr::Runtime => return None,
        TargetAddr::Unix(path) => (format!("unix:{path}"), String::new(), None, Some(path)),
        TargetAddr::Inet {
            host,
            port,
            port_written,
        } => {
            let lower = host.to_ascii_lowercase();
            if let Some(written) = ctx.upstream_names.get(&lower) {
                if port_written {
                    ctx.facts.problems.push(Problem::parse(
                        target.span,
                        format!(
                            "upstream \"{host}\" may not have port {}; nginx would refuse the configuration",
                            port.unwrap_or(0)
                        ),
                    ));
                }
                return Some(written.clone());
            }
            let name = match port {
                Some(p) => format!("{lower}:{p}"),
                None => lower,
            };
            (name, host, port, None)
        }
    };
    if !ctx.implicit.iter().any(|u| u.name.value == name) {
        let anchor = pass_span;
        let mut settings = BTreeMap::new();
        settings.insert(
            "keepalive",
            Setting::new(
                Value::Int(0),
                Origin::Default {
                    tool: "nginx",
                    versions: ALL_VERSIONS,
                    anchor: Some(anchor),
                },
            ),
        );
        ctx.implicit.push(Upstream {
            name: Spanned::new(name.clone(), target.span),
            span: pass_span,
            servers: vec![UpstreamServer {
                address: target.clone(),
                host,
                port,
                unix_path,
                params: Vec::new(),
                span: target.span,
                settings: server_defaults(target.span),
            }],
            settings,
            implicit: true,
        });
    }
    Some(name)
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
    check(d, kind).map_err(|r| r.message)
}

/// Why nginx refuses a directive.
struct Refusal {
    message: String,
    /// The argument (or directive) to point at.
    span: Span,
    /// A time, size or number that does not parse (rule PAR-P004), rather
    /// than a wrong argument count or keyword.
    bad_value: bool,
}

impl Refusal {
    fn other(message: String, span: Span) -> Self {
        Self {
            message,
            span,
            bad_value: false,
        }
    }
}

/// Reads and validates a directive: the value, or the reason nginx refuses
/// it with the span to point at.
fn check(d: &Directive, kind: Kind) -> Result<Value, Refusal> {
    let count_error = || {
        Refusal::other(
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
            int_value(a)
        }
        Kind::UpstreamKeepalive => {
            let a = match d.args.as_slice() {
                [a] => a,
                [a, l] if l.value == "local" => a,
                [_, l] => {
                    return Err(Refusal::other(
                        format!("invalid parameter \"{}\"", l.value),
                        l.span,
                    ));
                }
                _ => return Err(count_error()),
            };
            int_value(a)
        }
        Kind::Flag => {
            let a = one()?;
            match a.value.to_ascii_lowercase().as_str() {
                "on" => Ok(Value::Bool(true)),
                "off" => Ok(Value::Bool(false)),
                _ => Err(Refusal::other(
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
                _ => Err(Refusal::other(
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
        Kind::Size | Kind::Offset => {
            let a = one()?;
            let parsed = if matches!(kind, Kind::Offset) {
                parse_offset(&a.value)
            } else {
                parse_size(&a.value)
            };
            size_value(a, parsed)
        }
        Kind::Bufs => {
            let [n, size] = d.args.as_slice() else {
                return Err(count_error());
            };
            match parse_int(&n.value) {
                Ok(c) if c > 0 => {}
                _ => {
                    return Err(Refusal {
                        message: format!(
                            "invalid value \"{}\": the number of buffers must be a whole number above 0",
                            n.value
                        ),
                        span: n.span,
                        bad_value: true,
                    });
                }
            }
            match parse_size(&size.value) {
                Ok(0) => Err(Refusal {
                    message: format!(
                        "invalid value \"{}\": the buffer size must be above 0",
                        size.value
                    ),
                    span: size.span,
                    bad_value: true,
                }),
                parsed => size_value(size, parsed),
            }
        }
    }
}

fn int_value(a: &Arg) -> Result<Value, Refusal> {
    parse_int(&a.value).map(Value::Int).map_err(|_| Refusal {
        message: format!("invalid number \"{}\"", a.value),
        span: a.span,
        bad_value: true,
    })
}

fn time_value(a: &Arg, kind: TimeKind) -> Result<Value, Refusal> {
    parse_time(&a.value, kind)
        .map(Value::Duration)
        .map_err(|why| Refusal {
            message: format!("invalid time \"{}\": {why}", a.value),
            span: a.span,
            bad_value: true,
        })
}

/// A size read with `parse_size`/`parse_offset`, as a number of bytes.
fn size_value(a: &Arg, parsed: Result<u64, String>) -> Result<Value, Refusal> {
    parsed
        .map(|n| Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
        .map_err(|why| Refusal {
            message: format!("invalid size \"{}\": {why}", a.value),
            span: a.span,
            bad_value: true,
        })
}

/// Kind of a directive parity reads, by its name and whether it is inside an
/// `upstream` block (where `keepalive_timeout` is the upstream one).
fn kind_of(name: &str, in_upstream: bool) -> Option<Kind> {
    if in_upstream {
        return UPSTREAM_KEYS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, k, _)| *k);
    }
    match name {
        "keepalive_timeout" => return Some(Kind::ClientKeepalive),
        "send_timeout" => return Some(Kind::Msec),
        _ => {}
    }
    if let Some((_, kind)) = CHECKED_ONLY.iter().find(|(n, _)| *n == name) {
        return Some(*kind);
    }
    family_setting(name).map(|(_, key)| {
        ROUTE_KEYS
            .iter()
            .find(|rk| rk.key == key)
            .map_or(Kind::Words, |rk| rk.kind)
    })
}

/// The family and route key of a `<family>_<setting>` directive parity reads
/// (`uwsgi_read_timeout` -> `(Uwsgi, "read_timeout")`); only for the
/// families that have the directive.
fn family_setting(name: &str) -> Option<(PassFamily, &'static str)> {
    let (prefix, suffix) = name.split_once('_')?;
    let family = PassFamily::ALL.into_iter().find(|f| f.prefix() == prefix)?;
    ROUTE_KEYS.iter().find_map(|rk| {
        let applies = match rk.directive {
            NameRule::Family(s) => s == suffix,
            NameRule::ProxyOnly(s) => s == suffix && family == PassFamily::Proxy,
            NameRule::Families(s, families) => s == suffix && families.contains(&family),
            NameRule::Core(_) => false,
        };
        applies.then_some((family, rk.key))
    })
}

/// The kind of block being validated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Where {
    /// http, server, location (and the top level of a fragment).
    Http,
    Upstream,
    /// `if` or `limit_except`.
    Restricted,
    /// The main context of a main configuration.
    Main,
}

/// Reports every value nginx would refuse among the directives parity reads
/// or checks, once per directive wherever it is: duplicates in one block and
/// directives written in `if`/`limit_except`, where nginx does not allow
/// them, as problems; time, size and number values that do not parse as
/// `invalid` facts.
fn validate(
    items: &[Directive],
    at: Where,
    depth: usize,
    problems: &mut Vec<Problem>,
    invalid: &mut Vec<DirectiveFact>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for d in items {
        if d.is_comment() || is_opaque_block(&d.name) {
            continue;
        }
        let kind = kind_of(&d.name, at == Where::Upstream);
        if matches!(at, Where::Restricted | Where::Main)
            && (kind.is_some() || d.name == "proxy_set_header")
        {
            let place = if at == Where::Main {
                "only inside http, server or location"
            } else {
                "not inside \"if\" or \"limit_except\""
            };
            problems.push(Problem::parse(
                d.name_span,
                format!(
                    "\"{}\" directive is not allowed here ({place}); nginx would refuse the configuration",
                    d.name
                ),
            ));
            continue;
        }
        if let Some(kind) = kind {
            if !seen.insert(d.name.as_str()) {
                problems.push(Problem::parse(
                    d.name_span,
                    format!(
                        "\"{}\" directive is duplicate; nginx would refuse the configuration",
                        d.name
                    ),
                ));
            }
            // A block after a value directive is a syntax error nginx reports
            // first (the parser's problem); its arguments are not read.
            let checked = if d.block.is_some() {
                Ok(Value::Unset)
            } else {
                check(d, kind)
            };
            match checked {
                Err(r) if r.bad_value => invalid.push(DirectiveFact {
                    name: d.name.clone(),
                    args: join_args(&d.args),
                    span: d.span,
                    family: None,
                    scope_families: None,
                    invalid: Some((r.message, r.span)),
                }),
                Err(r) => {
                    let place = if r.message.ends_with("directive") {
                        String::new()
                    } else {
                        format!(" in \"{}\" directive", d.name)
                    };
                    problems.push(Problem::parse(
                        r.span,
                        format!("{}{place}; nginx would refuse the configuration", r.message),
                    ));
                }
                Ok(_) => {}
            }
        }
        if let Some(children) = &d.block {
            let inner = match d.name.as_str() {
                "upstream" => Where::Upstream,
                "if" | "limit_except" => Where::Restricted,
                _ if at == Where::Upstream => Where::Upstream,
                _ => Where::Http,
            };
            validate(children, inner, depth + 1, problems, invalid);
        }
    }
}

fn upstream(
    d: &Directive,
    items: &[Directive],
    version: NginxVersion,
    problems: &mut Vec<Problem>,
    invalid: &mut Vec<DirectiveFact>,
) -> Upstream {
    let name = d.args.first().map_or_else(
        || Spanned::new(String::new(), d.name_span),
        |a| Spanned::new(a.value.clone(), a.span),
    );
    let mut servers = Vec::new();
    let mut settings = BTreeMap::new();
    for c in items.iter().filter(|c| !c.is_comment()) {
        if c.name == "server" {
            if let Some(s) = upstream_server(c, problems, invalid) {
                servers.push(s);
            }
            continue;
        }
        if let Some((key, kind, _)) = UPSTREAM_KEYS.iter().find(|(n, _, _)| *n == c.name)
            && !settings.contains_key(key)
        {
            let value = read_value(c, *kind).unwrap_or_else(Value::Unknown);
            settings.insert(*key, Setting::new(value, Origin::File { span: c.span }));
            if *key == "keepalive" {
                let local = c.args.get(1).is_some_and(|a| a.value == "local");
                settings.insert(
                    "keepalive_local",
                    Setting::new(Value::Bool(local), Origin::File { span: c.span }),
                );
            }
        }
    }
    for (key, _, default) in UPSTREAM_KEYS {
        if !settings.contains_key(key) {
            settings.insert(*key, default_setting(*default, version, d.span));
        }
    }
    if !settings.contains_key("keepalive_local") {
        settings.insert(
            "keepalive_local",
            default_setting(
                DefaultValue::Versioned(&UPSTREAM_KEEPALIVE_LOCAL_DEFAULT),
                version,
                d.span,
            ),
        );
    }
    Upstream {
        name,
        span: d.span,
        servers,
        settings,
        implicit: false,
    }
}

/// nginx's defaults for a server's parameters (`ngx_http_upstream_server`).
fn server_defaults(anchor: Span) -> BTreeMap<&'static str, Setting> {
    let default = |v: Value| {
        Setting::new(
            v,
            Origin::Default {
                tool: "nginx",
                versions: ALL_VERSIONS,
                anchor: Some(anchor),
            },
        )
    };
    BTreeMap::from([
        ("weight", default(Value::Int(1))),
        ("max_fails", default(Value::Int(1))),
        (
            "fail_timeout",
            default(Value::Duration(Millis::from_secs(10))),
        ),
        ("max_conns", default(Value::Int(0))),
        ("backup", default(Value::Bool(false))),
        ("down", default(Value::Bool(false))),
        ("resolve", default(Value::Bool(false))),
    ])
}

/// Parses `server ADDRESS [params]` (`ngx_http_upstream_server`, `ngx_parse_url`).
fn upstream_server(
    d: &Directive,
    problems: &mut Vec<Problem>,
    invalid: &mut Vec<DirectiveFact>,
) -> Option<UpstreamServer> {
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
    let mut settings = server_defaults(d.span);
    for a in d.args.iter().skip(1) {
        let (k, v) = a.value.split_once('=').unwrap_or((a.value.as_str(), ""));
        let parsed: Option<(&'static str, Result<Value, String>)> = match k {
            "fail_timeout" => Some((
                "fail_timeout",
                parse_time(v, TimeKind::Sec).map(Value::Duration),
            )),
            "max_fails" => Some(("max_fails", parse_int(v).map(Value::Int))),
            "weight" => Some(("weight", parse_int(v).map(Value::Int))),
            "max_conns" => Some(("max_conns", parse_int(v).map(Value::Int))),
            "backup" => Some(("backup", Ok(Value::Bool(true)))),
            "down" => Some(("down", Ok(Value::Bool(true)))),
            "resolve" => Some(("resolve", Ok(Value::Bool(true)))),
            _ => None,
        };
        if let Some((key, result)) = parsed {
            let value = match result {
                _ if v.contains('$') => Value::Unknown(format!(
                    "template placeholder \"{}\" (filled in before nginx reads the file)",
                    a.value
                )),
                Ok(v) => v,
                Err(why) => {
                    invalid.push(DirectiveFact {
                        name: d.name.clone(),
                        args: join_args(&d.args),
                        span: d.span,
                        family: None,
                        scope_families: None,
                        invalid: Some((
                            format!("invalid parameter \"{}\": {why}", a.value),
                            a.span,
                        )),
                    });
                    Value::Unknown(format!("invalid parameter \"{}\": {why}", a.value))
                }
            };
            settings.insert(key, Setting::new(value, Origin::File { span: a.span }));
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
        settings,
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

    fn facts_for(text: &str, version: NginxVersion) -> NginxFacts {
        let f = super::super::parse(FileId(0), text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        extract_with(&f, &ExtractOptions { version })
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
        assert_eq!(
            r.settings["http_version"].value,
            Value::OneOf(vec![Value::Str("1.0".into()), Value::Str("1.1".into())])
        );
        assert!(matches!(
            r.settings["http_version"].origin,
            Origin::Default {
                versions: "all versions before and after 1.29.7",
                ..
            }
        ));
        assert_eq!(r.settings["buffering"].value, Value::Bool(true));
        let old = facts_for(text, NginxVersion::Known(1, 27, 3));
        let r = &old.routes[0];
        assert_eq!(r.settings["http_version"].value, Value::Str("1.0".into()));
        assert!(matches!(
            r.settings["http_version"].origin,
            Origin::Default {
                versions: "< 1.29.7",
                ..
            }
        ));
        assert_eq!(
            r.settings["connection_header"].value,
            Value::Str("close".into())
        );
        let new = facts_for(text, NginxVersion::Known(1, 30, 0));
        let r = &new.routes[0];
        assert_eq!(r.settings["http_version"].value, Value::Str("1.1".into()));
        assert_eq!(r.settings["connection_header"].value, Value::Unset);
        assert!(matches!(
            r.settings["connection_header"].origin,
            Origin::Default {
                versions: ">= 1.29.7",
                ..
            }
        ));
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
        // nginx refuses proxy_read_timeout inside `if` (nginx -t: "directive
        // is not allowed here"): a problem, and the location's value applies.
        let c = by_target["http://c"];
        assert_eq!(c.location.as_ref().map(|l| l.value.as_str()), Some("/a"));
        assert_eq!(c.settings["read_timeout"].value, dur(20));
        assert!(matches!(
            c.settings["read_timeout"].origin,
            Origin::Inherited { .. }
        ));
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert!(f.problems[0].message.contains("not allowed here"));
        assert_eq!(
            f.problems[0].span.map(|s| &text[s.range()]),
            Some("proxy_read_timeout")
        );
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
        // uwsgi_buffering (default on) applies; proxy_buffering does not.
        assert_eq!(r.settings["buffering"].value, Value::Bool(true));
        assert!(r.settings["buffering"].origin.is_default());
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
        assert_eq!(u.settings["keepalive_local"].value, Value::Bool(false));
        assert_eq!(u.settings["keepalive_timeout"].value, dur(5));
        assert_eq!(
            u.settings["keepalive_requests"].value,
            Value::OneOf(vec![Value::Int(100), Value::Int(1000)])
        );
        assert!(u.settings["keepalive_requests"].origin.is_default());
        assert_eq!(u.servers[0].settings["max_fails"].value, Value::Int(3));
        assert_eq!(u.servers[0].settings["fail_timeout"].value, dur(10));
        assert!(matches!(
            u.servers[0].settings["fail_timeout"].origin,
            Origin::File { .. }
        ));
        assert_eq!(u.servers[1].settings["backup"].value, Value::Bool(true));
        assert_eq!(u.servers[1].settings["max_fails"].value, Value::Int(1));
        assert!(u.servers[1].settings["max_fails"].origin.is_default());
        assert_eq!(u.servers[2].settings["resolve"].value, Value::Bool(true));
        assert_eq!(u.servers[2].settings["weight"].value, Value::Int(2));
        assert!(!u.implicit);
        let r = &f.routes[0];
        assert_eq!(r.pass.family, PassFamily::Grpc);
        assert_eq!(r.settings["read_timeout"].value, dur(5400));
        assert_eq!(r.upstream.as_deref(), Some("app"));
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
    fn invalid_times_are_unknown_with_one_refused_value_each() {
        let text = "http {\n  proxy_read_timeout 30m1h;\n  server {\n    location /a { proxy_pass http://a; }\n    location /b { proxy_pass http://b; proxy_send_timeout 1y; }\n  }\n}\n";
        let f = facts(text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let refused: Vec<_> = f
            .directives
            .iter()
            .filter_map(|d| {
                d.invalid
                    .as_ref()
                    .map(|(why, span)| (why, &text[span.range()]))
            })
            .collect();
        assert_eq!(refused.len(), 2, "{refused:?}");
        assert_eq!(refused[0].1, "30m1h");
        assert!(refused[0].0.starts_with("invalid time \"30m1h\""));
        assert_eq!(refused[1].1, "1y");
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
    fn sizes_and_other_checked_directives() {
        let text = "client_max_body_size 10MB;\nclient_body_buffer_size 1g;\nproxy_buffers 0 4k;\nlarge_client_header_buffers 4 8k;\nclient_body_timeout 1.5s;\nlocation / { client_max_body_size 2G; proxy_buffer_size 16k; proxy_pass http://a; }\n";
        let f = facts(text);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        let refused: Vec<_> = f
            .directives
            .iter()
            .filter_map(|d| d.invalid.as_ref().map(|(_, span)| &text[span.range()]))
            .collect();
        // `1g` is not a size (only offsets take g); `2G` is a valid offset.
        assert_eq!(refused, ["10MB", "1g", "0", "1.5s"]);
        // Wrong argument counts stay problems.
        let f = facts("proxy_buffers 8;\n");
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert!(f.directives.iter().all(|d| d.invalid.is_none()));
    }

    #[test]
    fn family_settings_know_the_families_of_their_block() {
        let text = "proxy_read_timeout 300s;\nserver {\n  uwsgi_read_timeout 30s;\n  location / { include uwsgi_params; uwsgi_pass a:1; proxy_connect_timeout 5s; }\n  location /b { proxy_pass http://b; }\n}\nserver {\n  fastcgi_read_timeout 9s;\n  include conf.d/*.conf;\n}\n";
        let f = facts(text);
        let facts: Vec<_> = f
            .directives
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.family.map(|(f, k)| (f.prefix(), k)),
                    d.scope_families
                        .as_ref()
                        .map(|fs| fs.iter().map(PassFamily::prefix).collect::<Vec<_>>()),
                )
            })
            .collect();
        assert_eq!(
            facts,
            [
                // The top level holds the second server, whose include
                // parity could not read.
                ("proxy_read_timeout", Some(("proxy", "read_timeout")), None),
                (
                    "uwsgi_read_timeout",
                    Some(("uwsgi", "read_timeout")),
                    Some(vec!["proxy", "uwsgi"])
                ),
                (
                    "proxy_connect_timeout",
                    Some(("proxy", "connect_timeout")),
                    Some(vec!["uwsgi"])
                ),
                // An include parity could not read may add locations.
                (
                    "fastcgi_read_timeout",
                    Some(("fastcgi", "read_timeout")),
                    None
                ),
            ]
        );
        // uwsgi has no http_version; scgi has request_buffering.
        assert_eq!(family_setting("uwsgi_http_version"), None);
        assert_eq!(
            family_setting("scgi_request_buffering"),
            Some((PassFamily::Scgi, "request_buffering"))
        );
        assert_eq!(family_setting("memcached_buffering"), None);
    }

    #[test]
    fn header_lists_and_what_they_hide() {
        let text = "server {\n  proxy_set_header Host $host;\n  proxy_set_header X-Forwarded-Proto $scheme;\n  location /a { proxy_set_header host $host; proxy_set_header X-Id 1; proxy_pass http://a; }\n  location /b { proxy_pass http://b; }\n  location /c { include proxy_params; proxy_pass http://c; }\n  location /d { include snippets/x.conf; proxy_pass http://d; }\n  location /e { uwsgi_param A 1; uwsgi_pass e:1; }\n}\n";
        let f = facts(text);
        let list = |i: usize| f.routes[i].header_list.clone().unwrap();
        let names = |v: &[(String, Span)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        let a = list(0);
        assert_eq!(a.directive, "proxy_set_header");
        assert_eq!(names(&a.own), ["host", "X-Id"]);
        assert_eq!(names(&a.lost), ["X-Forwarded-Proto"]);
        assert!(!a.unread_include);
        let b = list(1);
        assert_eq!(names(&b.own), ["Host", "X-Forwarded-Proto"]);
        assert!(b.lost.is_empty());
        // Debian's proxy_params defines the location's list: the server's is hidden, names unknown.
        assert!(list(2).unread_include);
        assert!(list(3).unread_include);
        assert!(f.routes[3].settings["connection_header"].value.is_unknown());
        // proxy_params does not set Connection: the default applies.
        assert!(
            f.routes[2].settings["connection_header"]
                .origin
                .is_default()
        );
        let f2 = facts(
            "server {\n  include fastcgi_params;\n  location ~ \\.php$ { fastcgi_param SCRIPT_FILENAME $x; fastcgi_pass php:9000; }\n}\n",
        );
        let php = f2.routes[0].header_list.clone().unwrap();
        assert!(!php.unread_include);
        assert_eq!(names(&php.lost), ["include fastcgi_params"]);
        let e = list(4);
        assert_eq!(e.directive, "uwsgi_param");
        assert_eq!(names(&e.own), ["A"]);
        assert!(e.lost.is_empty());
        let settings = header_list_settings(&a, f.routes[0].pass.directive_span);
        assert_eq!(settings[1].0, "lost_headers");
        assert_eq!(
            settings[1].1.value,
            Value::List(vec![Value::Str("X-Forwarded-Proto".into())])
        );
        let b_settings = header_list_settings(&b, f.routes[1].pass.directive_span);
        assert_eq!(b_settings[1].1.value, Value::Unset);
    }

    #[test]
    fn connection_values_are_lists_per_version_side() {
        let text = "map $http_upgrade $cu { default upgrade; '' Close; }\nlocation / { proxy_pass http://a; }\nlocation /ws { proxy_set_header Connection $cu; proxy_pass http://a; }\n";
        let f = facts(text);
        assert_eq!(
            f.routes[0].settings["connection_values"].value,
            Value::OneOf(vec![
                Value::List(vec![Value::Str("close".into())]),
                Value::List(Vec::new())
            ])
        );
        assert_eq!(
            f.routes[1].settings["connection_values"].value,
            Value::List(vec![
                Value::Str("upgrade".into()),
                Value::Str("close".into())
            ])
        );
        let old = facts_for(text, NginxVersion::Known(1, 26, 0));
        assert_eq!(
            old.routes[0].settings["connection_values"].value,
            Value::List(vec![Value::Str("close".into())])
        );
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
        // The port is a problem; the three values nginx cannot parse are refused values.
        assert_eq!(bad.problems.len(), 1, "{:?}", bad.problems);
        assert_eq!(
            bad.directives
                .iter()
                .filter(|d| d.invalid.is_some())
                .count(),
            3
        );
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

    #[test]
    fn upstream_keepalive_defaults_follow_the_version() {
        let text = "upstream app { server web:8000; }\nlocation / { proxy_pass http://app; }\nlocation /b { proxy_pass http://web:8000/x; }\nlocation /c { proxy_pass http://WEB:8000; }\n";
        let old = facts_for(text, NginxVersion::Known(1, 29, 6));
        let new = facts_for(text, NginxVersion::Known(1, 29, 7));
        let unknown = facts_for(text, NginxVersion::Unknown);
        let series = facts_for(text, NginxVersion::Series(1, 29));
        assert_eq!(old.upstreams[0].settings["keepalive"].value, Value::Int(0));
        assert_eq!(new.upstreams[0].settings["keepalive"].value, Value::Int(32));
        assert_eq!(
            new.upstreams[0].settings["keepalive_local"].value,
            Value::Bool(true)
        );
        assert_eq!(
            unknown.upstreams[0].settings["keepalive"].value,
            Value::OneOf(vec![Value::Int(0), Value::Int(32)])
        );
        assert_eq!(
            series.upstreams[0].settings["keepalive"].value,
            unknown.upstreams[0].settings["keepalive"].value
        );
        assert_eq!(
            new.upstreams[0].settings["keepalive_requests"].value,
            Value::Int(1000)
        );
        assert_eq!(
            new.upstreams[0].settings["keepalive_timeout"].value,
            dur(60)
        );
        assert_eq!(new.upstreams[0].settings["keepalive_time"].value, dur(3600));
        // The implicit upstream of `http://web:8000` never caches connections;
        // the host is case-insensitive, so /c shares it.
        for f in [&old, &new, &unknown] {
            assert_eq!(f.upstreams.len(), 2);
            let implicit = &f.upstreams[1];
            assert!(implicit.implicit);
            assert_eq!(implicit.name.value, "web:8000");
            assert_eq!(implicit.settings["keepalive"].value, Value::Int(0));
            assert_eq!(implicit.servers[0].port, Some(8000));
            let names: Vec<_> = f.routes.iter().map(|r| r.upstream.as_deref()).collect();
            assert_eq!(names, [Some("app"), Some("web:8000"), Some("web:8000")]);
        }
    }

    #[test]
    fn pass_targets_and_their_upstreams() {
        let text = "upstream app { server a:1; }\nlocation /1 { proxy_pass http://app:8000; }\nlocation /2 { proxy_pass https://api.example.com; }\nlocation /3 { proxy_pass http://unix:/run/a.sock:/x; }\nlocation /4 { proxy_pass http://$backend; }\nlocation /5 { uwsgi_pass unix:/run/u.sock; }\nlocation /6 { fastcgi_pass php:9000; }\nlocation /7 { grpc_pass grpcs://g; }\nlocation /8 { uwsgi_pass uwsgi://app; }\nlocation /9 { proxy_pass app:80; }\n";
        let f = super::super::parse(FileId(0), text);
        let facts = extract(&f);
        let names: Vec<_> = facts.routes.iter().map(|r| r.upstream.clone()).collect();
        assert_eq!(
            names,
            [
                Some("app".to_owned()),
                Some("api.example.com:443".to_owned()),
                Some("unix:/run/a.sock".to_owned()),
                None,
                Some("unix:/run/u.sock".to_owned()),
                Some("php:9000".to_owned()),
                Some("g:443".to_owned()),
                Some("app".to_owned()),
                None,
            ]
        );
        let msgs: Vec<_> = facts.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].starts_with("upstream \"app\" may not have port 8000"));
        assert!(msgs[1].starts_with("invalid URL prefix in \"app:80\""));
    }

    #[test]
    fn array_directives_are_inherited_only_by_levels_without_any() {
        let text = "http {\n  proxy_set_header Connection \"\";\n  proxy_set_header Host $host;\n  server {\n    location /a { proxy_pass http://a; }\n    location /b {\n      proxy_set_header X-Foo bar;\n      proxy_pass http://b;\n    }\n    location /c {\n      proxy_set_header connection upgrade;\n      location /c/d { proxy_pass http://d; }\n    }\n  }\n}\n";
        let f = facts_for(text, NginxVersion::Known(1, 28, 0));
        let a = &f.routes[0];
        assert_eq!(a.settings["connection_header"].value, Value::Unset);
        assert_eq!(
            span_text(text, &a.settings["connection_header"].origin),
            "proxy_set_header Connection \"\""
        );
        assert!(matches!(
            a.settings["connection_header"].origin,
            Origin::Inherited { .. }
        ));
        assert!(a.shadowed_set_headers.is_empty());
        let b = &f.routes[1];
        assert_eq!(
            b.settings["connection_header"].value,
            Value::Str("close".into())
        );
        assert_eq!(
            span_text(text, &b.settings["connection_header"].origin),
            "proxy_set_header X-Foo bar"
        );
        let hidden: Vec<_> = b
            .shadowed_set_headers
            .iter()
            .map(|s| &text[s.range()])
            .collect();
        assert_eq!(
            hidden,
            [
                "proxy_set_header Connection \"\"",
                "proxy_set_header Host $host"
            ]
        );
        let d = &f.routes[2];
        assert_eq!(
            d.settings["connection_header"].value,
            Value::Str("upgrade".into())
        );
        let newer = facts_for(text, NginxVersion::Known(1, 29, 7));
        assert_eq!(
            newer.routes[1].settings["connection_header"].value,
            Value::Unset
        );
    }

    #[test]
    fn connection_from_a_map_variable() {
        let text = "map $http_upgrade $connection_upgrade {\n  default upgrade;\n  '' close;\n}\nmap $x $keep { default ''; }\nlocation / {\n  proxy_set_header Connection $connection_upgrade;\n  proxy_pass http://a;\n}\nlocation /k {\n  proxy_set_header Connection $keep;\n  proxy_pass http://a;\n}\nlocation /h {\n  proxy_set_header Connection $http_connection;\n  proxy_pass http://a;\n}\n";
        let f = facts(text);
        assert_eq!(
            f.routes[0].settings["connection_header"].value,
            Value::OneOf(vec![
                Value::Str("upgrade".into()),
                Value::Str("close".into())
            ])
        );
        assert_eq!(
            f.routes[1].settings["connection_header"].value,
            Value::Unset
        );
        assert!(f.routes[2].settings["connection_header"].value.is_unknown());
    }

    #[test]
    fn duplicates_and_directives_nginx_refuses_in_if() {
        let text = "location / {\n  proxy_read_timeout 5s;\n  proxy_read_timeout 6s;\n  if ($a) { proxy_set_header X 1; keepalive_timeout 5; return 200; }\n  limit_except GET { proxy_send_timeout 1s; }\n  proxy_pass http://a;\n}\nupstream u { server a; keepalive 2 local; keepalive 3; keepalive_timeout 1s; }\n";
        let f = facts(text);
        let msgs: Vec<_> = f
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{} @ {}",
                    p.message,
                    p.span.map_or("", |s| &text[s.range()])
                )
            })
            .collect();
        assert_eq!(msgs.len(), 5, "{msgs:#?}");
        assert!(msgs[0].contains("\"proxy_read_timeout\" directive is duplicate"));
        assert!(msgs[1].contains("\"proxy_set_header\" directive is not allowed here"));
        assert!(msgs[2].contains("\"keepalive_timeout\" directive is not allowed here"));
        assert!(msgs[3].contains("\"proxy_send_timeout\" directive is not allowed here"));
        assert!(msgs[4].contains("\"keepalive\" directive is duplicate"));
        assert_eq!(f.routes[0].settings["read_timeout"].value, dur(5));
        assert_eq!(f.upstreams[0].settings["keepalive"].value, Value::Int(2));
        assert_eq!(
            f.upstreams[0].settings["keepalive_local"].value,
            Value::Bool(true)
        );
    }

    #[test]
    fn main_context_settings_are_refused_not_inherited() {
        let text = "proxy_read_timeout 5s;\nevents {}\nhttp {\n  server { location / { proxy_pass http://a; } }\n}\n";
        let f = facts(text);
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert!(
            f.problems[0]
                .message
                .contains("only inside http, server or location")
        );
        assert_eq!(f.routes[0].settings["read_timeout"].value, dur(60));
        assert!(f.routes[0].settings["read_timeout"].origin.is_default());
    }
}
