//! Nothing outside the scanned root is ever opened: not through an nginx
//! `include`, not through a symbolic link. The outside file here would produce a
//! finding and a parse problem if parity read it, so its absence proves it.

use std::fs;
use std::path::Path;

use parity::cli::{RunOptions, analyze};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[cfg(unix)]
#[test]
fn includes_and_symlinks_that_leave_the_root_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    let root = tmp.path().join("repo");
    // If this file were read it would set a 300s read timeout (a PAR-T001 against
    // gunicorn's 30s) and its stray brace would be a PAR-E001 problem.
    write(
        &outside.join("evil.conf"),
        "proxy_read_timeout 300s;\nlocation /x { proxy_pass http://web:8000; }\n}\n",
    );
    write(
        &root.join("nginx/nginx.conf"),
        &format!(
            "events {{}}\nhttp {{\n  include {};\n  include ../../outside/*.conf;\n  server {{ listen 80; location / {{ proxy_pass http://web:8000; }} }}\n}}\n",
            outside.join("evil.conf").display()
        ),
    );
    write(
        &root.join("docker-compose.yml"),
        "services:\n  web:\n    image: example/web:1\n    command: gunicorn app --bind 0.0.0.0:8000 --timeout 90\n    stop_grace_period: 40s\n",
    );
    std::os::unix::fs::symlink(outside.join("evil.conf"), root.join("nginx/linked.conf")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("nginx/conf.d")).unwrap();

    let a = analyze(std::slice::from_ref(&root), &RunOptions::default()).unwrap();
    let paths: Vec<&str> = a.map.files().iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.contains("evil") && !p.contains("linked")),
        "read: {paths:?}"
    );
    assert!(a.problems.is_empty(), "{:?}", a.problems);
    // The location inside the root is linked; its read timeout is nginx's 60s default, below --timeout 90.
    assert_eq!(a.links.hops.len(), 1, "{:?}", a.links.unlinked);
    // (PAR-N003 does fire on it: nginx resolves `web` only at start-up.)
    assert!(
        a.findings.iter().all(|f| f.rule != "PAR-T001"),
        "{:?}",
        a.findings
    );
    assert!(
        a.inventory
            .skipped
            .iter()
            .any(|(p, why)| p == "nginx/linked.conf" && why.contains("outside")),
        "{:?}",
        a.inventory.skipped
    );
}
