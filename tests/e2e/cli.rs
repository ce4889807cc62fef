//! The binary as an operator runs it: output formats, exit codes, snapshots and bad input.

use crate::support::{id, run_binary, test_env, Moto};
use serde_json::{json, Value};
use std::process::Output;

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON report ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The one-line reason printed for exit 2.
fn reason(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("apigw-doctor: "))
        .unwrap_or_else(|| panic!("no apigw-doctor: reason on stderr: {stderr}"));
    line.to_string()
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("apigw-doctor-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[test]
fn invoke_prints_one_report_and_exits_1_on_errors() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off", "--sg-blocks-443"]);
    let event = json!({
        "api_id": id(&ids, "api_id"),
        "client": { "vpc_id": id(&ids, "vpc_id"), "subnet_id": id(&ids, "client_subnet_id") }
    });
    let path = temp_file("invoke.json", event.to_string().as_bytes());
    let output = run_binary(
        &moto.env(),
        &[
            "invoke",
            "--event",
            path.to_str().expect("path"),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = stdout_json(&output);
    assert_eq!(report["schema"], "apigw-doctor/report/v1");
    assert_eq!(report["mode"], "dry-run");
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"VPC_ENDPOINT_PRIVATE_DNS_DISABLED")
            && codes.contains(&"VPC_ENDPOINT_SG_BLOCKS_HTTPS"),
        "{codes:?}"
    );
    assert!(report["stats"]["aws_calls"].as_u64().is_some_and(|n| n > 0));
}

#[test]
fn invoke_reads_standard_input_and_a_healthy_api_exits_0() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let event = json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } });
    let output = run_binary(
        &moto.env(),
        &["invoke", "--event", "-", "--format", "json"],
        Some(event.to_string().as_bytes()),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(stdout_json(&output)["findings"], json!([]));
}

#[test]
fn diagnose_text_output_names_codes_and_remedies() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off"]);
    let output = run_binary(
        &moto.env(),
        &[
            "diagnose",
            "--api-id",
            &id(&ids, "api_id"),
            "--client-vpc",
            &id(&ids, "vpc_id"),
            "--url",
            &format!(
                "https://{}.execute-api.us-east-1.amazonaws.com/prod/items",
                id(&ids, "api_id")
            ),
            "--format",
            "text",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[ERROR] VPC_ENDPOINT_PRIVATE_DNS_DISABLED"),
        "{text}"
    );
    assert!(text.contains("remedy: action enable_private_dns"), "{text}");
    assert!(text.contains("call: ec2:ModifyVpcEndpoint"), "{text}");
}

#[test]
fn a_snapshot_replays_the_same_findings_without_aws() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--nacl-blocks-443", "--private-dns-off"]);
    let snapshot = temp_file("snapshot.json", b"");
    let args = [
        "diagnose",
        "--api-id",
        &id(&ids, "api_id"),
        "--client-vpc",
        &id(&ids, "vpc_id"),
        "--format",
        "json",
    ];
    let mut live_args = args.to_vec();
    live_args.extend(["--snapshot-out", snapshot.to_str().expect("path")]);
    let live = stdout_json(&run_binary(&moto.env(), &live_args, None));

    // No endpoint, no credentials: any AWS call would fail.
    let offline_env = vec![("AWS_EC2_METADATA_DISABLED", "true".to_string())];
    let mut offline_args = args.to_vec();
    offline_args.extend(["--snapshot-in", snapshot.to_str().expect("path")]);
    let output = run_binary(&offline_env, &offline_args, None);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let offline = stdout_json(&output);
    assert_eq!(offline["findings"], live["findings"]);
    assert_eq!(offline["stats"]["aws_calls"], 0);
    assert!(live["findings"].as_array().is_some_and(|f| f.len() >= 2));
}

#[test]
fn malformed_events_exit_2_with_a_one_line_reason() {
    let cases: [(&[u8], &str); 6] = [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (br#"{"api_id": "a1b2c3d4e5", "stagee": "prod"}"#, "stagee"),
        (br#"{"api_id": "a1b2c3d4e5", "dry_run": "yes"}"#, "dry_run"),
        (
            br#"{"api_id": "a1b2c3d4e5", "client": {"security_group_ids": "sg-1"}}"#,
            "client.security_group_ids",
        ),
        (br#"{"stage": "prod"}"#, "api_id"),
    ];
    for (event, expected) in cases {
        let output = run_binary(
            &test_env(),
            &["invoke", "--event", "-", "--format", "json"],
            Some(event),
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(event)
        );
        let line = reason(&output);
        assert!(line.contains(expected), "{line} should mention {expected}");
        assert!(
            output.stdout.is_empty(),
            "nothing on stdout for a malformed event"
        );
    }
}

#[test]
fn an_unknown_api_id_exits_2_and_still_prints_the_report() {
    let moto = Moto::start();
    let output = run_binary(
        &moto.env(),
        &["diagnose", "--api-id", "nosuchapi1", "--format", "json"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(reason(&output).contains("nosuchapi1"));
    assert_eq!(
        stdout_json(&output)["findings"][0]["code"],
        "TARGET_NOT_FOUND"
    );
}

#[test]
fn an_unreachable_endpoint_exits_2() {
    let mut env = test_env();
    env.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()));
    env.push(("AWS_MAX_ATTEMPTS", "1".to_string()));
    let output = run_binary(
        &env,
        &["diagnose", "--api-id", "a1b2c3d4e5", "--format", "json"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let line = reason(&output);
    assert!(line.contains("Unreachable"), "{line}");
    assert_eq!(
        stdout_json(&output)["incomplete"][0]["error"],
        "Unreachable"
    );
}

#[test]
fn missing_credentials_exit_2() {
    let env = vec![
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_CONFIG_FILE", "/nonexistent".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".to_string()),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".to_string()),
    ];
    let output = run_binary(&env, &["diagnose", "--api-id", "a1b2c3d4e5"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        reason(&output).contains("no AWS credentials"),
        "{}",
        reason(&output)
    );
}

#[test]
fn invalid_configuration_names_the_variable() {
    let mut env = test_env();
    env.push(("APIGW_DOCTOR_MODE", "yolo".to_string()));
    let output = run_binary(&env, &["sweep"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(reason(&output).contains("APIGW_DOCTOR_MODE"));
}

#[test]
fn an_alarm_back_in_ok_is_acknowledged_with_exit_0() {
    let moto = Moto::start();
    let event = include_str!("../../events/alarm-action-ok.json");
    let output = run_binary(
        &moto.env(),
        &["invoke", "--event", "-", "--format", "json"],
        Some(event.as_bytes()),
    );
    assert_eq!(output.status.code(), Some(0));
    let report = stdout_json(&output);
    assert_eq!(report["findings"], json!([]));
    assert_eq!(report["stats"]["aws_calls"], 0);
    assert!(report["incident"]["notes"][0]
        .as_str()
        .is_some_and(|n| n.contains("OK")));
}

#[test]
fn credentials_never_reach_the_output_even_at_trace_level() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY";
    let token = "FwoGZXIvYXdzSESSIONTOKENdoNotPrint";
    let mut env: Vec<(&str, String)> = moto
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "AWS_SECRET_ACCESS_KEY")
        .collect();
    env.push(("AWS_SECRET_ACCESS_KEY", secret.to_string()));
    env.push(("AWS_SESSION_TOKEN", token.to_string()));
    env.push(("RUST_LOG", "trace".to_string()));
    let output = run_binary(
        &env,
        &[
            "diagnose",
            "--api-id",
            &id(&ids, "api_id"),
            "--format",
            "json",
        ],
        None,
    );
    let everything = [output.stdout.as_slice(), output.stderr.as_slice()].concat();
    let text = String::from_utf8_lossy(&everything);
    assert!(
        output.stderr.len() > 1000,
        "trace logging was on: {} bytes of logs",
        output.stderr.len()
    );
    assert!(!text.contains(secret), "the secret key was printed");
    assert!(!text.contains(token), "the session token was printed");
}

// SPEC §1: an event for another account or region cannot be diagnosed here; the report says
// so in its notes and `incomplete`, and the CLI exits 2 — never a clean-looking empty report.
#[test]
fn another_account_or_region_is_named_in_notes_and_incomplete_and_exits_2() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let alarm_elsewhere = json!({
        "version": "0", "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
        "account": "123456789012", "time": "2026-11-30T10:00:00Z", "region": "eu-west-1",
        "resources": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-5xx"],
        "detail": {
            "alarmName": "orders-5xx",
            "state": { "value": "ALARM", "reason": "Threshold Crossed", "timestamp": "2026-11-30T10:00:00.000+0000" },
            "previousState": { "value": "OK", "reason": "", "timestamp": "2026-11-30T09:00:00.000+0000" },
            "configuration": { "metrics": [{ "id": "m1", "metricStat": { "metric": {
                "namespace": "AWS/ApiGateway", "name": "5XXError",
                "dimensions": { "ApiName": "orders", "Stage": "prod" } },
                "period": 60, "stat": "Sum" }, "returnData": true }] }
        }
    });
    let cases = [
        (
            json!({ "api_id": api, "account": "999988887777" }),
            "999988887777",
        ),
        (alarm_elsewhere, "eu-west-1"),
    ];
    for (event, named) in cases {
        let file = temp_file("elsewhere.json", event.to_string().as_bytes());
        let output = run_binary(
            &moto.env(),
            &[
                "invoke",
                "--event",
                file.to_str().expect("path"),
                "--format",
                "json",
            ],
            None,
        );
        assert_eq!(output.status.code(), Some(2), "{}", reason(&output));
        let report = stdout_json(&output);
        let notes = report["incident"]["notes"].to_string();
        assert!(notes.contains(named), "{notes}");
        let incomplete = report["incomplete"].to_string();
        assert!(incomplete.contains(named), "{incomplete}");
        assert_eq!(report["actions"], json!([]));
    }
}
