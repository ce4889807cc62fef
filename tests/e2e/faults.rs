//! SDK-level fault injection: throttling, access denied and server errors keep the report
//! complete and honest (an `incomplete` entry, never a silent pass).

use crate::support::handle_with;
use apigw_doctor::aws::{Aws, Clients};
use apigw_doctor::config::Config;
use aws_sdk_apigateway::operation::get_account::GetAccountOutput;
use aws_sdk_apigateway::operation::get_deployment::GetDeploymentOutput;
use aws_sdk_apigateway::operation::get_deployments::GetDeploymentsOutput;
use aws_sdk_apigateway::operation::get_resources::GetResourcesOutput;
use aws_sdk_apigateway::operation::get_rest_api::{GetRestApiError, GetRestApiOutput};
use aws_sdk_apigateway::operation::get_stages::GetStagesOutput;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, Stage};
use aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsError;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;
use serde_json::json;
use std::collections::BTreeMap;

fn sts() -> aws_sdk_sts::Client {
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("123456789012")
            .build()
    });
    mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&identity])
}

fn private_api() -> GetRestApiOutput {
    GetRestApiOutput::builder()
        .id("a1b2c3d4e5")
        .name("orders")
        .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::Private).build())
        .policy(r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5\/*\"}]}"#)
        .build()
}

fn no_resources() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_apigateway::Client::get_resources)
        .then_output(|| GetResourcesOutput::builder().build())
}

/// The account and deployment reads every REST diagnosis makes, answered with empty results.
fn account_and_deployment() -> [aws_smithy_mocks::Rule; 2] {
    [
        mock!(aws_sdk_apigateway::Client::get_account)
            .then_output(|| GetAccountOutput::builder().build()),
        mock!(aws_sdk_apigateway::Client::get_deployment)
            .then_output(|| GetDeploymentOutput::builder().id("d1").build()),
    ]
}

/// Wraps the given clients; HTTP/WebSocket, DynamoDB, the Management API, SNS, EventBridge,
/// Elastic Load Balancing and ACM must not be called,
/// CloudTrail has no record of a policy change, and CloudWatch Logs holds no matching line.
fn aws(apigateway: aws_sdk_apigateway::Client, ec2: aws_sdk_ec2::Client) -> Aws {
    let no_events = mock!(aws_sdk_cloudtrail::Client::lookup_events).then_output(|| {
        aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput::builder().build()
    });
    // No log group holds anything of the incident.
    let no_log_events =
        mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_output(|| {
            aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput::builder()
                .build()
        });
    Aws::from_clients(
        Clients {
            apigateway,
            apigatewayv2: mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, &[]),
            ec2,
            sts: sts(),
            dynamodb: mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[]),
            cloudtrail: mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, &[&no_events]),
            apigatewaymanagement: mock_client!(
                aws_sdk_apigatewaymanagement,
                RuleMode::MatchAny,
                &[]
            ),
            sns: mock_client!(aws_sdk_sns, RuleMode::MatchAny, &[]),
            eventbridge: mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &[]),
            logs: mock_client!(
                aws_sdk_cloudwatchlogs,
                RuleMode::MatchAny,
                &[&no_log_events]
            ),
            elbv2: mock_client!(aws_sdk_elasticloadbalancingv2, RuleMode::MatchAny, &[]),
            acm: mock_client!(aws_sdk_acm, RuleMode::MatchAny, &[]),
            endpoint_url: None,
        },
        "us-east-1".into(),
    )
}

fn apigateway_with_private_api() -> aws_sdk_apigateway::Client {
    let api = mock!(aws_sdk_apigateway::Client::get_rest_api).then_output(private_api);
    let stages = mock!(aws_sdk_apigateway::Client::get_stages).then_output(|| {
        GetStagesOutput::builder()
            .item(
                Stage::builder()
                    .stage_name("prod")
                    .deployment_id("d1")
                    .build(),
            )
            .build()
    });
    let deployments = mock!(aws_sdk_apigateway::Client::get_deployments)
        .then_output(|| GetDeploymentsOutput::builder().build());
    let [account, deployment] = account_and_deployment();
    mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        &[
            &api,
            &stages,
            &deployments,
            &no_resources(),
            &account,
            &deployment
        ]
    )
}

/// EC2 with no VPC endpoint in the region.
fn no_endpoints() -> aws_sdk_ec2::Client {
    let endpoints = mock!(aws_sdk_ec2::Client::describe_vpc_endpoints).then_output(|| {
        aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsOutput::builder()
            .build()
    });
    mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &[&endpoints])
}

fn config() -> Config {
    Config::from_vars(&BTreeMap::new()).expect("defaults")
}

#[tokio::test]
async fn throttled_endpoint_reads_are_incomplete_not_silent() {
    let throttled = mock!(aws_sdk_ec2::Client::describe_vpc_endpoints).then_error(|| {
        DescribeVpcEndpointsError::generic(
            ErrorMetadata::builder()
                .code("RequestLimitExceeded")
                .message("Request limit exceeded.")
                .build(),
        )
    });
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &[&throttled]);
    let aws = aws(apigateway_with_private_api(), ec2);
    let outcome = handle_with(aws, config(), &json!({ "api_id": "a1b2c3d4e5" })).await;
    assert_eq!(outcome.fatal, None);
    let report = serde_json::to_value(&outcome.report).expect("json");
    assert_eq!(report["incomplete"][0]["step"], "ec2:DescribeVpcEndpoints");
    assert_eq!(report["incomplete"][0]["error"], "RequestLimitExceeded");
    assert_eq!(
        outcome.report.exit_code(),
        1,
        "an incomplete run is never exit 0"
    );
    let endpoint_codes = [
        "EXECUTE_API_ENDPOINT_MISSING",
        "VPC_ENDPOINT_NOT_AVAILABLE",
        "VPC_ENDPOINT_PRIVATE_DNS_DISABLED",
    ];
    for finding in report["findings"].as_array().expect("findings") {
        assert!(
            !endpoint_codes.contains(&finding["code"].as_str().unwrap_or_default()),
            "guessed without endpoints: {finding}"
        );
    }
    assert_eq!(report["targets"][0]["api_id"], "a1b2c3d4e5");
}

#[tokio::test]
async fn access_denied_on_the_target_is_fatal_with_the_reason() {
    let denied = mock!(aws_sdk_apigateway::Client::get_rest_api).then_error(|| {
        GetRestApiError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: arn:aws:sts::123456789012:assumed-role/doctor/x is not authorized to perform: apigateway:GET")
                .build(),
        )
    });
    let apigateway = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &[&denied]);
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &[]);
    let aws = aws(apigateway, ec2);
    let outcome = handle_with(aws, config(), &json!({ "api_id": "a1b2c3d4e5" })).await;
    let reason = outcome.fatal.expect("an unreadable target is fatal");
    assert!(
        reason.contains("apigateway:GetRestApi") && reason.contains("AccessDeniedException"),
        "{reason}"
    );
    assert_eq!(outcome.report.incomplete[0].error, "AccessDeniedException");
    assert!(outcome.report.findings.is_empty());
}

#[tokio::test]
async fn a_server_error_on_stages_is_incomplete() {
    let api = mock!(aws_sdk_apigateway::Client::get_rest_api).then_output(private_api);
    let stages = mock!(aws_sdk_apigateway::Client::get_stages).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(503).expect("status"),
            aws_smithy_types::body::SdkBody::from(r#"{"message":"Service Unavailable"}"#),
        )
    });
    let deployments = mock!(aws_sdk_apigateway::Client::get_deployments)
        .then_output(|| GetDeploymentsOutput::builder().build());
    let [account, deployment] = account_and_deployment();
    let apigateway = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        &[
            &api,
            &stages,
            &deployments,
            &no_resources(),
            &account,
            &deployment
        ]
    );
    let ec2 = no_endpoints();
    let aws = aws(apigateway, ec2);
    let outcome = handle_with(aws, config(), &json!({ "api_id": "a1b2c3d4e5" })).await;
    assert_eq!(outcome.fatal, None);
    assert!(
        outcome
            .report
            .incomplete
            .iter()
            .any(|i| i.step == "apigateway:GetStages"),
        "{:?}",
        outcome.report.incomplete
    );
}

/// A probe AWS refuses (no `AllowProbe` grant) is evidence not gathered: `incomplete` under
/// its step and exit 1, never a silent pass; what was sent is the stage's own request.
#[tokio::test]
async fn access_denied_on_the_probe_is_incomplete_never_a_silent_pass() {
    use aws_sdk_apigateway::operation::test_invoke_method::TestInvokeMethodError;
    use aws_sdk_apigateway::types::{Method, Resource};
    let api = mock!(aws_sdk_apigateway::Client::get_rest_api).then_output(private_api);
    let stages = mock!(aws_sdk_apigateway::Client::get_stages).then_output(|| {
        GetStagesOutput::builder()
            .item(
                Stage::builder()
                    .stage_name("prod")
                    .deployment_id("d1")
                    .variables("backend", "v2")
                    .build(),
            )
            .build()
    });
    let resources = mock!(aws_sdk_apigateway::Client::get_resources).then_output(|| {
        GetResourcesOutput::builder()
            .items(
                Resource::builder()
                    .id("r1")
                    .path("/items")
                    .resource_methods(
                        "GET",
                        Method::builder()
                            .http_method("GET")
                            .authorization_type("NONE")
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let deployments = mock!(aws_sdk_apigateway::Client::get_deployments)
        .then_output(|| GetDeploymentsOutput::builder().build());
    let denied = mock!(aws_sdk_apigateway::Client::test_invoke_method)
        .match_requests(|sent| {
            sent.resource_id() == Some("r1")
                && sent.http_method() == Some("GET")
                && sent.path_with_query_string() == Some("/items?a=1")
                && sent
                    .stage_variables()
                    .is_some_and(|v| v.get("backend").map(String::as_str) == Some("v2"))
        })
        .then_error(|| {
            TestInvokeMethodError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: arn:aws:sts::123456789012:assumed-role/doctor/x is not authorized to perform: apigateway:POST")
                    .build(),
            )
        });
    let [account, deployment] = account_and_deployment();
    let apigateway = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        &[
            &api,
            &stages,
            &deployments,
            &resources,
            &account,
            &deployment,
            &denied
        ]
    );
    let ec2 = no_endpoints();
    let event = json!({
        "api_id": "a1b2c3d4e5", "probe": true,
        "request": { "url": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/items?a=1" },
    });
    let outcome = handle_with(aws(apigateway, ec2), config(), &event).await;
    assert_eq!(outcome.fatal, None);
    let probe = outcome
        .report
        .incomplete
        .iter()
        .find(|i| i.step == "apigateway:TestInvokeMethod")
        .unwrap_or_else(|| panic!("{:?}", outcome.report.incomplete));
    assert_eq!(probe.error, "AccessDeniedException");
    assert_eq!(outcome.report.exit_code(), 1);
    assert!(outcome
        .report
        .findings
        .iter()
        .all(|f| f.evidence["source"] != "test-invoke"));
}
