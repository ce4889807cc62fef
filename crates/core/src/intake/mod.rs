//! Turns any accepted trigger event (SPEC §1) into one `Incident`.

mod alarm;
mod cloudtrail;
mod manual;

use crate::action::Action;
use crate::catalog::Symptom;
use crate::json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use cloudtrail::{definition_evidence, history_evidence, ChangeEvidence};
pub use manual::{ClientHint, ErrorHint, RequestHint};

/// Lambda's synchronous invoke payload limit.
pub const MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;
/// Deeper events are malformed: no trigger we accept nests anywhere near this.
pub const MAX_EVENT_DEPTH: usize = 64;

/// Why an event cannot be diagnosed: returned as `InvalidEvent` (Lambda) or exit 2 (CLI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidEvent(pub String);

/// Every intake error goes through here, so text copied from the event cannot break the
/// one-line reason (control characters are escaped).
fn invalid(message: impl Into<String>) -> InvalidEvent {
    InvalidEvent(
        message
            .into()
            .chars()
            .flat_map(|c| {
                let escaped: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                escaped
            })
            .collect(),
    )
}

/// Which trigger shape the event had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    AlarmAction,
    EventbridgeAlarm,
    SnsAlarm,
    Schedule,
    Cloudtrail,
    Manual,
    /// Another EventBridge event, acknowledged and not diagnosed.
    Eventbridge,
}

/// The alarm that raised the incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmInfo {
    pub name: String,
    pub arn: Option<String>,
    pub state: String,
    pub namespace: Option<String>,
    pub metric: Option<String>,
}

/// An API the incident names: by id (v2 or REST) or by REST API name, with an optional stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetRef {
    pub api_id: Option<String>,
    pub api_name: Option<String>,
    pub stage: Option<String>,
    /// The id came from an `ApiId` metric dimension, which only HTTP and WebSocket APIs carry.
    pub v2_hint: bool,
}

/// What the incident asks to be diagnosed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Acknowledged only (alarm not in ALARM, outside API Gateway, composite…): see the notes.
    Nothing,
    Named(Vec<TargetRef>),
    Sweep,
}

/// A configuration change seen in CloudTrail: evidence for "changed after the last deployment".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEvent {
    pub event_name: String,
    pub event_time: DateTime<Utc>,
    pub api_id: Option<String>,
    pub policy_change: bool,
}

/// The incident window for logs and change evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One failure signal, normalised from whatever shape it arrived in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub source: Source,
    pub id: String,
    pub alarm: Option<AlarmInfo>,
    pub symptom: Option<Symptom>,
    pub region: Option<String>,
    pub account: Option<String>,
    pub window: Window,
    pub notes: Vec<String>,
    pub scope: Scope,
    pub change: Option<ChangeEvent>,
    pub error: Option<ErrorHint>,
    pub request: Option<RequestHint>,
    pub client: Option<ClientHint>,
    pub connection_id: Option<String>,
    /// `Some(true)` asks for a dry run; `Some(false)` is only a wish (SPEC §1.1).
    pub dry_run: Option<bool>,
    /// Narrows the configured allow-list for this run.
    pub actions: Option<Vec<Action>>,
    /// A person asked to reproduce the request with `TestInvokeMethod` (SPEC §1.1), which calls
    /// the backend: only a manual event (or the CLI's `--probe`) can, never an alarm.
    pub probe: bool,
    /// Where a sweep continues (a manual event's `cursor`, from an earlier report).
    #[serde(skip)]
    pub cursor: Option<crate::sweep::Cursor>,
    /// What the function answers with: the report, or its summary (SPEC §1.1 `reply`).
    pub reply: Reply,
}

/// What the function answers an invocation with. The report always goes to the configured
/// topic and bus whole; `Summary` keeps the answer small for a caller with a size limit, such
/// as a Step Functions state (256 KiB).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    #[default]
    Report,
    Summary,
}

/// Settings intake needs from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct IntakeSettings {
    pub now: DateTime<Utc>,
    pub lookback_minutes: i64,
}

impl Incident {
    fn base(source: Source, id: String, settings: IntakeSettings) -> Self {
        Incident {
            source,
            id,
            alarm: None,
            symptom: None,
            region: None,
            account: None,
            window: Window {
                start: settings.now - Duration::minutes(settings.lookback_minutes),
                end: settings.now,
            },
            notes: Vec::new(),
            scope: Scope::Nothing,
            change: None,
            error: None,
            request: None,
            client: None,
            connection_id: None,
            dry_run: None,
            actions: None,
            probe: false,
            cursor: None,
            reply: Reply::Report,
        }
    }
}

/// Decodes raw event bytes, enforcing the size limit before parsing (the depth limit is checked
/// by `parse`, and serde_json refuses nesting past 128 levels on its own).
pub fn decode(bytes: &[u8]) -> Result<Value, InvalidEvent> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(invalid(format!(
            "event is {} bytes, larger than Lambda's 6 MB invoke limit",
            bytes.len()
        )));
    }
    serde_json::from_slice(bytes).map_err(|e| invalid(format!("event is not valid JSON: {e}")))
}

/// Parses an event already decoded as JSON (the Lambda runtime's path).
pub fn parse(event: &Value, settings: IntakeSettings) -> Result<Incident, InvalidEvent> {
    check_depth(event)?;
    let object = match event {
        Value::Object(map) => map,
        other => {
            return Err(invalid(format!(
                "event must be a JSON object, got {}",
                json::kind(other)
            )))
        }
    };
    if object.contains_key("Records") {
        return alarm::parse_sns(event, settings);
    }
    if object.get("source").and_then(Value::as_str) == Some("aws.cloudwatch")
        && object.contains_key("alarmData")
    {
        return alarm::parse_alarm_action(event, settings);
    }
    if let Some(detail_type) = object.get("detail-type") {
        return match detail_type.as_str() {
            Some("CloudWatch Alarm State Change") => alarm::parse_eventbridge(event, settings),
            Some("Scheduled Event") => Ok(parse_schedule(event, settings)),
            Some("AWS API Call via CloudTrail") => cloudtrail::parse(event, settings),
            Some(other) if object.get("source").is_some_and(Value::is_string)
                && object.get("detail").is_some_and(Value::is_object) =>
            {
                Ok(parse_other_eventbridge(event, other, settings))
            }
            Some(other) => Err(invalid(format!(
                "unsupported EventBridge detail-type \"{other}\" (and no EventBridge source and detail)"
            ))),
            None => Err(invalid("field `detail-type`: expected a string")),
        };
    }
    manual::parse(event, settings)
}

/// A well-formed EventBridge event of another detail-type (e.g. "CloudWatch Alarm Configuration
/// Change" from a broad rule) is not for this function: acknowledged with a note, never an error
/// that would fill the failure destination (SPEC §1).
fn parse_other_eventbridge(event: &Value, detail_type: &str, settings: IntakeSettings) -> Incident {
    let id = str_at(event, "/id").unwrap_or("eventbridge").to_string();
    let mut incident = Incident::base(Source::Eventbridge, id, settings);
    incident.notes.push(format!(
        "EventBridge detail-type {detail_type:?} is not an apigw-doctor trigger: acknowledged, nothing diagnosed"
    ));
    incident
}

fn parse_schedule(event: &Value, settings: IntakeSettings) -> Incident {
    let id = str_at(event, "/id").unwrap_or("schedule").to_string();
    let mut incident = Incident::base(Source::Schedule, id, settings);
    incident.region = str_at(event, "/region").map(str::to_string);
    incident.account = str_at(event, "/account").map(str::to_string);
    incident.scope = Scope::Sweep;
    incident
}

/// Rejects events nested deeper than `MAX_EVENT_DEPTH`, without recursion.
fn check_depth(event: &Value) -> Result<(), InvalidEvent> {
    let mut stack = vec![(event, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        let nests = value.is_array() || value.is_object();
        if nests && depth > MAX_EVENT_DEPTH {
            return Err(invalid(format!(
                "event is nested deeper than {MAX_EVENT_DEPTH} levels"
            )));
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// Parses the timestamps AWS puts in events: RFC 3339, or CloudWatch's `+0000` offsets.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Maps a CloudWatch metric name to the symptom it signals.
pub fn symptom_for_metric(metric: &str) -> Option<Symptom> {
    match metric {
        "5XXError" | "5xx" | "IntegrationError" | "ExecutionError" => Some(Symptom::ServerError),
        "4XXError" | "4xx" | "ClientError" => Some(Symptom::ClientError),
        "Latency" | "IntegrationLatency" => Some(Symptom::Latency),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
