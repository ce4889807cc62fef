//! The Lambda entry point: serves the runtime API with one handler for every trigger.

use crate::aws::{self, Aws};
use crate::config::Config;
use crate::handler::{self, Doctor, Invocation};
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time kept back from the deadline to build and return the report.
const DEADLINE_MARGIN: Duration = Duration::from_secs(3);

/// A malformed event: the function error of SPEC §3.
fn invalid_event(message: String) -> Diagnostic {
    Diagnostic {
        error_type: "InvalidEvent".to_string(),
        error_message: message,
    }
}

/// The monotonic instant `DEADLINE_MARGIN` before the invocation's wall-clock deadline.
fn deadline(context: &lambda_runtime::Context) -> Option<tokio::time::Instant> {
    let deadline = UNIX_EPOCH + Duration::from_millis(context.deadline);
    let remaining = deadline.duration_since(SystemTime::now()).ok()?;
    Some(tokio::time::Instant::now() + remaining.saturating_sub(DEADLINE_MARGIN))
}

/// Builds the clients once, then answers invocations until the runtime stops.
pub async fn serve(config: Config) -> Result<(), lambda_runtime::Error> {
    let sdk_config = aws::load_sdk_config(None).await;
    let doctor = Doctor {
        config,
        aws: Some(Aws::new(&sdk_config)),
    };
    let doctor = &doctor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let invocation = Invocation {
            deadline: deadline(&event.context),
            ..Invocation::default()
        };
        match handler::handle(doctor, &event.payload, invocation).await {
            Ok(outcome) => {
                if let Some(reason) = &outcome.fatal {
                    tracing::error!(%reason, "diagnosis could not be made");
                }
                outcome.answer().map_err(|e| Diagnostic {
                    error_type: "ReportError".to_string(),
                    error_message: e.to_string(),
                })
            }
            Err(invalid) => {
                tracing::warn!(reason = %invalid, "invalid event");
                Err(invalid_event(invalid.to_string()))
            }
        }
    }))
    .await
}
