//! Test harness: a pinned moto server per test on a free loopback port, scenario seeding, and
//! helpers to run the handler in-process or the built binary.

use apigw_doctor::action::Action;
use apigw_doctor::aws::Aws;
use apigw_doctor::config::Config;
use apigw_doctor::handler::{self, Doctor, Invocation, Outcome};
use apigw_doctor::lock::LockTable;
use aws_config::{BehaviorVersion, Region};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};

pub const REGION: &str = "us-east-1";

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The venv's Python, which has the pinned moto; a clear failure when it is missing.
pub fn python() -> PathBuf {
    let python = std::env::var_os("APIGW_DOCTOR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo(".venv/bin/python"));
    assert!(
        python.exists(),
        "{} not found: the tests need the moto venv; create it with `make venv` (or run `make test`)",
        python.display()
    );
    python
}

/// A moto server of its own for one test; it stops when dropped (or when the test process dies,
/// since it serves until its standard input closes).
pub struct Moto {
    child: Child,
    _stdin: ChildStdin,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let mut child = Command::new(python())
            .arg(repo("tests/moto/server.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/moto/server.py");
        let stdin = child.stdin.take().expect("server stdin");
        let stdout = child.stdout.take().expect("server stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the moto port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("moto server did not print a port: {line:?}"));
        Moto {
            child,
            _stdin: stdin,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Runs tests/moto/seed.py against this server; returns the ids it created.
    pub fn seed(&self, args: &[&str]) -> Value {
        self.script("seed.py", args)
    }

    /// Runs the script `name` of tests/moto with `args` against this server (`--endpoint`);
    /// returns the JSON it printed.
    pub fn script<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(
        &self,
        name: &str,
        args: &[S],
    ) -> Value {
        let output = Command::new(python())
            .arg(repo(&format!("tests/moto/{name}")))
            .args(args)
            .args(["--endpoint", &self.endpoint])
            .output()
            .unwrap_or_else(|e| panic!("run {name}: {e}"));
        assert!(
            output.status.success(),
            "{name} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{name} prints JSON: {e}"))
    }

    /// The server's loopback URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Clients pointed at this server with dummy credentials (never the instance metadata).
    pub async fn aws(&self) -> Aws {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new(REGION))
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await;
        Aws::new(&config)
    }

    /// Runs the handler in-process on `event` with the default (dry-run) configuration.
    pub async fn handle(&self, event: &Value) -> Outcome {
        handle_with(
            self.aws().await,
            Config::from_vars(&BTreeMap::new()).expect("defaults"),
            event,
        )
        .await
    }

    /// The report of `handle`, as JSON.
    pub async fn report(&self, event: &Value) -> Value {
        serde_json::to_value(self.handle(event).await.report).expect("report serializes")
    }

    /// The report on `event` with the default configuration, and the clients that counted the
    /// operations it sent.
    pub async fn report_counting(&self, event: &Value) -> (Value, Aws) {
        let aws = self.aws().await;
        let defaults = Config::from_vars(&Default::default()).expect("defaults");
        let outcome = handle_with(aws.clone(), defaults, event).await;
        let report = serde_json::to_value(outcome.report).expect("report serializes");
        (report, aws)
    }

    /// The environment the binary needs to talk to this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = test_env();
        env.push(("AWS_ENDPOINT_URL", self.endpoint.clone()));
        env
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn handle_with(aws: Aws, config: Config, event: &Value) -> Outcome {
    handle_within(aws, config, event, None).await
}

/// The same as an invocation that must end `within` from now (`None`: no deadline, as the CLI).
pub async fn handle_within(
    aws: Aws,
    config: Config,
    event: &Value,
    within: Option<std::time::Duration>,
) -> Outcome {
    let doctor = Doctor {
        config,
        aws: Some(aws),
    };
    let invocation = Invocation {
        deadline: within.map(|within| tokio::time::Instant::now() + within),
        ..Invocation::default()
    };
    let outcome = handler::handle(&doctor, event, invocation)
        .await
        .expect("the event is valid");
    if let Some(aws) = &doctor.aws {
        assert_listed(aws);
        assert_writes_belong_to_actions(aws, &outcome.report.actions);
    }
    outcome
}

/// Fails the test when the run sent an API Gateway or EC2 write that no action it reports as
/// attempted makes according to `apigw_doctor::operations::ACTION_WRITES`: the list the
/// template's per-action permissions are built from.
pub fn assert_writes_belong_to_actions(aws: &Aws, rows: &[apigw_doctor::plan::ActionRow]) {
    use apigw_doctor::operations::{access, action_writes, Access};
    use apigw_doctor::plan::Status;
    let attempted: Vec<_> = rows
        .iter()
        .filter(|row| !matches!(row.status, Status::Planned | Status::Skipped))
        .map(|row| row.action)
        .collect();
    let stray: Vec<String> = aws
        .operations_sent()
        .into_keys()
        .filter(|op| access(op) == Some(Access::Write) && !op.starts_with("dynamodb:"))
        .filter(|op| {
            !attempted
                .iter()
                .any(|a| action_writes(*a).contains(&op.as_str()))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "writes sent that no attempted action ({attempted:?}) lists in ACTION_WRITES: {stray:?}"
    );
}

/// Fails the test when the run sent an operation `apigw_doctor::operations::OPERATIONS` does
/// not name: the list the template's permissions and the fault matrix are built from.
pub fn assert_listed(aws: &Aws) {
    let unlisted: Vec<String> = aws
        .operations_sent()
        .into_keys()
        .filter(|op| apigw_doctor::operations::access(op).is_none())
        .collect();
    assert!(
        unlisted.is_empty(),
        "operations sent that OPERATIONS does not list: {unlisted:?}"
    );
}

/// A configuration from `APIGW_DOCTOR_*` pairs.
pub fn config(vars: &[(&str, &str)]) -> Config {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_vars(&vars).expect("valid configuration")
}

impl Moto {
    /// Everything the emulator holds that an action could change (the extension's state dump):
    /// API Gateway v1 and v2, VPC endpoints, DynamoDB items.
    pub fn state(&self) -> Value {
        self.extension("state")
    }

    /// What the extension answers a GET of `/moto-api/apigw-doctor/<path>` (JSON).
    pub fn extension(&self, path: &str) -> Value {
        let output = Command::new(python())
            .args([
                "-c",
                "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                &format!("{}/moto-api/apigw-doctor/{path}", self.endpoint),
            ])
            .output()
            .expect("ask the moto extension");
        assert!(
            output.status.success(),
            "GET {path} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("the extension answers JSON")
    }

    /// Runs tests/moto/inbox.py with `args` (an SNS topic and an EventBridge bus, each read
    /// through an SQS queue) and returns what it printed.
    pub fn inbox(&self, args: &[&str]) -> Value {
        self.script("inbox.py", args)
    }

    /// Runs the handler in-process with `config` now; the report has `operations_sent`.
    pub async fn report_with(&self, config: Config, event: &Value) -> Value {
        self.handle_at(config, event, chrono::Utc::now()).await
    }

    /// Holds every later answer to `operation` (`service:Operation`, as moto names it) for
    /// `ms` milliseconds after handling the request at once; 0 removes the delay (ext.py gap 14).
    pub fn delay(&self, operation: &str, ms: u64) {
        self.post(
            "/moto-api/apigw-doctor/delays",
            &json!({ "operation": operation, "ms": ms }),
        );
    }

    /// POSTs `body` to one of ext.py's test-only routes (`path`), with the Python the tests
    /// already run (the test build has no HTTP client crate).
    pub fn post(&self, path: &str, body: &Value) {
        let output = Command::new(python())
            .args([
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method='POST'))",
                &format!("{}{path}", self.endpoint),
                &body.to_string(),
            ])
            .output()
            .expect("run python");
        assert!(
            output.status.success(),
            "POST {path} {body} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Runs the handler in-process with `config`; a fixed `now` makes two runs plan alike.
    pub async fn handle_at(
        &self,
        config: Config,
        event: &Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Value {
        let doctor = Doctor {
            config,
            aws: Some(self.aws().await),
        };
        let invocation = Invocation {
            now: Some(now),
            ..Invocation::default()
        };
        let outcome = handler::handle(&doctor, event, invocation)
            .await
            .expect("the event is valid");
        let mut report = serde_json::to_value(&outcome.report).expect("report serializes");
        report["exit_code"] = outcome.report.exit_code().into();
        if let Some(aws) = &doctor.aws {
            assert_listed(aws);
            report["operations_sent"] = json!(aws.operations_sent());
        }
        report
    }
}

/// The JSON pointers at which two values differ (added, removed or changed leaves).
pub fn differences(before: &Value, after: &Value) -> Vec<String> {
    fn walk(path: String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
        // An absent or null object is compared as an empty one, so additions show leaf by leaf.
        let empty = Value::Object(serde_json::Map::new());
        let or_empty = |v: Option<&Value>, other: Option<&Value>| match (v, other) {
            (None | Some(Value::Null), Some(Value::Object(_))) => Some(empty.clone()),
            (v, _) => v.cloned(),
        };
        let (a, b) = (or_empty(a, b), or_empty(b, a));
        match (a.as_ref(), b.as_ref()) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for key in keys {
                    let escaped = key.replace('~', "~0").replace('/', "~1");
                    walk(format!("{path}/{escaped}"), x.get(key), y.get(key), out);
                }
            }
            (a, b) if a != b => out.push(path),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(String::new(), Some(before), Some(after), &mut out);
    out
}

/// The report's actions with `action`.
pub fn actions<'a>(report: &'a Value, action: &str) -> Vec<&'a Value> {
    report["actions"]
        .as_array()
        .expect("actions array")
        .iter()
        .filter(|a| a["action"] == action)
        .collect()
}

/// Dummy credentials and a region; no instance metadata, no shared config files.
pub fn test_env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", "/nonexistent".into()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
    ]
}

/// Runs the built binary with exactly `env` (plus PATH) and `args`, feeding `stdin`.
pub fn run_binary(env: &[(&str, String)], args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_apigw-doctor"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run apigw-doctor");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("apigw-doctor finishes")
}

/// The finding codes of a report, in order.
pub fn codes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

/// The findings with `code`.
pub fn findings<'a>(report: &'a Value, code: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// A string field of the seed output.
pub fn id(ids: &Value, key: &str) -> String {
    ids[key]
        .as_str()
        .unwrap_or_else(|| panic!("seed output has no {key}: {ids}"))
        .to_string()
}

/// A manual 403 on the seeded private API, called from its VPC with the client's groups.
pub fn forbidden_from_vpc(ids: &Value) -> Value {
    json!({
        "api_id": id(ids, "api_id"),
        "stage": "prod",
        "symptom": "forbidden",
        "client": {
            "vpc_id": id(ids, "vpc_id"),
            "security_group_ids": [id(ids, "client_sg_id")],
            "subnet_id": id(ids, "client_subnet_id"),
        },
    })
}

/// Whether an operation only reads: the SDK's operation name starts with a read verb.
pub fn is_read(operation: &str) -> bool {
    let name = operation.rsplit(':').next().unwrap_or(operation);
    // FilterLogEvents reads a stage's logs.
    ["Get", "Describe", "List", "Lookup", "FilterLogEvents"]
        .iter()
        .any(|verb| name.starts_with(verb))
}

/// The operations a handled run actually sent (`service:Operation`), as `handle_at` records them.
pub fn operations_sent(report: &Value) -> Vec<String> {
    report["operations_sent"]
        .as_object()
        .map(|sent| sent.keys().cloned().collect())
        // Only `Moto::handle_at` records them: a report without them would make every
        // assertion about them vacuous.
        .expect("the report has no operations_sent: run it with Moto::handle_at")
}

/// The lock table SPEC §2 describes: partition key `pk` (string).
pub async fn create_lock_table(aws: &Aws, table: &str) {
    aws.dynamodb
        .create_table()
        .table_name(table)
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .expect("key"),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .expect("lock table");
}

/// The apply-mode plan for `findings` on what the diagnosis read, with its run context: for
/// driving the engine directly, between a diagnosis and an apply.
pub fn apply_plan(
    findings: &[apigw_doctor::finding::Finding],
    snapshot: &apigw_doctor::snapshot::Snapshot,
    event: &Value,
    config: &Config,
) -> (apigw_doctor::plan::Plan, apigw_doctor::plan::Context) {
    let context = apigw_doctor::plan::Context {
        incident_id: "test-incident".into(),
        now: chrono::Utc::now(),
        cooldown_seconds: 900,
    };
    let incident = apigw_doctor::intake::parse(
        event,
        apigw_doctor::intake::IntakeSettings {
            now: context.now,
            lookback_minutes: 30,
        },
    )
    .expect("event");
    let plan = apigw_doctor::plan::plan(
        findings,
        snapshot,
        &incident,
        config,
        apigw_doctor::config::Mode::Apply,
        &context,
    );
    (plan, context)
}

/// Another run's live (or, with `expires_in` < 0, expired) lock on `action` for `target`.
pub async fn foreign_lock(aws: &Aws, table: &str, action: Action, target: &str, expires_in: i64) {
    use aws_sdk_dynamodb::types::AttributeValue;
    aws.dynamodb
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(LockTable::lock_key(action, target)))
        .item("owner", AttributeValue::S("other-run pid=1".into()))
        .item("incident", AttributeValue::S("other-incident".into()))
        .item(
            "acquired_at",
            AttributeValue::S("2026-11-30T00:00:00.000Z".into()),
        )
        .item(
            "expires_at",
            AttributeValue::N((chrono::Utc::now().timestamp() + expires_in).to_string()),
        )
        .send()
        .await
        .expect("lock item");
}

/// Replaces one setting of a REST stage (`UpdateStage`, one `replace` patch).
pub async fn replace_on_stage(aws: &Aws, api: &str, stage: &str, path: &str, value: &str) {
    aws.apigateway
        .update_stage()
        .rest_api_id(api)
        .stage_name(stage)
        .patch_operations(replace(path, value))
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateStage {stage} {path}: {e:?}"));
}

/// One API Gateway `replace` patch operation.
pub fn replace(path: &str, value: &str) -> aws_sdk_apigateway::types::PatchOperation {
    aws_sdk_apigateway::types::PatchOperation::builder()
        .op(aws_sdk_apigateway::types::Op::Replace)
        .path(path)
        .value(value)
        .build()
}

/// Adds stage `name` serving prod's deployment; returns prod as it was read.
pub async fn stage_beside_prod(
    aws: &Aws,
    api: &str,
    name: &str,
) -> aws_sdk_apigateway::operation::get_stage::GetStageOutput {
    let prod = aws
        .apigateway
        .get_stage()
        .rest_api_id(api)
        .stage_name("prod")
        .send()
        .await
        .expect("prod");
    aws.apigateway
        .create_stage()
        .rest_api_id(api)
        .stage_name(name)
        .deployment_id(prod.deployment_id().expect("deployment"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateStage {name}: {e:?}"));
    prod
}
