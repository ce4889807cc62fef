//! Pure checks over a snapshot: `fn(&Snapshot, &Incident) -> Vec<Finding>`, one module per area.
//! Each module's first doc line names the codes it emits (`//! Emits: …`), as the catalog does.

mod deployments;
mod invoke_url;
mod net;
mod observability;
mod private_api;
mod public_from_vpc;
mod resource_policy;
mod targets;
mod ways_in;

use crate::catalog::Symptom;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::Snapshot;

/// Runs every check and orders the findings, most relevant to the incident's symptom first.
pub fn run(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(targets::check(snapshot));
    findings.extend(private_api::check(snapshot, incident));
    findings.extend(resource_policy::check(snapshot, incident));
    findings.extend(invoke_url::check(snapshot, incident));
    findings.extend(public_from_vpc::check(snapshot, incident));
    findings.extend(deployments::check(snapshot, incident));
    findings.extend(observability::check(snapshot));
    order(&mut findings, incident.symptom);
    findings
}

/// What the checks could not tell but a person should know, for the report's notes.
pub fn notes(snapshot: &Snapshot, findings: &[Finding]) -> Vec<String> {
    deployments::notes(snapshot, findings)
}

/// Symptom match first, then severity, then the catalog's order.
fn order(findings: &mut [Finding], symptom: Option<Symptom>) {
    findings.sort_by_key(|f| (!f.code.explains(symptom), f.severity, f.code));
}

/// Every check module's source, for the test that holds the catalog and the modules' `Emits:`
/// lines to each other.
#[cfg(test)]
const SOURCES: &[(&str, &str)] = &[
    ("deployments", include_str!("deployments.rs")),
    ("invoke_url", include_str!("invoke_url.rs")),
    ("observability", include_str!("observability.rs")),
    ("private_api", include_str!("private_api.rs")),
    ("public_from_vpc", include_str!("public_from_vpc.rs")),
    ("resource_policy", include_str!("resource_policy.rs")),
    ("targets", include_str!("targets.rs")),
];

#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod tests;
