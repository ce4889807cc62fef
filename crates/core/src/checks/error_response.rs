//! Emits: ERROR_RESPONSE_EXPLAINED.
//! Explains the error the caller reported (SPEC §6) from the classifier's table and, for a bare
//! "Forbidden" that several causes share, from the other findings: one explanation per cause
//! the configuration supports, with the finding that supports it.

use crate::catalog::Code;
use crate::cause::{self, Cause, Reading, BARE_FORBIDDEN};
use crate::finding::Finding;
use crate::intake::{ErrorHint, Incident, Scope};
use crate::snapshot::Snapshot;
use serde_json::{json, Value};

/// Why bare-"Forbidden" causes go unjudged: usage plans are read only when a stage serves a
/// method that requires an API key, custom domain names only when the request's host is one of
/// this account's.
const NOT_JUDGED: &str = "usage plans and their keys are read only when a stage serves methods that require an API key; custom domain names, their mappings and mutual TLS truststores are judged only for a request whose host is a custom domain name of this account and region";

/// The bare-"Forbidden" causes the configuration read can support or rule out.
fn judged(snapshot: &Snapshot, incident: &Incident) -> Vec<Cause> {
    let mut judged = vec![
        Cause::PrivateApiWrongHost,
        Cause::DefaultEndpointDisabled,
        Cause::WafBlocked,
    ];
    if snapshot.usage_plans.is_some() {
        judged.push(Cause::InvalidApiKey);
    }
    if super::custom_domains::judged(snapshot, incident) {
        judged.extend([
            Cause::CustomDomainNoMapping,
            Cause::CustomDomainStageInPath,
            Cause::MtlsCertificateInvalid,
        ]);
    }
    judged
}

pub fn check(snapshot: &Snapshot, incident: &Incident, findings: &[Finding]) -> Vec<Finding> {
    let Some(error) = &incident.error else {
        return Vec::new();
    };
    match cause::classify(error) {
        // WS_CONNECTION_GONE already explains it, with GetConnection's answer as proof.
        Reading::Known(Cause::ConnectionGone)
            if findings.iter().any(|f| f.code == Code::WsConnectionGone) =>
        {
            Vec::new()
        }
        Reading::Known(cause) => vec![known(snapshot, incident, error, cause, findings)],
        Reading::BareForbidden => bare_forbidden(snapshot, incident, error, findings),
        Reading::Unknown => Vec::new(),
    }
}

/// What a person should know when the reported error could not be explained.
pub fn notes(snapshot: &Snapshot, incident: &Incident, findings: &[Finding]) -> Vec<String> {
    let Some(error) = &incident.error else {
        return Vec::new();
    };
    let explained = findings.iter().any(|f| {
        matches!(
            f.code,
            Code::ErrorResponseExplained | Code::WsConnectionGone
        )
    });
    if explained {
        return Vec::new();
    }
    let unknown_stage = findings
        .iter()
        .any(|f| f.code == Code::ResourceNotFound && !f.evidence["stage_in_url"].is_null());
    match cause::classify(error) {
        Reading::BareForbidden if unknown_stage => vec![format!(
            "The reported {} is what API Gateway answers for a stage the API does not have: see RESOURCE_NOT_FOUND.",
            reported(error)
        )],
        Reading::BareForbidden => {
            let judged = judged(snapshot, incident);
            let name = |c: &Cause| c.as_str();
            let not_judged: Vec<&str> = BARE_FORBIDDEN
                .iter()
                .filter(|c| !judged.contains(c))
                .map(name)
                .collect();
            vec![format!(
                "The reported {} is API Gateway's answer for several causes; the configuration read supports none of those this build judged ({}). Not judged: {} ({NOT_JUDGED}).",
                reported(error),
                judged.iter().map(name).collect::<Vec<_>>().join(", "),
                not_judged.join(", ")
            )]
        }
        Reading::Unknown => vec![format!(
            "The reported {} matches no response this build knows (SPEC §6): give the x-amzn-errortype header and the message exactly as received.",
            reported(error)
        )],
        Reading::Known(_) => Vec::new(),
    }
}

/// The reported error as one phrase: `403 ForbiddenException "Forbidden"`.
fn reported(error: &ErrorHint) -> String {
    let mut parts = Vec::new();
    if let Some(status) = error.status {
        parts.push(status.to_string());
    }
    if let Some(error_type) = &error.error_type {
        parts.push(error_type.clone());
    }
    if let Some(message) = &error.message {
        parts.push(format!("{message:?}"));
    }
    if parts.is_empty() {
        "error".to_string()
    } else {
        format!("error ({})", parts.join(" "))
    }
}

/// The one API the incident is about, when there is exactly one.
fn only_api(snapshot: &Snapshot) -> Option<&str> {
    let mut ids = snapshot
        .rest_apis
        .iter()
        .map(|a| a.id.as_str())
        .chain(snapshot.v2_apis.iter().map(|a| a.id.as_str()));
    let first = ids.next()?;
    ids.next().is_none().then_some(first)
}

fn named_stage(incident: &Incident) -> Option<&str> {
    match &incident.scope {
        Scope::Named(targets) => targets.iter().find_map(|t| t.stage.as_deref()),
        _ => None,
    }
}

/// One line per finding that supports a cause: "CODE (api/stage): summary".
fn support(findings: &[&Finding]) -> Vec<Value> {
    findings
        .iter()
        .map(|f| {
            json!({
                "code": f.code,
                "api_id": f.api_id,
                "stage": f.stage,
                "resource": f.resource,
            })
        })
        .collect()
}

fn explained(
    snapshot: &Snapshot,
    incident: &Incident,
    error: &ErrorHint,
    cause: Cause,
    supporting: &[&Finding],
    why: String,
    extra: Value,
) -> Finding {
    let e = cause.explanation();
    let mut finding = Finding::new(
        Code::ErrorResponseExplained,
        format!(
            "The reported {} means {} ({cause}).{why} Check {}. Fix: {}.",
            reported(error),
            e.meaning,
            e.check,
            e.fix
        ),
    )
    .stage(
        supporting
            .iter()
            .find_map(|f| f.stage.as_deref())
            .or_else(|| named_stage(incident)),
    )
    .evidence(json!({
        "cause": cause,
        "reported": error,
        "check": e.check,
        "fix": e.fix,
        "supported_by": support(supporting),
        "reference": e.reference,
        "detail": extra,
    }));
    let api = supporting
        .iter()
        .find_map(|f| f.api_id.as_deref())
        .or_else(|| only_api(snapshot));
    if let Some(api) = api {
        finding = finding.api(api);
    }
    finding
}

fn known(
    snapshot: &Snapshot,
    incident: &Incident,
    error: &ErrorHint,
    cause: Cause,
    findings: &[Finding],
) -> Finding {
    let supporting: Vec<&Finding> = findings
        .iter()
        .filter(|f| cause.explanation().confirmed_by.contains(&f.code))
        .collect();
    let why = if supporting.is_empty() {
        String::new()
    } else {
        let codes: Vec<&str> = supporting.iter().map(|f| f.code.as_str()).collect();
        format!(" The configuration shows it: see {}.", codes.join(", "))
    };
    explained(
        snapshot,
        incident,
        error,
        cause,
        &supporting,
        why,
        Value::Null,
    )
}

/// One explanation per bare-"Forbidden" cause the configuration supports; what was ruled out
/// and what could not be judged go into each one's evidence.
fn bare_forbidden(
    snapshot: &Snapshot,
    incident: &Incident,
    error: &ErrorHint,
    findings: &[Finding],
) -> Vec<Finding> {
    let judged = judged(snapshot, incident);
    let supported: Vec<(Cause, Vec<&Finding>)> = judged
        .iter()
        .map(|&cause| {
            let by: Vec<&Finding> = findings
                .iter()
                .filter(|f| cause.explanation().confirmed_by.contains(&f.code))
                .collect();
            (cause, by)
        })
        .filter(|(_, by)| !by.is_empty())
        .collect();
    let ruled_out: Vec<&str> = judged
        .iter()
        .filter(|c| !supported.iter().any(|(s, _)| s == *c))
        .map(|c| c.as_str())
        .collect();
    let not_judged: Vec<&str> = BARE_FORBIDDEN
        .iter()
        .filter(|c| !judged.contains(c))
        .map(|c| c.as_str())
        .collect();
    let candidates: Vec<&str> = supported.iter().map(|(c, _)| c.as_str()).collect();
    supported
        .iter()
        .map(|(cause, by)| {
            let shown: Vec<String> = by
                .iter()
                .map(|f| {
                    format!(
                        "{}{}",
                        f.code,
                        f.stage
                            .as_deref()
                            .map(|s| format!(" on stage {s}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let why = format!(
                " A bare \"Forbidden\" is API Gateway's answer for several causes; the configuration supports this one: {}.",
                shown.join(", ")
            );
            explained(
                snapshot,
                incident,
                error,
                *cause,
                by,
                why,
                json!({
                    "candidates": candidates,
                    "ruled_out": ruled_out,
                    "not_judged": not_judged,
                    "not_judged_why": NOT_JUDGED,
                }),
            )
        })
        .collect()
}
