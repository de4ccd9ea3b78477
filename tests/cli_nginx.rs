//! `parity nginx parse` against crossplane's recorded answers for include trees
//! (recorded once by scripts/record-crossplane.sh; crossplane is not needed here).

use std::path::Path;

use assert_cmd::Command;

fn recorded(name: &str) -> Option<serde_json::Value> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/recorded/crossplane/trees")
        .join(name);
    std::fs::read_to_string(p)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("recorded JSON"))
}

fn parse(fixture: &str, flags: &[&str]) -> (serde_json::Value, i32) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture);
    let out = Command::cargo_bin("parity")
        .unwrap()
        .current_dir(&dir)
        .args(["nginx", "parse", "nginx.conf"])
        .args(flags)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (json, out.status.code().unwrap_or(-1))
}

#[test]
fn include_trees_match_crossplane() {
    let mut compared = 0;
    for fixture in [
        "nginx-tree-confd-glob",
        "nginx-tree-inherit",
        "nginx-tree-map-lua",
        "nginx-tree-cycle",
        "nginx-tree-unresolved",
    ] {
        for (suffix, flags) in [
            ("json", &[][..]),
            ("comments.json", &["--include-comments"][..]),
            ("combine.json", &["--combine"][..]),
        ] {
            let Some(want) = recorded(&format!("{fixture}.{suffix}")) else {
                continue;
            };
            if !Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(fixture)
                .join("nginx.conf")
                .exists()
            {
                continue;
            }
            let (got, code) = parse(fixture, flags);
            assert_eq!(got, want, "{fixture} {flags:?}");
            assert_eq!(
                code,
                if want["status"] == "ok" { 0 } else { 1 },
                "{fixture} exit status"
            );
            compared += 1;
        }
    }
    assert!(
        compared >= 5,
        "only {compared} recorded answers were compared"
    );
}

#[test]
fn single_file_mode_does_not_follow_includes() {
    let (got, _) = parse("nginx-tree-confd-glob", &["--single-file"]);
    assert_eq!(got["config"].as_array().unwrap().len(), 1);
}
