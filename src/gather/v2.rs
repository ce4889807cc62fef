//! Reads HTTP and WebSocket APIs (API Gateway v2): their stages, deployments and integrations,
//! the routes of WebSocket APIs and of HTTP APIs with a VPC-link integration, and the
//! authorizers of WebSocket APIs.

use super::tags;
use crate::aws::{CallFailure, Session};
use crate::snapshot::{
    ChangeHistory, Deployment, V2Api, V2Authorizer, V2Integration, V2Route, V2Stage,
};
use std::collections::HashMap;

/// Every item of a paginated API Gateway v2 listing (500 a page): `$method($id)` is the
/// client's operation and the API it lists for (none for the APIs themselves), `$convert` maps
/// one item.
macro_rules! every_item {
    ($session:ident, $step:literal, $method:ident($($id:expr)?), $convert:expr) => {{
        let items = v2_items!($session, $step, |client| client.$method()$(.api_id($id))?)?;
        Ok(items.iter().map($convert).collect())
    }};
}

fn from_parts(
    id: Option<&str>,
    name: Option<&str>,
    protocol: Option<&aws_sdk_apigatewayv2::types::ProtocolType>,
    api_tags: Option<&HashMap<String, String>>,
    disable_execute_api_endpoint: Option<bool>,
) -> V2Api {
    V2Api {
        id: id.unwrap_or_default().to_string(),
        name: name.unwrap_or_default().to_string(),
        protocol: protocol.map(|p| p.as_str().to_string()).unwrap_or_default(),
        tags: tags(api_tags),
        // API Gateway leaves the field out when the default endpoint is on.
        disable_execute_api_endpoint: Some(disable_execute_api_endpoint.unwrap_or(false)),
        ..V2Api::default()
    }
}

/// Every authorizer of a WebSocket API (paginated).
pub async fn authorizers(
    session: Session<'_>,
    api_id: &str,
) -> Result<Vec<V2Authorizer>, CallFailure> {
    every_item!(
        session,
        "apigatewayv2:GetAuthorizers",
        get_authorizers(api_id),
        |a| V2Authorizer {
            id: a.authorizer_id().unwrap_or_default().to_string(),
            name: a.name().unwrap_or_default().to_string(),
            authorizer_type: a.authorizer_type().map(|t| t.as_str().to_string()),
            identity_source: a.identity_source().to_vec(),
        }
    )
}

/// Every route of an HTTP or WebSocket API (paginated).
pub async fn routes(session: Session<'_>, api_id: &str) -> Result<Vec<V2Route>, CallFailure> {
    every_item!(session, "apigatewayv2:GetRoutes", get_routes(api_id), |r| {
        V2Route {
            route_key: r.route_key().unwrap_or_default().to_string(),
            authorization_type: r.authorization_type().map(|t| t.as_str().to_string()),
            authorizer_id: r.authorizer_id().map(str::to_string),
            target: r.target().map(str::to_string),
        }
    })
}

/// Every integration of an HTTP or WebSocket API (paginated).
pub async fn integrations(
    session: Session<'_>,
    api_id: &str,
) -> Result<Vec<V2Integration>, CallFailure> {
    every_item!(
        session,
        "apigatewayv2:GetIntegrations",
        get_integrations(api_id),
        |i| V2Integration {
            integration_type: i.integration_type().map(|t| t.as_str().to_string()),
            request_templates: tags(i.request_templates()),
            integration_uri: i.integration_uri().map(str::to_string),
            server_name_to_verify: i
                .tls_config()
                .and_then(|t| t.server_name_to_verify())
                .map(str::to_string),
            ..integration_of(
                i.integration_id(),
                i.connection_type(),
                i.connection_id(),
                i.request_parameters(),
            )
        }
    )
}

/// One integration of an HTTP or WebSocket API, read again (an apply's precondition).
pub async fn integration(
    session: Session<'_>,
    api_id: &str,
    integration_id: &str,
) -> Result<V2Integration, CallFailure> {
    let i = session
        .call(
            "apigatewayv2:GetIntegration",
            session
                .aws
                .apigatewayv2
                .get_integration()
                .api_id(api_id)
                .integration_id(integration_id)
                .send(),
        )
        .await?;
    Ok(V2Integration {
        integration_type: i.integration_type().map(|t| t.as_str().to_string()),
        request_templates: tags(i.request_templates()),
        integration_uri: i.integration_uri().map(str::to_string),
        server_name_to_verify: i
            .tls_config()
            .and_then(|t| t.server_name_to_verify())
            .map(str::to_string),
        ..integration_of(
            i.integration_id().or(Some(integration_id)),
            i.connection_type(),
            i.connection_id(),
            i.request_parameters(),
        )
    })
}

fn integration_of(
    id: Option<&str>,
    connection_type: Option<&aws_sdk_apigatewayv2::types::ConnectionType>,
    connection_id: Option<&str>,
    request_parameters: Option<&HashMap<String, String>>,
) -> V2Integration {
    V2Integration {
        id: id.unwrap_or_default().to_string(),
        connection_type: connection_type.map(|t| t.as_str().to_string()),
        connection_id: connection_id.map(str::to_string),
        request_parameters: tags(request_parameters),
        ..V2Integration::default()
    }
}

/// Every HTTP and WebSocket API in the region (paginated).
pub async fn list_apis(session: Session<'_>) -> Result<Vec<V2Api>, CallFailure> {
    every_item!(session, "apigatewayv2:GetApis", get_apis(), |a| from_parts(
        a.api_id(),
        a.name(),
        a.protocol_type(),
        a.tags(),
        a.disable_execute_api_endpoint()
    ))
}

/// One HTTP or WebSocket API by id.
pub async fn get_api(session: Session<'_>, id: &str) -> Result<V2Api, CallFailure> {
    let a = session
        .call(
            "apigatewayv2:GetApi",
            session.aws.apigatewayv2.get_api().api_id(id).send(),
        )
        .await?;
    Ok(from_parts(
        a.api_id().or(Some(id)),
        a.name(),
        a.protocol_type(),
        a.tags(),
        a.disable_execute_api_endpoint(),
    ))
}

/// Every stage of an HTTP or WebSocket API (paginated).
pub async fn stages(session: Session<'_>, api_id: &str) -> Result<Vec<V2Stage>, CallFailure> {
    every_item!(session, "apigatewayv2:GetStages", get_stages(api_id), |s| {
        V2Stage {
            name: s.stage_name().unwrap_or_default().to_string(),
            deployment_id: s.deployment_id().map(str::to_string),
            auto_deploy: s.auto_deploy().unwrap_or(false),
            tags: tags(s.tags()),
            logging_level: s
                .default_route_settings()
                .and_then(|r| r.logging_level())
                .map(|l| l.as_str().to_string()),
            access_log_destination: s
                .access_log_settings()
                .and_then(|a| a.destination_arn())
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            access_log_format: s
                .access_log_settings()
                .and_then(|a| a.format())
                .filter(|f| !f.is_empty())
                .map(str::to_string),
            route_logging: s
                .route_settings()
                .into_iter()
                .flatten()
                .filter_map(|(route, settings)| {
                    let level = settings.logging_level()?.as_str().to_string();
                    Some((route.clone(), level))
                })
                .collect(),
            variables: tags(s.stage_variables()),
        }
    })
}

/// Every deployment of an HTTP or WebSocket API (paginated).
pub async fn deployments(
    session: Session<'_>,
    api_id: &str,
) -> Result<Vec<Deployment>, CallFailure> {
    every_item!(
        session,
        "apigatewayv2:GetDeployments",
        get_deployments(api_id),
        |d| Deployment {
            id: d.deployment_id().unwrap_or_default().to_string(),
            description: d
                .description()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            created_date: d.created_date().map(aws_smithy_types::DateTime::secs),
            api_summary: None,
            api_key_methods: None,
        }
    )
}

/// The route and integration writes (see `intake::definition_evidence`). `ReimportApi` replaces
/// an API's routes and integrations from an OpenAPI definition at once (`aws apigatewayv2
/// reimport-api`, and tools that update an API from its OpenAPI body); its record names the API
/// as `apiId` like the others, and a body too large for CloudTrail leaves it unreadable (a note).
const DEFINITION_CALLS: [&str; 7] = [
    "CreateRoute",
    "UpdateRoute",
    "DeleteRoute",
    "CreateIntegration",
    "UpdateIntegration",
    "DeleteIntegration",
    "ReimportApi",
];

/// What CloudTrail's event history says about HTTP or WebSocket API `api_id`'s routes and
/// integrations since `since` (epoch seconds): see [`super::trail::last_change`].
pub async fn last_definition_change(
    session: Session<'_>,
    api_id: &str,
    since: i64,
) -> Result<ChangeHistory, CallFailure> {
    super::trail::last_change(session, &DEFINITION_CALLS, since, |_, record| {
        crate::intake::definition_evidence(record, api_id)
    })
    .await
}
