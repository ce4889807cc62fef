//! The Lambda path end to end: the built binary serving a local Runtime API and answering
//! a real diagnosis and a malformed event.

use crate::support::{id, python, repo, Moto};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_binary_serves_the_runtime_api() {
    let moto = Moto::start();
    let ids = moto.seed(&["private", "--private-dns-off"]);
    let dir = std::env::temp_dir().join(format!("apigw-doctor-runtime-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let diagnosis = dir.join("diagnosis.json");
    let malformed = dir.join("malformed.json");
    std::fs::write(
        &diagnosis,
        json!({ "api_id": id(&ids, "api_id"), "client": { "vpc_id": id(&ids, "vpc_id") } })
            .to_string(),
    )
    .expect("write event");
    std::fs::write(
        &malformed,
        json!({ "api_id": "x", "colour": "red" }).to_string(),
    )
    .expect("write event");

    let mut runtime = Command::new(python())
        .arg(repo("tests/lambda/runtime_api.py"))
        .args([&diagnosis, &malformed])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the runtime API");
    let mut answers = BufReader::new(runtime.stdout.take().expect("stdout")).lines();
    let port = answers.next().expect("a port line").expect("read port");

    let mut function = Command::new(env!("CARGO_BIN_EXE_apigw-doctor"))
        .env_clear()
        .envs(moto.env())
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", "apigw-doctor")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/apigw-doctor")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the function");

    let mut next = || -> Value {
        let line = answers.next().expect("an answer").expect("read answer");
        serde_json::from_str(&line).expect("answers are JSON")
    };
    let first = next();
    let second = next();
    let _ = function.kill();
    let _ = function.wait();
    let _ = runtime.kill();
    let _ = runtime.wait();
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(first["kind"], "response", "{first:#}");
    let report = &first["body"];
    assert_eq!(report["schema"], "apigw-doctor/report/v1");
    assert_eq!(report["incident"]["source"], "manual");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "VPC_ENDPOINT_PRIVATE_DNS_DISABLED"),
        "{report:#}"
    );

    assert_eq!(second["kind"], "error", "{second:#}");
    assert_eq!(second["body"]["errorType"], "InvalidEvent");
    let message = second["body"]["errorMessage"].as_str().expect("message");
    assert!(message.contains("colour"), "{message}");
}
