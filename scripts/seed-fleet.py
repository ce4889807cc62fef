"""Seeds a fleet of N API Gateway APIs into a moto server in one process, for `make bench-fleet`.

The mix of issue 15: 60% REST (alternately private, behind a shared execute-api VPC endpoint,
and regional), 25% HTTP, 15% WebSocket. As in a real account the network is shared: a handful of
VPCs, each with two subnets, an endpoint security group admitting 443 from the VPC, one
execute-api interface endpoint (private DNS on), one network load balancer with a healthy
target, one REST VPC link (to the NLB, through its endpoint service) and one v2 VPC link. Each
API has a few routes or resources, some integrated through its VPC's link, and a deployed,
logged stage. Deterministic for a given --seed and N (the ids are moto's). Prints a JSON summary.

Usage: python scripts/seed-fleet.py --apis N [--seed S] [--vpcs V]   (AWS_ENDPOINT_URL set)
Run with the project venv's python (boto3); nothing leaves 127.0.0.1.
"""

import argparse
import json
import os
import random
import sys
import time
import urllib.request

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT = "123456789012"
ACCESS_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:api-access"
CLOUDWATCH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/apigateway-cloudwatch"
PATH_PARTS = ("items", "orders", "users", "health", "reports", "search", "files", "events")


def network(ec2, elbv2, apigw, apigwv2, endpoint, index):
    """One shared VPC with its execute-api endpoint, an NLB (a listener on 80 forwarding to a
    healthy target, and its endpoint service), a v1 VPC link to it and a v2 link into the VPC."""
    cidr = f"10.{index}.0.0/16"
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{index}.{n}.0/24",
                                 AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
               for n, zone in ((1, "a"), (2, "b"))]
    sg = ec2.create_security_group(GroupName=f"execute-api-{index}", Description="endpoint",
                                   VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}])
    vpce = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.execute-api", VpcEndpointType="Interface",
        SubnetIds=subnets, SecurityGroupIds=[sg], PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    nlb = elbv2.create_load_balancer(Name=f"backend-{index}", Subnets=subnets, Type="network",
                                     Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    group = elbv2.create_target_group(Name=f"backend-{index}", Protocol="TCP", Port=80, VpcId=vpc,
                                      TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": f"10.{index}.1.9"}])
    listener = elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": group}])["Listeners"][0]["ListenerArn"]
    # The endpoint service AWS gives a v1 link's load balancer, and API Gateway's connection to
    # it; moto makes neither (tests/moto/ext.py gap 20).
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=False)["ServiceConfiguration"]["ServiceId"]
    connection = {"service_id": service, "vpc_endpoint_id": f"vpce-0a1b2c3d4e5f6{index:04x}", "state": "available"}
    urllib.request.urlopen(urllib.request.Request(
        f"{endpoint}/moto-api/apigw-doctor/endpoint-connections", data=json.dumps(connection).encode(),
        method="POST"), timeout=10).close()
    rest_link = apigw.create_vpc_link(name=f"rest-link-{index}", targetArns=[nlb])["id"]
    v2_link = apigwv2.create_vpc_link(Name=f"http-link-{index}", SubnetIds=subnets,
                                      SecurityGroupIds=[sg])["VpcLinkId"]
    return {"vpc_id": vpc, "subnet_ids": subnets, "endpoint_sg_id": sg, "vpce_id": vpce,
            "nlb_arn": nlb, "listener_arn": listener, "rest_vpc_link_id": rest_link,
            "v2_vpc_link_id": v2_link}


def private_policy(vpce_id):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringNotEquals": {"aws:SourceVpce": [vpce_id]}}},
    ]})


def rest_api(apigw, rng, name, private, net):
    """A REST API with 2-5 resources (GET each; some through the VPC link), deployed to prod."""
    if private:
        api = apigw.create_rest_api(name=name, policy=private_policy(net["vpce_id"]), endpointConfiguration={
            "types": ["PRIVATE"], "vpcEndpointIds": [net["vpce_id"]]})["id"]
    else:
        api = apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = apigw.get_resources(restApiId=api)["items"][0]["id"]
    for part in rng.sample(PATH_PARTS, rng.randint(2, 5)):
        resource = apigw.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
        if rng.random() < 0.5:
            apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="HTTP_PROXY",
                                  integrationHttpMethod="GET", uri=f"http://backend.internal/{part}",
                                  connectionType="VPC_LINK", connectionId=net["rest_vpc_link_id"])
        else:
            apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="prod")
    apigw.update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": ACCESS_LOGS},
        {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "ERROR"}])
    return api


def http_api(apigwv2, rng, name, net):
    """An HTTP API with 1-3 routes (private integrations through the VPC link, or public), $default auto-deployed."""
    api = apigwv2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    for part in rng.sample(PATH_PARTS, rng.randint(1, 3)):
        if rng.random() < 0.6:
            integration = apigwv2.create_integration(
                ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", PayloadFormatVersion="1.0",
                IntegrationUri=net["listener_arn"], ConnectionType="VPC_LINK", ConnectionId=net["v2_vpc_link_id"])
        else:
            integration = apigwv2.create_integration(
                ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", PayloadFormatVersion="1.0",
                IntegrationUri=f"https://backend.example.com/{part}")
        apigwv2.create_route(ApiId=api, RouteKey=f"GET /{part}", Target=f"integrations/{integration['IntegrationId']}")
    apigwv2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True,
                         AccessLogSettings={"DestinationArn": ACCESS_LOGS, "Format": "$context.requestId"})
    return api


def websocket_api(apigwv2, name, net):
    """A WebSocket API: $connect and $default through the VPC's v1 link (WebSocket private
    integrations use REST's VPC links), deployed to prod."""
    api = apigwv2.create_api(Name=name, ProtocolType="WEBSOCKET",
                             RouteSelectionExpression="$request.body.action")["ApiId"]
    integration = apigwv2.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="POST",
        IntegrationUri="http://chat.internal/messages", ConnectionType="VPC_LINK",
        ConnectionId=net["rest_vpc_link_id"],
        RequestParameters={"integration.request.header.connectionId": "context.connectionId"})["IntegrationId"]
    for route in ("$connect", "$default"):
        apigwv2.create_route(ApiId=api, RouteKey=route, Target=f"integrations/{integration}")
    apigwv2.create_stage(ApiId=api, StageName="prod", DefaultRouteSettings={"LoggingLevel": "ERROR"},
                         AccessLogSettings={"DestinationArn": ACCESS_LOGS, "Format": "$context.requestId"})
    apigwv2.create_deployment(ApiId=api, StageName="prod")
    return api


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", type=int, required=True, help="how many APIs")
    parser.add_argument("--seed", type=int, default=15, help="random seed (default 15)")
    parser.add_argument("--vpcs", type=int, default=0, help="shared VPCs (default: 3, one more per 200 APIs past 400)")
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"))
    args = parser.parse_args()
    if not args.endpoint or args.apis < 1:
        sys.exit("seed-fleet: set AWS_ENDPOINT_URL (or --endpoint) and --apis N >= 1")
    started = time.monotonic()
    rng = random.Random(args.seed)
    config = Config(retries={"mode": "standard", "max_attempts": 5})
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    ec2, elbv2, apigw, apigwv2 = (session.client(name, endpoint_url=args.endpoint, config=config)
                                  for name in ("ec2", "elbv2", "apigateway", "apigatewayv2"))
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": CLOUDWATCH_ROLE}])
    vpcs = args.vpcs or 3 + max(0, (args.apis - 400) // 200)
    nets = [network(ec2, elbv2, apigw, apigwv2, args.endpoint, index) for index in range(1, vpcs + 1)]

    rest = round(args.apis * 0.60)
    http = round(args.apis * 0.25)
    kinds = ["rest"] * rest + ["http"] * http + ["websocket"] * (args.apis - rest - http)
    rng.shuffle(kinds)
    counts = {"rest_private": 0, "rest_regional": 0, "http": 0, "websocket": 0}
    for number, kind in enumerate(kinds):
        net = rng.choice(nets)
        name = f"fleet-{number:04d}-{kind}"
        if kind == "rest":
            private = counts["rest_private"] <= counts["rest_regional"]
            rest_api(apigw, rng, name, private, net)
            counts["rest_private" if private else "rest_regional"] += 1
        elif kind == "http":
            http_api(apigwv2, rng, name, net)
            counts["http"] += 1
        else:
            websocket_api(apigwv2, name, net)
            counts["websocket"] += 1
    print(json.dumps({"apis": args.apis, "seed": args.seed, **counts, "vpcs": vpcs,
                      "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
