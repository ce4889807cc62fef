//! Emits: API_KEY_NOT_USABLE.
//! A stage whose deployment serves methods that require an API key, and no usage plan admits
//! that stage: no key can be valid there, so every call gets 403 "Forbidden". Only what the
//! configuration proves: the plans' API stages, never the keys themselves (whether a plan has
//! an enabled key is not read).

use super::client_errors::could_be;
use crate::catalog::Code;
use crate::cause::Cause;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::Snapshot;
use serde_json::json;

/// Whether the gather step should read the usage plans: a 403 an API key could cause is
/// investigated (it reads them only when a stage serves a method that requires a key).
pub fn wants_usage_plans(incident: &Incident) -> bool {
    could_be(incident, Cause::InvalidApiKey)
}

/// A usage plan "specifies who can access one or more deployed API stages", identifying callers
/// by the API keys it holds, so a key is valid for a stage only through a plan that includes
/// the stage; a method that requires a key answers 403 "Forbidden" otherwise
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html>,
/// <https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden>).
pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let Some(plans) = &snapshot.usage_plans else {
        return Vec::new();
    };
    if !could_be(incident, Cause::InvalidApiKey) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            let Some(methods) = api
                .deployments
                .iter()
                .find(|d| Some(&d.id) == stage.deployment_id.as_ref())
                .and_then(|d| d.api_key_methods.as_ref())
                .filter(|m| !m.is_empty())
            else {
                continue;
            };
            let admitted = plans.iter().any(|p| {
                p.api_stages
                    .iter()
                    .any(|s| s.api_id == api.id && s.stage == stage.name)
            });
            if admitted {
                continue;
            }
            let methods: Vec<&str> = methods.iter().map(String::as_str).collect();
            findings.push(
                Finding::new(
                    Code::ApiKeyNotUsable,
                    format!(
                        "Stage {} of API {} serves methods that require an API key ({}) but no usage plan includes the stage: no key is valid there, so API Gateway answers 403 \"Forbidden\". Add the stage to a usage plan that has the client's key.",
                        stage.name,
                        api.id,
                        methods.join(", ")
                    ),
                )
                .api(&api.id)
                .stage(Some(&stage.name))
                .resource(&api.id)
                .evidence(json!({
                    "api_key_methods": methods,
                    "usage_plans_read": plans.len(),
                    "cause": Cause::InvalidApiKey,
                })),
            );
        }
    }
    findings
}
