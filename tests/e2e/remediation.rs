//! The remediation engine on moto: dry-run changes nothing, apply changes exactly what the plan
//! said and verifies it, a second run changes nothing, cooldowns and tags hold, and the lock
//! table keeps two parallel runs from deploying twice.

use crate::support::{
    actions, apply_plan, config, create_lock_table, differences, foreign_lock, id, is_read,
    operations_sent, replace, repo, run_binary, stage_beside_prod, Moto, REGION,
};
use apigw_doctor::action::Action;
use serde_json::{json, Value};

const ALL_ACTIONS: &str = "redeploy_stage,enable_private_dns,enable_execution_logging";
const ACCOUNT: &str = "123456789012";

/// A private API with three things apigw-doctor can repair.
const REPAIRABLE: &[&str] = &[
    "private",
    "--private-dns-off",
    "--undeployed-change",
    "--logging-off",
];

fn apply_config() -> apigw_doctor::config::Config {
    config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", ALL_ACTIONS),
    ])
}

/// Applies a plan's changes and puts the verdicts on its rows, as the handler does.
async fn apply_now(
    aws: &apigw_doctor::aws::Aws,
    context: &apigw_doctor::plan::Context,
    plan: &mut apigw_doctor::plan::Plan,
) {
    let verdicts =
        apigw_doctor::apply::apply(aws.session(None), context, None, &plan.changes).await;
    plan.record(verdicts);
}

/// The manual event for a call from the seeded VPC that failed on the API's default hostname:
/// the private DNS finding is then an error, and its repair may be applied (SPEC §7
/// `enable_private_dns`).
fn failing_call(ids: &Value) -> Value {
    let api = id(ids, "api_id");
    json!({
        "api_id": api,
        "client": { "vpc_id": id(ids, "vpc_id") },
        "request": {
            "url": format!("https://{api}.execute-api.{REGION}.amazonaws.com/prod/items"),
            "method": "GET"
        }
    })
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap_or_default().to_string(),
                a["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, s)| (a.to_string(), s.to_string()))
        .collect()
}

#[tokio::test]
async fn dry_run_plans_every_repair_and_sends_no_mutating_call() {
    let moto = Moto::start();
    let ids = moto.seed(REPAIRABLE);
    let event = failing_call(&ids);
    let before = moto.state();

    let dry = config(&[("APIGW_DOCTOR_ACTIONS", ALL_ACTIONS)]);
    let report = moto.handle_at(dry, &event, chrono::Utc::now()).await;
    assert_eq!(report["mode"], "dry-run");
    // What was actually sent, not only what the emulator kept: reads, and nothing else.
    let sent = operations_sent(&report);
    assert!(
        sent.iter().any(|op| op.ends_with(":GetRestApi")),
        "the recorder saw the reads: {sent:?}"
    );
    let writes: Vec<&String> = sent.iter().filter(|op| !is_read(op)).collect();
    assert!(writes.is_empty(), "a dry run sent {writes:?}");
    assert_eq!(
        statuses(&report),
        pairs(&[
            ("redeploy_stage", "planned"),
            ("enable_private_dns", "planned"),
            ("enable_execution_logging", "planned"),
        ]),
        "{:#}",
        report["actions"]
    );
    for action in report["actions"].as_array().expect("actions") {
        assert!(
            !action["calls"].as_array().expect("calls").is_empty(),
            "{action}"
        );
        assert!(
            !action["risk"].as_str().unwrap_or_default().is_empty(),
            "{action}"
        );
        assert!(
            !action["undo"].as_str().unwrap_or_default().is_empty(),
            "{action}"
        );
    }
    // An apply-mode function asked for a dry run by the event changes nothing either.
    let mut asked = event.clone();
    asked["dry_run"] = json!(true);
    let report = moto
        .handle_at(apply_config(), &asked, chrono::Utc::now())
        .await;
    assert_eq!(report["mode"], "dry-run");
    assert!(statuses(&report).iter().all(|(_, s)| s == "planned"));
    let sent = operations_sent(&report);
    assert!(sent.iter().all(|op| is_read(op)), "{sent:?}");

    assert_eq!(
        differences(&before, &moto.state()),
        Vec::<String>::new(),
        "a dry run changed the emulator's state"
    );
}

/// The state paths an apply of the three repairs may change, and nothing else.
fn expected_change(path: &str, api: &str, vpce: &str) -> bool {
    let rest = format!("/apigateway/{ACCOUNT}/{REGION}/restApis/{api}");
    let endpoint = format!("/ec2/{ACCOUNT}/{REGION}/vpcEndpoints/{vpce}");
    [
        format!("{rest}/deployments/"),
        format!("{rest}/stages/prod/deploymentId"),
        format!("{rest}/stages/prod/methodSettings/*~1*"),
        format!("{rest}/stages/prod/tags/apigw-doctor:enable_execution_logging"),
        format!("{endpoint}/privateDnsEnabled"),
        format!("{endpoint}/tags/apigw-doctor:enable_private_dns"),
    ]
    .iter()
    .any(|allowed| path.starts_with(allowed.as_str()))
}

#[tokio::test]
async fn apply_makes_exactly_the_planned_calls_verifies_them_and_a_second_run_changes_nothing() {
    let moto = Moto::start();
    let ids = moto.seed(REPAIRABLE);
    let (api, vpce) = (id(&ids, "api_id"), id(&ids, "vpce_id"));
    let event = failing_call(&ids);
    let now = chrono::Utc::now();
    let plan = moto
        .handle_at(
            config(&[("APIGW_DOCTOR_ACTIONS", ALL_ACTIONS)]),
            &event,
            now,
        )
        .await;
    let before = moto.state();

    let applied = moto.handle_at(apply_config(), &event, now).await;
    assert!(
        applied["incident"]["notes"]
            .to_string()
            .contains("only the function's reserved concurrency of 1 keeps apply runs apart"),
        "without a lock table the assumption is stated: {:#}",
        applied["incident"]["notes"]
    );
    assert_eq!(
        statuses(&applied),
        pairs(&[
            ("redeploy_stage", "verified"),
            ("enable_private_dns", "verified"),
            ("enable_execution_logging", "verified"),
        ]),
        "{:#}",
        applied["actions"]
    );
    for (planned, done) in plan["actions"]
        .as_array()
        .expect("plan")
        .iter()
        .zip(applied["actions"].as_array().expect("applied"))
    {
        assert_eq!(
            planned["calls"], done["calls"],
            "the apply made other calls than planned"
        );
        assert_eq!(planned["before"], done["before"]);
    }
    assert_eq!(
        applied["exit_code"], 0,
        "every error finding was repaired and verified"
    );
    // The writes actually sent are exactly the operations the plan named.
    let mut planned_writes: Vec<String> = plan["actions"]
        .as_array()
        .expect("plan")
        .iter()
        .flat_map(|a| a["calls"].as_array().cloned().unwrap_or_default())
        .filter_map(|call| {
            let operation = call.as_str()?.split(' ').next()?;
            Some(operation.rsplit(':').next()?.to_string())
        })
        .collect();
    planned_writes.sort();
    planned_writes.dedup();
    let mut sent_writes: Vec<String> = operations_sent(&applied)
        .into_iter()
        .filter(|op| !is_read(op))
        .filter_map(|op| op.rsplit(':').next().map(str::to_string))
        .collect();
    sent_writes.sort();
    assert_eq!(
        sent_writes, planned_writes,
        "{:#}",
        applied["operations_sent"]
    );
    let redeploy = actions(&applied, "redeploy_stage")[0];
    let new_deployment = redeploy["after"]["deployment_id"].as_str().expect("new id");
    assert_ne!(
        Some(new_deployment),
        redeploy["before"]["deployment_id"].as_str()
    );
    assert_eq!(
        actions(&applied, "enable_private_dns")[0]["after"]["private_dns_enabled"],
        true
    );
    assert_eq!(
        actions(&applied, "enable_execution_logging")[0]["after"]["logging_level"],
        "INFO"
    );

    let after = moto.state();
    let changed = differences(&before, &after);
    assert!(!changed.is_empty());
    let unexpected: Vec<&String> = changed
        .iter()
        .filter(|p| !expected_change(p, &api, &vpce))
        .collect();
    assert!(
        unexpected.is_empty(),
        "changed beyond the plan: {unexpected:#?}"
    );
    let deployment =
        &after["apigateway"][ACCOUNT][REGION]["restApis"][&api]["deployments"][new_deployment];
    assert!(
        deployment["description"]
            .as_str()
            .is_some_and(|d| d.starts_with(
                "apigw-doctor redeploy_stage stage=prod finding=UNDEPLOYED_CHANGES incident="
            )),
        "{deployment}"
    );
    assert_eq!(
        deployment["apiSummary"]["/items"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["GET".to_string(), "POST".to_string()]),
        "the new deployment serves the undeployed method"
    );

    let again = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    assert_eq!(
        again["findings"].as_array().map(Vec::len),
        Some(0),
        "{:#}",
        again["findings"]
    );
    assert_eq!(again["actions"], json!([]));
    assert_eq!(differences(&after, &moto.state()), Vec::<String>::new());
}

#[tokio::test]
async fn an_undone_repair_is_not_reapplied_within_the_cooldown() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off"]);
    let vpce = id(&ids, "vpce_id");
    let event = failing_call(&ids);
    let first = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    assert_eq!(
        actions(&first, "enable_private_dns")[0]["status"],
        "verified"
    );

    // Someone turns private DNS off again (the undo); the next run must not flip it back yet.
    let aws = moto.aws().await;
    aws.ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&vpce)
        .private_dns_enabled(false)
        .send()
        .await
        .expect("undo");
    let before = moto.state();
    let second = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    let action = actions(&second, "enable_private_dns")[0];
    assert_eq!(action["status"], "skipped", "{action:#}");
    assert!(
        action["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("cooldown: enable_private_dns was applied to")),
        "{action:#}"
    );
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());

    // With the cooldown over, the same run repairs it again.
    let no_cooldown = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_ACTIONS", ALL_ACTIONS),
        ("APIGW_DOCTOR_COOLDOWN_SECONDS", "0"),
    ]);
    let third = moto
        .handle_at(no_cooldown, &event, chrono::Utc::now())
        .await;
    assert_eq!(
        actions(&third, "enable_private_dns")[0]["status"],
        "verified"
    );
}

#[tokio::test]
async fn tagged_resources_are_skipped_with_the_tag_named() {
    let moto = Moto::start();
    let ids = moto.seed(&[
        "private",
        "--private-dns-off",
        "--undeployed-change",
        "--logging-off",
        "--tag-stage",
        "apigw-doctor:skip=true",
        "--tag-endpoint",
        "aws:cloudformation:stack-name=network",
    ]);
    let event = failing_call(&ids);
    let before = moto.state();
    let report = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    assert_eq!(
        statuses(&report),
        pairs(&[
            ("redeploy_stage", "skipped"),
            ("enable_private_dns", "skipped"),
            ("enable_execution_logging", "skipped"),
        ])
    );
    for action in ["redeploy_stage", "enable_execution_logging"] {
        let reason = actions(&report, action)[0]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            reason, "the stage is tagged apigw-doctor:skip=true",
            "{action}"
        );
    }
    let reason = actions(&report, "enable_private_dns")[0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(reason.contains("CloudFormation stack network"), "{reason}");
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

#[tokio::test]
async fn websocket_logging_keeps_the_other_route_settings_and_v2_stages_redeploy() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--logging-off"]);
    let ws = id(&ids, "ws_api_id");
    let event = json!({ "api_id": ws });
    let report = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    let logging = actions(&report, "enable_execution_logging")[0];
    assert_eq!(logging["status"], "verified", "{logging:#}");
    let aws = moto.aws().await;
    let stage = aws
        .apigatewayv2
        .get_stage()
        .api_id(&ws)
        .stage_name("prod")
        .send()
        .await
        .expect("stage");
    let settings = stage.default_route_settings().expect("route settings");
    assert_eq!(settings.logging_level().map(|l| l.as_str()), Some("INFO"));
    assert_eq!(
        settings.throttling_burst_limit(),
        Some(50),
        "other settings kept"
    );
    assert_eq!(
        settings.detailed_metrics_enabled(),
        Some(true),
        "other settings kept"
    );

    // A WebSocket stage redeploys through apigatewayv2 too: the engine driven with the finding
    // CloudTrail evidence makes (tests/e2e/v2_deployments.rs finds one for real).
    let outcome = crate::support::handle_with(
        aws,
        apigw_doctor::config::Config::from_vars(&Default::default()).expect("defaults"),
        &event,
    )
    .await;
    let finding =
        apigw_doctor::finding::Finding::new(apigw_doctor::catalog::Code::UndeployedChanges, "test")
            .api(&ws)
            .stage(Some("prod"));
    let (mut plan, context) = apply_plan(&[finding], &outcome.snapshot, &event, &apply_config());
    let aws = moto.aws().await;
    assert_eq!(plan.rows.len(), 1);
    let seen = outcome
        .snapshot
        .v2_api(&ws)
        .and_then(|a| a.stages[0].deployment_id.clone());
    apply_now(&aws, &context, &mut plan).await;
    assert_eq!(
        plan.rows[0].status,
        apigw_doctor::plan::Status::Verified,
        "{:?}",
        plan.rows[0]
    );
    let now_serving = plan.rows[0].after["deployment_id"]
        .as_str()
        .map(str::to_string);
    assert!(
        now_serving.is_some() && now_serving != seen,
        "{:?}",
        plan.rows[0]
    );
    assert!(plan.rows[0].calls[0].starts_with(&format!(
        "apigatewayv2:CreateDeployment ApiId={ws} StageName=prod"
    )));
}

const LOCK_TABLE: &str = "doctor-locks";

// SPEC §7: a live lock another run holds makes the change `skipped` with nothing changed; an
// expired one (its owner died) is taken over. Deterministic: the lock is put there first.
#[tokio::test]
async fn a_live_lock_skips_the_change_and_an_expired_one_is_taken_over() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--undeployed-change"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    create_lock_table(&aws, LOCK_TABLE).await;
    let config = || {
        config(&[
            ("APIGW_DOCTOR_MODE", "apply"),
            ("APIGW_DOCTOR_ACTIONS", "redeploy_stage"),
            ("APIGW_DOCTOR_LOCK_TABLE", LOCK_TABLE),
        ])
    };
    let event = json!({ "api_id": api });

    foreign_lock(
        &aws,
        LOCK_TABLE,
        Action::RedeployStage,
        &format!("{api}/prod"),
        600,
    )
    .await;
    let before = moto.state();
    let report = moto.handle_at(config(), &event, chrono::Utc::now()).await;
    let redeploy = actions(&report, "redeploy_stage")[0];
    assert_eq!(redeploy["status"], "skipped", "{redeploy:#}");
    assert!(
        redeploy["reason"].as_str().is_some_and(
            |r| r.starts_with("another run holds the lock") && r.contains("other-incident")
        ),
        "{redeploy:#}"
    );
    let after = moto.state();
    assert_eq!(
        after["apigateway"], before["apigateway"],
        "nothing was deployed"
    );
    let writes: Vec<String> = operations_sent(&report)
        .into_iter()
        .filter(|op| !is_read(op) && !op.ends_with(":PutItem"))
        .collect();
    assert_eq!(
        writes,
        Vec::<String>::new(),
        "only the lock attempt and its record"
    );

    foreign_lock(
        &aws,
        LOCK_TABLE,
        Action::RedeployStage,
        &format!("{api}/prod"),
        -60,
    )
    .await;
    let report = moto.handle_at(config(), &event, chrono::Utc::now()).await;
    let redeploy = actions(&report, "redeploy_stage")[0];
    assert_eq!(redeploy["status"], "verified", "{redeploy:#}");
}

#[tokio::test]
async fn eight_parallel_runs_with_the_lock_table_make_one_deployment() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    create_lock_table(&aws, LOCK_TABLE).await;

    // The policy changed after the stage's deployment: the CloudTrail event says when.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut event: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("events/cloudtrail-update-rest-api-policy.json"))
            .expect("fixture"),
    )
    .expect("json");
    let changed_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    event["detail"]["requestParameters"]["restApiId"] = json!(api);
    event["detail"]["eventTime"] = json!(changed_at);
    event["time"] = json!(changed_at);
    let file = std::env::temp_dir().join(format!("apigw-doctor-lock-{}.json", std::process::id()));
    std::fs::write(&file, event.to_string()).expect("event file");

    let mut env = moto.env();
    env.extend([
        ("APIGW_DOCTOR_MODE", "apply".to_string()),
        ("APIGW_DOCTOR_LOCK_TABLE", "doctor-locks".to_string()),
    ]);
    let path = file.to_str().expect("path").to_string();
    // Issue 14: N = 8 invocations of the same incident at once.
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let env = env.clone();
            let path = path.clone();
            std::thread::spawn(move || {
                run_binary(
                    &env,
                    &["invoke", "--event", &path, "--apply", "--format", "json"],
                    None,
                )
            })
        })
        .collect();
    let reports: Vec<Value> = runs
        .into_iter()
        .map(|r| {
            let output = r.join().expect("run");
            serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
                panic!("no report: {}", String::from_utf8_lossy(&output.stderr))
            })
        })
        .collect();
    let _ = std::fs::remove_file(&file);

    let deployments = aws
        .apigateway
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .expect("deployments");
    assert_eq!(
        deployments.items().len(),
        2,
        "the seed's deployment plus exactly one redeploy: {reports:#?}"
    );
    let verified = reports
        .iter()
        .flat_map(|r| actions(r, "redeploy_stage"))
        .filter(|a| a["status"] == "verified")
        .count();
    assert_eq!(verified, 1, "{reports:#?}");
    // The other runs either found the lock held or, once they had it, the change already made.
    for action in reports.iter().flat_map(|r| actions(r, "redeploy_stage")) {
        let reason = action["reason"].as_str().unwrap_or_default();
        assert!(
            action["status"] == "verified"
                || reason.starts_with("another run holds the lock on redeploy_stage")
                || reason.starts_with("already done: the stage now serves deployment"),
            "{action:#} ALL: {}",
            serde_json::to_string(
                &reports
                    .iter()
                    .map(|r| json!({"findings": r["findings"], "actions": r["actions"]}))
                    .collect::<Vec<_>>()
            )
            .unwrap()
        );
    }
    assert!(
        reports.iter().any(|r| r["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["code"] == "UNDEPLOYED_POLICY_CHANGE"))),
        "{reports:#?}"
    );

    let items = aws
        .dynamodb
        .scan()
        .table_name(LOCK_TABLE)
        .send()
        .await
        .expect("scan");
    let keys: Vec<String> = items
        .items()
        .iter()
        .filter_map(|i| i.get("pk").and_then(|v| v.as_s().ok()).cloned())
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "one audit record and no lock left behind: {keys:?}"
    );
    assert!(keys[0].starts_with("audit#"), "{keys:?}");
    let audit = &items.items()[0];
    assert_eq!(
        audit
            .get("outcome")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str),
        Some("verified")
    );
    assert_eq!(
        audit
            .get("action")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str),
        Some("redeploy_stage")
    );
    // The audit record expires (DynamoDB TTL on the template's table) a retention after it was
    // written: read from the record itself, no clock in the test.
    let expires: i64 = audit
        .get(apigw_doctor::lock::EXPIRY_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .expect("the audit record has a numeric expiry");
    let recorded = audit
        .get("recorded_at")
        .and_then(|v| v.as_s().ok())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("the audit record says when it was written");
    assert_eq!(
        expires - recorded.timestamp(),
        apigw_doctor::lock::AUDIT_RETENTION_DAYS * 86_400
    );
}

#[tokio::test]
async fn an_unusable_lock_table_fails_the_action_and_changes_nothing() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--undeployed-change"]);
    let event = failing_call(&ids);
    let before = moto.state();
    let locked = config(&[
        ("APIGW_DOCTOR_MODE", "apply"),
        ("APIGW_DOCTOR_LOCK_TABLE", "no-such-table"),
    ]);
    let report = moto.handle_at(locked, &event, chrono::Utc::now()).await;
    let action = actions(&report, "redeploy_stage")[0];
    assert_eq!(action["status"], "failed", "{action:#}");
    assert!(
        action["reason"].as_str().is_some_and(
            |r| r.starts_with("nothing was changed: could not take the lock in no-such-table")
        ),
        "{action:#}"
    );
    assert_eq!(report["exit_code"], 1);
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

#[test]
fn the_moto_extension_still_applies() {
    let output = std::process::Command::new(crate::support::python())
        .arg(repo("tests/moto/ext_check.py"))
        .output()
        .expect("run ext_check.py");
    assert!(
        output.status.success(),
        "tests/moto/ext_check.py failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_policy_change_found_in_cloudtrail_is_redeployed() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let event = failing_call(&ids);
    // Deployment times are whole seconds: the change must come in a later one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let aws = moto.aws().await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    change_policy(&aws, &api, policy).await;

    let report = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    let found = crate::support::findings(&report, "UNDEPLOYED_POLICY_CHANGE");
    assert_eq!(found.len(), 1, "{:#}", report["findings"]);
    let source = found[0]["evidence"]["change_time_from"]
        .as_str()
        .unwrap_or_default();
    assert!(
        source.starts_with("CloudTrail LookupEvents: UpdateRestApi event "),
        "{source}"
    );
    assert_eq!(
        actions(&report, "redeploy_stage")[0]["status"],
        "verified",
        "{:#}",
        report["actions"]
    );

    let again = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    assert!(
        crate::support::findings(&again, "UNDEPLOYED_POLICY_CHANGE").is_empty(),
        "{:#}",
        again["findings"]
    );
    assert_eq!(again["actions"], json!([]));
}

/// Patches the API's resource policy (and, before it, its description) as a person would.
async fn change_policy(aws: &apigw_doctor::aws::Aws, api: &str, policy: &str) {
    for (path, value) in [("/description", "orders API"), ("/policy", policy)] {
        aws.apigateway
            .update_rest_api()
            .rest_api_id(api)
            .patch_operations(replace(path, value))
            .send()
            .await
            .expect("update the API");
    }
}

// SPEC §7: every stage a finding names is redeployed, and a dry run says what an apply does —
// the first stage's new deployment must not hold the second one back as "newer".
#[tokio::test]
async fn a_policy_change_on_two_stages_is_planned_and_applied_alike() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    stage_beside_prod(&aws, &api, "staging").await;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}"#;
    change_policy(&aws, &api, policy).await;
    let event = json!({ "api_id": api, "actions": ["redeploy_stage"] });

    let dry = moto
        .handle_at(
            config(&[("APIGW_DOCTOR_ACTIONS", "redeploy_stage")]),
            &event,
            chrono::Utc::now(),
        )
        .await;
    let planned: Vec<String> = actions(&dry, "redeploy_stage")
        .iter()
        .filter(|a| a["status"] == "planned")
        .map(|a| a["target"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        planned,
        vec![format!("{api}/prod"), format!("{api}/staging")],
        "{:#}",
        dry["actions"]
    );

    let applied = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    let verified: Vec<String> = actions(&applied, "redeploy_stage")
        .iter()
        .filter(|a| a["status"] == "verified")
        .map(|a| a["target"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(verified, planned, "{:#}", applied["actions"]);
}

// SPEC §7: a redeploy that would make a denying policy live is refused, and nothing changes.
#[tokio::test]
async fn a_policy_change_that_denies_is_not_deployed() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    let api = id(&ids, "api_id");
    let aws = moto.aws().await;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let denying = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-0somewhereelse000"}}}]}"#;
    change_policy(&aws, &api, denying).await;
    let before = moto.state();
    let report = moto
        .handle_at(
            apply_config(),
            &json!({ "api_id": api, "client": { "vpc_id": id(&ids, "vpc_id") } }),
            chrono::Utc::now(),
        )
        .await;
    assert!(
        !crate::support::findings(&report, "UNDEPLOYED_POLICY_CHANGE").is_empty(),
        "{:#}",
        report["findings"]
    );
    let redeploy = actions(&report, "redeploy_stage");
    assert_eq!(redeploy[0]["status"], "skipped", "{:#}", report["actions"]);
    assert!(
        redeploy[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("POLICY_DENIES_VPC_ENDPOINT")),
        "{:#}",
        report["actions"]
    );
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

#[tokio::test]
async fn a_stage_deleted_between_diagnosis_and_apply_fails_without_a_change() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--undeployed-change"]);
    let api = id(&ids, "api_id");
    let event = failing_call(&ids);
    let aws = moto.aws().await;
    let outcome = crate::support::handle_with(
        aws,
        apply_config(),
        &json!({ "api_id": api, "dry_run": true }),
    )
    .await;
    let (mut plan, context) = apply_plan(
        &outcome.report.findings,
        &outcome.snapshot,
        &event,
        &apply_config(),
    );
    assert_eq!(plan.rows.len(), 1, "{plan:?}");

    let aws = moto.aws().await;
    aws.apigateway
        .delete_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .expect("delete the stage");
    let before = moto.state();
    apply_now(&aws, &context, &mut plan).await;
    assert_eq!(
        plan.rows[0].status,
        apigw_doctor::plan::Status::Failed,
        "{:?}",
        plan.rows[0]
    );
    assert_eq!(
        plan.rows[0].reason.as_deref(),
        Some(format!("nothing was changed: could not re-read the resource: apigateway:GetStages NotFoundException (stage prod of API {api} no longer exists)").as_str())
    );
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

#[tokio::test]
async fn a_rolled_back_stage_is_reported_and_never_redeployed() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--rolled-back", "--undeployed-change"]);
    let event = failing_call(&ids);
    let before = moto.state();
    let report = moto
        .handle_at(apply_config(), &event, chrono::Utc::now())
        .await;
    assert_eq!(
        crate::support::findings(&report, "STAGE_NOT_ON_LATEST_DEPLOYMENT").len(),
        1,
        "{:#}",
        report["findings"]
    );
    let redeploy = actions(&report, "redeploy_stage")[0];
    assert_eq!(redeploy["status"], "skipped", "{redeploy:#}");
    assert!(
        redeploy["reason"]
            .as_str()
            .is_some_and(|r| r.contains("(STAGE_NOT_ON_LATEST_DEPLOYMENT)")),
        "{redeploy:#}"
    );
    assert_eq!(differences(&before, &moto.state()), Vec::<String>::new());
}

#[tokio::test]
async fn an_apply_mode_sweep_changes_nothing_unless_its_event_lists_actions() {
    let moto = Moto::start();
    moto.seed(REPAIRABLE);
    let before = moto.state();
    let report = moto
        .handle_at(
            apply_config(),
            &json!({ "sweep": true }),
            chrono::Utc::now(),
        )
        .await;
    assert_eq!(report["mode"], "apply");
    assert_eq!(
        statuses(&report),
        pairs(&[
            ("redeploy_stage", "skipped"),
            ("enable_private_dns", "skipped"),
            ("enable_execution_logging", "skipped"),
        ]),
        "{:#}",
        report["actions"]
    );
    for action in report["actions"].as_array().expect("actions") {
        assert!(
            action["reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("a sweep plans but applies nothing")),
            "{action:#}"
        );
    }
    assert_eq!(
        differences(&before, &moto.state()),
        Vec::<String>::new(),
        "a sweep changed the emulator's state"
    );

    // A sweep whose event lists an action makes that change, and only that one.
    let listed = json!({ "sweep": true, "actions": ["redeploy_stage"] });
    let report = moto
        .handle_at(apply_config(), &listed, chrono::Utc::now())
        .await;
    assert_eq!(
        statuses(&report),
        pairs(&[
            ("redeploy_stage", "verified"),
            ("enable_private_dns", "skipped"),
            ("enable_execution_logging", "skipped"),
        ]),
        "{:#}",
        report["actions"]
    );
}

#[tokio::test]
async fn the_change_budget_holds_on_the_emulator_and_the_dry_run_shows_it() {
    let moto = Moto::start();
    let ids = moto.seed(REPAIRABLE);
    let event = failing_call(&ids);
    let budget = |mode: &str| {
        config(&[
            ("APIGW_DOCTOR_MODE", mode),
            ("APIGW_DOCTOR_ACTIONS", ALL_ACTIONS),
            ("APIGW_DOCTOR_MAX_CHANGES", "1"),
        ])
    };
    let expected = |first: &str| {
        pairs(&[
            ("redeploy_stage", first),
            ("enable_private_dns", "skipped"),
            ("enable_execution_logging", "skipped"),
        ])
    };
    let now = chrono::Utc::now();
    let dry = moto.handle_at(budget("dry-run"), &event, now).await;
    assert_eq!(statuses(&dry), expected("planned"), "{:#}", dry["actions"]);
    let applied = moto.handle_at(budget("apply"), &event, now).await;
    assert_eq!(
        statuses(&applied),
        expected("verified"),
        "{:#}",
        applied["actions"]
    );
    for report in [&dry, &applied] {
        for name in ["enable_private_dns", "enable_execution_logging"] {
            let action = actions(report, name)[0];
            assert!(
                action["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("APIGW_DOCTOR_MAX_CHANGES")),
                "{action:#}"
            );
        }
    }
}
