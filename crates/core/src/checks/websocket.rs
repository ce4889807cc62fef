//! Emits: WS_AUTHORIZER_NOT_ON_CONNECT, WS_CONNECTION_ID_HEADER_MISSING.
//! WebSocket APIs (SPEC §5): authorization on routes other than `$connect`, and VPC-link
//! integrations that do not hand the connection id to the backend.

use crate::catalog::Code;
use crate::finding::Finding;
use crate::snapshot::{connection_id_header, Snapshot, V2Api};
use serde_json::json;

pub fn check(snapshot: &Snapshot) -> Vec<Finding> {
    let mut findings = Vec::new();
    for api in snapshot.v2_apis.iter().filter(|a| a.is_websocket()) {
        if !snapshot.read_failed("apigatewayv2:GetRoutes") {
            findings.extend(authorizer_not_on_connect(snapshot, api));
        }
        if !snapshot.read_failed("apigatewayv2:GetIntegrations") {
            findings.extend(connection_id_header_missing(api));
        }
    }
    findings
}

/// Only `$connect` is authorized on a WebSocket API: an authorizer or IAM authorization on any
/// other route is never run
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-control-access.html>).
fn authorizer_not_on_connect(snapshot: &Snapshot, api: &V2Api) -> Option<Finding> {
    let authorized: Vec<_> = api
        .routes
        .iter()
        .filter(|r| r.route_key != "$connect")
        .filter(|r| {
            r.authorizer_id.is_some()
                || matches!(r.authorization_type.as_deref(), Some("CUSTOM" | "AWS_IAM"))
        })
        .collect();
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
            "routes": authorized.iter().map(|r| json!({
                "route_key": r.route_key,
                "authorization_type": r.authorization_type,
                "authorizer_id": r.authorizer_id,
            })).collect::<Vec<_>>(),
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
                "connection_id": i.connection_id,
                "request_parameters": i.request_parameters,
            }))
        })
        .collect()
}
