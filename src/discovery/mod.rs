//! Discovery: which files under the scanned roots parity reads, and what kind
//! each one is. First stage of the pipeline; imports only leaf modules.
//!
//! The walk uses the `ignore` crate (gitignore-aware, parallel), skips `.git`,
//! never follows a symbolic link out of the root, and registers every file it
//! reads in the [`SourceMap`] with a root-relative path.

mod classify;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::GlobSet;

pub use classify::{Candidate, FileKind, classify_by_name, looks_like_nginx, sniff};

use crate::source_map::SourceMap;
use crate::span::FileId;

/// Files larger than this are not configuration; they are listed but not read.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Options for a walk.
#[derive(Debug)]
pub struct WalkOptions {
    /// Root-relative globs of files and directories to leave out.
    pub exclude: Option<GlobSet>,
    /// Decides whether an nginx-like file (`*.conf`, `conf.d/*`) is nginx. The
    /// default is a line heuristic; the CLI passes the nginx source's own sniff,
    /// which knows the grammar (discovery cannot import sources).
    pub nginx_sniff: fn(&str) -> bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            exclude: None,
            nginx_sniff: looks_like_nginx,
        }
    }
}

/// A recognised input file.
#[derive(Debug, Clone)]
pub struct Discovered {
    pub file: FileId,
    pub kind: FileKind,
}

/// One scanned root and everything found under it.
#[derive(Debug)]
pub struct Root {
    /// The root as given on the command line.
    pub given: PathBuf,
    /// Canonical absolute path; nothing outside it is ever opened.
    pub canonical: PathBuf,
    /// Prefix put before root-relative paths when several roots are scanned.
    pub display_prefix: String,
}

/// Everything discovery found.
#[derive(Debug, Default)]
pub struct Inventory {
    pub roots: Vec<Root>,
    /// Recognised files, sorted by path.
    pub files: Vec<Discovered>,
    /// Every non-ignored file (display path -> root index), so later stages can
    /// resolve a path named in a config (`-c conf/gunicorn.py`) without walking again.
    pub all_paths: BTreeSet<String>,
    /// Files passed over, with the reason (too large, symlink leaving the root).
    pub skipped: Vec<(String, String)>,
}

impl Inventory {
    /// Reads a file that a config names, if it is inside a scanned root and was
    /// not ignored; registers it in `map`. Never opens anything else.
    pub fn load_extra(&self, map: &mut SourceMap, display_path: &str) -> Option<FileId> {
        if let Some(f) = map.find(display_path) {
            return Some(f.id);
        }
        if !self.all_paths.contains(display_path) {
            return None;
        }
        let abs = self.abs_path(display_path)?;
        match read_inside(&abs, &self.roots) {
            Read::Bytes(bytes) => Some(map.add(display_path.to_owned(), abs, &bytes)),
            _ => None,
        }
    }

    fn abs_path(&self, display_path: &str) -> Option<PathBuf> {
        for root in &self.roots {
            let rest = if root.display_prefix.is_empty() {
                Some(display_path)
            } else {
                display_path
                    .strip_prefix(&root.display_prefix)
                    .and_then(|r| r.strip_prefix('/'))
            };
            if let Some(rest) = rest {
                return Some(root.canonical.join(rest));
            }
        }
        None
    }
}

/// Error that stops a run before any file is read (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("cannot read scan root `{path}`: {source}")]
    Root {
        path: String,
        source: std::io::Error,
    },
}

/// Walks `paths` and reads every recognised file into `map`.
///
/// # Errors
/// Only when a root itself cannot be read.
pub fn discover(
    paths: &[PathBuf],
    options: &WalkOptions,
    map: &mut SourceMap,
) -> Result<Inventory, DiscoveryError> {
    let mut inventory = Inventory::default();
    let several = paths.len() > 1;
    let mut found: Vec<Found> = Vec::new();
    for given in paths {
        let canonical = given
            .canonicalize()
            .map_err(|source| DiscoveryError::Root {
                path: given.display().to_string(),
                source,
            })?;
        let (walk_root, only_file) = if canonical.is_file() {
            let parent = canonical
                .parent()
                .map_or(canonical.clone(), Path::to_path_buf);
            (parent, Some(canonical.clone()))
        } else {
            (canonical.clone(), None)
        };
        let display_prefix = if several {
            let mut p = given.to_string_lossy().replace('\\', "/");
            if only_file.is_some() {
                p = Path::new(&p)
                    .parent()
                    .map(|x| x.to_string_lossy().into_owned())
                    .unwrap_or_default();
            }
            p.trim_end_matches('/').trim_start_matches("./").to_owned()
        } else {
            String::new()
        };
        inventory.roots.push(Root {
            given: given.clone(),
            canonical: walk_root.clone(),
            display_prefix: display_prefix.clone(),
        });
        let entries = match &only_file {
            Some(file) => vec![file.clone()],
            None => walk(&walk_root, options, &mut inventory.skipped, &display_prefix)?,
        };
        let roots_so_far = &inventory.roots;
        let read: Vec<_> = {
            use rayon::prelude::*;
            entries
                .par_iter()
                .filter_map(|abs| {
                    let rel = abs.strip_prefix(&walk_root).ok()?;
                    let rel = rel.to_string_lossy().replace('\\', "/");
                    let display = join_display(&display_prefix, &rel);
                    let Some(candidate) = classify_by_name(&rel) else {
                        return Some(Found {
                            display,
                            abs: abs.clone(),
                            read: None,
                        });
                    };
                    let read = match read_inside(abs, roots_so_far) {
                        Read::Bytes(bytes) => sniff(candidate, &bytes, options.nginx_sniff)
                            .map(|kind| Ok((kind, bytes))),
                        Read::TooLarge => Some(Err("larger than 4 MiB; not read")),
                        Read::Outside => Some(Err("resolves outside the scanned root; not read")),
                        Read::Failed => Some(Err("could not be read")),
                    };
                    Some(Found {
                        display,
                        abs: abs.clone(),
                        read,
                    })
                })
                .collect()
        };
        found.extend(read);
    }
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.display == b.display);
    for Found { display, abs, read } in found {
        inventory.all_paths.insert(display.clone());
        match read {
            Some(Ok((kind, bytes))) => {
                let file = map.add(display, abs, &bytes);
                inventory.files.push(Discovered { file, kind });
            }
            Some(Err(why)) => inventory.skipped.push((display, why.to_owned())),
            None => {}
        }
    }
    Ok(inventory)
}

fn join_display(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_owned()
    } else {
        format!("{prefix}/{rel}")
    }
}

/// Lists the files under `root` in parallel, honouring .gitignore/.ignore, with
/// hidden directories included (`.github`, `.docker`) but `.git` skipped.
fn walk(
    root: &Path,
    options: &WalkOptions,
    skipped: &mut Vec<(String, String)>,
    display_prefix: &str,
) -> Result<Vec<PathBuf>, DiscoveryError> {
    let files = Mutex::new(Vec::new());
    let skipped_links = Mutex::new(Vec::new());
    let root_owned = root.to_path_buf();
    let exclude = options.exclude.clone();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if let Some(ex) = &exclude
                && let Ok(rel) = e.path().strip_prefix(&root_owned)
                && !rel.as_os_str().is_empty()
                && ex.is_match(rel)
            {
                return false;
            }
            true
        })
        .build_parallel();
    walker.run(|| {
        Box::new(|entry| {
            let Ok(entry) = entry else {
                return ignore::WalkState::Continue;
            };
            let Some(ft) = entry.file_type() else {
                return ignore::WalkState::Continue;
            };
            if ft.is_file() {
                if let Ok(mut f) = files.lock() {
                    f.push(entry.into_path());
                }
            } else if ft.is_symlink() {
                // A link is read only when its target is a file inside the root.
                let path = entry.into_path();
                match path.canonicalize() {
                    Ok(target) if target.starts_with(root) && target.is_file() => {
                        if let Ok(mut f) = files.lock() {
                            f.push(path);
                        }
                    }
                    _ => {
                        if let Ok(mut s) = skipped_links.lock() {
                            s.push(path);
                        }
                    }
                }
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = files.into_inner().unwrap_or_default();
    files.sort();
    for link in skipped_links.into_inner().unwrap_or_default() {
        if let Ok(rel) = link.strip_prefix(root) {
            skipped.push((
                join_display(display_prefix, &rel.to_string_lossy().replace('\\', "/")),
                "symbolic link to a target outside the scanned root; not read".into(),
            ));
        }
    }
    Ok(files)
}

struct Found {
    display: String,
    abs: PathBuf,
    /// `None`: not a candidate by name; `Some(Err)`: a candidate that was not read.
    read: Option<Result<(FileKind, Vec<u8>), &'static str>>,
}

enum Read {
    Bytes(Vec<u8>),
    TooLarge,
    Outside,
    Failed,
}

/// Reads `abs` only if its canonical path lies inside one of the roots.
fn read_inside(abs: &Path, roots: &[Root]) -> Read {
    let Ok(canonical) = abs.canonicalize() else {
        return Read::Failed;
    };
    if !roots.iter().any(|r| canonical.starts_with(&r.canonical)) {
        return Read::Outside;
    }
    match std::fs::metadata(&canonical) {
        Ok(meta) if meta.is_file() && meta.len() > MAX_FILE_BYTES => Read::TooLarge,
        Ok(meta) if meta.is_file() => std::fs::read(&canonical).map_or(Read::Failed, Read::Bytes),
        _ => Read::Failed,
    }
}
