//! Every finding code with its severity, area, remedy and the symptoms it explains, as data.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// What fixes a finding: an action apigw-doctor can apply, or advice for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    Action(&'static str),
    Manual(&'static str),
}

/// The symptoms an incident can report (SPEC §1.1).
pub const SYMPTOMS: &[&str] = &[
    "server-error",
    "client-error",
    "forbidden",
    "gone",
    "timeout",
    "latency",
];

/// One finding code of SPEC §5.
#[derive(Debug)]
pub struct Code {
    pub code: &'static str,
    pub severity: Severity,
    pub remedy: Remedy,
    /// Symptoms this code commonly explains; findings matching the incident's symptom sort first.
    pub symptoms: &'static [&'static str],
}

const FORBIDDEN: &[&str] = &["forbidden", "client-error"];
const UNREACHABLE: &[&str] = &["timeout", "forbidden", "client-error", "latency"];
const SERVER: &[&str] = &["server-error", "latency", "timeout"];
const ANY: &[&str] = &[
    "server-error",
    "client-error",
    "forbidden",
    "gone",
    "timeout",
    "latency",
];

macro_rules! code {
    ($code:literal, $sev:ident, action $action:literal, $symptoms:expr) => {
        Code {
            code: $code,
            severity: Severity::$sev,
            remedy: Remedy::Action($action),
            symptoms: $symptoms,
        }
    };
    ($code:literal, $sev:ident, manual $advice:literal, $symptoms:expr) => {
        Code {
            code: $code,
            severity: Severity::$sev,
            remedy: Remedy::Manual($advice),
            symptoms: $symptoms,
        }
    };
}

/// The catalog, in the order findings of equal relevance are listed.
pub static CATALOG: &[Code] = &[
    code!("TARGET_NOT_FOUND", Error, manual "Check the API id or name, the account and the region the alarm or event refers to.", ANY),
    code!("TARGET_AMBIGUOUS", Warning, manual "Give the API a unique name, or alarm on a metric with the API id.", ANY),
    code!("PRIVATE_API_NO_POLICY", Error, manual "Attach a resource policy that allows execute-api:Invoke from your VPC endpoint (aws:SourceVpce) or VPC (aws:SourceVpc), then redeploy the API.", FORBIDDEN),
    code!("POLICY_DENIES_VPC_ENDPOINT", Error, manual "Change the resource policy so that it allows execute-api:Invoke through the VPC endpoint, then redeploy the API.", FORBIDDEN),
    code!("UNDEPLOYED_POLICY_CHANGE", Error, action "redeploy_stage", FORBIDDEN),
    code!("VPC_ENDPOINT_NOT_AVAILABLE", Error, manual "Create (or fix) the execute-api interface endpoint and update the API's endpoint configuration and resource policy to name it.", UNREACHABLE),
    code!("EXECUTE_API_ENDPOINT_MISSING", Error, manual "Create an interface VPC endpoint for com.amazonaws.<region>.execute-api in the client's VPC.", UNREACHABLE),
    code!("VPC_ENDPOINT_POLICY_DENIES", Error, manual "Change the VPC endpoint policy to allow execute-api:Invoke on this API.", FORBIDDEN),
    code!("VPC_ENDPOINT_PRIVATE_DNS_DISABLED", Error, action "enable_private_dns", UNREACHABLE),
    code!("VPC_DNS_DISABLED", Error, manual "Turn on enableDnsSupport and enableDnsHostnames on the VPC (ec2 modify-vpc-attribute).", UNREACHABLE),
    code!("VPC_ENDPOINT_SG_BLOCKS_HTTPS", Error, manual "Allow inbound TCP 443 from the client (its security group or address range) in a security group of the VPC endpoint.", UNREACHABLE),
    code!("CLIENT_SG_BLOCKS_HTTPS", Error, manual "Allow outbound TCP 443 to the VPC endpoint in the client's security groups.", UNREACHABLE),
    code!("NACL_BLOCKS_HTTPS", Error, manual "Allow inbound TCP 443 and outbound ephemeral ports (1024-65535) to the client in the network ACL of the endpoint's subnets.", UNREACHABLE),
    code!("INVOKE_URL_MISMATCH", Error, manual "Call the API through a URL that reaches it, as the evidence shows (private DNS name, or the endpoint's DNS name with the Host or x-apigw-api-id header).", FORBIDDEN),
    code!("PUBLIC_API_BLOCKED_BY_PRIVATE_DNS", Error, manual "Call the public API through a custom domain name (or an edge-optimized endpoint's CloudFront name), or turn private DNS off on the VPC's execute-api endpoint.", FORBIDDEN),
    code!("DEFAULT_ENDPOINT_DISABLED", Warning, manual "Call the API through its custom domain name, or re-enable the default execute-api endpoint.", FORBIDDEN),
    code!("CUSTOM_DOMAIN_NO_MAPPING", Error, manual "Add a base path (API) mapping from the custom domain name to the API's stage.", FORBIDDEN),
    code!("CUSTOM_DOMAIN_STAGE_IN_PATH", Error, manual "Drop the stage from the path when calling through a custom domain name.", FORBIDDEN),
    code!("MTLS_TRUSTSTORE_WARNINGS", Error, manual "Fix the truststore certificates the domain name reports warnings for.", FORBIDDEN),
    code!("API_KEY_NOT_USABLE", Error, manual "Add the stage to a usage plan with an enabled API key.", FORBIDDEN),
    code!("WAF_ACL_ATTACHED", Info, manual "Look at the web ACL's sampled requests for blocked calls.", FORBIDDEN),
    code!("RESOURCE_NOT_FOUND", Error, manual "Call a path and method the deployed API has, or deploy the missing resource.", FORBIDDEN),
    code!("STAGE_NOT_ON_LATEST_DEPLOYMENT", Warning, manual "If the rollback was not deliberate, point the stage at the newest deployment.", ANY),
    code!("UNDEPLOYED_CHANGES", Warning, action "redeploy_stage", ANY),
    code!("ERROR_RESPONSE_EXPLAINED", Info, manual "See evidence.cause.", ANY),
    code!("EXECUTION_LOGGING_DISABLED", Warning, action "enable_execution_logging", ANY),
    code!("ACCOUNT_CLOUDWATCH_ROLE_MISSING", Warning, manual "Set the account's CloudWatch Logs role ARN for API Gateway.", ANY),
    code!("ACCESS_LOGGING_DISABLED", Info, manual "Turn on access logging for the stage.", ANY),
    code!("LOG_SIGNATURE", Error, manual "See evidence.cause.", ANY),
    code!("VPC_LINK_FAILED", Error, action "recreate_vpc_link", SERVER),
    code!("VPC_LINK_INACTIVE", Warning, manual "Send traffic to re-provision the link; expect errors for the first requests.", SERVER),
    code!("VPC_LINK_NOT_READY", Warning, manual "Wait for the VPC link to become AVAILABLE.", SERVER),
    code!("VPC_LINK_NOT_FOUND", Error, manual "Point the integration at an existing VPC link.", SERVER),
    code!("VPC_LINK_TARGET_MISSING", Error, manual "Recreate the load balancer behind the VPC link, or point the link at an existing one.", SERVER),
    code!("VPC_LINK_LISTENER_MISSING", Error, manual "Add a listener on the integration URI's port to the load balancer.", SERVER),
    code!("VPC_LINK_TARGETS_UNHEALTHY", Error, manual "Fix the targets' health checks or register healthy targets.", SERVER),
    code!("WS_AUTHORIZER_NOT_ON_CONNECT", Error, manual "Attach the authorizer to the $connect route only.", FORBIDDEN),
    code!("WS_CONNECTION_ID_HEADER_MISSING", Warning, action "add_integration_header", &["gone", "server-error"]),
    code!("WS_CONNECTION_GONE", Info, manual "Post only to connections that completed $connect and have not disconnected.", &["gone"]),
];

/// Looks a code up; every code a check emits is in the catalog (a test enforces it).
pub fn lookup(code: &str) -> Option<&'static Code> {
    CATALOG.iter().find(|c| c.code == code)
}

/// Position of a code in the catalog, used to order findings of equal relevance.
pub fn rank(code: &str) -> usize {
    CATALOG
        .iter()
        .position(|c| c.code == code)
        .unwrap_or(CATALOG.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_symptoms_known() {
        for (i, c) in CATALOG.iter().enumerate() {
            assert_eq!(rank(c.code), i, "duplicate code {}", c.code);
            for s in c.symptoms {
                assert!(SYMPTOMS.contains(s), "{} names unknown symptom {s}", c.code);
            }
        }
    }
}
