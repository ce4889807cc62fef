//! The functional core of apigw-doctor: the model (incident, snapshot, finding, report), intake,
//! the policy evaluator, the checks and the plan — pure functions over plain data. No AWS SDK
//! reaches this crate; the `apigw-doctor` package around it does the I/O.
//!
//! intake (event → Incident) → [shell: resolve, gather → Snapshot] → checks (findings)
//!   → plan (actions and their rules) → [shell: apply] → report

pub mod access_log;
pub mod action;
pub mod catalog;
pub mod cause;
pub mod checks;
pub mod config;
pub mod failure;
pub mod finding;
pub mod intake;
mod json;
pub mod logs;
pub mod notify;
pub mod partition;
pub mod plan;
pub mod policy;
pub mod probe;
pub mod report;
pub mod snapshot;
pub mod sweep;

/// Whether `text` is an AWS account id: exactly 12 digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Each item once, in the order first seen.
pub fn unique<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = std::collections::BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}
