//! The probe's rules on hand-built snapshots: what it runs, and every refusal with its reason.

use super::*;
use crate::intake::{self, IntakeSettings};
use crate::snapshot::{Incomplete, Method, Resource, RestApi, RestStage, V2Api};
use serde_json::{json, Value};

const URL: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";

fn incident(event: Value) -> Incident {
    intake::parse(
        &event,
        IntakeSettings {
            now: chrono::Utc::now(),
            lookback_minutes: 30,
        },
    )
    .expect("valid event")
}

/// A REST API whose stage prod has variables, with GET+POST /items, GET /items/{id}, POST-only
/// /orders and ANY /{proxy+}; and an HTTP API h1.
fn snapshot() -> Snapshot {
    let resource = |id: &str, path: &str, methods: &[&str]| Resource {
        id: Some(id.into()),
        path: path.into(),
        methods: methods
            .iter()
            .map(|m| Method {
                http_method: m.to_string(),
                authorization_type: "NONE".into(),
                integration: None,
            })
            .collect(),
    };
    let mut snapshot = Snapshot::new("us-east-1", None);
    snapshot.rest_apis.push(RestApi {
        id: "a1b2c3d4e5".into(),
        stages: vec![RestStage {
            name: "prod".into(),
            variables: [("backend".to_string(), "orders-v2".to_string())].into(),
            ..RestStage::default()
        }],
        resources: vec![
            resource("r0", "/", &[]),
            resource("r1", "/items", &["GET", "POST"]),
            resource("r2", "/items/{id}", &["GET"]),
            resource("r3", "/orders", &["POST", "PUT"]),
            resource("r4", "/{proxy+}", &["ANY"]),
        ],
        ..RestApi::default()
    });
    snapshot.v2_apis.push(V2Api {
        id: "h1".into(),
        protocol: "HTTP".into(),
        ..V2Api::default()
    });
    snapshot
}

fn probe(request: Value) -> Result<ProbeTarget, String> {
    let event = json!({ "api_id": "a1b2c3d4e5", "request": request, "probe": true });
    target(&snapshot(), &incident(event)).expect("a probe was asked for")
}

fn refusal(request: Value) -> String {
    probe(request.clone()).expect_err(&format!("{request} must be refused"))
}

#[test]
fn no_probe_unless_asked() {
    let event =
        json!({ "api_id": "a1b2c3d4e5", "request": { "url": format!("{URL}/prod/items") } });
    assert_eq!(target(&snapshot(), &incident(event)), None);
}

#[test]
fn a_named_get_runs_on_the_serving_resource_with_the_query_and_the_stage_variables() {
    let found = probe(json!({ "url": format!("{URL}/prod/items/42?full=1&x=y"), "method": "get" }))
        .expect("runs");
    assert_eq!(
        found,
        ProbeTarget {
            api_id: "a1b2c3d4e5".into(),
            stage: "prod".into(),
            resource_id: "r2".into(),
            resource_path: "/items/{id}".into(),
            http_method: "GET".into(),
            verb: "GET".into(),
            method_named: true,
            path_with_query_string: "/items/42?full=1&x=y".into(),
            stage_variables: [("backend".to_string(), "orders-v2".to_string())].into(),
        }
    );
}

#[test]
fn without_a_method_a_safe_one_is_chosen() {
    let found = probe(json!({ "url": format!("{URL}/prod/items") })).expect("runs");
    assert_eq!((found.verb.as_str(), found.method_named), ("GET", false));
    assert_eq!(found.resource_id, "r1");
    // A greedy ANY answers GET; the method resource TestInvokeMethod names is ANY.
    let found = probe(json!({ "url": format!("{URL}/prod/a/b") })).expect("runs");
    assert_eq!(
        (
            found.http_method.as_str(),
            found.verb.as_str(),
            found.resource_path.as_str()
        ),
        ("ANY", "GET", "/{proxy+}")
    );
}

// The backend is really called: a POST creates what a POST creates, so it runs only when the
// request names it.
#[test]
fn a_method_that_is_not_safe_runs_only_when_the_request_names_it() {
    let reason = refusal(json!({ "url": format!("{URL}/prod/orders") }));
    assert!(reason.contains("names no method"), "{reason}");
    assert!(reason.contains("POST, PUT"), "{reason}");
    assert!(!reason.contains('\n'));
    let found =
        probe(json!({ "url": format!("{URL}/prod/orders"), "method": "POST" })).expect("named");
    assert_eq!(
        (found.http_method.as_str(), found.method_named),
        ("POST", true)
    );
}

#[test]
fn a_request_the_api_cannot_serve_is_refused_with_its_reason() {
    for (request, expected) in [
        (
            json!({ "method": "GET" }),
            "needs the failing request's URL",
        ),
        (json!({ "url": "/prod/items" }), "not an absolute URL"),
        (
            json!({ "url": "https://api.example.com/items" }),
            "execute-api URL",
        ),
        (
            json!({ "url": format!("{URL}/beta/items") }),
            "names no stage",
        ),
        (
            json!({ "url": format!("{URL}/prod") }),
            "resource / of API a1b2c3d4e5's current definition has no method",
        ),
        (
            json!({ "url": format!("{URL}/prod/items/42"), "method": "DELETE" }),
            "no DELETE (nor ANY) method",
        ),
        (
            json!({ "url": "https://otherapi00.execute-api.us-east-1.amazonaws.com/prod/items" }),
            "not among the APIs diagnosed",
        ),
    ] {
        let reason = refusal(request.clone());
        assert!(reason.contains(expected), "{request}: {reason}");
    }
}

#[test]
fn a_path_no_resource_of_the_current_definition_serves_is_refused() {
    let mut snapshot = snapshot();
    snapshot.rest_apis[0]
        .resources
        .retain(|r| r.path != "/{proxy+}");
    let event = json!({ "api_id": "a1b2c3d4e5", "probe": true, "request": { "url": format!("{URL}/prod/items/42/parts") } });
    let reason = target(&snapshot, &incident(event))
        .expect("asked")
        .expect_err("refused");
    assert!(
        reason.contains("current definition serves /items/42/parts"),
        "{reason}"
    );
}

#[test]
fn an_http_api_has_no_test_invoke() {
    let event = json!({
        "api_id": "h1", "probe": true,
        "request": { "url": "https://h1.execute-api.us-east-1.amazonaws.com/prod/items", "method": "GET" },
    });
    let reason = target(&snapshot(), &incident(event))
        .expect("asked")
        .expect_err("refused");
    assert!(
        reason.contains("an HTTP API") && reason.contains("REST APIs only"),
        "{reason}"
    );
}

#[test]
fn a_sweep_never_probes() {
    let reason = target(
        &snapshot(),
        &incident(json!({ "sweep": true, "probe": true })),
    )
    .expect("asked")
    .expect_err("refused");
    assert!(reason.starts_with("a sweep never probes"), "{reason}");
}

#[test]
fn unread_stages_or_resources_refuse_rather_than_guess() {
    let mut snapshot = snapshot();
    snapshot.incomplete.push(Incomplete {
        step: "apigateway:GetResources".into(),
        error: "AccessDenied".into(),
        detail: "denied".into(),
    });
    let event = json!({ "api_id": "a1b2c3d4e5", "probe": true, "request": { "url": format!("{URL}/prod/items") } });
    let reason = target(&snapshot, &incident(event))
        .expect("asked")
        .expect_err("refused");
    assert!(reason.contains("GetResources failed"), "{reason}");
}

#[test]
fn probe_is_a_boolean_and_only_a_person_asks_for_it() {
    let settings = IntakeSettings {
        now: chrono::Utc::now(),
        lookback_minutes: 30,
    };
    let error = intake::parse(&json!({ "api_id": "a1b2c3d4e5", "probe": "yes" }), settings)
        .expect_err("a string is not a boolean");
    assert!(error.0.contains("field `probe`"), "{error}");
    assert!(error.0.contains("expected a boolean"), "{error}");
    assert!(!incident(json!({ "api_id": "a1b2c3d4e5" })).probe);
    let alarm: Value = serde_json::from_str(include_str!(
        "../../../../events/alarm-action-rest-5xx.json"
    ))
    .expect("sample alarm");
    assert!(!intake::parse(&alarm, settings).expect("alarm").probe);
}
