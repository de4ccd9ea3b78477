//! Merging compose files (`-f base.yml -f over.yml`) and resolving `extends`,
//! against `docker-compose config` (v1.29.2), recorded by
//! `scripts/record_compose_merge.sh` into tests/recorded/docker-compose-merge/.
//! Each case is a directory under tests/fixtures/compose-merge/.

use std::path::Path;

use parity::sources::compose::{self, Command, ComposeFile, Service};
use parity::span::FileId;
use serde_json::{Map, Value, json};

fn command(c: &Command) -> Value {
    match c {
        Command::Shell(t) => json!(t.value),
        Command::Exec(ts) => json!(ts.iter().map(|t| &t.value).collect::<Vec<_>>()),
        Command::Null => Value::Null,
    }
}

fn rel(s: &str) -> String {
    let s = s.strip_prefix("./").unwrap_or(s);
    format!("./{s}")
}

/// The fields we model, in `docker-compose config`'s shape.
fn service_json(s: &Service) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("image", s.image.as_ref().map(|t| json!(t.value)));
    put("command", s.command.as_ref().map(command));
    put("entrypoint", s.entrypoint.as_ref().map(command));
    put(
        "stop_grace_period",
        s.stop_grace_period.as_ref().map(|(t, _)| json!(t.value)),
    );
    put(
        "stop_signal",
        s.stop_signal.as_ref().map(|t| json!(t.value)),
    );
    put(
        "working_dir",
        s.working_dir.as_ref().map(|t| json!(t.value)),
    );
    put("hostname", s.hostname.as_ref().map(|t| json!(t.value)));
    if !s.environment.is_empty() {
        let env: Map<String, Value> = s
            .environment
            .iter()
            .map(|e| {
                (
                    e.name.clone(),
                    e.value.as_ref().map_or(Value::Null, |t| json!(t.value)),
                )
            })
            .collect();
        put("environment", Some(Value::Object(env)));
    }
    if !s.volumes.is_empty() {
        let vols: Vec<Value> = s
            .volumes
            .iter()
            .map(|v| {
                let src = v.source.as_ref().map(|t| {
                    if t.value.starts_with('.') {
                        rel(&t.value)
                    } else {
                        t.value.clone()
                    }
                });
                match &v.kind {
                    Some(kind) => {
                        json!({"source": src, "target": v.target.value, "type": kind.value})
                    }
                    None => json!(format!(
                        "{}:{}:{}",
                        src.unwrap_or_default(),
                        v.target.value,
                        if v.read_only { "ro" } else { "rw" }
                    )),
                }
            })
            .collect();
        put("volumes", Some(Value::Array(vols)));
    }
    if let Some(b) = &s.build {
        let mut bm = Map::new();
        bm.insert("context".into(), json!(rel(&b.context.value)));
        if let Some(d) = &b.dockerfile {
            bm.insert("dockerfile".into(), json!(d.value));
        }
        if let Some(t) = &b.target {
            bm.insert("target".into(), json!(t.value));
        }
        put("build", Some(Value::Object(bm)));
    }
    if let Some(h) = &s.healthcheck {
        let mut hm = Map::new();
        if let Some(t) = &h.test {
            hm.insert("test".into(), command(t));
        }
        for (k, d) in [
            ("interval", &h.interval),
            ("timeout", &h.timeout),
            ("start_period", &h.start_period),
        ] {
            if let Some((t, _)) = d {
                hm.insert(k.into(), json!(t.value));
            }
        }
        if let Some(r) = &h.retries {
            hm.insert("retries".into(), json!(r.value));
        }
        put("healthcheck", Some(Value::Object(hm)));
    }
    Value::Object(m)
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Reads `name` in `dir` with its `extends` resolved (files named by
/// `extends.file` are read relative to `dir`, their paths rebased).
fn load(dir: &Path, name: &str, id: u32, depth: usize) -> ComposeFile {
    let src = std::fs::read_to_string(dir.join(name)).unwrap();
    let mut file = compose::parse(FileId(id), &src, &no_env);
    let mut other = |path: &parity::sources::yaml::Text| -> Option<ComposeFile> {
        if depth > 4 {
            return None;
        }
        let mut f = load(dir, &path.value, id + 100, depth + 1);
        let prefix = Path::new(&path.value)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        compose::rebase_paths(&mut f, &prefix);
        Some(f)
    };
    compose::resolve_extends(&mut file, &mut other);
    file
}

#[test]
fn merged_files_agree_with_docker_compose_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    let mut cases: Vec<_> = std::fs::read_dir(root.join("tests/fixtures/compose-merge"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let base = load(&dir, "base.yml", 0, 0);
        let over = load(&dir, "over.yml", 1, 0);
        let merged = compose::merge(&base, &over);
        assert!(merged.problems.is_empty(), "{name}: {:?}", merged.problems);
        let recorded: Value = serde_json::from_str(
            &std::fs::read_to_string(
                root.join(format!("tests/recorded/docker-compose-merge/{name}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let want = recorded["services"].as_object().unwrap();
        assert!(!want.is_empty(), "{name}: {:?}", recorded["stderr"]);
        let got: Map<String, Value> = merged
            .services
            .iter()
            .map(|s| (s.name.value.clone(), service_json(s)))
            .collect();
        assert_eq!(Value::Object(got), Value::Object(want.clone()), "{name}");
        checked += 1;
    }
    assert!(checked >= 8);
}

#[test]
fn merged_values_keep_the_span_of_the_file_that_set_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose-merge/scalars");
    let base = load(&dir, "base.yml", 0, 0);
    let over = load(&dir, "over.yml", 1, 0);
    let merged = compose::merge(&base, &over);
    let web = &merged.services[0];
    // The name and the untouched fields stay in the base file...
    assert_eq!(web.name.span.file, FileId(0));
    assert_eq!(web.stop_signal.as_ref().unwrap().span.file, FileId(0));
    // ...what the override set points into it.
    assert_eq!(
        web.stop_grace_period.as_ref().unwrap().0.span.file,
        FileId(1)
    );
    let Some(Command::Exec(args)) = &web.command else {
        panic!("command is the override's list");
    };
    assert_eq!(args[3].span.file, FileId(1));
}
