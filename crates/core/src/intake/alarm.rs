//! CloudWatch alarms in their three deliveries: Lambda alarm action, EventBridge, SNS.

use super::{
    invalid, parse_time, str_at, symptom_for_metric, AlarmInfo, Incident, IntakeSettings,
    InvalidEvent, Scope, Source, TargetRef,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

const API_GATEWAY_NAMESPACE: &str = "AWS/ApiGateway";

/// One metric an alarm watches.
struct Metric {
    namespace: String,
    name: String,
    dimensions: BTreeMap<String, String>,
    period: Option<i64>,
    /// The account whose metric this is: set on a cross-account alarm's query entry
    /// (`AccountId` of a MetricDataQuery,
    /// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html>).
    account: Option<String>,
}

/// The delivery-independent content of an alarm notification.
struct AlarmSignal {
    name: String,
    arn: Option<String>,
    state: String,
    state_time: Option<DateTime<Utc>>,
    metrics: Vec<Metric>,
    composite: bool,
    evaluation_periods: i64,
    region: Option<String>,
    account: Option<String>,
}

/// The payload an alarm action sends when it invokes the function directly.
pub fn parse_alarm_action(
    event: &Value,
    settings: IntakeSettings,
) -> Result<Incident, InvalidEvent> {
    let data = event
        .get("alarmData")
        .filter(|d| d.is_object())
        .ok_or_else(|| invalid("field `alarmData`: expected an object"))?;
    let signal = signal_from_alarm_data(
        data,
        str_at(event, "/alarmArn").map(str::to_string),
        str_at(event, "/region"),
        str_at(event, "/accountId"),
    )?;
    Ok(incident(Source::AlarmAction, signal, settings))
}

/// An EventBridge "CloudWatch Alarm State Change" event.
pub fn parse_eventbridge(
    event: &Value,
    settings: IntakeSettings,
) -> Result<Incident, InvalidEvent> {
    let detail = event
        .get("detail")
        .filter(|d| d.is_object())
        .ok_or_else(|| invalid("field `detail`: expected an object"))?;
    let arn = event
        .pointer("/resources/0")
        .and_then(Value::as_str)
        .map(str::to_string);
    let signal = signal_from_alarm_data(
        detail,
        arn,
        str_at(event, "/region"),
        str_at(event, "/account"),
    )?;
    Ok(incident(Source::EventbridgeAlarm, signal, settings))
}

/// `alarmData` (alarm action) and `detail` (EventBridge) share one shape.
fn signal_from_alarm_data(
    data: &Value,
    arn: Option<String>,
    region: Option<&str>,
    account: Option<&str>,
) -> Result<AlarmSignal, InvalidEvent> {
    let name = str_at(data, "/alarmName")
        .ok_or_else(|| invalid("field `alarmName`: expected a string"))?
        .to_string();
    let state = str_at(data, "/state/value")
        .ok_or_else(|| invalid("field `state.value`: expected a string"))?
        .to_string();
    let configuration = data.get("configuration");
    let composite = configuration.and_then(|c| c.get("alarmRule")).is_some();
    let metrics = match configuration.and_then(|c| c.get("metrics")) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(entries)) => entries.iter().filter_map(metric_from_entry).collect(),
        Some(_) => return Err(invalid("field `configuration.metrics`: expected an array")),
    };
    Ok(AlarmSignal {
        name,
        arn,
        state,
        state_time: str_at(data, "/state/timestamp").and_then(parse_time),
        metrics,
        composite,
        evaluation_periods: configuration
            .and_then(|c| c.get("evaluationPeriods"))
            .and_then(Value::as_i64)
            .unwrap_or(1),
        region: region.map(str::to_string),
        account: account.map(str::to_string),
    })
}

/// The account a metric query entry names (`accountId`, or `AccountId` in SNS notifications).
fn entry_account(entry: &Value) -> Option<String> {
    str_at(entry, "/accountId")
        .or_else(|| str_at(entry, "/AccountId"))
        .map(str::to_string)
}

/// A `metricStat` entry; `expression` entries (metric math) name no metric and are skipped.
fn metric_from_entry(entry: &Value) -> Option<Metric> {
    let stat = entry.get("metricStat")?;
    let metric = stat.get("metric")?;
    let dimensions = match metric.get("dimensions") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    };
    Some(Metric {
        namespace: metric.get("namespace")?.as_str()?.to_string(),
        name: metric.get("name")?.as_str()?.to_string(),
        dimensions,
        period: stat.get("period").and_then(Value::as_i64),
        account: entry_account(entry),
    })
}

/// An SNS delivery whose message is a classic CloudWatch alarm notification.
pub fn parse_sns(event: &Value, settings: IntakeSettings) -> Result<Incident, InvalidEvent> {
    let record = event
        .pointer("/Records/0/Sns")
        .ok_or_else(|| invalid("field `Records[0].Sns`: expected an SNS record"))?;
    let text = str_at(record, "/Message")
        .ok_or_else(|| invalid("field `Records[0].Sns.Message`: expected a string"))?;
    let message: Value = serde_json::from_str(text).map_err(|_| {
        invalid("field `Records[0].Sns.Message`: not a CloudWatch alarm notification (not JSON)")
    })?;
    let name = str_at(&message, "/AlarmName").ok_or_else(|| {
        invalid(
            "field `Records[0].Sns.Message`: not a CloudWatch alarm notification (no AlarmName)",
        )
    })?;
    let state = str_at(&message, "/NewStateValue").ok_or_else(|| {
        invalid("field `Records[0].Sns.Message.NewStateValue`: expected a string")
    })?;
    let trigger = message.get("Trigger");
    let mut metrics = Vec::new();
    if let Some(trigger) = trigger {
        if let (Some(namespace), Some(metric)) = (
            str_at(trigger, "/Namespace"),
            str_at(trigger, "/MetricName"),
        ) {
            metrics.push(Metric {
                namespace: namespace.to_string(),
                name: metric.to_string(),
                dimensions: sns_dimensions(trigger.get("Dimensions")),
                period: trigger.get("Period").and_then(Value::as_i64),
                account: None,
            });
        }
        for entry in trigger
            .get("Metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(stat) = entry.get("MetricStat") {
                let metric = stat.get("Metric");
                if let (Some(namespace), Some(name)) = (
                    metric.and_then(|m| str_at(m, "/Namespace")),
                    metric.and_then(|m| str_at(m, "/MetricName")),
                ) {
                    metrics.push(Metric {
                        namespace: namespace.to_string(),
                        name: name.to_string(),
                        dimensions: sns_dimensions(metric.and_then(|m| m.get("Dimensions"))),
                        period: stat.get("Period").and_then(Value::as_i64),
                        account: entry_account(entry),
                    });
                }
            }
        }
    }
    let arn = str_at(&message, "/AlarmArn").map(str::to_string);
    let signal = AlarmSignal {
        name: name.to_string(),
        account: str_at(&message, "/AWSAccountId")
            .map(str::to_string)
            .or_else(|| arn.as_deref().and_then(arn_account)),
        region: arn.as_deref().and_then(arn_region),
        arn,
        state: state.to_string(),
        state_time: str_at(&message, "/StateChangeTime").and_then(parse_time),
        composite: trigger.is_none(),
        metrics,
        evaluation_periods: trigger
            .and_then(|t| t.get("EvaluationPeriods"))
            .and_then(Value::as_i64)
            .unwrap_or(1),
    };
    let mut incident = incident(Source::SnsAlarm, signal, settings);
    if let Some(message_id) = str_at(record, "/MessageId") {
        if incident
            .alarm
            .as_ref()
            .and_then(|a| a.arn.as_ref())
            .is_none()
        {
            incident.id = message_id.to_string();
        }
    }
    Ok(incident)
}

fn sns_dimensions(dimensions: Option<&Value>) -> BTreeMap<String, String> {
    dimensions
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            Some((
                str_at(d, "/name")?.to_string(),
                str_at(d, "/value")?.to_string(),
            ))
        })
        .collect()
}

fn arn_region(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

fn arn_account(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
}

/// Builds the incident: targets from the API Gateway metrics, or a note saying why there are none.
fn incident(source: Source, signal: AlarmSignal, settings: IntakeSettings) -> Incident {
    let id = match (&signal.arn, signal.state_time) {
        (Some(arn), Some(time)) => format!("{arn}@{}", time.to_rfc3339()),
        (Some(arn), None) => arn.clone(),
        (None, _) => signal.name.clone(),
    };
    let mut incident = Incident::base(source, id, settings);
    incident.region = signal
        .region
        .clone()
        .or_else(|| signal.arn.as_deref().and_then(arn_region));
    let api_metrics: Vec<&Metric> = signal
        .metrics
        .iter()
        .filter(|m| m.namespace == API_GATEWAY_NAMESPACE)
        .collect();
    // A cross-account alarm lives in a monitoring account; the API is where its metric is
    // (SPEC §2 APIGW_DOCTOR_MEMBER_ROLE_NAME).
    incident.account = api_metrics
        .iter()
        .find_map(|m| m.account.clone())
        .or_else(|| signal.account.clone())
        .or_else(|| signal.arn.as_deref().and_then(arn_account));
    let first = api_metrics.first().copied().or(signal.metrics.first());
    incident.alarm = Some(AlarmInfo {
        name: signal.name.clone(),
        arn: signal.arn.clone(),
        state: signal.state.clone(),
        namespace: first.map(|m| m.namespace.clone()),
        metric: first.map(|m| m.name.clone()),
    });
    incident.symptom = api_metrics.iter().find_map(|m| symptom_for_metric(&m.name));

    let longest_period = api_metrics
        .iter()
        .filter_map(|m| m.period)
        .max()
        .unwrap_or(0);
    // Periods come from the event: an absurd one widens the window to the limit, never panics.
    let span = longest_period
        .checked_mul(signal.evaluation_periods)
        .and_then(Duration::try_seconds)
        .unwrap_or(Duration::MAX);
    let lookback = Duration::minutes(settings.lookback_minutes).max(span);
    if let Some(changed) = signal.state_time {
        incident.window.start = changed
            .checked_sub_signed(lookback)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
    }

    if signal.state != "ALARM" {
        incident.notes.push(format!(
            "alarm {} is in state {}, not ALARM: acknowledged, nothing diagnosed",
            signal.name, signal.state
        ));
        return incident;
    }
    if signal.composite && signal.metrics.is_empty() {
        incident.notes.push(format!(
            "{} is a composite alarm: it names no metric and so no API; diagnose the API of its child alarm, or invoke with {{\"api_id\": …}}",
            signal.name
        ));
        return incident;
    }
    if api_metrics.is_empty() {
        incident.notes.push(format!(
            "alarm {} watches no metric in namespace {API_GATEWAY_NAMESPACE}: acknowledged, nothing diagnosed",
            signal.name
        ));
        return incident;
    }
    let mut targets: Vec<TargetRef> = Vec::new();
    for metric in &api_metrics {
        let stage = metric.dimensions.get("Stage").cloned();
        let target = if let Some(id) = metric.dimensions.get("ApiId") {
            TargetRef {
                api_id: Some(id.clone()),
                api_name: None,
                stage,
                v2_hint: true,
            }
        } else if let Some(name) = metric.dimensions.get("ApiName") {
            TargetRef {
                api_id: None,
                api_name: Some(name.clone()),
                stage,
                v2_hint: false,
            }
        } else {
            continue;
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    if targets.is_empty() {
        incident.notes.push(format!(
            "alarm {} has no ApiName or ApiId dimension (an account-level metric): no API to diagnose; invoke with {{\"api_id\": …}} to diagnose one",
            signal.name
        ));
        return incident;
    }
    incident.scope = Scope::Named(targets);
    incident
}
