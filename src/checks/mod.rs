//! Pure checks over a snapshot: `fn(&Snapshot, &Incident) -> Vec<Finding>`, one module per area.

mod deployments;
mod invoke_url;
mod net;
mod observability;
mod private_api;
mod public_from_vpc;
mod resource_policy;
mod targets;

use crate::catalog;
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
    order(&mut findings, incident.symptom.as_deref());
    findings
}

/// Symptom match first, then severity, then the catalog's order.
fn order(findings: &mut [Finding], symptom: Option<&str>) {
    findings.sort_by_key(|f| {
        let relevant = symptom
            .is_some_and(|s| catalog::lookup(&f.code).is_some_and(|c| c.symptoms.contains(&s)));
        (!relevant, f.severity, catalog::rank(&f.code))
    });
}

#[cfg(test)]
mod tests;
