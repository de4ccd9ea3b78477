//! uWSGI 2.0.x: every configuration file format it reads (ini, its own YAML
//! dialect, JSON, XML), the command line, `UWSGI_*` environment variables, and
//! their resolution to settings in uWSGI's own order.
//!
//! How uWSGI builds its configuration (`core/uwsgi.c` `uwsgi_setup`), which
//! [`resolve`] replays:
//! 1. `UWSGI_*` environment variables become options (`parse_sys_envs`);
//! 2. the command line, option by option (`getopt_long`, which moves bare
//!    arguments after the options); config files named by `--ini` & co. are
//!    read *in place* (they are "immediate" options), then bare arguments are
//!    loaded as config files;
//! 3. three passes over the values of non-immediate options: `$(VAR)`
//!    environment, `@(file)` contents, `%(name)` placeholders;
//! 4. every option is applied in order (so the last of a scalar option wins);
//!    `inherit` loads its file only now, after the passes.
//!
//! Every option is recorded in order ([`ResolvedUwsgi::options`], uWSGI's
//! `exported_opts`); `uwsgi --get NAME` prints the *first* occurrence, while
//! the running server uses the *last*. Magic variables (`%d`...) are replaced
//! in a file's raw text before it is parsed ([`magic`]).

mod cli;
mod ini;
mod json;
pub mod magic;
mod option_table;
pub mod options;
mod resolve;
mod settings;
mod xml;
mod yaml;

use std::ops::Range;

use crate::diag::{PARSE_ERROR, Problem};
use crate::span::{FileId, Span, Spanned};

pub use resolve::{
    ExportedOption, LoadedFile, ResolveOptions, ResolvedUwsgi, UwsgiInputs, resolve, resolve_with,
};
pub use settings::SETTING_NAMES;

/// A configuration file format uWSGI reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Ini,
    /// uWSGI's own line-based YAML dialect (not a YAML library).
    Yaml,
    Json,
    Xml,
}

impl Format {
    /// The format `include`, `inherit` and bare command-line arguments pick
    /// from the name's ending (`uwsgi_opt_load`): `.ini`, `.xml`, `.yaml`,
    /// `.yml`, `.json`, `.js`. A `:section` suffix defeats it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Format> {
        if name.ends_with(".ini") {
            Some(Format::Ini)
        } else if name.ends_with(".xml") {
            Some(Format::Xml)
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            Some(Format::Yaml)
        } else if name.ends_with(".json") || name.ends_with(".js") {
            Some(Format::Json)
        } else {
            None
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Ini => "ini",
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Xml => "xml",
        }
    }
}

/// One `key = value` of a file, in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Spanned<String>,
    /// The value as uWSGI reads it (JSON/XML decoded, `true` -> `1`...).
    pub value: Spanned<String>,
    /// The whole entry (`key = value`, `<key>value</key>`).
    pub span: Span,
    /// Set when a magic variable in the key or value (`%h`, or `%d` of a file
    /// named by a relative path) cannot be computed statically; the text then
    /// keeps the variable as written.
    pub unknown: Option<String>,
    /// For a value starting with such a variable (`%dbase.ini`), the value as
    /// a path relative to the process working directory.
    pub cwd_relative: Option<String>,
    /// Made by uWSGI rather than written as a key: `mount`/`app` from an XML
    /// `<app>` element, `eval` from a CDATA section.
    pub generated: bool,
}

/// The entries of one section of one file.
#[derive(Clone, Debug, PartialEq)]
pub struct UwsgiFile {
    pub file: FileId,
    pub format: Format,
    /// The section read (`uwsgi` unless named); for XML the `id` asked, if any.
    pub section: Option<String>,
    pub section_found: bool,
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// What a reader found, in substituted-text coordinates.
#[derive(Clone, Debug, Default, PartialEq)]
struct RawEntry {
    key: String,
    generated: bool,
    value: String,
    key_range: Range<usize>,
    value_range: Range<usize>,
    range: Range<usize>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct RawRead {
    entries: Vec<RawEntry>,
    section_found: bool,
    problems: Vec<(Range<usize>, String)>,
}

/// Reads one file on its own (discovery of standalone files): `section` is
/// the ini/YAML section or JSON object (default `uwsgi`), or the XML `id`.
/// The file's name is not known, so magic variables derived from it (`%d`,
/// `%n`...) are unknown.
#[must_use]
pub fn parse_file(file: FileId, text: &str, format: Format, section: Option<&str>) -> UwsgiFile {
    let table = magic::MagicTable::standalone(section);
    read_file(file, text.as_bytes(), format, section, &table)
}

/// Reads a file with uWSGI's magic table for the name it was loaded by.
fn read_file(
    file: FileId,
    text: &[u8],
    format: Format,
    section: Option<&str>,
    table: &magic::MagicTable,
) -> UwsgiFile {
    let sub = magic::substitute(file, text, table, format != Format::Xml);
    let default_section = section.unwrap_or("uwsgi");
    let raw = match format {
        Format::Ini => ini::read(&sub.bytes, default_section),
        Format::Yaml => yaml::read(&sub.bytes, default_section),
        Format::Json => json::read(&sub.bytes, default_section),
        Format::Xml => xml::read(&sub.bytes, section),
    };
    let mut problems: Vec<Problem> = raw
        .problems
        .iter()
        .map(|(r, msg)| Problem::parse(sub.span(r.clone()), msg.clone()))
        .collect();
    if !raw.section_found && problems.is_empty() {
        let what = match format {
            Format::Ini => format!("no [{default_section}] section"),
            Format::Yaml => format!("no top-level `{default_section}:` section"),
            Format::Json | Format::Xml => format!("no `{default_section}` configuration"),
        };
        problems.push(Problem::file(
            file,
            PARSE_ERROR,
            format!("{what}: uWSGI reads nothing from this file"),
        ));
    }
    let entries = raw
        .entries
        .into_iter()
        .map(|e| {
            let unknown = sub
                .unknown_in(e.key_range.clone())
                .or_else(|| sub.unknown_in(e.value_range.clone()))
                .map(|m| match m {
                    magic::Magic::Unknown { reason, .. } => reason.clone(),
                    magic::Magic::Known(_) => String::new(),
                });
            let cwd_relative = sub.cwd_relative(e.value_range.clone());
            Entry {
                key: Spanned::new(e.key, sub.span(e.key_range)),
                value: Spanned::new(e.value, sub.span(e.value_range)),
                span: sub.span(e.range),
                unknown,
                cwd_relative,
                generated: e.generated,
            }
        })
        .collect();
    UwsgiFile {
        file,
        format,
        section: match format {
            Format::Xml => section.map(str::to_string),
            _ => Some(default_section.to_string()),
        },
        section_found: raw.section_found,
        entries,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_file_gives_spans_in_the_original_text() {
        let text = "[uwsgi]\nchdir = %d\nharakiri = 30\nname = %x\n";
        let f = parse_file(FileId(3), text, Format::Ini, None);
        assert!(f.problems.is_empty());
        assert_eq!(f.entries.len(), 3);
        let chdir = &f.entries[0];
        assert_eq!(chdir.value.value, "%d");
        assert!(chdir.unknown.is_some());
        let h = &f.entries[1];
        assert_eq!(&text[h.value.span.range()], "30");
        assert_eq!(&text[h.span.range()], "harakiri = 30");
        assert_eq!(h.value.span.file, FileId(3));
        assert!(h.unknown.is_none());
        // %x is the section named after `:` (none here), known even for a standalone file.
        assert_eq!(f.entries[2].value.value, "");
        let f = parse_file(FileId(3), "[app]\nname = %x\n", Format::Ini, Some("app"));
        assert_eq!(f.entries[0].value.value, "app");
    }

    #[test]
    fn missing_section_is_a_problem() {
        let f = parse_file(FileId(0), "[app]\nx = 1\n", Format::Ini, None);
        assert_eq!(f.problems.len(), 1);
        assert!(f.entries.is_empty());
        let f = parse_file(FileId(0), "[app]\nx = 1\n", Format::Ini, Some("app"));
        assert!(f.problems.is_empty());
        assert_eq!(f.entries.len(), 1);
    }

    #[test]
    fn formats_from_names() {
        assert_eq!(Format::from_name("a/b.ini"), Some(Format::Ini));
        assert_eq!(Format::from_name("b.yml"), Some(Format::Yaml));
        assert_eq!(Format::from_name("b.js"), Some(Format::Json));
        assert_eq!(Format::from_name("b.ini:prod"), None);
        assert_eq!(Format::from_name("app.py"), None);
    }
}
