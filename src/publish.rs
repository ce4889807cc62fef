//! Sends the report on (SPEC §2): its summary to the SNS topic, the report itself to the
//! EventBridge bus. A send that fails goes into the report's `incomplete`; the report is still
//! returned and logged, never lost.

use crate::aws::{CallFailure, FailureKind, Session};
use crate::config::Config;
use crate::notify::{event_detail, summary, EVENT_DETAIL_TYPE, EVENT_SOURCE};
use crate::report::Report;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;

/// Publishes and puts `report` where the configuration says; failures land in `incomplete`.
pub async fn send(session: Session<'_>, config: &Config, report: &mut Report) {
    let (published, put) = futures::join!(
        async {
            match &config.report_topic_arn {
                Some(topic) => publish(session, topic, report).await,
                None => Ok(()),
            }
        },
        async {
            match &config.event_bus {
                Some(bus) => put_event(session, bus, report).await,
                None => Ok(()),
            }
        }
    );
    for failure in [published.err(), put.err()].into_iter().flatten() {
        tracing::warn!(step = %failure.step, code = %failure.code, "the report was not sent");
        report.incomplete.push(failure.incomplete());
    }
}

/// The summary on the topic; a FIFO topic (`.fifo`) gets a group and a deduplication id.
async fn publish(session: Session<'_>, topic: &str, report: &Report) -> Result<(), CallFailure> {
    let message = summary(report);
    let fifo = topic.ends_with(".fifo");
    session
        .call(
            "sns:Publish",
            session
                .aws
                .sns
                .publish()
                .topic_arn(topic)
                .subject(message.subject)
                .message(message.body)
                .set_message_group_id(fifo.then(|| "apigw-doctor".to_string()))
                .set_message_deduplication_id(fifo.then(|| dedup_id(report)))
                .send(),
        )
        .await
        .map(|_| ())
}

/// At most 128 of the characters SNS accepts in a deduplication id.
fn dedup_id(report: &Report) -> String {
    report
        .incident
        .id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .take(128)
        .collect()
}

/// The report as one event on the bus; an entry EventBridge refused is a failure too.
async fn put_event(session: Session<'_>, bus: &str, report: &Report) -> Result<(), CallFailure> {
    const STEP: &str = "eventbridge:PutEvents";
    let entry = PutEventsRequestEntry::builder()
        .source(EVENT_SOURCE)
        .detail_type(EVENT_DETAIL_TYPE)
        .detail(event_detail(report))
        .event_bus_name(bus)
        .build();
    let out = session
        .call(
            STEP,
            session.aws.eventbridge.put_events().entries(entry).send(),
        )
        .await?;
    if out.failed_entry_count() == 0 {
        return Ok(());
    }
    let refused = out.entries().first();
    Err(CallFailure {
        step: STEP.to_string(),
        kind: FailureKind::Other,
        code: refused
            .and_then(|e| e.error_code())
            .unwrap_or("FailedEntry")
            .to_string(),
        detail: refused
            .and_then(|e| e.error_message())
            .unwrap_or("EventBridge refused the entry")
            .to_string(),
    })
}
