//! Meta-tests over the built-in pack: every rule loads, has its documentation and
//! a failing and a passing fixture, run with only that rule selected. In the
//! failing fixture, `# expect: <ID>` comments mark exactly the lines findings start on.

use std::collections::BTreeSet;
use std::path::Path;

use parity::cli::{Analysis, RunOptions, analyze};
use parity::policy::{BUILTIN, Subject, builtin};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_builtin_policy_loads_and_ids_are_unique() {
    let pack = builtin().expect("the built-in pack is valid");
    let ids: BTreeSet<_> = pack.iter().map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), pack.len(), "duplicate rule ids");
    for p in &pack {
        assert!(
            p.source.contains(&p.id),
            "{} lives in a file named after it: {}",
            p.id,
            p.source
        );
        assert!(
            p.source.contains(&p.name),
            "{} file name carries its name",
            p.id
        );
    }
}

#[test]
fn the_embedded_list_matches_the_policies_directory() {
    let mut on_disk = BTreeSet::new();
    for family in std::fs::read_dir(root().join("policies")).unwrap() {
        let family = family.unwrap().path();
        if !family.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&family).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "yaml") {
                on_disk.insert(
                    f.strip_prefix(root())
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let embedded: BTreeSet<String> = BUILTIN.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(embedded, on_disk);
    for (path, text) in BUILTIN {
        assert_eq!(&std::fs::read_to_string(root().join(path)).unwrap(), text);
    }
}

#[test]
fn every_rule_has_a_docs_page_with_the_required_sections() {
    for p in builtin().unwrap() {
        let page = root().join("docs/rules").join(format!("{}.md", p.id));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("missing {}", page.display()));
        assert!(
            text.starts_with(&format!("# {} {}", p.id, p.name)),
            "{} title",
            p.id
        );
        for heading in [
            "## The failure it prevents",
            "## Example (fails)",
            "## The fix",
            "## Defaults it assumes",
        ] {
            assert!(text.contains(heading), "{} docs lack `{heading}`", p.id);
        }
        assert_eq!(
            p.docs.as_deref(),
            Some(format!("docs/rules/{}.md", p.id).as_str())
        );
    }
}

/// (path, line) of every `# expect: ID` marker under a fixture directory.
fn markers(dir: &Path, id: &str) -> BTreeSet<(String, u32)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            for (i, line) in text.lines().enumerate() {
                if line.contains(&format!("expect: {id}")) {
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.insert((rel, u32::try_from(i + 1).unwrap()));
                }
            }
        }
    }
    out
}

/// Whether the analysis has something the rule's subject ranges over.
fn has_subject(a: &Analysis, subject: Subject) -> bool {
    match subject {
        Subject::Hop | Subject::Workload | Subject::Server => !a.model.servers.is_empty(),
        Subject::Proxy | Subject::VersionSplit => !a.model.proxies.is_empty(),
        Subject::Directive => !a.model.directives.is_empty(),
        Subject::IngressController => !a.model.k8s.ingress_controllers.is_empty(),
    }
}

#[test]
fn every_rule_fails_its_fail_fixture_and_passes_its_pass_fixture() {
    for p in builtin().unwrap() {
        let base = root().join("tests/fixtures/rules").join(&p.id);
        // A version_split rule reports on the other rules' outcomes: they run too.
        let only = RunOptions {
            only_rules: (p.applies_to != Subject::VersionSplit).then(|| vec![p.id.clone()]),
            ..RunOptions::default()
        };
        let fail = analyze(&[base.join("fail")], &only).unwrap();
        assert!(fail.problems.is_empty(), "{}: {:?}", p.id, fail.problems);
        let found: BTreeSet<(String, u32)> = fail
            .findings
            .iter()
            .filter(|f| f.rule == p.id && f.severity == p.severity)
            .map(|f| {
                (
                    fail.map.get(f.primary.span.file).path.clone(),
                    fail.map.region(f.primary.span).start.line,
                )
            })
            .collect();
        // An undecided rule reports at info: a fixture must not leave it undecided.
        let undecided: Vec<&str> = fail
            .findings
            .iter()
            .filter(|f| f.rule == p.id && f.message.starts_with("could not decide"))
            .map(|f| f.message.as_str())
            .collect();
        assert!(undecided.is_empty(), "{}: {undecided:?}", p.id);
        let expected = markers(&base.join("fail"), &p.id);
        assert!(
            !expected.is_empty(),
            "{}: the fail fixture has no `# expect:` marker",
            p.id
        );
        assert_eq!(found, expected, "{}: findings vs markers", p.id);
        // Nothing else of the rule: no undecided or downgraded findings.
        let others: Vec<_> = fail
            .findings
            .iter()
            .filter(|f| f.rule == p.id && f.severity != p.severity)
            .collect();
        assert!(
            others.is_empty(),
            "{}: unexpected findings {others:?}",
            p.id
        );

        let pass = analyze(&[base.join("pass")], &only).unwrap();
        assert!(pass.problems.is_empty(), "{}: {:?}", p.id, pass.problems);
        let fired: Vec<_> = pass.findings.iter().filter(|f| f.rule == p.id).collect();
        assert!(
            fired.is_empty(),
            "{} fires on its pass fixture: {fired:?}",
            p.id
        );
        // The pass fixture must still exercise the rule: the same subject exists.
        assert!(
            has_subject(&pass, p.applies_to),
            "{}: pass fixture has nothing the rule applies to",
            p.id
        );
    }
}

/// The README's rules table lists every rule (id, name, severity), so a new
/// user sees the whole pack without running parity.
#[test]
fn the_readme_lists_every_rule() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut ids: Vec<(String, String, String)> = builtin()
        .unwrap()
        .iter()
        .map(|p| (p.id.clone(), p.name.clone(), p.severity.as_str().to_owned()))
        .collect();
    for m in parity::policy::suppress::META_RULES {
        ids.push((
            m.id.to_owned(),
            m.name.to_owned(),
            m.severity.as_str().to_owned(),
        ));
    }
    for (id, name, severity) in ids {
        let row = format!("| {id} | {name} | {severity} |");
        assert!(readme.contains(&row), "README lacks the row `{row}`");
    }
}
