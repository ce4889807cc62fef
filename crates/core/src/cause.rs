//! The causes of SPEC §6 and the classifier that maps a reported error (status,
//! `x-amzn-errortype`, message) to them: one table, one row per documented response.
//!
//! Sources, cited per row: AWS's knowledge-center article "How do I troubleshoot HTTP 403 errors
//! from API Gateway?" (<https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden>),
//! its mutual-TLS companion (<https://repost.aws/knowledge-center/api-gateway-mutual-tls-403-errors>),
//! the VPC-link 500 article (<https://repost.aws/knowledge-center/api-gateway-500-error-vpc>) and
//! the 410 article (<https://repost.aws/knowledge-center/410-gone-api-gateway>); and every
//! pattern of AWS's `AWSSupport-TroubleshootAPIGatewayHttpErrors` runbook
//! (<https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-troubleshootapigatewayhttp-errors.html>),
//! which searches REST execution logs for 500, 502, 503, 504, 401, 403 and 429 strings and
//! points each at a knowledge-center article, cited per row. The runbook's bare `Forbidden`
//! pattern is not a row: that word alone is what SPEC §6 explains from the configuration.

use crate::catalog::{Code, Symptom};
use crate::intake::ErrorHint;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// A cause of SPEC §6, as `evidence.cause` writes it.
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
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Cause {
    LambdaAuthorizerDeny,
    IamExplicitDeny,
    IamNotAuthorized,
    InvalidSecurityToken,
    MissingAuthenticationToken,
    SignatureExpired,
    InvalidApiKey,
    SignatureMismatch,
    IncompleteSignature,
    WafBlocked,
    PrivateApiWrongHost,
    DefaultEndpointDisabled,
    MtlsCertificateInvalid,
    CustomDomainNoMapping,
    CustomDomainStageInPath,
    ConnectionTimedOut,
    VpcLinkInternalError,
    TlsHostnameMismatch,
    TlsUntrustedCa,
    TlsKeyMismatch,
    BackendReset,
    BackendInvalidHttp,
    ConnectionGone,
    LambdaPermissionMissing,
    LambdaProxyMalformedResponse,
    LambdaFunctionError,
    LambdaThrottled,
    IntegrationTimeout,
    EndpointNetworkError,
    InvalidEndpointAddress,
    OutputMappingInvalid,
    AuthorizerUnauthorized,
    Throttled,
    QuotaExceeded,
    BadGateway,
    ConfigurationError,
}

/// A bare `ForbiddenException` "Forbidden" is API Gateway's answer for all of these (the
/// knowledge-center table gives them the same type and message); only the configuration tells
/// them apart (SPEC §6, last paragraph).
/// The newest version of the article answers an API key that is not valid with a bare
/// "Forbidden" too, so it is among them.
pub const BARE_FORBIDDEN: &[Cause] = &[
    Cause::PrivateApiWrongHost,
    Cause::DefaultEndpointDisabled,
    Cause::WafBlocked,
    Cause::CustomDomainNoMapping,
    Cause::CustomDomainStageInPath,
    Cause::MtlsCertificateInvalid,
    Cause::InvalidApiKey,
];

/// What the table says of one cause: what to check, how to fix it, and the findings whose
/// configuration confirms it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Explanation {
    /// What API Gateway means by the response.
    pub meaning: &'static str,
    pub check: &'static str,
    pub fix: &'static str,
    /// Findings that show the configuration behind this cause.
    pub confirmed_by: &'static [Code],
    /// The article the row comes from.
    pub reference: &'static str,
}

const KC_403: &str = "https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden";
const KC_MTLS: &str = "https://repost.aws/knowledge-center/api-gateway-mutual-tls-403-errors";
const KC_VPC_LINK: &str = "https://repost.aws/knowledge-center/api-gateway-500-error-vpc";
const KC_410: &str = "https://repost.aws/knowledge-center/410-gone-api-gateway";
const KC_LAMBDA_PERMISSION: &str =
    "https://repost.aws/knowledge-center/api-gateway-rest-api-lambda-integrations";
const KC_502: &str = "https://repost.aws/knowledge-center/malformed-502-api-gateway";
const KC_LAMBDA_500: &str = "https://repost.aws/knowledge-center/api-gateway-internal-server-error";
const KC_504: &str = "https://repost.aws/knowledge-center/api-gateway-504-errors";
const KC_NETWORK: &str = "https://repost.aws/knowledge-center/api-gateway-network-endpoint-error";
const KC_INVALID_ENDPOINT: &str =
    "https://repost.aws/knowledge-center/api-gateway-invalid-endpoint-address";
const KC_401: &str = "https://repost.aws/knowledge-center/api-gateway-401-error-lambda-authorizer";
const KC_429: &str = "https://repost.aws/knowledge-center/api-gateway-429-limit";
const KC_PRIVATE: &str =
    "https://repost.aws/knowledge-center/api-gateway-private-endpoint-connection";

const VPC_LINK_CODES: &[Code] = &[
    Code::VpcLinkFailed,
    Code::VpcLinkInactive,
    Code::VpcLinkNotReady,
    Code::VpcLinkNotFound,
    Code::VpcLinkTargetMissing,
    Code::VpcLinkListenerMissing,
    Code::VpcLinkTargetsUnhealthy,
    Code::VpcLinkEndpointConnectionNotAvailable,
];

impl Cause {
    /// Whether an error of this cause is the kind of error `symptom` reports: an authorizer's
    /// 403 in the logs of an API whose 5xx alarm fired is its everyday background, not the
    /// incident. The causes of SPEC §6 answer 403 (the knowledge-center 403 table), a 5xx (the
    /// VPC-link and backend strings) or 410 (a gone connection); the runbook's add 401 (an
    /// authorizer), 429 (throttles and quotas), 500 (Lambda permission and throttling,
    /// configuration errors), 502 (the Lambda's answer) and 504 (a timeout). Without a symptom,
    /// or for latency, every cause fits.
    pub fn fits(self, symptom: Option<Symptom>) -> bool {
        use Cause::*;
        let status: u16 = match self {
            ConnectionTimedOut | VpcLinkInternalError | TlsHostnameMismatch | TlsUntrustedCa
            | TlsKeyMismatch | BackendReset | BackendInvalidHttp => 500,
            LambdaPermissionMissing
            | LambdaThrottled
            | EndpointNetworkError
            | InvalidEndpointAddress
            | OutputMappingInvalid
            | ConfigurationError => 500,
            LambdaProxyMalformedResponse | LambdaFunctionError | BadGateway => 502,
            IntegrationTimeout => 504,
            AuthorizerUnauthorized => 401,
            Throttled | QuotaExceeded => 429,
            ConnectionGone => 410,
            LambdaAuthorizerDeny
            | IamExplicitDeny
            | IamNotAuthorized
            | InvalidSecurityToken
            | MissingAuthenticationToken
            | SignatureExpired
            | InvalidApiKey
            | SignatureMismatch
            | IncompleteSignature
            | WafBlocked
            | PrivateApiWrongHost
            | DefaultEndpointDisabled
            | MtlsCertificateInvalid
            | CustomDomainNoMapping
            | CustomDomainStageInPath => 403,
        };
        match symptom {
            None | Some(Symptom::Latency) => true,
            Some(Symptom::ServerError | Symptom::Timeout) => status >= 500,
            Some(Symptom::ClientError) => (400..500).contains(&status),
            Some(Symptom::Forbidden) => status == 403,
            Some(Symptom::Gone) => status == 410,
        }
    }

    /// Whether a line of this cause only summarises a failed request (its 502 status, a
    /// configuration error of no known kind): beside a specific cause of the same request it
    /// says nothing more, so a log search counts it only for requests that logged nothing
    /// more specific.
    pub fn summarises(self) -> bool {
        matches!(self, Cause::BadGateway | Cause::ConfigurationError)
    }

    /// The cause as `evidence.cause` writes it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn explanation(self) -> Explanation {
        use Cause::*;
        let (meaning, check, fix, confirmed_by, reference): (_, _, _, &'static [Code], _) = match self {
            LambdaAuthorizerDeny => (
                "the method's Lambda authorizer returned a policy that denies the caller",
                "the authorizer's CloudWatch logs for this request, and the token or identity sources the caller sent",
                "send a token the authorizer accepts, or change the policy the authorizer returns (a cached policy must cover every method it is reused for: methodArn wildcards or a lower TTL)",
                &[],
                KC_403,
            ),
            IamExplicitDeny => (
                "an IAM identity policy of the caller, or the API's resource policy, explicitly denies execute-api:Invoke",
                "the Deny statements of the resource policy and of the caller's identity policies for this method's ARN",
                "remove or narrow the denying statement, then redeploy the API if it was the resource policy",
                &[Code::PolicyDeniesVpcEndpoint, Code::VpcEndpointPolicyDenies, Code::UndeployedPolicyChange],
                KC_403,
            ),
            IamNotAuthorized => (
                "no policy allows the caller execute-api:Invoke: an unsigned (anonymous) call to a method that needs IAM or an explicit Allow, or a signer without permission",
                "that the resource policy explicitly allows this caller (anonymous callers need Principal \"*\"), and for AWS_IAM methods that the caller's identity policy allows execute-api:Invoke on the method's ARN",
                "add an Allow for the caller (resource policy, identity policy, or both for another account), sign the request with SigV4 if the method uses AWS_IAM, and redeploy after a resource-policy change",
                &[Code::PolicyDeniesVpcEndpoint, Code::VpcEndpointPolicyDenies, Code::PrivateApiNoPolicy, Code::UndeployedPolicyChange],
                KC_403,
            ),
            InvalidSecurityToken => (
                "the request was signed with IAM credentials API Gateway does not recognise (wrong or deleted access key, expired session token)",
                "the access key id and session token the client signs with",
                "sign with valid, current credentials (refresh temporary credentials)",
                &[],
                KC_403,
            ),
            MissingAuthenticationToken => (
                "the path or method does not exist in the deployed API, or a method that uses IAM authorization got an unsigned request",
                "the request's stage, path and method against the stage's deployment, and whether the method uses AWS_IAM",
                "call a deployed path and method (deploy the missing resource, or fix the URL), or sign the request with SigV4",
                &[Code::ResourceNotFound, Code::UndeployedChanges, Code::StageNotOnLatestDeployment],
                KC_403,
            ),
            SignatureExpired => (
                "the SigV4 signature is older than API Gateway accepts (the X-Amz-Date is more than 5 minutes off)",
                "the client's clock and when the request was signed",
                "sign each request just before sending it, with a synchronised clock",
                &[],
                KC_403,
            ),
            InvalidApiKey => (
                "the method requires an API key and the key sent is not valid for this stage",
                "the x-api-key header, that the key is enabled, and that a usage plan links it to this API stage",
                "send an enabled key that is in a usage plan for this stage",
                &[Code::ApiKeyNotUsable],
                KC_403,
            ),
            SignatureMismatch => (
                "the SigV4 signature does not match what API Gateway calculated (wrong secret key, or the request changed after signing)",
                "the secret key, the canonical request (path, query, signed headers) and any proxy that rewrites headers",
                "sign with the secret key of the access key id used, over exactly the request sent",
                &[],
                KC_403,
            ),
            IncompleteSignature => (
                "the Authorization header is not a complete SigV4 signature: API Gateway answers this to an Authorization header sent to a path that does not exist, and to a malformed signature on an IAM method",
                "the request's path and method against the deployed API, and the Authorization header's Credential, Signature and SignedHeaders",
                "call a deployed path, or send a complete SigV4 Authorization header (a Lambda authorizer's token belongs in the header its identity source names)",
                &[Code::ResourceNotFound],
                KC_403,
            ),
            WafBlocked => (
                "an AWS WAF web ACL associated with the stage blocked the request",
                "the web ACL's sampled requests and its CloudWatch metrics for blocked calls",
                "change the rule that blocks the request, or the request",
                &[Code::WafAclAttached],
                KC_403,
            ),
            PrivateApiWrongHost => (
                "a private API was called with a host name that does not reach it (an endpoint's public DNS name without the Host or x-apigw-api-id header, another API's name)",
                "the URL and headers against the forms INVOKE_URL_MISMATCH lists",
                "call the API through a URL that reaches it: from a VPC, the private DNS name of an execute-api endpoint with private DNS on, or the endpoint's own DNS name with the Host or x-apigw-api-id header",
                // The default host name without private DNS in the client's VPC (or without an
                // endpoint there) resolves to API Gateway's public addresses, which answer a
                // private API with a bare 403.
                &[Code::InvokeUrlMismatch, Code::VpcEndpointPrivateDnsDisabled, Code::ExecuteApiEndpointMissing],
                KC_PRIVATE,
            ),
            DefaultEndpointDisabled => (
                "the API's default execute-api endpoint is disabled, so its execute-api URL answers 403",
                "disableExecuteApiEndpoint on the API, and the host the caller uses",
                "call the API through its custom domain name, or re-enable the default endpoint",
                &[Code::DefaultEndpointDisabled],
                KC_403,
            ),
            MtlsCertificateInvalid => (
                "the custom domain requires mutual TLS and the client certificate is not trusted (issuer not in the truststore, insecure signature algorithm, self-signed)",
                "the domain's truststore and its warnings, and the client certificate's issuer chain",
                "present a certificate whose issuer is in the truststore, or fix the truststore",
                &[Code::MtlsTruststoreWarnings],
                KC_MTLS,
            ),
            CustomDomainNoMapping => (
                "the custom domain name has no base path (API) mapping for the path called",
                "the domain's base path or API mappings",
                "map the API's stage on the custom domain name",
                &[Code::CustomDomainNoMapping],
                KC_403,
            ),
            CustomDomainStageInPath => (
                "the custom-domain URL repeats the stage the mapping already selects",
                "the URL's path against the domain's mapping",
                "drop the stage from the path when calling through the custom domain name",
                &[Code::CustomDomainStageInPath],
                KC_403,
            ),
            ConnectionTimedOut => (
                "the TCP connection timed out: to a private API's VPC endpoint (security groups, network ACLs) or, behind a VPC link, to the load balancer's targets",
                "the endpoint's and client's security groups and network ACLs on TCP 443, or the VPC link's load balancer, listener and targets",
                "open TCP 443 between client and endpoint, or make the link's targets reachable and healthy",
                &[Code::VpcEndpointSgBlocksHttps, Code::ClientSgBlocksHttps, Code::NaclBlocksHttps, Code::VpcLinkSgBlocks, Code::VpcLinkTargetsUnhealthy],
                KC_VPC_LINK,
            ),
            VpcLinkInternalError => (
                "API Gateway could not send the request through the VPC link (link failed, endpoint service rejected or deleted, load balancer or listener missing)",
                "the VPC link's status, its load balancer, the listener on the integration's port and the targets' health",
                "fix or recreate the VPC link, or what stands behind it",
                VPC_LINK_CODES,
                KC_VPC_LINK,
            ),
            TlsHostnameMismatch => (
                "the integration's host name is not on the backend's TLS certificate",
                "the integration URI's host (or tlsConfig.serverNameToVerify) against the listener certificate's names",
                "use a host name the certificate covers, or set serverNameToVerify to one",
                &[Code::IntegrationTlsNameMismatch],
                KC_VPC_LINK,
            ),
            TlsUntrustedCa => (
                "the backend's certificate chain does not lead to a CA API Gateway trusts (PKIX path building failed)",
                "the backend's certificate chain (self-signed or private CA, missing intermediate)",
                "serve a certificate from a trusted CA with its full chain, or (REST) set insecureSkipVerification deliberately",
                &[Code::IntegrationTlsCertExpired],
                KC_VPC_LINK,
            ),
            TlsKeyMismatch => (
                "the TLS handshake with the backend failed verifying the server key exchange (certificate and key do not match, or an unsupported key)",
                "the backend's certificate and private key pair, and its cipher suites",
                "install a matching certificate and key on the backend",
                &[],
                KC_VPC_LINK,
            ),
            BackendReset => (
                "the backend closed or reset the connection (API Gateway reports an internal error)",
                "the backend's logs and keep-alive settings, and the targets' health at that time",
                "make the backend accept and complete the connection (keep-alive timeout longer than API Gateway's)",
                &[Code::VpcLinkTargetsUnhealthy],
                KC_VPC_LINK,
            ),
            BackendInvalidHttp => (
                "the backend did not answer valid HTTP (for example plain HTTP spoken to an HTTPS integration, or TLS to an HTTP one)",
                "the integration URI's scheme and port against what the listener and target speak",
                "make the integration's scheme and port match the backend's protocol",
                &[Code::VpcLinkListenerMissing],
                KC_VPC_LINK,
            ),
            ConnectionGone => (
                "the WebSocket connection is gone: posted before $connect finished, after disconnect, or to an id the client used before it reconnected",
                "GetConnection on the stage's @connections endpoint for that id",
                "post only to the client's current connection id, never from the $connect integration itself",
                &[Code::WsConnectionGone],
                KC_410,
            ),
            LambdaPermissionMissing => (
                "API Gateway may not invoke the Lambda function (of the integration or of a Lambda authorizer): its resource-based policy does not allow apigateway.amazonaws.com for this API, or the integration's credentials role may not invoke it",
                "the function's resource-based policy (lambda:GetPolicy) for a statement allowing apigateway.amazonaws.com with this API's execute-api ARN as source, and the integration's or authorizer's credentials role",
                "add the invoke permission (lambda add-permission with the API's execute-api source ARN, or AWS::Lambda::Permission), or give the credentials role lambda:InvokeFunction; a function named through a stage variable needs a permission for each function it names",
                &[],
                KC_LAMBDA_PERMISSION,
            ),
            LambdaProxyMalformedResponse => (
                "the Lambda function of a proxy integration returned output API Gateway cannot read as a response (it needs statusCode, and headers, body and isBase64Encoded in their types)",
                "the function's return value in the execution log's endpoint response body against the proxy output format",
                "return {\"statusCode\": …, \"headers\": {…}, \"body\": \"a string\", \"isBase64Encoded\": …} from every code path of the function",
                &[],
                KC_502,
            ),
            LambdaFunctionError => (
                "the Lambda function failed while it ran (an unhandled error, or a runtime that could not load the handler)",
                "the function's own CloudWatch logs for the Lambda request id the execution log names",
                "fix the function's error (package permissions, imports, unhandled exceptions), or catch it and return a proxy response",
                &[],
                KC_502,
            ),
            LambdaThrottled => (
                "Lambda throttled the integration's invocation (429), which API Gateway answers with an internal server error",
                "the function's Throttles metric, its reserved concurrency and the account's concurrent executions",
                "raise the function's reserved concurrency or the account's concurrency quota, or retry with exponential backoff",
                &[],
                KC_LAMBDA_500,
            ),
            IntegrationTimeout => (
                "the integration did not answer within the integration timeout (29 seconds by default), so API Gateway answered 504",
                "the integration's latency (IntegrationLatency, the backend's duration) for the request ids the execution log names",
                "make the backend answer within the timeout (or raise the timeout for a Regional or private REST API), or make the work asynchronous",
                &[],
                KC_504,
            ),
            EndpointNetworkError => (
                "API Gateway could not talk to the HTTP endpoint of the integration (the connection failed or was cut)",
                "the endpoint's reachability, its load balancer's healthy targets in every enabled Availability Zone, and that it answers within the integration timeout",
                "retry transient failures with backoff; for frequent ones, keep healthy targets in every enabled Availability Zone (or turn on cross-zone load balancing) and let API Gateway's addresses reach the endpoint",
                &[Code::VpcLinkTargetsUnhealthy],
                KC_NETWORK,
            ),
            InvalidEndpointAddress => (
                "API Gateway could not resolve the domain name in the integration's endpoint URL",
                "that the endpoint URL's host resolves in public DNS to a public address",
                "fix the endpoint URL or its DNS record; a host that resolves only inside a VPC needs a private integration (VPC link)",
                &[],
                KC_INVALID_ENDPOINT,
            ),
            OutputMappingInvalid => (
                "an integration response maps the backend's answer to a method response status the method does not define",
                "the method's integration responses and method responses",
                "define a method response for every status an integration response maps to",
                &[],
                KC_LAMBDA_500,
            ),
            AuthorizerUnauthorized => (
                "the method's authorizer (Lambda or Amazon Cognito user pool) did not authenticate the caller: the token or identity sources are missing, empty, fail the token validation expression, or the token is not valid for the user pool",
                "the authorizer's token source or identity sources and validation expression, the token the caller sent (expiry, issuer, ID or access token for the method's scopes), and that the API was redeployed after the authorizer changed",
                "send the token in the header the authorizer names, valid for its user pool and scopes, or fix the authorizer's configuration and redeploy",
                &[],
                KC_401,
            ),
            Throttled => (
                "a throttle limit was exceeded: the usage plan's per-client or per-method rate or burst, the stage's method limits, or the account's Regional limit",
                "the usage plan's throttle for the API key, the stage's method throttling settings and the account's Regional quota, against the request rate",
                "raise the limit that throttles (usage plan, stage or, by quota request, the account), or make clients retry with backoff",
                &[],
                KC_429,
            ),
            QuotaExceeded => (
                "the API key's usage-plan quota for its period is exhausted",
                "the usage plan's quota and the key's usage (GetUsage) in the current period",
                "raise the plan's quota, grant the key more (UpdateUsage), or wait for the period to renew",
                &[],
                KC_429,
            ),
            BadGateway => (
                "the method completed with 502: API Gateway could not use the integration's answer (a malformed Lambda proxy response, or a function error, or a Lambda permission problem)",
                "the same request's earlier execution-log lines and the function's response against the proxy output format",
                "fix what the request's other lines name; for a Lambda proxy integration, return the documented output format",
                &[],
                KC_502,
            ),
            ConfigurationError => (
                "execution failed because of the integration's configuration (the runbook points it at the VPC-link article; the rest of the line says which part)",
                "the rest of the logged line, and the integration, its VPC link, authorizer and mapping templates it names",
                "fix the configuration the line names",
                VPC_LINK_CODES,
                KC_VPC_LINK,
            ),
        };
        Explanation {
            meaning,
            check,
            fix,
            confirmed_by,
            reference,
        }
    }
}

/// How a reported error reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// One documented response: this cause.
    Known(Cause),
    /// A bare `ForbiddenException` "Forbidden": one of [`BARE_FORBIDDEN`], which only the
    /// configuration can tell apart.
    BareForbidden,
    /// Nothing in the table matches (or nothing was given to match).
    Unknown,
}

/// One row of the classifier: the error type (as `x-amzn-errortype` starts, `None`: any) and a
/// phrase the message contains (`None`: any message), for a status (`None`: any).
struct Row {
    status: Option<u16>,
    error_type: Option<&'static str>,
    phrase: Option<&'static str>,
    cause: Cause,
}

const fn row(
    status: Option<u16>,
    error_type: Option<&'static str>,
    phrase: Option<&'static str>,
    cause: Cause,
) -> Row {
    Row {
        status,
        error_type,
        phrase,
        cause,
    }
}

/// The table, most specific first: the first row that matches decides. Phrases are matched
/// case-insensitively anywhere in the message, so the whole `{"message": …}` body, a log line
/// or the message alone all match.
const TABLE: &[Row] = &[
    // 403 table (KC_403). The Lambda authorizer's message; newer pages add "in an
    // identity-based policy".
    row(
        Some(403),
        None,
        Some("User is not authorized to access this resource"),
        Cause::LambdaAuthorizerDeny,
    ),
    row(
        Some(403),
        None,
        Some("with an explicit deny"),
        Cause::IamExplicitDeny,
    ),
    row(
        Some(403),
        None,
        Some("is not authorized to perform: execute-api:Invoke"),
        Cause::IamNotAuthorized,
    ),
    row(
        Some(403),
        None,
        Some("The security token included in the request is invalid"),
        Cause::InvalidSecurityToken,
    ),
    row(
        Some(403),
        None,
        Some("Signature expired"),
        Cause::SignatureExpired,
    ),
    row(
        Some(403),
        None,
        Some("The request signature we calculated does not match"),
        Cause::SignatureMismatch,
    ),
    row(
        Some(403),
        None,
        Some("Authorization header requires"),
        Cause::IncompleteSignature,
    ),
    row(
        Some(403),
        Some("IncompleteSignatureException"),
        None,
        Cause::IncompleteSignature,
    ),
    row(
        Some(403),
        None,
        Some("Missing Authentication Token"),
        Cause::MissingAuthenticationToken,
    ),
    row(
        Some(403),
        Some("MissingAuthenticationTokenException"),
        None,
        Cause::MissingAuthenticationToken,
    ),
    row(
        Some(403),
        None,
        Some("Invalid API Key"),
        Cause::InvalidApiKey,
    ),
    // The mutual-TLS article's execution-log lines (KC_MTLS).
    row(
        Some(403),
        None,
        Some("Could not find issuer for certificate"),
        Cause::MtlsCertificateInvalid,
    ),
    row(
        Some(403),
        None,
        Some("Client cert using an insecure Signature Algorithm"),
        Cause::MtlsCertificateInvalid,
    ),
    row(
        Some(403),
        None,
        Some("self signed certificate"),
        Cause::MtlsCertificateInvalid,
    ),
    // The VPC-link 500 article (KC_VPC_LINK): configuration errors, then internal ones.
    row(
        None,
        None,
        Some("There was an internal error while executing your request"),
        Cause::VpcLinkInternalError,
    ),
    row(
        None,
        None,
        Some("does not match the certificate subject"),
        Cause::TlsHostnameMismatch,
    ),
    row(
        None,
        None,
        Some("PKIX path building failed"),
        Cause::TlsUntrustedCa,
    ),
    row(
        None,
        None,
        Some("Cannot verify ECDH ServerKeyExchange signature"),
        Cause::TlsKeyMismatch,
    ),
    row(
        None,
        None,
        Some("Execution failed due to an internal error"),
        Cause::BackendReset,
    ),
    row(
        None,
        None,
        Some("Not a valid protocol version"),
        Cause::BackendInvalidHttp,
    ),
    row(
        None,
        None,
        Some("Connection timed out"),
        Cause::ConnectionTimedOut,
    ),
    // 410 (KC_410).
    row(None, Some("GoneException"), None, Cause::ConnectionGone),
    row(Some(410), None, None, Cause::ConnectionGone),
    // The runbook's patterns beyond the 403 table, with the article each points at.
    // KC_LAMBDA_PERMISSION: "Execution failed due to configuration error: Invalid permissions
    // on Lambda function", then "Method completed with status: 500".
    row(
        None,
        None,
        Some("Invalid permissions on Lambda function"),
        Cause::LambdaPermissionMissing,
    ),
    // KC_502: "Execution failed due to configuration error: Malformed Lambda proxy response".
    row(
        None,
        None,
        Some("Malformed Lambda proxy response"),
        Cause::LambdaProxyMalformedResponse,
    ),
    // KC_502: "Lambda execution failed with status 200 due to customer function error: …".
    row(
        None,
        None,
        Some("due to customer function error"),
        Cause::LambdaFunctionError,
    ),
    // The runbook (api-gateway-lambda-integration-errors); KC_LAMBDA_500 on Lambda throttling.
    row(
        None,
        None,
        Some("Lambda invocation failed with status: 429"),
        Cause::LambdaThrottled,
    ),
    // KC_504: "Execution failed due to a timeout error".
    row(
        None,
        None,
        Some("Execution failed due to a timeout error"),
        Cause::IntegrationTimeout,
    ),
    // KC_NETWORK: "Network Error communicating with endpoint" (the runbook: either case of the
    // "N", and CloudWatch Logs matches case-sensitively, so the phrase starts after it).
    row(
        None,
        None,
        Some("communicating with endpoint"),
        Cause::EndpointNetworkError,
    ),
    // KC_INVALID_ENDPOINT: "Execution failed due to configuration error: Invalid endpoint
    // address".
    row(
        None,
        None,
        Some("Invalid endpoint address"),
        Cause::InvalidEndpointAddress,
    ),
    // KC_LAMBDA_500: "Execution failed due to configuration error: Output mapping refers to an
    // invalid method response: 2xx/4xx/5xx".
    row(
        None,
        None,
        Some("Output mapping refers to an invalid method response"),
        Cause::OutputMappingInvalid,
    ),
    // KC_429: "API Key … exceeded throttle limit for API Stage …: Key throttle limit exceeded
    // for Usage Plan ID …" and "… exceeded quota limit …: Key quota exhausted for Usage Plan
    // ID …"; the client reads "429 Too Many Requests" or "Limit Exceeded".
    row(
        None,
        None,
        Some("Key throttle limit exceeded"),
        Cause::Throttled,
    ),
    row(
        None,
        None,
        Some("Key quota exhausted"),
        Cause::QuotaExceeded,
    ),
    row(Some(429), None, Some("Too Many Requests"), Cause::Throttled),
    row(
        Some(429),
        None,
        Some("Limit Exceeded"),
        Cause::QuotaExceeded,
    ),
    // The runbook's "401 Unauthorized" (KC_401 and the Cognito article); a reported 401 is
    // API Gateway's answer when an authorizer does not authenticate the caller.
    row(
        None,
        None,
        Some("401 Unauthorized"),
        Cause::AuthorizerUnauthorized,
    ),
    row(Some(401), None, None, Cause::AuthorizerUnauthorized),
    // The runbook's last two, which say only that a request failed: a 502 status line (KC_502)
    // and a configuration error of no kind the rows above know (KC_VPC_LINK). Last, so every
    // specific row wins; `Cause::summarises` keeps them from counting a request twice.
    row(
        None,
        None,
        Some("Method completed with status: 502"),
        Cause::BadGateway,
    ),
    row(
        None,
        None,
        Some("Execution failed due to configuration error"),
        Cause::ConfigurationError,
    ),
];

/// The error type as `x-amzn-errortype` sends it, without the `:http://internal.amazon.com/…`
/// suffix API Gateway may append.
fn type_name(error_type: &str) -> &str {
    error_type.split(':').next().unwrap_or(error_type).trim()
}

fn contains(haystack: &str, phrase: &str) -> bool {
    haystack
        .to_ascii_lowercase()
        .contains(&phrase.to_ascii_lowercase())
}

/// Reads a reported error. A status that contradicts a row (a 500 with a 403's message) never
/// matches that row; a missing status matches any.
pub fn classify(error: &ErrorHint) -> Reading {
    let error_type = error.error_type.as_deref().map(type_name);
    let message = error.message.as_deref().unwrap_or("");
    for row in TABLE {
        let status_fits = match (row.status, error.status) {
            (Some(wanted), Some(given)) => wanted == given,
            _ => true,
        };
        let type_fits = row
            .error_type
            .is_none_or(|t| error_type.is_some_and(|given| given.eq_ignore_ascii_case(t)));
        let phrase_fits = row.phrase.is_none_or(|p| contains(message, p));
        // A row that names only a status (410) needs that status to have been given.
        let named = row.error_type.is_some() || row.phrase.is_some() || error.status.is_some();
        if status_fits && type_fits && phrase_fits && named {
            return Reading::Known(row.cause);
        }
    }
    if is_bare_forbidden(error, error_type, message) {
        return Reading::BareForbidden;
    }
    Reading::Unknown
}

/// The execution-log lines that echo a payload API Gateway carried rather than say what it did:
/// the client's request and the backend's answer, before and after mapping (the layout the
/// 502 article's log shows: "Endpoint response body before transformations: …",
/// <https://repost.aws/knowledge-center/malformed-502-api-gateway>). A backend that answers
/// "401 Unauthorized" or "Connection timed out" in its own body is not API Gateway failing.
const PAYLOAD_ECHOES: [&str; 10] = [
    "Method request path:",
    "Method request query string:",
    "Method request headers:",
    "Method request body before transformations:",
    "Endpoint request headers:",
    "Endpoint request body after transformations:",
    "Endpoint response headers:",
    "Endpoint response body before transformations:",
    "Method response headers:",
    "Method response body after transformations:",
];

/// Reads one log line (execution log, access log, a test-invoke log) with the same table: the
/// first row whose phrase the line contains, or whose error type it names, decides. Rows that
/// name only a status (the 410) never match a line: a status alone is no error string. A line
/// echoing the request's or the backend's payload ([`PAYLOAD_ECHOES`]) reads as nothing.
pub fn classify_line(line: &str) -> Option<Cause> {
    if PAYLOAD_ECHOES.iter().any(|label| line.contains(label)) {
        return None;
    }
    TABLE.iter().find_map(|row| {
        let hit = match (row.phrase, row.error_type) {
            (Some(phrase), _) => contains(line, phrase),
            (None, Some(error_type)) => contains(line, error_type),
            (None, None) => false,
        };
        hit.then_some(row.cause)
    })
}

/// Every string the table knows (phrases and error types), in the table's order and without
/// repeats: what a log search asks CloudWatch Logs for.
pub fn known_strings() -> Vec<&'static str> {
    let mut strings: Vec<&'static str> = Vec::new();
    for text in TABLE.iter().filter_map(|row| row.phrase.or(row.error_type)) {
        if !strings.contains(&text) {
            strings.push(text);
        }
    }
    strings
}

/// `ForbiddenException` (or no type) with the message "Forbidden" (or none), on a 403 (or no
/// status): every bare-Forbidden row of the knowledge-center table.
fn is_bare_forbidden(error: &ErrorHint, error_type: Option<&str>, message: &str) -> bool {
    let status_fits = error.status.is_none_or(|s| s == 403);
    let type_fits = error_type.is_none_or(|t| t.eq_ignore_ascii_case("ForbiddenException"));
    let text = message
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let text = text
        .strip_prefix("\"message\"")
        .map(|rest| rest.trim_start().trim_start_matches(':').trim())
        .unwrap_or(text)
        .trim_matches('"');
    let message_fits = text.is_empty() || text.eq_ignore_ascii_case("Forbidden");
    // A bare 403 says nothing of its kind: the type or the message must say "Forbidden".
    let named = error_type.is_some() || !text.is_empty();
    status_fits && type_fits && message_fits && named
}

#[cfg(test)]
mod tests;
