//! Every fixture scenario under tests/fixtures/<scenario>/ is run through the whole
//! pipeline and snapshotted in every output format (insta). The fixtures are real
//! repository layouts.

use std::path::{Path, PathBuf};

use parity::cli::{Analysis, RunOptions, analyze};
use parity::report::{self, Format, Report};

const SCENARIOS: &[&str] = &[
    "compose-gunicorn-default-timeout",
    "compose-gunicorn-cli-timeout-above-proxy",
    "compose-gunicorn-cli-timeout-below-proxy",
    "compose-gthread-worker",
    "compose-gevent-worker",
    "compose-gunicorn-conf-fixed",
    "compose-gunicorn-config-not-in-repo",
    "compose-port-mismatch-not-linked",
    "parse-error-does-not-hide-findings",
    "monorepo-deployments-are-separate",
    "compose-uwsgi-ini",
    "compose-entrypoint-scripts",
    "compose-supervisord-two-servers",
    "compose-gunicorn-env-expansion",
    "k8s-ingress-service-named-port",
    "k8s-configmap-nginx",
    "k8s-queue-worker-no-service",
    "k8s-monorepo-same-service-name",
    "compose-confd-dir-volume-gunicorn-conf-volume",
    "compose-gunicorn-conf-by-copy",
    "compose-dev-prod-files",
    "compose-override-merge",
    "container-supervisord-nginx-gunicorn",
    "compose-socket-shared-volume",
    "host-single-proxy-single-server-weak",
    "compose-nginx-envsubst-template",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(path: &Path) -> Analysis {
    analyze(&[path.to_path_buf()], &RunOptions::default()).expect("the scan runs")
}

fn render(a: &Analysis, format: Format) -> String {
    let rep = Report {
        map: &a.map,
        findings: &a.findings,
        problems: &a.problems,
        files_scanned: a.files_scanned,
        tool_version: "[version]",
        color: false,
    };
    let mut out = Vec::new();
    report::render(format, &rep, &mut out).expect("rendering to memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[test]
fn scenarios_in_every_format() {
    for name in SCENARIOS {
        let a = run(&fixture(name));
        insta::with_settings!({ snapshot_suffix => "human", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}"), render(&a, Format::Human));
        });
        insta::with_settings!({ snapshot_suffix => "json", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("{name}"), render(&a, Format::Json));
        });
    }
}

fn rules_of(a: &Analysis) -> Vec<(String, String)> {
    a.findings
        .iter()
        .map(|f| (f.rule.clone(), f.severity.as_str().to_owned()))
        .collect()
}

#[test]
fn the_incident_is_caught_with_both_files_named() {
    let a = run(&fixture("compose-gunicorn-default-timeout"));
    let t001 = a
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T001")
        .expect("PAR-T001 fires");
    assert_eq!(t001.severity.as_str(), "error");
    assert_eq!(a.map.get(t001.primary.span.file).path, "nginx.conf");
    assert_eq!(a.map.text(t001.primary.span), "proxy_read_timeout 300s");
    let related: Vec<_> = t001
        .related
        .iter()
        .map(|l| a.map.get(l.span.file).path.as_str())
        .collect();
    assert_eq!(related, ["docker-compose.yml"]);
    assert!(
        t001.message.contains("300s") && t001.message.contains("30s"),
        "{}",
        t001.message
    );
    assert!(
        t001.message.contains("gunicorn default"),
        "{}",
        t001.message
    );
    // `sh -c "... && gunicorn ..."` keeps SIGTERM from gunicorn (PAR-S006), so
    // there is no drain for PAR-S004 to compare with the grace period.
    assert!(rules_of(&a).contains(&("PAR-S006".into(), "warning".into())));
    assert!(!rules_of(&a).contains(&("PAR-S004".into(), "warning".into())));
}

#[test]
fn non_sync_workers_give_no_t001() {
    for name in ["compose-gthread-worker", "compose-gevent-worker"] {
        let a = run(&fixture(name));
        assert!(
            a.findings.iter().all(|f| f.rule != "PAR-T001"),
            "{name}: {:?}",
            rules_of(&a)
        );
    }
}

#[test]
fn a_config_file_outside_the_repo_is_undecided_not_guessed() {
    let a = run(&fixture("compose-gunicorn-config-not-in-repo"));
    let t001: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T001").collect();
    assert_eq!(t001.len(), 1, "{:?}", rules_of(&a));
    assert_eq!(t001[0].severity.as_str(), "info");
    assert!(
        t001[0].message.starts_with("could not decide"),
        "{}",
        t001[0].message
    );
}

#[test]
fn a_port_mismatch_is_not_linked() {
    let a = run(&fixture("compose-port-mismatch-not-linked"));
    assert!(a.links.hops.is_empty());
    assert!(
        a.links
            .unlinked
            .iter()
            .any(|u| u.reason.contains("not port 8000")),
        "{:?}",
        a.links.unlinked
    );
    assert!(a.findings.iter().all(|f| f.rule != "PAR-T001"));
}

#[test]
fn a_broken_file_is_a_problem_and_hides_nothing() {
    let a = run(&fixture("parse-error-does-not-hide-findings"));
    assert!(
        a.problems
            .iter()
            .any(|p| p.code == "PAR-E001" && a.map.get(p.file).path == "nginx/broken.conf")
    );
    assert!(a.findings.iter().any(|f| f.rule == "PAR-T001"));
}

#[test]
fn the_bundled_examples_behave_as_their_readmes_say() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let broken = run(&root.join("django-compose"));
    let t001 = broken
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T001")
        .expect("the incident is found");
    let r = broken.map.region(t001.primary.span);
    assert_eq!(
        (
            broken.map.get(t001.primary.span.file).path.as_str(),
            r.start.line,
            r.start.column
        ),
        ("nginx/default.conf", 33, 9)
    );
    let fixed = run(&root.join("django-compose-fixed"));
    assert!(fixed.findings.is_empty(), "{:?}", rules_of(&fixed));
    assert!(fixed.problems.is_empty(), "{:?}", fixed.problems);
}

#[test]
fn names_do_not_resolve_across_deployments() {
    let a = run(&fixture("monorepo-deployments-are-separate"));
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
    assert!(
        a.links
            .unlinked
            .iter()
            .any(|u| u.reason.contains("another deployment")),
        "{:?}",
        a.links.unlinked
    );
    assert!(a.findings.iter().all(|f| f.rule != "PAR-T001"));
}

#[test]
fn uwsgi_from_a_dockerfile_cmd_is_linked_with_its_ini_values() {
    let a = run(&fixture("compose-uwsgi-ini"));
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let server = &a.model.servers[a.links.hops[0].server];
    assert_eq!(server.kind, "uwsgi");
    assert_eq!(a.map.get(server.config_file.unwrap()).path, "app/uwsgi.ini");
    let harakiri = &server.settings["harakiri"];
    assert_eq!(harakiri.value.to_string(), "20s");
    assert_eq!(harakiri.origin.kind(), "file");
    assert!(
        server
            .unknown_settings
            .iter()
            .any(|u| u.value == "max_requests")
    );
    // The proxy_* value is inert for a uwsgi_pass location: nginx's uwsgi default applies.
    let proxy = &a.model.proxies[a.links.hops[0].proxy];
    assert_eq!(proxy.family, "uwsgi");
    assert_eq!(proxy.settings["read_timeout"].value.to_string(), "60s");
    assert!(proxy.settings["read_timeout"].origin.is_default());
}

/// The example READMEs show parity's real output; this keeps them from drifting.
#[test]
fn example_readmes_show_the_current_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for name in ["django-compose", "django-compose-fixed"] {
        let a = run(&root.join(name));
        let out = render(&a, Format::Human).replace("[version]", env!("CARGO_PKG_VERSION"));
        let readme = std::fs::read_to_string(root.join(name).join("README.md")).unwrap();
        assert!(
            readme.contains(out.trim_end()),
            "examples/{name}/README.md is out of date; its output is now:\n{out}"
        );
    }
}

#[test]
fn servers_started_through_entrypoint_scripts_are_found() {
    let a = run(&fixture("compose-entrypoint-scripts"));
    assert_eq!(a.links.hops.len(), 2, "{:?}", a.links.unlinked);
    let timeout_of = |service: &str| {
        let w = a
            .model
            .workloads
            .iter()
            .find(|w| w.name.value == service)
            .unwrap();
        let s = &a.model.servers[w.servers[0]];
        (
            s.settings["timeout"].value.to_string(),
            a.map
                .get(s.settings["timeout"].origin.span().unwrap().file)
                .path
                .clone(),
        )
    };
    // `exec "$@"` hands over to the image CMD.
    assert_eq!(
        timeout_of("web"),
        ("20s".to_owned(), "web/Dockerfile".to_owned())
    );
    // The script starts gunicorn itself.
    assert_eq!(
        timeout_of("api"),
        ("90s".to_owned(), "api/start.sh".to_owned())
    );
    let t001: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T001").collect();
    assert_eq!(t001.len(), 1);
    assert_eq!(
        a.map.get(t001[0].related[0].span.file).path,
        "web/Dockerfile"
    );
}

#[test]
fn supervisord_programs_in_a_container_are_linked_by_port() {
    let a = run(&fixture("compose-supervisord-two-servers"));
    assert_eq!(a.links.hops.len(), 2, "{:?}", a.links.unlinked);
    let classes: Vec<String> = a
        .links
        .hops
        .iter()
        .map(|h| {
            a.model.servers[h.server].settings["worker_class"]
                .value
                .to_string()
        })
        .collect();
    assert!(
        classes.contains(&"sync".to_owned()) && classes.contains(&"gevent".to_owned()),
        "{classes:?}"
    );
    let t001: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T001").collect();
    assert_eq!(
        t001.len(),
        1,
        "only the sync program behind / is killed early"
    );
    assert_eq!(
        a.map.get(t001[0].related[0].span.file).path,
        "conf/supervisord.conf"
    );
}

#[test]
fn shell_variables_are_expanded_from_the_environment_or_left_unknown() {
    let a = run(&fixture("compose-gunicorn-env-expansion"));
    assert!(
        a.problems.is_empty(),
        "an unseen variable is not a broken command line: {:?}",
        a.problems
    );
    assert_eq!(
        a.links.hops.len(),
        1,
        "PORT from compose makes the bind 0.0.0.0:8000: {:?}",
        a.links.unlinked
    );
    let s = &a.model.servers[a.links.hops[0].server];
    assert_eq!(s.settings["timeout"].value.to_string(), "45s");
    assert!(s.settings["keepalive"].value.is_unknown());
    let t001 = a
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T001")
        .expect("45s < 120s");
    assert_eq!(t001.severity.as_str(), "error");
}

#[test]
fn kubernetes_containers_start_servers_with_configmap_env() {
    let a = run(&fixture("k8s-gunicorn-args"));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.model.servers.len(), 1);
    let s = &a.model.servers[0];
    // $(GUNICORN_TIMEOUT) is expanded by the kubelet from the ConfigMap in the repo.
    assert_eq!(s.settings["timeout"].value.to_string(), "75s");
    let w = &a.model.workloads[s.workload.unwrap()];
    assert_eq!(w.kind.orchestrator(), "kubernetes");
    assert_eq!(w.settings["stop_grace_period"].value.to_string(), "45s");
    // The image's files are not visible: an unseen ./gunicorn.conf.py in /srv/api is unknown, not absent.
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("/srv/api/gunicorn.conf.py")),
        "{:?}",
        s.notes
    );
}

#[test]
fn the_configured_nginx_version_decides_version_dependent_defaults() {
    let dir = fixture("config-nginx-version");
    let options = parity::cli::configure(
        std::slice::from_ref(&dir),
        &parity::cli::ConfigFlags::default(),
    )
    .unwrap();
    let a = analyze(std::slice::from_ref(&dir), &options).unwrap();
    let v = &a.model.proxies[0].settings["http_version"];
    assert_eq!(
        v.value.to_string(),
        "1.1",
        "nginx >= 1.29.7 speaks HTTP/1.1 upstream by default"
    );
    // Without the config the version is unknown: both interpretations are kept.
    let b = run(&dir);
    assert!(matches!(
        b.model.proxies[0].settings["http_version"].value,
        parity::value::Value::OneOf(_)
    ));
}

#[test]
fn env_files_in_the_repo_feed_the_environment_and_missing_ones_are_noted() {
    let a = run(&fixture("compose-env-file"));
    let s = &a.model.servers[0];
    assert_eq!(s.settings["timeout"].value.to_string(), "75s");
    assert_eq!(s.settings["timeout"].origin.kind(), "env");
    // `environment` wins over env_file.
    assert_eq!(s.settings["workers"].value.to_string(), "6");
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("secrets.env is not in the repository")),
        "{:?}",
        s.notes
    );
}

#[test]
fn an_ingress_reaches_gunicorn_through_a_named_service_port() {
    let a = run(&fixture("k8s-ingress-service-named-port"));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let hop = &a.links.hops[0];
    assert_eq!(a.model.proxies[hop.proxy].tool, "ingress-nginx");
    assert_eq!(
        hop.port,
        Some(8000),
        "ingress-nginx connects to the pod port"
    );
    assert!(
        hop.reason
            .contains("targetPort `http` = containerPort 8000"),
        "{}",
        hop.reason
    );
    // An Ingress hop is PAR-T004's, not PAR-T001's.
    assert!(a.findings.iter().all(|f| f.rule != "PAR-T001"));
    let t004 = a
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T004")
        .expect("PAR-T004 fires through the Ingress hop");
    assert_eq!(t004.severity.as_str(), "error");
    assert_eq!(a.map.get(t004.primary.span.file).path, "k8s/ingress.yaml");
    assert_eq!(a.map.text(t004.primary.span), "\"120\"");
    assert_eq!(
        a.map.get(t004.related[0].span.file).path,
        "k8s/deployment.yaml"
    );
    // A unit makes ingress-nginx ignore the annotation: the default holds, and the annotation is kept.
    let proxy = &a.model.proxies[hop.proxy];
    assert!(proxy.settings["send_timeout"].origin.is_default());
    let route = &a.model.k8s.ingress_routes[0];
    assert!(
        route.ignored_annotations[0]
            .0
            .ends_with("proxy-send-timeout")
    );
    // The ALB Ingress is no ingress-nginx hop.
    assert_eq!(a.model.k8s.ignored.len(), 1);
    assert!(a.model.k8s.ignored[0].reason.contains("`alb`"));
    // The unit is reported where it is written, with the value used instead.
    let t010: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T010").collect();
    assert_eq!(t010.len(), 1, "{:?}", rules_of(&a));
    assert_eq!(a.map.text(t010[0].primary.span), "\"120s\"");
    assert!(t010[0].message.contains("uses 60s"), "{}", t010[0].message);
    // T004 through the Ingress hop and T010; the rest is information (K006:
    // the controller does not buffer responses by default; K005 undecided:
    // the image's gunicorn.conf.py is not visible; V002: ingress-nginx is retired).
    assert!(a.findings.iter().any(|f| f.rule == "PAR-T004"));
    assert!(
        a.findings
            .iter()
            .filter(|f| f.rule != "PAR-T004" && f.rule != "PAR-T010")
            .all(|f| f.severity == parity::finding::Severity::Info),
        "{:?}",
        rules_of(&a)
    );
}

#[test]
fn nginx_from_a_configmap_is_read_at_its_yaml_lines_with_the_image_version() {
    let a = run(&fixture("k8s-configmap-nginx"));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let proxy = &a.model.proxies[a.links.hops[0].proxy];
    assert_eq!(a.map.get(proxy.file).path, "deploy/k8s/nginx.yaml");
    // nginx:1.27.3: before the 1.29.7 change, HTTP/1.0 upstream.
    assert_eq!(proxy.settings["http_version"].value.to_string(), "1.0");
    let nginx = a
        .model
        .k8s
        .pods
        .iter()
        .flat_map(|p| p.containers.iter())
        .find(|c| c.nginx)
        .unwrap();
    assert_eq!(nginx.nginx_version.as_deref(), Some("1.27.3"));
    let t001 = a
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T001")
        .expect("120s vs 60s");
    let r = a.map.region(t001.primary.span);
    assert_eq!(
        (
            a.map.get(t001.primary.span.file).path.as_str(),
            r.start.line,
            r.start.column
        ),
        ("deploy/k8s/nginx.yaml", 17, 9)
    );
    assert_eq!(a.map.text(t001.primary.span), "proxy_read_timeout 120s");
    let other = &t001.related[0];
    assert_eq!(a.map.get(other.span.file).path, "deploy/k8s/api.yaml");
    assert_eq!(a.map.text(other.span), "60");
    // The gunicorn config file is the ConfigMap's manifest.
    let server = &a.model.servers[a.links.hops[0].server];
    assert_eq!(
        a.map.get(server.config_file.unwrap()).path,
        "deploy/k8s/api.yaml"
    );
}

#[test]
fn workers_without_a_service_are_no_web_backends() {
    let a = run(&fixture("k8s-queue-worker-no-service"));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    assert!(a.links.hops.is_empty());
    // No hop rule and no drain rule for a server no Service routes to; only
    // undecided server facts (its image's gunicorn.conf.py is not visible).
    assert!(
        a.findings
            .iter()
            .all(|f| f.severity == parity::finding::Severity::Info
                && f.message.starts_with("could not decide")
                && !f.rule.starts_with("PAR-S")),
        "{:?}",
        rules_of(&a)
    );
    // The celery worker is no app server; gunicorn selected by no Service is not routed.
    assert_eq!(a.model.workloads.len(), 1);
    assert_eq!(
        a.model.workloads[0].settings["routed"].value,
        parity::value::Value::Bool(false)
    );
}

#[test]
fn the_same_service_name_in_two_apps_does_not_cross_link() {
    let a = run(&fixture("k8s-monorepo-same-service-name"));
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    for hop in &a.links.hops {
        let proxy_path = &a.map.get(a.model.proxies[hop.proxy].file).path;
        let server_path = &a.map.get(a.model.workloads[hop.workload].file).path;
        assert_eq!(
            proxy_path.split('/').nth(1),
            server_path.split('/').nth(1),
            "{}",
            hop.reason
        );
    }
    assert_eq!(a.links.hops.len(), 2, "{:?}", a.links.unlinked);
    assert!(
        a.links
            .unlinked
            .iter()
            .any(|u| u.reason.contains("another deployment")),
        "{:?}",
        a.links.unlinked
    );
    // Only the blog's Ingress (default 60 s) against the blog's 30 s gunicorn
    // (an Ingress hop: PAR-T004).
    let t004: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T004").collect();
    assert_eq!(t004.len(), 1, "{:?}", rules_of(&a));
    assert_eq!(
        a.map.get(t004[0].primary.span.file).path,
        "apps/blog/k8s/app.yaml"
    );
}
