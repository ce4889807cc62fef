//! The path of a private integration, as read: the integrations of the target stages that go
//! through a VPC link, the links, the load balancers behind them with their listeners, target
//! groups and target health, a v1 link's VPC endpoint service, and listener certificates.
//!
//! API Gateway: <https://docs.aws.amazon.com/apigateway/latest/developerguide/private-integration.html>,
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html>.

use super::{RestApi, RestStage, Snapshot, V2Api};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A REST method's integration, as far as a private integration needs it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MethodIntegration {
    /// `INTERNET` or `VPC_LINK`.
    pub connection_type: Option<String>,
    /// A VPC link id, or `${stageVariables.name}`.
    pub connection_id: Option<String>,
    pub uri: Option<String>,
    /// With a VPC link V2: the ARN of the load balancer (`integrationTarget`).
    #[serde(default)]
    pub integration_target: Option<String>,
}

/// Which API Gateway API a VPC link was found through.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum VpcLinkVersion {
    /// A REST API's link (`apigateway:GetVpcLink`) to Network Load Balancers through a VPC
    /// endpoint service; WebSocket APIs use these too.
    V1,
    /// A link of HTTP APIs, and since 2025 of REST APIs (`apigatewayv2:GetVpcLink`): elastic
    /// network interfaces in the link's subnets, with its security groups.
    V2,
}

/// A VPC link, v1 or v2.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VpcLink {
    pub id: String,
    pub version: VpcLinkVersion,
    pub name: String,
    /// `AVAILABLE`, `PENDING`, `DELETING`, `FAILED`; v2 also `INACTIVE`.
    pub status: String,
    pub status_message: Option<String>,
    /// v1: the Network Load Balancers' ARNs.
    pub target_arns: Vec<String>,
    /// v2: where the link's network interfaces are.
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// A load balancer behind a link, with its listeners.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `network` or `application`.
    pub kind: String,
    /// `active`, `provisioning`, `active_impaired`, `failed`.
    pub state: Option<String>,
    pub vpc_id: Option<String>,
    /// Empty for a Network Load Balancer created without security groups: it admits all
    /// traffic its listeners take.
    pub security_group_ids: Vec<String>,
    pub listeners: Vec<Listener>,
    /// `DescribeListeners` failed for this load balancer (the failure is in `incomplete`): its
    /// listeners are unknown, so nothing behind it is judged.
    #[serde(default)]
    pub listeners_unread: bool,
}

/// A listener and where it sends requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub arn: String,
    pub port: Option<i32>,
    /// `TCP`, `TLS`, `HTTP`, `HTTPS`, …
    pub protocol: Option<String>,
    /// The listener's certificates (TLS and HTTPS listeners; the default one first).
    pub certificate_arns: Vec<String>,
    /// The target groups the default action and the rules forward to.
    pub target_group_arns: Vec<String>,
    /// `DescribeRules` failed for this listener (in `incomplete`): the target groups its rules
    /// forward to are unknown, so its targets are not judged.
    #[serde(default)]
    pub rules_unread: bool,
    /// `DescribeListenerCertificates` failed for this listener (in `incomplete`): the
    /// certificates it serves by SNI are unknown, so its certificates are not judged.
    #[serde(default)]
    pub certificates_unread: bool,
}

/// A target group and its targets' health (`DescribeTargetHealth`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    pub arn: String,
    pub targets: Vec<TargetHealth>,
}

/// One target's health
/// (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html>).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TargetHealth {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining`, `unavailable`, …
    pub state: String,
    /// `Target.FailedHealthChecks`, `Target.NotInUse`, …
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// A VPC endpoint service whose Network Load Balancers include a v1 link's target, and its
/// endpoint connections (API Gateway's is one of them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EndpointService {
    pub service_id: String,
    pub service_name: Option<String>,
    pub load_balancer_arns: Vec<String>,
    pub connections: Vec<EndpointConnection>,
}

/// An endpoint connection to an endpoint service.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EndpointConnection {
    pub vpc_endpoint_id: String,
    pub owner: Option<String>,
    /// `available`, `pendingAcceptance`, `pending`, `rejected`, `deleted`, `failed`, …
    pub state: String,
}

/// An ACM certificate of a listener (`DescribeCertificate`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub arn: String,
    pub domain_name: Option<String>,
    /// Includes the domain name, as ACM lists it.
    pub subject_alternative_names: Vec<String>,
    /// Epoch seconds.
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
}

impl Certificate {
    /// Every name the certificate covers (wildcards as written).
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .domain_name
            .iter()
            .chain(&self.subject_alternative_names)
            .map(String::as_str)
            .collect();
        names.dedup();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// Everything read behind the target stages' private integrations.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PrivatePath {
    pub vpc_links: Vec<VpcLink>,
    /// Link ids neither `GetVpcLink` (v1) nor its v2 namesake knows.
    pub missing_vpc_links: Vec<String>,
    pub load_balancers: Vec<LoadBalancer>,
    /// Load balancer ARNs Elastic Load Balancing does not know (`LoadBalancerNotFound`).
    pub missing_load_balancers: Vec<String>,
    pub target_groups: Vec<TargetGroup>,
    /// `None`: not read (no v1 link, or the read failed).
    pub endpoint_services: Option<Vec<EndpointService>>,
    pub certificates: Vec<Certificate>,
}

impl PrivatePath {
    pub fn vpc_link(&self, id: &str) -> Option<&VpcLink> {
        self.vpc_links.iter().find(|l| l.id == id)
    }

    pub fn load_balancer(&self, arn: &str) -> Option<&LoadBalancer> {
        self.load_balancers.iter().find(|l| l.arn == arn)
    }

    pub fn target_group(&self, arn: &str) -> Option<&TargetGroup> {
        self.target_groups.iter().find(|g| g.arn == arn)
    }

    pub fn certificate(&self, arn: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.arn == arn)
    }
}

/// Whether a stage serves an integration, as far as the snapshot tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// A route of the HTTP or WebSocket API targets it.
    Routed,
    /// The REST stage's deployment (named) serves the method, and the current definition, whose
    /// integration is the one read, serves the same methods.
    Deployed(String),
    /// The REST stage's deployment (named) serves the method, but the current definition, whose
    /// integration is the one read, has changed since: the deployed integration may differ.
    DefinitionChanged(String),
    /// Whether it is served could not be told (why).
    Unknown(String),
    /// No route targets it, or the REST stage's deployment does not serve the method: no
    /// request reaches it.
    No,
}

/// One integration of one target stage that goes through a VPC link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateIntegration<'a> {
    pub api_id: &'a str,
    pub stage: &'a str,
    /// "GET /items" (REST) or the integration's id (HTTP, WebSocket).
    pub integration: String,
    /// As configured: a link id or `${stageVariables.name}`.
    pub connection_id: &'a str,
    /// The link id on this stage; `Err(variable)` when the stage does not set the variable.
    pub vpc_link_id: Result<String, String>,
    /// The integration URI with this stage's `${stageVariables.*}` replaced; `Err(variable)`
    /// when the stage does not set one it names.
    pub uri: Option<Result<String, String>>,
    /// REST with a VPC link V2: the load balancer's ARN.
    pub integration_target: Option<&'a str>,
    pub server_name_to_verify: Option<&'a str>,
    /// Whether the stage serves it.
    pub served: Served,
}

impl PrivateIntegration<'_> {
    /// The URI, when every stage variable it names is set on the stage.
    pub fn resolved_uri(&self) -> Option<&str> {
        self.uri.as_ref()?.as_deref().ok()
    }
}

/// A connection id or an integration URI with `${stageVariables.name}` replaced by the stage's
/// value; `Err(name)` names a variable the stage does not set. Stage variables may stand for the whole id or
/// part of it
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html>).
pub fn resolve_stage_variables(
    text: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String, String> {
    const OPEN: &str = "${stageVariables.";
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        out.push_str(variables.get(name).ok_or_else(|| name.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_vpc_link(connection_type: Option<&str>) -> bool {
    connection_type.is_some_and(|t| t.eq_ignore_ascii_case("VPC_LINK"))
}

impl Snapshot {
    /// Every integration of the target stages that goes through a VPC link, with its link id
    /// and URI resolved for that stage and whether the stage serves it. REST integrations are
    /// the current definition's: the deployed copy is not readable without `GetExport`.
    pub fn private_integrations(&self) -> Vec<PrivateIntegration<'_>> {
        let mut found = Vec::new();
        for api in &self.rest_apis {
            for resource in &api.resources {
                for method in &resource.methods {
                    let Some(integration) = &method.integration else {
                        continue;
                    };
                    let (true, Some(connection_id)) = (
                        is_vpc_link(integration.connection_type.as_deref()),
                        integration.connection_id.as_deref(),
                    ) else {
                        continue;
                    };
                    let name = format!("{} {}", method.http_method, resource.path);
                    for stage in &api.stages {
                        found.push(PrivateIntegration {
                            api_id: &api.id,
                            stage: &stage.name,
                            served: rest_served(api, stage, &name),
                            integration: name.clone(),
                            connection_id,
                            vpc_link_id: resolve_stage_variables(connection_id, &stage.variables),
                            uri: integration
                                .uri
                                .as_deref()
                                .map(|u| resolve_stage_variables(u, &stage.variables)),
                            integration_target: integration.integration_target.as_deref(),
                            // REST's tlsConfig has only insecureSkipVerification: API Gateway
                            // verifies the URI's host.
                            server_name_to_verify: None,
                        });
                    }
                }
            }
        }
        for api in &self.v2_apis {
            found.extend(v2_private_integrations(api));
        }
        found
    }
}

/// Whether a REST stage serves `method` ("GET /items"): only what its deployment serves is
/// live; changes to the definition take effect when deployed
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html>).
fn rest_served(api: &RestApi, stage: &RestStage, method: &str) -> Served {
    let deployment = stage
        .deployment_id
        .as_deref()
        .and_then(|id| api.deployments.iter().find(|d| d.id == id));
    let Some((deployment, served)) = deployment.and_then(|d| Some((d, d.served_methods()?))) else {
        return Served::Unknown(format!(
            "which methods stage {} serves was not read (its deployment's summary)",
            stage.name
        ));
    };
    if !served.contains(method) {
        Served::No
    } else if served != api.defined_methods() {
        Served::DefinitionChanged(deployment.id.clone())
    } else {
        Served::Deployed(deployment.id.clone())
    }
}

/// Whether a route of an HTTP or WebSocket API invokes `integration`: API Gateway calls an
/// integration only as a route's target `integrations/{id}`
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html>).
fn v2_served(api: &V2Api, integration: &str) -> Served {
    if !api.routes_read {
        return Served::Unknown(format!("the routes of API {} were not read", api.id));
    }
    let target = format!("integrations/{integration}");
    if api
        .routes
        .iter()
        .any(|r| r.target.as_deref() == Some(target.as_str()))
    {
        Served::Routed
    } else {
        Served::No
    }
}

fn v2_private_integrations(api: &V2Api) -> Vec<PrivateIntegration<'_>> {
    let mut found = Vec::new();
    for integration in &api.integrations {
        let (true, Some(connection_id)) = (
            is_vpc_link(integration.connection_type.as_deref()),
            integration.connection_id.as_deref(),
        ) else {
            continue;
        };
        let served = v2_served(api, &integration.id);
        for stage in &api.stages {
            found.push(PrivateIntegration {
                api_id: &api.id,
                stage: &stage.name,
                integration: integration.id.clone(),
                connection_id,
                vpc_link_id: resolve_stage_variables(connection_id, &stage.variables),
                uri: integration
                    .integration_uri
                    .as_deref()
                    .map(|u| resolve_stage_variables(u, &stage.variables)),
                integration_target: None,
                server_name_to_verify: integration.server_name_to_verify.as_deref(),
                served: served.clone(),
            });
        }
    }
    found
}

#[cfg(test)]
impl V2Api {
    /// An HTTP API `h1` whose integration `int1` goes through VPC link `link` to `uri` (a
    /// listener's ARN), the target of route `GET /orders`, on stage `$default` (auto-deploy),
    /// for tests.
    pub fn http_through_vpc_link(link: &str, uri: &str, server_name: Option<&str>) -> V2Api {
        V2Api {
            id: "h1".into(),
            name: "orders-http".into(),
            protocol: "HTTP".into(),
            stages: vec![super::V2Stage {
                name: "$default".into(),
                auto_deploy: true,
                ..super::V2Stage::default()
            }],
            integrations: vec![super::V2Integration {
                id: "int1".into(),
                connection_type: Some("VPC_LINK".into()),
                connection_id: Some(link.into()),
                integration_uri: Some(uri.into()),
                server_name_to_verify: server_name.map(str::to_string),
                ..super::V2Integration::default()
            }],
            routes: vec![super::V2Route {
                route_key: "GET /orders".into(),
                target: Some("integrations/int1".into()),
                ..super::V2Route::default()
            }],
            routes_read: true,
            ..V2Api::default()
        }
    }
}

/// Whether a listener certificate is an IAM server certificate
/// (`arn:aws:iam::123456789012:server-certificate/name`) rather than an ACM one: a load balancer
/// takes either (<https://docs.aws.amazon.com/IAM/latest/UserGuide/ManagingServerCerts.html>),
/// and ACM knows only its own.
pub fn is_iam_server_certificate(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", _, _, resource] if resource.starts_with("server-certificate/"))
}

/// The load balancer a listener ARN belongs to
/// (`…:listener/net/name/lb-id/listener-id` → `…:loadbalancer/net/name/lb-id`).
pub fn listener_load_balancer(listener_arn: &str) -> Option<String> {
    let (head, path) = listener_arn.split_once(":listener/")?;
    let (lb_path, _listener_id) = path.rsplit_once('/')?;
    Some(format!("{head}:loadbalancer/{lb_path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_variables_are_replaced_and_a_missing_one_is_named() {
        let variables = BTreeMap::from([("link".to_string(), "abc123".to_string())]);
        assert_eq!(
            resolve_stage_variables("${stageVariables.link}", &variables),
            Ok("abc123".to_string())
        );
        assert_eq!(
            resolve_stage_variables("vl-${stageVariables.link}", &variables),
            Ok("vl-abc123".to_string())
        );
        assert_eq!(
            resolve_stage_variables("${stageVariables.other}", &variables),
            Err("other".to_string())
        );
        assert_eq!(
            resolve_stage_variables("plain", &variables),
            Ok("plain".to_string())
        );
    }

    #[test]
    fn iam_server_certificates_are_told_from_acm_ones() {
        assert!(is_iam_server_certificate(
            "arn:aws:iam::123456789012:server-certificate/backend"
        ));
        assert!(is_iam_server_certificate(
            "arn:aws-us-gov:iam::123456789012:server-certificate/path/backend"
        ));
        assert!(!is_iam_server_certificate(
            "arn:aws:acm:us-east-1:123456789012:certificate/1"
        ));
        assert!(!is_iam_server_certificate(
            "arn:aws:iam::123456789012:role/x"
        ));
    }

    #[test]
    fn a_listener_arn_names_its_load_balancer() {
        assert_eq!(
            listener_load_balancer(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/backend/50dc6c495c0c9188/f2f7dc8efc522ab2"
            )
            .as_deref(),
            Some("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/backend/50dc6c495c0c9188")
        );
        assert_eq!(
            listener_load_balancer("arn:aws:servicediscovery:us-east-1:1:service/srv-1"),
            None
        );
    }
}
