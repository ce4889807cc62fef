//! EventBridge "AWS API Call via CloudTrail" events from API Gateway: configuration changes.

use super::{
    invalid, parse_time, str_at, ChangeEvent, Incident, IntakeSettings, InvalidEvent, Scope,
    Source, TargetRef,
};
use serde_json::Value;

const API_GATEWAY_EVENT_SOURCE: &str = "apigateway.amazonaws.com";

pub fn parse(event: &Value, settings: IntakeSettings) -> Result<Incident, InvalidEvent> {
    let detail = event
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| invalid("field `detail`: expected an object"))?;
    let id = str_at(detail, "/eventID")
        .or_else(|| str_at(event, "/id"))
        .unwrap_or("cloudtrail")
        .to_string();
    let mut incident = Incident::base(Source::Cloudtrail, id, settings);
    incident.region = str_at(detail, "/awsRegion")
        .or_else(|| str_at(event, "/region"))
        .map(str::to_string);
    incident.account = str_at(detail, "/recipientAccountId")
        .or_else(|| str_at(event, "/account"))
        .map(str::to_string);

    let event_source = str_at(detail, "/eventSource").unwrap_or_default();
    if event_source != API_GATEWAY_EVENT_SOURCE {
        incident.notes.push(format!(
            "CloudTrail event from {event_source:?}, not {API_GATEWAY_EVENT_SOURCE}: acknowledged, nothing diagnosed"
        ));
        return Ok(incident);
    }
    let event_name = str_at(detail, "/eventName")
        .ok_or_else(|| invalid("field `detail.eventName`: expected a string"))?
        .to_string();
    let event_time = str_at(detail, "/eventTime")
        .ok_or_else(|| invalid("field `detail.eventTime`: expected a string"))
        .and_then(|t| {
            parse_time(t)
                .ok_or_else(|| invalid(format!("field `detail.eventTime`: not a timestamp: {t}")))
        })?;
    let parameters = detail.get("requestParameters");
    let api_id = parameters
        .and_then(|p| str_at(p, "/restApiId").or_else(|| str_at(p, "/apiId")))
        .map(str::to_string);
    let policy_change = event_name == "UpdateRestApi" && patch_touches_policy(parameters);

    if let Some(id) = &api_id {
        incident.scope = Scope::Named(vec![TargetRef {
            api_id: Some(id.clone()),
            api_name: None,
            stage: parameters
                .and_then(|p| str_at(p, "/stageName"))
                .map(str::to_string),
            v2_hint: parameters.and_then(|p| p.get("apiId")).is_some(),
        }]);
    } else {
        incident.notes.push(format!(
            "CloudTrail {event_name} names no API id: acknowledged, nothing diagnosed"
        ));
    }
    incident.change = Some(ChangeEvent {
        event_name,
        event_time,
        api_id,
        policy_change,
    });
    Ok(incident)
}

/// True when the patch touches `/policy`, or when the patch cannot be read (SPEC §1: counts as one).
pub fn patch_touches_policy(parameters: Option<&Value>) -> bool {
    // CloudTrail records the patch at the top level or inside an `<operation>Input` wrapper.
    let operations = parameters.and_then(|p| {
        p.get("patchOperations").or_else(|| {
            p.as_object()?
                .values()
                .find_map(|inner| inner.get("patchOperations"))
        })
    });
    match operations.and_then(Value::as_array) {
        Some(ops) => ops.iter().any(|op| match str_at(op, "/path") {
            Some(path) => path.starts_with("/policy"),
            None => true,
        }),
        None => true,
    }
}
