//! What a person types in the Lambda console (SPEC §1.1): strict, every field named on error.

use super::{invalid, Incident, IntakeSettings, InvalidEvent, Reply, Scope, Source, TargetRef};
use crate::action::Action;
use crate::catalog::Symptom;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use strum::IntoEnumIterator;

/// The error a caller saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorHint {
    pub status: Option<u16>,
    pub error_type: Option<String>,
    pub message: Option<String>,
}

/// The request that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestHint {
    pub url: Option<String>,
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Where the failing client runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientHint {
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    pub subnet_id: Option<String>,
    pub source_ip: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualEvent {
    api_id: Option<String>,
    api_name: Option<String>,
    stage: Option<String>,
    symptom: Option<String>,
    error: Option<ErrorHint>,
    request: Option<RequestHint>,
    client: Option<ClientHint>,
    connection_id: Option<String>,
    dry_run: Option<bool>,
    actions: Option<Vec<String>>,
    #[serde(default)]
    sweep: bool,
    account: Option<String>,
    #[serde(default)]
    probe: bool,
    cursor: Option<crate::sweep::Cursor>,
    #[serde(default)]
    reply: Reply,
}

pub fn parse(event: &Value, settings: IntakeSettings) -> Result<Incident, InvalidEvent> {
    let manual: ManualEvent = serde_path_to_error::deserialize(event).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            invalid(format!("manual event: {}", e.inner()))
        } else {
            invalid(format!("manual event: field `{path}`: {}", e.inner()))
        }
    })?;
    if let Some(connection_id) = &manual.connection_id {
        check_connection_id(connection_id, manual.api_id.is_some())?;
    }
    let symptom = match &manual.symptom {
        None => None,
        Some(name) => Some(name.parse::<Symptom>().map_err(|_| {
            let known: Vec<&str> = Symptom::iter().map(<&str>::from).collect();
            invalid(format!(
                "manual event: field `symptom`: unknown symptom {name:?}, expected one of {}",
                known.join(", ")
            ))
        })?),
    };
    let mut actions = Vec::new();
    for name in manual.actions.iter().flatten() {
        let action = name.parse::<Action>().map_err(|_| {
            invalid(format!(
                "manual event: field `actions`: unknown action {name:?}, expected one of {}",
                Action::names().join(", ")
            ))
        })?;
        actions.push(action);
    }
    if let Some(account) = &manual.account {
        if !crate::is_account_id(account) {
            return Err(invalid(format!(
                "manual event: field `account`: expected a 12-digit account id, got {account:?}"
            )));
        }
    }
    for (field, value) in [
        ("api_id", &manual.api_id),
        ("api_name", &manual.api_name),
        ("stage", &manual.stage),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(invalid(format!(
                "manual event: field `{field}`: must not be empty"
            )));
        }
    }
    if let Some(ip) = manual.client.as_ref().and_then(|c| c.source_ip.as_deref()) {
        if ip.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(format!(
                "manual event: field `client.source_ip`: not an IP address: {ip:?}"
            )));
        }
    }

    if manual.cursor.is_some() && !manual.sweep {
        return Err(invalid(
            "manual event: field `cursor`: continues a sweep, so it needs `\"sweep\": true`",
        ));
    }
    if let Some(reason) = crate::sweep::Cursor::refuses_actions(
        manual.cursor.as_ref(),
        Some(&actions),
        "manual event: field `actions`",
    ) {
        return Err(invalid(reason));
    }
    let scope = match (&manual.api_id, &manual.api_name, manual.sweep) {
        (None, None, true) => Scope::Sweep,
        (None, None, false) => {
            return Err(invalid(
                "manual event: name a target with `api_id` or `api_name`, or set `\"sweep\": true`",
            ))
        }
        (_, _, true) => {
            return Err(invalid(
                "manual event: `sweep` diagnoses every API; do not combine it with `api_id` or `api_name`",
            ))
        }
        (api_id, api_name, false) => Scope::Named(vec![TargetRef {
            api_id: api_id.clone(),
            api_name: if api_id.is_some() { None } else { api_name.clone() },
            stage: manual.stage.clone(),
            // A connection id names a WebSocket API: ask API Gateway v2 first.
            v2_hint: manual.connection_id.is_some(),
        }]),
    };
    let id = format!("manual-{}", settings.now.format("%Y%m%dT%H%M%S%.3fZ"));
    let mut incident = Incident::base(Source::Manual, id, settings);
    incident.scope = scope;
    incident.symptom = symptom.or_else(|| {
        let error = manual.error.as_ref()?;
        error
            .status
            .and_then(symptom_for_status)
            .or_else(|| error.error_type.as_deref().and_then(symptom_for_error_type))
    });
    incident.account = manual.account;
    incident.error = manual.error;
    incident.request = manual.request;
    incident.client = manual.client;
    incident.connection_id = manual.connection_id;
    incident.dry_run = manual.dry_run;
    incident.actions = manual.actions.map(|_| actions);
    incident.probe = manual.probe;
    incident.cursor = manual.cursor;
    incident.reply = manual.reply;
    Ok(incident)
}

/// The longest connection id accepted: API Gateway's are 16 characters of base64
/// (`L0SM9cOFvHcCIhw=`); anything far longer is not one.
const MAX_CONNECTION_ID_CHARS: usize = 128;

/// A connection id must look like one (printable, no spaces, not absurdly long), and needs the
/// WebSocket API's id: `api_name` finds REST APIs only, which have no connections.
fn check_connection_id(connection_id: &str, has_api_id: bool) -> Result<(), InvalidEvent> {
    let field = "manual event: field `connection_id`";
    if connection_id.is_empty() {
        return Err(invalid(format!("{field}: must not be empty")));
    }
    if connection_id.chars().count() > MAX_CONNECTION_ID_CHARS {
        return Err(invalid(format!(
            "{field}: longer than {MAX_CONNECTION_ID_CHARS} characters, not a WebSocket connection id"
        )));
    }
    if !connection_id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(invalid(format!(
            "{field}: expected printable ASCII without spaces (like \"L0SM9cOFvHcCIhw=\"), got {connection_id:?}"
        )));
    }
    if !has_api_id {
        return Err(invalid(format!(
            "{field}: needs `api_id`, the WebSocket API's id (`api_name` finds REST APIs only, and a sweep names no connection)"
        )));
    }
    Ok(())
}

/// The symptom an `x-amzn-errortype` implies when neither a symptom nor a status is given:
/// API Gateway's 403 gateway responses, its 410 for a gone WebSocket connection, and its 5xx
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html>).
fn symptom_for_error_type(error_type: &str) -> Option<Symptom> {
    let name = error_type.split(':').next().unwrap_or(error_type).trim();
    match name {
        "AccessDeniedException"
        | "ForbiddenException"
        | "MissingAuthenticationTokenException"
        | "InvalidSignatureException"
        | "IncompleteSignatureException"
        | "ExpiredTokenException"
        | "UnrecognizedClientException" => Some(Symptom::Forbidden),
        "GoneException" => Some(Symptom::Gone),
        "UnauthorizedException"
        | "BadRequestException"
        | "NotFoundException"
        | "TooManyRequestsException"
        | "LimitExceededException" => Some(Symptom::ClientError),
        "InternalServerErrorException" | "ServiceUnavailableException" => {
            Some(Symptom::ServerError)
        }
        _ => None,
    }
}

/// The symptom an HTTP status implies when the person did not name one.
fn symptom_for_status(status: u16) -> Option<Symptom> {
    match status {
        403 => Some(Symptom::Forbidden),
        410 => Some(Symptom::Gone),
        504 => Some(Symptom::Timeout),
        400..=499 => Some(Symptom::ClientError),
        500..=599 => Some(Symptom::ServerError),
        _ => None,
    }
}
