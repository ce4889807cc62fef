//! Emits: EXECUTION_LOGGING_DISABLED, ACCOUNT_CLOUDWATCH_ROLE_MISSING, ACCESS_LOGGING_DISABLED.
//! Observability: execution logging, the account's CloudWatch Logs role, access logging (SPEC §5).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::snapshot::{Snapshot, V2Api};
use serde_json::json;
use std::collections::BTreeMap;

pub fn check(snapshot: &Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    let logged_apis =
        !snapshot.rest_apis.is_empty() || snapshot.v2_apis.iter().any(V2Api::is_websocket);
    if let Some(account) = &snapshot.account_settings {
        if account.cloudwatch_role_arn.is_none() && logged_apis {
            findings.push(
                Finding::new(
                    Code::AccountCloudwatchRoleMissing,
                    format!(
                        "API Gateway has no CloudWatch Logs role in account {} region {}: no stage can write execution or access logs.",
                        snapshot.account.as_deref().unwrap_or("(unknown)"),
                        snapshot.region
                    ),
                )
                .resource("account")
                .evidence(json!({ "cloudwatch_role_arn": null, "region": snapshot.region })),
            );
        }
    }
    let rest_stages = snapshot.rest_apis.iter().flat_map(|api| {
        api.stages.iter().map(move |s| {
            let level = s.logging_level.as_deref();
            (
                &api.id,
                &s.name,
                Some(level),
                s.access_log_destination.as_deref(),
            )
        })
    });
    let v2_stages = snapshot.v2_apis.iter().flat_map(|api| {
        api.stages.iter().map(move |s| {
            // HTTP APIs have no execution logging, only access logs.
            let level = api.is_websocket().then_some(s.logging_level.as_deref());
            (&api.id, &s.name, level, s.access_log_destination.as_deref())
        })
    });
    for (api_id, stage, level, access_log) in rest_stages.chain(v2_stages) {
        if let Some(level) = level.filter(|l| l.is_none_or(|l| l.eq_ignore_ascii_case("OFF"))) {
            findings.extend(execution_logging_off(snapshot, api_id, stage, level));
        }
        if access_log.is_none() {
            findings.push(
                Finding::new(
                    Code::AccessLoggingDisabled,
                    format!("Stage {stage} of API {api_id} writes no access logs."),
                )
                .api(api_id)
                .stage(Some(stage))
                .evidence(json!({ "access_log_settings": null })),
            );
        }
    }
    findings
}

/// `EXECUTION_LOGGING_DISABLED` for a stage whose default level is off, unless (WebSocket)
/// every route of the API turns logging on for itself in the stage's route settings; the
/// routes that do are named, the others are the ones that leave no trace
/// (<https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html>:
/// `routeSettings` override `defaultRouteSettings` per route).
fn execution_logging_off(
    snapshot: &Snapshot,
    api_id: &str,
    stage: &str,
    level: Option<&str>,
) -> Option<Finding> {
    let websocket = snapshot.v2_api(api_id).filter(|a| a.is_websocket());
    let overrides: BTreeMap<&str, &str> = websocket
        .and_then(|api| api.stages.iter().find(|s| s.name == stage))
        .map(|s| {
            s.route_logging
                .iter()
                .filter(|(_, l)| !l.eq_ignore_ascii_case("OFF"))
                .map(|(route, l)| (route.as_str(), l.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let routes_read = !snapshot.read_failed("apigatewayv2:GetRoutes");
    // Route settings outlive their routes (a deleted or renamed route key keeps its entry):
    // those log nothing, so they are named apart, never as routes that log.
    let (overrides, orphaned): (BTreeMap<&str, &str>, BTreeMap<&str, &str>) = match websocket {
        Some(api) if routes_read => overrides
            .into_iter()
            .partition(|(key, _)| api.routes.iter().any(|r| r.route_key == *key)),
        _ => (overrides, BTreeMap::new()),
    };
    let unlogged: Vec<&str> = websocket
        .filter(|_| routes_read)
        .map(|api| {
            api.routes
                .iter()
                .map(|r| r.route_key.as_str())
                .filter(|key| !overrides.contains_key(key))
                .collect()
        })
        .unwrap_or_default();
    let every_route_logs =
        websocket.is_some_and(|api| !api.routes.is_empty()) && routes_read && unlogged.is_empty();
    if every_route_logs {
        return None;
    }
    let which = if overrides.is_empty() {
        String::new()
    } else if routes_read {
        format!(
            " Only route(s) {} log by their own route settings; {} do not.",
            overrides.keys().copied().collect::<Vec<_>>().join(", "),
            unlogged.join(", ")
        )
    } else {
        format!(
            " Route(s) {} log by their own route settings.",
            overrides.keys().copied().collect::<Vec<_>>().join(", ")
        )
    };
    let mut evidence = json!({
        "logging_level": level.unwrap_or("OFF"),
        "routes_logging": overrides,
    });
    if !orphaned.is_empty() {
        evidence["route_settings_without_a_route"] = json!(orphaned);
    }
    Some(
        Finding::new(
            Code::ExecutionLoggingDisabled,
            format!("Stage {stage} of API {api_id} writes no execution logs, so failures leave no trace in CloudWatch Logs.{which}"),
        )
        .api(api_id)
        .stage(Some(stage))
        .evidence(evidence),
    )
}
