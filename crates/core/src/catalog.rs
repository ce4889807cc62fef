//! Every finding code of SPEC §5 as a type, and its severity, meaning, remedy, the symptoms it
//! explains and the check that emits it as data — one exhaustive `match`, so the compiler proves
//! that no code lacks an entry.

use crate::action::Action;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// How bad a finding is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// The symptoms an incident can report (SPEC §1.1).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Symptom {
    ServerError,
    ClientError,
    Forbidden,
    Gone,
    Timeout,
    Latency,
}

/// What fixes a finding: an action apigw-doctor can apply, or advice for a person. Serialised as
/// the report's `remedy`: `{"action": "redeploy_stage"}` or `{"manual": "what to do"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    Action(Action),
    Manual(Cow<'static, str>),
}

/// A finding code (SPEC §5). Stable: a code is never renamed or reused. The declaration order is
/// the order findings of equal relevance are listed in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    TargetNotFound,
    TargetAmbiguous,
    PrivateApiNoPolicy,
    PolicyDeniesVpcEndpoint,
    UndeployedPolicyChange,
    VpcEndpointNotAvailable,
    ExecuteApiEndpointMissing,
    VpcEndpointPolicyDenies,
    VpcEndpointPrivateDnsDisabled,
    VpcDnsDisabled,
    VpcEndpointSgBlocksHttps,
    ClientSgBlocksHttps,
    NaclBlocksHttps,
    InvokeUrlMismatch,
    PublicApiBlockedByPrivateDns,
    DefaultEndpointDisabled,
    CustomDomainNoMapping,
    CustomDomainStageInPath,
    MtlsTruststoreWarnings,
    ApiKeyNotUsable,
    WafAclAttached,
    ResourceNotFound,
    StageNotOnLatestDeployment,
    UndeployedChanges,
    ErrorResponseExplained,
    ExecutionLoggingDisabled,
    AccountCloudwatchRoleMissing,
    AccessLoggingDisabled,
    LogSignature,
    AccessLogErrors,
    VpcLinkFailed,
    VpcLinkInactive,
    VpcLinkNotReady,
    VpcLinkNotFound,
    VpcLinkTargetMissing,
    VpcLinkListenerMissing,
    VpcLinkTargetsUnhealthy,
    VpcLinkEndpointConnectionNotAvailable,
    VpcLinkSgBlocks,
    IntegrationTlsNameMismatch,
    IntegrationTlsCertExpired,
    WsAuthorizerNotOnConnect,
    WsConnectionIdHeaderMissing,
    WsConnectionGone,
}

/// The area of SPEC §5 a code belongs to, for the findings reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, EnumIter, Display)]
pub enum Area {
    #[strum(to_string = "Private REST APIs — reaching the endpoint")]
    PrivateApi,
    #[strum(to_string = "Public APIs called from a VPC")]
    PublicFromVpc,
    #[strum(to_string = "HTTP 403 and other client errors")]
    ClientErrors,
    #[strum(to_string = "Observability")]
    Observability,
    #[strum(to_string = "VPC links and private integrations")]
    VpcLinks,
    #[strum(to_string = "WebSocket APIs")]
    WebSocket,
    #[strum(to_string = "About the incident itself")]
    Incident,
}

/// How relevant a finding is to the incident, most relevant first (the order findings are
/// listed in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Relevance {
    /// Configuration that the reported error or the logs confirm: the cause to fix.
    Confirmed,
    /// The explanation of the reported error or of the logs itself.
    Evidence,
    /// The symptom points at this code's area (a 403: policy, DNS, endpoints; a 5xx: VPC links).
    Specific,
    /// The code explains any symptom (logging, deployments, the target itself).
    General,
    Unrelated,
}

/// What the catalog says of one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub severity: Severity,
    pub area: Area,
    /// When the code fires, in one sentence.
    pub meaning: &'static str,
    pub remedy: Remedy,
    /// Symptoms this code commonly explains; findings matching the incident's symptom sort first.
    pub symptoms: &'static [Symptom],
    /// The check module that emits it (`checks/<module>.rs`); `None`: not built yet.
    pub module: Option<&'static str>,
}

use Symptom::{ClientError, Forbidden, Gone, Latency, ServerError, Timeout};

const FORBIDDEN: &[Symptom] = &[Forbidden, ClientError];
const UNREACHABLE: &[Symptom] = &[Timeout, Forbidden, ClientError, Latency];
const SERVER: &[Symptom] = &[ServerError, Latency, Timeout];
const ANY: &[Symptom] = &[ServerError, ClientError, Forbidden, Gone, Timeout, Latency];
const GONE: &[Symptom] = &[Gone];
const GONE_OR_SERVER: &[Symptom] = &[Gone, ServerError];

fn manual(advice: &'static str) -> Remedy {
    Remedy::Manual(Cow::Borrowed(advice))
}

impl Code {
    /// The catalog entry of this code.
    pub fn entry(self) -> Entry {
        use Area::*;
        use Severity::{Error, Info, Warning};
        let (severity, area, meaning, remedy, symptoms, module) = match self {
            Code::TargetNotFound => (
                Error,
                Incident,
                "The API (or stage) the event names does not exist in this account and region.",
                manual("Check the API id or name, the account and the region the alarm or event refers to."),
                ANY,
                Some("targets"),
            ),
            Code::TargetAmbiguous => (
                Warning,
                Incident,
                "Several REST APIs share the alarm's ApiName; all were diagnosed.",
                manual("Give the API a unique name, or alarm on a metric with the API id."),
                ANY,
                Some("targets"),
            ),
            Code::PrivateApiNoPolicy => (
                Error,
                PrivateApi,
                "A PRIVATE REST API has no resource policy: API Gateway refuses to deploy it, and a stage deployed before the policy was removed keeps the old one.",
                manual("Attach a resource policy that allows execute-api:Invoke from your VPC endpoint (aws:SourceVpce) or VPC (aws:SourceVpc), then redeploy the API."),
                FORBIDDEN,
                Some("private_api"),
            ),
            Code::PolicyDeniesVpcEndpoint => (
                Error,
                PrivateApi,
                "The resource policy, evaluated for execute-api:Invoke on each deployed method, denies requests through the API's VPC endpoints or from the client VPC (a warning when the answer cannot be decided).",
                manual("Change the resource policy so that it allows execute-api:Invoke through the VPC endpoint, then redeploy the API."),
                FORBIDDEN,
                Some("resource_policy"),
            ),
            Code::UndeployedPolicyChange => (
                Error,
                PrivateApi,
                "The resource policy changed after the stage's current deployment was created, so the stage still enforces the old one.",
                Remedy::Action(Action::RedeployStage),
                FORBIDDEN,
                Some("deployments"),
            ),
            Code::VpcEndpointNotAvailable => (
                Error,
                PrivateApi,
                "An endpoint the API or its policy names as a way in is not available (deleted, rejected…) or is not an execute-api endpoint.",
                manual("Create (or fix) the execute-api interface endpoint and update the API's endpoint configuration and resource policy to name it."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::ExecuteApiEndpointMissing => (
                Error,
                PrivateApi,
                "No execute-api interface endpoint exists in the client VPC (or, with no client given, in any VPC the policy names).",
                manual("Create an interface VPC endpoint for the region's execute-api service (the summary names it) in the client's VPC."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::VpcEndpointPolicyDenies => (
                Error,
                PrivateApi,
                "The VPC endpoint's own policy does not allow execute-api:Invoke on this API.",
                manual("Change the VPC endpoint policy to allow execute-api:Invoke on this API."),
                FORBIDDEN,
                Some("resource_policy"),
            ),
            Code::VpcEndpointPrivateDnsDisabled => (
                Error,
                PrivateApi,
                "No available execute-api endpoint in the client's VPC has private DNS on, so the API's default hostname does not resolve to an endpoint from that VPC.",
                Remedy::Action(Action::EnablePrivateDns),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::VpcDnsDisabled => (
                Error,
                PrivateApi,
                "enableDnsSupport or enableDnsHostnames is off in the endpoint's VPC, so private DNS cannot work.",
                manual("Turn on enableDnsSupport and enableDnsHostnames on the VPC (ec2 modify-vpc-attribute)."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::VpcEndpointSgBlocksHttps => (
                Error,
                PrivateApi,
                "No security group of the endpoint allows inbound TCP 443 from the client: \"Connection timed out\".",
                manual("Allow inbound TCP 443 from the client (its security group or address range) in a security group of the VPC endpoint."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::ClientSgBlocksHttps => (
                Error,
                PrivateApi,
                "The client's security groups allow no outbound TCP 443 to the endpoint.",
                manual("Allow outbound TCP 443 to the VPC endpoint in the client's security groups."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::NaclBlocksHttps => (
                Error,
                PrivateApi,
                "A network ACL on the endpoint's subnets denies inbound 443 from the client, or the return traffic to the client's ephemeral ports.",
                manual("Allow inbound TCP 443 and outbound ephemeral ports (1024-65535) to the client in the network ACL of the endpoint's subnets."),
                UNREACHABLE,
                Some("private_api"),
            ),
            Code::InvokeUrlMismatch => (
                Error,
                PrivateApi,
                "The request URL or headers given cannot reach this API with this endpoint setup.",
                manual("Call the API through a URL that reaches it, as the evidence shows (private DNS name, or the endpoint's DNS name with the Host or x-apigw-api-id header)."),
                FORBIDDEN,
                Some("invoke_url"),
            ),
            Code::PublicApiBlockedByPrivateDns => (
                Error,
                PublicFromVpc,
                "A REGIONAL or EDGE API is called from a VPC whose execute-api endpoint has private DNS on: calls to the default URL reach the endpoint and get 403.",
                manual("Call the public API through a custom domain name (or an edge-optimized endpoint's CloudFront name), or turn private DNS off on the VPC's execute-api endpoint."),
                FORBIDDEN,
                Some("public_from_vpc"),
            ),
            Code::DefaultEndpointDisabled => (
                Warning,
                ClientErrors,
                "disableExecuteApiEndpoint is true: the execute-api URL answers 403.",
                manual("Call the API through its custom domain name, or re-enable the default execute-api endpoint."),
                FORBIDDEN,
                Some("client_errors"),
            ),
            Code::CustomDomainNoMapping => (
                Error,
                ClientErrors,
                "A custom domain name for the API has no base path (API) mapping.",
                manual("Add a base path (API) mapping from the custom domain name to the API's stage."),
                FORBIDDEN,
                Some("custom_domains"),
            ),
            Code::CustomDomainStageInPath => (
                Error,
                ClientErrors,
                "The request URL repeats the mapped stage after a custom domain.",
                manual("Drop the stage from the path when calling through a custom domain name."),
                FORBIDDEN,
                Some("custom_domains"),
            ),
            Code::MtlsTruststoreWarnings => (
                Error,
                ClientErrors,
                "The domain's mutual TLS truststore reports warnings.",
                manual("Fix the truststore certificates the domain name reports warnings for."),
                FORBIDDEN,
                Some("custom_domains"),
            ),
            Code::ApiKeyNotUsable => (
                Error,
                ClientErrors,
                "Methods require an API key but the stage is in no usage plan, or the plan has no enabled key.",
                manual("Add the stage to a usage plan with an enabled API key."),
                FORBIDDEN,
                Some("api_keys"),
            ),
            Code::WafAclAttached => (
                Info,
                ClientErrors,
                "A web ACL is associated with the stage: a bare \"Forbidden\" may be WAF.",
                manual("Look at the web ACL's sampled requests for blocked calls."),
                FORBIDDEN,
                Some("client_errors"),
            ),
            Code::ResourceNotFound => (
                Error,
                ClientErrors,
                "The requested path or method does not exist in the deployed API (\"Missing Authentication Token\").",
                manual("Call a path and method the deployed API has, or deploy the missing resource."),
                FORBIDDEN,
                Some("client_errors"),
            ),
            Code::StageNotOnLatestDeployment => (
                Warning,
                ClientErrors,
                "The stage points at an older deployment than the API's newest (often a deliberate rollback, so never repaired automatically).",
                manual("If the rollback was not deliberate, point the stage at the newest deployment."),
                ANY,
                Some("deployments"),
            ),
            Code::UndeployedChanges => (
                Warning,
                ClientErrors,
                "Resources or methods in the API definition differ from what the stage's deployment serves (REST); routes or integrations were written, as CloudTrail recorded, after the deployment a stage without auto-deploy serves (HTTP, WebSocket).",
                Remedy::Action(Action::RedeployStage),
                ANY,
                Some("deployments"),
            ),
            Code::ErrorResponseExplained => (
                Info,
                ClientErrors,
                "A reported error (status, x-amzn-errortype, message) matched a known cause (evidence.cause).",
                manual("See evidence.cause."),
                ANY,
                Some("error_response"),
            ),
            Code::ExecutionLoggingDisabled => (
                Warning,
                Observability,
                "A REST or WebSocket stage has no execution logging.",
                Remedy::Action(Action::EnableExecutionLogging),
                ANY,
                Some("observability"),
            ),
            Code::AccountCloudwatchRoleMissing => (
                Warning,
                Observability,
                "The account has no CloudWatch Logs role for API Gateway, so logging cannot be turned on.",
                manual("Set the account's CloudWatch Logs role ARN for API Gateway."),
                ANY,
                Some("observability"),
            ),
            Code::AccessLoggingDisabled => (
                Info,
                Observability,
                "The stage writes no access logs.",
                manual("Turn on access logging for the stage."),
                ANY,
                Some("observability"),
            ),
            Code::LogSignature => (
                Error,
                Observability,
                "A known error message was found in the stage's logs in the incident window, or in the log of a probe the incident asked for (evidence: cause, count, sample; first and last seen, or source \"test-invoke\" with the probe's status and latency).",
                manual("See evidence.cause."),
                ANY,
                Some("logs"),
            ),
            Code::AccessLogErrors => (
                Info,
                Observability,
                "The stage's access log, read with its own format (JSON, CLF, CSV or XML), holds 4xx or 5xx responses in the incident window (evidence: status_counts, error_type_counts, lines_read, lines_unparsed, format, log_group, window).",
                manual("See evidence.error_type_counts and the findings that explain those errors."),
                ANY,
                Some("access_logs"),
            ),
            Code::VpcLinkFailed => (
                Error,
                VpcLinks,
                "A VPC link used by the stage is FAILED; evidence has the status message.",
                Remedy::Action(Action::RecreateVpcLink),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkInactive => (
                Warning,
                VpcLinks,
                "A v2 VPC link is INACTIVE (no traffic for 60 days): the first requests fail while it is re-provisioned; it heals itself.",
                manual("Send traffic to re-provision the link; expect errors for the first requests."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkNotReady => (
                Warning,
                VpcLinks,
                "A VPC link is PENDING or DELETING.",
                manual("Wait for the VPC link to become AVAILABLE."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkNotFound => (
                Error,
                VpcLinks,
                "An integration's connection id (after resolving stage variables) names no VPC link.",
                manual("Point the integration at an existing VPC link."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkTargetMissing => (
                Error,
                VpcLinks,
                "The load balancer behind the link no longer exists (recreating the link would not help).",
                manual("Recreate the load balancer behind the VPC link, or point the link at an existing one."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkListenerMissing => (
                Error,
                VpcLinks,
                "The load balancer has no listener on the integration URI's port.",
                manual("Add a listener on the integration URI's port to the load balancer."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkTargetsUnhealthy => (
                Error,
                VpcLinks,
                "The target groups behind the listener have no healthy target (a warning when the targets are registered but fail health checks: the load balancer then fails open and still routes to them).",
                manual("Fix the targets' health checks or register healthy targets."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkEndpointConnectionNotAvailable => (
                Error,
                VpcLinks,
                "A v1 link's endpoint service has no available endpoint connection for API Gateway (rejected, deleted or pending).",
                manual("Accept (or recreate) API Gateway's endpoint connection on the link's VPC endpoint service."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::VpcLinkSgBlocks => (
                Error,
                VpcLinks,
                "A v2 link's security groups allow no egress to the listener port, or the load balancer's security groups allow no ingress from the link.",
                manual("Allow egress to the listener port in the link's security groups and ingress from them in the load balancer's."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::IntegrationTlsNameMismatch => (
                Error,
                VpcLinks,
                "The integration URI's host (or tlsConfig.serverNameToVerify) matches none of the names on the listener's certificate.",
                manual("Use a host name the listener's certificate covers, or set tlsConfig.serverNameToVerify to one."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::IntegrationTlsCertExpired => (
                Error,
                VpcLinks,
                "The listener's certificate has expired or is not yet valid.",
                manual("Renew or replace the listener's certificate."),
                SERVER,
                Some("vpc_links"),
            ),
            Code::WsAuthorizerNotOnConnect => (
                Error,
                WebSocket,
                "An authorizer is attached to a WebSocket route other than $connect (only $connect is authorized).",
                manual("Attach the authorizer to the $connect route only."),
                FORBIDDEN,
                Some("websocket"),
            ),
            Code::WsConnectionIdHeaderMissing => (
                Warning,
                WebSocket,
                "A WebSocket VPC_LINK integration does not pass context.connectionId to the backend as a header, so the backend cannot call back.",
                Remedy::Action(Action::AddIntegrationHeader),
                GONE_OR_SERVER,
                Some("websocket"),
            ),
            Code::WsConnectionGone => (
                Info,
                WebSocket,
                "The given connection id is gone (410): posted before $connect finished, after disconnect, or reused after reconnect.",
                manual("Do not post from the $connect integration: have it invoke a function asynchronously that calls GetConnection, then PostToConnection; post only to the client's current connection id."),
                GONE,
                Some("websocket"),
            ),
        };
        Entry {
            severity,
            area,
            meaning,
            remedy,
            symptoms,
            module,
        }
    }

    /// Whether this code commonly explains `symptom`: what orders findings and changes
    /// "most relevant to the incident's symptom first". No symptom: nothing is more relevant.
    pub fn explains(self, symptom: Option<Symptom>) -> bool {
        symptom.is_some_and(|s| self.entry().symptoms.contains(&s))
    }

    /// How relevant this code is to `symptom` when nothing confirms it: one of the codes its
    /// symptom points at, one that explains any symptom, or neither. No symptom: all equal.
    pub fn relevance(self, symptom: Option<Symptom>) -> Relevance {
        let Some(symptom) = symptom else {
            return Relevance::Unrelated;
        };
        let symptoms = self.entry().symptoms;
        if !symptoms.contains(&symptom) {
            Relevance::Unrelated
        } else if symptoms == ANY {
            Relevance::General
        } else {
            Relevance::Specific
        }
    }

    /// The code as the report writes it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The findings reference (`docs/findings.md`), generated from the catalog.
pub fn findings_reference() -> String {
    use std::fmt::Write as _;
    use strum::IntoEnumIterator;
    let mut out = String::from(
        "# Finding codes\n\n\
         Generated from the catalog (`crates/core/src/catalog.rs`) by `make docs`; a test fails when\n\
         this file is stale. Codes are stable: a code is never renamed or reused. Remedy `action`\n\
         names an action apigw-doctor can apply (see the README on applying repairs); `manual` is\n\
         advice for a person. \"Check\" is the module under `crates/core/src/checks/` that emits the\n\
         code; \"not built yet\" codes are part of the contract and are never emitted by this build.\n",
    );
    for area in Area::iter() {
        let _ = write!(
            out,
            "\n## {area}\n\n| code | severity | when | remedy | symptoms | check |\n|---|---|---|---|---|---|\n"
        );
        for code in Code::iter().filter(|c| c.entry().area == area) {
            let entry = code.entry();
            let remedy = match &entry.remedy {
                Remedy::Action(action) => format!("action `{action}`"),
                Remedy::Manual(advice) => advice.to_string(),
            };
            let symptoms: Vec<&str> = entry.symptoms.iter().map(|s| s.into()).collect();
            let module = entry
                .module
                .map_or("not built yet".to_string(), |m| format!("`{m}`"));
            let _ = writeln!(
                out,
                "| `{code}` | {} | {} | {} | {} | {module} |",
                entry.severity,
                entry.meaning.replace('|', "\\|"),
                remedy.replace('|', "\\|"),
                symptoms.join(", "),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn serde_and_strum_agree_on_every_name() {
        for code in Code::iter() {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
        }
        for symptom in Symptom::iter() {
            let name: &str = symptom.into();
            assert_eq!(serde_json::to_value(symptom).unwrap(), name);
            assert_eq!(name.parse::<Symptom>(), Ok(symptom));
        }
        for severity in Severity::iter() {
            assert_eq!(
                serde_json::to_value(severity).unwrap(),
                severity.to_string()
            );
        }
    }

    #[test]
    fn unknown_names_do_not_parse() {
        assert!("VPC_ENDPOINT_PRIVATE_DNS_DISABLE".parse::<Code>().is_err());
        assert!("vpc_endpoint_private_dns_disabled".parse::<Code>().is_err());
        assert!("Forbidden".parse::<Symptom>().is_err());
    }

    #[test]
    fn remedies_serialise_as_the_report_writes_them() {
        assert_eq!(
            serde_json::to_value(Code::UndeployedChanges.entry().remedy).unwrap(),
            serde_json::json!({ "action": "redeploy_stage" })
        );
        assert_eq!(
            serde_json::to_value(Code::ErrorResponseExplained.entry().remedy).unwrap(),
            serde_json::json!({ "manual": "See evidence.cause." })
        );
    }

    #[test]
    fn the_findings_reference_in_docs_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md");
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(path, findings_reference()).expect("docs/findings.md is writable");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == findings_reference(),
            "docs/findings.md is stale: run `make docs` and commit it"
        );
    }
}
