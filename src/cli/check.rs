//! `parity check`: runs the pipeline over the given paths.

use std::path::PathBuf;

use super::ExitStatus;
use crate::diag::Problem;
use crate::discovery::{self, Inventory, WalkOptions};
use crate::finding::{Finding, Severity};
use crate::link::{self, Links};
use crate::model::{self, Model};
use crate::policy::{self, PolicyError, PolicySet};
use crate::source_map::SourceMap;

/// Options of one run.
#[derive(Debug, Default)]
pub struct RunOptions {
    /// Rule ids to evaluate (`None` = all). Tests use this to run one rule alone.
    pub only_rules: Option<Vec<String>>,
}

/// The result of running the pipeline.
#[derive(Debug)]
pub struct Analysis {
    pub map: SourceMap,
    pub inventory: Inventory,
    pub model: Model,
    pub links: Links,
    pub policies: PolicySet,
    /// Sorted by primary location, then rule.
    pub findings: Vec<Finding>,
    /// Problems in input files, sorted by path and position.
    pub problems: Vec<Problem>,
    pub files_scanned: usize,
}

/// What stops a run before findings are produced (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Discovery(#[from] discovery::DiscoveryError),
    #[error("invalid policy:\n{0}")]
    Policy(#[from] Box<PolicyError>),
}

impl Analysis {
    /// Exit status for a `--fail-on` threshold. File problems count as errors.
    #[must_use]
    pub fn status(&self, threshold: Option<Severity>) -> ExitStatus {
        let Some(threshold) = threshold else {
            return ExitStatus::Clean;
        };
        let failing = self
            .findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= threshold)
            || (!self.problems.is_empty() && Severity::Error >= threshold);
        if failing {
            ExitStatus::Findings
        } else {
            ExitStatus::Clean
        }
    }
}

/// Discovers, parses, models, links and evaluates.
///
/// # Errors
/// An unreadable root or an invalid policy.
pub fn analyze(paths: &[PathBuf], options: &RunOptions) -> Result<Analysis, AnalyzeError> {
    let mut policies = policy::builtin()?;
    if let Some(only) = &options.only_rules {
        policies.retain(|p| only.iter().any(|id| id == &p.id));
    }
    let mut map = SourceMap::new();
    let walk = WalkOptions {
        nginx_sniff: crate::sources::nginx::looks_like_nginx,
        ..WalkOptions::default()
    };
    let inventory = discovery::discover(paths, &walk, &mut map)?;
    let files_scanned = inventory.files.len();
    let model = model::build(&inventory, &mut map);
    let links = link::link(&model, &|f| map.get(f).path.clone());
    let mut findings = policy::evaluate(&policies, &model, &links, &map);
    findings.sort_by_cached_key(|f| f.sort_key(&map));
    findings.dedup_by(|a, b| a.rule == b.rule && a.primary == b.primary && a.related == b.related);
    let mut problems = model.problems.clone();
    problems.sort_by_key(|p| {
        (
            map.get(p.file).path.clone(),
            p.span.map_or(0, |s| s.start),
            p.code,
        )
    });
    problems.dedup();
    Ok(Analysis {
        map,
        inventory,
        model,
        links,
        policies,
        findings,
        problems,
        files_scanned,
    })
}
