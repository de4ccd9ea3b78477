//! The Kubernetes source against recorded answers of the real tools:
//! Go's strconv (`scripts/k8s/strconv_oracle.go`, go1.19.8) for the integer
//! parsers ingress-nginx uses, and kubectl (`scripts/k8s/record-kubectl.sh`,
//! `kubectl label --local -o json`) for how manifests' YAML is read.

use std::path::Path;

use parity::sources::k8s::scalar::{GoNumError, go_atoi, go_parse_int, go_parse_uint};
use parity::sources::k8s::{self, K8sFile, Object, PreStop, TargetPort};
use parity::span::FileId;
use serde_json::Value as Json;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn go_err(kind: &str) -> GoNumError {
    match kind {
        "range" => GoNumError::Range,
        _ => GoNumError::Syntax,
    }
}

#[test]
fn go_strconv_answers() {
    let rec: Json = serde_json::from_str(&read("tests/recorded/go-strconv/answers.json")).unwrap();
    let answers = rec["answers"].as_array().unwrap();
    assert!(answers.len() > 60);
    for a in answers {
        let input = a["input"].as_str().unwrap();
        let atoi = match a["atoi"].as_i64() {
            Some(v) => Ok(v),
            None => Err(go_err(a["atoi_err"].as_str().unwrap())),
        };
        assert_eq!(go_atoi(input), atoi, "Atoi({input:?})");
        let parse = match a["parse_int_0"].as_i64() {
            Some(v) => Ok(v),
            None => Err(go_err(a["parse_int_0_err"].as_str().unwrap())),
        };
        assert_eq!(go_parse_int(input, 0), parse, "ParseInt({input:?}, 0, 64)");
        assert_eq!(
            go_parse_uint(input, 0).ok(),
            a["parse_uint_0"].as_u64(),
            "ParseUint({input:?}, 0, 64)"
        );
    }
}

fn recorded(name: &str) -> (String, Json) {
    let src = read(&format!("tests/fixtures/k8s-oracle/{name}.yaml"));
    let rec: Json =
        serde_json::from_str(&read(&format!("tests/recorded/kubectl/{name}.json"))).unwrap();
    (src, rec)
}

/// Compares one string field: kubectl's JSON string must equal ours; a JSON
/// number or boolean (a type error for the API server) must have been
/// reported by us as a problem at that value.
struct Cmp<'a> {
    src: &'a str,
    file: &'a K8sFile,
    /// Type errors seen in kubectl's output.
    type_errors: usize,
    checked: usize,
}

impl Cmp<'_> {
    fn string(&mut self, what: &str, json: &Json, ours: Option<&str>) {
        self.checked += 1;
        match json {
            Json::String(s) => assert_eq!(ours, Some(s.as_str()), "{what}"),
            Json::Null => assert!(ours.is_none_or(str::is_empty), "{what}: {ours:?}"),
            Json::Number(_) | Json::Bool(_) => {
                self.type_errors += 1;
                let written = ours.unwrap_or_default();
                assert!(
                    self.file
                        .problems
                        .iter()
                        .any(|p| p.span.is_some_and(|s| &self.src[s.range()] == written)),
                    "{what}: kubectl reads {json}, we did not report `{written}`"
                );
            }
            other => panic!("{what}: unexpected {other}"),
        }
    }

    fn int(&mut self, what: &str, json: &Json, ours: Option<i64>) {
        self.checked += 1;
        match json {
            Json::Number(n) if n.is_i64() => assert_eq!(ours, n.as_i64(), "{what}"),
            Json::Null => assert_eq!(ours, None, "{what}"),
            _ => {
                self.type_errors += 1;
                assert_eq!(ours, None, "{what}: kubectl sends {json}");
                assert!(
                    self.file
                        .problems
                        .iter()
                        .any(|p| p.message.contains("integer")),
                    "{what}"
                );
            }
        }
    }

    fn map(&mut self, what: &str, json: &Json, ours: &[(String, String)]) {
        let empty = serde_json::Map::new();
        let obj = json.as_object().unwrap_or(&empty);
        let theirs: Vec<(&str, &Json)> = obj
            .iter()
            .filter(|(k, _)| *k != "parity-oracle")
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        assert_eq!(theirs.len(), ours.len(), "{what}: {theirs:?} vs {ours:?}");
        for (k, v) in theirs {
            let mine = ours.iter().find(|(ok, _)| ok == k).map(|(_, v)| v.as_str());
            assert!(mine.is_some(), "{what}: key {k:?} missing from {ours:?}");
            self.string(&format!("{what}.{k}"), v, mine);
        }
    }
}

fn pod_spec<'j>(kind: &str, obj: &'j Json) -> (&'j Json, &'j Json) {
    let tpl = match kind {
        "Pod" => obj,
        "CronJob" => &obj["spec"]["jobTemplate"]["spec"]["template"],
        _ => &obj["spec"]["template"],
    };
    (&tpl["metadata"]["labels"], &tpl["spec"])
}

#[test]
fn manifests_read_as_kubectl_reads_them() {
    let (src, rec) = recorded("scalars");
    assert_eq!(rec["rc"], 0);
    let file = k8s::parse(FileId(0), &src);
    let objects = rec["objects"].as_array().unwrap();
    assert_eq!(file.objects.len(), objects.len(), "{:#?}", file.objects);
    let mut cmp = Cmp {
        src: &src,
        file: &file,
        type_errors: 0,
        checked: 0,
    };
    let mut invalid_names = 0;
    for (ours, theirs) in file.objects.iter().zip(objects) {
        let meta = ours.meta();
        assert_eq!(theirs["kind"], meta.kind.as_str());
        assert_eq!(theirs["metadata"]["name"], meta.name.value.as_str());
        let md = &theirs["metadata"];
        cmp.string("namespace", &md["namespace"], meta.namespace.as_deref());
        cmp.map("labels", &md["labels"], &meta.labels);
        let annotations: Vec<(String, String)> = meta
            .annotations
            .iter()
            .map(|(k, t)| (k.clone(), t.value.clone()))
            .collect();
        cmp.map("annotations", &md["annotations"], &annotations);
        match ours {
            Object::Workload(w) => {
                let (labels, spec) = pod_spec(&meta.kind, theirs);
                cmp.map("pod labels", labels, &w.pod_labels);
                cmp.int(
                    "terminationGracePeriodSeconds",
                    &spec["terminationGracePeriodSeconds"],
                    w.termination_grace.map(|g| g.0),
                );
                let cs = spec["containers"].as_array().unwrap();
                assert_eq!(cs.len(), w.containers.len());
                for (c, jc) in w.containers.iter().zip(cs) {
                    cmp.string("container name", &jc["name"], Some(&c.name.value));
                    cmp.string(
                        "image",
                        &jc["image"],
                        c.image.as_ref().map(|t| t.value.as_str()),
                    );
                    for (field, ours) in [("command", &c.command), ("args", &c.args)] {
                        let Some(list) = jc[field].as_array() else {
                            assert!(ours.is_none(), "{field}");
                            continue;
                        };
                        let ours = ours.as_ref().unwrap();
                        for (t, j) in ours.iter().zip(list) {
                            cmp.string(field, j, Some(&t.value));
                        }
                    }
                    let env = jc["env"].as_array().map(Vec::as_slice).unwrap_or_default();
                    assert_eq!(env.len(), c.env.len());
                    for (e, je) in c.env.iter().zip(env) {
                        cmp.string("env name", &je["name"], Some(&e.name));
                        cmp.string(
                            &format!("env {}", e.name),
                            &je["value"],
                            e.value.as_ref().map(|t| t.value.as_str()),
                        );
                    }
                    let ports = jc["ports"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    let mut mine = c.ports.iter();
                    for jp in ports {
                        let ours = if jp["containerPort"].is_i64() {
                            mine.next().map(|p| i64::from(p.port))
                        } else {
                            None
                        };
                        cmp.int("containerPort", &jp["containerPort"], ours);
                    }
                    let seconds = &jc["lifecycle"]["preStop"]["sleep"]["seconds"];
                    if !seconds.is_null() {
                        let ours = match c.pre_stop {
                            Some(PreStop::Sleep { seconds, .. }) => Some(seconds),
                            _ => None,
                        };
                        cmp.int("preStop sleep.seconds", seconds, ours);
                    }
                }
            }
            Object::Service(s) => {
                let ports = theirs["spec"]["ports"].as_array().unwrap();
                assert_eq!(ports.len(), s.ports.len());
                for (p, jp) in s.ports.iter().zip(ports) {
                    cmp.int("port", &jp["port"], Some(i64::from(p.port)));
                    match (&jp["targetPort"], &p.target_port) {
                        (Json::Null, TargetPort::Default) => {}
                        (Json::Number(n), TargetPort::Number(t)) => {
                            assert_eq!(n.as_u64(), Some(u64::from(*t)));
                        }
                        (Json::String(n), TargetPort::Name(t)) => {
                            assert_eq!(n, t);
                            if !n.bytes().any(|b| b.is_ascii_alphabetic()) {
                                invalid_names += 1;
                            }
                        }
                        (j, o) => panic!("targetPort {j} vs {o:?}"),
                    }
                }
            }
            Object::ConfigMap(c) => {
                let data: Vec<(String, String)> = c
                    .data
                    .iter()
                    .map(|(k, t)| (k.clone(), t.value.clone()))
                    .collect();
                cmp.map("data", &theirs["data"], &data);
            }
            Object::Ingress(_) => {}
        }
    }
    assert!(cmp.checked > 60, "{}", cmp.checked);
    // Every type error kubectl lets through (the API server rejects them) and
    // every invalid port name, and nothing else, is one of our problems.
    assert_eq!(
        file.problems.len(),
        cmp.type_errors + invalid_names,
        "{:#?}",
        file.problems
    );
}

#[test]
fn metadata_type_errors_kubectl_refuses() {
    for name in ["metadata-errors", "label-bool"] {
        let (src, rec) = recorded(name);
        assert_eq!(rec["rc"], 1, "{name}");
        let stderr = rec["stderr"].as_str().unwrap();
        assert!(stderr.contains("cannot unmarshal"), "{stderr}");
        let file = k8s::parse(FileId(0), &src);
        assert_eq!(file.problems.len(), 1, "{name}: {:#?}", file.problems);
        assert!(file.problems[0].message.contains("must be a string"));
    }
}
