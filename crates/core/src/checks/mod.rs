//! Pure checks over a snapshot: `fn(&Snapshot, &Incident) -> Vec<Finding>`, one module per area.
//! Each module's first doc line names the codes it emits (`//! Emits: …`), as the catalog does.

mod access_logs;
mod api_keys;
mod client_errors;
mod custom_domains;
mod deployments;
mod error_response;
mod invoke_url;
mod logs;
mod net;
mod observability;
mod private_api;
mod public_from_vpc;
mod resource_policy;
pub(crate) mod routing;
mod targets;
mod vpc_links;
mod ways_in;
mod websocket;

use crate::catalog::{Code, Relevance, Symptom};
use crate::cause::Cause;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::Snapshot;

pub use api_keys::{plans_needing_keys, wants_usage_plans};
pub use custom_domains::wants_domain_names;
pub(crate) use invoke_url::named_api;
use std::collections::BTreeSet;

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
    findings.extend(logs::check(snapshot, incident));
    findings.extend(access_logs::check(snapshot, incident));
    findings.extend(logs::probed(snapshot, incident));
    findings.extend(websocket::check(snapshot, incident));
    findings.extend(client_errors::check(snapshot, incident));
    findings.extend(custom_domains::check(snapshot, incident));
    findings.extend(api_keys::check(snapshot, incident));
    findings.extend(vpc_links::check(snapshot, incident));
    // Last: the reported error is explained by what the other checks found.
    let explained = error_response::check(snapshot, incident, &findings);
    findings.extend(explained);
    say_not_yet_live(&mut findings);
    order(&mut findings, incident.symptom);
    findings
}

/// SPEC §5: while `UNDEPLOYED_POLICY_CHANGE` holds on a stage, the policy the resource-policy
/// check judged is not yet live there; its findings say so, so nobody reverts a policy that is
/// not the cause of today's failure.
fn say_not_yet_live(findings: &mut [Finding]) {
    let pending: Vec<(Option<String>, Option<String>, Option<String>)> = findings
        .iter()
        .filter(|f| f.code == Code::UndeployedPolicyChange)
        .map(|f| (f.api_id.clone(), f.stage.clone(), f.resource.clone()))
        .collect();
    for finding in findings
        .iter_mut()
        .filter(|f| f.code == Code::PolicyDeniesVpcEndpoint)
    {
        let stage_pending = pending
            .iter()
            .find(|(api, stage, _)| *api == finding.api_id && *stage == finding.stage);
        if let Some((_, Some(stage), deployment)) = stage_pending {
            finding.summary.push_str(&format!(
                " This policy is not yet live on stage {stage}: the stage still serves deployment {} from before the change (UNDEPLOYED_POLICY_CHANGE), so the denial takes effect at its next deployment.",
                deployment.as_deref().unwrap_or("(unknown)")
            ));
        }
    }
}

/// What the checks could not tell but a person should know, for the report's notes.
pub fn notes(snapshot: &Snapshot, incident: &Incident, findings: &[Finding]) -> Vec<String> {
    let mut notes = deployments::notes(snapshot, findings);
    notes.extend(websocket::notes(snapshot, incident));
    notes.extend(custom_domains::notes(snapshot, incident));
    notes.extend(error_response::notes(snapshot, incident, findings));
    notes.extend(logs::notes(snapshot, findings));
    notes.extend(access_logs::notes(snapshot, incident));
    notes.extend(logs::probe_notes(snapshot, incident));
    notes.extend(vpc_links::notes(snapshot, incident));
    notes
}

/// Most relevant to the incident first (SPEC §4): what the reported error or the logs show
/// and the findings that confirm it, then the findings whose area the symptom points at (a 403:
/// policy, DNS, endpoints; a 5xx: VPC links), then those that explain any symptom (logging,
/// deployments), then the rest; within each, severity, then the catalog's order.
fn order(findings: &mut [Finding], symptom: Option<Symptom>) {
    let confirmed = confirmed_codes(findings);
    findings.sort_by_key(|f| {
        let relevance = if EVIDENCE.contains(&f.code) {
            Relevance::Evidence
        } else if confirmed.contains(&f.code) {
            Relevance::Confirmed
        } else {
            f.code.relevance(symptom)
        };
        (relevance, f.severity, f.code)
    });
}

/// The codes that explain the failure itself: the reported error, the logs.
const EVIDENCE: [Code; 2] = [Code::ErrorResponseExplained, Code::LogSignature];

/// The codes whose configuration confirms a cause the evidence names
/// (`Cause::explanation().confirmed_by`): a finding's `cause`, and the causes the access log's
/// error messages name (`ACCESS_LOG_ERRORS` `causes`).
fn confirmed_codes(findings: &[Finding]) -> BTreeSet<Code> {
    let named = findings
        .iter()
        .filter(|f| EVIDENCE.contains(&f.code))
        .filter_map(|f| f.evidence["cause"].as_str());
    let logged = findings
        .iter()
        .filter(|f| f.code == Code::AccessLogErrors)
        .filter_map(|f| f.evidence["causes"].as_object())
        .flat_map(|causes| causes.keys().map(String::as_str));
    named
        .chain(logged)
        .filter_map(|cause| cause.parse::<Cause>().ok())
        .flat_map(|cause| cause.explanation().confirmed_by.iter().copied())
        .collect()
}

/// Every check module's source, for the test that holds the catalog and the modules' `Emits:`
/// lines to each other.
#[cfg(test)]
const SOURCES: &[(&str, &str)] = &[
    ("access_logs", include_str!("access_logs.rs")),
    ("api_keys", include_str!("api_keys.rs")),
    ("client_errors", include_str!("client_errors.rs")),
    ("custom_domains", include_str!("custom_domains.rs")),
    ("deployments", include_str!("deployments.rs")),
    ("error_response", include_str!("error_response.rs")),
    ("invoke_url", include_str!("invoke_url.rs")),
    ("logs", include_str!("logs.rs")),
    ("observability", include_str!("observability.rs")),
    ("private_api", include_str!("private_api.rs")),
    ("public_from_vpc", include_str!("public_from_vpc.rs")),
    ("resource_policy", include_str!("resource_policy.rs")),
    ("targets", include_str!("targets.rs")),
    ("vpc_links", include_str!("vpc_links.rs")),
    ("websocket", include_str!("websocket.rs")),
];

#[cfg(test)]
mod client_errors_tests;
#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod real_setups_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vpc_links_tests;
#[cfg(test)]
mod websocket_tests;
