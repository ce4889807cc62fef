//! Emits: API_KEY_NOT_USABLE.
//! A stage whose deployment serves methods that require an API key, where no key can be valid:
//! no usage plan admits the stage, or every plan that admits it holds no enabled key. Every call
//! then gets 403 "Forbidden". Only what the configuration proves: a plan whose keys could not
//! be read, or keys whose state could not be read, make the check say nothing for that stage.

use super::client_errors::could_be;
use crate::catalog::Code;
use crate::cause::Cause;
use crate::finding::Finding;
use crate::intake::Incident;
use crate::snapshot::{RestApi, RestStage, Snapshot, UsagePlan};
use serde_json::json;
use std::collections::BTreeSet;

/// Whether the gather step should read the usage plans: a 403 an API key could cause is
/// investigated (it reads them only when a stage serves a method that requires a key).
pub fn wants_usage_plans(incident: &Incident) -> bool {
    could_be(incident, Cause::InvalidApiKey)
}

/// The stages that serve methods requiring an API key, with those methods.
fn key_stages(
    snapshot: &Snapshot,
) -> impl Iterator<Item = (&RestApi, &RestStage, &BTreeSet<String>)> {
    snapshot.rest_apis.iter().flat_map(|api| {
        api.stages.iter().filter_map(move |stage| {
            api.deployments
                .iter()
                .find(|d| Some(&d.id) == stage.deployment_id.as_ref())
                .and_then(|d| d.api_key_methods.as_ref())
                .filter(|m| !m.is_empty())
                .map(|m| (api, stage, m))
        })
    })
}

fn admits(plan: &UsagePlan, api: &RestApi, stage: &RestStage) -> bool {
    plan.api_stages
        .iter()
        .any(|s| s.api_id == api.id && s.stage == stage.name)
}

/// The usage plans whose keys the check needs (`GetUsagePlanKeys`): those that admit a stage
/// serving key-requiring methods. Empty when the plans were not read.
pub fn plans_needing_keys(snapshot: &Snapshot) -> BTreeSet<String> {
    let Some(plans) = &snapshot.usage_plans else {
        return BTreeSet::new();
    };
    key_stages(snapshot)
        .flat_map(|(api, stage, _)| plans.iter().filter(move |p| admits(p, api, stage)))
        .map(|p| p.id.clone())
        .collect()
}

/// What the plans that admit one stage say of its keys.
enum Keys<'a> {
    /// Some admitting plan holds an enabled key: a caller can have a valid key.
    Usable,
    /// No plan admits the stage.
    NoPlan,
    /// Every admitting plan was read, and none holds an enabled key: these are the keys they
    /// hold (disabled, or not in the region's listing).
    NoneEnabled(Vec<&'a str>),
    /// A plan's keys, or the keys' state, could not be read.
    Unknown,
}

fn keys<'a>(snapshot: &'a Snapshot, plans: &[&'a UsagePlan]) -> Keys<'a> {
    if plans.is_empty() {
        return Keys::NoPlan;
    }
    let enabled = |id: &str| {
        snapshot
            .api_keys
            .as_ref()
            .map(|keys| keys.iter().any(|k| k.id == id && k.enabled))
    };
    let mut disabled = Vec::new();
    let mut unknown = false;
    for plan in plans {
        let Some(ids) = &plan.key_ids else {
            unknown = true;
            continue;
        };
        for id in ids {
            match enabled(id) {
                Some(true) => return Keys::Usable,
                Some(false) => disabled.push(id.as_str()),
                None => unknown = true,
            }
        }
    }
    if unknown {
        Keys::Unknown
    } else {
        disabled.sort_unstable();
        disabled.dedup();
        Keys::NoneEnabled(disabled)
    }
}

/// A usage plan "specifies who can access one or more deployed API stages", identifying callers
/// by the API keys it holds, so a key is valid for a stage only through a plan that includes
/// the stage, and only while it is enabled; a method that requires a key answers 403
/// "Forbidden" otherwise
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
    for (api, stage, methods) in key_stages(snapshot) {
        let admitting: Vec<&UsagePlan> = plans.iter().filter(|p| admits(p, api, stage)).collect();
        let methods: Vec<&str> = methods.iter().map(String::as_str).collect();
        let (why, fix, disabled) = match keys(snapshot, &admitting) {
            Keys::Usable | Keys::Unknown => continue,
            Keys::NoPlan => (
                "no usage plan includes the stage".to_string(),
                "Add the stage to a usage plan that has the client's key.",
                Vec::new(),
            ),
            Keys::NoneEnabled(disabled) => (
                format!(
                    "no usage plan that includes the stage ({}) holds an enabled API key",
                    admitting
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "Enable the client's key, or add an enabled key to a usage plan that includes the stage.",
                disabled,
            ),
        };
        findings.push(
            Finding::new(
                Code::ApiKeyNotUsable,
                format!(
                    "Stage {} of API {} serves methods that require an API key ({}) but {why}: no key is valid there, so API Gateway answers 403 \"Forbidden\". {fix}",
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
                "admitting_usage_plans": admitting.iter().map(|p| &p.id).collect::<Vec<_>>(),
                "keys_not_enabled": disabled,
                "cause": Cause::InvalidApiKey,
            })),
        );
    }
    findings
}
