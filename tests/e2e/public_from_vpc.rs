//! Public APIs called from a VPC whose execute-api endpoint has private DNS on.

use crate::support::{findings, id, Moto};
use serde_json::json;

#[tokio::test]
async fn public_apis_from_a_vpc_with_private_dns_get_an_error_per_api() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    for api in ["api_id", "http_api_id"] {
        let report = moto
            .report(&json!({ "api_id": id(&ids, api), "client": { "vpc_id": id(&ids, "vpc_id") } }))
            .await;
        let found = findings(&report, "PUBLIC_API_BLOCKED_BY_PRIVATE_DNS");
        assert_eq!(found.len(), 1, "{report:#}");
        assert_eq!(found[0]["severity"], "error");
        assert_eq!(found[0]["resource"], id(&ids, "vpce_id"));
    }
}

#[tokio::test]
async fn without_a_client_vpc_it_is_a_warning() {
    let moto = Moto::start();
    let ids = moto.seed(&["public"]);
    let report = moto.report(&json!({ "api_id": id(&ids, "api_id") })).await;
    let found = findings(&report, "PUBLIC_API_BLOCKED_BY_PRIVATE_DNS");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["severity"], "warning");
}

#[tokio::test]
async fn private_dns_off_keeps_public_apis_reachable() {
    let moto = Moto::start();
    let ids = moto.seed(&["public", "--private-dns-off"]);
    let report = moto
        .report(
            &json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } }),
        )
        .await;
    assert_eq!(report["findings"], json!([]), "{report:#}");
}
