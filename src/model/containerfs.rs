//! Which repository files appear at which paths inside a container: compose
//! bind mounts, Dockerfile `COPY`/`ADD` and Kubernetes ConfigMap volumes
//! (whose keys are files parity made from the manifest, see
//! [`ContainerFs::provide`]). Used to resolve config paths named
//! inside the container (`-c /app/gunicorn.conf.py`, the default
//! `./gunicorn.conf.py` in the working directory).

use std::collections::BTreeSet;

/// A map from container paths to repository paths (root-relative, `/`).
#[derive(Debug, Clone, Default)]
pub struct ContainerFs {
    /// (container path prefix, repo path prefix, how it got there). Later entries shadow earlier ones.
    mounts: Vec<(String, String, String)>,
    /// (container path, key) of mounts another container may share: bind
    /// mounts (`repo:PATH`, `host:PATH`) and named volumes (`volume:NAME`).
    shared: Vec<(String, String)>,
    /// The process working directory inside the container.
    pub workdir: String,
    /// True inside a container whose files parity knows (image build, mounts):
    /// a file that no mount provides is not there. False on a host, where
    /// anything may exist: an optional lookup that finds nothing is unknown.
    pub exhaustive: bool,
    /// Files that exist without being repository files: ConfigMap keys, by
    /// the path parity registered them under in the source map.
    provided: BTreeSet<String>,
}

impl ContainerFs {
    #[must_use]
    pub fn new(workdir: &str) -> Self {
        Self {
            mounts: Vec::new(),
            shared: Vec::new(),
            workdir: normalize(if workdir.is_empty() { "/" } else { workdir }),
            exhaustive: true,
            provided: BTreeSet::new(),
        }
    }

    /// Records that `repo` (a root-relative file or directory) appears at `container`.
    pub fn add(&mut self, container: &str, repo: &str, why: impl Into<String>) {
        let container = normalize(&self.absolute(container));
        self.mounts
            .push((container, normalize_rel(repo), why.into()));
    }

    /// Records that `file`, which is not a repository file (a ConfigMap key
    /// registered under that path), exists; mount it with [`ContainerFs::add`].
    pub fn provide(&mut self, file: &str) {
        self.provided.insert(normalize_rel(file));
    }

    /// Records a mount at `container` that other containers may mount too,
    /// under `key` (`volume:NAME`, `host:/dir`, `repo:dir`).
    pub fn add_shared(&mut self, container: &str, key: impl Into<String>) {
        let container = normalize(&self.absolute(container));
        self.shared.push((container, key.into()));
    }

    /// Where `path` (inside the container) lives outside it, as a key that is
    /// the same in every container mounting the same volume or directory:
    /// the key of the deepest shared mount holding it, plus the rest of the
    /// path. `None` when it is in the container's own filesystem.
    #[must_use]
    pub fn shared_location(&self, path: &str) -> Option<String> {
        let target = normalize(&self.absolute(path));
        let mut best: Option<(usize, String)> = None;
        for (container, key) in &self.shared {
            let Some(rest) = strip_dir(&target, container) else {
                continue;
            };
            if best.as_ref().is_none_or(|(len, _)| container.len() >= *len) {
                let loc = if rest.is_empty() {
                    key.clone()
                } else {
                    format!("{}/{rest}", key.trim_end_matches('/'))
                };
                best = Some((container.len(), loc));
            }
        }
        best.map(|(_, loc)| loc)
    }

    /// Every (container path, repo prefix) the container's files come from.
    pub fn mounts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.mounts.iter().map(|(c, r, _)| (c.as_str(), r.as_str()))
    }

    /// The container paths where the repository file `repo` appears (and how
    /// it got there), skipping places where a later mount shadows it.
    #[must_use]
    pub fn container_paths(
        &self,
        repo: &str,
        repo_files: &BTreeSet<String>,
    ) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (container, prefix, why) in &self.mounts {
            let rest = if prefix.is_empty() {
                Some(repo)
            } else if repo == prefix {
                Some("")
            } else {
                repo.strip_prefix(prefix.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            let Some(rest) = rest else { continue };
            let path = if rest.is_empty() {
                container.clone()
            } else {
                format!("{}/{rest}", container.trim_end_matches('/'))
            };
            let visible = self
                .resolve(&path, repo_files)
                .is_some_and(|(r, _)| r == repo);
            if visible && !out.iter().any(|(p, _)| *p == path) {
                out.push((path, why.clone()));
            }
        }
        out
    }

    /// A container path made absolute and normalised (`.`, `..`, `//`).
    #[must_use]
    pub fn normalized(&self, path: &str) -> String {
        normalize(&self.absolute(path))
    }

    /// A container path made absolute against the working directory.
    #[must_use]
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("{}/{}", self.workdir.trim_end_matches('/'), path)
        }
    }

    /// The repository file at `path` inside the container, if one lands there.
    /// Returns the repo path and how it got there.
    #[must_use]
    pub fn resolve(&self, path: &str, repo_files: &BTreeSet<String>) -> Option<(String, String)> {
        let target = normalize(&self.absolute(path));
        for (container, repo, why) in self.mounts.iter().rev() {
            let rest = if target == *container {
                Some("")
            } else {
                target
                    .strip_prefix(container.as_str())
                    .and_then(|r| r.strip_prefix('/'))
                    .or_else(|| (container == "/").then(|| target.trim_start_matches('/')))
            };
            let Some(rest) = rest else { continue };
            let candidate = if rest.is_empty() {
                repo.clone()
            } else if repo.is_empty() {
                rest.to_owned()
            } else {
                format!("{repo}/{rest}")
            };
            if repo_files.contains(&candidate) || self.provided.contains(&candidate) {
                return Some((candidate, why.clone()));
            }
        }
        None
    }
}

/// `path` relative to the directory `dir` (both normalised), if inside it.
fn strip_dir<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if path == dir {
        return Some("");
    }
    if dir == "/" {
        return Some(path.trim_start_matches('/'));
    }
    path.strip_prefix(dir).and_then(|r| r.strip_prefix('/'))
}

/// Collapses `.`/`..` and duplicate slashes of an absolute container path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Normalises a root-relative repo path; `""` is the root itself.
#[must_use]
pub fn normalize_rel(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_locations_follow_the_deepest_mount() {
        let mut nginx = ContainerFs::new("/");
        nginx.add_shared("/run/sock", "volume:0:sockets");
        let mut app = ContainerFs::new("/app");
        app.add_shared("/var/run/app", "volume:0:sockets");
        app.add_shared("/var", "host:/srv/var");
        assert_eq!(
            nginx.shared_location("/run/sock/app.sock"),
            app.shared_location("/var/run/app/app.sock")
        );
        assert_eq!(
            app.shared_location("/var/log/x"),
            Some("host:/srv/var/log/x".to_owned())
        );
        assert_eq!(nginx.shared_location("/tmp/app.sock"), None);
        // Relative paths are inside the working directory.
        app.add_shared("/app/run", "repo:run");
        assert_eq!(
            app.shared_location("run/g.sock"),
            Some("repo:run/g.sock".to_owned())
        );
    }

    #[test]
    fn resolves_through_the_latest_matching_mount() {
        let files: BTreeSet<String> = ["app/gunicorn.conf.py", "conf/gunicorn.py"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let mut fs = ContainerFs::new("/srv/app");
        fs.add("/srv/app", "app", "COPY . /srv/app");
        assert_eq!(
            fs.resolve("./gunicorn.conf.py", &files).map(|r| r.0),
            Some("app/gunicorn.conf.py".to_owned())
        );
        fs.add("/etc/gunicorn/g.py", "conf/gunicorn.py", "volume");
        assert_eq!(
            fs.resolve("/etc/gunicorn/g.py", &files).map(|r| r.0),
            Some("conf/gunicorn.py".to_owned())
        );
        assert_eq!(fs.resolve("/nowhere.py", &files), None);
        // A ConfigMap volume: its keys exist although they are no repository files.
        fs.add(
            "/etc/gunicorn",
            "k8s/app.yaml#configmap/gc",
            "ConfigMap volume",
        );
        assert_eq!(fs.resolve("/etc/gunicorn/gunicorn.conf.py", &files), None);
        fs.provide("k8s/app.yaml#configmap/gc/gunicorn.conf.py");
        assert_eq!(
            fs.resolve("/etc/gunicorn/gunicorn.conf.py", &files)
                .map(|r| r.0),
            Some("k8s/app.yaml#configmap/gc/gunicorn.conf.py".to_owned())
        );
        assert_eq!(
            fs.container_paths("app/gunicorn.conf.py", &files),
            [(
                "/srv/app/gunicorn.conf.py".to_owned(),
                "COPY . /srv/app".to_owned()
            )]
        );
        // Shadowed by the later mount of conf/gunicorn.py.
        assert!(fs.container_paths("conf/other.py", &files).is_empty());
        assert_eq!(normalize_rel("./a/../b/./c"), "b/c");
    }
}
