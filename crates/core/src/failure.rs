//! A failed AWS call, in the terms a report and an exit code need: the shell classifies SDK
//! errors into it, the core turns it into `incomplete` entries and verdicts.

use crate::snapshot::Incomplete;

/// What went wrong with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    NotFound,
    AccessDenied,
    Throttled,
    Unreachable,
    Deadline,
    Other,
}

/// A failed AWS call: becomes an `incomplete` entry, or the one-line reason for exit 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {code}: {detail}")]
pub struct CallFailure {
    pub step: String,
    pub kind: FailureKind,
    pub code: String,
    pub detail: String,
}

impl CallFailure {
    pub fn incomplete(&self) -> Incomplete {
        Incomplete {
            step: self.step.clone(),
            error: self.code.clone(),
            detail: self.detail.clone(),
        }
    }
}
