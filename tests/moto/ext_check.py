"""Proves tests/moto/ext.py against the pinned moto: `python tests/moto/ext_check.py`.

Installs the extension, starts a ThreadedMotoServer on a free loopback port and drives it with
boto3, asserting every gap ext.py closes, the moto behaviour the project relies on, and the state
dump. Exits 0 on success; otherwise prints which check failed and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import urllib.request
from collections.abc import Callable
from typing import Any

# Dummy credentials and no metadata lookups, so nothing here can leave loopback.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
)
os.environ.pop("AWS_PROFILE", None)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402
import moto  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

import ext  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    expect(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def expect_error(call: Callable[[], Any], code: str, status: int, what: str) -> ClientError:
    try:
        call()
    except ClientError as err:
        got_code = err.response["Error"]["Code"]
        got_status = err.response["ResponseMetadata"]["HTTPStatusCode"]
        expect(
            (got_code, got_status) == (code, status),
            f"{what}: expected {code}/{status}, got {got_code}/{got_status}: {err}",
        )
        return err
    raise CheckFailed(f"{what}: expected {code}/{status}, but the call succeeded")


class Harness:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def client(self, service: str, region: str = REGION) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint)

    def state(self) -> bytes:
        with urllib.request.urlopen(self.endpoint + ext.STATE_PATH, timeout=10) as resp:
            expect_equal(resp.status, 200, "state dump status")
            body: bytes = resp.read()
            return body


def check_install_guards() -> None:
    real = moto.__version__
    try:
        moto.__version__ = "0.0.0"
        try:
            ext.install()
        except ext.MotoExtensionOutdated as err:
            expect("no longer applies" in str(err), f"version guard message: {err}")
        else:
            raise CheckFailed("install() accepted a moto version other than the pin")
    finally:
        moto.__version__ = real

    class Bare:
        pass

    try:
        ext._require(Bare, "missing_method")
    except ext.MotoExtensionOutdated as err:
        expect("Bare.missing_method is missing" in str(err), f"attribute guard message: {err}")
    else:
        raise CheckFailed("_require() accepted a missing attribute")
    ext.install()  # idempotent


def rest_api_with_methods(h: Harness) -> tuple[str, dict[str, str]]:
    apigw = h.client("apigateway")
    api_id = apigw.create_rest_api(name="pets")["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    pets = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="pets")["id"]
    empty = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="empty")["id"]
    for resource, verb, auth, key in (
        (root, "GET", "NONE", False),
        (pets, "POST", "AWS_IAM", True),
    ):
        apigw.put_method(
            restApiId=api_id,
            resourceId=resource,
            httpMethod=verb,
            authorizationType=auth,
            apiKeyRequired=key,
        )
        apigw.put_integration(restApiId=api_id, resourceId=resource, httpMethod=verb, type="MOCK")
    return api_id, {"root": root, "pets": pets, "empty": empty}


def check_rest_api_summary(h: Harness) -> None:
    apigw = h.client("apigateway")
    api_id, resources = rest_api_with_methods(h)
    dep_id = apigw.create_deployment(restApiId=api_id, stageName="prod", description="v1")["id"]
    expected = {
        "/": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}},
        "/pets": {"POST": {"authorizationType": "AWS_IAM", "apiKeyRequired": True}},
    }
    got = apigw.get_deployment(restApiId=api_id, deploymentId=dep_id, embed=["apisummary"])
    expect_equal(got.get("apiSummary"), expected, "GetDeployment embed=apisummary")
    expect_equal(got["id"], dep_id, "GetDeployment id")
    plain = apigw.get_deployment(restApiId=api_id, deploymentId=dep_id)
    expect("apiSummary" not in plain, f"apiSummary returned without embed: {plain}")

    # The summary is a snapshot: later API changes show only in the next deployment.
    apigw.put_method(
        restApiId=api_id, resourceId=resources["empty"], httpMethod="PUT", authorizationType="NONE"
    )
    apigw.put_integration(
        restApiId=api_id, resourceId=resources["empty"], httpMethod="PUT", type="MOCK"
    )
    again = apigw.get_deployment(restApiId=api_id, deploymentId=dep_id, embed=["apisummary"])
    expect_equal(again["apiSummary"], expected, "apiSummary after a later PutMethod")
    dep2 = apigw.create_deployment(restApiId=api_id, description="v2")["id"]
    second = apigw.get_deployment(restApiId=api_id, deploymentId=dep2, embed=["apisummary"])
    expect_equal(
        second["apiSummary"].get("/empty"),
        {"PUT": {"authorizationType": "NONE", "apiKeyRequired": False}},
        "second deployment summary of /empty",
    )

    expect(ext._wants_api_summary({"embed": ["foo,apisummary"]}), "comma-separated embed")
    expect(not ext._wants_api_summary({"embed": ["foo"]}), "embed without apisummary")
    expect_error(
        lambda: apigw.get_deployment(restApiId=api_id, deploymentId="nope42"),
        "NotFoundException",
        404,
        "REST GetDeployment of an unknown id",
    )


def check_rest_relied_on(h: Harness) -> None:
    apigw = h.client("apigateway")
    api_id, _ = rest_api_with_methods(h)
    apigw.create_deployment(restApiId=api_id, stageName="live")
    apigw.update_stage(
        restApiId=api_id,
        stageName="live",
        patchOperations=[{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}],
    )
    stage = apigw.get_stage(restApiId=api_id, stageName="live")
    expect_equal(stage["methodSettings"]["*/*"]["loggingLevel"], "INFO", "REST loggingLevel")

    role = "arn:aws:iam::123456789012:role/x"
    apigw.update_account(
        patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
    )
    expect_equal(apigw.get_account().get("cloudwatchRoleArn"), role, "GetAccount cloudwatchRoleArn")

    arn = f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/live"
    apigw.tag_resource(resourceArn=arn, tags={"owner": "doctor"})
    stage = apigw.get_stage(restApiId=api_id, stageName="live")
    expect_equal(stage.get("tags"), {"owner": "doctor"}, "REST stage tags after TagResource")

    # Gap 6: a redeploy onto the stage keeps its settings and tags, and repoints it.
    new = apigw.create_deployment(restApiId=api_id, stageName="live")["id"]
    stage = apigw.get_stage(restApiId=api_id, stageName="live")
    expect_equal(stage["deploymentId"], new, "REST stage repointed by CreateDeployment")
    expect_equal(stage["methodSettings"]["*/*"]["loggingLevel"], "INFO", "REST settings kept by CreateDeployment")
    expect_equal(stage.get("tags"), {"owner": "doctor"}, "REST stage tags kept by CreateDeployment")


def check_v2(h: Harness) -> None:
    v2 = h.client("apigatewayv2")
    api_id = v2.create_api(Name="http", ProtocolType="HTTP")["ApiId"]
    v2.create_stage(ApiId=api_id, StageName="dev")

    # Gap 7: tags put on a stage ARN show in GetStage, and untagging removes them.
    arn = f"arn:aws:apigateway:{REGION}::/apis/{api_id}/stages/dev"
    v2.tag_resource(ResourceArn=arn, Tags={"owner": "doctor", "team": "a"})
    expect_equal(v2.get_stage(ApiId=api_id, StageName="dev").get("Tags"), {"owner": "doctor", "team": "a"}, "v2 stage tags after TagResource")
    v2.untag_resource(ResourceArn=arn, TagKeys=["team"])
    expect_equal(v2.get_stage(ApiId=api_id, StageName="dev").get("Tags"), {"owner": "doctor"}, "v2 stage tags after UntagResource")
    pinned = v2.create_stage(ApiId=api_id, StageName="pinned", DeploymentId="abc123")
    expect_equal(pinned.get("DeploymentId"), "abc123", "CreateStage response deploymentId")
    expect_equal(
        v2.get_stage(ApiId=api_id, StageName="pinned").get("DeploymentId"),
        "abc123",
        "GetStage deploymentId kept from CreateStage",
    )
    expect("DeploymentId" not in v2.get_stage(ApiId=api_id, StageName="dev"), "unset deploymentId")

    created = v2.create_deployment(ApiId=api_id, StageName="dev", Description="first")
    expect_equal(created["ResponseMetadata"]["HTTPStatusCode"], 201, "CreateDeployment status")
    dep_id = created["DeploymentId"]
    expect(len(dep_id) == 6 and dep_id.isalnum(), f"deployment id format: {dep_id!r}")
    expect_equal(created["DeploymentStatus"], "DEPLOYED", "deploymentStatus")
    expect_equal(created["Description"], "first", "description")
    expect_equal(created["AutoDeployed"], False, "autoDeployed")
    expect(created["CreatedDate"].tzinfo is not None, "createdDate parsed as an aware timestamp")
    expect_equal(
        v2.get_stage(ApiId=api_id, StageName="dev").get("DeploymentId"),
        dep_id,
        "stage points at the new deployment",
    )
    bare = v2.create_deployment(ApiId=api_id)
    expect("Description" not in bare, "description omitted when not given")
    expect_error(
        lambda: v2.create_deployment(ApiId=api_id, StageName="missing"),
        "NotFoundException",
        404,
        "CreateDeployment to a missing stage",
    )
    items = v2.get_deployments(ApiId=api_id)
    expect_equal(
        sorted(d["DeploymentId"] for d in items["Items"]),
        sorted([dep_id, bare["DeploymentId"]]),
        "GetDeployments ids",
    )
    expect("NextToken" not in items, "GetDeployments returns everything at once")
    got = v2.get_deployment(ApiId=api_id, DeploymentId=dep_id)
    expect_equal(got["Description"], "first", "GetDeployment description")
    expect_error(
        lambda: v2.get_deployment(ApiId=api_id, DeploymentId="zzzzzz"),
        "NotFoundException",
        404,
        "GetDeployment of an unknown id",
    )
    stages = {s["StageName"]: s for s in v2.get_stages(ApiId=api_id)["Items"]}
    expect_equal(stages["dev"].get("DeploymentId"), dep_id, "GetStages deploymentId")

    updated = v2.update_stage(
        ApiId=api_id,
        StageName="dev",
        DefaultRouteSettings={"ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 25.0},
        AccessLogSettings={"DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x"},
        StageVariables={"a": "1"},
        Description="patched",
    )
    expect_equal(
        updated["DefaultRouteSettings"],
        {"DetailedMetricsEnabled": False, "ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 25.0},
        "UpdateStage merges defaultRouteSettings",
    )
    v2.update_stage(
        ApiId=api_id,
        StageName="dev",
        DefaultRouteSettings={"DetailedMetricsEnabled": True},
        AccessLogSettings={"Format": "$context.requestId"},
        DeploymentId=bare["DeploymentId"],
    )
    stage = v2.get_stage(ApiId=api_id, StageName="dev")
    expect_equal(
        stage["DefaultRouteSettings"],
        {"DetailedMetricsEnabled": True, "ThrottlingBurstLimit": 50, "ThrottlingRateLimit": 25.0},
        "second UpdateStage merge",
    )
    expect_equal(
        stage["AccessLogSettings"],
        {
            "DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x",
            "Format": "$context.requestId",
        },
        "accessLogSettings merge",
    )
    expect_equal(stage["DeploymentId"], bare["DeploymentId"], "UpdateStage deploymentId")
    expect_equal(stage.get("Description"), "patched", "UpdateStage description kept")
    expect_equal(stage.get("StageVariables"), {"a": "1"}, "UpdateStage stageVariables")
    err = expect_error(
        lambda: v2.update_stage(
            ApiId=api_id,
            StageName="dev",
            DeploymentId="nope99",
            Description="must not apply",
        ),
        "NotFoundException",
        404,
        "UpdateStage to an unknown deployment",
    )
    expect("nope99" in err.response["Error"]["Message"], f"error message: {err}")
    unchanged = v2.get_stage(ApiId=api_id, StageName="dev")
    expect_equal(unchanged.get("Description"), "patched", "failed UpdateStage changed nothing")
    expect_error(
        lambda: v2.update_stage(ApiId=api_id, StageName="ghost", Description="x"),
        "NotFoundException",
        404,
        "UpdateStage of a missing stage",
    )


def vpc_endpoint(h: Harness) -> str:
    ec2 = h.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.execute-api",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]
    vpce_id: str = endpoint["VpcEndpointId"]
    return vpce_id


def check_ec2(h: Harness) -> None:
    ec2 = h.client("ec2")
    vpce_id = vpc_endpoint(h)

    def private_dns() -> bool:
        vpce = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]
        return bool(vpce["PrivateDnsEnabled"])

    expect_equal(private_dns(), False, "privateDnsEnabled at creation")
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=True)
    expect_equal(private_dns(), True, "privateDnsEnabled after ModifyVpcEndpoint true")
    policy = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, PolicyDocument=policy)
    vpce = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]
    expect_equal(vpce["PrivateDnsEnabled"], True, "privateDnsEnabled kept when not sent")
    expect_equal(vpce["PolicyDocument"], policy, "ModifyVpcEndpoint still applies the policy")
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=False)
    expect_equal(private_dns(), False, "privateDnsEnabled after ModifyVpcEndpoint false")
    expect_error(
        lambda: ec2.modify_vpc_endpoint(
            VpcEndpointId="vpce-0000000000000000a", PrivateDnsEnabled=True
        ),
        "InvalidVpcEndpointId.NotFound",
        400,
        "ModifyVpcEndpoint of an unknown endpoint",
    )

    ec2.create_tags(Resources=[vpce_id], Tags=[{"Key": "team", "Value": "edge"}])
    vpce = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]
    expect_equal(vpce.get("Tags"), [{"Key": "team", "Value": "edge"}], "vpce tags after CreateTags")


def lock_table(h: Harness) -> Any:
    ddb = h.client("dynamodb")
    ddb.create_table(
        TableName="locks",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def check_dynamodb(h: Harness) -> None:
    ddb = lock_table(h)

    def acquire(now: int, expires: int) -> None:
        ddb.put_item(
            TableName="locks",
            Item={"pk": {"S": "api#1"}, "expires_at": {"N": str(expires)}},
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )

    acquire(now=1000, expires=2000)
    expect_error(
        lambda: acquire(now=1500, expires=2500),
        "ConditionalCheckFailedException",
        400,
        "conditional PutItem on an unexpired lock",
    )
    acquire(now=3000, expires=4000)  # the old lock expired at 2000


def check_state_dump(h: Harness) -> None:
    first = h.state()
    expect_equal(h.state(), first, "two state dumps with nothing in between")
    # Reads, including ones that make moto create an empty backend, are not changes.
    h.client("apigateway", "eu-west-1").get_rest_apis()
    h.client("apigatewayv2").get_apis()
    h.client("ec2").describe_vpc_endpoints()
    h.client("dynamodb").scan(TableName="locks")
    expect_equal(h.state(), first, "state dump after reads only")

    state = json.loads(first)
    expect_equal(sorted(state), ["apigateway", "apigatewayv2", "dynamodb", "ec2"], "top keys")
    rest = state["apigateway"][ACCOUNT][REGION]
    expect(rest["account"]["cloudwatchRoleArn"].endswith(":role/x"), "dump: account settings")
    api = next(a for a in rest["restApis"].values() if "live" in a["stages"])
    expect_equal(
        api["stages"]["live"]["methodSettings"]["*/*"]["loggingLevel"], "INFO", "dump: stage"
    )
    expect(
        "GET" in api["resources"]["/"]["resourceMethods"], "dump: REST methods per resource path"
    )
    expect(all("apiSummary" in d for d in api["deployments"].values()), "dump: REST deployments")
    v2_api = next(iter(state["apigatewayv2"][ACCOUNT][REGION]["apis"].values()))
    expect(v2_api["stages"]["dev"]["deploymentId"] in v2_api["deployments"], "dump: v2")
    vpces = state["ec2"][ACCOUNT][REGION]["vpcEndpoints"]
    expect(
        any(
            v["tags"] == {"team": "edge"} and v["privateDnsEnabled"] is False
            for v in vpces.values()
        ),
        f"dump: vpc endpoints {vpces}",
    )
    items = state["dynamodb"][ACCOUNT][REGION]["tables"]["locks"]
    expect_equal(items, [{"expires_at": {"N": "4000"}, "pk": {"S": "api#1"}}], "dump: items")

    ec2 = h.client("ec2")
    vpce_id = next(i for i, v in vpces.items() if v["tags"] == {"team": "edge"})
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=True)
    after = h.state()
    expect(after != first, "state dump changes after ModifyVpcEndpoint")
    expect_equal(h.state(), after, "state dump stable after the mutation")


CHECKS: list[tuple[str, Callable[[Harness], None]]] = [
    ("REST GetDeployment embed=apisummary", check_rest_api_summary),
    ("REST behaviour moto already has", check_rest_relied_on),
    ("API Gateway v2 deployments and UpdateStage", check_v2),
    ("EC2 ModifyVpcEndpoint PrivateDnsEnabled and vpce tags", check_ec2),
    ("DynamoDB conditional PutItem", check_dynamodb),
    ("state dump", check_state_dump),
]


def main() -> int:
    if moto.__version__ != ext.PINNED_MOTO:
        print(f"FAIL: moto {moto.__version__} found, pinned {ext.PINNED_MOTO}", file=sys.stderr)
        return 1
    try:
        check_install_guards()
    except Exception as err:  # noqa: BLE001 - reported, then the script fails
        print(f"FAIL: install guards: {err}", file=sys.stderr)
        return 1

    import logging

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        harness = Harness(f"http://{host}:{port}")
        for name, check in CHECKS:
            try:
                check(harness)
            except CheckFailed as err:
                print(f"FAIL: {name}: {err}", file=sys.stderr)
                return 1
            except Exception:  # noqa: BLE001 - an unexpected error is a failed check too
                print(f"FAIL: {name}: unexpected error", file=sys.stderr)
                traceback.print_exc()
                return 1
            print(f"ok   {name}")
    finally:
        server.stop()
    print("all moto extension checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
