//! `parity nginx parse FILE`: parity's nginx reading as crossplane-compatible
//! JSON (`status`, `errors`, `config[].file/status/errors/parsed`), so crossplane
//! users can switch and the parser can be compared with crossplane directive by
//! directive. Includes are followed only inside the scanned root: the current
//! directory when FILE lies under it, else FILE's directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::discovery::{self, WalkOptions};
use crate::model::RepoLoader;
use crate::source_map::SourceMap;
use crate::sources::nginx;

/// Options of `parity nginx parse`.
#[derive(Debug, clap::Args)]
pub struct NginxParseArgs {
    /// The main nginx configuration file.
    pub file: PathBuf,
    /// Do not follow includes.
    #[arg(long)]
    pub single_file: bool,
    /// Keep `#` comments as directives named `#`.
    #[arg(long)]
    pub include_comments: bool,
    /// One config with includes spliced in place.
    #[arg(long)]
    pub combine: bool,
}

pub fn run(args: &NginxParseArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let Ok(file) = args.file.canonicalize() else {
        let _ = writeln!(err, "parity: cannot read `{}`", args.file.display());
        return ExitStatus::ToolError;
    };
    let root = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .filter(|d| file.starts_with(d))
        .or_else(|| file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let mut map = SourceMap::new();
    let inventory = match discovery::discover(
        std::slice::from_ref(&root),
        &WalkOptions::default(),
        &mut map,
    ) {
        Ok(inv) => inv,
        Err(e) => {
            let _ = writeln!(err, "parity: {e}");
            return ExitStatus::ToolError;
        }
    };
    let rel = file
        .strip_prefix(&root)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let Some(id) = inventory.load_extra(&mut map, &rel) else {
        let _ = writeln!(
            err,
            "parity: cannot read `{}` (ignored by .gitignore, or not a file)",
            args.file.display()
        );
        return ExitStatus::ToolError;
    };
    let given = args.file.to_string_lossy().into_owned();
    let json = if args.single_file {
        let text = map.get(id).text.clone();
        let parsed = nginx::parse(id, &text);
        nginx::crossplane::single_file_json(&given, &parsed, args.include_comments, &|s| {
            map.get(s.file).line_col(s.start).line
        })
    } else {
        let main = nginx::LoadedFile {
            file: id,
            path: rel.clone(),
            text: map.get(id).text.clone(),
        };
        let dir = rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_owned());
        let config = {
            let loader = RepoLoader::new(&inventory, &mut map);
            nginx::load_config(&main, &loader, &[("/etc/nginx".to_owned(), dir)])
        };
        let options = nginx::CrossplaneOptions {
            single_file: false,
            include_comments: args.include_comments,
            combine: args.combine,
            main_name: Some(given),
        };
        nginx::crossplane_json(&config, &options, &|s| {
            map.get(s.file).line_col(s.start).line
        })
    };
    let failed = json["status"] == "failed";
    if serde_json::to_writer(&mut *out, &json).is_err() || writeln!(out).is_err() {
        return ExitStatus::ToolError;
    }
    if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    }
}
