//! A sweep past one invocation (SPEC §4 `cursor`): batches that continue from each other's
//! cursor read every API once and find what one whole sweep finds; the deadline ends a batch;
//! a cursor only continues the account and region it came from; the state machine in
//! `template.yaml` loops on the cursor through the real binary.

use crate::support::{config, handle_within, repo, run_binary, Moto};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// `(code, api_id, stage, resource)` of every finding, sorted: what two sweeps must agree on.
fn claims(report: &Value) -> Vec<(String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut claims: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                text(&f["code"]),
                text(&f["api_id"]),
                text(&f["stage"]),
                text(&f["resource"]),
            )
        })
        .collect();
    claims.sort();
    claims
}

fn target_ids(report: &Value) -> Vec<String> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["api_id"].as_str().map(str::to_string))
        .collect()
}

/// `count` bare REST APIs named `<prefix>-<n>`, through clients of their own (the run's count
/// only what the run sends).
async fn create_rest_apis(moto: &Moto, prefix: &str, count: usize) {
    let aws = moto.aws().await;
    for n in 0..count {
        aws.apigateway
            .create_rest_api()
            .name(format!("{prefix}-{n}"))
            .send()
            .await
            .expect("create a REST API");
    }
}

/// REST (private and regional, two of one name), HTTP and WebSocket APIs in one region.
fn mixed_region(moto: &Moto) {
    moto.seed(&["public", "--private-dns-off"]);
    moto.seed(&["same-name"]);
    moto.seed(&["v2"]);
}

#[tokio::test]
async fn batches_from_cursor_to_cursor_read_every_api_once_and_find_what_one_sweep_finds() {
    let moto = Moto::start();
    mixed_region(&moto);
    let whole = moto.report(&json!({ "sweep": true })).await;
    assert_eq!(whole.get("cursor"), None, "a finished sweep has no cursor");
    let everything = target_ids(&whole);
    assert!(everything.len() >= 5, "{everything:?}");

    let batch = config(&[("APIGW_DOCTOR_SWEEP_BATCH", "2")]);
    let mut event = json!({ "sweep": true });
    let (mut seen, mut found, mut batches) = (Vec::new(), Vec::new(), 0);
    loop {
        let report = moto.report_with(batch.clone(), &event).await;
        batches += 1;
        let mut ids = target_ids(&report);
        assert!(ids.len() <= 2, "batch {batches}: {ids:?}");
        // A batch lists REST APIs before v2 ones; the batches themselves follow the id order.
        ids.sort();
        seen.extend(ids);
        found.extend(claims(&report));
        match report["cursor"].as_str() {
            Some(cursor) => event = json!({ "sweep": true, "cursor": cursor }),
            None => break,
        }
        assert!(batches < 20, "the cursor does not advance: {report:#}");
    }
    let mut sorted = everything.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "every API once, in id order");
    assert_eq!(batches, everything.len().div_ceil(2));
    found.sort();
    assert_eq!(
        found,
        claims(&whole),
        "the batches claim what one sweep claims"
    );
}

#[tokio::test]
async fn a_batch_ends_when_another_chunk_might_not_finish_before_the_deadline() {
    let moto = Moto::start();
    create_rest_apis(&moto, "fleet", apigw_doctor::sweep::CHUNK_APIS + 2).await;
    let aws = moto.aws().await;
    // Time for one chunk and the reserve, never for two chunks and the reserve.
    let room = apigw_doctor::sweep::RESERVE + Duration::from_secs(1);
    let outcome = handle_within(aws, config(&[]), &json!({ "sweep": true }), Some(room)).await;
    let first = serde_json::to_value(&outcome.report).expect("json");
    let ids = target_ids(&first);
    assert_eq!(ids.len(), apigw_doctor::sweep::CHUNK_APIS, "{first:#}");
    let cursor = first["cursor"].as_str().expect("a cursor").to_string();
    assert!(
        cursor.ends_with(&format!(":{}", ids[ids.len() - 1])),
        "{cursor}"
    );
    assert!(first["incomplete"].as_array().is_some_and(Vec::is_empty));

    let rest = moto
        .report(&json!({ "sweep": true, "cursor": cursor }))
        .await;
    let rest_ids = target_ids(&rest);
    assert_eq!(rest_ids.len(), 2, "{rest:#}");
    assert!(rest_ids.iter().all(|id| id > &ids[ids.len() - 1]));
    assert_eq!(rest.get("cursor"), None);
}

#[tokio::test]
async fn a_cursor_from_another_account_or_region_continues_nothing() {
    let moto = Moto::start();
    mixed_region(&moto);
    // The cursor names its account, which is the run's when the event names none: another
    // account needs the member role; another region is refused outright.
    for (cursor, says) in [
        (
            "111122223333:us-east-1:a1b2c3d4e5",
            "account 111122223333 is not this account",
        ),
        (
            "123456789012:eu-west-1:a1b2c3d4e5",
            "the cursor continues a sweep of account 123456789012 region eu-west-1",
        ),
    ] {
        let outcome = moto
            .handle(&json!({ "sweep": true, "cursor": cursor }))
            .await;
        let reason = outcome.fatal.as_deref().expect("not diagnosed");
        assert!(reason.starts_with(says), "{reason}");
        assert!(outcome.report.targets.is_empty());
        let summary =
            serde_json::to_value(outcome.report.summary(outcome.fatal.as_deref())).expect("json");
        assert_eq!(summary["not_diagnosed"], reason);
    }
}

/// The CLI's `sweep --cursor` and an `invoke` asking for the summary, through the binary.
#[test]
fn the_command_line_continues_a_sweep_and_answers_a_summary() {
    let moto = Moto::start();
    mixed_region(&moto);
    let mut env = moto.env();
    env.push(("APIGW_DOCTOR_SWEEP_BATCH", "3".to_string()));
    let first = run_binary(&env, &["sweep", "--format", "json"], None);
    let first: Value = serde_json::from_slice(&first.stdout).expect("a report");
    let cursor = first["cursor"].as_str().expect("a cursor");
    let next = run_binary(
        &env,
        &["sweep", "--cursor", cursor, "--format", "json"],
        None,
    );
    let next: Value = serde_json::from_slice(&next.stdout).expect("a report");
    let (a, b): (BTreeSet<String>, BTreeSet<String>) = (
        target_ids(&first).into_iter().collect(),
        target_ids(&next).into_iter().collect(),
    );
    assert_eq!((a.len(), a.intersection(&b).count()), (3, 0), "{a:?} {b:?}");

    let event = json!({ "sweep": true, "cursor": cursor, "reply": "summary" }).to_string();
    let answer = run_binary(
        &env,
        &["invoke", "--event", "-", "--format", "json"],
        Some(event.as_bytes()),
    );
    let summary: Value = serde_json::from_slice(&answer.stdout).expect("a summary");
    assert_eq!(summary["schema"], "apigw-doctor/summary/v1");
    assert_eq!(summary["targets"], json!(b.len()));
    assert_eq!(
        summary["cursor"],
        next.get("cursor").cloned().unwrap_or(Value::Null)
    );
    assert_eq!(summary["not_diagnosed"], Value::Null);

    // Only a sweep's first run may apply: a continued one with actions is refused, unchanged.
    let before = moto.state();
    let refused = run_binary(
        &env,
        &[
            "sweep",
            "--cursor",
            cursor,
            "--apply",
            "--actions",
            "redeploy_stage",
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    let reason = String::from_utf8_lossy(&refused.stderr);
    assert!(reason.contains("change budget"), "{reason}");
    assert_eq!(moto.state(), before);
}

/// Runs the sweep's state machine (template.yaml `SweepStateMachine`) on the emulator's Step
/// Functions interpreter, its Lambda task invoking the real binary through the Lambda Runtime
/// API with the test environment and `env` (moto extension gaps 31 and 32); what
/// `tests/moto/sweep_machine.py` prints.
fn run_state_machine(moto: &Moto, env: &[(&'static str, &str)]) -> Value {
    let mut args: Vec<String> = vec![
        "--template".into(),
        repo("template.yaml").display().to_string(),
        "--bootstrap".into(),
        env!("CARGO_BIN_EXE_apigw-doctor").to_string(),
    ];
    let mut variables = moto.env();
    variables.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    for (key, value) in variables {
        args.push("--env".into());
        args.push(format!("{key}={value}"));
    }
    moto.script("sweep_machine.py", &args)
}

/// Three batches of two or so, each continuing from the last one's cursor, then done.
#[test]
fn the_state_machine_sweeps_batch_after_batch_until_the_cursor_runs_out() {
    let moto = Moto::start();
    mixed_region(&moto);
    let run = run_state_machine(&moto, &[("APIGW_DOCTOR_SWEEP_BATCH", "2")]);
    assert_eq!(run["status"], "SUCCEEDED", "{run:#}");
    assert_eq!(run["queue"], json!([]), "{run:#}");
    let invocations = run["invocations"].as_array().expect("invocations");
    let targets: u64 = invocations
        .iter()
        .map(|i| i["output"]["targets"].as_u64().expect("a summary"))
        .sum();
    assert!(targets >= 5, "{run:#}");
    assert_eq!(invocations.len() as u64, targets.div_ceil(2), "{run:#}");
    assert_eq!(
        invocations[0]["input"],
        json!({ "sweep": true, "reply": "summary" })
    );
    for pair in invocations.windows(2) {
        let cursor = &pair[0]["output"]["cursor"];
        assert!(cursor.is_string(), "{run:#}");
        assert_eq!(
            pair[1]["input"],
            json!({ "sweep": true, "reply": "summary", "cursor": cursor })
        );
    }
    let last = &invocations[invocations.len() - 1]["output"];
    assert_eq!(
        (&last["cursor"], &last["not_diagnosed"]),
        (&Value::Null, &Value::Null)
    );
}

/// A batch whose function fails (here its configuration is refused at start) ends the sweep as
/// failed, and FailedInvocationQueue says which event failed and why, as for the function's
/// failed asynchronous invocations.
#[test]
fn a_failed_batch_ends_the_sweep_and_lands_in_the_failure_queue() {
    let moto = Moto::start();
    mixed_region(&moto);
    let run = run_state_machine(&moto, &[("APIGW_DOCTOR_MODE", "repair-everything")]);
    assert_eq!(
        (&run["status"], &run["error"]),
        (&json!("FAILED"), &json!("SweepBatchFailed")),
        "{run:#}"
    );
    assert_eq!(
        run["invocations"].as_array().map(Vec::len),
        Some(1),
        "{run:#}"
    );
    let queued = run["queue"].as_array().expect("queue");
    assert_eq!(queued.len(), 1, "{run:#}");
    assert_eq!(queued[0]["sweep"], true);
    assert_eq!(queued[0]["reply"], "summary");
    // The function refuses its configuration before it serves: Lambda's word for that.
    assert_eq!(queued[0]["error"]["Error"], "Runtime.ExitError", "{run:#}");
}

/// A batch that could not be made (here AWS cannot be reached) ends the sweep the same way,
/// with the one-line reason the function answered.
#[test]
fn a_batch_not_diagnosed_ends_the_sweep_with_its_reason_in_the_failure_queue() {
    let moto = Moto::start();
    let run = run_state_machine(&moto, &[("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]);
    assert_eq!(run["error"], "SweepBatchFailed", "{run:#}");
    let queued = run["queue"].as_array().expect("queue");
    assert_eq!(queued.len(), 1, "{run:#}");
    let reason = queued[0]["result"]["not_diagnosed"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.starts_with("could not read sts:GetCallerIdentity"),
        "{run:#}"
    );
    assert_eq!(queued[0]["result"]["cursor"], Value::Null);
}

/// A batch whose every read the deadline cut short still moves the sweep on: its APIs are in
/// `incomplete`, never left to a next batch that would be cut the same way, forever.
#[tokio::test]
async fn a_batch_cut_short_everywhere_still_moves_the_sweep_on() {
    let moto = Moto::start();
    create_rest_apis(&moto, "slow", 2).await;
    let aws = moto.aws().await;
    moto.delay("apigateway:GetStages", 5_000);
    let within = Some(Duration::from_secs(2));
    let outcome = handle_within(aws, config(&[]), &json!({ "sweep": true }), within).await;
    let report = serde_json::to_value(&outcome.report).expect("json");
    assert_eq!(target_ids(&report).len(), 2, "{report:#}");
    assert_eq!(report.get("cursor"), None, "{report:#}");
    let cut: Vec<&Value> = report["incomplete"]
        .as_array()
        .expect("incomplete")
        .iter()
        .filter(|i| i["step"] == "apigateway:GetStages" && i["error"] == "Deadline")
        .collect();
    assert_eq!(cut.len(), 2, "{report:#}");
}
