//! Include trees (`tests/fixtures/nginx-tree-*/`) read through an in-memory
//! loader over the fixture directory: nginx's include semantics, effective
//! values over the spliced tree, and crossplane 0.5.8's answers recorded by
//! `scripts/record-crossplane.sh` (`tests/recorded/crossplane/trees/`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parity::origin::Origin;
use parity::sources::nginx::routes::{NginxFacts, PassFamily, Route};
use parity::sources::nginx::{
    Config, CrossplaneOptions, ExtractOptions, IncludeLoader, LoadedFile, NginxVersion,
    crossplane_json, extract_config, glob_matches, has_magic, is_main_config, load_config, parse,
};
use parity::span::{FileId, Span};
use parity::value::{Millis, Value};
use serde_json::Value as Json;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn recorded(name: &str, suffix: &str) -> Option<Json> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded/crossplane/trees")
        .join(format!("{name}.{suffix}"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}.{suffix}: {e}")))
}

/// Every file under a fixture directory, in memory. Records every path it
/// is asked about, to prove nothing outside the root is ever requested.
struct FixtureLoader {
    files: BTreeMap<String, (FileId, Arc<str>)>,
    asked: RefCell<Vec<String>>,
}

impl FixtureLoader {
    fn new(root: &Path) -> Self {
        let mut paths = Vec::new();
        collect(root, root, &mut paths);
        paths.sort();
        let files = paths
            .into_iter()
            .enumerate()
            .map(|(i, rel)| {
                let bytes = std::fs::read(root.join(&rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
                let text: Arc<str> = String::from_utf8_lossy(&bytes).into_owned().into();
                (rel, (FileId(u32::try_from(i).unwrap_or(u32::MAX)), text))
            })
            .collect();
        Self {
            files,
            asked: RefCell::new(Vec::new()),
        }
    }

    fn file(&self, path: &str) -> LoadedFile {
        let (file, text) = self.files.get(path).unwrap_or_else(|| panic!("no {path}"));
        LoadedFile {
            file: *file,
            path: path.to_owned(),
            text: Arc::clone(text),
        }
    }

    fn text_of(&self, id: FileId) -> Arc<str> {
        self.files
            .values()
            .find(|(f, _)| *f == id)
            .map(|(_, t)| Arc::clone(t))
            .unwrap_or_else(|| panic!("no file {id:?}"))
    }

    fn line_of(&self) -> impl Fn(Span) -> u32 + '_ {
        move |s: Span| {
            let text = self.text_of(s.file);
            let upto = text.get(..s.start as usize).unwrap_or(&text);
            u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
        }
    }

    fn span_text(&self, span: Span) -> String {
        self.text_of(span.file)[span.range()].to_owned()
    }

    fn path_of(&self, id: FileId) -> &str {
        self.files
            .iter()
            .find(|(_, (f, _))| *f == id)
            .map_or("", |(p, _)| p.as_str())
    }

    /// Every path asked about was a clean root-relative path.
    fn assert_stayed_inside(&self) {
        for p in self.asked.borrow().iter() {
            assert!(
                !p.is_empty()
                    && !p.starts_with('/')
                    && p.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
                "loader asked about {p:?}, outside the scanned root"
            );
        }
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

impl IncludeLoader for FixtureLoader {
    fn glob(&self, pattern: &str) -> Vec<String> {
        self.asked.borrow_mut().push(pattern.to_owned());
        self.files
            .keys()
            .filter(|p| {
                if has_magic(pattern) {
                    glob_matches(pattern, p)
                } else {
                    *p == pattern
                }
            })
            .cloned()
            .collect()
    }

    fn load(&self, path: &str) -> Option<LoadedFile> {
        self.asked.borrow_mut().push(path.to_owned());
        self.files.contains_key(path).then(|| self.file(path))
    }
}

/// A fixture's `.crossplane-case`: the main file as given to crossplane and
/// the prefix map.
struct Case {
    loader: FixtureLoader,
    main_name: String,
    main_repo: String,
    prefix_map: Vec<(String, String)>,
}

impl Case {
    fn new(name: &'static str) -> Self {
        let root = fixture(name);
        let line = std::fs::read_to_string(root.join(".crossplane-case"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut words = line.split_whitespace();
        let main_name = words.next().unwrap_or_default().to_owned();
        let prefix_map: Vec<(String, String)> = words
            .filter_map(|w| w.split_once('='))
            .map(|(c, r)| (c.to_owned(), r.to_owned()))
            .collect();
        let main_repo = prefix_map
            .iter()
            .find(|(c, _)| *c == main_name)
            .map_or_else(|| main_name.clone(), |(_, r)| r.clone());
        Self {
            loader: FixtureLoader::new(&root),
            main_name,
            main_repo,
            prefix_map,
        }
    }

    fn config(&self) -> Config {
        let main = self.loader.file(&self.main_repo);
        let config = load_config(&main, &self.loader, &self.prefix_map);
        self.loader.assert_stayed_inside();
        config
    }

    fn crossplane(&self, config: &Config, include_comments: bool, combine: bool) -> Json {
        let options = CrossplaneOptions {
            single_file: false,
            include_comments,
            combine,
            main_name: Some(self.main_name.clone()),
        };
        crossplane_json(config, &options, &self.loader.line_of())
    }
}

const RECORDED_CASES: &[&str] = &[
    "nginx-tree-confd-glob",
    "nginx-tree-cycle",
    "nginx-tree-image",
    "nginx-tree-inherit",
    "nginx-tree-map-lua",
    "nginx-tree-unresolved",
];

fn dur(s: u64) -> Value {
    Value::Duration(Millis::from_secs(s))
}

fn route<'a>(facts: &'a NginxFacts, location: &str) -> &'a Route {
    facts
        .routes
        .iter()
        .find(|r| r.location.as_ref().is_some_and(|l| l.value == location))
        .unwrap_or_else(|| panic!("no route in location {location}"))
}

fn origin_text(case: &Case, origin: &Origin) -> String {
    origin
        .span()
        .map(|s| case.loader.span_text(s))
        .unwrap_or_default()
}

fn origin_file(case: &Case, origin: &Origin) -> String {
    origin
        .span()
        .map(|s| case.loader.path_of(s.file).to_owned())
        .unwrap_or_default()
}

#[test]
fn crossplane_agrees_on_every_recorded_tree() {
    let mut compared = 0;
    for name in RECORDED_CASES {
        let case = Case::new(name);
        let config = case.config();
        for (suffix, comments, combine) in [
            ("json", false, false),
            ("comments.json", true, false),
            ("combine.json", false, true),
        ] {
            let Some(theirs) = recorded(name, suffix) else {
                // crossplane --combine recurses forever on an include cycle.
                assert!(
                    combine && *name == "nginx-tree-cycle",
                    "{name}.{suffix} missing"
                );
                continue;
            };
            let ours = case.crossplane(&config, comments, combine);
            let files = |v: &Json| -> Vec<Json> {
                v["config"]
                    .as_array()
                    .map(|a| a.iter().map(|c| c["file"].clone()).collect())
                    .unwrap_or_default()
            };
            assert_eq!(files(&ours), files(&theirs), "{name}.{suffix} file order");
            assert_eq!(ours["errors"], theirs["errors"], "{name}.{suffix} errors");
            let configs = ours["config"].as_array().cloned().unwrap_or_default();
            for (i, c) in configs.iter().enumerate() {
                assert_eq!(c, &theirs["config"][i], "{name}.{suffix} config[{i}]");
            }
            assert_eq!(ours, theirs, "{name}.{suffix}");
            compared += 1;
        }
    }
    assert_eq!(compared, 17);
}

/// The file order was checked with `nginx -T` (nginx 1.22.1, the fixture
/// with stock files added and addresses made resolvable): nginx.conf,
/// mime.types, conf.d/a-upstreams.conf, conf.d/b-site.conf,
/// snippets/proxy.conf, conf.d/c-site.conf, uwsgi_params.
#[test]
fn glob_across_conf_d_resolves_against_the_conf_prefix() {
    let case = Case::new("nginx-tree-confd-glob");
    let config = case.config();
    assert_eq!(config.main, "nginx.conf");
    assert_eq!(config.conf_prefix, "");
    let files: Vec<&str> = config.files.iter().map(|(p, _)| p.as_str()).collect();
    // nginx's order: depth first, conf.d sorted by byte order; the hidden
    // file, sub/ and *.conf.off are not matched; the decoy is never read.
    assert_eq!(
        files,
        [
            "nginx.conf",
            "conf.d/a-upstreams.conf",
            "conf.d/b-site.conf",
            "snippets/proxy.conf",
            "conf.d/c-site.conf"
        ]
    );
    let by_pattern: BTreeMap<&str, _> = config
        .includes
        .iter()
        .map(|i| (i.pattern.as_str(), i))
        .collect();
    assert_eq!(
        by_pattern["conf.d/*.conf"].resolved,
        [
            "conf.d/a-upstreams.conf",
            "conf.d/b-site.conf",
            "conf.d/c-site.conf"
        ]
    );
    assert!(by_pattern["conf.d/*.conf"].is_glob);
    let unmatched = by_pattern["custom.d/*.conf"];
    assert!(unmatched.resolved.is_empty() && unmatched.unresolved_reason.is_none());
    let snippet = by_pattern["snippets/proxy.conf"];
    assert_eq!(snippet.resolved, ["snippets/proxy.conf"]);
    assert_eq!(snippet.in_file, "conf.d/b-site.conf");
    for stock in ["mime.types", "uwsgi_params"] {
        let reason = by_pattern[stock].unresolved_reason.as_deref().unwrap_or("");
        assert!(reason.starts_with("stock nginx file"), "{stock}: {reason}");
    }
    // Stock files are not problems; nothing else is wrong.
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    // The tree: unresolved includes stay, resolved ones are replaced.
    let http = config
        .tree
        .iter()
        .find(|d| d.name == "http")
        .map(|d| d.children())
        .unwrap_or_default();
    let names: Vec<&str> = http
        .iter()
        .filter(|d| !d.is_comment())
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "include",
            "default_type",
            "keepalive_timeout",
            "upstream",
            "server",
            "server"
        ]
    );
    assert!(is_main_config(&config.files[0].1));
    assert!(!is_main_config(&config.files[2].1));

    let facts = extract_config(&config, &ExtractOptions::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    assert_eq!(facts.routes.len(), 2);
    let b = &facts.routes[0];
    assert_eq!(b.server_names, ["b.example"]);
    assert_eq!(b.settings["read_timeout"].value, dur(120));
    assert_eq!(
        origin_text(&case, &b.settings["read_timeout"].origin),
        "proxy_read_timeout 120s"
    );
    assert_eq!(
        origin_file(&case, &b.settings["read_timeout"].origin),
        "snippets/proxy.conf"
    );
    // The snippet's directives are the location's own.
    assert!(matches!(
        b.settings["read_timeout"].origin,
        Origin::File { .. }
    ));
    assert_eq!(b.settings["keepalive_timeout"].value, dur(65));
    assert_eq!(b.settings["connection_header"].value, Value::Unset);
    assert_eq!(b.upstream.as_deref(), Some("b_backend"));
    let c = &facts.routes[1];
    assert_eq!(c.pass.family, PassFamily::Uwsgi);
    assert_eq!(c.upstream.as_deref(), Some("c_app:3031"));
    let ups = &facts.upstreams;
    assert_eq!(ups.len(), 2);
    assert_eq!(ups[0].name.value, "b_backend");
    assert_eq!(ups[0].servers[0].settings["fail_timeout"].value, dur(30));
    assert_eq!(
        ups[0].servers[1].settings["backup"].value,
        Value::Bool(true)
    );
    assert_eq!(ups[0].settings["keepalive"].value, Value::Int(8));
    assert!(ups[1].implicit);
}

#[test]
fn includes_leaving_the_root_are_unresolved_and_never_read() {
    let case = Case::new("nginx-tree-unresolved");
    let config = case.config();
    // Only the main file was ever read, and the loader was only asked about
    // paths inside the root (checked by `config()`).
    assert_eq!(config.files.len(), 1);
    let asked = case.loader.asked.borrow().clone();
    // Stock names inside the root are looked up (a repository may carry them).
    assert_eq!(asked, ["conf/fastcgi_params", "conf/missing.conf"]);
    let reasons: Vec<(&str, &str)> = config
        .includes
        .iter()
        .map(|i| {
            (
                i.pattern.as_str(),
                i.unresolved_reason.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                "../../etc/parity-fixture-outside.conf",
                "outside the scanned root (../../etc/parity-fixture-outside.conf leaves the repository)"
            ),
            (
                "/etc/nginx/parity-fixture-outside.conf",
                "outside the scanned root (/etc/nginx/parity-fixture-outside.conf is not mapped to a repository path)"
            ),
            (
                "../../parity-fixture-outside/*.conf",
                "outside the scanned root (../../parity-fixture-outside/*.conf leaves the repository)"
            ),
            (
                "/etc/nginx/mime.types",
                "stock nginx file /etc/nginx/mime.types (not in the repository)"
            ),
            (
                "fastcgi_params",
                "stock nginx file conf/fastcgi_params (not in the repository)"
            ),
            ("missing.conf", "conf/missing.conf is not in the repository"),
        ]
    );
    // Only the missing file inside the root is a problem (nginx refuses it).
    assert_eq!(config.problems.len(), 1, "{:?}", config.problems);
    let p = &config.problems[0];
    assert!(p.message.contains("\"missing.conf\""), "{}", p.message);
    assert_eq!(
        p.span.map(|s| case.loader.span_text(s)).as_deref(),
        Some("include missing.conf")
    );
    // Unresolved includes stay in the tree as include directives.
    let includes = count_named(&config.tree, "include");
    assert_eq!(includes, 6);
}

fn count_named(items: &[parity::sources::nginx::Directive], name: &str) -> usize {
    items
        .iter()
        .map(|d| usize::from(d.name == name) + count_named(d.children(), name))
        .sum()
}

#[test]
fn include_cycles_are_reported_and_cut() {
    let case = Case::new("nginx-tree-cycle");
    let config = case.config();
    let files: Vec<&str> = config.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(files, ["nginx.conf", "a.conf", "b.conf", "self.conf"]);
    let msgs: Vec<&str> = config.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs[0].starts_with("include cycle: a.conf -> b.conf -> a.conf;"));
    assert!(msgs[1].starts_with("include cycle: self.conf -> self.conf;"));
    let cyclic: Vec<&str> = config
        .includes
        .iter()
        .filter(|i| i.cycle)
        .map(|i| i.in_file.as_str())
        .collect();
    assert_eq!(cyclic, ["b.conf", "self.conf"]);
    // Each file's directives appear once: a.conf, b.conf (cut), self.conf (cut).
    let http = config.tree[1].children();
    let names: Vec<&str> = http.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "proxy_read_timeout",
            "proxy_connect_timeout",
            "send_timeout",
            "server"
        ]
    );
    let facts = extract_config(&config, &ExtractOptions::default());
    assert_eq!(facts.routes[0].settings["read_timeout"].value, dur(10));
    assert_eq!(facts.routes[0].settings["connect_timeout"].value, dur(2));
    assert_eq!(
        facts.routes[0].settings["send_timeout_client"].value,
        dur(7)
    );
}

#[test]
fn effective_values_inheritance_arrays_families_and_if() {
    let case = Case::new("nginx-tree-inherit");
    let config = case.config();
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let old = extract_config(
        &config,
        &ExtractOptions {
            version: NginxVersion::Known(1, 26, 2),
        },
    );
    assert!(old.problems.is_empty(), "{:?}", old.problems);
    let targets: Vec<(&str, &str)> = old
        .routes
        .iter()
        .map(|r| {
            (
                r.location.as_ref().map_or("", |l| l.value.as_str()),
                r.pass.target.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        targets,
        [
            ("/", "http://django"),
            ("/slow/reports/", "http://django"),
            ("/api/", "http://api"),
            ("/legacy/", "legacy:3031"),
            ("/switch/", "http://beta:8080"),
            ("/switch/", "http://django"),
        ]
    );
    // Server-level 120s overrides the http-level 300s from an included file.
    let root = route(&old, "/");
    assert_eq!(root.settings["read_timeout"].value, dur(120));
    assert!(matches!(
        root.settings["read_timeout"].origin,
        Origin::Inherited { .. }
    ));
    assert_eq!(root.settings["connect_timeout"].value, dur(5));
    assert_eq!(
        origin_file(&case, &root.settings["connect_timeout"].origin),
        "conf.d/00-timeouts.inc"
    );
    assert_eq!(
        root.settings["next_upstream"].value,
        Value::List(
            ["error", "timeout", "http_502"]
                .map(|s| Value::Str(s.into()))
                .to_vec()
        )
    );
    assert_eq!(root.settings["keepalive_timeout"].value, dur(30));
    assert_eq!(root.settings["send_timeout_client"].value, dur(20));
    assert_eq!(root.settings["connection_header"].value, Value::Unset);
    assert_eq!(
        root.settings["http_version"].value,
        Value::Str("1.0".into())
    );
    // Nested location inherits the enclosing location's override.
    let nested = route(&old, "/slow/reports/");
    assert_eq!(nested.settings["read_timeout"].value, dur(600));
    assert_eq!(
        origin_text(&case, &nested.settings["read_timeout"].origin),
        "proxy_read_timeout 600s"
    );
    // Array shadowing: one proxy_set_header drops the http-level Connection "".
    let api = route(&old, "/api/");
    assert_eq!(
        api.settings["connection_header"].value,
        Value::Str("close".into())
    );
    assert_eq!(
        origin_text(&case, &api.settings["connection_header"].origin),
        "proxy_set_header X-Foo bar"
    );
    let hidden: Vec<String> = api
        .shadowed_set_headers
        .iter()
        .map(|s| case.loader.span_text(*s))
        .collect();
    assert_eq!(
        hidden,
        [
            "proxy_set_header Connection \"\"",
            "proxy_set_header Host $host"
        ]
    );
    assert_eq!(api.settings["http_version"].value, Value::Str("1.1".into()));
    // uwsgi: proxy_read_timeout (http and server level) does not apply.
    let legacy = route(&old, "/legacy/");
    assert_eq!(legacy.pass.family, PassFamily::Uwsgi);
    assert_eq!(legacy.settings["read_timeout"].value, dur(60));
    assert!(legacy.settings["read_timeout"].origin.is_default());
    assert_eq!(legacy.settings["connect_timeout"].value, dur(3));
    assert_eq!(
        origin_file(&case, &legacy.settings["connect_timeout"].origin),
        "snippets/uwsgi.inc"
    );
    assert!(!legacy.settings.contains_key("connection_header"));
    assert_eq!(legacy.upstream.as_deref(), Some("legacy:3031"));
    // The if with its own pass is a route in /switch/ inheriting the server's value.
    let beta = old
        .routes
        .iter()
        .find(|r| r.pass.target.value == "http://beta:8080")
        .unwrap_or_else(|| panic!("no beta route"));
    assert_eq!(beta.settings["read_timeout"].value, dur(120));
    assert_eq!(beta.upstream.as_deref(), Some("beta:8080"));
    // Upstreams: explicit blocks, then the implicit ones in order of use.
    let names: Vec<(&str, bool)> = old
        .upstreams
        .iter()
        .map(|u| (u.name.value.as_str(), u.implicit))
        .collect();
    assert_eq!(
        names,
        [
            ("django", false),
            ("api", false),
            ("legacy:3031", true),
            ("beta:8080", true)
        ]
    );
    let django = &old.upstreams[0];
    assert_eq!(django.settings["keepalive"].value, Value::Int(16));
    assert_eq!(django.settings["keepalive_timeout"].value, dur(4));
    assert_eq!(django.servers[0].settings["max_fails"].value, Value::Int(3));
    assert_eq!(django.servers[0].settings["fail_timeout"].value, dur(20));
    assert_eq!(
        django.servers[1].settings["backup"].value,
        Value::Bool(true)
    );
    let api_up = &old.upstreams[1];
    assert_eq!(
        api_up.servers[0].settings["resolve"].value,
        Value::Bool(true)
    );
    assert_eq!(api_up.settings["keepalive"].value, Value::Int(0));
    assert_eq!(old.upstreams[2].settings["keepalive"].value, Value::Int(0));

    // The same tree for nginx >= 1.29.7 and for an unknown version.
    let new = extract_config(
        &config,
        &ExtractOptions {
            version: NginxVersion::Known(1, 30, 0),
        },
    );
    assert_eq!(new.upstreams[1].settings["keepalive"].value, Value::Int(32));
    assert_eq!(new.upstreams[2].settings["keepalive"].value, Value::Int(0));
    assert_eq!(
        route(&new, "/api/").settings["connection_header"].value,
        Value::Unset
    );
    assert_eq!(
        route(&new, "/").settings["http_version"].value,
        Value::Str("1.1".into())
    );
    let unknown = extract_config(&config, &ExtractOptions::default());
    assert_eq!(
        unknown.upstreams[1].settings["keepalive"].value,
        Value::OneOf(vec![Value::Int(0), Value::Int(32)])
    );
    assert_eq!(
        route(&unknown, "/api/").settings["connection_header"].value,
        Value::OneOf(vec![Value::Str("close".into()), Value::Unset])
    );
    assert!(matches!(
        route(&unknown, "/api/").settings["connection_header"].origin,
        Origin::Default {
            versions: "all versions before and after 1.29.7",
            ..
        }
    ));
}

#[test]
fn maps_with_empty_keys_and_lua_blocks_through_includes() {
    let case = Case::new("nginx-tree-map-lua");
    let config = case.config();
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let http = config.tree[2].children();
    let map = &http[0];
    let keys: Vec<&str> = map.children().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(keys, ["default", ""]);
    let policy: Vec<(&str, Vec<&str>)> = http[1]
        .children()
        .iter()
        .map(|d| {
            (
                d.name.as_str(),
                d.args.iter().map(|a| a.value.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        policy,
        [
            ("default", vec!["public"]),
            ("", vec!["no-store"]),
            ("~^/api/ (v1|v2)", vec![""]),
            ("~*\\.(js|css)$", vec!["immutable; max-age=31536000"]),
        ]
    );
    let facts = extract_config(&config, &ExtractOptions::default());
    assert_eq!(facts.routes.len(), 1);
    assert_eq!(
        facts.routes[0].settings["connection_header"].value,
        Value::OneOf(vec![
            Value::Str("upgrade".into()),
            Value::Str("close".into())
        ])
    );
    let lua = &http[3].children()[2].children()[1];
    assert_eq!(lua.name, "content_by_lua_block");
    assert!(
        lua.args[0]
            .value
            .contains("{% if x %} {{ user }} {% endif %}")
    );
}

#[test]
fn prefix_map_resolves_absolute_and_relative_includes_in_container_space() {
    let case = Case::new("nginx-tree-image");
    let config = case.config();
    assert_eq!(config.conf_prefix, "/etc/nginx");
    let files: Vec<&str> = config.files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        files,
        [
            "deploy/nginx/nginx.conf",
            "deploy/nginx/sites/admin.conf",
            "deploy/nginx/sites/app.conf",
            "deploy/snippets/proxy.conf"
        ]
    );
    let glob = &config.includes[1];
    assert_eq!(glob.pattern, "/etc/nginx/conf.d/*.conf");
    assert_eq!(
        glob.nginx_paths,
        ["/etc/nginx/conf.d/admin.conf", "/etc/nginx/conf.d/app.conf"]
    );
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let asked = case.loader.asked.borrow();
    assert!(
        !asked
            .iter()
            .any(|p| p.contains("decoy") || p.starts_with("deploy/nginx/conf.d"))
    );
    drop(asked);
    let facts = extract_config(&config, &ExtractOptions::default());
    let app = facts
        .routes
        .iter()
        .find(|r| r.server_names == ["app.example"])
        .unwrap_or_else(|| panic!("no app route"));
    assert_eq!(app.pass.target.value, "http://app:8000");
    assert_eq!(app.settings["read_timeout"].value, dur(90));

    // The fragment alone, as a main file: its conf prefix is still /etc/nginx.
    let main = case.loader.file("deploy/nginx/sites/app.conf");
    let fragment = load_config(&main, &case.loader, &case.prefix_map);
    case.loader.assert_stayed_inside();
    assert!(!is_main_config(&fragment.files[0].1));
    assert_eq!(fragment.conf_prefix, "/etc/nginx");
    assert_eq!(
        fragment.includes[0].resolved,
        ["deploy/snippets/proxy.conf"]
    );
    let facts = extract_config(&fragment, &ExtractOptions::default());
    assert_eq!(facts.routes[0].settings["read_timeout"].value, dur(90));
}

#[test]
fn a_conf_d_fragment_without_a_prefix_map_uses_the_parent_directory() {
    let loader = FixtureLoader::new(&fixture("nginx-tree-fragment"));
    let main = loader.file("conf.d/app.conf");
    let config = load_config(&main, &loader, &[]);
    loader.assert_stayed_inside();
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    assert_eq!(config.conf_prefix, "");
    assert_eq!(config.includes[0].resolved, ["snippets/timeouts.conf"]);
    let facts = extract_config(&config, &ExtractOptions::default());
    assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    let r = &facts.routes[0];
    assert_eq!(r.settings["read_timeout"].value, dur(45));
    assert_eq!(r.upstream.as_deref(), Some("app"));
    assert_eq!(facts.upstreams[0].name.value, "app");
}

#[test]
fn single_file_mode_matches_the_single_file_json() {
    let case = Case::new("nginx-tree-confd-glob");
    let config = case.config();
    let options = CrossplaneOptions {
        single_file: true,
        include_comments: true,
        combine: false,
        main_name: None,
    };
    let ours = crossplane_json(&config, &options, &case.loader.line_of());
    let main = case.loader.file("nginx.conf");
    let parsed = parse(main.file, &main.text);
    let lines = case.loader.line_of();
    let single =
        parity::sources::nginx::crossplane::single_file_json("nginx.conf", &parsed, true, &lines);
    assert_eq!(ours, single);
    assert_eq!(ours["config"].as_array().map(Vec::len), Some(1));
    let http = ours["config"][0]["parsed"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["directive"] == "http"))
        .cloned()
        .unwrap_or_default();
    assert!(http["block"][0].get("includes").is_none());
}

/// A known divergence where parity follows nginx: `include` inside `if` is
/// read (nginx -t 1.22.1 accepts it; `include` is allowed in every context),
/// while crossplane 0.5.8's analyzer rejects and drops it.
#[test]
fn div_include_inside_if_is_read() {
    let case = Case::new("nginx-tree-div-include-in-if");
    let config = case.config();
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    assert_eq!(config.includes[0].resolved, ["debug-headers.conf"]);
    let ours = case.crossplane(&config, false, false);
    let theirs = recorded("nginx-tree-div-include-in-if", "json").unwrap_or_default();
    assert_ne!(ours, theirs, "crossplane now agrees; move it out of div-");
    assert_eq!(theirs["status"], "failed");
    assert_eq!(
        theirs["errors"][0]["error"],
        "\"include\" directive is not allowed here in nginx.conf:10"
    );
    assert_eq!(ours["status"], "ok");
    let if_block = &ours["config"][0]["parsed"][1]["block"][0]["block"][1]["block"][0];
    assert_eq!(if_block["directive"], "if");
    assert_eq!(if_block["block"][0]["includes"], serde_json::json!([1]));
    assert_eq!(ours["config"][1]["file"], "debug-headers.conf");
    // In the spliced tree the if block holds the included directive.
    let location = &config.tree[1].children()[0].children()[1];
    let if_items = location.children()[2].children();
    assert_eq!(if_items[0].name, "add_header");
}
