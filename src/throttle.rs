//! API Gateway's own word on when to try again: a throttled request's `Retry-After` is the
//! delay of the SDK's next attempt, and holds every later API Gateway call of the process.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A server may ask for anything; a pause longer than this is the deadline's business.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// The delay a throttled answer asks for: API Gateway's `TooManyRequestsException` is a 429
/// whose `retryAfterSeconds` travels in the `Retry-After` header, in whole seconds
/// (<https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html>; the service model's
/// `TooManyRequestsException.retryAfterSeconds`, `location: header`). Anything else: none.
pub fn retry_after(response: &HttpResponse) -> Option<Duration> {
    if response.status().as_u16() != 429 {
        return None;
    }
    let seconds: u64 = response.headers().get("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds).min(LONGEST_PAUSE))
}

/// Makes the SDK's next attempt of a throttled request wait what the server asked (the
/// standard strategy otherwise backs off by its own schedule, shorter than API Gateway's
/// usual `Retry-After`, and spends the attempt on another 429).
#[derive(Debug, Default)]
pub struct RetryAfterClassifier;

impl ClassifyRetry for RetryAfterClassifier {
    fn classify_retry(&self, context: &InterceptorContext) -> RetryAction {
        context
            .response()
            .and_then(retry_after)
            .map_or(RetryAction::NoActionIndicated, |delay| {
                RetryAction::retryable_error_with_explicit_delay(ErrorKind::ThrottlingError, delay)
            })
    }

    /// Keeps a verdict that forbids the retry; otherwise adds the server's delay.
    fn classify_retry_v2(
        &self,
        context: &InterceptorContext,
        previous: &RetryAction,
    ) -> RetryAction {
        match (previous, self.classify_retry(context)) {
            (RetryAction::RetryForbidden, _) | (_, RetryAction::NoActionIndicated) => {
                previous.clone()
            }
            (_, delayed) => delayed,
        }
    }

    fn name(&self) -> &'static str {
        "apigw-doctor-retry-after"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(
            RetryClassifierPriority::modeled_as_retryable_classifier(),
        )
    }
}

/// When API Gateway said the account may call again: shared by every client of one account.
#[derive(Debug, Clone, Default)]
pub struct ServerPause(Arc<Mutex<Option<Instant>>>);

impl ServerPause {
    /// Holds calls until `until`, unless a longer pause is already in force.
    pub fn hold_until(&self, until: Instant) {
        if let Ok(mut held) = self.0.lock() {
            if held.is_none_or(|current| current < until) {
                *held = Some(until);
            }
        }
    }

    /// When calls may resume, if a pause is in force.
    pub fn until(&self) -> Option<Instant> {
        self.0
            .lock()
            .ok()
            .and_then(|held| *held)
            .filter(|until| *until > Instant::now())
    }

    /// Waits out the pause in force, if any.
    pub async fn wait(&self) {
        if let Some(until) = self.until() {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// Feeds each throttled answer's `Retry-After` to the process's pause.
#[derive(Debug, Clone, Default)]
pub struct RetryAfterInterceptor {
    pub pause: ServerPause,
}

impl Intercept for RetryAfterInterceptor {
    fn name(&self) -> &'static str {
        "apigw-doctor-retry-after"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(delay) = retry_after(context.response()) {
            self.pause.hold_until(Instant::now() + delay);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::interceptors::context::Input;
    use aws_smithy_runtime_api::client::retries::classifiers::RetryReason;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    /// Whether `action` asks for a retry after exactly `delay`.
    fn delayed_by(action: &RetryAction, delay: Duration) -> bool {
        matches!(action, RetryAction::RetryIndicated(RetryReason::RetryableError {
            kind: ErrorKind::ThrottlingError,
            retry_after: Some(d),
        }) if *d == delay)
    }

    fn answer(status: u16, retry_after: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).expect("a status"),
            SdkBody::from(r#"{"message":"Too Many Requests"}"#),
        );
        if let Some(value) = retry_after {
            response
                .headers_mut()
                .insert("Retry-After", value.to_string());
        }
        response
    }

    fn context_with(response: HttpResponse) -> InterceptorContext {
        let mut context = InterceptorContext::new(Input::doesnt_matter());
        context.set_response(response);
        context
    }

    #[test]
    fn a_429_with_retry_after_asks_for_that_many_seconds() {
        assert_eq!(
            retry_after(&answer(429, Some("2"))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(&answer(429, Some(" 7 "))),
            Some(Duration::from_secs(7))
        );
        // An absurd ask is bounded; the invocation's deadline bounds the rest.
        assert_eq!(
            retry_after(&answer(429, Some("86400"))),
            Some(LONGEST_PAUSE)
        );
    }

    #[test]
    fn no_delay_without_a_429_or_a_number_of_seconds() {
        assert_eq!(retry_after(&answer(429, None)), None);
        // An HTTP-date form is not what API Gateway sends; it is not guessed at.
        assert_eq!(
            retry_after(&answer(429, Some("Wed, 21 Oct 2026 07:28:00 GMT"))),
            None
        );
        assert_eq!(retry_after(&answer(503, Some("2"))), None);
        assert_eq!(retry_after(&answer(200, Some("2"))), None);
    }

    #[test]
    fn the_sdk_retry_waits_what_the_server_asked() {
        let classifier = RetryAfterClassifier;
        let throttled = context_with(answer(429, Some("3")));
        let verdict = classifier.classify_retry_v2(&throttled, &RetryAction::throttling_error());
        assert!(delayed_by(&verdict, Duration::from_secs(3)), "{verdict:?}");
        // A verdict forbidding the retry stands; an answer without the header changes nothing.
        let forbidden = classifier.classify_retry_v2(&throttled, &RetryAction::RetryForbidden);
        assert_eq!(forbidden, RetryAction::RetryForbidden);
        let plain = context_with(answer(429, None));
        let kept = classifier.classify_retry_v2(&plain, &RetryAction::throttling_error());
        assert_eq!(kept, RetryAction::throttling_error());
    }

    #[test]
    fn the_longer_pause_wins_and_a_past_one_holds_nothing() {
        let pause = ServerPause::default();
        assert_eq!(pause.until(), None);
        let start = Instant::now();
        pause.hold_until(start + Duration::from_secs(5));
        pause.hold_until(start + Duration::from_secs(2));
        assert_eq!(pause.until(), Some(start + Duration::from_secs(5)));
        let over = ServerPause::default();
        over.hold_until(start - Duration::from_millis(1));
        assert_eq!(over.until(), None);
    }
}
