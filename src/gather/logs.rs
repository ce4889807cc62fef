//! Searches the named stages' execution and access logs over the incident window with
//! CloudWatch Logs `FilterLogEvents`: an execution log for every string the classifier knows,
//! an access log line by line (its statuses are counted, so every line counts); bounded by
//! `apigw_doctor_core::logs::BOUNDS`. Only for named targets: a sweep never reads logs.

use crate::aws::{CallFailure, Session};
use crate::intake::Window;
use crate::snapshot::{Incomplete, Snapshot, V2Api};
use apigw_doctor_core::logs::{
    access_log_group, filter_pattern, rest_execution_group, websocket_execution_group, Bound,
    Bounds, LogEvent, LogKind, LogSearch, Progress,
};
use apigw_doctor_core::unique;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError;

/// Every log group of the snapshot's stages: a REST or WebSocket stage's execution log (HTTP
/// APIs have none) and any stage's CloudWatch Logs access-log destination.
pub fn targets(snapshot: &Snapshot) -> Vec<(String, String, LogKind, String)> {
    let mut targets = Vec::new();
    for api in &snapshot.rest_apis {
        for stage in &api.stages {
            targets.push((
                api.id.clone(),
                stage.name.clone(),
                LogKind::Execution,
                rest_execution_group(&api.id, &stage.name),
            ));
            if let Some(group) = stage
                .access_log_destination
                .as_deref()
                .and_then(access_log_group)
            {
                targets.push((api.id.clone(), stage.name.clone(), LogKind::Access, group));
            }
        }
    }
    for api in &snapshot.v2_apis {
        for stage in &api.stages {
            if V2Api::is_websocket(api) {
                targets.push((
                    api.id.clone(),
                    stage.name.clone(),
                    LogKind::Execution,
                    websocket_execution_group(&api.id, &stage.name),
                ));
            }
            if let Some(group) = stage
                .access_log_destination
                .as_deref()
                .and_then(access_log_group)
            {
                targets.push((api.id.clone(), stage.name.clone(), LogKind::Access, group));
            }
        }
    }
    targets
}

/// Searches every log group of the snapshot's stages, each group once however many stages
/// write to it (one access-log group often takes several stages' lines; the checks tell them
/// apart by the format's `$context.apiId` and `$context.stage`): a search per stage and log, and
/// each failed search once, for `incomplete`.
pub async fn search_all(
    session: Session<'_>,
    snapshot: &Snapshot,
    window: Window,
    bounds: Bounds,
) -> (Vec<LogSearch>, Vec<Incomplete>) {
    let targets = targets(snapshot);
    let groups = unique(
        targets
            .iter()
            .map(|(_, _, kind, group)| (*kind, group.clone())),
    );
    let searches = groups.iter().map(|(kind, group)| async move {
        // An access line of any status counts toward ACCESS_LOG_ERRORS's totals.
        let pattern = (*kind == LogKind::Execution).then(filter_pattern);
        search(session, group, pattern.as_deref(), window, bounds).await
    });
    let found = futures::future::join_all(searches).await;
    let (mut log_searches, mut unread) = (Vec::new(), Vec::new());
    for ((kind, group), result) in groups.iter().zip(found) {
        let (exists, events, bound) = match result {
            Ok(found) => found,
            Err(failure) => {
                unread.push(failure.incomplete());
                continue;
            }
        };
        for (api_id, stage, _, _) in targets
            .iter()
            .filter(|(_, _, k, g)| k == kind && g == group)
        {
            log_searches.push(LogSearch {
                api_id: api_id.clone(),
                stage: stage.clone(),
                kind: *kind,
                log_group: group.clone(),
                exists,
                events: events.clone(),
                bound,
            });
        }
    }
    (log_searches, unread)
}

/// One log group over the window (only the lines `pattern` matches, when given), page by page
/// until the last page or a bound: whether the group exists, the events, and the bound reached.
async fn search(
    session: Session<'_>,
    group: &str,
    pattern: Option<&str>,
    window: Window,
    bounds: Bounds,
) -> Result<(bool, Vec<LogEvent>, Option<Bound>), CallFailure> {
    let mut progress = Progress::default();
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        if let Err(bound) = progress.next_page(bounds) {
            return Ok((true, events, Some(bound)));
        }
        let request = session
            .aws
            .logs
            .filter_log_events()
            .log_group_name(group)
            .start_time(window.start.timestamp_millis())
            .end_time(window.end.timestamp_millis())
            .set_filter_pattern(pattern.map(str::to_string))
            .set_next_token(token.clone())
            .send();
        let page = session
            .call("cloudwatchlogs:FilterLogEvents", async {
                match request.await {
                    Ok(output) => Ok(Some(output)),
                    Err(error)
                        if error
                            .as_service_error()
                            .is_some_and(FilterLogEventsError::is_resource_not_found_exception) =>
                    {
                        Ok(None)
                    }
                    Err(error) => Err(error),
                }
            })
            .await?;
        let Some(page) = page else {
            return Ok((false, Vec::new(), None));
        };
        let page_events: Vec<(i64, &str)> = page
            .events()
            .iter()
            .filter_map(|e| Some((e.timestamp()?, e.message()?)))
            .collect();
        let (keep, bound) = progress.page(page_events.iter().map(|(_, m)| *m), bounds);
        events.extend(
            page_events
                .iter()
                .take(keep)
                .map(|(timestamp, message)| LogEvent {
                    timestamp: *timestamp,
                    message: message.to_string(),
                }),
        );
        if bound.is_some() {
            return Ok((true, events, bound));
        }
        match page.next_token() {
            Some(next) if Some(next) != token.as_deref() => token = Some(next.to_string()),
            _ => return Ok((true, events, None)),
        }
    }
}
