//! The command line, on top of the whole pipeline.

mod check;
pub mod exit;
mod model_cmd;
mod nginx_cmd;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use check::{Analysis, RunOptions, analyze};
pub use exit::ExitStatus;

use crate::finding::Severity;
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
    /// Exit with status 1 when a finding (or file problem) at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
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
    }
}

fn run_model(args: &ModelArgs, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let analysis = match analyze(&args.paths, &RunOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "parity: {e}");
            return ExitStatus::ToolError;
        }
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
    let analysis = match analyze(&args.paths, &RunOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "parity: {e}");
            return ExitStatus::ToolError;
        }
    };
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
    analysis.status(args.fail_on.threshold())
}
