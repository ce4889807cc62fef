//! EventBridge "AWS API Call via CloudTrail" events from API Gateway (configuration changes),
//! and what the same records in CloudTrail's event history say about a resource policy.

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
    // SPEC §1: a trigger whose patch cannot be read counts as a policy change.
    let policy_change = record_evidence(&event_name, detail) != ChangeEvidence::Unchanged;

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

/// What a CloudTrail record of an API Gateway call says about part of an API: a REST API's
/// resource policy, or an HTTP or WebSocket API's routes and integrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeEvidence {
    /// The call changed it.
    Changed,
    /// The call left it alone.
    Unchanged,
    /// The call may have changed it, but CloudTrail did not record its request in full.
    Unreadable,
}

/// What the call `event_name` recorded in `record` did to the resource policy. A call that
/// failed changed nothing: CloudTrail records failed calls too, with an `errorCode`
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
fn record_evidence(event_name: &str, record: &Value) -> ChangeEvidence {
    if record.get("errorCode").is_some_and(|code| !code.is_null()) {
        return ChangeEvidence::Unchanged;
    }
    let parameters = record.get("requestParameters").filter(|p| p.is_object());
    policy_evidence(event_name, parameters)
}

/// What the call `event_name`, with these `requestParameters`, did to the resource policy.
///
/// Real REST (v1) records keep path parameters flat (`restApiId`) and wrap the request body in
/// `<operation>Input`, so an `UpdateRestApi` patch is `updateRestApiInput.patchOperations`
/// (AWS's own validation messages name `updateRestApiInput.patchOperations.1.member.op`); no
/// real record carries a flat `patchOperations`. CloudTrail cuts request parameters that exceed
/// its field size, which leaves the patch unreadable
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
///
/// Every `PutRestApi` counts as a change, whatever its body says: it imports an OpenAPI
/// definition over the API, whose `x-amazon-apigateway-policy` sets the policy
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html),
/// and the body is free-form JSON or YAML that CloudTrail may cut. Taking an import for a policy
/// change costs at most a redeploy the import needs anyway; missing one leaves a stale policy
/// live unexplained.
fn policy_evidence(event_name: &str, parameters: Option<&Value>) -> ChangeEvidence {
    match event_name {
        "PutRestApi" => ChangeEvidence::Changed,
        "UpdateRestApi" => patch_evidence(parameters),
        _ => ChangeEvidence::Unchanged,
    }
}

/// An `UpdateRestApi` patch: a change when any operation touches `/policy`, unreadable when
/// the operations (or one operation's path) were not recorded.
fn patch_evidence(parameters: Option<&Value>) -> ChangeEvidence {
    let Some(operations) = parameters
        .and_then(|p| p.pointer("/updateRestApiInput/patchOperations"))
        .and_then(Value::as_array)
    else {
        return ChangeEvidence::Unreadable;
    };
    let paths: Vec<Option<&str>> = operations.iter().map(|op| str_at(op, "/path")).collect();
    if paths.iter().flatten().any(|path| touches_policy(path)) {
        ChangeEvidence::Changed
    } else if paths.contains(&None) {
        ChangeEvidence::Unreadable
    } else {
        ChangeEvidence::Unchanged
    }
}

/// The policy is the REST API's `policy` property, so a patch reaches it at the JSON pointer
/// `/policy` (https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateRestApi.html,
/// https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html); matched as a whole
/// segment, so a `/policyX` path is not it.
fn touches_policy(path: &str) -> bool {
    path.strip_prefix("/policy")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// One record of CloudTrail's event history (`LookupEvents`' `CloudTrailEvent` text) of the call
/// `event_name`, as evidence about REST API `api_id`'s policy; `None` when the record is about
/// another API or leaves the policy alone. A record that names no API (its request parameters
/// were cut, or the text is not JSON) may be this API's: unreadable.
pub fn history_evidence(event_name: &str, record: &str, api_id: &str) -> Option<ChangeEvidence> {
    let record: Value = serde_json::from_str(record).unwrap_or(Value::Null);
    let evidence = record_evidence(event_name, &record);
    match str_at(&record, "/requestParameters/restApiId") {
        _ if evidence == ChangeEvidence::Unchanged => None,
        Some(id) => (id == api_id).then_some(evidence),
        None => Some(ChangeEvidence::Unreadable),
    }
}

/// One record of CloudTrail's event history of a route or integration write (`CreateRoute`,
/// `UpdateIntegration`, …) as evidence about HTTP or WebSocket API `api_id`'s definition: a
/// successful call that names the API changed it; `None` when it failed, names another API, or
/// is a REST call of the same name (`restApiId`). Real v2 records keep path parameters flat
/// (`requestParameters.apiId`, as aws-spotlight's `DeleteApi` record shows); a record that
/// names no API at all (cut, or not JSON) may be this API's: unreadable.
pub fn definition_evidence(record: &str, api_id: &str) -> Option<ChangeEvidence> {
    let record: Value = serde_json::from_str(record).unwrap_or(Value::Null);
    if record.get("errorCode").is_some_and(|code| !code.is_null()) {
        return None;
    }
    match (
        str_at(&record, "/requestParameters/apiId"),
        str_at(&record, "/requestParameters/restApiId"),
    ) {
        (Some(id), _) => (id == api_id).then_some(ChangeEvidence::Changed),
        (None, Some(_)) => None,
        (None, None) => Some(ChangeEvidence::Unreadable),
    }
}
