//! Unit tests for intake: the sample events in `events/`, hand-built variants, malformed input
//! (SPEC §1, §1.1, §3) and the size/depth limits.

use super::*;
use chrono::TimeZone;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const ALARM_ACTION_REST_5XX: &str = include_str!("../../../../events/alarm-action-rest-5xx.json");
const ALARM_ACTION_METRIC_MATH: &str =
    include_str!("../../../../events/alarm-action-metric-math.json");
const ALARM_ACTION_HTTP_5XX: &str = include_str!("../../../../events/alarm-action-http-5xx.json");
const ALARM_ACTION_WEBSOCKET: &str =
    include_str!("../../../../events/alarm-action-websocket-integration-error.json");
const ALARM_ACTION_OK: &str = include_str!("../../../../events/alarm-action-ok.json");
const ALARM_ACTION_COMPOSITE: &str = include_str!("../../../../events/alarm-action-composite.json");
const EVENTBRIDGE_ALARM_REST_4XX: &str =
    include_str!("../../../../events/eventbridge-alarm-rest-4xx.json");
const SNS_ALARM_REST_5XX: &str = include_str!("../../../../events/sns-alarm-rest-5xx.json");
const EVENTBRIDGE_ALARM_REST_5XX_VPC_LINK: &str =
    include_str!("../../../../events/eventbridge-alarm-rest-5xx-vpc-link.json");
const EVENTBRIDGE_ALARM_HTTP_5XX_VPC_LINK: &str =
    include_str!("../../../../events/eventbridge-alarm-http-5xx-vpc-link.json");
const SCHEDULE: &str = include_str!("../../../../events/schedule.json");
const CLOUDTRAIL_UPDATE_REST_API_POLICY: &str =
    include_str!("../../../../events/cloudtrail-update-rest-api-policy.json");
const MANUAL_PRIVATE_403: &str = include_str!("../../../../events/manual-private-403.json");
const MANUAL_SWEEP: &str = include_str!("../../../../events/manual-sweep.json");
const MANUAL_SWEEP_CONTINUE: &str = include_str!("../../../../events/manual-sweep-continue.json");
const MANUAL_WEBSOCKET_410: &str = include_str!("../../../../events/manual-websocket-410.json");

/// Every sample, by file name: `every_sample_file_is_covered` checks this list against `events/`.
const SAMPLES: &[(&str, &str)] = &[
    ("alarm-action-rest-5xx.json", ALARM_ACTION_REST_5XX),
    ("alarm-action-metric-math.json", ALARM_ACTION_METRIC_MATH),
    ("alarm-action-http-5xx.json", ALARM_ACTION_HTTP_5XX),
    (
        "alarm-action-websocket-integration-error.json",
        ALARM_ACTION_WEBSOCKET,
    ),
    ("alarm-action-ok.json", ALARM_ACTION_OK),
    ("alarm-action-composite.json", ALARM_ACTION_COMPOSITE),
    (
        "eventbridge-alarm-rest-4xx.json",
        EVENTBRIDGE_ALARM_REST_4XX,
    ),
    ("sns-alarm-rest-5xx.json", SNS_ALARM_REST_5XX),
    (
        "eventbridge-alarm-rest-5xx-vpc-link.json",
        EVENTBRIDGE_ALARM_REST_5XX_VPC_LINK,
    ),
    (
        "eventbridge-alarm-http-5xx-vpc-link.json",
        EVENTBRIDGE_ALARM_HTTP_5XX_VPC_LINK,
    ),
    ("schedule.json", SCHEDULE),
    (
        "cloudtrail-update-rest-api-policy.json",
        CLOUDTRAIL_UPDATE_REST_API_POLICY,
    ),
    ("manual-private-403.json", MANUAL_PRIVATE_403),
    ("manual-sweep.json", MANUAL_SWEEP),
    ("manual-sweep-continue.json", MANUAL_SWEEP_CONTINUE),
    ("manual-websocket-410.json", MANUAL_WEBSOCKET_410),
];

/// 2026-11-21T10:30:00Z: the invocation time every test uses.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 10, 30, 0)
        .single()
        .expect("2026-11-21T10:30:00Z is a valid, unambiguous UTC time")
}

fn settings() -> IntakeSettings {
    IntakeSettings {
        now: now(),
        lookback_minutes: 30,
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("test timestamp {text:?} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

fn sample(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("sample event is not valid JSON: {e}"))
}

fn parse_ok(event: &Value) -> Incident {
    parse(event, settings()).unwrap_or_else(|e| panic!("event should parse, got error: {e}"))
}

fn parse_err(event: &Value) -> String {
    match parse(event, settings()) {
        Ok(incident) => panic!("event should be rejected as InvalidEvent, got {incident:#?}"),
        Err(InvalidEvent(message)) => message,
    }
}

fn named(incident: &Incident) -> &[TargetRef] {
    match &incident.scope {
        Scope::Named(targets) => targets,
        other => panic!("expected Scope::Named, got {other:?}"),
    }
}

fn alarm(incident: &Incident) -> &AlarmInfo {
    incident
        .alarm
        .as_ref()
        .expect("an alarm-triggered incident carries the alarm")
}

fn by_id(api_id: &str, stage: Option<&str>, v2_hint: bool) -> TargetRef {
    TargetRef {
        api_id: Some(api_id.to_string()),
        api_name: None,
        stage: stage.map(str::to_string),
        v2_hint,
    }
}

fn by_name(api_name: &str, stage: Option<&str>) -> TargetRef {
    TargetRef {
        api_id: None,
        api_name: Some(api_name.to_string()),
        stage: stage.map(str::to_string),
        v2_hint: false,
    }
}

fn assert_one_line(message: &str) {
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "error message must be one line, got {message:?}"
    );
}

fn assert_no_notes(incident: &Incident) {
    assert!(
        incident.notes.is_empty(),
        "a diagnosable incident has no notes, got {:?}",
        incident.notes
    );
}

/// The window an incident gets when there is no alarm state time: [now − 30 min, now].
fn default_window() -> Window {
    Window {
        start: utc("2026-11-21T10:00:00Z"),
        end: now(),
    }
}

/// A Lambda alarm-action payload around `metrics` (the `configuration.metrics` array).
fn alarm_action(name: &str, state: &str, metrics: Value) -> Value {
    json!({
        "source": "aws.cloudwatch",
        "alarmArn": format!("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}"),
        "accountId": "111122223333",
        "time": "2026-11-21T10:20:00.000+0000",
        "region": "eu-west-1",
        "alarmData": {
            "alarmName": name,
            "state": { "value": state, "timestamp": "2026-11-21T10:20:00.000+0000" },
            "configuration": { "metrics": metrics }
        }
    })
}

fn metric_stat(namespace: &str, metric: &str, dimensions: Value, period: i64) -> Value {
    json!({
        "id": "m1",
        "metricStat": {
            "metric": { "namespace": namespace, "name": metric, "dimensions": dimensions },
            "period": period,
            "stat": "Sum"
        },
        "returnData": true
    })
}

/// An EventBridge CloudTrail event from API Gateway with the given `requestParameters`.
fn cloudtrail(event_name: &str, request_parameters: Value) -> Value {
    json!({
        "version": "0",
        "id": "11111111-2222-3333-4444-555555555555",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.apigateway",
        "account": "123456789012",
        "time": "2026-11-21T09:52:10Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventTime": "2026-11-21T09:52:10Z",
            "eventSource": "apigateway.amazonaws.com",
            "eventName": event_name,
            "awsRegion": "us-east-1",
            "requestParameters": request_parameters,
            "eventID": "66666666-7777-8888-9999-000000000000",
            "recipientAccountId": "123456789012"
        }
    })
}

fn policy_change(event: &Value) -> bool {
    parse_ok(event)
        .change
        .expect("a CloudTrail event from API Gateway carries the change")
        .policy_change
}

/// `levels` nested objects `{"a": {"a": … }}`, the innermost holding `leaf` under `"a"`
/// (a container `leaf` adds one more level).
fn nested_objects(levels: usize, leaf: Value) -> Value {
    let mut value = leaf;
    for _ in 0..levels {
        value = json!({ "a": value });
    }
    value
}

/// `levels` nested arrays `[[ … ]]`, the innermost empty.
fn nested_arrays(levels: usize) -> Value {
    let mut value = json!([]);
    for _ in 1..levels {
        value = Value::Array(vec![value]);
    }
    value
}

// ---------------------------------------------------------------------------------------------
// 1. the sample events
// ---------------------------------------------------------------------------------------------

#[test]
fn every_sample_file_is_covered_and_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry is readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut covered: Vec<String> = SAMPLES.iter().map(|(name, _)| name.to_string()).collect();
    covered.sort();
    assert_eq!(
        on_disk, covered,
        "every file in events/ must have a test here (and every test a file)"
    );
    for (name, text) in SAMPLES {
        let bytes = std::fs::read(dir.join(name)).expect("sample file is readable");
        let value = decode(&bytes).unwrap_or_else(|e| panic!("{name}: decode failed: {e}"));
        assert_eq!(
            value,
            sample(text),
            "{name}: decode and include_str! disagree"
        );
        if let Err(e) = parse(&value, settings()) {
            panic!("{name}: sample event is rejected: {e}");
        }
    }
}

#[test]
fn sample_alarm_action_rest_5xx() {
    let incident = parse_ok(&sample(ALARM_ACTION_REST_5XX));
    assert_eq!(incident.source, Source::AlarmAction);
    assert_eq!(named(&incident), [by_name("orders", Some("prod"))]);
    assert_eq!(incident.symptom.map(<&str>::from), Some("server-error"));
    let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-prod-5xx";
    assert_eq!(
        alarm(&incident),
        &AlarmInfo {
            name: "orders-prod-5xx".to_string(),
            arn: Some(arn.to_string()),
            state: "ALARM".to_string(),
            namespace: Some("AWS/ApiGateway".to_string()),
            metric: Some("5XXError".to_string()),
        }
    );
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    // Dedup key: alarm ARN + "@" + the state-change time in RFC 3339.
    assert_eq!(
        incident.id,
        format!("{arn}@2026-11-21T10:14:46.123+00:00"),
        "id is the alarm ARN and the state timestamp"
    );
    let (id_arn, id_time) = incident
        .id
        .split_once('@')
        .expect("alarm incident id has an '@' between ARN and time");
    assert_eq!(id_arn, arn);
    assert_eq!(
        DateTime::parse_from_rfc3339(id_time).map(|t| t.with_timezone(&Utc)),
        Ok(utc("2026-11-21T10:14:46.123Z")),
        "the time part of the id is RFC 3339"
    );
    // Window: [state time − max(30 min, 60 s × 1), invocation time].
    assert_eq!(
        incident.window,
        Window {
            start: utc("2026-11-21T09:44:46.123Z"),
            end: now(),
        }
    );
    assert_no_notes(&incident);
    assert_eq!(incident.change, None);
    assert_eq!(incident.dry_run, None);
    assert_eq!(incident.actions, None);
}

#[test]
fn sample_alarm_action_metric_math() {
    let incident = parse_ok(&sample(ALARM_ACTION_METRIC_MATH));
    assert_eq!(incident.source, Source::AlarmAction);
    // m1 (5XXError) and m2 (Count) both name ApiName=orders with no Stage: one target, every stage.
    assert_eq!(named(&incident), [by_name("orders", None)]);
    assert_eq!(incident.symptom.map(<&str>::from), Some("server-error"));
    let info = alarm(&incident);
    assert_eq!(info.name, "orders-daily-5xx-rate");
    assert_eq!(info.state, "ALARM");
    assert_eq!(info.namespace.as_deref(), Some("AWS/ApiGateway"));
    assert_eq!(
        info.metric.as_deref(),
        Some("5XXError"),
        "the `expression` entry names no metric; the first metricStat does"
    );
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(
        incident.id,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-daily-5xx-rate@2026-11-21T00:05:12.347+00:00"
    );
    // period 86400 s × 1 evaluation period is longer than the 30 min lookback.
    let state_time = utc("2026-11-21T00:05:12.347Z");
    assert_eq!(
        incident.window.start,
        state_time - Duration::seconds(86_400)
    );
    assert_eq!(incident.window.start, utc("2026-11-20T00:05:12.347Z"));
    assert!(
        incident.window.start <= state_time - Duration::days(1),
        "a daily alarm's window reaches at least one day back, got {:?}",
        incident.window
    );
    assert_eq!(incident.window.end, now());
    assert_no_notes(&incident);
}

#[test]
fn metric_math_window_multiplies_period_by_evaluation_periods() {
    let mut event = sample(ALARM_ACTION_METRIC_MATH);
    event["alarmData"]["configuration"]["evaluationPeriods"] = json!(3);
    let incident = parse_ok(&event);
    assert_eq!(
        incident.window.start,
        utc("2026-11-21T00:05:12.347Z") - Duration::seconds(3 * 86_400)
    );
}

#[test]
fn sample_alarm_action_http_5xx() {
    let incident = parse_ok(&sample(ALARM_ACTION_HTTP_5XX));
    assert_eq!(incident.source, Source::AlarmAction);
    assert_eq!(
        named(&incident),
        [by_id("h7t8p9a0b1", Some("$default"), true)]
    );
    assert_eq!(incident.symptom.map(<&str>::from), Some("server-error"));
    let info = alarm(&incident);
    assert_eq!(info.name, "orders-http-default-5xx");
    assert_eq!(info.state, "ALARM");
    assert_eq!(info.namespace.as_deref(), Some("AWS/ApiGateway"));
    assert_eq!(info.metric.as_deref(), Some("5xx"));
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(
        incident.id,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-http-default-5xx@2026-11-21T11:03:27.508+00:00"
    );
    assert_no_notes(&incident);
}

#[test]
fn sample_alarm_action_websocket_integration_error() {
    let incident = parse_ok(&sample(ALARM_ACTION_WEBSOCKET));
    assert_eq!(incident.source, Source::AlarmAction);
    assert_eq!(
        named(&incident),
        [by_id("w1s2o3c4k5", Some("production"), true)]
    );
    assert_eq!(incident.symptom.map(<&str>::from), Some("server-error"));
    let info = alarm(&incident);
    assert_eq!(info.name, "chat-ws-production-integration-error");
    assert_eq!(info.state, "ALARM");
    assert_eq!(info.namespace.as_deref(), Some("AWS/ApiGateway"));
    assert_eq!(info.metric.as_deref(), Some("IntegrationError"));
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_no_notes(&incident);
}

#[test]
fn sample_alarm_action_ok_is_acknowledged_only() {
    let incident = parse_ok(&sample(ALARM_ACTION_OK));
    assert_eq!(incident.source, Source::AlarmAction);
    assert_eq!(incident.scope, Scope::Nothing);
    let info = alarm(&incident);
    assert_eq!(info.name, "orders-prod-5xx");
    assert_eq!(info.state, "OK");
    assert_eq!(info.namespace.as_deref(), Some("AWS/ApiGateway"));
    assert_eq!(info.metric.as_deref(), Some("5XXError"));
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.notes.len(), 1, "one note: {:?}", incident.notes);
    assert!(
        incident.notes[0].contains("state OK") && incident.notes[0].contains("orders-prod-5xx"),
        "the note names the alarm and its state OK, got {:?}",
        incident.notes[0]
    );
}

#[test]
fn sample_alarm_action_composite_is_acknowledged_with_a_note() {
    let incident = parse_ok(&sample(ALARM_ACTION_COMPOSITE));
    assert_eq!(incident.source, Source::AlarmAction);
    assert_eq!(incident.scope, Scope::Nothing);
    let info = alarm(&incident);
    assert_eq!(info.name, "orders-api-health");
    assert_eq!(info.state, "ALARM");
    assert_eq!(info.namespace, None, "a composite alarm watches no metric");
    assert_eq!(info.metric, None);
    assert_eq!(incident.symptom, None);
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.notes.len(), 1, "one note: {:?}", incident.notes);
    assert!(
        incident.notes[0].contains("composite"),
        "the note says the alarm is composite, got {:?}",
        incident.notes[0]
    );
}

#[test]
fn sample_eventbridge_alarm_rest_4xx() {
    let incident = parse_ok(&sample(EVENTBRIDGE_ALARM_REST_4XX));
    assert_eq!(incident.source, Source::EventbridgeAlarm);
    assert_eq!(named(&incident), [by_name("orders", Some("prod"))]);
    assert_eq!(incident.symptom.map(<&str>::from), Some("client-error"));
    let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-prod-4xx";
    assert_eq!(
        alarm(&incident),
        &AlarmInfo {
            name: "orders-prod-4xx".to_string(),
            arn: Some(arn.to_string()),
            state: "ALARM".to_string(),
            namespace: Some("AWS/ApiGateway".to_string()),
            metric: Some("4XXError".to_string()),
        }
    );
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.id, format!("{arn}@2026-11-21T10:27:31.458+00:00"));
    assert_eq!(incident.window.start, utc("2026-11-21T09:57:31.458Z"));
    assert_eq!(incident.window.end, now());
    assert_no_notes(&incident);
}

// SPEC §2: a cross-account alarm lives in the monitoring account; the API is in the account of
// its metric query (`accountId` on the entry of `metrics`).
#[test]
fn a_cross_account_alarm_names_the_metrics_account() {
    let mut event = sample(EVENTBRIDGE_ALARM_REST_4XX);
    let metrics = event
        .pointer_mut("/detail/configuration/metrics")
        .and_then(Value::as_array_mut)
        .expect("metrics");
    let entry = metrics
        .iter_mut()
        .find(|m| m.get("metricStat").is_some())
        .expect("a metricStat entry");
    entry["accountId"] = json!("111122223333");
    let incident = parse_ok(&event);
    assert_eq!(incident.account.as_deref(), Some("111122223333"));
    // Without it, the alarm's own account.
    assert_eq!(
        parse_ok(&sample(EVENTBRIDGE_ALARM_REST_4XX))
            .account
            .as_deref(),
        Some("123456789012")
    );
}

/// The 5xx alarms of APIs whose integrations go through VPC links: the server-error symptom
/// that leads with the VPC-link findings.
#[test]
fn sample_eventbridge_alarms_on_vpc_link_apis() {
    let rest = parse_ok(&sample(EVENTBRIDGE_ALARM_REST_5XX_VPC_LINK));
    assert_eq!(rest.source, Source::EventbridgeAlarm);
    assert_eq!(named(&rest), [by_name("payments", Some("prod"))]);
    assert_eq!(rest.symptom.map(<&str>::from), Some("server-error"));
    assert_eq!(alarm(&rest).metric.as_deref(), Some("5XXError"));
    assert_eq!(
        rest.id,
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments-prod-5xx@2026-11-21T10:21:09.311+00:00"
    );
    assert_no_notes(&rest);
    let http = parse_ok(&sample(EVENTBRIDGE_ALARM_HTTP_5XX_VPC_LINK));
    assert_eq!(named(&http), [by_id("p4y5m6e7n8", Some("$default"), true)]);
    assert_eq!(http.symptom.map(<&str>::from), Some("server-error"));
    assert_eq!(alarm(&http).metric.as_deref(), Some("5xx"));
    assert_eq!(http.window.start, utc("2026-11-21T09:54:52.604Z"));
    assert_no_notes(&http);
}

#[test]
fn sample_sns_alarm_rest_5xx() {
    let incident = parse_ok(&sample(SNS_ALARM_REST_5XX));
    assert_eq!(incident.source, Source::SnsAlarm);
    assert_eq!(named(&incident), [by_name("orders", Some("prod"))]);
    assert_eq!(incident.symptom.map(<&str>::from), Some("server-error"));
    assert_eq!(
        alarm(&incident),
        &AlarmInfo {
            name: "orders-prod-5xx".to_string(),
            arn: Some(
                "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-prod-5xx".to_string()
            ),
            state: "ALARM".to_string(),
            namespace: Some("AWS/ApiGateway".to_string()),
            metric: Some("5XXError".to_string()),
        }
    );
    // The message's `Region` is "US East (N. Virginia)": the region code comes from the ARN.
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.window.start, utc("2026-11-21T09:44:46.123Z"));
    assert_no_notes(&incident);
}

#[test]
fn same_alarm_transition_has_the_same_id_via_sns_and_alarm_action() {
    let via_sns = parse_ok(&sample(SNS_ALARM_REST_5XX));
    let via_action = parse_ok(&sample(ALARM_ACTION_REST_5XX));
    assert_eq!(
        via_sns.id, via_action.id,
        "one alarm transition delivered twice must dedup to one incident id"
    );
}

#[test]
fn sample_schedule_is_a_sweep() {
    let incident = parse_ok(&sample(SCHEDULE));
    assert_eq!(incident.source, Source::Schedule);
    assert_eq!(incident.scope, Scope::Sweep);
    assert_eq!(incident.id, "e1f4c7a2-8b3d-6e59-0c2a-7d4f1b9e3a68");
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.alarm, None);
    assert_eq!(incident.symptom, None);
    assert_eq!(incident.window, default_window());
    assert_no_notes(&incident);
}

#[test]
fn sample_cloudtrail_update_rest_api_policy() {
    let incident = parse_ok(&sample(CLOUDTRAIL_UPDATE_REST_API_POLICY));
    assert_eq!(incident.source, Source::Cloudtrail);
    assert_eq!(named(&incident), [by_id("a1b2c3d4e5", None, false)]);
    assert_eq!(incident.id, "b2e5d8f1-3a6c-4b9e-8d2f-5c1a7e4b9d60");
    assert_eq!(incident.region.as_deref(), Some("us-east-1"));
    assert_eq!(incident.account.as_deref(), Some("123456789012"));
    assert_eq!(incident.alarm, None);
    assert_eq!(
        incident.change,
        Some(ChangeEvent {
            event_name: "UpdateRestApi".to_string(),
            event_time: utc("2026-11-21T09:52:10Z"),
            api_id: Some("a1b2c3d4e5".to_string()),
            policy_change: true,
        })
    );
    assert_eq!(incident.window, default_window());
    assert_no_notes(&incident);
}

#[test]
fn sample_manual_private_403() {
    let incident = parse_ok(&sample(MANUAL_PRIVATE_403));
    assert_eq!(incident.source, Source::Manual);
    assert_eq!(named(&incident), [by_id("a1b2c3d4e5", Some("prod"), false)]);
    assert_eq!(incident.symptom.map(<&str>::from), Some("forbidden"));
    assert_eq!(incident.id, "manual-20261121T103000.000Z");
    assert_eq!(incident.alarm, None);
    assert_eq!(incident.region, None);
    assert_eq!(incident.account, None);
    assert_eq!(incident.window, default_window());
    let client = incident
        .client
        .as_ref()
        .expect("the sample names the client");
    assert_eq!(client.vpc_id.as_deref(), Some("vpc-0a1b2c3d4e5f60718"));
    assert!(client.security_group_ids.is_empty());
    assert_eq!(client.subnet_id, None);
    assert_eq!(client.source_ip, None);
    let request = incident
        .request
        .as_ref()
        .expect("the sample names the request");
    assert_eq!(
        request.url.as_deref(),
        Some("https://vpce-0123456789abcdef0-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com/prod/items")
    );
    assert_eq!(request.method.as_deref(), Some("GET"));
    assert!(request.headers.is_empty());
    assert_eq!(
        incident.error,
        Some(ErrorHint {
            status: Some(403),
            error_type: Some("ForbiddenException".to_string()),
            message: Some("Forbidden".to_string()),
        })
    );
    assert_eq!(incident.dry_run, None);
    assert_eq!(incident.actions, None);
    assert_no_notes(&incident);
}

#[test]
fn sample_manual_websocket_410() {
    let incident = parse_ok(&sample(MANUAL_WEBSOCKET_410));
    assert_eq!(incident.source, Source::Manual);
    // A connection id names a WebSocket API: resolved as API Gateway v2 first.
    assert_eq!(named(&incident), [by_id("ws1a2b3c4d", Some("prod"), true)]);
    assert_eq!(incident.connection_id.as_deref(), Some("L0SM9cOFvHcCIhw="));
    assert_eq!(incident.symptom, Some(Symptom::Gone));
    assert_eq!(
        incident
            .error
            .as_ref()
            .and_then(|e| e.error_type.as_deref()),
        Some("GoneException")
    );
    assert_no_notes(&incident);
}

#[test]
fn sample_manual_sweep() {
    let incident = parse_ok(&sample(MANUAL_SWEEP));
    assert_eq!(incident.source, Source::Manual);
    assert_eq!(incident.scope, Scope::Sweep);
    assert_eq!(incident.symptom, None);
    assert_eq!(incident.window, default_window());
    assert_eq!((&incident.cursor, incident.reply), (&None, Reply::Report));
    assert_no_notes(&incident);
}

/// What the sweep's state machine sends after the first batch (template.yaml `NextBatch`).
#[test]
fn sample_manual_sweep_continue() {
    let incident = parse_ok(&sample(MANUAL_SWEEP_CONTINUE));
    assert_eq!(incident.scope, Scope::Sweep);
    let cursor = incident.cursor.as_ref().expect("a cursor");
    assert_eq!(
        (
            cursor.account.as_str(),
            cursor.region.as_str(),
            cursor.after.as_str()
        ),
        ("123456789012", "us-east-1", "k3x9q2w7e1")
    );
    assert_eq!(incident.reply, Reply::Summary);
    assert_no_notes(&incident);
}

// ---------------------------------------------------------------------------------------------
// 2. hand-built variants
// ---------------------------------------------------------------------------------------------

#[test]
fn alarm_outside_api_gateway_namespace_is_acknowledged() {
    let event = alarm_action(
        "web-cpu",
        "ALARM",
        json!([metric_stat(
            "AWS/EC2",
            "CPUUtilization",
            json!({ "InstanceId": "i-0123456789abcdef0" }),
            300
        )]),
    );
    let incident = parse_ok(&event);
    assert_eq!(incident.scope, Scope::Nothing);
    assert_eq!(incident.symptom, None);
    let info = alarm(&incident);
    assert_eq!(info.namespace.as_deref(), Some("AWS/EC2"));
    assert_eq!(info.metric.as_deref(), Some("CPUUtilization"));
    assert_eq!(incident.region.as_deref(), Some("eu-west-1"));
    assert_eq!(incident.account.as_deref(), Some("111122223333"));
    assert_eq!(incident.notes.len(), 1, "one note: {:?}", incident.notes);
    assert!(
        incident.notes[0].contains("AWS/ApiGateway") && incident.notes[0].contains("web-cpu"),
        "the note names the alarm and the namespace it is not in, got {:?}",
        incident.notes[0]
    );
}

#[test]
fn alarm_without_api_dimension_is_acknowledged() {
    // An account-level API Gateway metric: no ApiName, no ApiId.
    let event = alarm_action(
        "account-5xx",
        "ALARM",
        json!([metric_stat("AWS/ApiGateway", "5XXError", json!({}), 60)]),
    );
    let incident = parse_ok(&event);
    assert_eq!(incident.scope, Scope::Nothing);
    assert_eq!(
        alarm(&incident).namespace.as_deref(),
        Some("AWS/ApiGateway")
    );
    assert_eq!(incident.notes.len(), 1, "one note: {:?}", incident.notes);
    assert!(
        incident.notes[0].contains("ApiName") && incident.notes[0].contains("ApiId"),
        "the note says no ApiName/ApiId dimension, got {:?}",
        incident.notes[0]
    );

    // A Stage dimension alone does not name an API either.
    let stage_only = alarm_action(
        "stage-5xx",
        "ALARM",
        json!([metric_stat(
            "AWS/ApiGateway",
            "5XXError",
            json!({ "Stage": "prod" }),
            60
        )]),
    );
    let incident = parse_ok(&stage_only);
    assert_eq!(incident.scope, Scope::Nothing);
    assert_eq!(incident.notes.len(), 1, "one note: {:?}", incident.notes);
}

#[test]
fn alarm_in_insufficient_data_is_acknowledged() {
    let event = alarm_action(
        "orders-5xx",
        "INSUFFICIENT_DATA",
        json!([metric_stat(
            "AWS/ApiGateway",
            "5XXError",
            json!({ "ApiName": "orders" }),
            60
        )]),
    );
    let incident = parse_ok(&event);
    assert_eq!(incident.scope, Scope::Nothing);
    assert!(
        incident
            .notes
            .iter()
            .any(|n| n.contains("INSUFFICIENT_DATA")),
        "the note names the state, got {:?}",
        incident.notes
    );
}

#[test]
fn alarm_on_latency_names_symptom_and_dedups_targets() {
    let event = alarm_action(
        "orders-latency",
        "ALARM",
        json!([
            metric_stat(
                "AWS/ApiGateway",
                "Latency",
                json!({ "ApiName": "orders", "Stage": "prod" }),
                60
            ),
            metric_stat(
                "AWS/ApiGateway",
                "IntegrationLatency",
                json!({ "ApiName": "orders", "Stage": "prod" }),
                60
            ),
            metric_stat(
                "AWS/ApiGateway",
                "Latency",
                json!({ "ApiName": "orders", "Stage": "beta" }),
                60
            )
        ]),
    );
    let incident = parse_ok(&event);
    assert_eq!(incident.symptom.map(<&str>::from), Some("latency"));
    assert_eq!(
        named(&incident),
        [
            by_name("orders", Some("prod")),
            by_name("orders", Some("beta"))
        ]
    );
}

#[test]
fn sns_alarm_without_trigger_is_acknowledged_as_composite() {
    let message = json!({
        "AlarmName": "orders-api-health",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-api-health",
        "NewStateValue": "ALARM",
        "StateChangeTime": "2026-11-21T10:14:48.305+0000"
    });
    let event =
        json!({ "Records": [ { "Sns": { "MessageId": "m-1", "Message": message.to_string() } } ] });
    let incident = parse_ok(&event);
    assert_eq!(incident.source, Source::SnsAlarm);
    assert_eq!(incident.scope, Scope::Nothing);
    assert!(
        incident.notes.iter().any(|n| n.contains("composite")),
        "a note says composite, got {:?}",
        incident.notes
    );
}

#[test]
fn cloudtrail_description_patch_is_not_a_policy_change() {
    let event = cloudtrail(
        "UpdateRestApi",
        update_rest_api(&[("/description", "orders")]),
    );
    assert!(
        !policy_change(&event),
        "a /description patch is not a policy change"
    );
}

#[test]
fn cloudtrail_missing_patch_counts_as_policy_change() {
    let event = cloudtrail("UpdateRestApi", json!({ "restApiId": "a1b2c3d4e5" }));
    assert!(
        policy_change(&event),
        "an unreadable patch counts as a policy change"
    );
    let no_parameters = cloudtrail("UpdateRestApi", Value::Null);
    assert!(
        policy_change(&no_parameters),
        "no requestParameters at all: the patch cannot be read"
    );
}

// ---------------------------------------------------------------------------------------------
// CloudTrail records in the real layout (fixtures/README.md): the trigger and the event history
// ---------------------------------------------------------------------------------------------

const UPDATE_REST_API_POLICY: &str =
    include_str!("fixtures/eventbridge-update-rest-api-policy.json");
const CREATE_REST_STAGE: &str = include_str!("fixtures/custodian-create-rest-stage.json");
const DELETE_API_V2: &str = include_str!("fixtures/aws-spotlight-delete-api.json");

/// `requestParameters` of a real-layout `UpdateRestApi` on a1b2c3d4e5 with these (path, value)
/// operations.
fn update_rest_api(operations: &[(&str, &str)]) -> Value {
    let operations: Vec<Value> = operations
        .iter()
        .map(|(path, value)| json!({ "op": "replace", "path": path, "value": value }))
        .collect();
    json!({
        "restApiId": "a1b2c3d4e5",
        "updateRestApiInput": { "patchOperations": operations },
        "template": false
    })
}

/// A raw CloudTrail record (what `LookupEvents` returns as `CloudTrailEvent`) of `event_name`.
fn record(event_name: &str, request_parameters: Value) -> String {
    cloudtrail(event_name, request_parameters)["detail"].to_string()
}

/// What the event history says about a1b2c3d4e5's policy from one `UpdateRestApi` record.
fn history(request_parameters: Value) -> Option<ChangeEvidence> {
    history_evidence(
        "UpdateRestApi",
        &record("UpdateRestApi", request_parameters),
        "a1b2c3d4e5",
    )
}

/// A raw record as EventBridge delivers it.
fn in_eventbridge(record: &str) -> Value {
    json!({
        "version": "0",
        "id": "eb-1",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.apigateway",
        "detail": sample(record)
    })
}

#[test]
fn real_layout_update_rest_api_on_the_policy_is_a_policy_change() {
    let incident = parse_ok(&sample(UPDATE_REST_API_POLICY));
    assert_eq!(named(&incident), [by_id("abcdef74gh", None, false)]);
    assert_eq!(
        incident.change,
        Some(ChangeEvent {
            event_name: "UpdateRestApi".to_string(),
            event_time: utc("2022-07-13T19:36:44Z"),
            api_id: Some("abcdef74gh".to_string()),
            policy_change: true,
        })
    );
    let detail = sample(UPDATE_REST_API_POLICY)["detail"].to_string();
    assert_eq!(
        history_evidence("UpdateRestApi", &detail, "abcdef74gh"),
        Some(ChangeEvidence::Changed),
        "the event history reads the same record the same way"
    );
    assert_eq!(
        history_evidence("UpdateRestApi", &detail, "a1b2c3d4e5"),
        None,
        "a change to another API says nothing about this one"
    );
}

#[test]
fn real_v1_record_names_its_rest_api_and_changes_no_policy() {
    let incident = parse_ok(&in_eventbridge(CREATE_REST_STAGE));
    assert_eq!(named(&incident), [by_id("abcdef74gh", None, false)]);
    let change = incident.change.expect("the change is recorded");
    assert_eq!(change.event_name, "CreateStage");
    assert!(!change.policy_change);
}

#[test]
fn real_v2_record_names_its_api_by_a_flat_api_id() {
    let incident = parse_ok(&in_eventbridge(DELETE_API_V2));
    assert_eq!(named(&incident), [by_id("gk09okoppi", None, true)]);
    assert_eq!(incident.region.as_deref(), Some("ap-northeast-1"));
    let change = incident.change.expect("the change is recorded");
    assert_eq!(change.api_id.as_deref(), Some("gk09okoppi"));
    assert!(!change.policy_change, "v2 APIs have no resource policy");
}

#[test]
fn a_description_patch_is_no_policy_change_in_the_history_either() {
    assert_eq!(
        history(update_rest_api(&[("/description", "orders")])),
        None
    );
}

#[test]
fn the_patch_path_decides_not_the_value() {
    let escaped = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:\/*"}]}"#;
    assert_eq!(
        history(update_rest_api(&[("/policy", escaped)])),
        Some(ChangeEvidence::Changed),
        "an escaped policy document as the value"
    );
    assert!(policy_change(&cloudtrail(
        "UpdateRestApi",
        update_rest_api(&[("/policy", escaped)])
    )));
    let mentions_policy = update_rest_api(&[("/description", "see /policy")]);
    assert_eq!(history(mentions_policy.clone()), None);
    assert!(!policy_change(&cloudtrail(
        "UpdateRestApi",
        mentions_policy
    )));
    assert_eq!(
        history(update_rest_api(&[("/policyVersion", "2")])),
        None,
        "`/policy` is matched as a whole segment"
    );
    assert_eq!(
        history(update_rest_api(&[
            ("/name", "orders"),
            ("/policy", escaped)
        ])),
        Some(ChangeEvidence::Changed),
        "any operation on the policy is enough"
    );
}

#[test]
fn a_flat_patch_is_not_the_layout_cloudtrail_writes() {
    let flat = json!({
        "restApiId": "a1b2c3d4e5",
        "patchOperations": [ { "op": "replace", "path": "/description", "value": "orders" } ]
    });
    assert_eq!(history(flat.clone()), Some(ChangeEvidence::Unreadable));
    assert!(
        policy_change(&cloudtrail("UpdateRestApi", flat)),
        "a trigger whose patch cannot be read counts as a policy change (SPEC §1)"
    );
}

#[test]
fn a_history_record_whose_patch_was_cut_is_unknown_not_a_change() {
    let no_wrapper = json!({ "restApiId": "a1b2c3d4e5", "template": false });
    assert_eq!(history(no_wrapper), Some(ChangeEvidence::Unreadable));
    let pathless = json!({
        "restApiId": "a1b2c3d4e5",
        "updateRestApiInput": { "patchOperations": [ { "op": "replace", "value": "x" } ] }
    });
    assert_eq!(history(pathless), Some(ChangeEvidence::Unreadable));
    assert_eq!(
        history(Value::Null),
        Some(ChangeEvidence::Unreadable),
        "no request parameters: no API id either, so it may be this API's"
    );
    assert_eq!(
        history_evidence("UpdateRestApi", "{\"eventVersion\": \"1.", "a1b2c3d4e5"),
        Some(ChangeEvidence::Unreadable),
        "a record that is not JSON"
    );
}

#[test]
fn put_rest_api_counts_as_a_policy_change_whatever_its_body() {
    let import = |body: &str| {
        json!({
            "restApiId": "a1b2c3d4e5",
            "mode": "overwrite",
            "failOnWarnings": false,
            "body": body,
            "template": false
        })
    };
    let with_policy = r#"{"openapi":"3.0.1","x-amazon-apigateway-policy":{"Version":"2012-10-17","Statement":[]}}"#;
    for body in [
        with_policy,
        r#"{"openapi":"3.0.1","paths":{}}"#,
        "openapi: 3.0.1",
    ] {
        assert!(
            policy_change(&cloudtrail("PutRestApi", import(body))),
            "{body}"
        );
        assert_eq!(
            history_evidence(
                "PutRestApi",
                &record("PutRestApi", import(body)),
                "a1b2c3d4e5"
            ),
            Some(ChangeEvidence::Changed),
            "{body}"
        );
    }
    assert_eq!(
        history_evidence(
            "PutRestApi",
            &record("PutRestApi", Value::Null),
            "a1b2c3d4e5"
        ),
        Some(ChangeEvidence::Unreadable),
        "an import whose API is not recorded may be this API's"
    );
}

#[test]
fn a_failed_call_changed_nothing() {
    let mut event = cloudtrail("UpdateRestApi", update_rest_api(&[("/policy", "{}")]));
    event["detail"]["errorCode"] = json!("AccessDenied");
    event["detail"]["errorMessage"] = json!("User is not authorized to perform apigateway:PATCH");
    assert!(!policy_change(&event));
    assert_eq!(
        history_evidence("UpdateRestApi", &event["detail"].to_string(), "a1b2c3d4e5"),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// What the checks make of it: the event history behind UNDEPLOYED_POLICY_CHANGE, and the request
// an incident names (checks::deployments, checks::resource_policy::method_calls)
// ---------------------------------------------------------------------------------------------

#[test]
fn cloudtrail_wrapped_patch_operations_are_read() {
    let wrapped = |path: &str| {
        cloudtrail(
            "UpdateRestApi",
            json!({
                "restApiId": "a1b2c3d4e5",
                "updateRestApiInput": {
                    "patchOperations": [ { "op": "replace", "path": path, "value": "x" } ]
                }
            }),
        )
    };
    assert!(
        policy_change(&wrapped("/policy")),
        "a /policy patch inside updateRestApiInput is a policy change"
    );
    assert!(
        !policy_change(&wrapped("/description")),
        "the wrapped patch is read, not treated as unreadable"
    );
}

#[test]
fn cloudtrail_other_calls_are_not_policy_changes() {
    let event = cloudtrail(
        "UpdateIntegration",
        json!({
            "restApiId": "a1b2c3d4e5",
            "resourceId": "abc123",
            "httpMethod": "GET",
            "patchOperations": [ { "op": "replace", "path": "/uri", "value": "https://example.com" } ]
        }),
    );
    let incident = parse_ok(&event);
    let change = incident.change.as_ref().expect("the change is recorded");
    assert_eq!(change.event_name, "UpdateIntegration");
    assert!(!change.policy_change);
    assert_eq!(named(&incident), [by_id("a1b2c3d4e5", None, false)]);
}

#[test]
fn sns_message_that_is_not_json_is_invalid() {
    let event = json!({
        "Records": [ { "Sns": { "MessageId": "m-1", "Message": "ALARM: orders-prod-5xx went off" } } ]
    });
    let message = parse_err(&event);
    assert!(
        message.contains("Records[0].Sns.Message"),
        "the error names the field, got {message:?}"
    );
    assert_one_line(&message);
}

// SPEC §1: another detail-type is acknowledged (exit 0), not an InvalidEvent for the failure
// destination; only an event without EventBridge's source and detail is malformed.
#[test]
fn another_service_eventbridge_event_is_acknowledged_and_a_bare_detail_type_is_invalid() {
    let event = json!({
        "version": "0",
        "id": "x",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "detail": { "state": "running" }
    });
    let incident = parse_ok(&event);
    assert_eq!(incident.scope, Scope::Nothing);
    assert!(incident.notes[0].contains("EC2 Instance State-change Notification"));
    let message = parse_err(&json!({ "detail-type": "EC2 Instance State-change Notification" }));
    assert!(
        message.contains("EC2 Instance State-change Notification"),
        "the error names the detail-type, got {message:?}"
    );
    assert_one_line(&message);
}

// ---------------------------------------------------------------------------------------------
// 3. bad input (SPEC §1.1, §3)
// ---------------------------------------------------------------------------------------------

#[test]
fn non_object_events_are_invalid() {
    for event in [
        json!([]),
        json!([{ "api_id": "a1b2c3d4e5" }]),
        json!("a1b2c3d4e5"),
        json!(42),
        json!(true),
        Value::Null,
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("JSON object"),
            "{event}: the error says a JSON object is expected, got {message:?}"
        );
        assert_one_line(&message);
    }
}

#[test]
fn manual_unknown_field_is_named() {
    let message = parse_err(&json!({ "api_idd": "a1b2c3d4e5" }));
    assert!(message.contains("api_idd"), "names the field: {message:?}");
    assert_one_line(&message);
}

#[test]
fn manual_wrong_type_names_field_and_expected_type() {
    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "dry_run": "yes" }));
    assert!(message.contains("dry_run"), "names the field: {message:?}");
    assert!(message.contains("boolean"), "names the type: {message:?}");
    assert_one_line(&message);
}

#[test]
fn manual_nested_wrong_type_names_the_path() {
    let message = parse_err(&json!({
        "api_id": "a1b2c3d4e5",
        "client": { "security_group_ids": "sg-1" }
    }));
    assert!(
        message.contains("client.security_group_ids"),
        "names the nested field: {message:?}"
    );
    assert_one_line(&message);

    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "error": { "status": "403" } }));
    assert!(
        message.contains("error.status"),
        "names the nested field: {message:?}"
    );
    assert_one_line(&message);
}

#[test]
fn manual_unknown_nested_field_is_named() {
    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "error": { "staus": 403 } }));
    assert!(message.contains("staus"), "names the field: {message:?}");
    assert_one_line(&message);
}

#[test]
fn manual_unknown_symptom_is_invalid() {
    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "symptom": "slow" }));
    assert!(message.contains("symptom"), "names the field: {message:?}");
    assert!(message.contains("\"slow\""), "names the value: {message:?}");
    assert!(
        message.contains("forbidden"),
        "lists the symptoms: {message:?}"
    );
    assert_one_line(&message);
}

#[test]
fn manual_unknown_action_is_invalid() {
    let message = parse_err(&json!({
        "api_id": "a1b2c3d4e5",
        "actions": ["redeploy_stage", "delete_api"]
    }));
    assert!(message.contains("actions"), "names the field: {message:?}");
    assert!(
        message.contains("delete_api"),
        "names the action: {message:?}"
    );
    assert_one_line(&message);
}

#[test]
fn manual_account_must_be_12_digits() {
    for account in [
        "12345678901",
        "1234567890123",
        "12345678901a",
        "",
        "１２３４５６７８９０１２",
        " 23456789012",
    ] {
        let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "account": account }));
        assert!(
            message.contains("account"),
            "{account:?}: names the field: {message:?}"
        );
        assert_one_line(&message);
    }
    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "account": 111122223333_u64 }));
    assert!(message.contains("account"), "names the field: {message:?}");

    let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "account": "111122223333" }));
    assert_eq!(incident.account.as_deref(), Some("111122223333"));
}

#[test]
fn manual_without_target_is_invalid() {
    for event in [
        json!({}),
        json!({ "stage": "prod", "symptom": "forbidden" }),
        json!({ "sweep": false }),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("api_id") && message.contains("api_name") && message.contains("sweep"),
            "{event}: the error says how to name a target, got {message:?}"
        );
        assert_one_line(&message);
    }
}

#[test]
fn manual_sweep_with_a_target_is_invalid() {
    for event in [
        json!({ "sweep": true, "api_id": "a1b2c3d4e5" }),
        json!({ "sweep": true, "api_name": "orders" }),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("sweep"),
            "{event}: names sweep: {message:?}"
        );
        assert_one_line(&message);
    }
}

#[test]
fn manual_cursor_continues_only_a_sweep_and_must_be_one() {
    for (event, says) in [
        (
            json!({ "api_id": "a1b2c3d4e5", "cursor": "123456789012:us-east-1:a1b2c3d4e5" }),
            "sweep",
        ),
        (
            json!({ "sweep": true, "cursor": "a1b2c3d4e5" }),
            "not a cursor",
        ),
        (json!({ "sweep": true, "cursor": 7 }), "string"),
        (
            json!({ "sweep": true, "cursor": "12:us-east-1:a1b2c3d4e5" }),
            "12-digit",
        ),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("cursor") && message.contains(says),
            "{event}: {message:?}"
        );
        assert_one_line(&message);
    }
}

#[test]
fn manual_cursor_never_applies() {
    let cursor = "123456789012:us-east-1:a1b2c3d4e5";
    let message =
        parse_err(&json!({ "sweep": true, "cursor": cursor, "actions": ["redeploy_stage"] }));
    assert!(
        message.contains("actions") && message.contains("change budget"),
        "{message:?}"
    );
    assert_one_line(&message);
    // Narrowing to nothing is no change at all.
    let incident = parse_ok(&json!({ "sweep": true, "cursor": cursor, "actions": [] }));
    assert_eq!(incident.actions, Some(Vec::new()));
}

#[test]
fn manual_reply_is_report_or_summary() {
    let named = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "reply": "summary" }));
    assert_eq!(named.reply, Reply::Summary);
    let report = parse_ok(&json!({ "sweep": true, "reply": "report" }));
    assert_eq!(report.reply, Reply::Report);
    for wrong in [json!("full"), json!(true), json!("Summary")] {
        let message = parse_err(&json!({ "sweep": true, "reply": wrong }));
        assert!(message.contains("reply"), "{wrong}: {message:?}");
        assert_one_line(&message);
    }
}

#[test]
fn manual_empty_names_are_invalid() {
    for (field, event) in [
        ("api_id", json!({ "api_id": "" })),
        ("api_id", json!({ "api_id": "   " })),
        ("api_name", json!({ "api_name": "" })),
        ("stage", json!({ "api_id": "a1b2c3d4e5", "stage": "" })),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains(&format!("`{field}`")),
            "{event}: names {field}: {message:?}"
        );
        assert_one_line(&message);
    }
}

#[test]
fn manual_source_ip_must_be_an_ip_address() {
    for ip in ["10.0.1", "10.0.1.256", "localhost", "10.0.1.15/32", ""] {
        let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "client": { "source_ip": ip } }));
        assert!(
            message.contains("client.source_ip"),
            "{ip:?}: names the field: {message:?}"
        );
        assert_one_line(&message);
    }
    for ip in ["10.0.1.15", "2001:db8::1"] {
        let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "client": { "source_ip": ip } }));
        assert_eq!(
            incident.client.and_then(|c| c.source_ip).as_deref(),
            Some(ip)
        );
    }
}

#[test]
fn every_error_message_is_one_line() {
    let bad = [
        json!([1, 2]),
        json!("text"),
        Value::Null,
        json!({ "api_idd": "x" }),
        json!({ "api_id": "x", "dry_run": "yes" }),
        json!({ "api_id": "x", "client": { "security_group_ids": "sg-1" } }),
        json!({ "api_id": "x", "error": { "staus": 403 } }),
        json!({ "api_id": "x", "symptom": "broken" }),
        json!({ "api_id": "x", "actions": ["nuke"] }),
        json!({ "api_id": "x", "account": "42" }),
        json!({}),
        json!({ "sweep": true, "api_id": "x" }),
        json!({ "api_id": "" }),
        json!({ "api_id": "x", "client": { "source_ip": "nope" } }),
        json!({ "Records": [] }),
        json!({ "Records": [ { "Sns": { "Message": "{}" } } ] }),
        json!({ "Records": [ { "Sns": { "Message": "not json" } } ] }),
        json!({ "source": "aws.cloudwatch", "alarmData": "x" }),
        json!({ "source": "aws.cloudwatch", "alarmData": { "alarmName": "a" } }),
        json!({ "detail-type": 7 }),
        json!({ "detail-type": "Something Else" }),
        json!({ "detail-type": "CloudWatch Alarm State Change" }),
        json!({ "detail-type": "AWS API Call via CloudTrail", "detail": {
            "eventSource": "apigateway.amazonaws.com", "eventName": "UpdateRestApi",
            "eventTime": "yesterday" } }),
        nested_objects(MAX_EVENT_DEPTH + 1, json!(1)),
    ];
    for event in &bad {
        match parse(event, settings()) {
            Ok(incident) => panic!("{event}: should be rejected, got {incident:?}"),
            Err(InvalidEvent(message)) => {
                assert!(!message.is_empty(), "{event}: empty message");
                assert_one_line(&message);
            }
        }
    }
    for bytes in [&b"{"[..], b"", b"{\"a\":\n}", b"[1,\n2"] {
        let message = decode(bytes).expect_err("invalid JSON is rejected").0;
        assert_one_line(&message);
    }
}

// User-controlled strings end up in error messages: they must not break the one-line rule
// (SPEC §3: "a one-line reason on stderr").

#[test]
fn error_message_stays_one_line_when_detail_type_has_a_newline() {
    let message = parse_err(&json!({ "detail-type": "Scheduled\nEvent", "detail": {} }));
    assert_one_line(&message);
}

#[test]
fn error_message_stays_one_line_when_cloudtrail_event_time_has_a_newline() {
    let mut event = sample(CLOUDTRAIL_UPDATE_REST_API_POLICY);
    event["detail"]["eventTime"] = json!("2026-11-21\n09:52:10Z");
    let message = parse_err(&event);
    assert!(
        message.contains("eventTime"),
        "names the field: {message:?}"
    );
    assert_one_line(&message);
}

#[test]
fn error_message_stays_one_line_when_an_unknown_manual_field_has_a_newline() {
    let message = parse_err(&json!({ "api_id": "a1b2c3d4e5", "stage\nx": "prod" }));
    assert_one_line(&message);
}

// ---------------------------------------------------------------------------------------------
// 4. limits
// ---------------------------------------------------------------------------------------------

#[test]
fn event_nested_65_levels_is_invalid() {
    for event in [
        nested_arrays(MAX_EVENT_DEPTH + 1),
        nested_objects(MAX_EVENT_DEPTH, json!({})),
        nested_objects(MAX_EVENT_DEPTH + 1, json!(1)),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("deeper than 64"),
            "65 levels are rejected for depth, got {message:?}"
        );
    }
    // Depth is checked wherever the deep part is: root (1) → request (2) → headers (3) →
    // 62 arrays (4..=65).
    let mut event = sample(MANUAL_PRIVATE_403);
    event["request"]["headers"]["X-Deep"] = nested_arrays(MAX_EVENT_DEPTH - 2);
    let message = parse_err(&event);
    assert!(message.contains("deeper than 64"), "got {message:?}");
}

#[test]
fn event_nested_64_levels_is_not_rejected_for_depth() {
    for event in [
        nested_arrays(MAX_EVENT_DEPTH),
        nested_objects(MAX_EVENT_DEPTH - 1, json!({})),
    ] {
        // Not a valid manual event (unknown field / not an object), but not too deep.
        if let Err(InvalidEvent(message)) = parse(&event, settings()) {
            assert!(
                !message.contains("deeper") && !message.contains("nested"),
                "64 levels must not be rejected for depth, got {message:?}"
            );
        }
    }
}

/// 64 nested objects whose innermost value is a number: the number is not another nesting level.
#[test]
fn event_nested_64_levels_with_a_scalar_leaf_is_not_rejected_for_depth() {
    let event = nested_objects(MAX_EVENT_DEPTH, json!("leaf"));
    if let Err(InvalidEvent(message)) = parse(&event, settings()) {
        assert!(
            !message.contains("deeper") && !message.contains("nested"),
            "64 nested objects around a string are 64 levels, got {message:?}"
        );
    }
}

#[test]
fn very_deep_value_is_rejected_without_overflowing_the_stack() {
    let event = nested_arrays(2_000);
    let message = parse_err(&event);
    assert!(message.contains("deeper than 64"), "got {message:?}");
}

#[test]
fn decode_rejects_events_over_6_mb() {
    let bytes = vec![b' '; MAX_EVENT_BYTES + 1];
    let message = decode(&bytes).expect_err("6 MB + 1 byte is rejected").0;
    assert!(message.contains("6 MB"), "got {message:?}");
    assert_one_line(&message);

    // Exactly 6 MB is within the limit: a JSON string padded to the size.
    let mut bytes = vec![b'"'];
    bytes.resize(MAX_EVENT_BYTES - 1, b'a');
    bytes.push(b'"');
    assert_eq!(bytes.len(), MAX_EVENT_BYTES);
    let value = decode(&bytes).expect("an event of exactly 6 MB is accepted");
    assert!(value.is_string());
}

#[test]
fn decode_rejects_invalid_json() {
    for bytes in [
        &b"{"[..],
        b"",
        b"{\"api_id\": }",
        b"not json",
        b"{\"a\":1} trailing",
    ] {
        let message = decode(bytes).expect_err("invalid JSON is rejected").0;
        assert!(
            message.contains("not valid JSON"),
            "{:?}: got {message:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let value = decode(br#"{"sweep": true}"#).expect("valid JSON decodes");
    assert_eq!(value, json!({ "sweep": true }));
}

#[test]
fn decode_of_deeply_nested_json_is_an_error_not_a_panic() {
    for levels in [200, 100_000] {
        let text = format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        let result = decode(text.as_bytes());
        assert!(result.is_err(), "{levels} levels of nesting are rejected");
    }
    // Whatever decode accepts, parse rejects past 64 levels.
    let text = format!("{}{}", "[".repeat(100), "]".repeat(100));
    if let Ok(value) = decode(text.as_bytes()) {
        let message = parse_err(&value);
        assert!(message.contains("deeper than 64"), "got {message:?}");
    }
}

/// An alarm's period × evaluation periods comes from the event; absurd values must be an
/// `InvalidEvent` or a clamped window, never a panic (SPEC §1: "never a crash").
#[test]
fn absurd_alarm_periods_do_not_panic() {
    let with = |period: i64, evaluation_periods: i64| {
        let mut event = alarm_action(
            "orders-5xx",
            "ALARM",
            json!([metric_stat(
                "AWS/ApiGateway",
                "5XXError",
                json!({ "ApiName": "orders" }),
                period
            )]),
        );
        event["alarmData"]["configuration"]["evaluationPeriods"] = json!(evaluation_periods);
        event
    };
    let sns = |period: i64| {
        let message = json!({
            "AlarmName": "orders-5xx",
            "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-5xx",
            "NewStateValue": "ALARM",
            "StateChangeTime": "2026-11-21T10:14:46.123+0000",
            "Trigger": {
                "MetricName": "5XXError", "Namespace": "AWS/ApiGateway",
                "Dimensions": [ { "name": "ApiName", "value": "orders" } ],
                "Period": period, "EvaluationPeriods": 1
            }
        });
        json!({ "Records": [ { "Sns": { "Message": message.to_string() } } ] })
    };
    let cases = [
        (
            "period 1e13 s (beyond chrono's date range)",
            with(10_000_000_000_000, 1),
        ),
        ("period i64::MAX", with(i64::MAX, 1)),
        ("evaluationPeriods i64::MAX", with(86_400, i64::MAX)),
        ("SNS Period i64::MAX", sns(i64::MAX)),
    ];
    let mut panicked = Vec::new();
    for (label, event) in &cases {
        let outcome = std::panic::catch_unwind(|| parse(event, settings()));
        match outcome {
            Err(_) => panicked.push(*label),
            Ok(Ok(incident)) => assert!(
                incident.window.start <= incident.window.end,
                "{label}: window is ordered, got {:?}",
                incident.window
            ),
            Ok(Err(InvalidEvent(message))) => assert_one_line(&message),
        }
    }
    assert!(panicked.is_empty(), "parse panicked for: {panicked:?}");
}

// ---------------------------------------------------------------------------------------------
// 5. timestamps
// ---------------------------------------------------------------------------------------------

#[test]
fn parse_time_accepts_aws_formats() {
    assert_eq!(
        parse_time("2026-11-21T10:15:00.123+0000"),
        Some(utc("2026-11-21T10:15:00.123Z")),
        "CloudWatch's +0000 offset"
    );
    assert_eq!(
        parse_time("2026-11-21T10:15:00Z"),
        Some(utc("2026-11-21T10:15:00Z"))
    );
    assert_eq!(
        parse_time("2026-11-21T10:15:00.000+00:00"),
        Some(utc("2026-11-21T10:15:00Z"))
    );
    assert_eq!(
        parse_time("2026-11-21T12:15:00+0200"),
        Some(utc("2026-11-21T10:15:00Z")),
        "offsets are converted to UTC"
    );
}

#[test]
fn parse_time_rejects_non_timestamps() {
    for text in [
        "yesterday",
        "",
        "2026-11-21",
        "2026-11-21T10:15:00",
        "10:15:00Z",
    ] {
        assert_eq!(parse_time(text), None, "{text:?} is not a timestamp");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. metric names
// ---------------------------------------------------------------------------------------------

#[test]
fn symptom_for_every_metric_in_spec() {
    for (metric, symptom) in [
        ("5XXError", "server-error"),
        ("5xx", "server-error"),
        ("IntegrationError", "server-error"),
        ("ExecutionError", "server-error"),
        ("4XXError", "client-error"),
        ("4xx", "client-error"),
        ("ClientError", "client-error"),
        ("Latency", "latency"),
        ("IntegrationLatency", "latency"),
    ] {
        assert_eq!(
            symptom_for_metric(metric).map(<&str>::from),
            Some(symptom),
            "{metric}"
        );
    }
    for metric in [
        "Count",
        "CacheHitCount",
        "ConnectCount",
        "MessageCount",
        "",
        "5XX",
    ] {
        assert_eq!(
            symptom_for_metric(metric),
            None,
            "{metric:?} names no symptom"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 7. manual fields carried through
// ---------------------------------------------------------------------------------------------

// SPEC §1: a broad EventBridge rule must not fill the failure destination.
#[test]
fn another_eventbridge_detail_type_is_acknowledged_with_a_note() {
    let incident = parse_ok(&json!({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "CloudWatch Alarm Configuration Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2026-11-30T10:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-5xx"],
        "detail": { "alarmName": "orders-5xx", "operation": "update" }
    }));
    assert_eq!(incident.scope, Scope::Nothing);
    assert_eq!(incident.source, Source::Eventbridge);
    assert!(
        incident.notes[0].contains("CloudWatch Alarm Configuration Change"),
        "{:?}",
        incident.notes
    );
}

// SPEC §1.1: a WebSocket 410 investigation names the connection id; without a stage the
// gather step uses the API's only stage (or says the stage is needed).
#[test]
fn a_connection_id_is_carried_with_the_api_id() {
    let incident =
        parse_ok(&json!({ "api_id": "ws1a2b3c4d", "connection_id": "L0SM9cOFvHcCIhw=" }));
    assert_eq!(incident.connection_id.as_deref(), Some("L0SM9cOFvHcCIhw="));
    assert_eq!(named(&incident), [by_id("ws1a2b3c4d", None, true)]);
    assert_eq!(incident.symptom, None);
    let longest = "A".repeat(128);
    let incident = parse_ok(&json!({ "api_id": "ws1a2b3c4d", "connection_id": longest }));
    assert_eq!(incident.connection_id.as_deref(), Some(longest.as_str()));
}

#[test]
fn without_a_connection_id_the_target_is_not_hinted_as_v2() {
    let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5" }));
    assert_eq!(named(&incident), [by_id("a1b2c3d4e5", None, false)]);
    assert_eq!(incident.connection_id, None);
}

#[test]
fn a_bad_connection_id_is_a_one_line_error_naming_the_field() {
    for (connection_id, expected) in [
        (json!(""), "`connection_id`: must not be empty"),
        (json!("A".repeat(129)), "longer than 128 characters"),
        (json!("L0SM 9cOF"), "printable ASCII without spaces"),
        (json!("L0SM\n9cOF"), "printable ASCII without spaces"),
        (json!("L0SM\u{7f}"), "printable ASCII without spaces"),
        (json!("connexión"), "printable ASCII without spaces"),
        (json!(42), "`connection_id`: invalid type"),
    ] {
        let message = parse_err(&json!({ "api_id": "ws1a2b3c4d", "connection_id": connection_id }));
        assert!(message.contains(expected), "{connection_id}: {message}");
        assert!(!message.contains('\n'), "one line: {message:?}");
    }
}

#[test]
fn a_connection_id_needs_the_api_id() {
    for event in [
        json!({ "api_name": "chat", "connection_id": "L0SM9cOFvHcCIhw=" }),
        json!({ "sweep": true, "connection_id": "L0SM9cOFvHcCIhw=" }),
    ] {
        let message = parse_err(&event);
        assert!(
            message.contains("`connection_id`: needs `api_id`"),
            "{event}: {message}"
        );
    }
}

#[test]
fn an_error_type_alone_names_the_symptom() {
    for (error_type, symptom) in [
        ("ForbiddenException", Symptom::Forbidden),
        (
            "AccessDeniedException:http://internal.amazon.com/coral/",
            Symptom::Forbidden,
        ),
        ("GoneException", Symptom::Gone),
        ("InternalServerErrorException", Symptom::ServerError),
    ] {
        let incident =
            parse_ok(&json!({ "api_id": "a1b2c3d4e5", "error": { "error_type": error_type } }));
        assert_eq!(incident.symptom, Some(symptom), "{error_type}");
    }
    let unknown = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "error": { "error_type": "Teapot" } }));
    assert_eq!(unknown.symptom, None);
}

#[test]
fn manual_dry_run_and_actions_are_carried() {
    let incident = parse_ok(&json!({
        "api_name": "orders",
        "stage": "prod",
        "dry_run": true,
        "actions": ["redeploy_stage", "enable_execution_logging"],
        "account": "111122223333",
        "client": { "vpc_id": "vpc-1", "security_group_ids": ["sg-1", "sg-2"], "subnet_id": "subnet-1" },
        "request": { "url": "https://x.execute-api.us-east-1.amazonaws.com/prod/", "headers": { "Host": "x" } }
    }));
    assert_eq!(named(&incident), [by_name("orders", Some("prod"))]);
    assert_eq!(incident.dry_run, Some(true));
    assert_eq!(
        incident.actions,
        Some(vec![
            crate::action::Action::RedeployStage,
            crate::action::Action::EnableExecutionLogging
        ])
    );
    assert_eq!(incident.account.as_deref(), Some("111122223333"));
    let client = incident.client.expect("client is carried");
    assert_eq!(client.security_group_ids, ["sg-1", "sg-2"]);
    assert_eq!(client.subnet_id.as_deref(), Some("subnet-1"));
    let request = incident.request.expect("request is carried");
    assert_eq!(request.headers.get("Host").map(String::as_str), Some("x"));

    let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "dry_run": false, "actions": [] }));
    assert_eq!(incident.dry_run, Some(false), "false is kept as a wish");
    assert_eq!(
        incident.actions,
        Some(Vec::new()),
        "an empty list narrows to nothing"
    );
}

#[test]
fn manual_api_id_wins_over_api_name() {
    let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "api_name": "orders" }));
    assert_eq!(named(&incident), [by_id("a1b2c3d4e5", None, false)]);
}

#[test]
fn manual_symptom_defaults_from_error_status() {
    for (status, symptom) in [
        (403, Some("forbidden")),
        (504, Some("timeout")),
        (410, Some("gone")),
        (404, Some("client-error")),
        (502, Some("server-error")),
        (200, None),
    ] {
        let incident = parse_ok(&json!({ "api_id": "a1b2c3d4e5", "error": { "status": status } }));
        assert_eq!(
            incident.symptom.map(<&str>::from),
            symptom,
            "status {status}"
        );
    }
    let incident = parse_ok(&json!({
        "api_id": "a1b2c3d4e5",
        "symptom": "latency",
        "error": { "status": 504 }
    }));
    assert_eq!(
        incident.symptom.map(<&str>::from),
        Some("latency"),
        "an explicit symptom wins over the status"
    );
}

mod never_panics {
    use super::super::{decode, parse, IntakeSettings};
    use proptest::prelude::*;

    fn settings() -> IntakeSettings {
        IntakeSettings {
            now: chrono::DateTime::parse_from_rfc3339("2026-11-21T10:30:00Z")
                .expect("fixed time")
                .with_timezone(&chrono::Utc),
            lookback_minutes: 30,
        }
    }

    /// JSON values built from the field names the triggers use, so generated events reach deep
    /// into every parser rather than failing at the first key.
    fn event() -> impl Strategy<Value = serde_json::Value> {
        let keys = prop::sample::select(vec![
            "source",
            "alarmData",
            "alarmArn",
            "state",
            "value",
            "timestamp",
            "configuration",
            "metrics",
            "metricStat",
            "metric",
            "namespace",
            "name",
            "dimensions",
            "period",
            "detail-type",
            "detail",
            "Records",
            "Sns",
            "Message",
            "eventName",
            "eventTime",
            "requestParameters",
            "patchOperations",
            "api_id",
            "api_name",
            "stage",
            "client",
            "request",
            "error",
            "sweep",
            "actions",
            "dry_run",
        ]);
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            prop::sample::select(vec![
                "ALARM",
                "OK",
                "AWS/ApiGateway",
                "aws.cloudwatch",
                "5XXError",
                "CloudWatch Alarm State Change",
                "AWS API Call via CloudTrail",
                "apigateway.amazonaws.com",
                "2026-11-21T10:15:00.000+0000",
                "{\"AlarmName\":\"a\"}",
                "\n"
            ])
            .prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(6, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(keys.clone().prop_map(str::to_string), inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        // 256 cases, or PROPTEST_CASES for a long run (README: hostile input).
        #[test]
        fn any_json_event_is_parsed_or_rejected_on_one_line(value in event()) {
            if let Err(error) = parse(&value, settings()) {
                prop_assert!(!error.0.contains('\n'), "{}", error.0);
            }
        }

        #[test]
        fn any_bytes_are_decoded_or_rejected(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Ok(value) = decode(&bytes) {
                let _ = parse(&value, settings());
            }
        }
    }
}

// A v2 route or integration write in CloudTrail's event history, judged on a copy of a real
// v2 record (aws-spotlight's DeleteApi: `requestParameters.apiId`, no `resources`).
#[test]
fn a_v2_record_is_a_definition_change_of_its_own_api_only() {
    use crate::intake::{definition_evidence, ChangeEvidence};
    let record: Value = serde_json::from_str(DELETE_API_V2).expect("fixture");
    let api = record["requestParameters"]["apiId"]
        .as_str()
        .expect("apiId")
        .to_string();
    let text = |v: &Value| v.to_string();
    assert_eq!(
        definition_evidence(&text(&record), &api),
        Some(ChangeEvidence::Changed)
    );
    assert_eq!(definition_evidence(&text(&record), "other00001"), None);

    let mut failed = record.clone();
    failed["errorCode"] = json!("BadRequestException");
    assert_eq!(
        definition_evidence(&text(&failed), &api),
        None,
        "a failed call changed nothing"
    );

    let mut rest = record.clone();
    rest["requestParameters"] =
        json!({ "restApiId": api, "resourceId": "r1", "httpMethod": "GET" });
    assert_eq!(
        definition_evidence(&text(&rest), &api),
        None,
        "a REST UpdateIntegration of the same name is not a v2 write"
    );

    let mut cut = record.clone();
    cut["requestParameters"] = Value::Null;
    assert_eq!(
        definition_evidence(&text(&cut), &api),
        Some(ChangeEvidence::Unreadable)
    );
    assert_eq!(
        definition_evidence("not json", &api),
        Some(ChangeEvidence::Unreadable)
    );
}
