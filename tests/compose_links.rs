//! Linking across compose deployments and containers: which files form one
//! deployment, same-container and shared-volume links, templates, the
//! loopback (PAR-N001) flag and the single-pair weak link. Checked on the
//! links themselves (the scenario snapshots check the findings).

use std::path::{Path, PathBuf};

use parity::cli::{Analysis, RunOptions, analyze};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(path: &Path) -> Analysis {
    analyze(&[path.to_path_buf()], &RunOptions::default()).expect("the scan runs")
}

/// Writes `files` (path, text) under a fresh directory and scans it.
fn scan(files: &[(&str, &str)]) -> Analysis {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    run(dir.path())
}

fn path_of(a: &Analysis, file: parity::span::FileId) -> String {
    a.map.get(file).path.clone()
}

#[test]
fn the_override_file_is_merged_into_one_deployment() {
    let a = run(&fixture("compose-override-merge"));
    let webs: Vec<_> = a
        .model
        .workloads
        .iter()
        .filter(|w| w.name.value == "web")
        .collect();
    assert_eq!(webs.len(), 1, "one deployment, one web service");
    let grace = webs[0].settings["stop_grace_period"].origin.span().unwrap();
    assert_eq!(path_of(&a, grace.file), "docker-compose.override.yml");
    assert_eq!(a.links.hops.len(), 1);
    let server = &a.model.servers[a.links.hops[0].server];
    assert_eq!(
        path_of(&a, server.settings["timeout"].origin.span().unwrap().file),
        "docker-compose.override.yml"
    );
}

#[test]
fn dev_and_prod_files_are_separate_deployments() {
    let a = run(&fixture("compose-dev-prod-files"));
    assert_eq!(a.links.hops.len(), 2);
    let mut files: Vec<String> = a
        .links
        .hops
        .iter()
        .map(|h| path_of(&a, a.model.workloads[h.workload].file))
        .collect();
    files.sort();
    assert_eq!(files, ["docker-compose.prod.yml", "docker-compose.yml"]);
}

#[test]
fn an_overlay_file_is_read_as_minus_f_base_minus_f_overlay() {
    let a = scan(&[
        (
            "docker-compose.yml",
            "services:\n  web:\n    image: app\n    command: gunicorn app:app -b 0.0.0.0:8000 --timeout 90\n  nginx:\n    image: nginx:1.27\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf\"]\n",
        ),
        (
            "docker-compose.staging.yml",
            "services:\n  web:\n    command: gunicorn app:app -b 0.0.0.0:8000 --timeout 20\n",
        ),
        (
            "nginx.conf",
            "server {\n  listen 80;\n  location / { proxy_read_timeout 60s; proxy_pass http://web:8000; }\n}\n",
        ),
    ]);
    let projects: Vec<String> = a
        .model
        .projects
        .iter()
        .map(|p| path_of(&a, p.file))
        .collect();
    assert_eq!(
        projects,
        ["docker-compose.yml", "docker-compose.staging.yml"]
    );
    // The overlay's web runs the overlay's command, and nginx of that deployment reaches it.
    assert_eq!(a.links.hops.len(), 2);
    let t001: Vec<_> = a.findings.iter().filter(|f| f.rule == "PAR-T001").collect();
    assert_eq!(t001.len(), 1);
    assert!(
        t001[0]
            .related
            .iter()
            .any(|l| path_of(&a, l.span.file) == "docker-compose.staging.yml")
    );
}

#[test]
fn same_container_links_over_loopback_and_a_unix_socket() {
    let a = run(&fixture("container-supervisord-nginx-gunicorn"));
    assert_eq!(a.links.hops.len(), 2);
    assert!(a.links.unlinked.is_empty(), "{:?}", a.links.unlinked);
    for h in &a.links.hops {
        assert!(!h.weak && !h.loopback_bind);
        assert!(h.reason.contains("nginx's own container"), "{}", h.reason);
    }
    assert_eq!(
        a.findings.iter().filter(|f| f.rule == "PAR-T001").count(),
        2
    );
}

#[test]
fn a_socket_in_a_shared_volume_links_and_a_loopback_bind_is_flagged() {
    let a = run(&fixture("compose-socket-shared-volume"));
    assert_eq!(a.links.hops.len(), 2);
    let admin = a
        .links
        .hops
        .iter()
        .find(|h| a.model.workloads[h.workload].name.value == "admin")
        .expect("the admin hop is kept");
    assert!(admin.loopback_bind, "PAR-N001 needs to see it");
    let app = a
        .links
        .hops
        .iter()
        .find(|h| a.model.workloads[h.workload].name.value == "app")
        .expect("the socket links");
    assert!(!app.loopback_bind);
    assert!(
        app.reason.contains("named volume `sockets`"),
        "{}",
        app.reason
    );
}

#[test]
fn a_socket_in_the_proxys_own_filesystem_does_not_reach_another_container() {
    let a = scan(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: app\n    command: gunicorn app:app --bind unix:/run/app.sock\n  nginx:\n    image: nginx:1.27\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf\"]\n",
        ),
        (
            "nginx.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://unix:/run/app.sock; }\n}\n",
        ),
    ]);
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
    assert!(
        a.links.unlinked[0]
            .reason
            .contains("no app server parity knows binds it"),
        "{:?}",
        a.links.unlinked
    );
}

#[test]
fn an_official_image_template_is_rendered_with_the_container_environment() {
    let a = run(&fixture("compose-nginx-envsubst-template"));
    assert_eq!(a.links.hops.len(), 1);
    assert!(!a.links.hops[0].weak);
    assert!(a.links.hops[0].reason.contains("APP_HOST=app"));
}

#[test]
fn upstream_server_addresses_in_a_template_are_rendered() {
    let a = scan(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: app\n    command: gunicorn app:app -b 0.0.0.0:8000\n  nginx:\n    image: nginx:1.27\n    environment:\n      APP_HOST: app\n      APP_PORT: \"8000\"\n    volumes: [\"./templates:/etc/nginx/templates\"]\n",
        ),
        (
            "templates/default.conf.template",
            "upstream backend { server ${APP_HOST}:${APP_PORT}; }\nserver {\n  listen 80;\n  location / { proxy_pass http://backend; }\n}\n",
        ),
    ]);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    assert_eq!(a.links.hops[0].port, Some(8000));
    assert!(!a.links.hops[0].weak);
}

#[test]
fn a_template_is_not_rendered_when_the_command_skips_the_entrypoint_scripts() {
    // The image's entrypoint renders templates only for `nginx ...`: with
    // another command the variables stay, and nothing else renders them.
    let a = scan(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: app\n    command: gunicorn app:app -b 0.0.0.0:8000\n  nginx:\n    image: nginx:1.27\n    entrypoint: [\"/bin/sh\", \"-c\"]\n    command: [\"nginx -g 'daemon off;'\"]\n    environment:\n      APP: app:8000\n    volumes: [\"./templates:/etc/nginx/templates\"]\n",
        ),
        (
            "templates/default.conf.template",
            "server {\n  listen 80;\n  location / { proxy_pass http://${APP}; }\n}\n",
        ),
    ]);
    // Only the guess that some script renders it remains: a weak link.
    assert_eq!(a.links.hops.len(), 1);
    assert!(a.links.hops[0].weak, "{}", a.links.hops[0].reason);
}

#[test]
fn a_file_rendered_by_an_unseen_script_links_weakly() {
    let a = scan(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: app\n    command: gunicorn app:app -b 0.0.0.0:8000\n  nginx:\n    image: nginx:1.27\n    command: /start.sh\n    environment:\n      - BACKEND=app:8000\n    volumes: [\"./default.conf:/tmp/default.conf\"]\n",
        ),
        (
            "default.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://$BACKEND; }\n}\n",
        ),
    ]);
    assert_eq!(a.links.hops.len(), 1);
    assert!(a.links.hops[0].weak, "{}", a.links.hops[0].reason);
}

#[test]
fn the_single_proxy_and_single_server_link_weakly() {
    let a = run(&fixture("host-single-proxy-single-server-weak"));
    assert_eq!(a.links.hops.len(), 1);
    assert!(a.links.hops[0].weak);
    assert!(a.links.unlinked.is_empty());
    let t001 = a
        .findings
        .iter()
        .find(|f| f.rule == "PAR-T001")
        .expect("the timeout finding on the weak link");
    assert!(t001.message.contains("weak link"), "{}", t001.message);
}

#[test]
fn no_weak_link_against_contrary_evidence() {
    let unit = |bind: &str| {
        format!(
            "[Service]\nExecStart=/venv/bin/gunicorn app:app --bind {bind}\n\n[Install]\nWantedBy=multi-user.target\n"
        )
    };
    // The port does not match.
    let a = scan(&[
        (
            "site.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        ),
        ("app.service", &unit("127.0.0.1:9000")),
    ]);
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
    // The name resolves to a compose service that is not the server.
    let a = scan(&[
        ("compose.yaml", "services:\n  app:\n    image: node:22\n"),
        (
            "site.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://app:8000; }\n}\n",
        ),
        ("app.service", &unit("0.0.0.0:8000")),
    ]);
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
    // Two different targets: no single pair.
    let a = scan(&[
        (
            "site.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n  location /x { proxy_pass http://127.0.0.1:8001; }\n}\n",
        ),
        ("app.service", &unit("127.0.0.1:8000")),
    ]);
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
}

#[test]
fn a_heroku_nginx_buildpack_dyno_links_its_socket() {
    let a = scan(&[
        (
            "Procfile",
            "web: bin/start-nginx gunicorn app:app --bind unix:/tmp/nginx.socket --timeout 20\n",
        ),
        (
            "config/nginx.conf.erb",
            "http {\n  upstream app { server unix:/tmp/nginx.socket fail_timeout=0; }\n  server {\n    listen <%= ENV['PORT'] %>;\n    location / { proxy_read_timeout 30s; proxy_pass http://app; }\n  }\n}\n",
        ),
    ]);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    assert!(!a.links.hops[0].weak);
    assert!(a.links.hops[0].reason.contains("start-nginx"));
}

#[test]
fn included_and_extended_services_join_the_deployment() {
    let a = scan(&[
        (
            "compose.yaml",
            "include:\n  - app/compose.yaml\nservices:\n  worker:\n    extends:\n      file: common/base.yml\n      service: base\n    command: gunicorn app:app -b 0.0.0.0:9000 --timeout 20\n  nginx:\n    image: nginx:1.27\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf\"]\n",
        ),
        ("app/compose.yaml", "services:\n  web:\n    build: .\n"),
        (
            "app/Dockerfile",
            "FROM python:3.12\nWORKDIR /srv\nCOPY . /srv\nCMD [\"gunicorn\", \"app:app\", \"-b\", \"0.0.0.0:8000\"]\n",
        ),
        ("app/gunicorn.conf.py", "timeout = 15\n"),
        (
            "common/base.yml",
            "services:\n  base:\n    image: app\n    stop_grace_period: 45s\n",
        ),
        (
            "nginx.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://web:8000; }\n  location /w { proxy_pass http://worker:9000; }\n}\n",
        ),
    ]);
    assert_eq!(a.links.hops.len(), 2, "{:?}", a.links.unlinked);
    let web = a
        .links
        .hops
        .iter()
        .find(|h| a.model.workloads[h.workload].name.value == "web")
        .unwrap();
    // The included file's build context is its own directory.
    let timeout = &a.model.servers[web.server].settings["timeout"];
    assert_eq!(
        path_of(&a, timeout.origin.span().unwrap().file),
        "app/gunicorn.conf.py"
    );
    let worker = a
        .model
        .workloads
        .iter()
        .find(|w| w.name.value == "worker")
        .unwrap();
    let grace = worker.settings["stop_grace_period"].origin.span().unwrap();
    assert_eq!(path_of(&a, grace.file), "common/base.yml");
}

#[test]
fn a_start_script_running_gunicorn_and_nginx_is_one_container() {
    let a = scan(&[
        (
            "Dockerfile",
            "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y nginx\nWORKDIR /app\nCOPY . /app\nCOPY deploy/site.conf /etc/nginx/conf.d/default.conf\nCMD [\"./start.sh\"]\n",
        ),
        (
            "start.sh",
            "#!/bin/sh\nset -e\ngunicorn app:app --bind 127.0.0.1:8000 --timeout 20 &\nexec nginx -g 'daemon off;'\n",
        ),
        (
            "deploy/site.conf",
            "server {\n  listen 80;\n  location / { proxy_read_timeout 60s; proxy_pass http://localhost:8000; }\n}\n",
        ),
    ]);
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    let h = &a.links.hops[0];
    assert!(!h.weak && !h.loopback_bind);
    assert!(h.reason.contains("start.sh starts nginx"), "{}", h.reason);
    assert!(
        h.reason.contains("/etc/nginx/conf.d/default.conf"),
        "{}",
        h.reason
    );
}

#[test]
fn loopback_from_a_container_without_the_server_stays_unlinked() {
    let a = scan(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: app\n    command: gunicorn app:app --bind 0.0.0.0:8000\n  nginx:\n    image: nginx:1.27\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf\"]\n",
        ),
        (
            "nginx.conf",
            "server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        ),
    ]);
    // 127.0.0.1 in the nginx container is not the app container, and that
    // contradicts the single-pair guess too.
    assert!(a.links.hops.is_empty(), "{:?}", a.links.hops);
    assert!(
        a.links.unlinked[0]
            .reason
            .contains("compose service `nginx`"),
        "{:?}",
        a.links.unlinked
    );
}
