//! CloudTrail's event history behind UNDEPLOYED_POLICY_CHANGE, on moto: a lookup that stops at
//! its page cap is a limit of the evidence, never a failed read.

use crate::support::{codes, forbidden_from_vpc, Moto};
use apigw_doctor::snapshot::HistoryLimitReason;
use serde_json::json;

/// `UpdateRestApi` calls on another API: more than the lookup reads (10 pages of 50).
const OTHER_API_UPDATES: usize = 501;

/// Files `count` `UpdateRestApi` events in moto's CloudTrail, all on a new API of their own.
async fn busy_other_api(moto: &Moto, count: usize) {
    let aws = moto.aws().await;
    let other = aws
        .apigateway
        .create_rest_api()
        .name("busy")
        .send()
        .await
        .expect("create the other API");
    let other = other.id().expect("api id");
    let description = |n: usize| {
        aws_sdk_apigateway::types::PatchOperation::builder()
            .op(aws_sdk_apigateway::types::Op::Replace)
            .path("/description")
            .value(format!("release {n}"))
            .build()
    };
    for batch in (0..count).collect::<Vec<_>>().chunks(50) {
        futures::future::join_all(batch.iter().map(|n| {
            aws.apigateway
                .update_rest_api()
                .rest_api_id(other)
                .patch_operations(description(*n))
                .send()
        }))
        .await
        .into_iter()
        .for_each(|r| {
            r.expect("update the other API");
        });
    }
}

#[tokio::test]
async fn a_history_lookup_stopped_at_its_page_cap_leaves_a_healthy_run_at_exit_0() {
    let moto = Moto::start();
    let ids = moto.seed(&["private"]);
    busy_other_api(&moto, OTHER_API_UPDATES).await;

    let outcome = moto.handle(&forbidden_from_vpc(&ids)).await;
    let report = serde_json::to_value(&outcome.report).expect("report serializes");
    assert_eq!(codes(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
    assert_eq!(outcome.report.exit_code(), 0);
    let history = outcome.snapshot.rest_apis[0]
        .last_policy_change
        .as_ref()
        .expect("the history was looked up");
    assert_eq!(history.newest, None, "{history:?}");
    assert_eq!(
        history.limit.as_ref().map(|l| l.reason),
        Some(HistoryLimitReason::PageCap),
        "{history:?}"
    );
}
