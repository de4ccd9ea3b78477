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
        assert_eq!(normalize_rel("./a/../b/./c"), "b/c");
    }
}
