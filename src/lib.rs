//! parity finds disagreements about time between the layers of a request path
//! (proxy -> upstream -> service -> container -> app server).
//!
//! The crate is a one-way pipeline; each stage imports only the stages before it
//! (enforced by `tests/architecture.rs`):
//!
//! ```text
//! discovery -> sources -> model -> link -> policy -> report
//!     (which files)  (spanned facts)  (request path)  (joins)  (rules)  (output)
//! ```
//! `cli` sits on top. `span`, `source_map`, `origin`, `diag` and `value` are
//! leaves every stage may use; `finding` is what policy produces and report renders.

pub mod diag;
pub mod origin;
pub mod source_map;
pub mod span;
pub mod value;

pub mod cli;
pub mod discovery;
pub mod finding;
pub mod link;
pub mod model;
pub mod policy;
pub mod report;
pub mod sources;
