//! WebSocket APIs on moto: the routes and integrations are read, and an authorizer beyond
//! `$connect` or a VPC-link integration without the connection id header is reported.

use crate::support::{codes, findings, id, Moto};
use serde_json::json;

#[tokio::test]
async fn a_healthy_websocket_api_has_no_websocket_finding() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2"]);
    let report = moto
        .report(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let found = codes(&report);
    assert!(!found.iter().any(|c| c.starts_with("WS_")), "{report:#}");
    assert_eq!(report["incomplete"], json!([]), "{report:#}");
}

#[tokio::test]
async fn an_authorizer_on_another_route_and_a_missing_connection_id_header_are_reported() {
    let moto = Moto::start();
    let ids = moto.seed(&["v2", "--ws-authorizer-on-route", "--ws-no-connection-id"]);
    let report = moto
        .report(&json!({ "api_id": id(&ids, "ws_api_id") }))
        .await;
    let authorizer = findings(&report, "WS_AUTHORIZER_NOT_ON_CONNECT");
    assert_eq!(authorizer.len(), 1, "{report:#}");
    assert_eq!(
        authorizer[0]["evidence"]["routes"][0]["route_key"],
        "sendMessage"
    );
    let header = findings(&report, "WS_CONNECTION_ID_HEADER_MISSING");
    assert_eq!(header.len(), 1, "{report:#}");
    assert_eq!(header[0]["resource"], id(&ids, "ws_integration_id"));
    // The repair is not built yet: listed, and skipped saying so.
    let row = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["action"] == "add_integration_header")
        .expect("the remedy is listed");
    assert_eq!(row["status"], "skipped");
}
