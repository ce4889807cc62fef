"""Runs template.yaml's SweepStateMachine on a moto server (tests/moto/server.py), end to end.

    sweep_machine.py --endpoint http://127.0.0.1:PORT --template template.yaml \\
        --bootstrap /path/to/apigw-doctor [--env KEY=VALUE ...] [--timeout SECONDS]

Creates an IAM role and the Lambda function ``apigw-doctor`` (provided.al2023, 256 MB, the given
Timeout, default 60; its environment the --env pairs plus MOTO_EXT_LOCAL_BOOTSTRAP, so the
server runs the bootstrap on this machine: ext.py gap 31; a second run on the same server
updates it), creates the state machine from ``Resources.SweepStateMachine.Properties.Definition``
with its ``DefinitionSubstitutions`` made (the function's ARN, a new queue standing for
FailedInvocationQueue), starts one execution with input ``{}`` (executions run: gap 32) and waits
for it to end (at most 300 s). Prints one JSON object on stdout:

    {"status": "SUCCEEDED"|"FAILED"|..., "output": <the execution's output, parsed> | null,
     "error": str | null, "cause": str | null,
     "invocations": [{"input": <the payload sent>, "output": <the payload answered> | null,
                      "error": <the error name> | null}],
     "states": [<the name of each state entered, in order>],
     "queue": [<each message the execution sent to the queue, parsed>]}

Exits 0 whatever the execution's status; non-zero only when it could not be run or ended.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import uuid
import zipfile
from typing import Any

import boto3
import yaml

FUNCTION_NAME = "apigw-doctor"
LOCAL_BOOTSTRAP_VAR = "MOTO_EXT_LOCAL_BOOTSTRAP"  # ext.py gap 31
GIVE_UP_SECONDS = 300
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


class TemplateLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short-form tags (!Ref, !Sub, ...) as inert values."""


def _inert(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    """{"!Tag": <its argument>}: enough to skip what the sweep's definition does not use."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"!" + suffix: value}


TemplateLoader.add_multi_constructor("!", _inert)


def sweep_definition(template_path: str, substitutions: dict[str, str]) -> str:
    """The sweep state machine's definition as JSON, with its DefinitionSubstitutions made."""
    with open(template_path, encoding="utf-8") as f:
        template = yaml.load(f, Loader=TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    properties = template["Resources"]["SweepStateMachine"]["Properties"]
    text = json.dumps(properties["Definition"])
    for name in properties["DefinitionSubstitutions"]:
        text = text.replace("${" + name + "}", substitutions[name])
    return text


def bootstrap_zip() -> bytes:
    """A tiny deployment package: moto keeps the zip, the server runs the local bootstrap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("bootstrap", "#!/bin/sh\n# stands for MOTO_EXT_LOCAL_BOOTSTRAP\n")
    return buffer.getvalue()


def parsed(text: str | None) -> Any:
    """JSON text parsed; None stays None."""
    return None if text is None else json.loads(text)


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of the execution, oldest first."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events.extend(page["events"])
    return events


def invocations(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per lambda:invoke task: the payload sent, and the payload or error answered."""
    calls: list[dict[str, Any]] = []
    for event in events:
        kind = event["type"]
        if kind == "TaskScheduled" and event["taskScheduledEventDetails"]["resourceType"] == "lambda":
            sent = parsed(event["taskScheduledEventDetails"]["parameters"])
            calls.append({"input": sent.get("Payload"), "output": None, "error": None})
        elif kind == "TaskSucceeded" and calls and event["taskSucceededEventDetails"]["resourceType"] == "lambda":
            calls[-1]["output"] = parsed(event["taskSucceededEventDetails"]["output"]).get("Payload")
        elif kind in ("TaskFailed", "TaskTimedOut") and calls:
            details = event.get("taskFailedEventDetails") or event.get("taskTimedOutEventDetails") or {}
            if details.get("resourceType") == "lambda":
                calls[-1]["error"] = details.get("error")
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="the moto server, http://127.0.0.1:PORT")
    parser.add_argument("--template", required=True, help="template.yaml")
    parser.add_argument("--bootstrap", required=True, help="the function's executable (absolute path)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="a function variable")
    parser.add_argument("--timeout", type=int, default=60, help="the function's Timeout in seconds")
    args = parser.parse_args()
    variables = {}
    for pair in args.env:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            parser.error(f"--env {pair!r} is not KEY=VALUE")
        variables[key] = value
    variables[LOCAL_BOOTSTRAP_VAR] = os.path.abspath(args.bootstrap)

    # Dummy credentials of the session's own, as seed.py's: nothing is looked up elsewhere.
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=args.endpoint)

    iam, lam, sfn, sqs = client("iam"), client("lambda"), client("stepfunctions"), client("sqs")
    suffix = uuid.uuid4().hex[:8]
    # Moto's CreateFunction refuses a role that does not exist in IAM.
    role_arn = iam.create_role(RoleName=f"apigw-doctor-sweep-{suffix}",
                               AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    config = {"Role": role_arn, "Timeout": args.timeout, "MemorySize": 256, "Environment": {"Variables": variables}}
    try:
        function_arn = lam.create_function(FunctionName=FUNCTION_NAME, Runtime="provided.al2023", Handler="bootstrap",
                                           Code={"ZipFile": bootstrap_zip()}, **config)["FunctionArn"]
    except lam.exceptions.ResourceConflictException:  # a second run on the same server
        function_arn = lam.update_function_configuration(FunctionName=FUNCTION_NAME, **config)["FunctionArn"]
    queue_url = sqs.create_queue(QueueName=f"apigw-doctor-failed-{suffix}")["QueueUrl"]
    substitutions = {"Partition": function_arn.split(":")[1], "SweepFunctionArn": function_arn,
                     "FailedInvocationQueueUrl": queue_url}
    machine_arn = sfn.create_state_machine(
        name=f"apigw-doctor-sweep-{suffix}", definition=sweep_definition(args.template, substitutions),
        roleArn=role_arn,
    )["stateMachineArn"]
    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, name=f"sweep-{suffix}", input="{}")["executionArn"]

    give_up = time.monotonic() + GIVE_UP_SECONDS
    while (described := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        if time.monotonic() > give_up:
            sys.exit(f"the execution was still RUNNING after {GIVE_UP_SECONDS} s: {execution_arn}")
        time.sleep(0.2)
    events = history(sfn, execution_arn)
    print(json.dumps({
        "status": described["status"],
        "output": parsed(described.get("output")),
        "error": described.get("error"),
        "cause": described.get("cause"),
        "invocations": invocations(events),
        "states": [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e],
        "queue": [parsed(m["Body"]) for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
                  .get("Messages", [])],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
