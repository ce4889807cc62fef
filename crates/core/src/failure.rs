//! A failed AWS call, in the terms a report and an exit code need: the shell classifies SDK
//! errors into it, the core turns it into `incomplete` entries and verdicts.

use crate::snapshot::Incomplete;

/// The `code` (and so the `incomplete` error) of a call the invocation's deadline stopped.
pub const DEADLINE_CODE: &str = "Deadline";

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

/// A read where "it does not exist" is an answer, not a failure: `Ok(None)` for a `NotFound`
/// failure; every other failure stays one.
pub fn none_if_missing<T>(result: Result<T, CallFailure>) -> Result<Option<T>, CallFailure> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(failure) if failure.kind == FailureKind::NotFound => Ok(None),
        Err(failure) => Err(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(kind: FailureKind) -> CallFailure {
        CallFailure {
            step: "apigateway:GetVpcLink".into(),
            kind,
            code: "X".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn only_a_missing_thing_is_an_answer() {
        assert_eq!(none_if_missing(Ok::<_, CallFailure>(1)), Ok(Some(1)));
        assert_eq!(
            none_if_missing::<u8>(Err(failure(FailureKind::NotFound))),
            Ok(None)
        );
        for kind in [
            FailureKind::AccessDenied,
            FailureKind::Throttled,
            FailureKind::Unreachable,
            FailureKind::Deadline,
            FailureKind::Other,
        ] {
            assert_eq!(
                none_if_missing::<u8>(Err(failure(kind))),
                Err(failure(kind))
            );
        }
    }
}
