"""Proves tests/moto/ext.py against the pinned moto: `python tests/moto/ext_check.py`.

Installs the extension, starts a ThreadedMotoServer on a free loopback port and drives it with
boto3, asserting every gap ext.py closes, the moto behaviour the project relies on, and the state
dump. Exits 0 on success; otherwise prints which check failed and exits 1.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import re
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import zipfile
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
        # Moto's own Docker Lambda (what gap 31 stands in for) never reaches a daemon.
        "DOCKER_HOST": "unix:///nonexistent/apigw-doctor-ext-check.sock",
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


def plumbing(h: Harness, path: str, body: Any = None, method: str = "POST") -> tuple[int, Any]:
    """Calls one of the extension's test routes: (status, JSON answer, or the raw error body)."""
    data = None if method == "GET" else json.dumps(body).encode()
    request = urllib.request.Request(h.endpoint + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read()


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
    ext.install()
    ext.install()  # idempotent: the "absent" guards must not trip over the first install


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


def check_network_acls(h: Harness) -> None:
    ec2 = h.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]

    def entries(acl_id: str) -> list[tuple[int, bool, str, str, str]]:
        acl = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]
        return sorted(
            (e["RuleNumber"], e["Egress"], e["RuleAction"], e["Protocol"], e["CidrBlock"])
            for e in acl["Entries"]
        )

    custom = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    catch_all = [(32767, False, "deny", "-1", "0.0.0.0/0"), (32767, True, "deny", "-1", "0.0.0.0/0")]
    expect_equal(entries(custom), catch_all, "a new network ACL's entries")
    ec2.create_network_acl_entry(
        NetworkAclId=custom, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="10.9.2.0/24", PortRange={"From": 443, "To": 443},
    )
    expect_equal(
        entries(custom), sorted([(100, False, "allow", "6", "10.9.2.0/24"), *catch_all]),
        "entries after CreateNetworkAclEntry",
    )
    default = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"][0]["NetworkAclId"]
    expect_equal(
        entries(default),
        sorted([(100, False, "allow", "-1", "0.0.0.0/0"), (100, True, "allow", "-1", "0.0.0.0/0"), *catch_all]),
        "the default network ACL's entries",
    )


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
    # check_v2's API (other checks add theirs; the dump's order is by id).
    v2_api = next(
        a for a in state["apigatewayv2"][ACCOUNT][REGION]["apis"].values() if "dev" in a["stages"]
    )
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


def cloudtrail_raw(h: Harness, body: dict[str, Any], region: str = REGION) -> tuple[int, Any]:
    """LookupEvents as raw JSON 1.1, to see the wire and send what boto3 would not."""
    request = urllib.request.Request(
        h.endpoint + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            # Moto routes on the credential scope; it does not verify the signature.
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/"
            f"{region}/cloudtrail/aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def check_cloudtrail(h: Harness) -> None:
    apigw = h.client("apigateway")
    trail = h.client("cloudtrail")
    api_id = apigw.create_rest_api(name="audited")["id"]
    other_id = apigw.create_rest_api(name="bystander")["id"]
    by_api = [{"AttributeKey": "ResourceName", "AttributeValue": api_id}]
    expect_equal(trail.lookup_events(LookupAttributes=by_api)["Events"], [], "no events yet")

    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                 "Resource": "execute-api:/*"}
            ],
        }
    )
    policy_ops = [{"op": "replace", "path": "/policy", "value": policy}]
    description_ops = [
        {"op": "replace", "path": "/description", "value": "audited api"},
        {"op": "replace", "path": "/name", "value": "audited-renamed"},
    ]
    apigw.update_rest_api(restApiId=api_id, patchOperations=policy_ops)
    apigw.update_rest_api(restApiId=api_id, patchOperations=description_ops)
    apigw.update_rest_api(
        restApiId=other_id, patchOperations=[{"op": "replace", "path": "/name", "value": "b"}]
    )
    expect_error(  # a failed call files no event (the unfiltered lookup below counts them)
        lambda: apigw.update_rest_api(restApiId="nope00", patchOperations=description_ops),
        "NotFoundException",
        404,
        "UpdateRestApi of an unknown api",
    )
    after = datetime.datetime.now(datetime.UTC)

    events = trail.lookup_events(LookupAttributes=by_api)
    expect("NextToken" not in events, f"no NextToken when everything fits: {events}")
    expect_equal(
        events["ResponseMetadata"]["HTTPHeaders"].get("content-type"),
        "application/x-amz-json-1.1",
        "LookupEvents content type",
    )
    got = events["Events"]
    expect_equal(len(got), 2, "events of the audited api")
    for event, ops in zip(got, (description_ops, policy_ops)):  # newest first
        expect_equal(event["EventName"], "UpdateRestApi", "EventName")
        expect_equal(event["EventSource"], "apigateway.amazonaws.com", "EventSource")
        expect_equal(event["ReadOnly"], "false", "ReadOnly")
        expect_equal(event["Username"], "moto", "Username")
        expect_equal(
            event["Resources"],
            [{"ResourceType": "AWS::ApiGateway::RestApi", "ResourceName": api_id}],
            "Resources",
        )
        expect(before <= event["EventTime"] <= after, f"EventTime {event['EventTime']}")
        record = json.loads(event["CloudTrailEvent"])
        expect_equal(
            record["requestParameters"],
            {"restApiId": api_id, "updateRestApiInput": {"patchOperations": ops}, "template": False},
            "CloudTrailEvent requestParameters",
        )
        expect_equal(record["eventID"], event["EventId"], "CloudTrailEvent eventID")
        expect_equal(record["eventVersion"], "1.10", "eventVersion")
        expect_equal(record["eventName"], "UpdateRestApi", "eventName")
        expect_equal(record["eventSource"], "apigateway.amazonaws.com", "eventSource")
        expect_equal(record["awsRegion"], REGION, "awsRegion")
        expect_equal(record["recipientAccountId"], ACCOUNT, "recipientAccountId")
        stamped = datetime.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
        expect_equal(
            stamped.replace(tzinfo=datetime.UTC), event["EventTime"], "eventTime = EventTime"
        )
    newest, oldest = got
    expect(len({newest["EventId"], oldest["EventId"]}) == 2, "distinct EventIds")
    expect(newest["EventTime"] >= oldest["EventTime"], "newest first")

    # Other lookup attributes.
    def ids(**kwargs: Any) -> list[str]:
        return [e["EventId"] for e in trail.lookup_events(**kwargs)["Events"]]

    def by(key: str, value: str) -> list[str]:
        return ids(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])

    expect_equal(by("EventId", oldest["EventId"]), [oldest["EventId"]], "EventId lookup")
    every = ids()
    other_event = by("ResourceName", other_id)
    expect_equal(len(other_event), 1, "the other api's event")
    expect_equal(
        every[:3],
        [other_event[0], newest["EventId"], oldest["EventId"]],
        "unfiltered lookup, newest first across apis",
    )
    for key, value in (
        ("EventName", "UpdateRestApi"),
        ("EventSource", "apigateway.amazonaws.com"),
        ("ResourceType", "AWS::ApiGateway::RestApi"),
        ("ReadOnly", "false"),
        ("Username", "moto"),
    ):
        expect_equal(by(key, value), every, f"{key} lookup matches every event")
    expect_equal(by("ReadOnly", "true"), [], "ReadOnly=true lookup")
    expect_equal(by("EventName", "DeleteRestApi"), [], "other EventName lookup")
    expect_equal(by("AccessKeyId", "testing"), [], "AccessKeyId lookup (none recorded)")
    expect_equal(ids(EventCategory="insight"), [], "no Insights events")

    # Time range.
    later = after + datetime.timedelta(seconds=1)
    expect_equal(ids(LookupAttributes=by_api, StartTime=later), [], "StartTime after the calls")
    expect_equal(
        ids(LookupAttributes=by_api, StartTime=before, EndTime=later),
        [newest["EventId"], oldest["EventId"]],
        "StartTime..EndTime around the calls",
    )
    expect_equal(
        ids(LookupAttributes=by_api, EndTime=before - datetime.timedelta(seconds=1)),
        [],
        "EndTime before the calls",
    )
    expect_error(
        lambda: trail.lookup_events(StartTime=later, EndTime=before),
        "InvalidTimeRangeException",
        400,
        "StartTime after EndTime",
    )

    # Pagination.
    page1 = trail.lookup_events(LookupAttributes=by_api, MaxResults=1)
    expect_equal([e["EventId"] for e in page1["Events"]], [newest["EventId"]], "page 1")
    token = page1.get("NextToken")
    expect(isinstance(token, str) and token, f"page 1 NextToken: {page1}")
    page2 = trail.lookup_events(LookupAttributes=by_api, MaxResults=1, NextToken=token)
    expect_equal([e["EventId"] for e in page2["Events"]], [oldest["EventId"]], "page 2")
    expect("NextToken" not in page2, f"no NextToken after the last page: {page2}")
    paginated = [
        e["EventId"]
        for page in trail.get_paginator("lookup_events").paginate(
            LookupAttributes=by_api, PaginationConfig={"PageSize": 1}
        )
        for e in page["Events"]
    ]
    expect_equal(paginated, [newest["EventId"], oldest["EventId"]], "boto3 paginator")
    expect_error(
        lambda: trail.lookup_events(LookupAttributes=by_api, NextToken="garbage"),
        "InvalidNextTokenException",
        400,
        "unparsable NextToken",
    )
    expect_error(
        lambda: trail.lookup_events(MaxResults=1, NextToken=token),
        "InvalidNextTokenException",
        400,
        "NextToken with other lookup parameters",
    )
    expect_error(
        lambda: trail.lookup_events(MaxResults=51),
        "InvalidMaxResultsException",
        400,
        "MaxResults above 50",
    )

    # Events land in the region of the API.
    eu_trail = h.client("cloudtrail", "eu-west-1")
    elsewhere = eu_trail.lookup_events(LookupAttributes=by_api)
    expect_equal(elsewhere["Events"], [], "lookup in another region")
    eu_apigw = h.client("apigateway", "eu-west-1")
    eu_id = eu_apigw.create_rest_api(name="european")["id"]
    eu_apigw.update_rest_api(restApiId=eu_id, patchOperations=policy_ops)
    by_eu = [{"AttributeKey": "ResourceName", "AttributeValue": eu_id}]
    eu_events = eu_trail.lookup_events(LookupAttributes=by_eu)["Events"]
    expect_equal(len(eu_events), 1, "lookup in the API's own region")
    expect_equal(
        json.loads(eu_events[0]["CloudTrailEvent"])["awsRegion"], "eu-west-1", "awsRegion"
    )
    expect_equal(trail.lookup_events(LookupAttributes=by_eu)["Events"], [], "not in us-east-1")

    # Bad lookup attributes.
    expect_error(
        lambda: trail.lookup_events(
            LookupAttributes=[*by_api, {"AttributeKey": "EventName", "AttributeValue": "x"}]
        ),
        "InvalidLookupAttributesException",
        400,
        "two lookup attributes",
    )
    expect_error(
        lambda: trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "Colour", "AttributeValue": "x"}]
        ),
        "InvalidLookupAttributesException",
        400,
        "unknown lookup attribute key",
    )

    # The wire: epoch-second numbers both ways, ISO strings accepted too.
    status, body = cloudtrail_raw(h, {"LookupAttributes": by_api, "MaxResults": 1})
    expect_equal(status, 200, "raw LookupEvents status")
    wire_time = body["Events"][0]["EventTime"]
    expect(type(wire_time) is int, f"EventTime on the wire is epoch seconds: {wire_time!r}")
    expect(isinstance(body["Events"][0]["CloudTrailEvent"], str), "CloudTrailEvent is a string")
    status, body = cloudtrail_raw(
        h, {"LookupAttributes": by_api, "StartTime": later.timestamp()}
    )
    expect_equal((status, body), (200, {"Events": []}), "raw float StartTime after the calls")
    status, body = cloudtrail_raw(
        h,
        {
            "LookupAttributes": by_api,
            "StartTime": before.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "EndTime": later.isoformat(),
        },
    )
    expect_equal(len(body.get("Events", [])), 2, f"raw ISO StartTime/EndTime: {status} {body}")
    status, body = cloudtrail_raw(h, {"StartTime": "yesterday"})
    expect_equal(
        (status, body.get("__type")), (400, "SerializationException"), "raw bad timestamp"
    )

    # Lookups are reads, and the events are not part of the state dump.
    state_before_lookups = h.state()
    expect_equal(cloudtrail_raw(h, {})[0], 200, "raw LookupEvents without members")
    trail.lookup_events(LookupAttributes=by_api)
    eu_trail.lookup_events()
    expect_equal(h.state(), state_before_lookups, "state dump unchanged by lookups")
    expect("cloudtrail" not in json.loads(h.state()), "no cloudtrail in the state dump")


def check_v2_auto_deploy(h: Harness) -> None:
    """Gap 11: an integration change is deployed to auto-deploying stages only; the merge
    semantics of RequestParameters stay moto's (replace), which the doctor's merge must survive;
    the dump lists integrations."""
    # A region of its own: the CloudTrail check counts every event of REGION.
    region = "eu-west-1"
    v2 = h.client("apigatewayv2", region)
    api_id = v2.create_api(
        Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
    )["ApiId"]
    integration = v2.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="POST",
        IntegrationUri="http://backend.example/", ConnectionType="VPC_LINK", ConnectionId="vl1",
        RequestParameters={"integration.request.querystring.room": "route.request.body.room"},
    )["IntegrationId"]
    v2.create_stage(ApiId=api_id, StageName="auto", AutoDeploy=True)
    v2.create_stage(ApiId=api_id, StageName="manual")
    manual = v2.create_deployment(ApiId=api_id, StageName="manual")["DeploymentId"]
    expect("DeploymentId" not in v2.get_stage(ApiId=api_id, StageName="auto"), "auto stage starts undeployed")

    v2.update_integration(
        ApiId=api_id, IntegrationId=integration,
        RequestParameters={"integration.request.header.connectionId": "context.connectionId"},
    )
    auto_dep = v2.get_stage(ApiId=api_id, StageName="auto").get("DeploymentId")
    expect(auto_dep is not None, "the auto-deploy stage got a deployment")
    got = v2.get_deployment(ApiId=api_id, DeploymentId=auto_dep)
    expect_equal(got["AutoDeployed"], True, "autoDeployed on the automatic deployment")
    expect("Description" not in got, "an automatic deployment has no description")
    expect_equal(
        v2.get_stage(ApiId=api_id, StageName="manual").get("DeploymentId"), manual,
        "a manual stage is not deployed by a change",
    )
    expect_equal(
        v2.get_integration(ApiId=api_id, IntegrationId=integration)["RequestParameters"],
        {"integration.request.header.connectionId": "context.connectionId"},
        "moto replaces RequestParameters on UpdateIntegration",
    )
    # Gap 13: the integration writes are in CloudTrail, in the v2 layout, newest first.
    trail = h.client("cloudtrail", region)
    events = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "UpdateIntegration"}]
    )["Events"]
    mine = [e for e in events if json.loads(e["CloudTrailEvent"])["requestParameters"]["apiId"] == api_id]
    expect_equal(len(mine), 1, "one UpdateIntegration event for the API")
    record = json.loads(mine[0]["CloudTrailEvent"])
    expect_equal(
        record["requestParameters"], {"apiId": api_id, "integrationId": integration}, "v2 record layout"
    )
    expect("resources" not in record and mine[0].get("Resources", []) == [], "no resources, as v2 records")
    created = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateIntegration"}]
    )["Events"]
    expect(
        any(json.loads(e["CloudTrailEvent"])["requestParameters"] == {"apiId": api_id, "integrationId": integration} for e in created),
        "CreateIntegration recorded with the new integration's id",
    )

    # Gap 12: GetAuthorizers lists the API's authorizers.
    authorizer = v2.create_authorizer(
        ApiId=api_id, AuthorizerType="REQUEST", Name="tokens",
        AuthorizerUri="arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
                      "arn:aws:lambda:us-east-1:123456789012:function:tokens/invocations",
        IdentitySource=["route.request.header.Authorization"],
    )["AuthorizerId"]
    listed = v2.get_authorizers(ApiId=api_id)["Items"]
    expect_equal([a["AuthorizerId"] for a in listed], [authorizer], "GetAuthorizers ids")
    expect_equal(listed[0]["Name"], "tokens", "GetAuthorizers name")
    expect_equal(listed[0]["IdentitySource"], ["route.request.header.Authorization"], "identity source")
    expect_error(
        lambda: v2.get_authorizers(ApiId="nope000"), "NotFoundException", 404, "GetAuthorizers of a missing API"
    )
    dump = json.loads(h.state())["apigatewayv2"][ACCOUNT][region]["apis"][api_id]
    expect_equal(
        dump["integrations"][integration]["requestParameters"],
        {"integration.request.header.connectionId": "context.connectionId"},
        "the dump lists integrations",
    )

def seed_connection(h: Harness, body: Any, method: str = "POST") -> tuple[int, Any]:
    """The extension's route that registers a live WebSocket connection."""
    data = json.dumps(body).encode() if method == "POST" else None
    request = urllib.request.Request(h.endpoint + ext.WS_CONNECTIONS_PATH, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def check_ws_connections(h: Harness) -> None:
    live = "L0SM9cOFvHcCIhw="
    status, seeded = seed_connection(h, {"connection_id": live, "stage": "prod", "source_ip": "203.0.113.7"})
    expect_equal(status, 201, "seeding a connection")
    expect_equal(seeded["identity"]["sourceIp"], "203.0.113.7", "seeded source IP")
    for bad in ({"stage": "prod"}, {"connection_id": live}, {"connection_id": "", "stage": "prod"}, ["x"]):
        expect_equal(seed_connection(h, bad)[0], 400, f"seeding {bad!r}")
    expect_equal(seed_connection(h, None, method="GET")[0], 405, "seeding with GET")

    # One client per stage URL, as the doctor builds its endpoint under AWS_ENDPOINT_URL.
    prod = boto3.client("apigatewaymanagementapi", region_name=REGION, endpoint_url=f"{h.endpoint}/prod")
    raw: list[dict[str, Any]] = []
    prod.meta.events.register(
        "after-call.apigatewaymanagementapi.GetConnection",
        lambda http_response, **_: raw.append(json.loads(http_response.content)),
    )
    # The id's "=" travels percent-encoded, as every SDK sends a path label.
    found = prod.get_connection(ConnectionId=live)
    expect_equal(found["Identity"]["SourceIp"], "203.0.113.7", "GetConnection on the stage path")
    iso = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
    for key in ("connectedAt", "lastActiveAt"):
        expect(re.match(iso, raw[0][key]) is not None, f"{key} is ISO 8601 on the wire: {raw[0]}")

    gone = expect_error(lambda: prod.get_connection(ConnectionId="never-connected="), "GoneException", 410,
                        "GetConnection of an unknown id")
    expect_equal(gone.response["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-errortype"), "GoneException",
                 "the error type header")
    dev = boto3.client("apigatewaymanagementapi", region_name=REGION, endpoint_url=f"{h.endpoint}/dev")
    expect_error(lambda: dev.get_connection(ConnectionId=live), "GoneException", 410,
                 "GetConnection on another stage than the connection's")
    expect_error(lambda: prod.post_to_connection(ConnectionId="never-connected=", Data=b"hi"), "GoneException",
                 410, "PostToConnection to an unknown id")
    bare = boto3.client("apigatewaymanagementapi", region_name=REGION, endpoint_url=h.endpoint)
    expect_equal(bare.get_connection(ConnectionId=live)["Identity"]["SourceIp"], "203.0.113.7",
                 "GetConnection without a stage path (moto's own route)")
    state = json.loads(h.state())
    expect("apigatewaymanagementapi" not in state, "connections are not in the state dump")


def set_delay(h: Harness, body: Any, method: str = "POST") -> tuple[int, Any]:
    return plumbing(h, ext.DELAYS_PATH, body, method)


def check_delays(h: Harness) -> None:
    from botocore.config import Config
    from botocore.exceptions import ReadTimeoutError

    # The client gives up after 0.5 s and never retries: a held answer is a read timeout.
    impatient = boto3.client("ec2", region_name=REGION, endpoint_url=h.endpoint,
                             config=Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
    vpce_id = vpc_endpoint(h)
    expect_equal(set_delay(h, None, "GET"), (200, {}), "no delay unless asked")
    impatient.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=False)

    expect_equal(set_delay(h, {"operation": "ec2:ModifyVpcEndpoint", "ms": 5000}),
                 (200, {"ec2:ModifyVpcEndpoint": 5000}), "a delay is set")
    impatient.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])  # other operations answer at once
    try:
        impatient.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=True)
    except ReadTimeoutError:
        pass
    else:
        raise CheckFailed("a delayed ModifyVpcEndpoint answered within the client's read timeout")
    endpoint = json.loads(h.state())["ec2"][ACCOUNT][REGION]["vpcEndpoints"][vpce_id]
    expect_equal(endpoint["privateDnsEnabled"], True, "the held write took effect at once")

    expect_equal(set_delay(h, {"operation": "ec2:DescribeVpcEndpoints", "ms": 5000})[0], 200,
                 "a second delay")
    try:
        impatient.describe_vpc_endpoints(VpcEndpointIds=["vpce-0000000000000000f"])
    except ReadTimeoutError:
        pass
    except ClientError as err:
        raise CheckFailed(f"an error answer was not held: {err}") from err
    else:
        raise CheckFailed("a delayed DescribeVpcEndpoints answered within the read timeout")

    for body in ({"operation": "ec2:ModifyVpcEndpoint", "ms": 0},
                 {"operation": "ec2:DescribeVpcEndpoints", "ms": 0}):
        expect_equal(set_delay(h, body)[0], 200, f"removing {body}")
    expect_equal(set_delay(h, None, "GET"), (200, {}), "every delay removed")
    impatient.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=False)
    for bad in ({"operation": "ModifyVpcEndpoint", "ms": 10}, {"operation": "ec2:X", "ms": -1},
                {"operation": "ec2:X", "ms": True}, {"operation": "ec2:X", "ms": 600_001}, [1]):
        expect_equal(set_delay(h, bad)[0], 400, f"malformed delay {bad}")
    expect("delays" not in json.loads(h.state()), "delays are not in the state dump")


def check_timeline(h: Harness) -> None:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=h.endpoint)
    timeline = lambda body=None, method="POST": plumbing(h, ext.TIMELINE_PATH, body, method)  # noqa: E731
    ec2.describe_vpcs()
    expect_equal(timeline(None, "GET"), (200, {"recording": False, "requests": []}),
                 "nothing is recorded unless asked")
    expect_equal(timeline({"record": True})[0], 200, "recording starts")
    # Every operation without a delay of its own is held 150 ms; DescribeVpcs keeps its own.
    expect_equal(set_delay(h, {"operation": "*:*", "ms": 150})[0], 200, "a delay for every operation")
    expect_equal(set_delay(h, {"operation": "ec2:DescribeVpcs", "ms": 10})[0], 200, "an operation's own")
    ec2.describe_subnets()
    ec2.describe_vpcs()
    for body in ({"operation": "*:*", "ms": 0}, {"operation": "ec2:DescribeVpcs", "ms": 0}):
        set_delay(h, body)
    status, answer = timeline({"record": False})
    expect_equal(status, 200, "recording stops")
    requests = answer["requests"]
    expect_equal([r["operation"] for r in requests], ["ec2:DescribeSubnets", "ec2:DescribeVpcs"],
                 "the AWS requests, in start order, no plumbing")
    subnets, vpcs = (r["end_ms"] - r["start_ms"] for r in requests)
    expect(150 <= subnets < 1000, f"the *:* delay is in DescribeSubnets' time: {subnets} ms")
    expect(10 <= vpcs < 150, f"DescribeVpcs kept its own delay: {vpcs} ms")
    expect(requests[1]["start_ms"] >= requests[0]["end_ms"], "one after the other")
    ec2.describe_vpcs()
    expect_equal(len(timeline(None, "GET")[1]["requests"]), 2, "nothing recorded after the stop")
    expect_equal(timeline({"record": "yes"})[0], 400, "a malformed body")
    expect("timeline" not in json.loads(h.state()), "the timeline is not in the state dump")


def set_throttle(h: Harness, body: Any, method: str = "POST") -> tuple[int, Any]:
    return plumbing(h, ext.THROTTLE_PATH, body, method)


def check_throttle(h: Harness) -> None:
    from botocore.config import Config

    # One attempt per call, so every 429 reaches the check.
    once = Config(retries={"total_max_attempts": 1})
    apigw = boto3.client("apigateway", region_name=REGION, endpoint_url=h.endpoint, config=once)
    v2 = boto3.client("apigatewayv2", region_name=REGION, endpoint_url=h.endpoint, config=once)
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=h.endpoint, config=once)
    off = {"rate": 0, "burst": 0, "requests": {}, "throttled": {}}
    expect_equal(set_throttle(h, None, "GET"), (200, off), "no throttle unless asked")
    for _ in range(12):
        apigw.get_rest_apis()  # off: nothing refused, nothing counted

    # A slow rate, so the bucket cannot refill noticeably while the check runs.
    expect_equal(set_throttle(h, {"rate": 0.25, "burst": 3}),
                 (200, {"rate": 0.25, "burst": 3, "requests": {}, "throttled": {}}), "throttle on")
    apigw.get_rest_apis()
    v2.get_apis()  # REST and v2 share the account's bucket
    ec2.describe_vpcs()  # other services are neither refused nor counted
    apigw.get_rest_apis()
    err = expect_error(apigw.get_rest_apis, "TooManyRequestsException", 429, "REST over the burst")
    expect_equal(err.response["Error"]["Message"], "Too Many Requests", "REST 429 message")
    headers = err.response["ResponseMetadata"]["HTTPHeaders"]
    retry_after = int(headers["retry-after"])
    expect(1 <= retry_after <= 4, f"Retry-After is the seconds until a token is back: {retry_after}")
    expect_equal(err.response.get("retryAfterSeconds"), headers["retry-after"],
                 "botocore reads retryAfterSeconds from Retry-After")
    err = expect_error(v2.get_apis, "TooManyRequestsException", 429, "v2 over the burst")
    expect_equal(err.response["Error"]["Message"], "Too Many Requests", "v2 429 message")

    # Another account has its own bucket.
    sts = h.client("sts")
    issued = sts.assume_role(RoleArn="arn:aws:iam::210987654321:role/bench", RoleSessionName="bench")["Credentials"]
    other = boto3.client("apigateway", region_name=REGION, endpoint_url=h.endpoint, config=once,
                         aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                         aws_session_token=issued["SessionToken"])
    other.get_rest_apis()
    expect_equal(set_throttle(h, None, "GET"),
                 (200, {"rate": 0.25, "burst": 3,
                        "requests": {"apigateway:GetRestApis": 3, "apigatewayv2:GetApis": 1},
                        "throttled": {"apigateway:GetRestApis": 1, "apigatewayv2:GetApis": 1}}),
                 "counted at the server, per operation")

    # A refused write is not handled.
    expect_equal(set_throttle(h, {"rate": 0.25, "burst": 1})[1]["requests"], {}, "a POST zeroes the counters")
    apigw.get_rest_apis()
    expect_error(lambda: apigw.create_rest_api(name="refused-write"), "TooManyRequestsException", 429,
                 "a write over the burst")
    expect_equal(set_throttle(h, {"rate": 0}), (200, off), "throttle off")
    expect("refused-write" not in [api["name"] for api in apigw.get_rest_apis()["items"]],
           "a refused write changed nothing")
    for _ in range(5):
        apigw.get_rest_apis()
    for bad in ({"rate": 10}, {"rate": 10, "burst": 0}, {"rate": -1}, {"rate": True, "burst": 4},
                {"rate": 10_001, "burst": 4}, {"burst": 4}, [1]):
        expect_equal(set_throttle(h, bad)[0], 400, f"malformed throttle {bad}")
    expect_equal(set_throttle(h, None, "GET"), (200, off), "still off after malformed requests")
    expect("throttle" not in json.loads(h.state()), "the throttle is not in the state dump")


def set_truststore_warnings(h: Harness, body: Any) -> tuple[int, Any]:
    return plumbing(h, ext.TRUSTSTORE_WARNINGS_PATH, body)


def check_mtls_domain_names(h: Harness) -> None:
    apigw = h.client("apigateway")
    cert = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/1"
    created = apigw.create_domain_name(
        domainName="mtls.example.com", regionalCertificateArn=cert,
        endpointConfiguration={"types": ["REGIONAL"]}, securityPolicy="TLS_1_2",
        mutualTlsAuthentication={"truststoreUri": "s3://trust/store.pem", "truststoreVersion": "v1"})
    expect_equal(created["mutualTlsAuthentication"],
                 {"truststoreUri": "s3://trust/store.pem", "truststoreVersion": "v1",
                  "truststoreWarnings": []}, "CreateDomainName keeps mutual TLS")
    plain = apigw.create_domain_name(domainName="plain.example.com", regionalCertificateArn=cert,
                                     endpointConfiguration={"types": ["REGIONAL"]})
    expect("mutualTlsAuthentication" not in plain, "a domain without mutual TLS is unchanged")

    warning = "Certificate 1 uses an insecure signature algorithm"
    status, body = set_truststore_warnings(h, {"domain_name": "mtls.example.com", "warnings": [warning]})
    expect_equal(status, 200, "setting truststore warnings")
    expect_equal(body["mutualTlsAuthentication"]["truststoreWarnings"], [warning], "the answer")
    got = apigw.get_domain_name(domainName="mtls.example.com")
    expect_equal(got["mutualTlsAuthentication"]["truststoreWarnings"], [warning],
                 "GetDomainName returns the warnings")
    listed = {d["domainName"]: d for d in apigw.get_domain_names()["items"]}
    expect_equal(listed["mtls.example.com"]["mutualTlsAuthentication"]["truststoreWarnings"],
                 [warning], "GetDomainNames returns the warnings")
    expect("mutualTlsAuthentication" not in listed["plain.example.com"],
           "GetDomainNames: no mutual TLS on the plain domain")

    for body, code in (({"domain_name": "plain.example.com", "warnings": []}, 404),
                       ({"domain_name": "missing.example.com", "warnings": []}, 404),
                       ({"domain_name": "mtls.example.com", "warnings": "x"}, 400),
                       ({"domain_name": "mtls.example.com", "warnings": [1]}, 400),
                       ([1], 400)):
        expect_equal(set_truststore_warnings(h, body)[0], code, f"truststore warnings {body}")
    for name in ("mtls.example.com", "plain.example.com"):
        apigw.delete_domain_name(domainName=name)


def test_invoke_raw(h: Harness, body: Any = None, method: str = "POST") -> tuple[int, Any]:
    return plumbing(h, ext.TEST_INVOKE_PATH, body, method)


def check_test_invoke(h: Harness) -> None:
    apigw = h.client("apigateway")
    api_id, ids = rest_api_with_methods(h)
    # Gap 16: an unseeded method answers 200 and a log in API Gateway's test-invoke layout.
    got = apigw.test_invoke_method(restApiId=api_id, resourceId=ids["root"], httpMethod="GET",
                                   pathWithQueryString="/?kind=all", stageVariables={"backend": "v2"})
    expect_equal(got["status"], 200, "unseeded status")
    expect_equal(got["latency"], 0, "unseeded latency")
    expect_equal(got["multiValueHeaders"], {"Content-Type": ["application/json"]}, "multiValueHeaders")
    lines = got["log"].split("\n")
    expect(lines[0].startswith("Execution log for request "), f"log header: {lines[0]!r}")
    stamp = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} : ")
    expect(all(stamp.match(line) for line in lines[1:]), f"every line stamped: {lines!r}")
    expect(any(line.endswith(" : HTTP Method: GET, Resource Path: /") for line in lines), f"{lines!r}")
    expect(any(line.endswith(" : Method request query string: {kind=all}") for line in lines), f"{lines!r}")
    expect(lines[-1].endswith(" : Method completed with status: 200"), f"last line: {lines[-1]!r}")

    # Seeded: the status, latency, body and the lines a backend failure writes.
    seeded_line = "Execution failed due to configuration error: Connection timed out"
    seed = {"rest_api_id": api_id, "resource_id": ids["pets"], "http_method": "POST", "status": 504,
            "lines": [seeded_line], "latency": 29000, "body": "{\"message\": \"Endpoint request timed out\"}"}
    expect_equal(test_invoke_raw(h, seed)[0], 200, "seeding a test invocation")
    got = apigw.test_invoke_method(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST",
                                   headers={"Authorization": "Bearer t"})
    expect_equal((got["status"], got["latency"]), (504, 29000), "seeded status and latency")
    expect_equal(got["body"], seed["body"], "seeded body")
    lines = got["log"].split("\n")
    expect(any(line.endswith(" : " + seeded_line) for line in lines), f"seeded line in {lines!r}")
    expect(any(line.endswith(" : HTTP Method: POST, Resource Path: /pets") for line in lines), f"{lines!r}")
    expect(any(line.endswith(" : Method request headers: {Authorization=Bearer t}") for line in lines),
           f"headers line in {lines!r}")
    expect(lines[-1].endswith(" : Method completed with status: 504"), f"last line: {lines[-1]!r}")

    # Every call is listed, with what was sent.
    status, listed = test_invoke_raw(h, method="GET")
    expect_equal(status, 200, "listing test invocations")
    expect_equal([(c["resourceId"], c["httpMethod"], c["pathWithQueryString"], c["stageVariables"])
                  for c in listed["calls"]],
                 [(ids["root"], "GET", "/?kind=all", {"backend": "v2"}), (ids["pets"], "POST", None, {})],
                 "the calls received")

    # Unknown methods, resources and APIs are moto's own 404s; malformed seeds are 400s.
    expect_error(lambda: apigw.test_invoke_method(restApiId=api_id, resourceId=ids["empty"], httpMethod="GET"),
                 "NotFoundException", 404, "a resource without the method")
    expect_error(lambda: apigw.test_invoke_method(restApiId=api_id, resourceId="nope", httpMethod="GET"),
                 "NotFoundException", 404, "an unknown resource")
    expect_error(lambda: apigw.test_invoke_method(restApiId="nope", resourceId=ids["root"], httpMethod="GET"),
                 "NotFoundException", 404, "an unknown API")
    expect_equal(test_invoke_raw(h, {**seed, "http_method": "GET"})[0], 404, "seeding an unknown method")
    for bad in ({**seed, "status": "504"}, {**seed, "status": 99}, {**seed, "lines": "x"},
                {**seed, "latency": True}, {"resource_id": ids["pets"], "http_method": "POST"}, [1]):
        expect_equal(test_invoke_raw(h, bad)[0], 400, f"malformed seed {bad}")
    state = json.loads(h.state())
    expect("test-invoke" not in json.dumps(state) and "Connection timed out" not in json.dumps(state),
           "test invocations are not in the state dump")
    apigw.delete_rest_api(restApiId=api_id)


def network_load_balancer(h: Harness, name: str) -> dict[str, str]:
    """A Network Load Balancer with a TCP listener on 80 forwarding to an IP target group."""
    ec2, elb = h.client("ec2"), h.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    nlb = elb.create_load_balancer(Name=name, Subnets=[subnet], Type="network",
                                   Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(Name=name, Protocol="TCP", Port=80, VpcId=vpc,
                                    TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=group, Targets=[{"Id": "10.9.1.5"}, {"Id": "10.9.1.6"}])
    elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    return {"vpc": vpc, "subnet": subnet, "nlb": nlb, "group": group}


def check_rest_private_integration(h: Harness) -> None:
    apigw = h.client("apigateway")
    api_id, ids = rest_api_with_methods(h)
    nlb = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/web/1"
    put = apigw.put_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST", type="HTTP_PROXY",
                                integrationHttpMethod="POST", uri="http://backend.internal/pets",
                                connectionType="VPC_LINK", connectionId="${stageVariables.link}",
                                integrationTarget=nlb)
    expect_equal((put["connectionId"], put["integrationTarget"]), ("${stageVariables.link}", nlb),
                 "PutIntegration answers connectionId and integrationTarget")
    got = apigw.get_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST")
    expect_equal(got["connectionId"], "${stageVariables.link}", "GetIntegration keeps connectionId")
    embedded = {r["path"]: r for r in apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]}
    integration = embedded["/pets"]["resourceMethods"]["POST"]["methodIntegration"]
    expect_equal((integration["connectionType"], integration["connectionId"], integration["integrationTarget"]),
                 ("VPC_LINK", "${stageVariables.link}", nlb), "GetResources embed=methods keeps them")
    mock = apigw.get_integration(restApiId=api_id, resourceId=ids["root"], httpMethod="GET")
    expect("connectionId" not in mock and "integrationTarget" not in mock, "a MOCK integration names no link")
    # Gap 21: UpdateIntegration.
    updated = apigw.update_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST",
                                       patchOperations=[{"op": "replace", "path": "/connectionId", "value": "vl-new"}])
    expect_equal(updated["connectionId"], "vl-new", "UpdateIntegration answers the new connectionId")
    expect_equal(apigw.get_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST")["connectionId"],
                 "vl-new", "and keeps it")
    expect_equal(updated["uri"], "http://backend.internal/pets", "other members unchanged")
    expect_error(lambda: apigw.update_integration(
        restApiId=api_id, resourceId=ids["pets"], httpMethod="POST",
        patchOperations=[{"op": "replace", "path": "/connectionId", "value": "vl-x"},
                         {"op": "replace", "path": "/timeoutInMillis", "value": "1"}]),
        "BadRequestException", 400, "an unsupported path")
    expect_equal(apigw.get_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST")["connectionId"],
                 "vl-new", "a refused patch changes nothing")
    removed = apigw.update_integration(restApiId=api_id, resourceId=ids["pets"], httpMethod="POST",
                                       patchOperations=[{"op": "remove", "path": "/integrationTarget"}])
    expect("integrationTarget" not in removed, "remove clears integrationTarget")


def check_vpc_link_status(h: Harness) -> None:
    apigw, v2 = h.client("apigateway"), h.client("apigatewayv2")
    v1_id = apigw.create_vpc_link(name="legacy", targetArns=["arn:aws:elasticloadbalancing:x"])["id"]
    v2_id = v2.create_vpc_link(Name="modern", SubnetIds=["subnet-1"], SecurityGroupIds=["sg-1"])["VpcLinkId"]
    expect_equal(apigw.get_vpc_link(vpcLinkId=v1_id)["status"], "AVAILABLE", "v1 default")
    expect_equal(v2.get_vpc_link(VpcLinkId=v2_id)["VpcLinkStatus"], "AVAILABLE", "v2 default")
    status, _ = plumbing(h, ext.VPC_LINK_STATUS_PATH,
                          {"vpc_link_id": v1_id, "status": "FAILED", "message": "NLB is gone"})
    expect_equal(status, 200, "setting a v1 status")
    got = apigw.get_vpc_link(vpcLinkId=v1_id)
    expect_equal((got["status"], got["statusMessage"]), ("FAILED", "NLB is gone"), "v1 GetVpcLink")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"vpc_link_id": v2_id, "status": "INACTIVE"})[0],
                 200, "setting a v2 status")
    got = v2.get_vpc_link(VpcLinkId=v2_id)
    expect_equal(got["VpcLinkStatus"], "INACTIVE", "v2 GetVpcLink")
    expect("VpcLinkStatusMessage" not in got, "no message unless set")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"vpc_link_id": "nope", "status": "FAILED"})[0],
                 404, "unknown link")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"vpc_link_id": v1_id})[0], 400, "no status")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"new_links": "PENDING"})[0], 200, "new links pending")
    pending = apigw.create_vpc_link(name="fresh", targetArns=["arn:aws:elasticloadbalancing:y"])
    expect_equal(pending["status"], "PENDING", "a v1 link created now is PENDING")
    pending_v2 = v2.create_vpc_link(Name="fresh2", SubnetIds=["subnet-1"])
    expect_equal(v2.get_vpc_link(VpcLinkId=pending_v2["VpcLinkId"])["VpcLinkStatus"], "PENDING",
                 "a v2 link created now is PENDING")
    plumbing(h, ext.VPC_LINK_STATUS_PATH, {"new_links": None})
    expect_equal(apigw.create_vpc_link(name="later", targetArns=["arn:z"])["status"], "AVAILABLE",
                 "off again")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"vpc_link_id": pending["id"], "status": "AVAILABLE"})[0],
                 200, "the pending link becomes available")
    expect_equal(apigw.get_vpc_link(vpcLinkId=pending["id"])["status"], "AVAILABLE", "set after creation")
    expect_equal(plumbing(h, ext.VPC_LINK_STATUS_PATH, {"new_links": 3})[0], 400, "malformed new_links")
    expect_error(lambda: apigw.get_vpc_link(vpcLinkId="nope"), "NotFoundException", 404, "v1 unknown link")
    expect_error(lambda: v2.get_vpc_link(VpcLinkId="nope"), "NotFoundException", 404, "v2 unknown link")


def check_target_health(h: Harness) -> None:
    elb = h.client("elbv2")
    path = network_load_balancer(h, "health")
    health = {d["Target"]["Id"]: d for d in elb.describe_target_health(TargetGroupArn=path["group"])["TargetHealthDescriptions"]}
    expect_equal(health["10.9.1.5"]["TargetHealth"]["State"], "healthy", "moto's own answer for an IP target")
    status, _ = plumbing(h, ext.TARGET_HEALTH_PATH, {
        "target_group_arn": path["group"], "target_id": "10.9.1.5", "state": "unhealthy",
        "reason": "Target.FailedHealthChecks", "description": "Health checks failed",
        "availability_zone": "us-east-1a"})
    expect_equal(status, 200, "setting a target's health")
    health = {d["Target"]["Id"]: d for d in elb.describe_target_health(TargetGroupArn=path["group"])["TargetHealthDescriptions"]}
    expect_equal(health["10.9.1.5"]["TargetHealth"],
                 {"State": "unhealthy", "Reason": "Target.FailedHealthChecks", "Description": "Health checks failed"},
                 "DescribeTargetHealth reports the set health")
    expect_equal(health["10.9.1.5"]["Target"]["AvailabilityZone"], "us-east-1a", "with its zone")
    expect_equal(health["10.9.1.6"]["TargetHealth"]["State"], "healthy", "the other target is unchanged")
    expect_equal(plumbing(h, ext.TARGET_HEALTH_PATH, {"target_group_arn": "arn:nope", "target_id": "x",
                                                        "state": "unhealthy"})[0], 404, "unknown group")
    expect_equal(plumbing(h, ext.TARGET_HEALTH_PATH, {"target_group_arn": path["group"]})[0], 400, "malformed")
    expect_error(lambda: elb.describe_load_balancers(LoadBalancerArns=[path["nlb"] + "0"]),
                 "LoadBalancerNotFound", 400, "an unknown load balancer")


def check_listener_certificates(h: Harness) -> None:
    import seed

    acm, elb = h.client("acm"), h.client("elbv2")
    path = network_load_balancer(h, "sni")
    now = datetime.datetime.now(datetime.UTC)
    arns = []
    for name in ("default.example.com", "sni.example.com"):
        cert, key = seed.self_signed([name], now - datetime.timedelta(days=1), now + datetime.timedelta(days=9))
        arns.append(acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"])
    listener = elb.create_listener(LoadBalancerArn=path["nlb"], Protocol="TLS", Port=443,
                                   Certificates=[{"CertificateArn": arns[0]}],
                                   DefaultActions=[{"Type": "forward", "TargetGroupArn": path["group"]}])
    listener_arn = listener["Listeners"][0]["ListenerArn"]
    elb.add_listener_certificates(ListenerArn=listener_arn, Certificates=[{"CertificateArn": arns[1]}])
    described = elb.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
    expect_equal([c["CertificateArn"] for c in described["Certificates"]], arns[:1],
                 "DescribeListeners names the default certificate only")
    listed = elb.describe_listener_certificates(ListenerArn=listener_arn)["Certificates"]
    expect_equal([(c["CertificateArn"], c["IsDefault"]) for c in listed], [(arns[0], True), (arns[1], False)],
                 "DescribeListenerCertificates names both")


def check_endpoint_connections(h: Harness) -> None:
    ec2 = h.client("ec2")
    path = network_load_balancer(h, "connections")
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[path["nlb"]], AcceptanceRequired=False)["ServiceConfiguration"]["ServiceId"]
    other = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[path["nlb"]], AcceptanceRequired=True)["ServiceConfiguration"]["ServiceId"]
    expect_equal(ec2.describe_vpc_endpoint_connections()["VpcEndpointConnections"], [], "none until filed")
    for service_id, endpoint, state in ((service, "vpce-0apigw", "available"), (other, "vpce-0other", "rejected")):
        expect_equal(plumbing(h, ext.ENDPOINT_CONNECTIONS_PATH, {
            "service_id": service_id, "vpc_endpoint_id": endpoint, "state": state})[0], 201, f"filing {endpoint}")
    listed = ec2.describe_vpc_endpoint_connections(
        Filters=[{"Name": "service-id", "Values": [service]}])["VpcEndpointConnections"]
    expect_equal([(c["ServiceId"], c["VpcEndpointId"], c["VpcEndpointState"], c["NetworkLoadBalancerArns"])
                  for c in listed], [(service, "vpce-0apigw", "available", [path["nlb"]])],
                 "filtered by service-id")
    expect_equal(len(ec2.describe_vpc_endpoint_connections()["VpcEndpointConnections"]), 2, "unfiltered")
    plumbing(h, ext.ENDPOINT_CONNECTIONS_PATH, {"service_id": service, "vpc_endpoint_id": "vpce-0apigw",
                                                 "state": "rejected"})
    listed = ec2.describe_vpc_endpoint_connections(
        Filters=[{"Name": "service-id", "Values": [service]}])["VpcEndpointConnections"]
    expect_equal([c["VpcEndpointState"] for c in listed], ["rejected"], "a second filing replaces the state")
    expect_equal(plumbing(h, ext.ENDPOINT_CONNECTIONS_PATH, {"service_id": "vpce-svc-nope",
                                                              "vpc_endpoint_id": "x", "state": "available"})[0],
                 404, "unknown service")
    expect_equal(plumbing(h, ext.ENDPOINT_CONNECTIONS_PATH, [1])[0], 400, "malformed")


def check_acm_imported_certificates(h: Harness) -> None:
    import seed

    acm = h.client("acm")
    now = datetime.datetime.now(datetime.UTC)
    # ACM refuses a certificate that has already expired; one that expires after its import is
    # how an imported certificate on a listener runs out.
    cert, key = seed.self_signed(["*.example.com", "example.com"], now - datetime.timedelta(days=1),
                                 now + datetime.timedelta(seconds=2))
    arn = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    time.sleep(2.5)
    now = datetime.datetime.now(datetime.UTC)
    detail = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    expect_equal(detail["DomainName"], "*.example.com", "DomainName from the certificate")
    expect_equal(sorted(detail["SubjectAlternativeNames"]), ["*.example.com", "example.com"], "its names")
    expect(detail["NotAfter"] < now, f"NotAfter from the certificate: {detail['NotAfter']}")


# A custom runtime for gap 31: one invocation (GET next, then POST), steered by the event.
LOCAL_RUNTIME = """#!{python}
import json, os, sys, time, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
with urllib.request.urlopen(api + "/invocation/next") as got:
    request_id, headers, event = got.headers["Lambda-Runtime-Aws-Request-Id"], dict(got.headers), json.load(got)
print("local runtime got", json.dumps(event), file=sys.stderr, flush=True)
with open("pid", "w") as f:  # the cwd is this script's directory
    f.write(str(os.getpid()))
if event.get("exit"):
    sys.exit(7)
if event.get("hang"):
    time.sleep(600)
kind, body = "response", {{"marker": "local-runtime", "echo": event, "env": dict(os.environ), "headers": headers,
                           "now_ms": int(time.time() * 1000)}}
if event.get("fail") or (event.get("flaky") and not os.path.exists("flaky")):
    open("flaky", "w").close()
    kind, body = "error", {{"errorType": "Flaky" if event.get("flaky") else "Boom", "errorMessage": "asked to fail"}}
posted = json.dumps(body).encode()
urllib.request.urlopen(urllib.request.Request(f"{{api}}/invocation/{{request_id}}/{{kind}}", posted, method="POST")).read()
"""


def local_function(h: Harness, name: str, directory: str, timeout: int = 10, local: bool = True) -> str:
    """A Lambda function running LOCAL_RUNTIME through gap 31 (or, not local, moto's Docker path)."""
    bootstrap = os.path.join(directory, "bootstrap")
    with open(bootstrap, "w", encoding="utf-8") as f:
        f.write(LOCAL_RUNTIME.format(python=sys.executable))
    os.chmod(bootstrap, 0o755)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = h.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("bootstrap", "")
    variables = {"PROBE": "from-function"}
    if local:
        variables[ext.LOCAL_BOOTSTRAP_VAR] = bootstrap
    created = h.client("lambda").create_function(
        FunctionName=name, Runtime="provided.al2023", Handler="bootstrap", Role=role["Role"]["Arn"],
        Code={"ZipFile": package.getvalue()}, Timeout=timeout, MemorySize=256,
        Environment={"Variables": variables})
    return str(created["FunctionArn"])


def invoke(h: Harness, name: str, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """Lambda Invoke: (the response, its payload parsed)."""
    answer = h.client("lambda").invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return answer, json.loads(answer["Payload"].read())


def gone(pid_file: str) -> bool:
    """Whether the process whose pid the runtime wrote is gone, and reaped."""
    with open(pid_file, encoding="utf-8") as f:
        pid = int(f.read())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def check_lambda_local_runtime(h: Harness) -> None:
    """Gap 31: answers, errors, exits and timeouts of a local runtime; moto's own Invoke needs Docker."""
    with tempfile.TemporaryDirectory() as directory:
        arn = local_function(h, "local-runtime", directory)
        answer, payload = invoke(h, "local-runtime", {"hello": "world"}, LogType="Tail")
        expect_equal((answer["StatusCode"], answer.get("FunctionError")), (200, None), "a response")
        expect_equal((payload["marker"], payload["echo"]), ("local-runtime", {"hello": "world"}), "its payload")
        env, headers = payload["env"], payload["headers"]
        expect_equal({key: env.get(key) for key in ("PROBE", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
                                                     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE")},
                     {"PROBE": "from-function", "AWS_LAMBDA_FUNCTION_NAME": "local-runtime",
                      "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"},
                     "the function's environment")
        expect(env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:") and env.get("PATH"), f"runtime API, PATH: {env}")
        for absent in (ext.LOCAL_BOOTSTRAP_VAR, "AWS_SECRET_ACCESS_KEY", "DOCKER_HOST"):
            expect(absent not in env, f"{absent} leaked into the function's clean environment")
        expect_equal(headers["Lambda-Runtime-Invoked-Function-Arn"], arn, "the invoked function's ARN")
        expect(headers["Lambda-Runtime-Trace-Id"].startswith("Root=") and headers["Lambda-Runtime-Aws-Request-Id"],
               f"request id and trace id: {headers}")
        left = int(headers["Lambda-Runtime-Deadline-Ms"]) - payload["now_ms"]
        expect(5_000 < left <= 10_000, f"the deadline is the Timeout away: {left} ms")
        log = base64.b64decode(answer["LogResult"]).decode()
        expect('local runtime got {"hello": "world"}' in log, f"the output's tail is the LogResult: {log!r}")

        answer, payload = invoke(h, "local-runtime", {"fail": True})
        expect_equal((answer["StatusCode"], answer.get("FunctionError"), payload["errorType"]),
                     (200, "Unhandled", "Boom"), "a posted error")
        answer, payload = invoke(h, "local-runtime", {"exit": True})
        expect_equal((answer.get("FunctionError"), payload["errorType"]), ("Unhandled", "Runtime.ExitError"),
                     "exited without answering")
        expect("exit status 7" in payload["errorMessage"], f"the exit status: {payload}")

        local_function(h, "local-runtime-hangs", directory, timeout=1)
        grace, ext.TIMEOUT_GRACE_SECONDS = ext.TIMEOUT_GRACE_SECONDS, 0.5
        try:
            answer, payload = invoke(h, "local-runtime-hangs", {"hang": True})
        finally:
            ext.TIMEOUT_GRACE_SECONDS = grace
        expect_equal((answer.get("FunctionError"), payload["errorType"]), ("Unhandled", "Sandbox.Timedout"),
                     "no answer by the Timeout")
        expect(gone(os.path.join(directory, "pid")), "the timed-out process was killed and reaped")

        # The gap: without the variable moto runs the function in Docker, which is not there.
        local_function(h, "docker-runtime", directory, local=False)
        answer = h.client("lambda").invoke(FunctionName="docker-runtime", Payload=b"{}")
        payload = answer["Payload"].read().decode()
        expect(answer.get("FunctionError") and payload.startswith("error running docker"),
               f"moto's own Invoke needs Docker: {answer.get('FunctionError')} {payload!r}")


def execution_events(sfn: Any, execution_arn: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """DescribeExecution once it has ended, and its history."""
    for _ in range(100):
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described, sfn.get_execution_history(executionArn=execution_arn)["events"]
        time.sleep(0.1)
    raise CheckFailed(f"{execution_arn} still RUNNING: {described}")


def check_step_functions(h: Harness) -> None:
    """Gap 32: moto's own executions run nothing; now a lambda:invoke task runs, and is retried."""
    from moto.core.config import default_user_config

    sfn = h.client("stepfunctions")
    role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
    fails = json.dumps({"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Stopped"}}})
    # The gap: moto's own backend runs no state at all (a canned history, RUNNING forever).
    default_user_config["stepfunctions"]["execute_state_machine"] = False
    try:
        machine = sfn.create_state_machine(name="not-run", definition=fails, roleArn=role)["stateMachineArn"]
        started = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        time.sleep(0.2)
        expect_equal(sfn.describe_execution(executionArn=started)["status"], "RUNNING", "moto's own execution")
        events = sfn.get_execution_history(executionArn=started)["events"]
        expect(not any(e["type"] == "FailStateEntered" for e in events), f"moto's own execution ran: {events}")
    finally:
        default_user_config["stepfunctions"]["execute_state_machine"] = True

    with tempfile.TemporaryDirectory() as directory:
        arn = local_function(h, "machine-runtime", directory)
        definition = {"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": arn, "Payload.$": "$"},
                     "ResultSelector": {"marker.$": "$.Payload.marker", "sent.$": "$.Payload.echo"},
                     "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                     "Next": "Done"},
            "Done": {"Type": "Succeed"}}}
        machine = sfn.create_state_machine(name="local-runtime", definition=json.dumps(definition),
                                           roleArn=role)["stateMachineArn"]
        first = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"flaky": True}))["executionArn"]
        described, events = execution_events(sfn, first)
        expect_equal((described["status"], json.loads(described["output"])),
                     ("SUCCEEDED", {"marker": "local-runtime", "sent": {"flaky": True}}),
                     "the execution, retried once, through the local runtime")
        expect_equal([e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e],
                     ["Call", "Done"], "states entered")
        tasks = [(e["type"], (e.get("taskFailedEventDetails") or {}).get("error")) for e in events
                 if e["type"] in ("TaskScheduled", "TaskFailed", "TaskSucceeded")]
        expect_equal(tasks, [("TaskScheduled", None), ("TaskFailed", "Flaky"), ("TaskScheduled", None),
                             ("TaskSucceeded", None)], "lambda:invoke tasks in the history")
        second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        expect(not first.endswith(":None") and not second.endswith(":None") and first != second,
               f"unnamed executions get names of their own: {first} {second}")
        expect_equal(execution_events(sfn, second)[0]["status"], "SUCCEEDED", "a second unnamed execution")


CHECKS: list[tuple[str, Callable[[Harness], None]]] = [
    ("REST GetDeployment embed=apisummary", check_rest_api_summary),
    ("REST behaviour moto already has", check_rest_relied_on),
    ("API Gateway v2 deployments and UpdateStage", check_v2),
    ("API Gateway v2 automatic deployment and GetAuthorizers", check_v2_auto_deploy),
    ("EC2 ModifyVpcEndpoint PrivateDnsEnabled and vpce tags", check_ec2),
    ("EC2 new network ACLs carry the catch-all deny entries", check_network_acls),
    ("DynamoDB conditional PutItem", check_dynamodb),
    ("state dump", check_state_dump),
    ("CloudTrail LookupEvents for UpdateRestApi", check_cloudtrail),
    ("WebSocket connections: live when seeded, 410 GoneException otherwise", check_ws_connections),
    ("opt-in slow answers: handled at once, answer held", check_delays),
    ("a request timeline, and one delay for every operation", check_timeline),
    ("REST custom domain names keep mutual TLS and truststore warnings", check_mtls_domain_names),
    ("REST TestInvokeMethod answers a seeded execution log", check_test_invoke),
    ("REST private integrations keep connectionId and integrationTarget", check_rest_private_integration),
    ("VPC links that are not AVAILABLE", check_vpc_link_status),
    ("target health that is not healthy", check_target_health),
    ("EC2 DescribeVpcEndpointConnections", check_endpoint_connections),
    ("DescribeListeners names the default certificate only", check_listener_certificates),
    ("ACM DescribeCertificate of an imported certificate (moto already has it)", check_acm_imported_certificates),
    ("opt-in API Gateway throttle: 429 with Retry-After, counted per operation", check_throttle),
    ("Lambda Invoke runs a local custom runtime", check_lambda_local_runtime),
    ("Step Functions executions run, lambda:invoke through the local runtime", check_step_functions),
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
        ext.serving_on(port)
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
