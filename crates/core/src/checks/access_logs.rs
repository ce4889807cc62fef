//! Emits: ACCESS_LOG_ERRORS.
//! The stage's access log over the incident window, each line read with the stage's own
//! `accessLogSettings.format` (`crate::access_log`): how many responses of each status and
//! gateway response type, and the lines that could not be read.

use super::logs::{time, window_millis};
use crate::access_log::{AccessFormat, NoStatus};
use crate::catalog::Code;
use crate::cause::{classify, Cause, Reading};
use crate::finding::Finding;
use crate::intake::{ErrorHint, Incident};
use crate::logs::{access_log_group, LogEvent, LogKind, LogSearch};
use crate::snapshot::Snapshot;
use serde_json::json;
use std::collections::BTreeMap;

/// What one access-log group held over the window.
struct Tally {
    format: &'static str,
    lines: usize,
    unparsed: usize,
    statuses: BTreeMap<u16, usize>,
    types: BTreeMap<String, usize>,
    causes: BTreeMap<Cause, usize>,
}

impl Tally {
    fn errors(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(status, _)| **status >= 400)
            .map(|(_, count)| count)
            .sum()
    }
}

/// How a stage's access log could be read.
enum Outcome {
    Counted(Tally),
    /// The stage's format has no `$context.status`, or (`format: false`) there is no format on
    /// record.
    Uncountable {
        lines: usize,
        format: bool,
    },
}

pub fn check(snapshot: &Snapshot, incident: &Incident) -> Vec<Finding> {
    readings(snapshot, incident)
        .into_iter()
        .filter_map(|(search, outcome)| match outcome {
            Outcome::Counted(tally) if tally.errors() > 0 => {
                Some(finding(search, &tally, incident))
            }
            _ => None,
        })
        .collect()
}

fn finding(search: &LogSearch, tally: &Tally, incident: &Incident) -> Finding {
    let (start, end) = window_millis(incident);
    let listed = |counts: Vec<(String, usize)>| {
        counts
            .iter()
            .map(|(k, n)| format!("{k} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let errors = listed(
        tally
            .statuses
            .iter()
            .filter(|(s, _)| **s >= 400)
            .map(|(s, n)| (s.to_string(), *n))
            .collect(),
    );
    let types = if tally.types.is_empty() {
        String::new()
    } else {
        format!(
            "; error types {}",
            listed(tally.types.iter().map(|(t, n)| (t.clone(), *n)).collect())
        )
    };
    let unparsed = if tally.unparsed > 0 {
        format!(
            " {} line(s) did not have the format's shape and were not counted.",
            tally.unparsed
        )
    } else {
        String::new()
    };
    let bound = search
        .bound
        .map(|b| {
            format!(
                " The read stopped at its {} bound, so these counts cover only the first lines of the window.",
                b.as_str()
            )
        })
        .unwrap_or_default();
    let status_counts: BTreeMap<String, usize> = tally
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), *n))
        .collect();
    let causes: BTreeMap<&str, usize> =
        tally.causes.iter().map(|(c, n)| (c.as_str(), *n)).collect();
    Finding::new(
        Code::AccessLogErrors,
        format!(
            "Stage {} of API {} answered {} of {} logged request(s) with an error between {} and {} ({errors}{types}), by its access log {}.{unparsed}{bound}",
            search.stage,
            search.api_id,
            tally.errors(),
            tally.lines - tally.unparsed,
            time(start),
            time(end),
            search.log_group
        ),
    )
    .api(&search.api_id)
    .stage(Some(&search.stage))
    .evidence(json!({
        "status_counts": status_counts,
        "error_type_counts": tally.types,
        "causes": causes,
        "lines_read": tally.lines,
        "lines_unparsed": tally.unparsed,
        "format": tally.format,
        "log_group": search.log_group,
        "window": { "start": time(start), "end": time(end) },
        "bound_reached": search.bound.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
    }))
}

/// What the access logs could not show: a format without `$context.status`, a window of lines
/// none of which has the format's shape, a destination that is not a CloudWatch Logs group.
pub fn notes(snapshot: &Snapshot, incident: &Incident) -> Vec<String> {
    let mut notes = Vec::new();
    for (search, outcome) in readings(snapshot, incident) {
        let where_ = format!(
            "stage {} of API {} ({})",
            search.stage, search.api_id, search.log_group
        );
        match outcome {
            Outcome::Uncountable { lines, format } => {
                let why = if format {
                    format!("The access-log format of {where_} has no $context.status")
                } else {
                    format!("No access-log format is on record for {where_}")
                };
                notes.push(format!(
                    "{why}, so the status codes of its {lines} line(s) in the incident window cannot be counted."
                ))
            }
            Outcome::Counted(tally) if tally.lines > 0 && tally.unparsed == tally.lines => {
                notes.push(format!(
                    "None of the {} access-log line(s) of {where_} in the incident window has the shape of the stage's {} format, so no status could be counted (was the format changed?).",
                    tally.lines, tally.format
                ))
            }
            Outcome::Counted(_) => {}
        }
        if let Some(note) = shared_group_note(snapshot, search) {
            notes.push(note);
        }
    }
    // Logs were read in this run: say which access logs were not.
    if !snapshot.log_searches.is_empty() {
        for (api_id, stage, destination) in destinations(snapshot) {
            if access_log_group(destination).is_none() {
                notes.push(format!(
                    "Stage {stage} of API {api_id} sends its access logs to {destination}, which is not a CloudWatch Logs group (a Firehose stream), so apigw-doctor did not read them."
                ));
            }
        }
    }
    notes
}

/// When other stages read in this run log to the same group and the stage's format cannot
/// tell their lines from its own, its counts may include theirs: say so, naming them.
fn shared_group_note(snapshot: &Snapshot, search: &LogSearch) -> Option<String> {
    let format = format_of(snapshot, &search.api_id, &search.stage)
        .and_then(|f| AccessFormat::parse(f).ok())?;
    let own = (search.api_id.as_str(), search.stage.as_str());
    let mixed: Vec<String> = snapshot
        .log_searches
        .iter()
        .filter(|s| s.kind == LogKind::Access && s.log_group == search.log_group)
        .map(|s| (s.api_id.as_str(), s.stage.as_str()))
        .filter(|other| *other != own && !format.tells_apart(own, *other))
        .map(|(api_id, stage)| format!("stage {stage} of API {api_id}"))
        .collect();
    (!mixed.is_empty()).then(|| {
        format!(
            "Stage {} of API {} shares its access-log group {} with {}, and its format does not log the $context.apiId or $context.stage that would tell their lines apart, so its counts may include theirs.",
            search.stage,
            search.api_id,
            search.log_group,
            mixed.join(", ")
        )
    })
}

/// Every access-log search, read with its stage's format over the incident window.
fn readings<'a>(snapshot: &'a Snapshot, incident: &Incident) -> Vec<(&'a LogSearch, Outcome)> {
    let (start, end) = window_millis(incident);
    snapshot
        .log_searches
        .iter()
        .filter(|s| s.kind == LogKind::Access && s.exists)
        .map(|search| {
            let lines: Vec<&str> = own_events(snapshot, search, (start, end))
                .into_iter()
                .map(|e| e.message.as_str())
                .collect();
            let format = format_of(snapshot, &search.api_id, &search.stage);
            let outcome = match format.map(AccessFormat::parse) {
                Some(Ok(parsed)) => Outcome::Counted(tally(&parsed, &lines)),
                Some(Err(NoStatus)) | None => Outcome::Uncountable {
                    lines: lines.len(),
                    format: format.is_some(),
                },
            };
            (search, outcome)
        })
        .collect()
}

/// The events of a search that are evidence for its stage: inside the incident window (a line
/// outside it, an emulator's answer or a snapshot replayed later, is not), and for an access
/// log, not a line its format says is of another API or stage — one log group often takes the
/// access logs of several stages and APIs
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-variables-for-access-logging.html>:
/// `$context.apiId`, `$context.stage`).
pub(super) fn own_events<'a>(
    snapshot: &Snapshot,
    search: &'a LogSearch,
    (start, end): (i64, i64),
) -> Vec<&'a LogEvent> {
    let format = (search.kind == LogKind::Access)
        .then(|| format_of(snapshot, &search.api_id, &search.stage))
        .flatten()
        .and_then(|f| AccessFormat::parse(f).ok());
    search
        .events
        .iter()
        .filter(|e| (start..=end).contains(&e.timestamp))
        .filter(|e| {
            format
                .as_ref()
                .and_then(|f| f.read(&e.message))
                .is_none_or(|entry| entry.may_be_of(&search.api_id, &search.stage))
        })
        .collect()
}

fn tally(format: &AccessFormat, lines: &[&str]) -> Tally {
    let mut tally = Tally {
        format: format.shape.as_str(),
        lines: lines.len(),
        unparsed: 0,
        statuses: BTreeMap::new(),
        types: BTreeMap::new(),
        causes: BTreeMap::new(),
    };
    for line in lines {
        let Some(entry) = format.read(line) else {
            tally.unparsed += 1;
            continue;
        };
        *tally.statuses.entry(entry.status).or_default() += 1;
        if entry.status < 400 {
            continue;
        }
        if let Some(kind) = &entry.response_type {
            *tally.types.entry(kind.clone()).or_default() += 1;
        }
        // The logged message read as a reported error: the causes it names support the
        // ranking as a LOG_SIGNATURE's do.
        let hint = ErrorHint {
            status: Some(entry.status),
            error_type: None,
            message: entry.message,
        };
        if let Reading::Known(cause) = classify(&hint) {
            *tally.causes.entry(cause).or_default() += 1;
        }
    }
    tally
}

fn format_of<'a>(snapshot: &'a Snapshot, api_id: &str, stage: &str) -> Option<&'a str> {
    access_settings(snapshot)
        .find(|(api, name, _, _)| *api == api_id && *name == stage)
        .and_then(|(_, _, _, format)| format)
}

/// Every stage's access-log destination.
fn destinations(snapshot: &Snapshot) -> Vec<(&str, &str, &str)> {
    access_settings(snapshot)
        .filter_map(|(api, stage, destination, _)| Some((api, stage, destination?)))
        .collect()
}

/// Every stage's access-log settings: API id, stage, destination and format (REST and v2
/// stages are different types with the same two fields).
fn access_settings(
    snapshot: &Snapshot,
) -> impl Iterator<Item = (&str, &str, Option<&str>, Option<&str>)> {
    let rest = snapshot.rest_apis.iter().flat_map(|api| {
        api.stages.iter().map(move |s| {
            let (destination, format) = (&s.access_log_destination, &s.access_log_format);
            (
                &*api.id,
                &*s.name,
                destination.as_deref(),
                format.as_deref(),
            )
        })
    });
    let v2 = snapshot.v2_apis.iter().flat_map(|api| {
        api.stages.iter().map(move |s| {
            let (destination, format) = (&s.access_log_destination, &s.access_log_format);
            (
                &*api.id,
                &*s.name,
                destination.as_deref(),
                format.as_deref(),
            )
        })
    });
    rest.chain(v2)
}

#[cfg(test)]
mod tests;
