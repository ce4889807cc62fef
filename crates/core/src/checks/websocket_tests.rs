//! WebSocket checks on hand-built snapshots: authorization beyond `$connect`, VPC-link
//! integrations without the connection id header, and the connection id an incident names,
//! firing and quiet.

use super::tests::incident;
use super::{notes, run};
use crate::catalog::{Code, Severity};
use crate::snapshot::{
    ApiStage, Connection, ConnectionState, Incomplete, LookupKey, Snapshot, TargetLookup, V2Api,
    V2Authorizer, V2Integration, V2Route, V2Stage,
};
use serde_json::json;
use std::collections::BTreeMap;

fn route(key: &str, authorization: &str, authorizer: Option<&str>) -> V2Route {
    V2Route {
        route_key: key.into(),
        authorization_type: Some(authorization.into()),
        authorizer_id: authorizer.map(str::to_string),
        target: None,
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
        ..V2Integration::default()
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

/// The authorizers are read (`GetAuthorizers`) only for the evidence about a route beyond
/// `$connect` that names one: not for `$connect`'s, a leftover id under `NONE`, IAM, or an
/// HTTP API's routes.
#[test]
fn the_authorizers_are_needed_only_for_a_route_beyond_connect_that_names_one() {
    let api = |protocol: &str, routes: Vec<V2Route>| V2Api {
        protocol: protocol.into(),
        routes,
        ..V2Api::default()
    };
    let needs = |protocol: &str, routes| api(protocol, routes).needs_authorizers();
    assert!(!needs(
        "WEBSOCKET",
        vec![route("$connect", "CUSTOM", Some("a"))]
    ));
    assert!(!needs(
        "WEBSOCKET",
        vec![route("sendMessage", "NONE", Some("a"))]
    ));
    assert!(!needs(
        "WEBSOCKET",
        vec![route("sendMessage", "AWS_IAM", None)]
    ));
    assert!(!needs(
        "HTTP",
        vec![route("GET /items", "CUSTOM", Some("a"))]
    ));
    assert!(needs(
        "WEBSOCKET",
        vec![route("sendMessage", "CUSTOM", Some("a"))]
    ));
    let unreported = V2Route {
        authorization_type: None,
        ..route("$default", "", Some("a"))
    };
    assert!(needs("WEBSOCKET", vec![unreported]));
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

// A non-proxy HTTP integration can hand the id over in the body through a mapping template
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-data-mapping.html):
// then the backend has it, and no header is needed.
#[test]
fn a_mapping_template_that_passes_the_connection_id_is_enough_and_one_that_does_not_is_not() {
    let templated = |template: &str| {
        let mut with_template = integration("VPC_LINK", &[]);
        with_template.integration_type = Some("HTTP".into());
        with_template.request_templates =
            BTreeMap::from([("$default".to_string(), template.to_string())]);
        websocket("us-east-1", Vec::new(), vec![with_template])
    };
    for passes in [
        r#"{"id": "$context.connectionId", "body": $input.body}"#,
        r#"{"id": "${context.connectionId}"}"#,
    ] {
        assert!(templated(passes).is_empty(), "{passes}");
    }
    let found = templated(r#"{"request": "$context.requestId", "body": $input.body}"#);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].evidence["integration_type"], "HTTP");
    assert_eq!(found[0].evidence["request_templates"], json!(["$default"]));
}

// ---------------------------------------------------------------------------------------------
// The connection id an incident names (WS_CONNECTION_GONE, and the note for a live one)
// ---------------------------------------------------------------------------------------------

const CONNECTION: &str = "L0SM9cOFvHcCIhw=";

/// A WebSocket API with the given stages.
fn chat_api(stages: &[&str]) -> V2Api {
    V2Api {
        id: "ws00000001".into(),
        name: "chat".into(),
        protocol: "WEBSOCKET".into(),
        stages: stages
            .iter()
            .map(|name| V2Stage {
                name: name.to_string(),
                logging_level: Some("INFO".into()),
                access_log_destination: Some("arn:aws:logs:us-east-1:1:log-group:a".into()),
                ..V2Stage::default()
            })
            .collect(),
        ..V2Api::default()
    }
}

/// A snapshot of the chat API in which GetConnection on `prod` answered `state`.
fn looked_up(state: ConnectionState) -> Snapshot {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.v2_apis.push(chat_api(&["prod"]));
    snapshot.connections.push(Connection {
        api_id: "ws00000001".into(),
        stage: "prod".into(),
        connection_id: CONNECTION.into(),
        endpoint: "https://ws00000001.execute-api.us-east-1.amazonaws.com/prod".into(),
        state,
    });
    snapshot
}

fn connection_incident(error: serde_json::Value) -> crate::intake::Incident {
    incident(json!({ "api_id": "ws00000001", "connection_id": CONNECTION, "error": error }))
}

fn gone_410() -> serde_json::Value {
    json!({ "status": 410, "error_type": "GoneException", "message": "GoneException: 410" })
}

#[test]
fn a_gone_connection_names_the_three_causes_and_the_fix() {
    let snapshot = looked_up(ConnectionState::Gone);
    let incident = connection_incident(gone_410());
    let found = run(&snapshot, &incident);
    let gone: Vec<_> = found
        .iter()
        .filter(|f| f.code == Code::WsConnectionGone)
        .collect();
    assert_eq!(gone.len(), 1, "{found:#?}");
    let finding = gone[0];
    assert_eq!(finding.severity, Severity::Info);
    assert_eq!(finding.api_id.as_deref(), Some("ws00000001"));
    assert_eq!(finding.stage.as_deref(), Some("prod"));
    assert_eq!(finding.resource.as_deref(), Some(CONNECTION));
    for part in [
        "before $connect has finished",
        "after the client disconnected",
        "before it reconnected",
        "Do not post from the $connect integration",
        "calls GetConnection first, then PostToConnection",
        "That is the 410 GoneException reported.",
    ] {
        assert!(
            finding.summary.contains(part),
            "{part}: {}",
            finding.summary
        );
    }
    assert_eq!(finding.evidence["cause"], "connection_gone");
    assert_eq!(finding.evidence["get_connection"], "410 GoneException");
    assert_eq!(finding.evidence["reported_error"]["status"], 410);
    assert_eq!(
        finding.evidence["endpoint"],
        "https://ws00000001.execute-api.us-east-1.amazonaws.com/prod"
    );
    // The symptom is "gone": the finding is listed first.
    assert_eq!(found[0].code, Code::WsConnectionGone, "{found:#?}");
    assert!(notes(&snapshot, &incident, &found).is_empty());
}

#[test]
fn a_gone_connection_without_a_reported_410_does_not_claim_one() {
    let snapshot = looked_up(ConnectionState::Gone);
    let incident = incident(json!({ "api_id": "ws00000001", "connection_id": CONNECTION }));
    let found = run(&snapshot, &incident);
    let finding = found
        .iter()
        .find(|f| f.code == Code::WsConnectionGone)
        .expect("gone is reported whatever the caller saw");
    assert!(!finding.summary.contains("reported"), "{}", finding.summary);
    assert_eq!(finding.evidence["reported_error"], json!(null));
}

#[test]
fn a_live_connection_is_a_note_with_its_time_and_source() {
    let snapshot = looked_up(ConnectionState::Connected {
        connected_at: Some(1_796_032_800),
        source_ip: Some("203.0.113.7".into()),
        last_active_at: Some(1_796_032_860),
    });
    let incident = connection_incident(gone_410());
    let found = run(&snapshot, &incident);
    assert!(
        !found.iter().any(|f| f.code == Code::WsConnectionGone),
        "{found:#?}"
    );
    let notes = notes(&snapshot, &incident, &found);
    assert_eq!(notes.len(), 1, "{notes:?}");
    for part in [
        "WebSocket API ws00000001 stage prod: connection L0SM9cOFvHcCIhw= is connected",
        "since 2026-11-30T10:00:00Z",
        "from 203.0.113.7",
        "last active 2026-11-30T10:01:00Z",
        "the reported 410 GoneException came before $connect had finished",
    ] {
        assert!(notes[0].contains(part), "{part}: {}", notes[0]);
    }
    let unreported = connection_incident(json!({ "status": 500 }));
    let quiet = super::notes(&snapshot, &unreported, &found);
    assert!(!quiet[0].contains("410"), "{quiet:?}");
}

#[test]
fn a_failed_lookup_claims_nothing_either_way() {
    let mut snapshot = Snapshot::new("us-east-1", Some("123456789012".into()));
    snapshot.v2_apis.push(chat_api(&["prod"]));
    snapshot.incomplete.push(Incomplete {
        step: "apigatewaymanagementapi:GetConnection".into(),
        error: "AccessDeniedException".into(),
        detail: "not authorized".into(),
    });
    let incident = connection_incident(gone_410());
    let found = run(&snapshot, &incident);
    assert!(
        !found.iter().any(|f| f.code == Code::WsConnectionGone),
        "{found:#?}"
    );
    assert!(notes(&snapshot, &incident, &found).is_empty());
}

/// The one reason the snapshot's connection cannot be looked up.
fn only_error(snapshot: &Snapshot, why: &str) -> Incomplete {
    match snapshot.connection_stages(CONNECTION).as_slice() {
        [Err(reason)] => reason.clone(),
        other => panic!("{why}: {other:?}"),
    }
}

#[test]
fn the_connection_is_looked_up_on_the_one_stage_or_the_report_says_why_not() {
    let mut one = Snapshot::new("us-east-1", None);
    one.v2_apis.push(chat_api(&["prod"]));
    assert_eq!(
        one.connection_stages(CONNECTION),
        [Ok(ApiStage {
            api_id: "ws00000001".into(),
            stage: "prod".into()
        })]
    );

    let mut two = Snapshot::new("us-east-1", None);
    two.v2_apis.push(chat_api(&["dev", "prod"]));
    let needed = only_error(&two, "two stages and none named must not be guessed");
    assert_eq!(needed.step, "apigatewaymanagementapi:GetConnection");
    assert_eq!(needed.error, "StageNeeded");
    assert!(
        needed
            .detail
            .contains("has stages dev, prod: name the stage"),
        "{}",
        needed.detail
    );
    assert!(needed.detail.contains(CONNECTION), "{}", needed.detail);

    let mut none = Snapshot::new("us-east-1", None);
    none.v2_apis.push(chat_api(&[]));
    let no_stage = only_error(&none, "no stage: nothing to ask");
    assert_eq!(no_stage.error, "NoStage");

    // The named stage does not exist: TARGET_NOT_FOUND says so; no second complaint.
    none.lookups.push(TargetLookup {
        key: LookupKey::ApiId("ws00000001".into()),
        api_ids: vec!["ws00000001".into()],
        missing_stages: vec![ApiStage {
            api_id: "ws00000001".into(),
            stage: "live".into(),
        }],
    });
    assert_eq!(none.connection_stages(CONNECTION), []);

    // The stages could not be read: that is already in incomplete.
    let mut unread = Snapshot::new("us-east-1", None);
    unread.v2_apis.push(chat_api(&[]));
    unread.incomplete.push(Incomplete {
        step: "apigatewayv2:GetStages".into(),
        error: "Throttled".into(),
        detail: "rate exceeded".into(),
    });
    assert_eq!(unread.connection_stages(CONNECTION), []);
}

#[test]
fn a_connection_id_on_a_rest_or_http_api_is_not_looked_up_and_says_so() {
    let mut snapshot = Snapshot::new("us-east-1", None);
    snapshot.rest_apis.push(super::tests::private_api(None));
    snapshot.v2_apis.push(V2Api {
        id: "http000001".into(),
        protocol: "HTTP".into(),
        stages: vec![V2Stage {
            name: "$default".into(),
            ..V2Stage::default()
        }],
        ..V2Api::default()
    });
    let errors: Vec<Incomplete> = snapshot
        .connection_stages(CONNECTION)
        .into_iter()
        .map(|r| r.expect_err("not a WebSocket API"))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors.iter().all(|e| e.error == "NotWebSocket"));
    assert!(errors[0].detail.contains("API a1b2c3d4e5 is a REST API"));
    assert!(errors[1].detail.contains("API http000001 is an HTTP API"));
}

#[test]
fn a_looked_up_connection_survives_the_snapshot_file() {
    let snapshot = looked_up(ConnectionState::Connected {
        connected_at: Some(1_796_032_800),
        source_ip: Some("203.0.113.7".into()),
        last_active_at: None,
    });
    let text = serde_json::to_string(&snapshot).expect("serializes");
    assert!(
        text.contains(r#""state":{"connected":{"connected_at":1796032800"#),
        "{text}"
    );
    let back: Snapshot = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, snapshot);
    let gone = serde_json::to_value(looked_up(ConnectionState::Gone)).expect("serializes");
    assert_eq!(gone["connections"][0]["state"], "gone");
    // An older file without the field still reads.
    let mut older = serde_json::to_value(&snapshot).expect("serializes");
    older.as_object_mut().expect("object").remove("connections");
    let older: Snapshot = serde_json::from_value(older).expect("reads without connections");
    assert!(older.connections.is_empty());
}

#[test]
fn the_evidence_names_the_authorizer_a_route_uses() {
    let mut snapshot = logging_snapshot(&[]);
    let api = &mut snapshot.v2_apis[0];
    api.routes[1] = route("sendMessage", "CUSTOM", Some("auth-1"));
    api.authorizers = vec![V2Authorizer {
        id: "auth-1".into(),
        name: "tokens".into(),
        authorizer_type: Some("REQUEST".into()),
        identity_source: vec!["route.request.header.Authorization".into()],
    }];
    let found = run(&snapshot, &incident(json!({ "api_id": "ws00000001" })));
    let finding = found
        .iter()
        .find(|f| f.code == Code::WsAuthorizerNotOnConnect)
        .expect("the finding");
    let route = &finding.evidence["routes"][0];
    assert_eq!(route["authorizer_name"], "tokens");
    assert_eq!(route["authorizer_type"], "REQUEST");
    assert_eq!(
        route["identity_source"],
        json!(["route.request.header.Authorization"])
    );
}

/// A WebSocket API with routes `$connect` and `sendMessage`, its stage's default logging off,
/// and `route_logging` as given.
fn logging_snapshot(route_logging: &[(&str, &str)]) -> Snapshot {
    let mut snapshot = Snapshot::new("eu-west-1", Some("123456789012".into()));
    snapshot.v2_apis.push(V2Api {
        id: "ws00000001".into(),
        protocol: "WEBSOCKET".into(),
        stages: vec![V2Stage {
            name: "prod".into(),
            logging_level: Some("OFF".into()),
            access_log_destination: Some("arn:aws:logs:eu-west-1:123456789012:log-group:a".into()),
            route_logging: route_logging
                .iter()
                .map(|(r, l)| (r.to_string(), l.to_string()))
                .collect(),
            ..V2Stage::default()
        }],
        routes: vec![
            route("$connect", "NONE", None),
            route("sendMessage", "NONE", None),
        ],
        ..V2Api::default()
    });
    snapshot
}

fn logging_findings(snapshot: &Snapshot) -> Vec<crate::finding::Finding> {
    run(snapshot, &incident(json!({ "api_id": "ws00000001" })))
        .into_iter()
        .filter(|f| f.code == Code::ExecutionLoggingDisabled)
        .collect()
}

// routeSettings override defaultRouteSettings per route
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-stages-stagename.html).
#[test]
fn every_route_logging_by_its_own_settings_is_not_logging_disabled() {
    let snapshot = logging_snapshot(&[("$connect", "INFO"), ("sendMessage", "ERROR")]);
    assert_eq!(logging_findings(&snapshot), Vec::new());
}

#[test]
fn routes_logging_by_their_own_settings_are_named_and_the_others_reported() {
    let snapshot = logging_snapshot(&[("$connect", "INFO"), ("sendMessage", "OFF")]);
    let found = logging_findings(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].summary.contains(
            "Only route(s) $connect log by their own route settings; sendMessage do not."
        ),
        "{}",
        found[0].summary
    );
    assert_eq!(
        found[0].evidence["routes_logging"],
        json!({ "$connect": "INFO" })
    );
}

#[test]
fn route_overrides_with_unread_routes_do_not_clear_the_finding() {
    let mut snapshot = logging_snapshot(&[("$connect", "INFO"), ("sendMessage", "INFO")]);
    snapshot.v2_apis[0].routes.clear();
    snapshot.incomplete.push(Incomplete {
        step: "apigatewayv2:GetRoutes".into(),
        error: "ThrottlingException".into(),
        detail: "throttled".into(),
    });
    let found = logging_findings(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0]
        .summary
        .contains("Route(s) $connect, sendMessage log by their own route settings."));
}

// ---------------------------------------------------------------------------------------------
// Review of issue 11: setups real accounts have
// ---------------------------------------------------------------------------------------------

// A route whose `authorizationType` is `NONE` can still carry an `authorizerId` (an
// `update-route --authorization-type NONE` that does not also clear the id, an imported
// definition): API Gateway runs no authorizer on it, so nothing is authorized there and there
// is nothing to move to $connect.
#[test]
fn a_route_set_back_to_none_with_a_leftover_authorizer_id_is_not_authorized() {
    let found = websocket(
        "us-east-1",
        vec![
            route("$connect", "CUSTOM", Some("auth-1")),
            route("sendMessage", "NONE", Some("auth-1")),
            route("$disconnect", "NONE", Some("auth-1")),
        ],
        Vec::new(),
    );
    assert!(found.is_empty(), "{found:#?}");
    // Authorization not reported at all, but an authorizer named: still reported.
    let unreported = websocket(
        "us-east-1",
        vec![V2Route {
            route_key: "sendMessage".into(),
            authorization_type: None,
            authorizer_id: Some("auth-1".into()),
            target: None,
        }],
        Vec::new(),
    );
    assert_eq!(unreported.len(), 1, "{unreported:#?}");
}

// Route settings outlive their routes: a stage keeps `routeSettings` for a route key that was
// deleted or renamed. The summary must not name it as a route that logs.
#[test]
fn route_settings_left_for_a_deleted_route_are_not_named_as_logging_routes() {
    let snapshot = logging_snapshot(&[("$connect", "INFO"), ("oldRoute", "INFO")]);
    let found = logging_findings(&snapshot);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].summary.contains(
            "Only route(s) $connect log by their own route settings; sendMessage do not."
        ),
        "{}",
        found[0].summary
    );
    assert!(
        !found[0].summary.contains("oldRoute"),
        "{}",
        found[0].summary
    );
    assert_eq!(
        found[0].evidence["routes_logging"],
        json!({ "$connect": "INFO" })
    );
    assert_eq!(
        found[0].evidence["route_settings_without_a_route"],
        json!({ "oldRoute": "INFO" })
    );
}

// An integration switched from HTTP to HTTP_PROXY keeps the request templates it had, but a
// proxy integration passes the message through untransformed
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html):
// a leftover template that names $context.connectionId hands nothing to the backend.
#[test]
fn a_leftover_template_on_an_http_proxy_vpc_link_integration_does_not_pass_the_id() {
    let mut proxy = integration("VPC_LINK", &[]);
    proxy.integration_type = Some("HTTP_PROXY".into());
    proxy.request_templates = BTreeMap::from([(
        "$default".to_string(),
        r#"{"id": "$context.connectionId"}"#.to_string(),
    )]);
    let found = websocket("us-east-1", Vec::new(), vec![proxy]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].code, Code::WsConnectionIdHeaderMissing);
}
