//! Everything read from AWS for one diagnosis, as plain data that can be written out and replayed.

use crate::partition::Partition;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

mod vpc_links;
pub use vpc_links::*;

/// Identifies the snapshot format so an old file is rejected with a clear message.
pub const SNAPSHOT_SCHEMA: &str = "apigw-doctor/snapshot/v3";

/// The state of the account, as far as the checks need it, at the time of the diagnosis.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema: String,
    pub region: String,
    pub account: Option<String>,
    /// How each target named by the incident was looked up, and what it resolved to.
    pub lookups: Vec<TargetLookup>,
    pub rest_apis: Vec<RestApi>,
    pub v2_apis: Vec<V2Api>,
    /// Whether the network around the APIs was read (only when some check needs it).
    pub network_read: bool,
    pub vpc_endpoints: Vec<VpcEndpoint>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    /// Customer- and AWS-managed prefix lists that security-group rules name, resolved.
    #[serde(default)]
    pub prefix_lists: Vec<PrefixList>,
    pub subnets: Vec<Subnet>,
    pub vpcs: Vec<Vpc>,
    /// API Gateway's account settings in this region (read when a REST or WebSocket API is a target).
    #[serde(default)]
    pub account_settings: Option<AccountSettings>,
    /// What each WebSocket stage's `@connections` endpoint said of the connection id the
    /// incident named (`GetConnection`); a failed read is in `incomplete` instead.
    #[serde(default)]
    pub connections: Vec<Connection>,
    /// The region's custom domain names with their base path mappings (REST `GetDomainNames`,
    /// `GetBasePathMappings`); `None`: not read (the request's host was not a custom domain).
    #[serde(default)]
    pub domain_names: Option<Vec<DomainName>>,
    /// The region's usage plans (`GetUsagePlans`), read only when a stage serves methods that
    /// require an API key and a 403 is investigated; `None`: not read. Key values are never read.
    #[serde(default)]
    pub usage_plans: Option<Vec<UsagePlan>>,
    /// Whether each API key of the region is enabled (`GetApiKeys`, without values), read only
    /// when a plan that admits a key-requiring stage has keys; `None`: not read, or the read
    /// failed (then it is in `incomplete`).
    #[serde(default)]
    pub api_keys: Option<Vec<ApiKey>>,
    /// What the named stages' execution and access logs held over the incident window
    /// (`FilterLogEvents`); a failed search is in `incomplete` instead.
    #[serde(default)]
    pub log_searches: Vec<crate::logs::LogSearch>,
    /// What the probe the incident asked for returned (`TestInvokeMethod`); `None`: no probe
    /// ran (not asked, refused, or failed: then it is in `incomplete`).
    #[serde(default)]
    pub probe: Option<crate::probe::ProbeRun>,
    /// What stands behind the target stages' VPC-link integrations (`None`: no such
    /// integration, so nothing was read).
    #[serde(default)]
    pub private_path: Option<PrivatePath>,
    /// Where an unfinished sweep continues (`crate::sweep::Cursor`, written out): the sweep
    /// read the APIs up to it and stopped before the deadline or at the batch size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Reads that failed; the checks that need them report nothing rather than guess.
    pub incomplete: Vec<Incomplete>,
}

/// A custom domain name and what it maps
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html>).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DomainName {
    /// As the account spells it: `api.example.com`, or a wildcard `*.example.com`.
    pub name: String,
    /// `domainNameId` of a private custom domain name, which may share its name with a public one.
    #[serde(default)]
    pub domain_name_id: Option<String>,
    #[serde(default)]
    pub endpoint_types: Vec<String>,
    pub mappings: Vec<BasePathMapping>,
    /// `mutualTlsAuthentication.truststoreWarnings`.
    #[serde(default)]
    pub truststore_warnings: Vec<String>,
}

/// One base path (API) mapping of a custom domain name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BasePathMapping {
    /// Without slashes at either end; empty for the root mapping (API Gateway's `(none)`).
    pub base_path: String,
    pub api_id: String,
    /// `None`: the mapping selects no stage, so the path names it.
    pub stage: Option<String>,
}

/// A usage plan and the API stages it admits
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html>).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    pub api_stages: Vec<ApiStage>,
    /// The ids of the API keys the plan holds (`GetUsagePlanKeys`), read only for a plan that
    /// admits a stage serving key-requiring methods; `None`: not read, or the read failed (then
    /// it is in `incomplete`).
    #[serde(default)]
    pub key_ids: Option<Vec<String>>,
}

/// An API key as far as a usage plan's use of it goes: whether API Gateway accepts it. Its value
/// is never read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub id: String,
    pub enabled: bool,
}

/// API Gateway's per-region account settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// The IAM role API Gateway uses to write execution and access logs to CloudWatch Logs.
    pub cloudwatch_role_arn: Option<String>,
}

/// A WebSocket connection as `GetConnection` on one stage's `@connections` endpoint found it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    pub api_id: String,
    pub stage: String,
    pub connection_id: String,
    /// The endpoint asked: `https://<api-id>.execute-api.<region>.<dns suffix>/<stage>`.
    pub endpoint: String,
    pub state: ConnectionState,
}

/// Whether the connection exists: `"gone"`, or `{"connected": {…}}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ConnectionState {
    /// Connected; times in epoch seconds.
    Connected {
        connected_at: Option<i64>,
        source_ip: Option<String>,
        last_active_at: Option<i64>,
    },
    /// `410 GoneException`: no such connection on this stage.
    Gone,
}

/// One way the incident named a target, and the API ids it matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetLookup {
    pub key: LookupKey,
    pub api_ids: Vec<String>,
    /// Stages the incident named that do not exist on a matched API.
    pub missing_stages: Vec<ApiStage>,
}

/// A stage of an API, by name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
}

/// How a target was named.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum LookupKey {
    ApiName(String),
    ApiId(String),
    Sweep,
}

/// A REST API (API Gateway v1) with its stages and deployments.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RestApi {
    pub id: String,
    pub name: String,
    /// `PRIVATE`, `REGIONAL` or `EDGE`.
    pub endpoint_types: Vec<String>,
    pub vpc_endpoint_ids: Vec<String>,
    /// The resource policy exactly as API Gateway returned it (possibly backslash-escaped).
    pub policy: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub stages: Vec<RestStage>,
    pub deployments: Vec<Deployment>,
    /// Resources and methods of the current definition.
    #[serde(default)]
    pub resources: Vec<Resource>,
    /// What CloudTrail's event history says about changes to the resource policy since the
    /// oldest deployment a stage serves (`None`: not looked up).
    #[serde(default)]
    pub last_policy_change: Option<ChangeHistory>,
    /// `disableExecuteApiEndpoint`: the execute-api URL answers 403 and only custom domain
    /// names reach the API (`None`: not read, as in a snapshot from before it was).
    #[serde(default)]
    pub disable_execute_api_endpoint: Option<bool>,
}

/// What CloudTrail's event history (`LookupEvents`) says about part of an API — a REST API's
/// resource policy, an HTTP or WebSocket API's routes and integrations — since the oldest
/// deployment a stage serves.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ChangeHistory {
    /// The newest recorded change (`None`: none among the events read).
    pub newest: Option<RecordedChange>,
    /// Calls newer than `newest` that may have changed the policy, but whose request CloudTrail
    /// did not record in full: whether they did is unknown.
    pub unreadable: Vec<RecordedChange>,
    /// Set when the events were not read back to the oldest deployment a stage serves.
    pub limit: Option<HistoryLimit>,
}

/// How far back CloudTrail's event history was read, when not as far as asked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HistoryLimit {
    /// Epoch seconds: calls before this were not seen.
    pub read_back_to: i64,
    pub reason: HistoryLimitReason,
}

/// Why the event history was not read further back.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HistoryLimitReason {
    /// The event history keeps 90 days of management events.
    Retention,
    /// The lookup stopped at its page cap.
    PageCap,
}

/// One CloudTrail record of a call that changed (or may have changed) a REST API's resource
/// policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RecordedChange {
    pub event_name: String,
    pub event_id: String,
    /// Epoch seconds.
    pub event_time: i64,
    /// Who made the call, as CloudTrail names them.
    #[serde(default)]
    pub user: Option<String>,
}

/// A resource (path) of a REST API and its methods.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The resource id a probe names (`TestInvokeMethod`); `None` in snapshots from before it
    /// was read.
    #[serde(default)]
    pub id: Option<String>,
    pub path: String,
    pub methods: Vec<Method>,
}

/// A method of a REST API resource.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Method {
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    /// The method's integration (`GetResources embed=methods`); `None`: not read.
    #[serde(default)]
    pub integration: Option<MethodIntegration>,
}

impl RestApi {
    /// The endpoint type that decides how the API is reached.
    pub fn endpoint_type(&self) -> &str {
        self.endpoint_types
            .first()
            .map(String::as_str)
            .unwrap_or("EDGE")
    }

    pub fn is_private(&self) -> bool {
        self.endpoint_types.iter().any(|t| t == "PRIVATE")
    }

    /// The methods of the current definition, as "METHOD /path": what a new deployment serves.
    pub fn defined_methods(&self) -> BTreeSet<String> {
        self.resources
            .iter()
            .flat_map(|r| {
                r.methods
                    .iter()
                    .map(|m| format!("{} {}", m.http_method, r.path))
            })
            .collect()
    }

    /// The deployments its stages serve, each once, in stage order.
    pub fn deployments_in_use(&self) -> Vec<&str> {
        crate::unique(
            self.stages
                .iter()
                .filter_map(|s| s.deployment_id.as_deref()),
        )
    }
}

/// A stage of a REST API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RestStage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `loggingLevel` of the stage-wide method settings (`*/*`): `INFO`, `ERROR` or `OFF`.
    #[serde(default)]
    pub logging_level: Option<String>,
    /// Where access logs go; `None` when the stage writes none.
    #[serde(default)]
    pub access_log_destination: Option<String>,
    /// `accessLogSettings.format`: the `$context` variables each access-log line holds.
    #[serde(default)]
    pub access_log_format: Option<String>,
    /// The AWS WAF web ACL associated with the stage (`webAclArn`), if any.
    #[serde(default)]
    pub web_acl_arn: Option<String>,
    /// The stage's variables (`variables`): `${stageVariables.name}` in integrations, and
    /// what a probe passes on so that it runs as the stage would.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// A deployment of a REST, HTTP or WebSocket API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub id: String,
    pub description: Option<String>,
    pub created_date: Option<i64>,
    /// What the deployment serves, path → methods (`GetDeployment embed=apisummary`); read only
    /// for deployments a stage points at.
    #[serde(default)]
    pub api_summary: Option<BTreeMap<String, Vec<String>>>,
    /// The methods of `api_summary` that require an API key, as "METHOD /path" (`None` when
    /// the summary was not read).
    #[serde(default)]
    pub api_key_methods: Option<BTreeSet<String>>,
}

impl Deployment {
    /// The methods this deployment serves, as "METHOD /path" (`None` when not read).
    pub fn served_methods(&self) -> Option<BTreeSet<String>> {
        Some(
            self.api_summary
                .as_ref()?
                .iter()
                .flat_map(|(path, methods)| methods.iter().map(move |m| format!("{m} {path}")))
                .collect(),
        )
    }

    /// The newest of several deployments; `None` when their creation times cannot tell.
    pub fn newest(deployments: &[Deployment]) -> Option<&Deployment> {
        let newest = deployments.iter().max_by_key(|d| d.created_date)?;
        let ties = deployments
            .iter()
            .filter(|d| d.created_date == newest.created_date)
            .count();
        (newest.created_date.is_some() && ties == 1).then_some(newest)
    }
}

/// An HTTP or WebSocket API (API Gateway v2).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct V2Api {
    pub id: String,
    pub name: String,
    /// `HTTP` or `WEBSOCKET`.
    pub protocol: String,
    pub tags: BTreeMap<String, String>,
    pub stages: Vec<V2Stage>,
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// The routes: of WebSocket APIs, and of HTTP APIs with an integration through a VPC link.
    #[serde(default)]
    pub routes: Vec<V2Route>,
    /// Whether `routes` was read (`GetRoutes`); `false`: not asked for, or the read failed
    /// (then it is in `incomplete`).
    #[serde(default)]
    pub routes_read: bool,
    #[serde(default)]
    pub integrations: Vec<V2Integration>,
    /// WebSocket APIs only: the authorizers routes may name, read only when a route beyond
    /// `$connect` names one ([`V2Api::needs_authorizers`]).
    #[serde(default)]
    pub authorizers: Vec<V2Authorizer>,
    /// What CloudTrail's event history says about route and integration writes since the oldest
    /// deployment a stage without auto-deploy serves (`None`: not looked up).
    #[serde(default)]
    pub last_definition_change: Option<ChangeHistory>,
    /// `DisableExecuteApiEndpoint` (`None`: not read).
    #[serde(default)]
    pub disable_execute_api_endpoint: Option<bool>,
}

/// A WebSocket API's authorizer, as the evidence names it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct V2Authorizer {
    pub id: String,
    pub name: String,
    /// `REQUEST` (a Lambda authorizer) or `JWT` (HTTP APIs).
    pub authorizer_type: Option<String>,
    /// Where the identity comes from (`route.request.header.Authorization`, …).
    pub identity_source: Vec<String>,
}

/// A route, how it is authorized and what it invokes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct V2Route {
    pub route_key: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` (`None`: not reported).
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    /// `integrations/{integration id}`, the integration the route invokes (`None`: none).
    #[serde(default)]
    pub target: Option<String>,
}

/// A WebSocket integration, as far as the checks read it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct V2Integration {
    pub id: String,
    /// `INTERNET` or `VPC_LINK`.
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    /// Destination (`integration.request.header.X`) → source (`context.connectionId`, …).
    pub request_parameters: BTreeMap<String, String>,
    /// `HTTP_PROXY`, `HTTP`, `AWS_PROXY`, `AWS`, `MOCK`.
    #[serde(default)]
    pub integration_type: Option<String>,
    /// Content type (or template selection key) → mapping template (non-proxy integrations).
    #[serde(default)]
    pub request_templates: BTreeMap<String, String>,
    /// A URL, or (HTTP APIs through a VPC link) the load balancer listener's ARN.
    #[serde(default)]
    pub integration_uri: Option<String>,
    /// `tlsConfig.serverNameToVerify`.
    #[serde(default)]
    pub server_name_to_verify: Option<String>,
}

impl V2Integration {
    /// Whether a mapping template hands the connection id to the backend in the body
    /// (`$context.connectionId`, or `${context.connectionId}`). A proxy integration passes the
    /// message through untransformed, so templates it still carries (left from a non-proxy
    /// type) hand nothing over.
    pub fn templates_pass_connection_id(&self) -> bool {
        if matches!(
            self.integration_type.as_deref(),
            Some("HTTP_PROXY" | "AWS_PROXY")
        ) {
            return false;
        }
        self.request_templates.values().any(|template| {
            template.contains("$context.connectionId")
                || template.contains("${context.connectionId}")
        })
    }
}

/// The header a WebSocket integration's request parameters map `context.connectionId` into,
/// under any name (`integration.request.header.X` → `context.connectionId`).
pub fn connection_id_header(request_parameters: &BTreeMap<String, String>) -> Option<&str> {
    request_parameters.iter().find_map(|(to, from)| {
        let header = to
            .get(..PARAMETER_HEADER.len())
            .filter(|p| p.eq_ignore_ascii_case(PARAMETER_HEADER))
            .map(|_| &to[PARAMETER_HEADER.len()..])?;
        (from.trim() == "context.connectionId" && !header.is_empty()).then_some(to.as_str())
    })
}

const PARAMETER_HEADER: &str = "integration.request.header.";

impl V2Api {
    pub fn is_websocket(&self) -> bool {
        self.protocol.eq_ignore_ascii_case("WEBSOCKET")
    }

    /// A WebSocket API's routes other than `$connect` that ask for authorization: API Gateway
    /// authorizes only `$connect`, so it never runs on these
    /// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-control-access.html>).
    /// An explicit `NONE` wins over a leftover authorizer id: no authorizer runs.
    pub fn authorized_beyond_connect(&self) -> Vec<&V2Route> {
        if !self.is_websocket() {
            return Vec::new();
        }
        self.routes
            .iter()
            .filter(|r| r.route_key != "$connect")
            .filter(|r| match r.authorization_type.as_deref() {
                Some(kind) => matches!(kind, "CUSTOM" | "AWS_IAM"),
                None => r.authorizer_id.is_some(),
            })
            .collect()
    }

    /// Whether its authorizers are worth reading (`GetAuthorizers`): only the evidence about a
    /// route [`Self::authorized_beyond_connect`] that names one describes them.
    pub fn needs_authorizers(&self) -> bool {
        self.authorized_beyond_connect()
            .iter()
            .any(|r| r.authorizer_id.is_some())
    }
}

/// The step under which the connection lookup is recorded when it cannot be made.
const GET_CONNECTION: &str = "apigatewaymanagementapi:GetConnection";

/// A stage of an HTTP or WebSocket API.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct V2Stage {
    pub name: String,
    pub deployment_id: Option<String>,
    pub auto_deploy: bool,
    pub tags: BTreeMap<String, String>,
    /// `defaultRouteSettings.loggingLevel` (WebSocket execution logging): `INFO`, `ERROR`, `OFF`.
    #[serde(default)]
    pub logging_level: Option<String>,
    #[serde(default)]
    pub access_log_destination: Option<String>,
    /// `accessLogSettings.format`.
    #[serde(default)]
    pub access_log_format: Option<String>,
    /// `routeSettings`: the execution log level a route sets for itself (route key → level),
    /// overriding the default route settings (WebSocket APIs).
    #[serde(default)]
    pub route_logging: BTreeMap<String, String>,
    /// Stage variables (`${stageVariables.name}` in integrations).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// A VPC endpoint of any service (the checks pick the execute-api ones).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    /// Lower-case, as EC2 reports it: `available`, `pending`, `deleted`, …
    pub state: String,
    pub private_dns_enabled: bool,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub dns_names: Vec<String>,
    pub policy: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `ipv4`, `dualstack` or `ipv6` (`None`: not reported).
    #[serde(default)]
    pub ip_address_type: Option<String>,
}

impl VpcEndpoint {
    /// Whether clients can reach the endpoint over IPv6 (a dual-stack or IPv6 endpoint).
    pub fn serves_ipv6(&self) -> bool {
        matches!(self.ip_address_type.as_deref(), Some("dualstack" | "ipv6"))
    }

    /// Whether this is an interface endpoint for API Gateway's execute-api service.
    pub fn is_execute_api(&self) -> bool {
        self.service_name.ends_with(".execute-api")
    }

    pub fn is_available(&self) -> bool {
        self.state.eq_ignore_ascii_case("available")
    }

    /// An execute-api endpoint that still exists (any state but `deleted`).
    pub fn serves_execute_api(&self) -> bool {
        self.is_execute_api() && !self.state.eq_ignore_ascii_case("deleted")
    }
}

/// A security group and its rules.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub ingress: Vec<SecurityGroupRule>,
    pub egress: Vec<SecurityGroupRule>,
}

/// One permission of a security group: a protocol, a port range and its peers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    /// `-1` for all, `tcp`/`6`, `udp`/`17`, …
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidrs: Vec<String>,
    pub group_ids: Vec<String>,
    pub prefix_list_ids: Vec<String>,
}

/// A managed prefix list's address ranges (`GetManagedPrefixListEntries`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PrefixList {
    pub id: String,
    pub cidrs: Vec<String>,
}

/// A network ACL with its entries and the subnets it applies to.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    pub id: String,
    pub subnet_ids: Vec<String>,
    pub entries: Vec<NetworkAclEntry>,
}

/// One numbered rule of a network ACL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    pub egress: bool,
    pub protocol: String,
    /// `allow` or `deny`.
    pub action: String,
    pub cidr: Option<String>,
    pub port_from: Option<i32>,
    pub port_to: Option<i32>,
}

#[cfg(test)]
impl NetworkAclEntry {
    /// A TCP entry, for tests.
    pub fn tcp(rule: i32, egress: bool, action: &str, cidr: &str, ports: (i32, i32)) -> Self {
        NetworkAclEntry {
            rule_number: rule,
            egress,
            protocol: "6".into(),
            action: action.into(),
            cidr: Some(cidr.into()),
            port_from: Some(ports.0),
            port_to: Some(ports.1),
        }
    }
}

/// A subnet's address range.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    pub id: String,
    pub cidr: Option<String>,
}

/// A VPC's address ranges and DNS attributes (`None`: not read).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    pub id: String,
    pub cidrs: Vec<String>,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
}

/// A read or check that could not be done, with why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Incomplete {
    pub step: String,
    pub error: String,
    pub detail: String,
}

impl Incomplete {
    /// Whether the invocation's deadline stopped this read, rather than AWS refusing it.
    pub fn cut_by_deadline(&self) -> bool {
        self.error == crate::failure::DEADLINE_CODE
    }
}

impl Snapshot {
    pub fn new(region: &str, account: Option<String>) -> Self {
        Snapshot {
            schema: SNAPSHOT_SCHEMA.to_string(),
            region: region.to_string(),
            account,
            ..Snapshot::default()
        }
    }

    /// The partition naming of the region the snapshot was read in.
    pub fn partition(&self) -> Partition<'_> {
        Partition::of(&self.region)
    }

    pub fn rest_api(&self, id: &str) -> Option<&RestApi> {
        self.rest_apis.iter().find(|a| a.id == id)
    }

    pub fn v2_api(&self, id: &str) -> Option<&V2Api> {
        self.v2_apis.iter().find(|a| a.id == id)
    }

    pub fn vpc_endpoint(&self, id: &str) -> Option<&VpcEndpoint> {
        self.vpc_endpoints.iter().find(|e| e.id == id)
    }

    pub fn security_group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| g.id == id)
    }

    pub fn prefix_list(&self, id: &str) -> Option<&PrefixList> {
        self.prefix_lists.iter().find(|p| p.id == id)
    }

    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|s| s.id == id)
    }

    pub fn vpc(&self, id: &str) -> Option<&Vpc> {
        self.vpcs.iter().find(|v| v.id == id)
    }

    /// The network ACL that applies to a subnet.
    pub fn network_acl_for_subnet(&self, subnet_id: &str) -> Option<&NetworkAcl> {
        self.network_acls
            .iter()
            .find(|acl| acl.subnet_ids.iter().any(|s| s == subnet_id))
    }

    /// Execute-api interface endpoints that are not deleted.
    pub fn execute_api_endpoints(&self) -> impl Iterator<Item = &VpcEndpoint> {
        self.vpc_endpoints.iter().filter(|e| e.serves_execute_api())
    }

    /// Whether the account's VPC endpoints were read: the checks of private APIs, and the plan's
    /// judgement of their policies, depend on it.
    pub fn endpoints_read(&self) -> bool {
        self.network_read && !self.read_failed("ec2:DescribeVpcEndpoints")
    }

    /// Where to ask about the incident's connection id: each WebSocket target's one stage (the
    /// stage the incident named, or the API's only stage). A target that cannot be asked is an
    /// `Err` for `incomplete` saying why — not a WebSocket API, no stage, or several stages and
    /// none named — so the answer is never silently missing. Targets whose stages could not be
    /// read, or whose named stage does not exist (TARGET_NOT_FOUND), are left out.
    pub fn connection_stages(&self, connection_id: &str) -> Vec<Result<ApiStage, Incomplete>> {
        let not_asked = |error: &str, detail: String| Incomplete {
            step: GET_CONNECTION.to_string(),
            error: error.to_string(),
            detail: format!("connection {connection_id} was not looked up: {detail}"),
        };
        let mut found: Vec<Result<ApiStage, Incomplete>> = self
            .rest_apis
            .iter()
            .map(|api| (api.id.as_str(), "a REST API"))
            .chain(
                self.v2_apis
                    .iter()
                    .filter(|api| !api.is_websocket())
                    .map(|api| (api.id.as_str(), "an HTTP API")),
            )
            .map(|(id, kind)| {
                Err(not_asked(
                    "NotWebSocket",
                    format!("API {id} is {kind}; connection ids belong to WebSocket APIs"),
                ))
            })
            .collect();
        if self.read_failed("apigatewayv2:GetStages") {
            return found;
        }
        for api in self.v2_apis.iter().filter(|api| api.is_websocket()) {
            let stage_missing = self
                .lookups
                .iter()
                .any(|l| l.missing_stages.iter().any(|s| s.api_id == api.id));
            match api.stages.as_slice() {
                [stage] => found.push(Ok(ApiStage {
                    api_id: api.id.clone(),
                    stage: stage.name.clone(),
                })),
                [] if stage_missing => {}
                [] => found.push(Err(not_asked(
                    "NoStage",
                    format!("WebSocket API {} has no stage to connect to", api.id),
                ))),
                stages => {
                    let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
                    found.push(Err(not_asked(
                        "StageNeeded",
                        format!(
                            "WebSocket API {} has stages {}: name the stage (`stage`, --stage) the connection was made to",
                            api.id,
                            names.join(", ")
                        ),
                    )));
                }
            }
        }
        found
    }

    /// Whether a read whose step starts with `prefix` failed, so checks built on it must stay silent.
    pub fn read_failed(&self, prefix: &str) -> bool {
        self.incomplete.iter().any(|i| i.step.starts_with(prefix))
    }
}
