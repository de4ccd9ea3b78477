//! The command line, on top of the whole pipeline.

mod check;
pub mod exit;
mod model_cmd;
mod nginx_cmd;
mod rules_cmd;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

pub use check::{Analysis, AnalyzeError, ConfigFlags, RunOptions, analyze, configure};
pub use exit::ExitStatus;

use crate::finding::Severity;
use crate::policy::config::FailThreshold;
use crate::report::{self, Format};

/// parity: find timeout, keep-alive and shutdown disagreements between the
/// layers of a request path (proxy -> upstream -> service -> container -> app server).
#[derive(Debug, Parser)]
#[command(name = "parity", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan paths and report disagreements.
    Check(CheckArgs),
    /// Show the request paths parity rebuilt: every hop, setting, origin and link.
    Model(ModelArgs),
    /// nginx tools.
    #[command(subcommand)]
    Nginx(NginxCommand),
    /// List every rule: id, name, severity, summary and documentation.
    Rules(RulesArgs),
    /// Print a rule's documentation page.
    Rule(RuleArgs),
    /// Write a commented starter `.parity.toml` (never overwrites one).
    Init(InitArgs),
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Directory whose configuration (`.parity.toml`, `[tool.parity]`) adds user
    /// policies and overrides severities and parameters.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Read this configuration file instead of the one at PATH.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// Rule id, e.g. PAR-T001.
    pub id: String,
    /// Directory whose configuration may add user policies.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Read this configuration file instead of the one at PATH.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory to write `.parity.toml` into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum NginxCommand {
    /// Print how parity reads an nginx config, as crossplane-compatible JSON
    /// (exit 1 when the config would be refused).
    Parse(nginx_cmd::NginxParseArgs),
}

/// Output format of `parity model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelFormat {
    Json,
    /// Graphviz: `parity model --format dot | dot -Tsvg > paths.svg`.
    Dot,
}

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ModelFormat::Json)]
    pub format: ModelFormat,
    /// Read this configuration file instead of `.parity.toml` at the scanned root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Threshold for a failing exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    None,
}

impl FailOn {
    /// The lowest severity that fails the run, if any.
    #[must_use]
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// When to colour human output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with status 1 when a finding (or file problem) at or above this severity is reported
    /// [default: the configuration's `fail-on`, else warning].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Read this configuration file instead of `.parity.toml` (or `[tool.parity]` in
    /// `pyproject.toml`) at the scanned root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Rules to run, by id or family prefix (comma-separated); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Option<Vec<String>>,
    /// Rules to leave out, by id or family prefix (comma-separated); replaces the configuration's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Option<Vec<String>>,
    /// Disregard every inline `parity: ignore[...]` comment.
    #[arg(long)]
    pub no_inline_ignores: bool,
}

/// Runs the CLI with explicit arguments and output streams; returns the exit status.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = write!(out, "{}", e.render());
                    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                    {
                        ExitStatus::ToolError
                    } else {
                        ExitStatus::Clean
                    }
                }
                _ => {
                    let _ = write!(err, "{}", e.render());
                    ExitStatus::ToolError
                }
            };
        }
    };
    match cli.command {
        Command::Check(args) => run_check(&args, out, err),
        Command::Model(args) => run_model(&args, out, err),
        Command::Nginx(NginxCommand::Parse(args)) => nginx_cmd::run(&args, out, err),
        Command::Rules(args) => match rules_options(&args.path, args.config.as_ref(), err) {
            Some(options) => rules_cmd::list(&options, args.format, out, err),
            None => ExitStatus::ToolError,
        },
        Command::Rule(args) => match rules_options(&args.path, args.config.as_ref(), err) {
            Some(options) => rules_cmd::show(&options, &args.id, out, err),
            None => ExitStatus::ToolError,
        },
        Command::Init(args) => rules_cmd::init(&args.dir, out, err),
    }
}

/// Writes a pipeline error to `err`: invalid configurations and policies as
/// diagnostics pointing into the file, anything else as one line.
fn report_error(e: &AnalyzeError, err: &mut dyn Write) {
    let diagnostic: &dyn miette::Diagnostic = match e {
        AnalyzeError::Policy(p) => p.as_ref(),
        AnalyzeError::Config(c) => c.as_ref(),
        AnalyzeError::Discovery(_) => {
            let _ = writeln!(err, "parity: {e}");
            return;
        }
    };
    let _ = write!(err, "{}", render_diagnostic(diagnostic));
}

/// A diagnostic about parity's own inputs (configuration, policies) as text,
/// coloured only on a terminal that wants colour.
fn render_diagnostic(diagnostic: &dyn miette::Diagnostic) -> String {
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut s = String::new();
    if handler.render_report(&mut s, diagnostic).is_err() {
        s = format!("parity: {diagnostic}\n");
    }
    s
}

/// The configuration `parity rules` and `parity rule` read (for user policies).
fn rules_options(path: &Path, config: Option<&PathBuf>, err: &mut dyn Write) -> Option<RunOptions> {
    let flags = ConfigFlags {
        config: config.cloned(),
        ..ConfigFlags::default()
    };
    match configure(&[path.to_path_buf()], &flags) {
        Ok(options) => Some(options),
        Err(e) => {
            report_error(&e, err);
            None
        }
    }
}

/// Reads the configuration and runs the pipeline; errors are written to `err`.
fn configured_analysis(
    paths: &[PathBuf],
    flags: &ConfigFlags,
    err: &mut dyn Write,
) -> Option<(Analysis, RunOptions)> {
    let run = || -> Result<(Analysis, RunOptions), AnalyzeError> {
        let options = configure(paths, flags)?;
        Ok((analyze(paths, &options)?, options))
    };
    match run() {
        Ok(r) => Some(r),
        Err(e) => {
            report_error(&e, err);
            None
        }
    }
}

fn run_model(args: &ModelArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let flags = ConfigFlags {
        config: args.config.clone(),
        ..ConfigFlags::default()
    };
    let Some((analysis, _)) = configured_analysis(&args.paths, &flags, err) else {
        return ExitStatus::ToolError;
    };
    let written = match args.format {
        ModelFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &model_cmd::to_json(&analysis))
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        ModelFormat::Dot => model_cmd::write_dot(&analysis, out),
    };
    match written {
        Ok(()) => ExitStatus::Clean,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitStatus::Clean,
        Err(e) => {
            let _ = writeln!(err, "parity: cannot write output: {e}");
            ExitStatus::ToolError
        }
    }
}

fn run_check(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let flags = ConfigFlags {
        config: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        no_inline_ignores: args.no_inline_ignores,
    };
    let Some((analysis, options)) = configured_analysis(&args.paths, &flags, err) else {
        return ExitStatus::ToolError;
    };
    // The command line wins over the configuration.
    let fail_on = args.fail_on.unwrap_or(match options.config.fail_on {
        Some(FailThreshold::At(Severity::Error)) => FailOn::Error,
        Some(FailThreshold::At(Severity::Warning)) | None => FailOn::Warning,
        Some(FailThreshold::At(Severity::Info)) => FailOn::Info,
        Some(FailThreshold::Never) => FailOn::None,
    });
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none()
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
        }
    };
    let rep = report::Report {
        map: &analysis.map,
        findings: &analysis.findings,
        problems: &analysis.problems,
        files_scanned: analysis.files_scanned,
        tool_version: env!("CARGO_PKG_VERSION"),
        color,
    };
    if let Err(e) = report::render(args.format, &rep, out) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return ExitStatus::Clean;
        }
        let _ = writeln!(err, "parity: cannot write output: {e}");
        return ExitStatus::ToolError;
    }
    analysis.status(fail_on.threshold())
}
