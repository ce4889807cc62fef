//! The fault matrix (issue 14): every operation of `apigw_doctor::operations::OPERATIONS`, under
//! throttling until the retries run out, AccessDenied, a server error, a timeout and a malformed
//! body, injected into the real SDK's exchange with the emulator by an interceptor. In every
//! case the run finishes with a report that serializes; a failed read is in `incomplete` under
//! its step and nothing is written; a failed write fails its action, naming the step; and no
//! finding appears that the fault-free run did not make. Every listed operation must be reached
//! by one of the scenarios, so a new call cannot escape the matrix.

use crate::support::{config, create_lock_table, foreign_lock, id, Moto, REGION};
use apigw_doctor::action::Action;
use apigw_doctor::aws::{operation_in, Aws, Clients};
use apigw_doctor::config::Config;
use apigw_doctor::handler::{self, Doctor, Invocation};
use apigw_doctor::operations::{access, Access, OPERATIONS};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttling,
    AccessDenied,
    ServerError,
    Timeout,
    Malformed,
}

const FAULTS: [Fault; 5] = [
    Fault::Throttling,
    Fault::AccessDenied,
    Fault::ServerError,
    Fault::Timeout,
    Fault::Malformed,
];

/// The wire protocol of a service, which decides how an error is written.
fn protocol(service: &str) -> &'static str {
    match service {
        "apigateway" | "apigatewayv2" | "apigatewaymanagementapi" => "rest-json",
        "ec2" => "ec2-query",
        "sts" | "elasticloadbalancingv2" => "aws-query",
        _ => "aws-json",
    }
}

/// The HTTP response AWS sends for `fault` in `service`'s protocol (status, headers, body).
fn response(service: &str, fault: Fault) -> (u16, Vec<(&'static str, String)>, String) {
    let (status, code, message) = match (fault, protocol(service)) {
        (Fault::Throttling, "rest-json") => (429, "TooManyRequestsException", "Too Many Requests"),
        (Fault::Throttling, "ec2-query") => {
            (503, "RequestLimitExceeded", "Request limit exceeded.")
        }
        (Fault::Throttling, _) => (400, "ThrottlingException", "Rate exceeded"),
        (Fault::AccessDenied, "ec2-query") => (403, "UnauthorizedOperation", "not authorized"),
        (Fault::AccessDenied, "aws-query") => (403, "AccessDenied", "not authorized"),
        (Fault::AccessDenied, _) => (403, "AccessDeniedException", "not authorized"),
        (Fault::ServerError, "ec2-query") => (500, "InternalError", "internal error"),
        (Fault::ServerError, _) => (500, "InternalFailure", "internal error"),
        (Fault::Malformed, "ec2-query" | "aws-query") => {
            return (200, Vec::new(), "<Truncated".to_string())
        }
        (Fault::Malformed, _) => {
            return (
                200,
                vec![("content-type", "application/json".to_string())],
                "{\"truncated".to_string(),
            )
        }
        (Fault::Timeout, _) => unreachable!("a timeout is no response"),
    };
    match protocol(service) {
        "rest-json" => (
            status,
            vec![
                ("x-amzn-errortype", code.to_string()),
                ("content-type", "application/json".to_string()),
            ],
            json!({ "message": message }).to_string(),
        ),
        "ec2-query" => (
            status,
            vec![("content-type", "text/xml".to_string())],
            format!("<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>r</RequestID></Response>"),
        ),
        "aws-query" => (
            status,
            vec![("content-type", "text/xml".to_string())],
            format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"),
        ),
        _ => (
            status,
            vec![("content-type", "application/x-amz-json-1.0".to_string())],
            json!({ "__type": code, "message": message }).to_string(),
        ),
    }
}

/// Answers one operation with a fault, every attempt; a timeout sends it to a loopback port
/// that accepts and never answers.
#[derive(Debug, Clone)]
struct Injector {
    operation: String,
    fault: Fault,
    silent_port: u16,
}

impl Injector {
    /// The service of the request when it is for the faulty operation.
    fn targets(&self, cfg: &ConfigBag) -> Option<String> {
        let operation = operation_in(cfg).filter(|op| *op == self.operation)?;
        operation
            .split_once(':')
            .map(|(service, _)| service.to_string())
    }
}

impl Intercept for Injector {
    fn name(&self) -> &'static str {
        "fault-matrix-injector"
    }

    /// The faulty operation's attempts time out after 400 ms; every other call keeps the
    /// clients' generous timeout, so a slow emulator under load is not taken for a fault.
    fn modify_before_retry_loop(
        &self,
        _context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.fault == Fault::Timeout && self.targets(cfg).is_some() {
            cfg.interceptor_state().store_put(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(FAULT_TIMEOUT)
                    .build(),
            );
        }
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.fault == Fault::Timeout && self.targets(cfg).is_some() {
            let request = context.request_mut();
            let uri = request.uri().to_string();
            let after_scheme = uri.split_once("://").map_or(uri.as_str(), |(_, rest)| rest);
            let path = after_scheme.find('/').map_or("/", |at| &after_scheme[at..]);
            request.set_uri(format!("http://127.0.0.1:{}{path}", self.silent_port))?;
        }
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(service) = self.targets(cfg) else {
            return Ok(());
        };
        if self.fault == Fault::Timeout {
            return Ok(());
        }
        let (status, headers, body) = response(&service, self.fault);
        let mut replaced = HttpResponse::new(StatusCode::try_from(status)?, SdkBody::from(body));
        for (name, value) in headers {
            replaced.headers_mut().insert(name, value);
        }
        *context.response_mut() = replaced;
        Ok(())
    }
}

/// A loopback port that accepts connections and never answers (for timeouts).
fn silent_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// Clients on the emulator with short retries and timeouts, and the injector on every client.
async fn faulty_aws(moto: &Moto, injector: Option<Injector>) -> Aws {
    let sdk: SdkConfig = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(Region::new(REGION))
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await;
    macro_rules! client {
        ($krate:ident) => {{
            let mut builder = $krate::config::Builder::from(&sdk);
            if let Some(injector) = &injector {
                builder = builder.interceptor(injector.clone());
            }
            $krate::Client::from_conf(builder.build())
        }};
    }
    Aws::from_clients(
        Clients {
            apigateway: client!(aws_sdk_apigateway),
            apigatewayv2: client!(aws_sdk_apigatewayv2),
            ec2: client!(aws_sdk_ec2),
            sts: client!(aws_sdk_sts),
            dynamodb: client!(aws_sdk_dynamodb),
            cloudtrail: client!(aws_sdk_cloudtrail),
            apigatewaymanagement: client!(aws_sdk_apigatewaymanagement),
            sns: client!(aws_sdk_sns),
            eventbridge: client!(aws_sdk_eventbridge),
            logs: client!(aws_sdk_cloudwatchlogs),
            elbv2: client!(aws_sdk_elasticloadbalancingv2),
            acm: client!(aws_sdk_acm),
            endpoint_url: Some(moto.endpoint().to_string()),
        },
        REGION.to_string(),
    )
}

/// A situation that reaches some of the operations.
#[derive(Debug, Clone, Copy)]
enum Scenario {
    /// A sweep of the region (dry run), before the other scenarios add their APIs; its report
    /// is sent to a topic and a bus.
    Sweep,
    /// An API in a member account, read through the member role.
    MemberAccount,
    /// A private REST API named by its name, with three repairs applied under a lock table.
    RestRepairs,
    /// The same API's network behind a prefix-list rule, diagnosed.
    PrefixList,
    /// A WebSocket stage with logging off, repaired, and a live connection the event names.
    WebSocketLogging,
    /// A WebSocket integration without the connectionId header, repaired. One repair per
    /// scenario: the read faults share a copy, which a second, unaffected repair would change.
    WebSocketHeader,
    /// A live lock another run holds on the redeploy.
    LockHeld,
    /// A route added to an HTTP API after its stage's deployment, found in CloudTrail and
    /// redeployed.
    HttpRedeploy,
    /// A bare 403 "Forbidden" through a custom domain name with no mapping for the path, on an
    /// API whose GET /items requires an API key and whose usage plan holds only a disabled key:
    /// the domain names, their mappings, the usage plans, their keys and the keys' state are
    /// read.
    CustomDomain,
    /// A person asks to reproduce GET /items (`TestInvokeMethod`), whose log names a cause.
    Probe,
    /// A 5xx on a REST API whose private integration goes through a VPC link V1 to a Network
    /// Load Balancer: the link, the load balancer, its listener, target health, the endpoint
    /// service and its connections are read.
    VpcLinkV1,
    /// The same through a VPC link V2 to an Application Load Balancer's HTTPS listener whose
    /// rule forwards: v1 does not know the link, so v2 is asked; the rules, the certificate and
    /// the link's security groups are read.
    VpcLinkV2,
    /// A FAILED v1 link named by a stage variable and by an integration directly, recreated:
    /// the links are listed for a replacement, one is created, both uses repointed.
    VpcLinkRepairV1,
    /// A FAILED v2 link of a REST API, recreated through API Gateway v2.
    VpcLinkRepairV2,
}

const SCENARIOS: [Scenario; 14] = [
    Scenario::Sweep,
    Scenario::MemberAccount,
    Scenario::RestRepairs,
    Scenario::PrefixList,
    Scenario::WebSocketLogging,
    Scenario::WebSocketHeader,
    Scenario::LockHeld,
    Scenario::HttpRedeploy,
    Scenario::CustomDomain,
    Scenario::Probe,
    Scenario::VpcLinkV1,
    Scenario::VpcLinkV2,
    Scenario::VpcLinkRepairV1,
    Scenario::VpcLinkRepairV2,
];

const LOCK_TABLE: &str = "matrix-locks";
/// How long an attempt of the operation under the Timeout fault waits for its silent port.
const FAULT_TIMEOUT: Duration = Duration::from_millis(400);
/// What tests/moto/inbox.py creates.
const REPORT_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:doctor-reports";
const REPORT_BUS: &str = "ops";
const MEMBER: &str = "111122223333";

/// Seeds a fresh copy of the scenario (named `name`) and returns its event and configuration.
async fn prepare(moto: &Moto, scenario: Scenario, name: &str) -> (Value, Config) {
    let apply = || {
        config(&[
            ("APIGW_DOCTOR_MODE", "apply"),
            (
                "APIGW_DOCTOR_ACTIONS",
                "redeploy_stage,enable_private_dns,enable_execution_logging,add_integration_header",
            ),
            ("APIGW_DOCTOR_LOCK_TABLE", LOCK_TABLE),
        ])
    };
    match scenario {
        Scenario::RestRepairs | Scenario::LockHeld => {
            let ids = moto.seed(&[
                "private",
                "--name",
                name,
                "--private-dns-off",
                "--undeployed-change",
                "--logging-off",
            ]);
            let api = id(&ids, "api_id");
            if let Scenario::LockHeld = scenario {
                let aws = faulty_aws(moto, None).await;
                let vpce = id(&ids, "vpce_id");
                foreign_lock(&aws, LOCK_TABLE, Action::EnablePrivateDns, &vpce, 600).await;
            }
            let event = json!({
                "api_name": name,
                "client": { "vpc_id": id(&ids, "vpc_id") },
                "request": {
                    "url": format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/items"),
                    "method": "GET"
                }
            });
            (event, apply())
        }
        Scenario::PrefixList => {
            let ids = moto.seed(&["private", "--name", name, "--sg-prefix-list", "vpc"]);
            let event =
                json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } });
            (event, config(&[]))
        }
        Scenario::WebSocketLogging => {
            // Live in the fault-free run: a failed lookup that claimed "gone" would show.
            let connection = format!("{name}=");
            let ids = moto.seed(&[
                "v2",
                "--name",
                name,
                "--logging-off",
                "--ws-connection",
                &connection,
            ]);
            let event = json!({ "api_id": id(&ids, "ws_api_id"), "connection_id": connection });
            (event, apply())
        }
        Scenario::WebSocketHeader => {
            // An authorizer beyond `$connect`: the only case its authorizers are read.
            let ids = moto.seed(&[
                "v2",
                "--name",
                name,
                "--ws-no-connection-id",
                "--ws-authorizer-on-route",
            ]);
            (json!({ "api_id": id(&ids, "ws_api_id") }), apply())
        }
        Scenario::Sweep => {
            moto.seed(&["v2", "--name", name]);
            let sent_on = config(&[
                ("APIGW_DOCTOR_REPORT_TOPIC_ARN", REPORT_TOPIC),
                ("APIGW_DOCTOR_EVENT_BUS", REPORT_BUS),
            ]);
            (json!({ "sweep": true }), sent_on)
        }
        Scenario::MemberAccount => {
            let ids = moto.seed(&["public", "--name", name, "--account", MEMBER]);
            let event = json!({ "api_id": id(&ids, "api_id"), "account": MEMBER });
            (
                event,
                config(&[("APIGW_DOCTOR_MEMBER_ROLE_NAME", "apigw-doctor-member")]),
            )
        }
        Scenario::HttpRedeploy => {
            let ids = moto.seed(&["v2", "--name", name, "--v2-undeployed-change"]);
            (json!({ "api_id": id(&ids, "http_api_id") }), apply())
        }
        Scenario::CustomDomain => {
            let ids = moto.seed(&[
                "public",
                "--name",
                name,
                "--custom-domain",
                "orders",
                "--api-key-required",
                "disabled-key",
            ]);
            let event = json!({
                "api_id": id(&ids, "api_id"),
                "error": { "status": 403, "error_type": "ForbiddenException", "message": "Forbidden" },
                "request": { "url": format!("https://{}/items", id(&ids, "domain_name")), "method": "GET" },
            });
            (event, config(&[]))
        }
        Scenario::Probe => {
            let ids = moto.seed(&[
                "public",
                "--name",
                name,
                "--test-invoke-status",
                "504",
                "--test-invoke-line",
                "Execution failed due to configuration error: Connection timed out",
            ]);
            let api = id(&ids, "api_id");
            let event = json!({
                "api_id": api,
                "probe": true,
                "request": { "url": format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/items") },
            });
            (event, config(&[]))
        }
        Scenario::VpcLinkV1 | Scenario::VpcLinkV2 => {
            let mut args = vec!["vpc-link", "--name", name];
            if let Scenario::VpcLinkV2 = scenario {
                args.extend([
                    "--link-version",
                    "v2",
                    "--alb",
                    "--tls",
                    "api.example.com",
                    "--tls-host",
                    "api.example.com",
                ]);
            }
            let ids = moto.seed(&args);
            let event = json!({ "api_id": id(&ids, "api_id"), "symptom": "server-error" });
            (event, config(&[]))
        }
        Scenario::VpcLinkRepairV1 | Scenario::VpcLinkRepairV2 => {
            let version = if let Scenario::VpcLinkRepairV1 = scenario {
                "v1"
            } else {
                "v2"
            };
            let mut args = vec![
                "vpc-link",
                "--name",
                name,
                "--link-version",
                version,
                "--direct-post",
                "--link-status",
                "FAILED",
            ];
            if version == "v1" {
                args.push("--link-stage-variable");
            }
            let ids = moto.seed(&args);
            let event = json!({ "api_id": id(&ids, "api_id"), "symptom": "server-error" });
            let repair = config(&[
                ("APIGW_DOCTOR_MODE", "apply"),
                ("APIGW_DOCTOR_ACTIONS", "recreate_vpc_link"),
                ("APIGW_DOCTOR_LOCK_TABLE", LOCK_TABLE),
            ]);
            (event, repair)
        }
    }
}

/// One run: the report as JSON and the operations sent.
async fn run(aws: Aws, event: &Value, config: Config) -> (Value, BTreeSet<String>) {
    let doctor = Doctor {
        config,
        aws: Some(aws),
    };
    let outcome = handler::handle(&doctor, event, Invocation::default())
        .await
        .expect("the event is valid");
    let report = serde_json::to_value(&outcome.report).expect("the report serializes");
    let sent = doctor
        .aws
        .as_ref()
        .map(|aws| aws.operations_sent().into_keys().collect())
        .unwrap_or_default();
    (report, sent)
}

fn codes(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

/// Operations whose response carries nothing to read: a malformed body cannot be told from
/// success there (the SDK reads no output), so the malformed case does not apply to them.
const NO_OUTPUT: [&str; 3] = [
    "apigateway:TagResource",
    "apigatewayv2:TagResource",
    "ec2:CreateTags",
];

/// What must hold after `fault` on `operation` (see the module docs); `Err` says what did not.
fn judge(
    operation: &str,
    fault: Fault,
    report: &Value,
    sent: &BTreeSet<String>,
    baseline: &Value,
) -> Result<(), String> {
    let case = format!("{operation} under {fault:?}");
    if !sent.contains(operation) {
        return Err(format!(
            "{case}: the operation was not reached (actions: {}; incomplete: {})",
            report["actions"], report["incomplete"]
        ));
    }
    let extra: Vec<String> = codes(report)
        .difference(&codes(baseline))
        .cloned()
        .collect();
    if !extra.is_empty() {
        return Err(format!(
            "{case}: findings the fault-free run did not make: {extra:?}"
        ));
    }
    let in_incomplete = report["incomplete"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|i| i["step"].as_str().is_some_and(|s| s.starts_with(operation)));
    let in_action = report["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|a| a["reason"].as_str().is_some_and(|r| r.contains(operation)));
    let written: Vec<&String> = sent
        .iter()
        .filter(|op| access(op) == Some(Access::Write))
        .collect();
    match access(operation) {
        // Only the holder of a lock is read: the locked change stays undone.
        Some(Access::Read) if operation == "dynamodb:GetItem" => {
            if sent.contains("ec2:ModifyVpcEndpoint") {
                return Err(format!("{case}: the locked change was made"));
            }
        }
        // A diagnosis read: in incomplete, and then nothing at all is written.
        Some(Access::Read) if in_incomplete => {
            if !written.is_empty() {
                return Err(format!("{case}: wrote {written:?} on incomplete evidence"));
            }
        }
        // A re-read right before or after a write: the action says it could not read.
        Some(Access::Read) if in_action => {}
        Some(Access::Read) => {
            return Err(format!(
                "{case}: neither incomplete nor an action names it: {}",
                report["incomplete"]
            ))
        }
        Some(Access::Write) if in_action || in_incomplete => {}
        // Sending the report on: the report says it was not sent.
        Some(Access::Notify) if in_incomplete => {}
        Some(Access::Notify) => {
            return Err(format!("{case}: the failed send is not in incomplete"))
        }
        // A probe that fails is evidence not gathered: incomplete, never a silent pass.
        Some(Access::Probe) if in_incomplete => {}
        Some(Access::Probe) => {
            return Err(format!("{case}: the failed probe is not in incomplete"))
        }
        Some(Access::Write) => {
            return Err(format!(
                "{case}: no action or incomplete entry names it: {:#}",
                report["actions"]
            ))
        }
        None => return Err(format!("{case}: not in OPERATIONS")),
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault_keeps_the_report_honest_and_changes_nothing_unseen() {
    let moto = Moto::start();
    create_lock_table(&faulty_aws(&moto, None).await, LOCK_TABLE).await;
    let places = moto.inbox(&["create"]);
    assert_eq!(
        (id(&places, "topic_arn"), id(&places, "bus")),
        (REPORT_TOPIC.to_string(), REPORT_BUS.to_string())
    );
    let port = silent_port();
    let mut reached = BTreeSet::new();
    let mut problems = Vec::new();
    let mut runs = 0;
    for scenario in SCENARIOS {
        let name = format!("base-{scenario:?}").to_ascii_lowercase();
        let (event, config) = prepare(&moto, scenario, &name).await;
        let (baseline, sent) = run(faulty_aws(&moto, None).await, &event, config).await;
        // A failed read changes nothing, so the read faults share one copy of the scenario;
        // every write fault gets a fresh one.
        let shared = prepare(
            &moto,
            scenario,
            &format!("reads-{scenario:?}").to_ascii_lowercase(),
        )
        .await;
        for operation in &sent {
            if !reached.insert(operation.clone()) {
                continue;
            }
            for fault in FAULTS {
                if fault == Fault::Malformed && NO_OUTPUT.contains(&operation.as_str()) {
                    continue;
                }
                runs += 1;
                let (event, config) = match access(operation) {
                    Some(Access::Read) if operation != "dynamodb:GetItem" => shared.clone(),
                    _ => prepare(&moto, scenario, &format!("m{runs}")).await,
                };
                let injector = Injector {
                    operation: operation.clone(),
                    fault,
                    silent_port: port,
                };
                let (report, sent) =
                    run(faulty_aws(&moto, Some(injector)).await, &event, config).await;
                if let Err(problem) = judge(operation, fault, &report, &sent, &baseline) {
                    problems.push(problem);
                }
            }
        }
    }
    let unreached: Vec<&str> = OPERATIONS
        .iter()
        .map(|(op, _)| *op)
        .filter(|op| !reached.contains(*op))
        .collect();
    assert!(
        problems.is_empty() && unreached.is_empty(),
        "no scenario reaches {unreached:?}; {} of {runs} cases failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
