//! The Lambda path end to end: the built binary serving a local Runtime API and answering
//! a real diagnosis and a malformed event.

use crate::support::{id, python, repo, Moto};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Runs the built binary as a Lambda function on a local Runtime API that serves `events`
/// (each `(event, deadline in ms)`), with `env` added; returns one answer per event.
fn invoke(moto: &Moto, events: &[(Value, u64)], env: &[(&str, &str)]) -> Vec<Value> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("apigw-doctor-runtime-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let arguments: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(index, (event, deadline_ms))| {
            let path = dir.join(format!("event-{index}.json"));
            std::fs::write(&path, event.to_string()).expect("write event");
            format!("{}@{deadline_ms}", path.display())
        })
        .collect();
    let mut runtime = Command::new(python())
        .arg(repo("tests/lambda/runtime_api.py"))
        .args(&arguments)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the runtime API");
    let mut answers = BufReader::new(runtime.stdout.take().expect("stdout")).lines();
    let port = answers.next().expect("a port line").expect("read port");

    let mut function = Command::new(env!("CARGO_BIN_EXE_apigw-doctor"))
        .env_clear()
        .envs(moto.env())
        .envs(env.iter().copied())
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "apigw-doctor")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/apigw-doctor")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the function");
    let replies: Vec<Value> = events
        .iter()
        .map(|_| {
            let line = answers.next().expect("an answer").expect("read answer");
            serde_json::from_str(&line).expect("answers are JSON")
        })
        .collect();
    let _ = function.kill();
    let _ = function.wait();
    let _ = runtime.kill();
    let _ = runtime.wait();
    let _ = std::fs::remove_dir_all(&dir);
    replies
}

#[test]
fn the_binary_serves_the_runtime_api() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off"]);
    let diagnosis =
        json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } });
    let malformed = json!({ "api_id": "x", "colour": "red" });
    let answers = invoke(&moto, &[(diagnosis, 60_000), (malformed, 60_000)], &[]);
    let (first, second) = (&answers[0], &answers[1]);

    assert_eq!(first["kind"], "response", "{first:#}");
    let report = &first["body"];
    assert_eq!(report["schema"], "apigw-doctor/report/v1");
    assert_eq!(report["incident"]["source"], "manual");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "VPC_ENDPOINT_PRIVATE_DNS_DISABLED"),
        "{report:#}"
    );

    assert_eq!(second["kind"], "error", "{second:#}");
    assert_eq!(second["body"]["errorType"], "InvalidEvent");
    let message = second["body"]["errorMessage"].as_str().expect("message");
    assert!(message.contains("colour"), "{message}");
}

// Issue 14: with the invocation's deadline inside the function's safety margin (3 s), no read
// or write starts; a sweep and an apply both answer with a report that says what could not be
// read, and nothing is changed.
#[test]
fn a_deadline_already_reached_answers_with_an_honest_report_and_changes_nothing() {
    let moto = Moto::start();
    let ids = moto.seed(&[
        "private",
        "--private-dns-off",
        "--undeployed-change",
        "--logging-off",
    ]);
    let before = moto.state();
    let api = id(&ids, "api_id");
    let apply = json!({
        "api_id": api,
        "client": { "vpc_id": id(&ids, "vpc_id") },
        "request": { "url": format!("https://{api}.execute-api.us-east-1.amazonaws.com/prod/items") }
    });
    let sweep = json!({ "sweep": true, "actions": ["redeploy_stage"] });
    let answers = invoke(
        &moto,
        &[(sweep, 2_500), (apply, 2_500)],
        &[
            ("APIGW_DOCTOR_MODE", "apply"),
            (
                "APIGW_DOCTOR_ACTIONS",
                "redeploy_stage,enable_private_dns,enable_execution_logging",
            ),
        ],
    );
    for answer in &answers {
        assert_eq!(answer["kind"], "response", "{answer:#}");
        let report = &answer["body"];
        assert_eq!(report["schema"], "apigw-doctor/report/v1");
        let incomplete = report["incomplete"].to_string();
        assert!(incomplete.contains("Deadline"), "{report:#}");
        assert_eq!(report["stats"]["aws_calls"], 0, "{report:#}");
        assert!(
            report["actions"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|a| a["status"] != "verified" && a["status"] != "applied"),
            "{report:#}"
        );
    }
    assert_eq!(
        crate::support::differences(&before, &moto.state()),
        Vec::<String>::new()
    );
}

/// The events of the deadline tests: a sweep that may redeploy, and a named apply of three
/// actions on the seeded private API.
fn sweep_and_apply(ids: &Value) -> (Value, Value) {
    let api = id(ids, "api_id");
    let apply = json!({
        "api_id": api,
        "client": { "vpc_id": id(ids, "vpc_id") },
        "request": { "url": format!("https://{api}.execute-api.us-east-1.amazonaws.com/prod/items") }
    });
    (
        json!({ "sweep": true, "actions": ["redeploy_stage"] }),
        apply,
    )
}

const APPLY_ENV: [(&str, &str); 2] = [
    ("APIGW_DOCTOR_MODE", "apply"),
    (
        "APIGW_DOCTOR_ACTIONS",
        "redeploy_stage,enable_private_dns,enable_execution_logging",
    ),
];

/// The answer reached the runtime before the deadline it gave: both times are the runtime
/// script's, never this test's clock.
fn answered_in_time(answer: &Value) {
    let deadline = answer["deadline_ms"]
        .as_u64()
        .expect("the runtime's deadline");
    let posted = answer["posted_ms"]
        .as_u64()
        .expect("when the answer was posted");
    assert!(
        posted < deadline,
        "answered at {posted}, deadline {deadline}"
    );
    assert_eq!(answer["kind"], "response", "{answer:#}");
    assert_eq!(answer["body"]["schema"], "apigw-doctor/report/v1");
}

/// The report's action row for `action` (one per action in these scenarios).
fn row<'a>(report: &'a Value, action: &str) -> &'a Value {
    let rows = crate::support::actions(report, action);
    assert_eq!(rows.len(), 1, "{report:#}");
    rows[0]
}

// Issue 14: the deadline lands while a read is in flight (the emulator holds every GetStages
// answer far longer than the invocation): a sweep and an apply answer before the deadline, the
// cut reads are in `incomplete` as Deadline, nothing is applied and nothing changes.
#[test]
fn a_deadline_landing_during_the_reads_cuts_them_and_changes_nothing() {
    let moto = Moto::start();
    let ids = moto.seed(&[
        "private",
        "--private-dns-off",
        "--undeployed-change",
        "--logging-off",
    ]);
    let before = moto.state();
    moto.delay("apigateway:GetStages", 60_000);
    let (sweep, apply) = sweep_and_apply(&ids);
    // 3 s margin: the function stops calling 5 s in, long after the first reads have answered.
    let answers = invoke(&moto, &[(sweep, 8_000), (apply, 8_000)], &APPLY_ENV);
    for answer in &answers {
        answered_in_time(answer);
        let report = &answer["body"];
        let incomplete = report["incomplete"].as_array().expect("incomplete");
        assert!(
            incomplete
                .iter()
                .any(|i| i["step"] == "apigateway:GetStages" && i["error"] == "Deadline"),
            "{report:#}"
        );
        assert!(
            incomplete.iter().all(|i| i["error"] == "Deadline"),
            "{report:#}"
        );
        // The deadline landed mid-run: the reads before the held one were made.
        assert!(
            report["stats"]["aws_calls"].as_u64() > Some(0),
            "{report:#}"
        );
        assert!(
            report["actions"]
                .as_array()
                .expect("actions")
                .iter()
                .all(|a| !["verified", "applied", "failed"]
                    .contains(&a["status"].as_str().unwrap_or_default())),
            "{report:#}"
        );
    }
    assert_eq!(
        crate::support::differences(&before, &moto.state()),
        Vec::<String>::new()
    );
}

// Issue 14: the deadline lands while a write is in flight (the emulator makes the change at once
// and holds its answer): the change before it is verified and whole, the cut write is pending
// and said to have maybe taken effect, the change after it is pending with nothing changed,
// and the emulator holds exactly those changes, each whole.
#[test]
fn a_deadline_landing_during_an_apply_leaves_each_change_whole_and_the_rest_pending() {
    let moto = Moto::start();
    let ids = moto.seed(&[
        "private",
        "--private-dns-off",
        "--undeployed-change",
        "--logging-off",
    ]);
    let before = moto.state();
    moto.delay("ec2:ModifyVpcEndpoint", 60_000);
    let (_, apply) = sweep_and_apply(&ids);
    // The function stops calling 10 s in: the reads and the redeploy are done well before.
    let answers = invoke(&moto, &[(apply, 13_000)], &APPLY_ENV);
    answered_in_time(&answers[0]);
    let report = &answers[0]["body"];
    assert_eq!(report["incomplete"], json!([]), "{report:#}");

    let redeploy = row(report, "redeploy_stage");
    assert_eq!(redeploy["status"], "verified", "{report:#}");
    let dns = row(report, "enable_private_dns");
    assert_eq!(dns["status"], "pending", "{report:#}");
    let reason = dns["reason"].as_str().expect("reason");
    assert!(
        reason.contains("may have taken effect") && reason.contains("Deadline"),
        "{reason}"
    );
    let logging = row(report, "enable_execution_logging");
    assert_eq!(logging["status"], "pending", "{report:#}");
    assert!(
        logging["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("nothing was changed")),
        "{report:#}"
    );

    let after = moto.state();
    let (api, vpce) = (id(&ids, "api_id"), id(&ids, "vpce_id"));
    let rest = format!("/apigateway/123456789012/us-east-1/restApis/{api}");
    let deployment = redeploy["after"]["deployment_id"]
        .as_str()
        .expect("deployment");
    let whole = [
        format!("{rest}/deployments/{deployment}/"),
        format!("{rest}/stages/prod/deploymentId"),
        format!("/ec2/123456789012/us-east-1/vpcEndpoints/{vpce}/privateDnsEnabled"),
    ];
    let differences = crate::support::differences(&before, &after);
    let stray: Vec<&String> = differences
        .iter()
        .filter(|d| !whole.iter().any(|w| d.starts_with(w.as_str())))
        .collect();
    assert!(
        stray.is_empty(),
        "changes no action accounts for: {stray:#?}"
    );
    let stage =
        &after["apigateway"]["123456789012"]["us-east-1"]["restApis"][&api]["stages"]["prod"];
    assert_eq!(stage["deploymentId"], deployment);
    assert!(differences.iter().any(|d| d.starts_with(whole[0].as_str())));
    let endpoint = &after["ec2"]["123456789012"]["us-east-1"]["vpcEndpoints"][&vpce];
    assert_eq!(
        endpoint["privateDnsEnabled"], true,
        "the held write took effect"
    );
}
