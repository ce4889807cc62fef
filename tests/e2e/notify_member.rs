//! Sending the report on, and working in a member account, on moto: the summary reaches the SNS
//! topic and the report the EventBridge bus (each read back through an SQS queue); a send that
//! fails is in `incomplete`; an API in another account is read through the member role only.

use crate::support::{config, findings, id, operations_sent, Moto};
use serde_json::{json, Value};

fn messages(moto: &Moto, queue: &str) -> Vec<Value> {
    moto.inbox(&["read", queue])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_summary_reaches_the_topic_and_the_report_the_bus() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off"]);
    let places = moto.inbox(&["create"]);
    let api = id(&ids, "api_id");
    let report = moto
        .report_with(
            config(&[
                ("APIGW_DOCTOR_REPORT_TOPIC_ARN", &id(&places, "topic_arn")),
                ("APIGW_DOCTOR_EVENT_BUS", &id(&places, "bus")),
            ]),
            &json!({ "api_id": api, "client": { "vpc_id": id(&ids, "vpc_id") } }),
        )
        .await;
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    let sent = operations_sent(&report);
    assert!(sent.contains(&"sns:Publish".to_string()), "{sent:?}");
    assert!(
        sent.contains(&"eventbridge:PutEvents".to_string()),
        "{sent:?}"
    );

    let summaries = messages(&moto, &id(&places, "topic_queue"));
    assert_eq!(summaries.len(), 1, "{summaries:#?}");
    let subject = summaries[0]["Subject"].as_str().unwrap_or_default();
    assert!(
        subject.starts_with("apigw-doctor ") && subject.contains(&api),
        "{subject}"
    );
    let body = summaries[0]["Message"].as_str().unwrap_or_default();
    assert!(body.starts_with("Most likely cause: "), "{body}");
    assert!(body.contains("VPC_ENDPOINT_PRIVATE_DNS_DISABLED"), "{body}");
    assert!(
        body.contains(&format!("apigateway/main/apis/{api}")),
        "a console link: {body}"
    );

    let events = messages(&moto, &id(&places, "bus_queue"));
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["source"], "apigw-doctor");
    assert_eq!(events[0]["detail-type"], "API Gateway Diagnosis");
    assert_eq!(
        events[0]["detail"]["incident"]["id"],
        report["incident"]["id"]
    );
    assert_eq!(
        findings(&events[0]["detail"], "VPC_ENDPOINT_PRIVATE_DNS_DISABLED").len(),
        findings(&report, "VPC_ENDPOINT_PRIVATE_DNS_DISABLED").len()
    );
}

#[tokio::test]
async fn a_send_that_fails_is_in_incomplete_and_the_report_is_still_whole() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let report = moto
        .report_with(
            config(&[
                (
                    "APIGW_DOCTOR_REPORT_TOPIC_ARN",
                    "arn:aws:sns:us-east-1:123456789012:no-such-topic",
                ),
                ("APIGW_DOCTOR_EVENT_BUS", "no-such-bus"),
            ]),
            &json!({ "api_id": id(&ids, "api_id") }),
        )
        .await;
    let steps: Vec<&str> = report["incomplete"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["step"].as_str())
        .collect();
    assert!(steps.contains(&"sns:Publish"), "{report:#}");
    assert!(steps.contains(&"eventbridge:PutEvents"), "{report:#}");
    assert_eq!(report["exit_code"], 1, "a lost report is never a clean run");
    assert_eq!(report["targets"][0]["api_id"], id(&ids, "api_id"));
}

#[tokio::test]
async fn another_accounts_api_is_read_through_the_member_role_only() {
    let moto = Moto::start();
    const MEMBER: &str = "111122223333";
    let ids = moto.seed(&["public", "--account", MEMBER]);
    let api = id(&ids, "api_id");
    let event = json!({ "api_id": api, "account": MEMBER });

    let refused = moto.report_with(config(&[]), &event).await;
    assert_eq!(refused["targets"], json!([]), "{refused:#}");
    let notes = refused["incident"]["notes"].to_string();
    assert!(
        notes.contains("set APIGW_DOCTOR_MEMBER_ROLE_NAME"),
        "{notes}"
    );
    assert_eq!(refused["exit_code"], 1);
    assert!(!operations_sent(&refused).contains(&"sts:AssumeRole".to_string()));

    let member = moto
        .report_with(
            config(&[
                ("APIGW_DOCTOR_MEMBER_ROLE_NAME", "apigw-doctor-member"),
                ("APIGW_DOCTOR_MEMBER_EXTERNAL_ID", "org-7f3a"),
            ]),
            &event,
        )
        .await;
    assert_eq!(member["incident"]["account"], MEMBER, "{member:#}");
    assert_eq!(member["targets"][0]["api_id"], api, "{member:#}");
    assert_eq!(member["incomplete"], json!([]), "{member:#}");
    assert!(operations_sent(&member).contains(&"sts:AssumeRole".to_string()));

    // The same id is nothing in the function's own account.
    let own = moto
        .report_with(config(&[]), &json!({ "api_id": api }))
        .await;
    assert!(!findings(&own, "TARGET_NOT_FOUND").is_empty(), "{own:#}");
}

// A repair in a member account: made there with the role's credentials, while the lock and the
// audit record stay in the function's own lock table.
#[tokio::test]
async fn a_member_accounts_repair_is_locked_and_audited_in_the_functions_own_table() {
    let moto = Moto::start();
    const MEMBER: &str = "111122223333";
    const TABLE: &str = "doctor-locks";
    let ids = moto.seed(&["public", "--account", MEMBER, "--undeployed-change"]);
    crate::support::create_lock_table(&moto.aws().await, TABLE).await;
    let api = id(&ids, "api_id");
    let report = moto
        .report_with(
            config(&[
                ("APIGW_DOCTOR_MODE", "apply"),
                ("APIGW_DOCTOR_ACTIONS", "redeploy_stage"),
                ("APIGW_DOCTOR_LOCK_TABLE", TABLE),
                ("APIGW_DOCTOR_MEMBER_ROLE_NAME", "apigw-doctor-member"),
            ]),
            &json!({ "api_id": api, "account": MEMBER }),
        )
        .await;
    let redeploy = crate::support::actions(&report, "redeploy_stage");
    assert_eq!(redeploy.len(), 1, "{report:#}");
    assert_eq!(redeploy[0]["status"], "verified", "{report:#}");
    let state = moto.state();
    let member_api = &state["apigateway"][MEMBER]["us-east-1"]["restApis"][&api];
    let serving = member_api["stages"]["prod"]["deploymentId"]
        .as_str()
        .expect("stage");
    assert!(
        member_api["deployments"][serving]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("apigw-doctor redeploy_stage")),
        "the deployment was made in the member account: {member_api:#}"
    );
    let own = &state["dynamodb"]["123456789012"]["us-east-1"]["tables"][TABLE];
    assert!(
        own.to_string().contains("audit#"),
        "the audit record is in the function's own table: {state:#}"
    );
    assert_eq!(
        state["dynamodb"].get(MEMBER),
        None,
        "nothing was written to a table in the member account"
    );
}
