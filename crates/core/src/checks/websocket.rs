//! Emits: WS_AUTHORIZER_NOT_ON_CONNECT, WS_CONNECTION_ID_HEADER_MISSING, WS_CONNECTION_GONE.
//! WebSocket APIs (SPEC §5): authorization on routes other than `$connect`, VPC-link
//! integrations that do not hand the connection id to the backend, and whether the connection
//! id the incident names still exists.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::intake::{ErrorHint, Incident};
use crate::snapshot::{connection_id_header, Connection, ConnectionState, Snapshot, V2Api};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in snapshot.v2_apis.iter().filter(|a| a.is_websocket()) {
        if !snapshot.read_failed("apigatewayv2:GetRoutes") {
            findings.extend(authorizer_not_on_connect(snapshot, api));
        }
        if !snapshot.read_failed("apigatewayv2:GetIntegrations") {
            findings.extend(connection_id_header_missing(api));
        }
    }
    // A lookup that failed is in `incomplete` and absent here: nothing is claimed either way.
    findings.extend(
        snapshot
            .connections
            .iter()
            .filter(|c| c.state == ConnectionState::Gone)
            .map(|c| connection_gone(c, incident)),
    );
    findings
}

/// What a person should know that is no finding: a connection that is still there.
pub fn notes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
    snapshot
        .connections
        .iter()
        .filter_map(|c| connected_note(c, incident))
        .collect()
}

/// API Gateway answers `410 GoneException` to a post (or GetConnection) for a connection that
/// is still being set up — `$connect` has not returned yet —, that has disconnected, or whose id
/// the client used before it reconnected (a reconnect gets a new id); the fix is never to post
/// from the `$connect` integration, but from an asynchronously invoked function that calls
/// GetConnection first, then PostToConnection
/// (<https://repost.aws/knowledge-center/410-gone-api-gateway>).
fn connection_gone(connection: &Connection, incident: &Incident) -> Finding {
    let reported = incident.error.as_ref().filter(|e| reports_gone(e));
    let echo = if reported.is_some() {
        " That is the 410 GoneException reported."
    } else {
        ""
    };
    Finding::new(
        Code::WsConnectionGone,
        format!(
            "Connection {} is gone from stage {} of WebSocket API {}: GetConnection answered 410 GoneException.{echo} API Gateway answers 410 when a message is posted before $connect has finished (the connection is still being set up), after the client disconnected, or to a connection id the client used before it reconnected (a reconnect gets a new id). Do not post from the $connect integration: have it invoke a function asynchronously that calls GetConnection first, then PostToConnection, and post only to the client's current connection id.",
            connection.connection_id, connection.stage, connection.api_id
        ),
    )
    .api(&connection.api_id)
    .stage(Some(&connection.stage))
    .resource(&connection.connection_id)
    .evidence(json!({
        "connection_id": connection.connection_id,
        "endpoint": connection.endpoint,
        "get_connection": "410 GoneException",
        "cause": "connection_gone",
        "reported_error": reported,
        "reference": "https://repost.aws/knowledge-center/410-gone-api-gateway",
    }))
}

/// Whether the caller's error is API Gateway's 410 for a gone connection (SPEC §6,
/// `connection_gone`): the status, the error type or the message says so.
fn reports_gone(error: &ErrorHint) -> bool {
    let gone = |text: &Option<String>| text.as_deref().is_some_and(|t| t.contains("GoneException"));
    error.status == Some(410) || gone(&error.error_type) || gone(&error.message)
}

/// The connection exists: when and from where it connected, and — when a 410 was reported —
/// why the live connection does not contradict it.
fn connected_note(connection: &Connection, incident: &Incident) -> Option<String> {
    let ConnectionState::Connected {
        connected_at,
        source_ip,
        last_active_at,
    } = &connection.state
    else {
        return None;
    };
    let mut note = format!(
        "WebSocket API {} stage {}: connection {} is connected (since {}, from {}, last active {})",
        connection.api_id,
        connection.stage,
        connection.connection_id,
        time(*connected_at),
        source_ip.as_deref().unwrap_or("an unreported address"),
        time(*last_active_at),
    );
    if incident.error.as_ref().is_some_and(reports_gone) {
        note.push_str(": the reported 410 GoneException came before $connect had finished, or was posted to another stage or API");
    }
    Some(note)
}

/// An epoch-seconds time as RFC 3339, or "unknown".
fn time(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .map_or_else(
            || "unknown".to_string(),
            |t| t.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
}

/// Only `$connect` is authorized on a WebSocket API: an authorizer or IAM authorization on any
/// other route is never run ([`V2Api::authorized_beyond_connect`]).
fn authorizer_not_on_connect(snapshot: &Snapshot, api: &V2Api) -> Option<Finding> {
    let authorized = api.authorized_beyond_connect();
    if authorized.is_empty() {
        return None;
    }
    let keys: Vec<&str> = authorized.iter().map(|r| r.route_key.as_str()).collect();
    let stage = api.stages.first().map_or("<stage>", |s| s.name.as_str());
    let route_arn = snapshot.partition().arn(
        "execute-api",
        snapshot.account.as_deref().unwrap_or("<account>"),
        &format!("{}/{stage}/<route-key>", api.id),
    );
    Some(
        Finding::new(
            Code::WsAuthorizerNotOnConnect,
            format!(
                "WebSocket API {} authorizes route(s) {}, but API Gateway authorizes only $connect: a Lambda authorizer's methodArn always ends in $connect, and IAM policies name routes as {route_arn}. Move the authorization to $connect.",
                api.id,
                keys.join(", ")
            ),
        )
        .api(&api.id)
        .resource(&api.id)
        .evidence(json!({
            "routes": authorized.iter().map(|r| {
                let authorizer = r
                    .authorizer_id
                    .as_deref()
                    .and_then(|id| api.authorizers.iter().find(|a| a.id == id));
                json!({
                    "route_key": r.route_key,
                    "authorization_type": r.authorization_type,
                    "authorizer_id": r.authorizer_id,
                    "authorizer_name": authorizer.map(|a| &a.name),
                    "authorizer_type": authorizer.and_then(|a| a.authorizer_type.as_ref()),
                    "identity_source": authorizer.map(|a| &a.identity_source),
                })
            }).collect::<Vec<_>>(),
            "route_arn_form": route_arn,
        })),
    )
}

/// A WebSocket VPC-link integration must map `context.connectionId` into a header (under any
/// name) for the backend to call `@connections` back.
fn connection_id_header_missing(api: &V2Api) -> Vec<Finding> {
    api.integrations
        .iter()
        .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
        .filter(|i| connection_id_header(&i.request_parameters).is_none())
        // A mapping template that puts the id in the body hands it over too (non-proxy HTTP).
        .filter(|i| !i.templates_pass_connection_id())
        .map(|i| {
            Finding::new(
                Code::WsConnectionIdHeaderMissing,
                format!(
                    "Integration {} of WebSocket API {} goes through VPC link {} but passes the connection id in no header: map integration.request.header.connectionId to context.connectionId so the backend can reply.",
                    i.id,
                    api.id,
                    i.connection_id.as_deref().unwrap_or("(unknown)")
                ),
            )
            .api(&api.id)
            .resource(&i.id)
            .evidence(json!({
                "integration_id": i.id,
                "integration_type": i.integration_type,
                "connection_id": i.connection_id,
                "request_parameters": i.request_parameters,
                "request_templates": i.request_templates.keys().collect::<Vec<_>>(),
            }))
        })
        .collect()
}
