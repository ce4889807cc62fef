//! CloudTrail's event history (`LookupEvents`) read by event name: newest first, back to a
//! point in time, bounded in pages; the newest change each call name recorded to part of an API,
//! the calls that may have changed it, and where the history was cut.

use crate::aws::{CallFailure, FailureKind, Scanned, Session};
use crate::intake::ChangeEvidence;
use crate::snapshot::{ChangeHistory, HistoryLimit, HistoryLimitReason, RecordedChange};
use aws_sdk_cloudtrail::types::{Event, LookupAttribute, LookupAttributeKey};

const STEP: &str = "cloudtrail:LookupEvents";
/// Pages of events (50 each, newest first) read per event name before giving up.
const LOOKUP_PAGES: usize = 10;
/// CloudTrail's event history holds the last 90 days of management events
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html).
const EVENT_HISTORY_SECONDS: i64 = 90 * 24 * 60 * 60;

/// Where a history read back to `since` (epoch seconds) can start, and the limit to note when
/// `since` is beyond the 90-day event history.
fn reach(since: i64) -> (i64, Option<HistoryLimit>) {
    let horizon = chrono::Utc::now().timestamp() - EVENT_HISTORY_SECONDS;
    let limit = (since < horizon).then_some(HistoryLimit {
        read_back_to: horizon,
        reason: HistoryLimitReason::Retention,
    });
    (since.max(horizon), limit)
}

/// How one event-name lookup ended.
struct Lookup<T> {
    /// The newest event `visit` picked.
    found: Option<T>,
    /// Set when the page cap stopped the lookup first: events before this were not seen.
    capped_at: Option<i64>,
}

/// `event_name` events since `from` (epoch seconds), newest first, until `visit` picks one.
async fn newest<T>(
    session: Session<'_>,
    event_name: &str,
    from: i64,
    mut visit: impl FnMut(&Event) -> Option<T>,
) -> Result<Lookup<T>, CallFailure> {
    let by_name = LookupAttribute::builder()
        .attribute_key(LookupAttributeKey::EventName)
        .attribute_value(event_name)
        .build()
        .map_err(|e| CallFailure {
            step: STEP.to_string(),
            kind: FailureKind::Other,
            code: "InvalidRequest".to_string(),
            detail: e.to_string(),
        })?;
    let client = &session.aws.cloudtrail;
    let mut oldest_read: Option<i64> = None;
    let scanned = session
        .scan(
            STEP,
            |token| {
                client
                    .lookup_events()
                    .lookup_attributes(by_name.clone())
                    .start_time(aws_smithy_types::DateTime::from_secs(from))
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            LOOKUP_PAGES,
            |page| {
                page.events().iter().find_map(|event| {
                    let time = event.event_time().map_or(from, |t| t.secs());
                    oldest_read = Some(oldest_read.map_or(time, |t| t.min(time)));
                    visit(event)
                })
            },
        )
        .await?;
    Ok(match scanned {
        Scanned::Found(found) => Lookup {
            found: Some(found),
            capped_at: None,
        },
        Scanned::Exhausted => Lookup {
            found: None,
            capped_at: None,
        },
        // Pages without events tell nothing: then nothing was seen back from now.
        Scanned::Capped => Lookup {
            found: None,
            capped_at: Some(oldest_read.unwrap_or_else(|| chrono::Utc::now().timestamp())),
        },
    })
}

/// What CloudTrail's event history says about part of an API since `since` (epoch seconds),
/// from the events of `calls`, each judged by `evidence(call, record)`: the newest change, the
/// calls newer than it whose request was not recorded in full, and how far back the history
/// reached. Looked up by event name (the API id is in the request, whatever CloudTrail names as
/// resource), newest first, each name stopping at its first change. Reaching neither back to
/// `since` (90-day retention, page cap) nor reading a request is a note for the checks, never a
/// failed read.
pub async fn last_change(
    session: Session<'_>,
    calls: &[&str],
    since: i64,
    evidence: impl Fn(&str, &str) -> Option<ChangeEvidence>,
) -> Result<ChangeHistory, CallFailure> {
    let (from, limit) = reach(since);
    let mut history = ChangeHistory {
        limit,
        ..ChangeHistory::default()
    };
    // Each name's lookup is independent: they run together, as fast as the account's
    // LookupEvents quota lets them (the session's limiter), and merge in the order of `calls`.
    let evidence = &evidence;
    let lookups = calls.iter().map(|call| async move {
        let mut unreadable = Vec::new();
        let lookup = newest(session, call, from, |event| {
            let record = recorded(call, event, from);
            match evidence(call, event.cloud_trail_event().unwrap_or_default())? {
                ChangeEvidence::Changed => Some(record),
                ChangeEvidence::Unreadable => {
                    unreadable.push(record);
                    None
                }
                ChangeEvidence::Unchanged => None,
            }
        })
        .await?;
        Ok::<_, CallFailure>((lookup, unreadable))
    });
    for looked_up in futures::future::join_all(lookups).await {
        let (lookup, unreadable) = looked_up?;
        merge(&mut history, lookup, unreadable);
    }
    let newest = history.newest.as_ref().map_or(i64::MIN, |c| c.event_time);
    history.unreadable.retain(|c| c.event_time > newest);
    history
        .unreadable
        .sort_by_key(|c| std::cmp::Reverse(c.event_time));
    if let Some(limit) = &history.limit {
        tracing::warn!(
            read_back_to = limit.read_back_to,
            reason = ?limit.reason,
            "CloudTrail history not read back to the oldest deployment in use"
        );
    }
    Ok(history)
}

/// Adds what one call name's events showed: the newer change wins, the later cut stays.
fn merge(
    history: &mut ChangeHistory,
    lookup: Lookup<RecordedChange>,
    unreadable: Vec<RecordedChange>,
) {
    if lookup.found.as_ref().map(|c| c.event_time) > history.newest.as_ref().map(|c| c.event_time) {
        history.newest = lookup.found;
    }
    history.unreadable.extend(unreadable);
    if let Some(read_back_to) = lookup.capped_at {
        if history
            .limit
            .as_ref()
            .is_none_or(|limit| limit.read_back_to < read_back_to)
        {
            history.limit = Some(HistoryLimit {
                read_back_to,
                reason: HistoryLimitReason::PageCap,
            });
        }
    }
}

/// The event as a record of a `call` (its time defaults to `from`, where the lookup started).
fn recorded(call: &str, event: &Event, from: i64) -> RecordedChange {
    RecordedChange {
        event_name: call.to_string(),
        event_id: event.event_id().unwrap_or_default().to_string(),
        event_time: event.event_time().map_or(from, |t| t.secs()),
        user: event.username().map(str::to_string),
    }
}
