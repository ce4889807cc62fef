//! AWS clients built once per process, the shared rate limiter, call counting and the deadline.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::BTreeMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

use crate::config::Rate;
use crate::throttle::{RetryAfterClassifier, RetryAfterInterceptor, ServerPause};

pub use crate::failure::{CallFailure, FailureKind};

/// Counts every request the SDK transmits, retries included (SPEC §4 `aws_calls`), and how many
/// of each operation: what was actually sent, for the tests that prove a dry run only read.
#[derive(Debug, Clone, Default)]
struct CallCounter {
    total: Arc<AtomicU64>,
    /// `service:Operation` (as the steps name them) → requests; bounded by the operations the
    /// code calls.
    operations: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "apigw-doctor-call-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Some(operation) = operation_in(cfg) {
            if let Ok(mut operations) = self.operations.lock() {
                *operations.entry(operation).or_default() += 1;
            }
        }
        Ok(())
    }
}

/// The operation a request is for, as the steps name it (`service:Operation`; the SDK's
/// service id "API Gateway", "ApiGatewayV2", "EC2"… lower-cased without spaces).
pub fn operation_in(cfg: &ConfigBag) -> Option<String> {
    let metadata = cfg.load::<Metadata>()?;
    let service: String = metadata
        .service()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    Some(format!("{service}:{}", metadata.name()))
}

/// Token buckets for API Gateway's account quotas (SPEC §7) and EC2's Describe budget, and
/// the pause API Gateway last asked for.
struct Limits {
    api_gateway: DefaultDirectRateLimiter,
    get_resources: DefaultDirectRateLimiter,
    create_deployment: DefaultDirectRateLimiter,
    create_vpc_link: DefaultDirectRateLimiter,
    ec2: DefaultDirectRateLimiter,
    lookup_events: DefaultDirectRateLimiter,
    server_pause: ServerPause,
}

/// A sweep's own bucket for API Gateway (`APIGW_DOCTOR_SWEEP_RATE_SHARE`), taken before the
/// account's: a sweep never holds more than its share of the quota, so a diagnosis in the same
/// process, and the account's own pipelines, always find the rest.
pub struct SweepShare(DefaultDirectRateLimiter);

impl SweepShare {
    pub fn new(rate: Rate) -> Self {
        SweepShare(per(rate.period, rate.burst))
    }
}

fn per(period: Duration, burst: u32) -> DefaultDirectRateLimiter {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    RateLimiter::direct(quota)
}

impl Limits {
    fn new(server_pause: ServerPause) -> Self {
        Limits {
            api_gateway: per(Duration::from_millis(100), 40),
            get_resources: per(Duration::from_millis(400), 5),
            create_deployment: per(Duration::from_secs(5), 1),
            create_vpc_link: per(Duration::from_secs(15), 1),
            ec2: per(Duration::from_millis(50), 100),
            // CloudTrail LookupEvents: 2 requests per second per account and region.
            lookup_events: per(Duration::from_millis(500), 2),
            server_pause,
        }
    }

    /// Waits for every bucket that applies to `step` (`service:Operation`), a sweep's share
    /// first, and for the end of a pause API Gateway asked for.
    async fn wait(&self, step: &str, sweep: Option<&SweepShare>) {
        let (service, operation) = step.split_once(':').unwrap_or((step, ""));
        match service {
            "apigateway" | "apigatewayv2" => {
                if let Some(SweepShare(share)) = sweep {
                    share.until_ready().await;
                }
                self.server_pause.wait().await;
                self.api_gateway.until_ready().await;
                match operation {
                    "GetResources" => self.get_resources.until_ready().await,
                    "CreateDeployment" => self.create_deployment.until_ready().await,
                    "CreateVpcLink" => self.create_vpc_link.until_ready().await,
                    _ => {}
                }
            }
            "ec2" => self.ec2.until_ready().await,
            "cloudtrail" => self.lookup_events.until_ready().await,
            _ => {}
        }
    }
}

fn classify<E>(step: &str, error: SdkError<E, HttpResponse>) -> CallFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (kind, code, detail) = match &error {
        SdkError::DispatchFailure(failure) if failure.is_timeout() || failure.is_io() => (
            FailureKind::Unreachable,
            "Unreachable".to_string(),
            error_chain(&error),
        ),
        SdkError::DispatchFailure(_) => (
            FailureKind::Other,
            "DispatchFailure".to_string(),
            error_chain(&error),
        ),
        SdkError::TimeoutError(_) => (
            FailureKind::Unreachable,
            "Timeout".to_string(),
            error_chain(&error),
        ),
        _ => {
            let code = error.code().unwrap_or("Unknown").to_string();
            let detail = error
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| error_chain(&error));
            let kind = match code.as_str() {
                "AccessDenied"
                | "AccessDeniedException"
                | "UnauthorizedOperation"
                | "UnauthorizedException"
                | "UnrecognizedClientException"
                | "InvalidClientTokenId"
                | "AuthFailure"
                | "ExpiredToken" => FailureKind::AccessDenied,
                "TooManyRequestsException"
                | "ThrottlingException"
                | "Throttling"
                | "RequestLimitExceeded"
                | "LimitExceededException" => FailureKind::Throttled,
                c if c.ends_with("NotFound") || c == "NotFoundException" => FailureKind::NotFound,
                _ => FailureKind::Other,
            };
            (kind, code, detail)
        }
    };
    CallFailure {
        step: step.to_string(),
        kind,
        code,
        detail: one_line(&detail),
    }
}

/// The error and its sources on one line (the SDK's top-level message alone says little).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        parts.push(inner.to_string());
        source = inner.source();
    }
    parts.dedup();
    parts.join(": ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One client per service, as built by the caller.
pub struct Clients {
    pub apigateway: aws_sdk_apigateway::Client,
    pub apigatewayv2: aws_sdk_apigatewayv2::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub sts: aws_sdk_sts::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub apigatewaymanagement: aws_sdk_apigatewaymanagement::Client,
    pub sns: aws_sdk_sns::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub acm: aws_sdk_acm::Client,
    /// The one URL every client was pointed at (`AWS_ENDPOINT_URL`, an emulator), if any.
    pub endpoint_url: Option<String>,
}

/// An `Aws` whose every client is `$from`'s, rebuilt with `$with` applied to its configuration
/// builder (`|config| …`), and the remaining fields as given.
macro_rules! each_client {
    ($from:expr, |$config:ident| $with:expr, { $($rest:tt)* }) => {
        Aws {
            apigateway: each_client!(@one $from.apigateway, aws_sdk_apigateway, $config, $with),
            apigatewayv2: each_client!(@one $from.apigatewayv2, aws_sdk_apigatewayv2, $config, $with),
            ec2: each_client!(@one $from.ec2, aws_sdk_ec2, $config, $with),
            sts: each_client!(@one $from.sts, aws_sdk_sts, $config, $with),
            dynamodb: each_client!(@one $from.dynamodb, aws_sdk_dynamodb, $config, $with),
            cloudtrail: each_client!(@one $from.cloudtrail, aws_sdk_cloudtrail, $config, $with),
            apigatewaymanagement: each_client!(
                @one $from.apigatewaymanagement, aws_sdk_apigatewaymanagement, $config, $with
            ),
            sns: each_client!(@one $from.sns, aws_sdk_sns, $config, $with),
            eventbridge: each_client!(@one $from.eventbridge, aws_sdk_eventbridge, $config, $with),
            logs: each_client!(@one $from.logs, aws_sdk_cloudwatchlogs, $config, $with),
            elbv2: each_client!(@one $from.elbv2, aws_sdk_elasticloadbalancingv2, $config, $with),
            acm: each_client!(@one $from.acm, aws_sdk_acm, $config, $with),
            $($rest)*
        }
    };
    (@one $client:expr, $krate:ident, $config:ident, $with:expr) => {{
        let $config = $client.config().to_builder();
        $krate::Client::from_conf($with.build())
    }};
}

/// The AWS clients, built once per process and shared across warm invocations.
#[derive(Clone)]
pub struct Aws {
    pub apigateway: aws_sdk_apigateway::Client,
    pub apigatewayv2: aws_sdk_apigatewayv2::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub sts: aws_sdk_sts::Client,
    /// For the optional lock table (`APIGW_DOCTOR_LOCK_TABLE`).
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// For when a resource policy last changed (`LookupEvents`).
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    /// For whether a WebSocket connection exists (`GetConnection`); its endpoint is each
    /// stage's own URL, set per call (`Aws::connections_endpoint`).
    pub apigatewaymanagement: aws_sdk_apigatewaymanagement::Client,
    /// For the report's summary (`APIGW_DOCTOR_REPORT_TOPIC_ARN`).
    pub sns: aws_sdk_sns::Client,
    /// For the report itself (`APIGW_DOCTOR_EVENT_BUS`).
    pub eventbridge: aws_sdk_eventbridge::Client,
    /// For the named stages' execution and access logs (`FilterLogEvents`).
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// For the load balancers behind VPC links, their listeners, rules and target health.
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// For the names and validity of the load balancers' listener certificates.
    pub acm: aws_sdk_acm::Client,
    pub region: String,
    endpoint_url: Option<String>,
    calls: CallCounter,
    limits: Arc<Limits>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Loads the SDK configuration from the environment (region, endpoint, credentials).
pub async fn load_sdk_config(region: Option<String>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(20))
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    loader.load().await
}

/// Supplementary evidence (CloudTrail history, logs) supports findings but never decides one
/// (SPEC §3): one retry, soon, so a failing service costs one more round trip and not the
/// seconds of the standard back-off; what still fails is a note on the finding.
fn supplementary_retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_millis(200))
}

impl Aws {
    /// Builds every client from one SDK configuration.
    pub fn new(config: &SdkConfig) -> Self {
        let region = config.region().map(|r| r.to_string()).unwrap_or_default();
        Aws::from_clients(
            Clients {
                apigateway: aws_sdk_apigateway::Client::from_conf(
                    aws_sdk_apigateway::config::Builder::from(config)
                        .retry_classifier(RetryAfterClassifier)
                        .build(),
                ),
                apigatewayv2: aws_sdk_apigatewayv2::Client::from_conf(
                    aws_sdk_apigatewayv2::config::Builder::from(config)
                        .retry_classifier(RetryAfterClassifier)
                        .build(),
                ),
                ec2: aws_sdk_ec2::Client::new(config),
                sts: aws_sdk_sts::Client::new(config),
                dynamodb: aws_sdk_dynamodb::Client::new(config),
                cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
                    aws_sdk_cloudtrail::config::Builder::from(config)
                        .retry_config(supplementary_retries())
                        .build(),
                ),
                apigatewaymanagement: aws_sdk_apigatewaymanagement::Client::new(config),
                sns: aws_sdk_sns::Client::new(config),
                eventbridge: aws_sdk_eventbridge::Client::new(config),
                logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                    aws_sdk_cloudwatchlogs::config::Builder::from(config)
                        .retry_config(supplementary_retries())
                        .build(),
                ),
                elbv2: aws_sdk_elasticloadbalancingv2::Client::new(config),
                acm: aws_sdk_acm::Client::new(config),
                endpoint_url: config.endpoint_url().map(str::to_string),
            },
            region,
        )
    }

    /// Wraps existing clients (e.g. fault-injecting ones in tests), adding call counting and the
    /// reading of API Gateway's `Retry-After` to each.
    pub fn from_clients(clients: Clients, region: String) -> Self {
        let calls = CallCounter::default();
        let retry_after = RetryAfterInterceptor::default();
        each_client!(
            clients,
            |config| config.interceptor(calls.clone()).interceptor(retry_after.clone()),
            {
                region,
                endpoint_url: clients.endpoint_url,
                calls: calls.clone(),
                limits: Arc::new(Limits::new(retry_after.pause.clone())),
            }
        )
    }

    /// The same clients working with `credentials` (a member account's role): the calls are
    /// counted with this process's, and the rate limits are the other account's own. The
    /// clients keep their `Retry-After` reader, so the pause is shared; a member's run makes no
    /// API Gateway call in the function's own account, so it holds only the member's calls.
    pub fn with_credentials(&self, credentials: aws_credential_types::Credentials) -> Self {
        let provider = aws_credential_types::provider::SharedCredentialsProvider::new(credentials);
        each_client!(self, |config| config.credentials_provider(provider.clone()), {
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            calls: self.calls.clone(),
            limits: Arc::new(Limits::new(self.limits.server_pause.clone())),
        })
    }

    /// The `@connections` endpoint of a WebSocket stage: the API's own execute-api host in
    /// this region's partition, or under `AWS_ENDPOINT_URL` when every client is pointed there.
    pub fn connections_endpoint(&self, api_id: &str, stage: &str) -> String {
        crate::partition::Partition::of(&self.region).connections_endpoint(
            api_id,
            stage,
            self.endpoint_url.as_deref(),
        )
    }

    /// Requests sent so far by this process's clients.
    pub fn calls(&self) -> u64 {
        self.calls.total.load(Ordering::Relaxed)
    }

    /// Requests sent so far, per `service:Operation` as the SDK names it.
    pub fn operations_sent(&self) -> BTreeMap<String, u64> {
        self.calls
            .operations
            .lock()
            .map(|operations| operations.clone())
            .unwrap_or_default()
    }

    /// A session for one invocation, ending at `deadline`.
    pub fn session(&self, deadline: Option<Instant>) -> Session<'_> {
        Session {
            aws: self,
            deadline,
            sweep: None,
        }
    }
}

/// A call the invocation's deadline stopped (SPEC: `incomplete`, or a `pending` action).
fn deadline_failure(step: &str, detail: &str) -> CallFailure {
    CallFailure {
        step: step.to_string(),
        kind: FailureKind::Deadline,
        code: crate::failure::DEADLINE_CODE.to_string(),
        detail: detail.to_string(),
    }
}

/// How a `Session::scan` ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned<T> {
    Found(T),
    /// Every page was read; nothing was found.
    Exhausted,
    /// The page limit was reached first.
    Capped,
}

/// One invocation's view of the clients: every call is rate-limited and bounded by the deadline.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub aws: &'a Aws,
    deadline: Option<Instant>,
    /// A sweep's share of API Gateway's quota, when this session reads for a sweep.
    sweep: Option<&'a SweepShare>,
}

impl<'a> Session<'a> {
    /// How long until the invocation's deadline (`None`: no deadline, as on the command line).
    pub fn time_left(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// The same deadline on other clients (another account's, or the function's own); the
    /// sweep's share stays with the clients it was given for.
    pub fn on<'b>(&self, aws: &'b Aws) -> Session<'b> {
        Session {
            aws,
            deadline: self.deadline,
            sweep: None,
        }
    }

    /// The same session, its API Gateway calls held to a sweep's share.
    pub fn sweeping(self, share: &'a SweepShare) -> Self {
        Session {
            sweep: Some(share),
            ..self
        }
    }
}

impl Session<'_> {
    /// Sends one request named `step` (`service:Operation`), waiting for the rate limiter first.
    pub async fn call<T, E, F>(&self, step: &str, request: F) -> Result<T, CallFailure>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let attempt = async {
            self.aws.limits.wait(step, self.sweep).await;
            request.await.map_err(|e| classify(step, e))
        };
        match self.deadline {
            None => attempt.await,
            // `timeout_at` polls the request once even when the deadline has passed, and that
            // first poll can already transmit it: a call the report says never happened.
            Some(deadline) if Instant::now() >= deadline => Err(deadline_failure(
                step,
                "the invocation's deadline had passed, so the call was not sent",
            )),
            Some(deadline) => tokio::time::timeout_at(deadline, attempt)
                .await
                .unwrap_or_else(|_| {
                    Err(deadline_failure(
                        step,
                        "the invocation's deadline passed before the call finished",
                    ))
                }),
        }
    }

    /// Sends `step` page by page, each page through `call`, until the service stops returning
    /// a new continuation token; returns every page.
    pub async fn paginate<P, E, F, Fut>(
        &self,
        step: &str,
        request: F,
        next_token: impl Fn(&P) -> Option<&str>,
    ) -> Result<Vec<P>, CallFailure>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<P, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut pages = Vec::new();
        self.scan(step, request, next_token, usize::MAX, |page| {
            pages.push(page);
            None::<()>
        })
        .await?;
        Ok(pages)
    }

    /// Like `paginate`, but hands each page to `visit` and stops at the first page for which it
    /// finds something, or after `max_pages`.
    pub async fn scan<P, E, F, Fut, T>(
        &self,
        step: &str,
        request: F,
        next_token: impl Fn(&P) -> Option<&str>,
        max_pages: usize,
        mut visit: impl FnMut(P) -> Option<T>,
    ) -> Result<Scanned<T>, CallFailure>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: Future<Output = Result<P, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut token: Option<String> = None;
        for _ in 0..max_pages {
            let page = self.call(step, request(token.clone())).await?;
            let next = next_token(&page).map(str::to_string);
            if let Some(found) = visit(page) {
                return Ok(Scanned::Found(found));
            }
            match next {
                Some(next) if Some(&next) != token.as_ref() => token = Some(next),
                _ => return Ok(Scanned::Exhausted),
            }
        }
        Ok(Scanned::Capped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry;

    #[tokio::test]
    async fn a_sweep_spends_only_its_share_and_leaves_the_rest_to_a_diagnosis() {
        let limits = Limits::new(ServerPause::default());
        // One token an hour: nothing refills while the test runs, however slow the machine.
        let share = SweepShare::new(Rate {
            period: Duration::from_secs(3600),
            burst: 3,
        });
        for _ in 0..3 {
            limits.wait("apigateway:GetRestApis", Some(&share)).await;
        }
        assert!(share.0.check().is_err(), "a fourth sweep call waits");
        // The account's bucket (burst 40) still holds what the sweep did not take.
        assert!((0..37).all(|_| limits.api_gateway.check().is_ok()));
    }

    #[tokio::test]
    async fn the_share_holds_only_api_gateway_calls() {
        let limits = Limits::new(ServerPause::default());
        let share = SweepShare::new(Rate {
            period: Duration::from_secs(3600),
            burst: 1,
        });
        limits.wait("ec2:DescribeVpcEndpoints", Some(&share)).await;
        limits.wait("sts:GetCallerIdentity", Some(&share)).await;
        assert!(
            share.0.check().is_ok(),
            "EC2 and STS calls took no sweep token"
        );
    }

    #[tokio::test]
    async fn api_gateway_clients_wait_what_a_throttled_answer_asks() {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .build();
        let aws = Aws::new(&config);
        let ours =
            |c: aws_smithy_runtime_api::client::retries::classifiers::SharedRetryClassifier| {
                c.name() == "apigw-doctor-retry-after"
            };
        assert!(aws.apigateway.config().retry_classifiers().any(ours));
        assert!(aws.apigatewayv2.config().retry_classifiers().any(ours));
        for retry in [
            aws.cloudtrail.config().retry_config(),
            aws.logs.config().retry_config(),
        ] {
            assert_eq!(retry.map(|r| r.max_attempts()), Some(2));
        }
    }
}
