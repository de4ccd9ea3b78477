//! Our compose reading against `docker-compose config` (v1.29.2), recorded by
//! `scripts/record_compose.sh` into tests/recorded/docker-compose/.
//! Each fixture `NAME.yml` is read with the variables of `NAME.vars`.

use std::collections::HashMap;
use std::path::Path;

use parity::sources::compose::{self, Command, ComposeFile, Service, Substituted};
use parity::span::FileId;
use serde_json::{Map, Value, json};

fn vars(path: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn command(c: &Command) -> Value {
    match c {
        Command::Shell(t) => json!(t.value),
        Command::Exec(ts) => json!(ts.iter().map(|t| &t.value).collect::<Vec<_>>()),
        Command::Null => Value::Null,
    }
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
    put(
        "container_name",
        s.container_name.as_ref().map(|t| json!(t.value)),
    );
    put("init", s.init.map(|b| json!(b.to_string())));
    if !s.expose.is_empty() {
        put(
            "expose",
            Some(json!(s.expose.iter().map(|t| &t.value).collect::<Vec<_>>())),
        );
    }
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
    Value::Object(m)
}

/// Does our reading say compose would refuse this file?
fn we_reject(file: &ComposeFile) -> bool {
    !file.problems.is_empty()
        || file
            .interpolations
            .iter()
            .any(|i| matches!(i.source, Substituted::Required(_)))
        || file.services.iter().any(|s| {
            s.stop_grace_period
                .as_ref()
                .is_some_and(|(_, d)| d.is_err())
        })
}

#[test]
fn fixtures_agree_with_docker_compose_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("tests/fixtures/compose")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yml") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        let env = vars(&path.with_extension("vars"));
        let lookup = |k: &str| env.get(k).cloned();
        let ours = compose::parse(FileId(0), &src, &lookup);
        let recorded: Value = serde_json::from_str(
            &std::fs::read_to_string(
                root.join(format!("tests/recorded/docker-compose/{name}.json")),
            )
            .unwrap(),
        )
        .unwrap();
        let services = recorded["services"].as_object().unwrap();
        let rejected =
            services.is_empty() && recorded["stderr"].as_array().is_some_and(|e| !e.is_empty());
        assert_eq!(
            we_reject(&ours),
            rejected,
            "{name}: {:?}",
            recorded["stderr"]
        );
        if rejected {
            checked += 1;
            continue;
        }
        assert_eq!(ours.services.len(), services.len(), "{name}");
        for svc in &ours.services {
            let want = &services[&svc.name.value];
            let got = service_json(svc);
            for (k, v) in got.as_object().unwrap() {
                assert_eq!(
                    Some(v),
                    want.get(k),
                    "{name}: service {} field {k}",
                    svc.name.value
                );
            }
            // Every modelled field docker-compose printed, we read too.
            for k in want.as_object().unwrap().keys() {
                let modelled = [
                    "image",
                    "command",
                    "entrypoint",
                    "stop_grace_period",
                    "stop_signal",
                    "working_dir",
                    "hostname",
                    "container_name",
                    "init",
                    "expose",
                    "environment",
                ];
                if modelled.contains(&k.as_str()) {
                    assert!(got.get(k).is_some(), "{name}: {} lacks {k}", svc.name.value);
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 5);
}

/// `.env` of a compose file's directory, as docker-compose reads it.
fn dot_env(dir: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(dir.join(".env"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_owned(), v.to_owned())
        })
        .collect()
}

/// First: `scripts/compose_corpus_oracle.sh` (writes /tmp/compose-corpus).
#[test]
#[ignore = "needs the corpus and answers recorded by scripts/compose_corpus_oracle.sh"]
fn corpus_agrees_with_docker_compose_config() {
    let answers = std::env::var_os("PARITY_COMPOSE_DIR").map_or_else(
        || std::path::PathBuf::from("/tmp/compose-corpus"),
        Into::into,
    );
    let corpus = Path::new("/work/shared/corpus");
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let (mut files, mut fields, mut differ, mut both_reject, mut only_v1_rejects) = (0, 0, 0, 0, 0);
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.last() != Some(&"compose") {
            continue;
        }
        let name = cols[0].replace('/', "__");
        let Ok(text) = std::fs::read_to_string(answers.join(format!("{name}.json"))) else {
            continue;
        };
        let recorded: Value = serde_json::from_str(&text).unwrap();
        let path = corpus.join(cols[0]);
        let src = std::fs::read_to_string(&path).unwrap();
        let env = if cols[0].starts_with("projects/") {
            dot_env(path.parent().unwrap())
        } else {
            HashMap::new()
        };
        let lookup = |k: &str| env.get(k).cloned();
        let ours = compose::parse(FileId(0), &src, &lookup);
        let services = recorded["services"].as_object().unwrap();
        if services.is_empty() {
            if we_reject(&ours) {
                both_reject += 1;
            } else {
                only_v1_rejects += 1;
            }
            continue;
        }
        files += 1;
        for svc in &ours.services {
            let Some(want) = services.get(&svc.name.value) else {
                println!(
                    "{}: service {} missing from docker-compose output",
                    cols[0], svc.name.value
                );
                differ += 1;
                continue;
            };
            for (k, v) in service_json(svc).as_object().unwrap() {
                fields += 1;
                if want.get(k) != Some(v) {
                    differ += 1;
                    println!(
                        "{}: {}.{k}: ours {v} docker-compose {:?}",
                        cols[0],
                        svc.name.value,
                        want.get(k)
                    );
                }
            }
        }
    }
    println!(
        "{files} files accepted by docker-compose v1: {fields} fields compared, {differ} differ; \
         rejected by v1: {both_reject} also flagged by us, {only_v1_rejects} not (v1-only limits, \
         override files without image, ...)"
    );
    assert!(files > 0);
}
