//! WebSocket checks on hand-built snapshots: authorization beyond `$connect`, and VPC-link
//! integrations without the connection id header, firing and quiet.

use super::run;
use super::tests::incident;
use crate::catalog::Code;
use crate::snapshot::{Snapshot, V2Api, V2Integration, V2Route, V2Stage};
use serde_json::json;
use std::collections::BTreeMap;

fn route(key: &str, authorization: &str, authorizer: Option<&str>) -> V2Route {
    V2Route {
        route_key: key.into(),
        authorization_type: Some(authorization.into()),
        authorizer_id: authorizer.map(str::to_string),
    }
}

fn integration(connection: &str, parameters: &[(&str, &str)]) -> V2Integration {
    V2Integration {
        id: "int-1".into(),
        connection_type: Some(connection.into()),
        connection_id: (connection == "VPC_LINK").then(|| "vl-1".to_string()),
        request_parameters: parameters
            .iter()
            .map(|(to, from)| (to.to_string(), from.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn websocket(
    region: &str,
    routes: Vec<V2Route>,
    integrations: Vec<V2Integration>,
) -> Vec<crate::finding::Finding> {
    let mut snapshot = Snapshot::new(region, Some("123456789012".into()));
    snapshot.v2_apis.push(V2Api {
        id: "ws00000001".into(),
        name: "chat".into(),
        protocol: "WEBSOCKET".into(),
        stages: vec![V2Stage {
            name: "prod".into(),
            auto_deploy: true,
            logging_level: Some("INFO".into()),
            ..V2Stage::default()
        }],
        routes,
        integrations,
        ..V2Api::default()
    });
    run(&snapshot, &incident(json!({ "api_id": "ws00000001" })))
        .into_iter()
        .filter(|f| {
            matches!(
                f.code,
                Code::WsAuthorizerNotOnConnect | Code::WsConnectionIdHeaderMissing
            )
        })
        .collect()
}

#[test]
fn an_authorizer_on_connect_is_how_it_should_be() {
    let found = websocket(
        "us-east-1",
        vec![
            route("$connect", "CUSTOM", Some("auth-1")),
            route("$default", "NONE", None),
            route("sendMessage", "NONE", None),
        ],
        Vec::new(),
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn an_authorizer_or_iam_on_another_route_names_the_routes_and_the_arn_form() {
    let found = websocket(
        "cn-north-1",
        vec![
            route("$connect", "NONE", None),
            route("sendMessage", "CUSTOM", Some("auth-1")),
            route("$disconnect", "AWS_IAM", None),
        ],
        Vec::new(),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, Code::WsAuthorizerNotOnConnect);
    assert!(
        found[0].summary.contains("sendMessage, $disconnect"),
        "{}",
        found[0].summary
    );
    assert!(found[0]
        .summary
        .contains("methodArn always ends in $connect"));
    assert_eq!(
        found[0].evidence["route_arn_form"],
        "arn:aws-cn:execute-api:cn-north-1:123456789012:ws00000001/prod/<route-key>"
    );
}

#[test]
fn a_vpc_link_integration_needs_the_connection_id_in_a_header_under_any_name() {
    let missing = websocket(
        "us-east-1",
        Vec::new(),
        vec![integration(
            "VPC_LINK",
            &[(
                "integration.request.querystring.connectionId",
                "context.connectionId",
            )],
        )],
    );
    assert_eq!(
        missing.len(),
        1,
        "a querystring is not a header: {missing:#?}"
    );
    assert_eq!(missing[0].code, Code::WsConnectionIdHeaderMissing);
    assert_eq!(missing[0].resource.as_deref(), Some("int-1"));
    let renamed = websocket(
        "us-east-1",
        Vec::new(),
        vec![integration(
            "VPC_LINK",
            &[(
                "integration.request.header.X-Conn-Id",
                "context.connectionId",
            )],
        )],
    );
    assert!(renamed.is_empty(), "{renamed:#?}");
    let internet = websocket("us-east-1", Vec::new(), vec![integration("INTERNET", &[])]);
    assert!(internet.is_empty(), "{internet:#?}");
}
