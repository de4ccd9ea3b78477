//! Where a setting's value came from. Leaf module.

use crate::source_map::SourceMap;
use crate::span::Span;

/// Provenance of a value in the model. Every value that reaches a finding
/// carries one of these.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Written in a configuration file at `span`.
    File { span: Span },
    /// Not written at this level; inherited from an outer block (nginx) at `span`.
    Inherited { span: Span },
    /// A command-line flag (the span covers the flag and its value).
    Cli { span: Span },
    /// An environment variable set by the deployment (compose `environment`,
    /// Dockerfile `ENV`, Kubernetes `env`) at `span`.
    Env { var: String, span: Span },
    /// The default of an environment lookup in a config file
    /// (`os.environ.get("VAR", "120")`): the value holds unless the
    /// deployment sets `VAR`.
    EnvDefault { var: String, span: Span },
    /// The tool's built-in default. `anchor` is where a user would set it
    /// (e.g. the gunicorn command line), so findings still have a location.
    Default {
        tool: &'static str,
        /// Versions of the tool this default holds for, e.g. `"all versions"`, `">= 1.29.7"`.
        versions: &'static str,
        anchor: Option<Span>,
    },
}

impl Origin {
    /// The span to point at: the value's own span, or a default's anchor.
    #[must_use]
    pub fn span(&self) -> Option<Span> {
        match self {
            Origin::File { span }
            | Origin::Inherited { span }
            | Origin::Cli { span }
            | Origin::Env { span, .. }
            | Origin::EnvDefault { span, .. } => Some(*span),
            Origin::Default { anchor, .. } => *anchor,
        }
    }

    /// Short machine name: `file`, `cli`, `env` or `default`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Origin::File { .. } | Origin::Inherited { .. } | Origin::EnvDefault { .. } => "file",
            Origin::Cli { .. } => "cli",
            Origin::Env { .. } => "env",
            Origin::Default { .. } => "default",
        }
    }

    #[must_use]
    pub fn is_default(&self) -> bool {
        matches!(self, Origin::Default { .. })
    }

    /// Human description, e.g. `set in nginx/default.conf:33:9` or
    /// `gunicorn default (all versions)`.
    #[must_use]
    pub fn describe(&self, map: &SourceMap) -> String {
        match self {
            Origin::File { span } => format!("set at {}", map.location(*span)),
            Origin::Inherited { span } => format!("inherited from {}", map.location(*span)),
            Origin::Cli { span } => format!("command-line flag at {}", map.location(*span)),
            Origin::Env { var, span } => format!("${var} set at {}", map.location(*span)),
            Origin::EnvDefault { var, span } => format!(
                "default of ${var} at {} (the deployment does not set ${var})",
                map.location(*span)
            ),
            Origin::Default { tool, versions, .. } => format!("{tool} default, {versions}"),
        }
    }
}
