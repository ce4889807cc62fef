//! Reproduces the incident's request inside API Gateway with `TestInvokeMethod`, when a person
//! asked for it and `apigw_doctor_core::probe` allows it. Not a read: the backend is really
//! called, so the call is sent once (no retry) and a failure lands in `incomplete`.

use crate::aws::{CallFailure, Session};
use crate::probe::{ProbeRun, ProbeTarget};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::time::Duration;

/// Longer than API Gateway's default 29-second integration timeout, so a backend that times
/// out is reported by API Gateway (504 and its log), not by this client
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html>).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(35);

/// Runs `target` once and returns what API Gateway answered.
pub async fn run(session: Session<'_>, target: ProbeTarget) -> Result<ProbeRun, CallFailure> {
    let variables = (!target.stage_variables.is_empty())
        .then(|| target.stage_variables.clone().into_iter().collect());
    let out = session
        .call(
            "apigateway:TestInvokeMethod",
            session
                .aws
                .apigateway
                .test_invoke_method()
                .rest_api_id(&target.api_id)
                .resource_id(&target.resource_id)
                .http_method(&target.http_method)
                .path_with_query_string(&target.path_with_query_string)
                .set_stage_variables(variables)
                .customize()
                .config_override(
                    aws_sdk_apigateway::config::Builder::default()
                        .retry_config(RetryConfig::disabled())
                        .timeout_config(
                            TimeoutConfig::builder()
                                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                                .build(),
                        ),
                )
                .send(),
        )
        .await?;
    Ok(ProbeRun {
        status: out.status(),
        latency_ms: out.latency(),
        log: out.log().unwrap_or_default().to_string(),
        target,
    })
}
