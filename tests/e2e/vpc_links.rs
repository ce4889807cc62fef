//! Private integrations on moto: a REST API's GET /items through a VPC link (v1 or v2) to a
//! Network Load Balancer, read once per run and judged for every check of the VPC-link area,
//! firing and quiet (the link's status, the targets' health and the endpoint connection come
//! from tests/moto/ext.py gaps 17-20).

use crate::support::{assert_listed, codes, findings, id, Moto};
use serde_json::{json, Value};

/// The VPC-link area's codes in the report, in its order.
const AREA: [&str; 11] = [
    "VPC_LINK_FAILED",
    "VPC_LINK_INACTIVE",
    "VPC_LINK_NOT_READY",
    "VPC_LINK_NOT_FOUND",
    "VPC_LINK_TARGET_MISSING",
    "VPC_LINK_LISTENER_MISSING",
    "VPC_LINK_TARGETS_UNHEALTHY",
    "VPC_LINK_ENDPOINT_CONNECTION_NOT_AVAILABLE",
    "VPC_LINK_SG_BLOCKS",
    "INTEGRATION_TLS_NAME_MISMATCH",
    "INTEGRATION_TLS_CERT_EXPIRED",
];

fn area(report: &Value) -> Vec<String> {
    codes(report)
        .into_iter()
        .filter(|c| AREA.contains(&c.as_str()))
        .collect()
}

/// A 5XXError incident on the seeded API.
fn server_error(ids: &Value) -> Value {
    json!({ "api_id": id(ids, "api_id"), "symptom": "server-error" })
}

/// Seeds `args` on a fresh emulator and diagnoses a 5xx on the API.
async fn diagnose(args: &[&str]) -> (Value, Value) {
    let moto = Moto::start();
    let ids = moto.seed(args);
    let report = moto.report(&server_error(&ids)).await;
    (ids, report)
}

#[tokio::test]
async fn a_healthy_v1_path_is_read_once_and_quiet() {
    let moto = Moto::start();
    let ids = moto.seed(&["vpc-link", "--unused-target"]);
    let (report, aws) = moto.report_counting(&server_error(&ids)).await;
    assert_eq!(area(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    let sent = aws.operations_sent();
    for operation in [
        "apigateway:GetVpcLink",
        "elasticloadbalancingv2:DescribeLoadBalancers",
        "elasticloadbalancingv2:DescribeListeners",
        "elasticloadbalancingv2:DescribeTargetHealth",
        "ec2:DescribeVpcEndpointServiceConfigurations",
        "ec2:DescribeVpcEndpointConnections",
    ] {
        assert_eq!(sent.get(operation), Some(&1), "{operation}: {sent:?}");
    }
    // A v1 link is found by v1: the v2 lookup is never made.
    assert_eq!(sent.get("apigatewayv2:GetVpcLink"), None, "{sent:?}");
    // The NLB's TCP listener has no rules and serves no certificate: neither is asked for.
    for operation in [
        "elasticloadbalancingv2:DescribeRules",
        "elasticloadbalancingv2:DescribeListenerCertificates",
    ] {
        assert_eq!(sent.get(operation), None, "{operation}: {sent:?}");
    }
    assert_listed(&aws);
}

#[tokio::test]
async fn a_failed_link_leads_a_5xx_with_its_status_message() {
    let (ids, report) = diagnose(&[
        "vpc-link",
        "--link-status",
        "FAILED:NLB ARN is malformed or does not exist",
    ])
    .await;
    assert_eq!(codes(&report)[0], "VPC_LINK_FAILED", "{report:#}");
    let failed = findings(&report, "VPC_LINK_FAILED");
    assert_eq!(failed[0]["resource"], id(&ids, "vpc_link_id"));
    assert_eq!(
        failed[0]["evidence"]["status_message"],
        "NLB ARN is malformed or does not exist"
    );
    assert_eq!(failed[0]["evidence"]["integrations"], json!(["GET /items"]));
    assert_eq!(
        failed[0]["remedy"],
        json!({ "action": "recreate_vpc_link" })
    );
}

#[tokio::test]
async fn an_inactive_v2_link_is_a_warning() {
    let (_, report) = diagnose(&[
        "vpc-link",
        "--link-version",
        "v2",
        "--link-status",
        "INACTIVE",
    ])
    .await;
    assert_eq!(area(&report), ["VPC_LINK_INACTIVE"], "{report:#}");
    assert_eq!(
        findings(&report, "VPC_LINK_INACTIVE")[0]["severity"],
        "warning"
    );
}

#[tokio::test]
async fn a_pending_link_is_not_ready() {
    let (_, report) = diagnose(&["vpc-link", "--link-status", "PENDING"]).await;
    assert_eq!(area(&report), ["VPC_LINK_NOT_READY"], "{report:#}");
}

#[tokio::test]
async fn stage_variables_name_a_link_per_stage() {
    let moto = Moto::start();
    let ids = moto.seed(&["vpc-link", "--link-stage-variable"]);
    let quiet = moto.report(&server_error(&ids)).await;
    assert_eq!(area(&quiet), Vec::<String>::new(), "{quiet:#}");
    // Only beta's link fails: prod's findings stay quiet.
    moto.post(
        "/moto-api/apigw-doctor/vpc-link-status",
        &json!({ "vpc_link_id": id(&ids, "beta_vpc_link_id"), "status": "FAILED" }),
    );
    let report = moto.report(&server_error(&ids)).await;
    let failed = findings(&report, "VPC_LINK_FAILED");
    assert_eq!(failed.len(), 1, "{report:#}");
    assert_eq!(failed[0]["stage"], "beta");
    assert_eq!(failed[0]["resource"], id(&ids, "beta_vpc_link_id"));
}

#[tokio::test]
async fn a_deleted_load_balancer_is_target_missing() {
    let (ids, report) = diagnose(&["vpc-link", "--lb-deleted"]).await;
    let missing = findings(&report, "VPC_LINK_TARGET_MISSING");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["resource"], id(&ids, "nlb_arn"));
}

#[tokio::test]
async fn a_listener_on_another_port_is_listener_missing() {
    let (_, report) = diagnose(&["vpc-link", "--listener-port", "8443"]).await;
    let missing = findings(&report, "VPC_LINK_LISTENER_MISSING");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(missing[0]["evidence"]["listener_ports"], json!([8443]));
    assert_eq!(missing[0]["evidence"]["wanted"], "port 80");
}

#[tokio::test]
async fn unhealthy_targets_are_listed_with_their_reasons() {
    let (_, report) = diagnose(&["vpc-link", "--targets-unhealthy", "--unused-target"]).await;
    assert_eq!(area(&report), ["VPC_LINK_TARGETS_UNHEALTHY"], "{report:#}");
    let targets = &findings(&report, "VPC_LINK_TARGETS_UNHEALTHY")[0]["evidence"]["target_groups"]
        [0]["targets"];
    let seen: Vec<(String, String)> = targets
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap_or_default().to_string(),
                t["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(
        seen.contains(&("10.0.1.5".into(), "Target.FailedHealthChecks".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("10.0.3.7".into(), "Target.NotInUse".into())),
        "{seen:?}"
    );
    // Registered targets failing health checks: the load balancer fails open.
    assert_eq!(
        findings(&report, "VPC_LINK_TARGETS_UNHEALTHY")[0]["severity"],
        "warning"
    );
}

#[tokio::test]
async fn a_target_group_an_alb_rule_forwards_to_is_judged() {
    let (_, quiet) = diagnose(&["vpc-link", "--link-version", "v2", "--alb"]).await;
    assert_eq!(area(&quiet), Vec::<String>::new(), "{quiet:#}");
    let (_, report) = diagnose(&[
        "vpc-link",
        "--link-version",
        "v2",
        "--alb",
        "--targets-unhealthy",
    ])
    .await;
    assert_eq!(area(&report), ["VPC_LINK_TARGETS_UNHEALTHY"], "{report:#}");
}

#[tokio::test]
async fn a_rejected_endpoint_connection_fires() {
    let (_, report) = diagnose(&["vpc-link", "--endpoint-connection", "rejected"]).await;
    assert_eq!(
        area(&report),
        ["VPC_LINK_ENDPOINT_CONNECTION_NOT_AVAILABLE"],
        "{report:#}"
    );
}

#[tokio::test]
async fn a_v2_link_without_egress_to_the_listener_is_blocked_and_one_with_it_is_quiet() {
    let (_, quiet) = diagnose(&["vpc-link", "--link-version", "v2"]).await;
    assert_eq!(area(&quiet), Vec::<String>::new(), "{quiet:#}");
    let (ids, report) = diagnose(&["vpc-link", "--link-version", "v2", "--link-sg-blocks"]).await;
    let blocked = findings(&report, "VPC_LINK_SG_BLOCKS");
    assert_eq!(blocked.len(), 1, "{report:#}");
    assert_eq!(blocked[0]["evidence"]["port"], 80);
    assert_eq!(
        blocked[0]["evidence"]["link_security_groups"][0]["group_id"],
        id(&ids, "orders_link_sg_id")
    );
}

#[tokio::test]
async fn the_uri_host_against_the_listener_certificate() {
    let (_, quiet) = diagnose(&[
        "vpc-link",
        "--tls",
        "*.example.com",
        "--tls-host",
        "api.example.com",
    ])
    .await;
    assert_eq!(area(&quiet), Vec::<String>::new(), "{quiet:#}");
    let (_, report) = diagnose(&[
        "vpc-link",
        "--tls",
        "*.example.com",
        "--tls-host",
        "orders.api.example.com",
    ])
    .await;
    let mismatch = findings(&report, "INTEGRATION_TLS_NAME_MISMATCH");
    assert_eq!(mismatch.len(), 1, "{report:#}");
    assert_eq!(mismatch[0]["evidence"]["host"], "orders.api.example.com");
    // A certificate the listener serves by SNI beside its default one covers the host
    // (DescribeListeners names the default only).
    let (_, sni) = diagnose(&[
        "vpc-link",
        "--tls",
        "*.example.com",
        "--tls-extra",
        "orders.api.example.com",
        "--tls-host",
        "orders.api.example.com",
    ])
    .await;
    assert_eq!(area(&sni), Vec::<String>::new(), "{sni:#}");
}

#[tokio::test]
async fn an_expired_listener_certificate_fires() {
    let (ids, report) = diagnose(&[
        "vpc-link",
        "--tls",
        "api.example.com",
        "--tls-host",
        "api.example.com",
        "--cert-expired",
    ])
    .await;
    let expired = findings(&report, "INTEGRATION_TLS_CERT_EXPIRED");
    assert_eq!(expired.len(), 1, "{report:#}");
    assert_eq!(expired[0]["resource"], id(&ids, "certificate_arn"));
}

/// An HTTP API's integration no route invokes is not judged (its routes are read because it has
/// a VPC-link integration): the unused one names a listener that is gone, the used one works.
#[tokio::test]
async fn an_http_api_integration_no_route_invokes_is_not_judged() {
    let moto = Moto::start();
    let ids = moto.seed(&["vpc-link", "--link-version", "v2", "--http-api"]);
    let incident = json!({ "api_id": id(&ids, "http_api_id"), "symptom": "server-error" });
    let (report, aws) = moto.report_counting(&incident).await;
    assert_eq!(area(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    assert_eq!(
        aws.operations_sent().get("apigatewayv2:GetRoutes"),
        Some(&1)
    );
    let moto = Moto::start();
    let ids = moto.seed(&[
        "vpc-link",
        "--link-version",
        "v2",
        "--http-api",
        "--http-route-to-missing",
    ]);
    let incident = json!({ "api_id": id(&ids, "http_api_id"), "symptom": "server-error" });
    let report = moto.report(&incident).await;
    let missing = findings(&report, "VPC_LINK_LISTENER_MISSING");
    assert_eq!(missing.len(), 1, "{report:#}");
    assert_eq!(
        missing[0]["evidence"]["integrations"],
        json!([ids["http_integration_ids"][1]])
    );
}
