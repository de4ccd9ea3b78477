//! `include` resolution: a main file and everything it includes, read the way
//! nginx reads them (`ngx_conf_include()` in `src/core/ngx_conf_file.c`), with
//! file access through the caller's [`IncludeLoader`].
//!
//! nginx's rules reproduced here:
//! - a relative path is completed with the *conf prefix*, the directory of
//!   the main configuration file, not the directory of the including file;
//! - an argument containing `*`, `?` or `[` is a glob (`glob(3)`, flags 0):
//!   matches are sorted by byte order of the full path (nginx does not call
//!   `setlocale`, so collation is the C locale's), `*`/`?`/`[...]` never
//!   match `/` nor a leading `.`, and a glob that matches nothing is fine;
//! - a literal path that does not exist makes nginx refuse the configuration;
//! - an included file's directives take the place of the `include`
//!   directive, in whatever block it is written.
//!
//! parity adds what a static reader needs:
//! - nothing outside the scanned root is ever opened: a path that leaves it
//!   (`../../etc/x.conf`, an absolute path no `prefix_map` entry covers) is
//!   recorded as unresolved and the loader is never asked about it;
//! - stock files that ship with nginx or its packages (`mime.types`,
//!   `uwsgi_params`, ...) are unresolved, not missing, when the repository
//!   does not have them;
//! - include cycles (which nginx follows until it fails: `nginx -t` 1.22.1
//!   crashes with a segmentation fault on a self-include) are reported and
//!   cut;
//! - a main file that is a fragment (top-level `server`, `upstream`,
//!   `location`: a `conf.d` file) is read as included into `http {}` of the
//!   stock `nginx.conf`; its conf prefix is the stock one (the parent of
//!   `conf.d/`, `sites-enabled/`, ...).

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::diag::Problem;
use crate::span::{FileId, Span};

use super::{Directive, MAX_DEPTH, NginxFile, parse};

/// A file as the caller can provide it: path relative to the scanned root, its text.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedFile {
    pub file: FileId,
    pub path: String,
    pub text: Arc<str>,
}

/// File access for [`load_config`]. Paths are relative to the scanned root,
/// `/`-separated, without `.` or `..` components; [`load_config`] never asks
/// about a path outside the root.
pub trait IncludeLoader {
    /// Repo files matching a root-relative path or glob (already sorted); empty if none.
    /// [`glob_matches`] gives nginx's matching rules.
    fn glob(&self, pattern: &str) -> Vec<String>;
    /// Loads a repo file; None if it is not inside the scanned root / not in the repo.
    fn load(&self, path: &str) -> Option<LoadedFile>;
}

/// One `include` directive of a loaded file and what it names.
#[derive(Clone, Debug, PartialEq)]
pub struct Include {
    /// The `include` directive (name to argument).
    pub directive_span: Span,
    /// The argument as nginx reads it (escapes decoded).
    pub pattern: String,
    /// Repository paths of the files it includes, in nginx's order.
    pub resolved: Vec<String>,
    /// Why nothing could be read for it: outside the scanned root, a stock
    /// file the repository does not have, a missing file, a cycle, a bad
    /// argument count. `None` when resolved, or a glob that matched nothing.
    pub unresolved_reason: Option<String>,
    /// For each of `resolved`: the path nginx opens (a container path such
    /// as `/etc/nginx/conf.d/a.conf`, or a path relative to the conf prefix
    /// when no container path is known).
    pub nginx_paths: Vec<String>,
    /// For each of `resolved`: the argument as written with its glob
    /// components replaced by the matched names (how crossplane names the file).
    pub written_paths: Vec<String>,
    /// The argument contains `*`, `?` or `[`.
    pub is_glob: bool,
    /// Some resolved file was already being read when this include was
    /// reached (an include cycle); it was not read again there.
    pub cycle: bool,
    /// Repository path of the file the directive is written in.
    pub in_file: String,
}

/// A main configuration file with its includes read and spliced in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Repository path of the main file.
    pub main: String,
    /// Every file read, main first, then in the order nginx first opens them.
    pub files: Vec<(String, NginxFile)>,
    /// Every `include` directive of every file read, each once, in the order
    /// nginx reaches them.
    pub includes: Vec<Include>,
    /// The main file's directives with each resolved `include` replaced by
    /// the included files' directives (as nginx sees them; spans still point
    /// into their own files). Unresolved includes stay in place as `include`
    /// directives; a glob that matched nothing leaves nothing.
    pub tree: Vec<Directive>,
    /// Every file's syntax problems and every include problem (missing file,
    /// cycle, depth), each once.
    pub problems: Vec<Problem>,
    /// The conf prefix relative paths are completed with: a container path
    /// (`/etc/nginx`) when the main file's container path is known from the
    /// prefix map, else a repository directory (`""` for the root).
    pub conf_prefix: String,
}

/// Whether a parsed file is a main configuration (has `http` or `events` at
/// top level) rather than a fragment meant to be included.
#[must_use]
pub fn is_main_config(file: &NginxFile) -> bool {
    file.directives
        .iter()
        .any(|d| !d.is_comment() && matches!(d.name.as_str(), "http" | "events"))
}

/// Includes spliced below this many nested includes are cut (a chain this
/// deep is a generated or broken configuration).
const MAX_INCLUDE_DEPTH: usize = 64;

/// Most directives the spliced tree may hold: a file included twice by each
/// of 30 chained files would otherwise expand to 2^30 copies.
const MAX_TREE_DIRECTIVES: usize = 1_000_000;

/// Stock files of nginx's distribution and of the Debian/Ubuntu, Alpine and
/// official-image packages, by file name: configurations include them by
/// name and repositories rarely carry them.
const STOCK_FILE_NAMES: &[&str] = &[
    "mime.types",
    "fastcgi_params",
    "fastcgi.conf",
    "uwsgi_params",
    "scgi_params",
    "koi-utf",
    "koi-win",
    "win-utf",
    "proxy_params",
    "fastcgi-php.conf",
    "snakeoil.conf",
];

/// Stock directories (container paths) whose contents come from packages.
const STOCK_DIRS: &[&str] = &[
    "/etc/nginx/modules-enabled",
    "/etc/nginx/modules-available",
    "/usr/share/nginx/modules",
    "/usr/lib/nginx/modules",
    "/etc/nginx/modules",
];

/// Directory names a stock `nginx.conf` includes fragments from: a fragment
/// in one of them has the parent directory as conf prefix.
const FRAGMENT_DIRS: &[&str] = &[
    "conf.d",
    "sites-enabled",
    "sites-available",
    "http.d",
    "vhosts.d",
    "servers",
];

/// Reads `main` and every file it includes, in nginx's order.
///
/// `prefix_map`: how absolute container paths map to repo paths (e.g.
/// `("/etc/nginx", "deploy/nginx")`, or a single file
/// `("/etc/nginx/conf.d/default.conf", "nginx/app.conf")`); the caller builds
/// it from volumes/COPY. A longer (more specific) entry hides a shorter one
/// below it, as a mount does. When the main file itself is mapped, relative
/// includes are completed in container space and mapped again; otherwise
/// they use the main file's repository directory. A fragment main file (not
/// [`is_main_config`]) in `conf.d/`, `sites-enabled/`, `http.d/`, ... has the
/// directory above as conf prefix, that of the stock `nginx.conf` including it.
#[must_use]
pub fn load_config(
    main: &LoadedFile,
    loader: &dyn IncludeLoader,
    prefix_map: &[(String, String)],
) -> Config {
    let mappings: Vec<Mapping> = prefix_map
        .iter()
        .filter_map(|(c, r)| {
            Some(Mapping {
                container: components_abs(c),
                repo: normalize_rel(r)?,
            })
        })
        .collect();
    let main_path = normalize_rel(&main.path).unwrap_or_else(|| main.path.clone());
    let parsed = parse(main.file, &main.text);
    let fragment = !is_main_config(&parsed);
    let conf_prefix = match container_path_of(&main_path, &mappings) {
        Some(c) => Prefix::Container(conf_dir(&c, fragment)),
        None => Prefix::Repo(conf_dir(&main_path, fragment)),
    };
    let mut st = State {
        loader,
        mappings,
        conf_prefix,
        files: Vec::new(),
        texts: Vec::new(),
        by_path: HashMap::new(),
        includes: Vec::new(),
        include_at: HashMap::new(),
        problems: Vec::new(),
        seen_problems: HashSet::new(),
        stack: Vec::new(),
        budget: MAX_TREE_DIRECTIVES,
        budget_reported: false,
    };
    let main_idx = st.add_file(main_path.clone(), parsed, main.text.clone());
    st.stack.push(main_idx);
    let items = Rc::clone(&st.files[main_idx].1);
    let tree = st.splice(main_idx, &items.directives, 0, 0);
    st.stack.pop();
    drop(items);
    let conf_prefix = match &st.conf_prefix {
        Prefix::Container(c) | Prefix::Repo(c) => c.clone(),
    };
    Config {
        main: main_path,
        files: st
            .files
            .into_iter()
            .map(|(p, f)| (p, Rc::try_unwrap(f).unwrap_or_else(|rc| (*rc).clone())))
            .collect(),
        includes: st.includes,
        tree,
        problems: st.problems,
        conf_prefix,
    }
}

/// A `prefix_map` entry, normalized.
struct Mapping {
    /// Components of the absolute container path (empty for `/`).
    container: Vec<String>,
    /// Normalized repository path (`""` for the root).
    repo: String,
}

enum Prefix {
    /// Container directory (absolute, normalized).
    Container(String),
    /// Repository directory (normalized, `""` for the root).
    Repo(String),
}

/// How an include argument resolved.
struct Resolution {
    /// (repo path, nginx path, written path), in nginx's order.
    files: Vec<(String, String, String)>,
    unresolved: Option<String>,
    /// nginx would refuse the configuration: the problem message.
    problem: Option<String>,
}

struct State<'a> {
    loader: &'a dyn IncludeLoader,
    mappings: Vec<Mapping>,
    conf_prefix: Prefix,
    files: Vec<(String, Rc<NginxFile>)>,
    texts: Vec<Arc<str>>,
    by_path: HashMap<String, usize>,
    includes: Vec<Include>,
    /// Include directive span -> index in `includes`.
    include_at: HashMap<Span, usize>,
    problems: Vec<Problem>,
    seen_problems: HashSet<(Option<Span>, String)>,
    /// Files being read (indexes into `files`), outermost first.
    stack: Vec<usize>,
    /// Directives the tree may still take.
    budget: usize,
    budget_reported: bool,
}

impl State<'_> {
    fn add_file(&mut self, path: String, parsed: NginxFile, text: Arc<str>) -> usize {
        for p in &parsed.problems {
            self.problem(p.clone());
        }
        let idx = self.files.len();
        self.by_path.insert(path.clone(), idx);
        self.files.push((path, Rc::new(parsed)));
        self.texts.push(text);
        idx
    }

    fn problem(&mut self, p: Problem) {
        if self.seen_problems.insert((p.span, p.message.clone())) {
            self.problems.push(p);
        }
    }

    /// The file at repository path `path`, read and parsed once.
    fn file_index(&mut self, path: &str) -> Option<usize> {
        if let Some(&i) = self.by_path.get(path) {
            return Some(i);
        }
        let loaded = self.loader.load(path)?;
        let parsed = parse(loaded.file, &loaded.text);
        Some(self.add_file(path.to_owned(), parsed, loaded.text))
    }

    /// Copies `items` of file `file` with includes spliced in.
    /// `depth` counts nested blocks and includes together.
    fn splice(
        &mut self,
        file: usize,
        items: &[Directive],
        depth: usize,
        include_depth: usize,
    ) -> Vec<Directive> {
        let mut out = Vec::with_capacity(items.len());
        for d in items {
            if self.budget == 0 {
                if !self.budget_reported {
                    self.budget_reported = true;
                    self.problem(Problem::parse(
                        d.span,
                        format!(
                            "includes expand to more than {MAX_TREE_DIRECTIVES} directives; the rest is not read"
                        ),
                    ));
                }
                return out;
            }
            self.budget -= 1;
            if !d.is_comment() && d.name == "include" && d.block.is_none() {
                let idx = self.include(file, d);
                if self.includes[idx].resolved.is_empty() {
                    if self.includes[idx].unresolved_reason.is_some() {
                        out.push(d.clone());
                    }
                    continue;
                }
                if include_depth >= MAX_INCLUDE_DEPTH || depth >= MAX_DEPTH {
                    self.problem(Problem::parse(
                        d.span,
                        format!(
                            "includes nested deeper than {MAX_INCLUDE_DEPTH} files or {MAX_DEPTH} blocks are not read"
                        ),
                    ));
                    continue;
                }
                let targets = self.includes[idx].resolved.clone();
                for path in targets {
                    let Some(target) = self.file_index(&path) else {
                        continue;
                    };
                    if self.stack.contains(&target) {
                        self.cycle(idx, target, d.span);
                        continue;
                    }
                    self.stack.push(target);
                    let parsed = Rc::clone(&self.files[target].1);
                    let spliced =
                        self.splice(target, &parsed.directives, depth + 1, include_depth + 1);
                    out.extend(spliced);
                    self.stack.pop();
                }
                continue;
            }
            let mut copy = d.clone_shallow();
            if let Some(children) = &d.block {
                if depth + 1 >= MAX_DEPTH {
                    self.problem(Problem::parse(
                        d.span,
                        format!("blocks nested deeper than {MAX_DEPTH} levels are not read"),
                    ));
                    copy.block = Some(Vec::new());
                } else {
                    copy.block = Some(self.splice(file, children, depth + 1, include_depth));
                }
            }
            out.push(copy);
        }
        out
    }

    fn cycle(&mut self, include: usize, target: usize, span: Span) {
        self.includes[include].cycle = true;
        let start = self.stack.iter().position(|&f| f == target).unwrap_or(0);
        let mut chain: Vec<&str> = self.stack[start..]
            .iter()
            .map(|&f| self.files[f].0.as_str())
            .collect();
        chain.push(self.files[target].0.as_str());
        let msg = format!(
            "include cycle: {}; nginx follows it until it fails (nginx -t crashes with a segmentation fault, or reports a duplicate directive)",
            chain.join(" -> ")
        );
        if self.includes[include].unresolved_reason.is_none() {
            self.includes[include].unresolved_reason = Some("include cycle".to_owned());
        }
        self.problem(Problem::parse(span, msg));
    }

    /// The [`Include`] record of directive `d` in file `file`, resolved once.
    fn include(&mut self, file: usize, d: &Directive) -> usize {
        if let Some(&i) = self.include_at.get(&d.span) {
            return i;
        }
        let text = Arc::clone(&self.texts[file]);
        let (pattern, res) = match d.args.as_slice() {
            [arg] => {
                let pattern = arg.nginx_value(&text);
                let res = self.resolve(&pattern);
                (pattern, res)
            }
            _ => (
                d.args.first().map(|a| a.value.clone()).unwrap_or_default(),
                Resolution {
                    files: Vec::new(),
                    unresolved: Some("invalid number of arguments".to_owned()),
                    problem: Some(
                        "invalid number of arguments in \"include\" directive; nginx would refuse the configuration"
                            .to_owned(),
                    ),
                },
            ),
        };
        if let Some(msg) = &res.problem {
            self.problem(Problem::parse(d.span, msg.clone()));
        }
        let mut inc = Include {
            directive_span: d.span,
            is_glob: has_magic(&pattern),
            pattern,
            resolved: Vec::new(),
            unresolved_reason: res.unresolved,
            nginx_paths: Vec::new(),
            written_paths: Vec::new(),
            cycle: false,
            in_file: self.files[file].0.clone(),
        };
        for (repo, nginx, written) in res.files {
            inc.resolved.push(repo);
            inc.nginx_paths.push(nginx);
            inc.written_paths.push(written);
        }
        let idx = self.includes.len();
        self.includes.push(inc);
        self.include_at.insert(d.span, idx);
        idx
    }

    /// Resolves an include argument to repository files.
    fn resolve(&self, pattern: &str) -> Resolution {
        let magic = has_magic(pattern);
        let unresolved = |why: String| Resolution {
            files: Vec::new(),
            unresolved: Some(why),
            problem: None,
        };
        if pattern.is_empty() {
            return Resolution {
                files: Vec::new(),
                unresolved: Some("empty path".to_owned()),
                problem: Some(
                    "include of an empty path; nginx would refuse the configuration".to_owned(),
                ),
            };
        }
        let container = if pattern.starts_with('/') {
            Some(components_abs(pattern))
        } else if let Prefix::Container(prefix) = &self.conf_prefix {
            Some(components_abs(&format!("{prefix}/{pattern}")))
        } else {
            None
        };
        let mut files: Vec<(String, String, String)>;
        let shown: String;
        let stock;
        if let Some(comps) = container {
            let path = format!("/{}", comps.join("/"));
            stock = is_stock_path(&path);
            shown = path.clone();
            match self.map_container(&comps, magic) {
                Some(found) => {
                    files = found
                        .into_iter()
                        .map(|(repo, nginx)| {
                            let written = written_name(pattern, &comps, &nginx);
                            (repo, nginx, written)
                        })
                        .collect();
                }
                None => {
                    return unresolved(if stock {
                        format!("stock nginx file {path} (not in the repository)")
                    } else {
                        format!(
                            "outside the scanned root ({path} is not mapped to a repository path)"
                        )
                    });
                }
            }
        } else {
            let Prefix::Repo(prefix) = &self.conf_prefix else {
                return unresolved("no conf prefix".to_owned());
            };
            let joined = if prefix.is_empty() {
                pattern.to_owned()
            } else {
                format!("{prefix}/{pattern}")
            };
            let Some(repo_pattern) = normalize_rel(&joined) else {
                return unresolved(format!(
                    "outside the scanned root ({pattern} leaves the repository)"
                ));
            };
            stock = is_stock_path(&repo_pattern);
            shown = repo_pattern.clone();
            let comps: Vec<String> = repo_pattern.split('/').map(str::to_owned).collect();
            let mut found = self.glob_repo(&repo_pattern, magic);
            found.sort();
            files = found
                .into_iter()
                .map(|repo| {
                    let rel = strip_dir(&repo, prefix).to_owned();
                    let written = written_name(pattern, &comps, &repo);
                    (repo, rel, written)
                })
                .collect();
        }
        files.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        if files.is_empty() && !magic {
            if stock {
                return unresolved(format!("stock nginx file {shown} (not in the repository)"));
            }
            return Resolution {
                files,
                unresolved: Some(format!("{shown} is not in the repository")),
                problem: Some(if shown == pattern {
                    format!(
                        "included file \"{pattern}\" is not in the repository; nginx refuses the configuration when an included file is missing"
                    )
                } else {
                    format!(
                        "included file \"{pattern}\" ({shown}) is not in the repository; nginx refuses the configuration when an included file is missing"
                    )
                }),
            };
        }
        Resolution {
            files,
            unresolved: None,
            problem: None,
        }
    }

    /// Files the loader has for a normalized repository path or glob.
    fn glob_repo(&self, repo_pattern: &str, magic: bool) -> Vec<String> {
        let found = self.loader.glob(repo_pattern);
        // Keep only what nginx's rules match, whatever the loader's.
        found
            .into_iter()
            .filter(|p| {
                if magic {
                    glob_matches(repo_pattern, p)
                } else {
                    p == repo_pattern
                }
            })
            .collect()
    }

    /// Container path components -> (repo path, container path) of existing
    /// files, sorted by container path; `None` when no mapping covers the path.
    fn map_container(&self, comps: &[String], magic: bool) -> Option<Vec<(String, String)>> {
        let mut covered = false;
        // container path -> (mapping depth, repo path)
        let mut found: HashMap<String, (usize, String)> = HashMap::new();
        for m in &self.mappings {
            let n = m.container.len();
            if n > comps.len() {
                continue;
            }
            let prefix_matches = comps.iter().zip(&m.container).all(|(p, c)| {
                if magic {
                    component_matches(p, c)
                } else {
                    p == c
                }
            });
            if !prefix_matches {
                continue;
            }
            covered = true;
            let rest = comps[n..].join("/");
            let repo_pattern = match (m.repo.is_empty(), rest.is_empty()) {
                (true, _) => rest.clone(),
                (false, true) => m.repo.clone(),
                (false, false) => format!("{}/{rest}", m.repo),
            };
            if repo_pattern.is_empty() {
                continue;
            }
            let rest_magic = has_magic(&rest);
            for repo in self.glob_repo(&repo_pattern, rest_magic) {
                let tail = strip_dir(&repo, &m.repo);
                let mut container = m.container.clone();
                if !tail.is_empty() {
                    container.extend(tail.split('/').map(str::to_owned));
                }
                let key = format!("/{}", container.join("/"));
                match found.get(&key) {
                    Some((depth, _)) if *depth >= n => {}
                    _ => {
                        found.insert(key, (n, repo));
                    }
                }
            }
        }
        if !covered {
            return None;
        }
        // A deeper mapping hides what a shallower one puts below it.
        let deepest_for = |path: &[String]| {
            self.mappings
                .iter()
                .filter(|m| m.container.len() <= path.len() && path.starts_with(&m.container))
                .map(|m| m.container.len())
                .max()
        };
        let mut out: Vec<(String, String)> = found
            .into_iter()
            .filter(|(container, (depth, _))| {
                let comps = components_abs(container);
                deepest_for(&comps) == Some(*depth)
            })
            .map(|(container, (_, repo))| (repo, container))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Some(out)
    }
}

impl Directive {
    /// A copy without children (they are rebuilt by the caller).
    fn clone_shallow(&self) -> Directive {
        Directive {
            name: self.name.clone(),
            name_span: self.name_span,
            name_quoted: self.name_quoted,
            args: self.args.clone(),
            block: None,
            span: self.span,
            full_span: self.full_span,
            comment: self.comment.clone(),
        }
    }
}

/// The container path of repository file `repo` under the mappings, if any
/// (the most specific mapping wins).
fn container_path_of(repo: &str, mappings: &[Mapping]) -> Option<String> {
    mappings
        .iter()
        .filter(|m| {
            m.repo.is_empty() || repo == m.repo || repo.starts_with(&format!("{}/", m.repo))
        })
        .max_by_key(|m| m.repo.len())
        .map(|m| {
            let tail = strip_dir(repo, &m.repo);
            let mut comps = m.container.clone();
            if repo != m.repo && !tail.is_empty() {
                comps.extend(tail.split('/').map(str::to_owned));
            }
            format!("/{}", comps.join("/"))
        })
}

/// The conf prefix for a main file at `path`: its directory, or for a
/// fragment in `conf.d/` and the like, the directory above.
fn conf_dir(path: &str, fragment: bool) -> String {
    let dir = parent(path);
    if fragment {
        let name = dir.rsplit('/').next().unwrap_or("");
        if FRAGMENT_DIRS.contains(&name) {
            return parent(dir).to_owned();
        }
    }
    dir.to_owned()
}

/// Everything before the last `/` (`""` for a bare name, `/` kept for `/x`).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

/// `path` relative to directory `dir` (`path` itself when `dir` is `""`).
fn strip_dir<'p>(path: &'p str, dir: &str) -> &'p str {
    if dir.is_empty() {
        return path;
    }
    if path == dir {
        return "";
    }
    path.strip_prefix(dir)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(path)
}

fn is_stock_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    STOCK_FILE_NAMES.contains(&name)
        || STOCK_DIRS
            .iter()
            .any(|d| path.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
}

/// nginx's test for a glob argument (`strpbrk(name, "*?[")`).
#[must_use]
pub fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Components of an absolute path after lexical `.`/`..`/`//` clean-up
/// (`..` at the root stays at the root).
fn components_abs(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            _ => out.push(c.to_owned()),
        }
    }
    out
}

/// A root-relative path after lexical clean-up; `None` if it leaves the
/// root or is absolute.
#[must_use]
pub fn normalize_rel(path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let mut out: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            _ => out.push(c),
        }
    }
    Some(out.join("/"))
}

/// The include argument as written, with its glob components replaced by
/// the names `matched` has at the same positions of the normalized pattern
/// `norm` (how Python's `glob.glob` names its results). Falls back to
/// `matched` when the two cannot be lined up.
fn written_name(written: &str, norm: &[String], matched: &str) -> String {
    if !has_magic(written) {
        return written.to_owned();
    }
    let matched: Vec<&str> = matched.trim_start_matches('/').split('/').collect();
    if matched.len() != norm.len() {
        return matched.join("/");
    }
    let mut names = norm
        .iter()
        .zip(&matched)
        .filter(|(p, _)| has_magic(p))
        .map(|(_, m)| *m);
    let parts: Vec<String> = written
        .split('/')
        .map(|c| {
            if has_magic(c) {
                names.next().unwrap_or(c).to_owned()
            } else {
                c.to_owned()
            }
        })
        .collect();
    parts.join("/")
}

/// Whether `path` matches `pattern` the way `glob(3)` (flags 0, C locale)
/// matches it: component by component, `*` and `?` and `[...]` never match
/// `/`, a leading `.` only matches a literal `.`, `\` quotes the next
/// character, `[!...]`/`[^...]` negate, `[a-z]` ranges and `[[:alpha:]]`
/// classes work, an unclosed `[` is literal.
#[must_use]
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pc: Vec<&str> = pattern.split('/').collect();
    let fc: Vec<&str> = path.split('/').collect();
    pc.len() == fc.len() && pc.iter().zip(&fc).all(|(p, f)| component_matches(p, f))
}

/// One path component against one pattern component.
fn component_matches(pattern: &str, name: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), name.as_bytes());
    if s.first() == Some(&b'.') {
        let literal_dot = p.first() == Some(&b'.') || p.starts_with(b"\\.");
        if !literal_dot {
            return false;
        }
    }
    fnmatch(p, s)
}

/// Matches one pattern element at `p[pi]` against byte `c`: the index after
/// the element, or `None` on mismatch. `*` is handled by the caller.
fn match_one(p: &[u8], pi: usize, c: u8) -> Option<usize> {
    match p.get(pi)? {
        b'?' => Some(pi + 1),
        b'[' => match bracket(p, pi, c) {
            Some((true, next)) => Some(next),
            Some((false, _)) => None,
            // Unclosed `[`: a literal character.
            None => (c == b'[').then_some(pi + 1),
        },
        b'\\' if pi + 1 < p.len() => (p[pi + 1] == c).then_some(pi + 2),
        &lit => (lit == c).then_some(pi + 1),
    }
}

/// Iterative wildcard matching with single-star backtracking.
fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if p.get(pi) == Some(&b'*') {
            star = Some((pi + 1, si));
            pi += 1;
            continue;
        }
        if let Some(&c) = s.get(si) {
            if let Some(next) = match_one(p, pi, c) {
                pi = next;
                si += 1;
                continue;
            }
        } else if pi >= p.len() {
            return true;
        }
        // Mismatch (or pattern left over at the end of the name): let the
        // last `*` take one more byte.
        match star {
            Some((sp, ss)) if ss < s.len() => {
                star = Some((sp, ss + 1));
                pi = sp;
                si = ss + 1;
            }
            _ => return false,
        }
    }
}

/// A bracket expression at `p[start] == '['` against `c`: (matched, index
/// after `]`), or `None` if it is not closed.
fn bracket(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let b = *p.get(i)?;
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if b == b'[' && p.get(i + 1) == Some(&b':') {
            let rest = p.get(i + 2..)?;
            if let Some(end) = rest.windows(2).position(|w| w == b":]") {
                let class = &rest[..end];
                matched |= class_matches(class, c);
                i += 2 + end + 2;
                continue;
            }
        }
        let (lo, next) = if b == b'\\' && i + 1 < p.len() {
            (p[i + 1], i + 2)
        } else {
            (b, i + 1)
        };
        if p.get(next) == Some(&b'-') && p.get(next + 1).is_some_and(|&h| h != b']') {
            let (hi, after) = match p.get(next + 1) {
                Some(b'\\') if next + 2 < p.len() => (p[next + 2], next + 3),
                Some(&h) => (h, next + 2),
                None => return None,
            };
            matched |= lo <= c && c <= hi;
            i = after;
        } else {
            matched |= lo == c;
            i = next;
        }
    }
}

fn class_matches(class: &[u8], c: u8) -> bool {
    match class {
        b"alpha" => c.is_ascii_alphabetic(),
        b"digit" => c.is_ascii_digit(),
        b"alnum" => c.is_ascii_alphanumeric(),
        b"upper" => c.is_ascii_uppercase(),
        b"lower" => c.is_ascii_lowercase(),
        b"space" => matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c),
        b"blank" => matches!(c, b' ' | b'\t'),
        b"punct" => c.is_ascii_punctuation(),
        b"xdigit" => c.is_ascii_hexdigit(),
        b"cntrl" => c.is_ascii_control(),
        b"print" => (0x20..0x7f).contains(&c),
        b"graph" => c.is_ascii_graphic(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_rules_of_glob3() {
        assert!(glob_matches("conf.d/*.conf", "conf.d/a.conf"));
        assert!(!glob_matches("conf.d/*.conf", "conf.d/.hidden.conf"));
        assert!(glob_matches("conf.d/.*.conf", "conf.d/.hidden.conf"));
        assert!(!glob_matches("conf.d/*.conf", "conf.d/sub/a.conf"));
        assert!(!glob_matches("*", "a/b"));
        assert!(glob_matches("*/x.conf", "sites/x.conf"));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "a/c"));
        assert!(glob_matches("[ab].conf", "b.conf"));
        assert!(!glob_matches("[!ab].conf", "b.conf"));
        assert!(glob_matches("[^ab].conf", "c.conf"));
        assert!(glob_matches("[a-c]x", "bx"));
        assert!(!glob_matches("[a-c]x", "dx"));
        assert!(glob_matches("[]]", "]"));
        assert!(glob_matches("[[:digit:]]*", "1a"));
        assert!(glob_matches("a[", "a["));
        assert!(glob_matches("a\\*", "a*"));
        assert!(!glob_matches("a\\*", "ab"));
        assert!(glob_matches("*a*b*", "xxaxxbxx"));
        assert!(!glob_matches("*a*b", "xxaxxbxxc"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("**", "abc"));
        assert!(!glob_matches("[.]x", ".x"));
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(normalize_rel("a/./b//c/../d").as_deref(), Some("a/b/d"));
        assert_eq!(normalize_rel("a/../../x"), None);
        assert_eq!(normalize_rel("/etc/x"), None);
        assert_eq!(normalize_rel("").as_deref(), Some(""));
        assert_eq!(components_abs("/etc/../../nginx/./x"), ["nginx", "x"]);
    }

    #[test]
    fn written_names_follow_python_glob() {
        let norm: Vec<String> = ["nginx", "conf.d", "*.conf"].map(str::to_owned).to_vec();
        assert_eq!(
            written_name("./conf.d/*.conf", &norm, "nginx/conf.d/a.conf"),
            "./conf.d/a.conf"
        );
        assert_eq!(written_name("x.conf", &norm, "whatever"), "x.conf");
    }

    #[test]
    fn conf_prefix_of_fragments() {
        assert_eq!(conf_dir("deploy/nginx/nginx.conf", false), "deploy/nginx");
        assert_eq!(
            conf_dir("deploy/nginx/conf.d/app.conf", true),
            "deploy/nginx"
        );
        assert_eq!(conf_dir("deploy/app.conf", true), "deploy");
        assert_eq!(
            conf_dir("/etc/nginx/conf.d/default.conf", true),
            "/etc/nginx"
        );
        assert_eq!(conf_dir("nginx.conf", false), "");
        assert_eq!(conf_dir("/nginx.conf", false), "/");
    }
}
