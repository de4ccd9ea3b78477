//! File classification: a name glob decides what a file may be, a cheap sniff
//! of its first bytes decides what it is (an arbitrary `*.conf` is nginx only
//! if it reads like nginx; a YAML is compose with a top-level `services:`,
//! Kubernetes with `apiVersion` and `kind`).

use std::sync::OnceLock;

use globset::{Glob, GlobSet, GlobSetBuilder};

/// What a recognised file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Nginx,
    Compose,
    Kubernetes,
    Dockerfile,
    Procfile,
    GunicornConf,
    UwsgiIni,
    UwsgiYaml,
    UwsgiXml,
    UwsgiJson,
    Supervisord,
    Systemd,
    DotEnv,
}

impl FileKind {
    /// Stable lower-case name used in JSON output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Nginx => "nginx",
            FileKind::Compose => "compose",
            FileKind::Kubernetes => "kubernetes",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Procfile => "procfile",
            FileKind::GunicornConf => "gunicorn",
            FileKind::UwsgiIni | FileKind::UwsgiYaml | FileKind::UwsgiXml | FileKind::UwsgiJson => {
                "uwsgi"
            }
            FileKind::Supervisord => "supervisord",
            FileKind::Systemd => "systemd",
            FileKind::DotEnv => "dotenv",
        }
    }
}

/// What the name alone says; `sniff` makes the final call from the content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidate {
    /// The name settles it (`Dockerfile`, `Procfile`, `gunicorn.conf.py`).
    Definite(FileKind),
    /// A compose file by name (`docker-compose.yml`, `compose.prod.yaml`).
    ComposeName,
    /// Any other YAML: compose, Kubernetes or uWSGI by content.
    Yaml,
    /// A name nginx configs commonly have (`*.conf`, `nginx.conf`, `conf.d/*`, `*.template`).
    NginxLike,
    /// `*.ini`: uWSGI or supervisord by content.
    Ini,
    /// `*.xml` / `*.json` that may be uWSGI.
    UwsgiXml,
    UwsgiJson,
    /// `*.service` systemd unit.
    Systemd,
}

fn glob_set(patterns: &[&str]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        // The patterns are constants; a bad one would be caught by the tests below.
        if let Ok(g) = Glob::new(p) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

struct Globs {
    dockerfile: GlobSet,
    procfile: GlobSet,
    gunicorn: GlobSet,
    compose: GlobSet,
    yaml: GlobSet,
    nginx: GlobSet,
    ini: GlobSet,
    xml: GlobSet,
    json: GlobSet,
    systemd: GlobSet,
    dotenv: GlobSet,
}

fn globs() -> &'static Globs {
    static GLOBS: OnceLock<Globs> = OnceLock::new();
    GLOBS.get_or_init(|| Globs {
        dockerfile: glob_set(&[
            "**/Dockerfile",
            "**/Dockerfile.*",
            "**/Dockerfile-*",
            "**/Dockerfile_*",
            "**/*.Dockerfile",
            "**/*.dockerfile",
            "**/Containerfile",
            "**/Containerfile.*",
        ]),
        procfile: glob_set(&["**/Procfile", "**/Procfile.*"]),
        gunicorn: glob_set(&["**/*gunicorn*.py", "**/gunicorn*.conf"]),
        compose: glob_set(&[
            "**/docker-compose*.yml",
            "**/docker-compose*.yaml",
            "**/compose.yml",
            "**/compose.yaml",
            "**/compose.*.yml",
            "**/compose.*.yaml",
            "**/compose-*.yml",
            "**/compose-*.yaml",
        ]),
        yaml: glob_set(&["**/*.yml", "**/*.yaml"]),
        nginx: glob_set(&[
            "**/*.conf",
            "**/nginx.conf*",
            "**/*.nginx",
            "**/*.nginxconf",
            "**/*.conf.template",
            "**/nginx/**/*.template",
            "**/conf.d/*",
            "**/sites-available/*",
            "**/sites-enabled/*",
            "**/snippets/*",
        ]),
        ini: glob_set(&["**/*.ini"]),
        xml: glob_set(&["**/*.xml"]),
        json: glob_set(&["**/*uwsgi*.json", "**/*uwsgi*.js"]),
        systemd: glob_set(&["**/*.service"]),
        dotenv: glob_set(&["**/.env"]),
    })
}

/// Classifies a root-relative path (with `/`) by name alone.
#[must_use]
pub fn classify_by_name(rel: &str) -> Option<Candidate> {
    let g = globs();
    let lower = rel.to_ascii_lowercase();
    if g.dockerfile.is_match(rel) {
        return Some(Candidate::Definite(FileKind::Dockerfile));
    }
    if g.procfile.is_match(rel) {
        return Some(Candidate::Definite(FileKind::Procfile));
    }
    if g.gunicorn.is_match(&lower) {
        return Some(Candidate::Definite(FileKind::GunicornConf));
    }
    if g.dotenv.is_match(rel) {
        return Some(Candidate::Definite(FileKind::DotEnv));
    }
    if g.compose.is_match(&lower) {
        return Some(Candidate::ComposeName);
    }
    if g.yaml.is_match(&lower) {
        return Some(Candidate::Yaml);
    }
    if g.ini.is_match(&lower) {
        return Some(Candidate::Ini);
    }
    if g.xml.is_match(&lower) {
        return Some(Candidate::UwsgiXml);
    }
    if g.json.is_match(&lower) {
        return Some(Candidate::UwsgiJson);
    }
    if g.systemd.is_match(&lower) {
        return Some(Candidate::Systemd);
    }
    if g.nginx.is_match(&lower) {
        return Some(Candidate::NginxLike);
    }
    None
}

/// Only the head of a file is sniffed: classification must stay cheap.
const SNIFF_BYTES: usize = 16 * 1024;

/// Decides the kind from the content; `nginx_sniff` judges nginx-like files.
#[must_use]
pub fn sniff(
    candidate: Candidate,
    bytes: &[u8],
    nginx_sniff: fn(&str) -> bool,
) -> Option<FileKind> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(SNIFF_BYTES)]);
    let head = head.strip_prefix('\u{feff}').unwrap_or(&head);
    match candidate {
        Candidate::Definite(kind) => Some(kind),
        Candidate::ComposeName => Some(FileKind::Compose),
        Candidate::Yaml => sniff_yaml(head),
        Candidate::NginxLike => {
            if nginx_sniff(head) {
                Some(FileKind::Nginx)
            } else if has_ini_section(head, |s| s.starts_with("program:")) {
                // `supervisord.conf`
                Some(FileKind::Supervisord)
            } else {
                None
            }
        }
        Candidate::Ini => {
            if has_ini_section(head, |s| s == "uwsgi") {
                Some(FileKind::UwsgiIni)
            } else if has_ini_section(head, |s| s.starts_with("program:")) {
                Some(FileKind::Supervisord)
            } else {
                None
            }
        }
        Candidate::UwsgiXml => head.contains("<uwsgi").then_some(FileKind::UwsgiXml),
        Candidate::UwsgiJson => head.contains("\"uwsgi\"").then_some(FileKind::UwsgiJson),
        Candidate::Systemd => (has_ini_section(head, |s| s == "Service")
            && head.contains("ExecStart"))
        .then_some(FileKind::Systemd),
    }
}

fn has_ini_section(text: &str, pred: impl Fn(&str) -> bool) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        t.starts_with('[') && t.ends_with(']') && pred(t[1..t.len() - 1].trim())
    })
}

/// A top-level key (column 0) in any YAML document of the head.
fn top_level_key(text: &str, key: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    })
}

fn sniff_yaml(head: &str) -> Option<FileKind> {
    let has_key_anywhere = |key: &str| {
        head.lines().any(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    };
    if top_level_key(head, "services") {
        return Some(FileKind::Compose);
    }
    if has_key_anywhere("apiVersion") && has_key_anywhere("kind") {
        return Some(FileKind::Kubernetes);
    }
    if top_level_key(head, "uwsgi") {
        return Some(FileKind::UwsgiYaml);
    }
    None
}

/// Directive names that only nginx configs start a statement with.
const NGINX_DIRECTIVES: &[&str] = &[
    "server",
    "location",
    "upstream",
    "http",
    "events",
    "stream",
    "listen",
    "server_name",
    "root",
    "index",
    "proxy_pass",
    "proxy_set_header",
    "proxy_read_timeout",
    "proxy_connect_timeout",
    "proxy_send_timeout",
    "proxy_http_version",
    "proxy_buffering",
    "proxy_redirect",
    "uwsgi_pass",
    "uwsgi_param",
    "uwsgi_read_timeout",
    "fastcgi_pass",
    "fastcgi_param",
    "grpc_pass",
    "scgi_pass",
    "worker_processes",
    "worker_connections",
    "error_log",
    "access_log",
    "log_format",
    "keepalive_timeout",
    "sendfile",
    "client_max_body_size",
    "gzip",
    "gzip_types",
    "add_header",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_protocols",
    "try_files",
    "rewrite",
    "return",
    "include",
    "resolver",
    "set",
    "map",
    "geo",
    "types",
    "default_type",
    "expires",
    "alias",
    "limit_req_zone",
    "limit_req",
    "real_ip_header",
    "set_real_ip_from",
    "charset",
    "autoindex",
    "error_page",
    "tcp_nopush",
    "tcp_nodelay",
    "pid",
    "user",
    "worker_rlimit_nofile",
    "open_file_cache",
    "client_body_buffer_size",
    "send_timeout",
    "deny",
    "allow",
    "internal",
    "more_set_headers",
    "lua_package_path",
    "content_by_lua_block",
    "access_by_lua_block",
    "init_by_lua_block",
];

/// The default nginx sniff, a line heuristic. True when the text reads like an nginx configuration or fragment: some
/// statement starts with a known nginx directive and ends with `;` or `{`,
/// and nothing looks like ini sections or Apache tags.
#[must_use]
pub fn looks_like_nginx(text: &str) -> bool {
    let mut hits = 0usize;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if (t.starts_with('[') && t.ends_with(']'))
            || t.starts_with("<VirtualHost")
            || t.starts_with("<Directory")
        {
            return false;
        }
        let t = t.split('#').next().unwrap_or("").trim_end();
        let word_end = t
            .find(|c: char| c.is_whitespace() || c == '{' || c == ';')
            .unwrap_or(t.len());
        let word = &t[..word_end];
        let closes = t.ends_with(';') || t.ends_with('{') || t.ends_with('}');
        if closes && NGINX_DIRECTIVES.contains(&word) {
            hits += 1;
            if hits >= 1
                && (word == "server"
                    || word == "location"
                    || word == "upstream"
                    || word == "http"
                    || word == "events"
                    || word.contains("_pass"))
            {
                return true;
            }
        }
    }
    hits >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(path: &str, text: &str) -> Option<FileKind> {
        classify_by_name(path).and_then(|c| sniff(c, text.as_bytes(), looks_like_nginx))
    }

    #[test]
    fn names_decide_definite_kinds() {
        assert_eq!(kind("app/Dockerfile", ""), Some(FileKind::Dockerfile));
        assert_eq!(kind("Dockerfile.prod", ""), Some(FileKind::Dockerfile));
        assert_eq!(
            kind("docker/python3.12.dockerfile", ""),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(
            kind("images/production/Containerfile", ""),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(kind("Procfile", ""), Some(FileKind::Procfile));
        assert_eq!(
            kind("conf/gunicorn-dev.conf.py", ""),
            Some(FileKind::GunicornConf)
        );
        assert_eq!(
            kind("docker/gunicorn_conf.py", ""),
            Some(FileKind::GunicornConf)
        );
        assert_eq!(kind("gunicorn.conf", ""), Some(FileKind::GunicornConf));
        assert_eq!(
            kind("docker-compose.override.yml", "x: 1"),
            Some(FileKind::Compose)
        );
        assert_eq!(kind("compose.yaml", ""), Some(FileKind::Compose));
        assert_eq!(kind("src/app.py", "timeout = 3"), None);
    }

    #[test]
    fn yaml_is_sniffed() {
        assert_eq!(
            kind("deploy/stack.yml", "version: '3'\nservices:\n  web: {}\n"),
            Some(FileKind::Compose)
        );
        assert_eq!(
            kind(
                "k8s/app.yaml",
                "---\napiVersion: apps/v1\nkind: Deployment\n"
            ),
            Some(FileKind::Kubernetes)
        );
        assert_eq!(
            kind(
                "k8s/list.yaml",
                "items:\n- apiVersion: v1\n  kind: Service\n"
            ),
            Some(FileKind::Kubernetes)
        );
        assert_eq!(
            kind("uwsgi.yml", "uwsgi:\n  socket: :3031\n"),
            Some(FileKind::UwsgiYaml)
        );
        assert_eq!(
            kind(".github/workflows/ci.yml", "on: push\njobs: {}\n"),
            None
        );
        assert_eq!(kind("docs/openapi.yaml", "openapi: 3.0.0\n"), None);
    }

    #[test]
    fn conf_files_are_nginx_only_when_they_read_like_nginx() {
        assert_eq!(
            kind(
                "nginx/default.conf",
                "upstream app {\n  server django:8000;\n}\n"
            ),
            Some(FileKind::Nginx)
        );
        assert_eq!(
            kind("conf.d/x.conf", "server {\n listen 80;\n}\n"),
            Some(FileKind::Nginx)
        );
        assert_eq!(
            kind(
                "snippets/proxy.conf",
                "proxy_set_header Host $host;\nproxy_read_timeout 30s;\n"
            ),
            Some(FileKind::Nginx)
        );
        assert_eq!(
            kind("supervisord.conf", "[program:web]\ncommand=gunicorn app\n"),
            Some(FileKind::Supervisord)
        );
        assert_eq!(kind("etc/resolv.conf", "nameserver 8.8.8.8\n"), None);
        assert_eq!(
            kind(
                "apache.conf",
                "<VirtualHost *:80>\nServerName x\n</VirtualHost>\n"
            ),
            None
        );
        assert_eq!(kind("app.conf", "key = value\nother = 2\n"), None);
    }

    #[test]
    fn ini_files_by_section() {
        assert_eq!(
            kind("uwsgi.ini", "[uwsgi]\nmodule = app\n"),
            Some(FileKind::UwsgiIni)
        );
        assert_eq!(
            kind("supervisor/app.ini", "[program:web]\ncommand=x\n"),
            Some(FileKind::Supervisord)
        );
        assert_eq!(kind("setup.ini", "[metadata]\nname = x\n"), None);
    }
}
