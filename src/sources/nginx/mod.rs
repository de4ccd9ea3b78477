//! nginx configuration files: lexer and parser faithful to nginx's
//! `ngx_conf_read_token()` and crossplane 0.5.8 ([`parse`]), `include`
//! resolution over a caller-provided loader ([`load_config`]), nginx time and
//! size syntax ([`time`]), request routes and upstreams with effective values
//! for an nginx version ([`routes`], [`version`]) and crossplane-compatible
//! JSON ([`crossplane`]).
//!
//! The module receives text and never reads files: included files come
//! through an [`IncludeLoader`].

pub mod crossplane;
mod include;
mod lexer;
mod parser;
pub mod routes;
pub mod time;
pub mod version;

pub use crossplane::{CrossplaneOptions, crossplane_json};
pub use include::{
    Config, Include, IncludeLoader, LoadedFile, glob_matches, has_magic, is_main_config,
    load_config, normalize_rel,
};
pub use parser::{Arg, Directive, MAX_DEPTH, NginxFile, SyntaxError, SyntaxErrorKind, parse};
pub use routes::{NginxFacts, extract_config, extract_with, header_list_settings};
pub use version::{ExtractOptions, NginxVersion, nginx_image, version_from_image};

/// How much of a file [`looks_like_nginx`] reads.
const SNIFF_BYTES: usize = 8 * 1024;

/// Cheap guess whether an arbitrary `*.conf` file is an nginx configuration
/// (a full `nginx.conf`, a `conf.d` fragment, a snippet of `proxy_*` lines or
/// a `mime.types`-style `types {}` file), as opposed to ini files
/// (supervisord, systemd, fail2ban, uWSGI), Apache, key=value or
/// whitespace-separated formats. Reads at most the first 8 KB.
#[must_use]
pub fn looks_like_nginx(text: &str) -> bool {
    let mut cut = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = blank_template_markup(text.get(..cut).unwrap_or(""));
    let file = parse(crate::span::FileId(0), &head);
    let mut multiline = Vec::new();
    collect_multiline_args(&head, &file.directives, 0, &mut multiline);
    if has_foreign_line(&head, &multiline) {
        return false;
    }
    let mut stats = SniffStats::default();
    stats.walk(&file.directives, 0);
    // BIND's `};` and similar formats leave stray semicolons; nginx never has them.
    let stray_semicolons = file
        .syntax_errors
        .iter()
        .filter(|e| e.kind == SyntaxErrorKind::UnexpectedToken && e.message.contains(';'))
        .count();
    stats.assignments == 0
        && stats.known_terminated >= 1
        && stats.terminated * 2 >= stats.statements
        && stray_semicolons < 2
}

/// Replaces Jinja/Liquid (`{% %}`, `{{ }}`, `{# #}`) and ERB (`<% %>`) markup
/// with spaces, so that templated nginx files are judged by their nginx text.
fn blank_template_markup(head: &str) -> String {
    let mut out = String::with_capacity(head.len());
    let mut rest = head;
    while let Some(pos) = rest.find(['{', '<']) {
        let (before, from) = rest.split_at(pos);
        out.push_str(before);
        let close = match from.get(..2) {
            Some("{%") => Some("%}"),
            Some("{{") => Some("}}"),
            Some("{#") => Some("#}"),
            Some("<%") => Some("%>"),
            _ => None,
        };
        match close.and_then(|c| from.get(2..).and_then(|f| f.find(c)).map(|i| i + 4)) {
            Some(end) if !from[..end].contains('\n') => {
                out.extend(std::iter::repeat_n(' ', end));
                rest = &from[end..];
            }
            _ => {
                out.push_str(&from[..1]);
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Byte ranges of arguments that span lines (Lua bodies, multi-line strings):
/// their lines are not nginx syntax.
fn collect_multiline_args(
    text: &str,
    items: &[Directive],
    depth: usize,
    out: &mut Vec<std::ops::Range<usize>>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for d in items {
        for a in &d.args {
            if text.get(a.span.range()).is_some_and(|t| t.contains('\n')) {
                out.push(a.span.range());
            }
        }
        collect_multiline_args(text, d.children(), depth + 1, out);
    }
}

/// A line that nginx syntax never produces at its start: an ini section
/// header (`[program:x]`, `[Unit]`), an Apache/XML tag (`<VirtualHost *:80>`),
/// a Python statement or a YAML key.
/// Lines inside multi-line arguments (`skip`) are ignored.
fn has_foreign_line(head: &str, skip: &[std::ops::Range<usize>]) -> bool {
    let mut offset = 0usize;
    for line in head.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if skip.iter().any(|r| r.start < start && start < r.end) {
            continue;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') && !t.contains(' ') {
            return true;
        }
        if t.starts_with('<')
            && t.as_bytes()
                .get(1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/')
            && t.ends_with('>')
        {
            return true;
        }
        // Python (gunicorn.conf and friends).
        let words: Vec<&str> = t.split_whitespace().take(3).collect();
        if matches!(words.as_slice(), ["import", _, ..] | ["from", _, "import"])
            || ((t.starts_with("def ") || t.starts_with("class ")) && t.ends_with(':'))
        {
            return true;
        }
        // YAML / colon-style keys (`apiVersion: v1`, `- name:`): nginx names never end with ':'.
        let first = t
            .trim_start_matches("- ")
            .split_whitespace()
            .next()
            .unwrap_or("");
        if let Some(key) = first.strip_suffix(':')
            && !t.ends_with(';')
            && key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return true;
        }
    }
    false
}

#[derive(Default)]
struct SniffStats {
    /// Non-comment statements outside value blocks.
    statements: usize,
    /// Of those, ended by `;` or opening a block.
    terminated: usize,
    /// Of those, with a known nginx directive name.
    known_terminated: usize,
    /// Statements that read as assignments (`key=value`, `key = value`):
    /// ini, shell and Python files; nginx names never contain `=`.
    assignments: usize,
}

impl SniffStats {
    fn walk(&mut self, items: &[Directive], depth: usize) {
        if depth > 8 {
            return;
        }
        for d in items.iter().filter(|d| !d.is_comment()) {
            self.statements += 1;
            // Ended by `;`, a block, or a Lua block body.
            let terminated = d.block.is_some()
                || d.full_span.end > d.span.end
                || (d.name.ends_with("_by_lua_block") && d.args.last().is_some_and(|a| a.quoted));
            if d.name.contains('=') || (d.arg(0) == Some("=") && d.name != "location") {
                self.assignments += 1;
            }
            if terminated {
                self.terminated += 1;
                if is_nginx_directive_name(&d.name) {
                    self.known_terminated += 1;
                }
            }
            // Entries of map/geo/types/... blocks are arbitrary keys, not directives.
            if !matches!(
                d.name.as_str(),
                "map" | "geo" | "types" | "split_clients" | "charset_map" | "match"
            ) {
                self.walk(d.children(), depth + 1);
            }
        }
    }
}

/// Directive names common in real configurations (core, http, stream,
/// upstream, ssl, OpenResty), and families by prefix.
fn is_nginx_directive_name(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "absolute_redirect",
        "access_log",
        "add_header",
        "add_trailer",
        "alias",
        "allow",
        "auth_basic",
        "auth_basic_user_file",
        "auth_request",
        "auth_request_set",
        "autoindex",
        "break",
        "charset",
        "chunked_transfer_encoding",
        "daemon",
        "default_type",
        "deny",
        "env",
        "error_log",
        "error_page",
        "etag",
        "events",
        "expires",
        "geo",
        "gzip",
        "hash",
        "http",
        "http2",
        "if",
        "if_modified_since",
        "include",
        "index",
        "internal",
        "ip_hash",
        "keepalive",
        "keepalive_requests",
        "keepalive_time",
        "keepalive_timeout",
        "large_client_header_buffers",
        "least_conn",
        "limit_except",
        "listen",
        "load_module",
        "location",
        "log_format",
        "log_not_found",
        "map",
        "map_hash_bucket_size",
        "map_hash_max_size",
        "master_process",
        "merge_slashes",
        "mp4",
        "multi_accept",
        "open_file_cache",
        "open_file_cache_errors",
        "open_file_cache_min_uses",
        "open_file_cache_valid",
        "pcre_jit",
        "pid",
        "port_in_redirect",
        "random",
        "real_ip_header",
        "real_ip_recursive",
        "recursive_error_pages",
        "reset_timedout_connection",
        "resolver",
        "resolver_timeout",
        "return",
        "rewrite",
        "rewrite_log",
        "root",
        "satisfy",
        "send_timeout",
        "sendfile",
        "sendfile_max_chunk",
        "server",
        "server_name",
        "server_name_in_redirect",
        "server_names_hash_bucket_size",
        "server_names_hash_max_size",
        "server_tokens",
        "set",
        "set_real_ip_from",
        "split_clients",
        "ssi",
        "stream",
        "stub_status",
        "sub_filter",
        "sub_filter_once",
        "sub_filter_types",
        "tcp_nodelay",
        "tcp_nopush",
        "try_files",
        "types",
        "types_hash_bucket_size",
        "types_hash_max_size",
        "underscores_in_headers",
        "upstream",
        "use",
        "user",
        "valid_referers",
        "variables_hash_bucket_size",
        "variables_hash_max_size",
        "worker_connections",
        "worker_cpu_affinity",
        "worker_processes",
        "worker_rlimit_nofile",
        "worker_shutdown_timeout",
        "zone",
        "aio",
        "directio",
        "output_buffers",
        "postpone_output",
        "lingering_close",
        "lingering_time",
        "lingering_timeout",
        "more_set_headers",
        "more_clear_headers",
        "js_import",
        "js_content",
        "js_set",
        "lua_package_path",
        "lua_shared_dict",
        "lua_code_cache",
        "content_by_lua_file",
        "access_by_lua_file",
        "dav_methods",
        "create_full_put_path",
        "image_filter",
        "secure_link",
        "secure_link_md5",
        "mirror",
        "slice",
        "status_zone",
        "health_check",
        "sticky",
        "ignore_invalid_headers",
        "msie_padding",
        "disable_symlinks",
        "max_ranges",
        "limit_rate",
        "limit_rate_after",
        "preread_by_lua_block",
        "access_by_lua",
        "content_by_lua",
        "echo",
        "vhost_traffic_status_zone",
    ];
    const PREFIXES: &[&str] = &[
        "proxy_",
        "fastcgi_",
        "uwsgi_",
        "scgi_",
        "grpc_",
        "memcached_",
        "ssl_",
        "gzip_",
        "client_",
        "limit_req",
        "limit_conn",
        "open_log_file",
        "http2_",
        "http3_",
        "quic_",
        "keepalive_",
        "worker_",
        "server_names_",
        "log_",
        "real_ip",
        "brotli",
        "njs_",
        "js_",
        "lua_",
        "auth_jwt",
        "vhost_traffic_status",
    ];
    NAMES.contains(&name)
        || PREFIXES.iter().any(|p| name.starts_with(p))
        || (name.contains("_by_lua") && !name.starts_with('_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_accepts_nginx_files_and_fragments() {
        for text in [
            "user nginx;\nworker_processes auto;\nevents { worker_connections 1024; }\nhttp { include mime.types; }\n",
            "server {\n  listen 80;\n  location / { proxy_pass http://app:8000; }\n}\n",
            "location /api {\n  proxy_pass http://api;\n}\n",
            "upstream app {\n  server web:8000;\n}\n",
            "proxy_set_header Host $host;\nproxy_read_timeout 300s;\n",
            "# comment only header\n\nmore_set_headers 'Server: x';\nproxy_http_version 1.1;\n",
            "types {\n    text/html html htm;\n    image/png png;\n}\n",
        ] {
            assert!(looks_like_nginx(text), "{text}");
        }
    }

    #[test]
    fn sniff_rejects_other_conf_formats() {
        for text in [
            "[program:web]\ncommand=gunicorn app:app\nautostart=true\n",
            "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/x\n",
            "<VirtualHost *:80>\n  ServerName example.com\n  ProxyPass / http://127.0.0.1:8000/\n</VirtualHost>\n",
            "bind = \"0.0.0.0:8000\"\nworkers = 4\ntimeout = 120\n",
            "KEY=value\nOTHER=1\n",
            "bind 127.0.0.1\nport 6379\ntimeout 0\n",
            "/var/log/nginx/*.log {\n  daily\n  rotate 14\n  compress\n}\n",
            "[DEFAULT]\nbantime = 600\n[sshd]\nenabled = true\n",
            "[loggers]\nkeys=root\n\n[handlers]\nkeys=console\n",
            "\"\"\"Doc with \"quotes\" { and ; things\"\"\"\nimport os\nproxy_allow_ips = '*'\nworkers = {1: 2}\n",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  nginx.conf: |\n    server { listen 80; }\n",
            "options {\n  directory \"/var/cache/bind\";\n  listen-on { any; };\n};\ninclude \"/etc/bind/x\";\n",
            "example.com {\n  reverse_proxy app:8000\n}\n",
            "",
            "# only a comment\n",
        ] {
            assert!(!looks_like_nginx(text), "{text}");
        }
    }

    #[test]
    fn sniff_reads_only_the_head_and_never_panics_on_a_cut_char() {
        let mut text = "proxy_read_timeout 60s;\n".to_owned();
        text.push_str(&"é".repeat(10_000));
        assert!(looks_like_nginx(&text));
    }
}
