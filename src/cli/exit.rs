//! Exit statuses of the `parity` binary: a public interface (docs/output-formats.md).

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: nothing at or above the `--fail-on` threshold.
    Clean,
    /// 1: at least one finding or file problem at or above the threshold.
    Findings,
    /// 2: usage error, invalid configuration or policy, or an unreadable root.
    ToolError,
}

impl ExitStatus {
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::ToolError => 2,
        }
    }
}
