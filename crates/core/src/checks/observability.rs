//! Emits: EXECUTION_LOGGING_DISABLED, ACCOUNT_CLOUDWATCH_ROLE_MISSING, ACCESS_LOGGING_DISABLED.
//! Observability: execution logging, the account's CloudWatch Logs role, access logging (SPEC §5).

use crate::catalog::Code;
use crate::finding::Finding;
use crate::snapshot::{Snapshot, V2Api};
use serde_json::json;

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
        if let Some(level) = level {
            if level.is_none_or(|l| l.eq_ignore_ascii_case("OFF")) {
                findings.push(
                    Finding::new(
                        Code::ExecutionLoggingDisabled,
                        format!("Stage {stage} of API {api_id} writes no execution logs, so failures leave no trace in CloudWatch Logs."),
                    )
                    .api(api_id)
                    .stage(Some(stage))
                    .evidence(json!({ "logging_level": level.unwrap_or("OFF") })),
                );
            }
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
