"""Builds apigw-doctor scenarios in a moto server and prints the ids it created as JSON.

The baseline is a healthy private REST API reached from a VPC: every check stays quiet on it.
Each flag breaks exactly one thing, so a test can make one finding fire.
"""

import argparse
import datetime
import json
import os
import sys
import time
import urllib.request

import boto3

REGION = "us-east-1"


def clients(endpoint, account=None):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    if account:
        # Moto keeps each account apart: an assumed role's credentials work in the role's account.
        issued = session.client("sts", endpoint_url=endpoint).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")["Credentials"]
        session = boto3.session.Session(
            aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
            aws_session_token=issued["SessionToken"], region_name=REGION)
    return (
        session.client("ec2", endpoint_url=endpoint),
        session.client("apigateway", endpoint_url=endpoint),
        session.client("apigatewayv2", endpoint_url=endpoint),
    )


def private_policy(vpce_ids, source_vpcs=()):
    statements = [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": list(vpce_ids)}},
        },
    ]
    if source_vpcs:
        statements[1]["Condition"] = {"StringNotEquals": {"aws:SourceVpc": list(source_vpcs)}}
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def endpoint_policy_for_other_api():
    """An endpoint policy that lets the VPC call one other API only."""
    return json.dumps({
        "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
            "Resource": f"arn:aws:execute-api:{REGION}:123456789012:otherapi00/*",
        }],
    })


ACCESS_LOGS = f"arn:aws:logs:{REGION}:123456789012:log-group:api-access"
CLOUDWATCH_ROLE = "arn:aws:iam::123456789012:role/apigateway-cloudwatch"


def self_signed(names, not_before, not_after):
    """A self-signed certificate for `names` (the first is the subject's CN) and its key, PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def import_soon_expiring(acm, names):
    """A certificate for `names` that expires seconds after ACM imports it: ACM refuses one
    already expired, and on a loaded machine a two-second lifetime can run out before the
    import, so the lifetime grows until the import is accepted."""
    for seconds in (2, 5, 15, 45):
        now = datetime.datetime.now(datetime.UTC)
        cert, key = self_signed(names, now - datetime.timedelta(days=1), now + datetime.timedelta(seconds=seconds))
        try:
            return acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
        except acm.exceptions.ValidationException as refused:
            if "expired" not in str(refused):
                raise
    raise SystemExit("ACM refused every soon-expiring certificate as already expired")


def tag_pairs(pairs):
    return dict(pair.split("=", 1) for pair in pairs or [])


def deploy(apigw, api_id, args, stage="prod"):
    """One GET /items method, deployed to an observed stage; the flags break it."""
    root = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    items = apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart="items")
    apigw.put_method(restApiId=api_id, resourceId=items["id"], httpMethod="GET", authorizationType="NONE",
                     apiKeyRequired=bool(args.api_key_required))
    apigw.put_integration(restApiId=api_id, resourceId=items["id"], httpMethod="GET", type="MOCK")
    methods = {("items", "GET"): items["id"]}
    if args.orders_post:
        orders = apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart="orders")
        apigw.put_method(restApiId=api_id, resourceId=orders["id"], httpMethod="POST", authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=orders["id"], httpMethod="POST", type="MOCK")
        methods[("orders", "POST")] = orders["id"]
    first = apigw.create_deployment(restApiId=api_id, stageName=stage)["id"]
    patches = [{"op": "replace", "path": "/accessLogSettings/destinationArn", "value": ACCESS_LOGS},
               {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"}]
    if not args.logging_off:
        patches.append({"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"})
    patches += [{"op": "replace", "path": f"/variables/{key}", "value": value}
                for key, value in tag_pairs(args.stage_variable).items()]
    apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patches)
    if args.rolled_back:
        time.sleep(1.1)  # deployment times are whole seconds: the newer one must be later
        apigw.create_deployment(restApiId=api_id, stageName=stage, description="release 2")
        apigw.update_stage(restApiId=api_id, stageName=stage,
                           patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}])
    if args.undeployed_change:
        apigw.put_method(restApiId=api_id, resourceId=items["id"], httpMethod="POST", authorizationType="NONE")
        apigw.put_integration(restApiId=api_id, resourceId=items["id"], httpMethod="POST", type="MOCK")
    if args.tag_stage:
        apigw.tag_resource(resourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/{stage}",
                           tags=tag_pairs(args.tag_stage))
    if args.test_invoke_line or args.test_invoke_status:
        for (_, verb), resource_id in methods.items():
            test_invoke(args, api_id, resource_id, verb)
    return {f"{path}_resource_id": resource_id for (path, _), resource_id in methods.items()}


def test_invoke(args, api_id, resource_id, verb):
    """What a test invocation of the method answers: its status and execution-log lines (ext.py gap 16)."""
    body = json.dumps({"rest_api_id": api_id, "resource_id": resource_id, "http_method": verb,
                       "status": args.test_invoke_status or 200, "lines": args.test_invoke_line or [],
                       "latency": 29000 if (args.test_invoke_status or 200) == 504 else 35})
    request = urllib.request.Request(f"{args.endpoint}/moto-api/apigw-doctor/test-invoke", method="POST",
                                     data=body.encode())
    urllib.request.urlopen(request, timeout=10).close()


def account(apigw, args):
    if not args.no_cloudwatch_role:
        apigw.update_account(patchOperations=[
            {"op": "replace", "path": "/cloudwatchRoleArn", "value": CLOUDWATCH_ROLE}])


def network(ec2, args):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": args.vpc_dns != "support-off"})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": args.vpc_dns != "hostnames-off"})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    client_subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    endpoint_sg = ec2.create_security_group(GroupName="execute-api-endpoint", Description="endpoint", VpcId=vpc)["GroupId"]
    if args.sg_prefix_list:
        # 443 admitted only through a customer-managed prefix list holding one range.
        listed = {"vpc": "10.0.0.0/16", "elsewhere": "192.168.0.0/16"}[args.sg_prefix_list]
        prefix_list = ec2.create_managed_prefix_list(
            PrefixListName="callers", MaxEntries=5, AddressFamily="IPv4", Entries=[{"Cidr": listed}],
        )["PrefixList"]["PrefixListId"]
        ec2.authorize_security_group_ingress(
            GroupId=endpoint_sg,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                            "PrefixListIds": [{"PrefixListId": prefix_list}]}],
        )
    elif not args.sg_blocks_443:
        ec2.authorize_security_group_ingress(
            GroupId=endpoint_sg,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
        )
    else:
        ec2.authorize_security_group_ingress(
            GroupId=endpoint_sg,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
        )
    client_sg = ec2.create_security_group(GroupName="client", Description="client", VpcId=vpc)["GroupId"]
    if args.client_sg_blocks_443:
        ec2.revoke_security_group_egress(
            GroupId=client_sg,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        ec2.authorize_security_group_egress(
            GroupId=client_sg,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
        )
    if args.nacl_blocks_443:
        acl = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]
        ec2.create_network_acl_entry(
            NetworkAclId=acl["NetworkAclId"], RuleNumber=50, Protocol="6", RuleAction="deny",
            Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443},
        )
    if args.nacl_app_subnet_only:
        # A custom ACL on the endpoint subnet, open to the client subnet alone (both ways).
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for egress, ports in ((False, (443, 443)), (True, (1024, 65535))):
            ec2.create_network_acl_entry(
                NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=egress,
                CidrBlock="10.0.2.0/24", PortRange={"From": ports[0], "To": ports[1]},
            )
        current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
        association = next(a["NetworkAclAssociationId"] for a in current["NetworkAcls"][0]["Associations"]
                           if a["SubnetId"] == subnet)
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
    ids = {"vpc_id": vpc, "subnet_id": subnet, "client_subnet_id": client_subnet,
           "endpoint_sg_id": endpoint_sg, "client_sg_id": client_sg}
    if not args.no_endpoint:
        endpoint = ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.execute-api", VpcEndpointType="Interface",
            SubnetIds=[subnet], SecurityGroupIds=[endpoint_sg], PrivateDnsEnabled=not args.private_dns_off,
            **({"TagSpecifications": [{"ResourceType": "vpc-endpoint",
                                       "Tags": [{"Key": k, "Value": v} for k, v in tag_pairs(args.tag_endpoint).items()]}]}
               if args.tag_endpoint else {}),
            **({"PolicyDocument": endpoint_policy_for_other_api()} if args.endpoint_policy_denies else {}),
        )["VpcEndpoint"]
        ids["vpce_id"] = endpoint["VpcEndpointId"]
    return ids


def scenario_private(ec2, apigw, args):
    ids = network(ec2, args)
    vpce_ids = [ids["vpce_id"]] if "vpce_id" in ids else []
    named = vpce_ids + (["vpce-0deadbeef00000000"] if args.policy_names_missing_endpoint else [])
    if args.policy_allows_other_endpoint_only:
        named = ["vpce-0deadbeef00000000"]
    kwargs = {"endpointConfiguration": {"types": ["PRIVATE"], "vpcEndpointIds": vpce_ids}}
    if not args.no_policy:
        source_vpcs = ["vpc-0f00f00f00f00f00f"] if args.policy_names_other_vpc else ()
        kwargs["policy"] = private_policy(named or ["vpce-0deadbeef00000000"], source_vpcs)
    api = apigw.create_rest_api(name=args.name, **kwargs)
    deploy(apigw, api["id"], args)
    account(apigw, args)
    ids["api_id"] = api["id"]
    return ids


def scenario_public(ec2, apigw, apigwv2, args):
    ids = network(ec2, args)
    api = apigw.create_rest_api(name=args.name, endpointConfiguration={"types": ["REGIONAL"]})
    ids.update(deploy(apigw, api["id"], args))
    account(apigw, args)
    ids["api_id"] = api["id"]
    http = apigwv2.create_api(Name=f"{args.name}-http", ProtocolType="HTTP")
    apigwv2.create_stage(ApiId=http["ApiId"], StageName="$default", AutoDeploy=True,
                         AccessLogSettings={"DestinationArn": ACCESS_LOGS, "Format": "$context.requestId"})
    ids["http_api_id"] = http["ApiId"]
    return ids


def scenario_v2(ec2, apigw, apigwv2, args):
    """A WebSocket API and an HTTP API, each with a deployed stage `prod` (manual deploys); the
    WebSocket integration goes through a working VPC link."""
    account(apigw, args)
    ids = {"vpc_link_id": chat_backend(ec2, apigw, args)}
    for key, protocol in (("ws_api_id", "WEBSOCKET"), ("http_api_id", "HTTP")):
        extra = {"RouteSelectionExpression": "$request.body.action"} if protocol == "WEBSOCKET" else {}
        api = apigwv2.create_api(Name=f"{args.name}-{protocol.lower()}", ProtocolType=protocol, **extra)["ApiId"]
        settings = {"DataTraceEnabled": False, "DetailedMetricsEnabled": True, "ThrottlingBurstLimit": 50,
                    "ThrottlingRateLimit": 25.0,
                    "LoggingLevel": "OFF" if args.logging_off or protocol == "HTTP" else "INFO"}
        if protocol == "HTTP":
            del settings["LoggingLevel"]
        auto = {"AutoDeploy": True} if args.ws_auto_deploy and protocol == "WEBSOCKET" else {}
        if args.ws_route_logging and protocol == "WEBSOCKET":
            auto["RouteSettings"] = {route: {"LoggingLevel": "INFO"}
                                     for route in ("$connect", "sendMessage")}
        apigwv2.create_stage(ApiId=api, StageName="prod", DefaultRouteSettings=settings, **auto,
                             AccessLogSettings={"DestinationArn": ACCESS_LOGS, "Format": "$context.requestId"},
                             Tags=tag_pairs(args.tag_stage))
        if protocol == "WEBSOCKET":
            ids.update(websocket_routes(apigwv2, api, args, ids["vpc_link_id"]))
        apigwv2.create_deployment(ApiId=api, StageName="prod", Description="release 1")
        if args.v2_undeployed_change and protocol == "HTTP":
            # CloudTrail and deployments keep whole seconds: a write in the deployment's own
            # second counts as deployed, so this one comes a second later.
            time.sleep(1.1)
            apigwv2.create_route(ApiId=api, RouteKey="GET /orders/{id}")
        ids[key] = api
    for connection_id in args.ws_connection or []:
        connect(args.endpoint, connection_id)
    return ids


def connect(endpoint, connection_id):
    """A live WebSocket connection on stage prod, as a finished $connect leaves one (ext.py gap 10)."""
    body = json.dumps({"connection_id": connection_id, "stage": "prod", "source_ip": "203.0.113.7"})
    request = urllib.request.Request(f"{endpoint}/moto-api/apigw-doctor/ws-connections",
                                     data=body.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def websocket_routes(apigwv2, api, args, link):
    """$connect, and a sendMessage route through an integration; the flags break them."""
    # Mappings a real chat backend keeps: a body field, a static tenant header, a querystring.
    parameters = {
        "integration.request.querystring.room": "route.request.body.room",
        "integration.request.header.X-Tenant": "'acme'",
        "integration.request.header.X-User": "route.request.body.user",
    }
    if not args.ws_no_connection_id:
        parameters["integration.request.header.connectionId"] = "context.connectionId"
    integration = apigwv2.create_integration(
        ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="POST",
        IntegrationUri="http://chat.internal.example/messages", ConnectionType="VPC_LINK",
        ConnectionId=link, RequestParameters=parameters)["IntegrationId"]
    target = f"integrations/{integration}"
    authorized = {}
    if args.ws_authorizer_on_route or args.ws_authorizer_on_connect:
        authorizer = apigwv2.create_authorizer(
            ApiId=api, AuthorizerType="REQUEST", Name="tokens",
            AuthorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                          f"arn:aws:lambda:{REGION}:123456789012:function:tokens/invocations",
            IdentitySource=["route.request.header.Authorization"])["AuthorizerId"]
        authorized = {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer}
    on_connect = authorized if args.ws_authorizer_on_connect else {}
    on_route = authorized if args.ws_authorizer_on_route else {}
    apigwv2.create_route(ApiId=api, RouteKey="$connect", Target=target, **on_connect)
    apigwv2.create_route(ApiId=api, RouteKey="sendMessage", Target=target, **on_route)
    return {"ws_integration_id": integration}


def post_moto(endpoint, path, body):
    """One of ext.py's test-only routes (a state AWS reaches by itself)."""
    request = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(request, timeout=10).close()


def elbv2_client(args):
    return boto3.client("elbv2", endpoint_url=args.endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def load_balancer(ec2, elb, name, alb=False):
    """An internal Network (or Application) Load Balancer `<name>-backend` in a new VPC
    10.0.0.0/16 (subnets in us-east-1a and b) and an IP target group `<name>-web` on 8080."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    second = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    nlb = elb.create_load_balancer(Name=f"{name}-backend", Subnets=[subnet, second],
                                   Type="application" if alb else "network",
                                   Scheme="internal")["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(Name=f"{name}-web", Protocol="HTTP" if alb else "TCP",
                                    Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    return {"vpc_id": vpc, "subnet_id": subnet, "nlb_arn": nlb, "target_group_arn": group}


def endpoint_service(ec2, endpoint, nlb, state="available"):
    """The VPC endpoint service AWS gives a v1 link's load balancer, with API Gateway's endpoint
    connection in `state`; moto does neither (ext.py gap 20)."""
    service = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=False)["ServiceConfiguration"]["ServiceId"]
    post_moto(endpoint, "/moto-api/apigw-doctor/endpoint-connections",
              {"service_id": service, "vpc_endpoint_id": "vpce-0a1b2c3d4e5f60718", "state": state})
    return service


def chat_backend(ec2, apigw, args):
    """The VPC link (v1) a WebSocket API's integration goes through: an NLB with a TCP listener
    on 80 forwarding to a healthy target, and its endpoint service."""
    elb = elbv2_client(args)
    ids = load_balancer(ec2, elb, f"{args.name}-chat")
    elb.register_targets(TargetGroupArn=ids["target_group_arn"], Targets=[{"Id": "10.0.1.9"}])
    elb.create_listener(LoadBalancerArn=ids["nlb_arn"], Protocol="TCP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": ids["target_group_arn"]}])
    endpoint_service(ec2, args.endpoint, ids["nlb_arn"])
    return apigw.create_vpc_link(name=f"{args.name}-chat", targetArns=[ids["nlb_arn"]])["id"]


def scenario_vpc_link(ec2, apigw, apigwv2, args):
    """A REST API whose GET /items is a private integration through a VPC link (v1, or v2 with
    --link-version v2) to an internal Network Load Balancer (or, with --alb, an Application Load
    Balancer forwarding by a rule): TCP listener on 80 (or TLS on 443 with --tls NAME)
    forwarding to two IP targets in us-east-1a, healthy; stages prod (and beta with
    --link-stage-variable, each naming its own link). The flags break one thing each."""
    session_elb = elbv2_client(args)
    acm = boto3.client("acm", endpoint_url=args.endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    account(apigw, args)
    ids = load_balancer(ec2, session_elb, args.name, args.alb)
    vpc, subnet, nlb, group = ids["vpc_id"], ids["subnet_id"], ids["nlb_arn"], ids["target_group_arn"]
    targets = ["10.0.1.5", "10.0.1.6"] + (["10.0.3.7"] if args.unused_target else [])
    session_elb.register_targets(TargetGroupArn=group, Targets=[{"Id": t} for t in targets])
    for target in targets:
        if args.targets_unhealthy and target != "10.0.3.7":
            health = {"state": "unhealthy", "reason": "Target.FailedHealthChecks",
                      "description": "Health checks failed", "availability_zone": "us-east-1a"}
        elif target == "10.0.3.7":
            # A target in a zone the load balancer does not serve (API_TargetHealth: Target.NotInUse).
            health = {"state": "unused", "reason": "Target.NotInUse",
                      "description": "Target is in an Availability Zone that is not enabled for the load balancer",
                      "availability_zone": "us-east-1c"}
        else:
            continue
        post_moto(args.endpoint, "/moto-api/apigw-doctor/target-health",
                  {"target_group_arn": group, "target_id": target, **health})
    # An Application Load Balancer answers 404 itself and forwards /items* by a rule.
    default_actions = ([{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}] if args.alb
                       else [{"Type": "forward", "TargetGroupArn": group}])
    if args.tls:
        now = datetime.datetime.now(datetime.UTC)
        if args.cert_expired:
            certificate = import_soon_expiring(acm, args.tls.split(","))
        else:
            cert, key = self_signed(args.tls.split(","), now - datetime.timedelta(days=1),
                                    now + datetime.timedelta(days=90))
            certificate = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
        listener = session_elb.create_listener(
            LoadBalancerArn=nlb, Protocol="HTTPS" if args.alb else "TLS", Port=443,
            Certificates=[{"CertificateArn": certificate}], DefaultActions=default_actions)
        ids["certificate_arn"] = certificate
        if args.tls_extra:
            # A second certificate the listener serves by SNI (not its default).
            cert, key = self_signed(args.tls_extra.split(","), now - datetime.timedelta(days=1),
                                    now + datetime.timedelta(days=90))
            extra = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
            session_elb.add_listener_certificates(ListenerArn=listener["Listeners"][0]["ListenerArn"],
                                                  Certificates=[{"CertificateArn": extra}])
    else:
        listener = session_elb.create_listener(
            LoadBalancerArn=nlb, Protocol="HTTP" if args.alb else "TCP", Port=args.listener_port,
            DefaultActions=default_actions)
    ids["listener_arn"] = listener["Listeners"][0]["ListenerArn"]
    if args.alb:
        session_elb.create_rule(ListenerArn=ids["listener_arn"], Priority=10,
                                Conditions=[{"Field": "path-pattern", "Values": ["/items*"]}],
                                Actions=[{"Type": "forward", "TargetGroupArn": group}])

    def link(name):
        if args.link_version == "v2":
            group_id = ec2.create_security_group(GroupName=f"{name}-link", Description="VPC link", VpcId=vpc)["GroupId"]
            if args.link_sg_blocks:
                ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[
                    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
                ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
            ids[f"{name}_link_sg_id"] = group_id
            return apigwv2.create_vpc_link(Name=name, SubnetIds=[subnet], SecurityGroupIds=[group_id],
                                           Tags={"team": "orders"})["VpcLinkId"]
        return apigw.create_vpc_link(name=name, targetArns=[nlb], tags={"team": "orders"})["id"]

    ids["vpc_link_id"] = link("orders")
    if args.link_version == "v1":
        # AWS gives a v1 link's load balancer an endpoint service that API Gateway's endpoint
        # connects to; moto does neither (ext.py gap 20).
        ids["endpoint_service_id"] = endpoint_service(ec2, args.endpoint, nlb, args.endpoint_connection)
    if args.link_status:
        status, _, message = args.link_status.partition(":")
        post_moto(args.endpoint, "/moto-api/apigw-doctor/vpc-link-status",
                  {"vpc_link_id": ids["vpc_link_id"], "status": status, **({"message": message} if message else {})})
    connection = "${stageVariables.link}" if args.link_stage_variable else ids["vpc_link_id"]
    host = args.tls_host or "backend.internal"
    uri = f"https://{host}/items" if args.tls else f"http://{host}/items"
    if args.private:
        # Reached through an execute-api endpoint in a VPC of its own, which the policy admits.
        ids.update({f"client_{k}": v for k, v in network(ec2, args).items()})
        vpce_ids = [ids["client_vpce_id"]]
        api = apigw.create_rest_api(name=args.name, policy=private_policy(vpce_ids),
                                    endpointConfiguration={"types": ["PRIVATE"], "vpcEndpointIds": vpce_ids})["id"]
    else:
        api = apigw.create_rest_api(name=args.name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
    target = {"integrationTarget": nlb} if args.link_version == "v2" else {}
    # GET /items, and with --resources N, N - 1 more GET resources through the same link.
    resource_ids = []
    for n in range(max(args.resources, 1)):
        part = "items" if n == 0 else f"items{n}"
        resource = apigw.create_resource(restApiId=api, parentId=root["id"], pathPart=part)["id"]
        resource_ids.append(resource)
        apigw.put_method(restApiId=api, resourceId=resource, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=api, resourceId=resource, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=uri.replace("/items", f"/{part}"),
                              connectionType="VPC_LINK", connectionId=connection, **target)
    items = resource_ids[0]
    if args.direct_post:
        apigw.put_method(restApiId=api, resourceId=items, httpMethod="POST", authorizationType="NONE")
        apigw.put_integration(restApiId=api, resourceId=items, httpMethod="POST", type="HTTP_PROXY",
                              integrationHttpMethod="POST", uri=uri, connectionType="VPC_LINK",
                              connectionId=ids["vpc_link_id"], **target)
    stages = {"prod": ids["vpc_link_id"]}
    if args.beta:
        stages["beta"] = ids["vpc_link_id"]
    if args.link_stage_variable:
        ids["beta_vpc_link_id"] = link("orders-beta")
        stages["beta"] = ids["beta_vpc_link_id"]
        if args.link_version == "v1":
            post_moto(args.endpoint, "/moto-api/apigw-doctor/endpoint-connections",
                      {"service_id": ids["endpoint_service_id"], "vpc_endpoint_id": "vpce-0b1b2c3d4e5f60718",
                       "state": "available"})
    # One deployment serves every stage, as when a release is promoted: with a deployment per
    # stage, the second falls in a later whole second on a loaded machine and the first stage is
    # then rightly behind the newest (STAGE_NOT_ON_LATEST_DEPLOYMENT), which refuses the repair.
    deployment = None
    for stage, link_id in stages.items():
        variables = {"link": link_id} if args.link_stage_variable else {}
        if deployment is None:
            deployment = apigw.create_deployment(restApiId=api, stageName=stage, variables=variables)["id"]
        else:
            apigw.create_stage(restApiId=api, stageName=stage, deploymentId=deployment, variables=variables)
        apigw.update_stage(restApiId=api, stageName=stage, patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": ACCESS_LOGS},
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}])
    if args.lb_deleted:
        session_elb.delete_load_balancer(LoadBalancerArn=nlb)
    if args.cert_expired:
        # ACM refuses an expired certificate at import, so this one runs out two seconds after;
        # wait until ACM itself calls it EXPIRED, then past the whole second of its NotAfter.
        while acm.describe_certificate(CertificateArn=ids["certificate_arn"])["Certificate"]["Status"] != "EXPIRED":
            time.sleep(0.25)
        time.sleep(1.1)
    ids["api_id"] = api
    if args.http_api:
        ids.update(http_api_through(apigwv2, args, ids))
    return ids


def http_api_through(apigwv2, args, ids):
    """An HTTP API on the v2 link: route GET /items invokes an integration to the listener, a
    second integration names a listener the load balancer does not have (--http-route-to-missing:
    the route invokes that one instead)."""
    api = apigwv2.create_api(Name=f"{args.name}-http", ProtocolType="HTTP")["ApiId"]
    apigwv2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True,
                         AccessLogSettings={"DestinationArn": ACCESS_LOGS, "Format": "$context.requestId"})
    integrations = [
        apigwv2.create_integration(ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                   IntegrationUri=uri, ConnectionType="VPC_LINK",
                                   ConnectionId=ids["vpc_link_id"], PayloadFormatVersion="1.0")["IntegrationId"]
        for uri in (ids["listener_arn"], ids["listener_arn"] + "0")]
    used = integrations[1] if args.http_route_to_missing else integrations[0]
    apigwv2.create_route(ApiId=api, RouteKey="GET /items", Target=f"integrations/{used}")
    return {"http_api_id": api, "http_integration_ids": integrations}


def scenario_same_name(apigw, args):
    first = apigw.create_rest_api(name=args.name, endpointConfiguration={"types": ["REGIONAL"]})
    second = apigw.create_rest_api(name=args.name, endpointConfiguration={"types": ["REGIONAL"]})
    for api in (first, second):
        deploy(apigw, api["id"], args)
    account(apigw, args)
    return {"api_ids": [first["id"], second["id"]]}


def rest_api_extras(apigw, ids, args):
    """The 403 setups that are not broken wiring: a disabled default endpoint, a web ACL."""
    if args.default_endpoint_off:
        apigw.update_rest_api(restApiId=ids["api_id"], patchOperations=[
            {"op": "replace", "path": "/disableExecuteApiEndpoint", "value": "true"}])
    if args.waf:
        waf = boto3.client("wafv2", endpoint_url=args.endpoint, region_name=REGION,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        acl = waf.create_web_acl(Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}},
                                 VisibilityConfig={"SampledRequestsEnabled": True,
                                                   "CloudWatchMetricsEnabled": True, "MetricName": "edge"})
        ids["web_acl_arn"] = acl["Summary"]["ARN"]
        waf.associate_web_acl(WebACLArn=ids["web_acl_arn"],
                              ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{ids['api_id']}/stages/prod")
    if args.api_key_required in ("plan", "disabled-key"):
        # A usage plan that includes stage prod and holds one key: enabled ('plan') or disabled.
        plan = apigw.create_usage_plan(name=f"{args.name}-basic",
                                       apiStages=[{"apiId": ids["api_id"], "stage": "prod"}])
        key = apigw.create_api_key(name=f"{args.name}-client",
                                   enabled=args.api_key_required == "plan")
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        ids["usage_plan_id"] = plan["id"]
        ids["api_key_id"] = key["id"]
    if args.custom_domain is not None:
        # A regional custom domain name <name>.example.com mapping stage prod at the base path
        # given ("/" for the root mapping, which API Gateway lists as "(none)").
        ids["domain_name"] = f"{args.name}.example.com"
        mtls = {"mutualTlsAuthentication": {"truststoreUri": "s3://truststore/orders.pem"}} if args.mtls_warning else {}
        apigw.create_domain_name(domainName=ids["domain_name"],
                                 regionalCertificateArn=f"arn:aws:acm:{REGION}:123456789012:certificate/1",
                                 endpointConfiguration={"types": ["REGIONAL"]}, securityPolicy="TLS_1_2",
                                 **mtls)
        if args.mtls_warning:
            # AWS computes the warnings from the truststore; moto is told them (ext.py gap 15).
            request = urllib.request.Request(
                args.endpoint + "/moto-api/apigw-doctor/truststore-warnings", method="POST",
                data=json.dumps({"domain_name": ids["domain_name"], "warnings": [args.mtls_warning]}).encode())
            urllib.request.urlopen(request, timeout=10).close()
        base = args.custom_domain.strip("/")
        mapping = {"domainName": ids["domain_name"], "restApiId": ids["api_id"], "stage": "prod"}
        if base:
            mapping["basePath"] = base
        apigw.create_base_path_mapping(**mapping)
        if args.http_api_mapping is not None:
            # An HTTP API's stage mapped on the same domain name through API Gateway v2 (one
            # resource on AWS; moto keeps v2 domain names apart, so it is created there too).
            apigwv2 = boto3.client("apigatewayv2", endpoint_url=args.endpoint, region_name=REGION,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
            http_api = apigwv2.create_api(Name=f"{args.name}-http", ProtocolType="HTTP")["ApiId"]
            apigwv2.create_stage(ApiId=http_api, StageName="live")
            apigwv2.create_domain_name(DomainName=ids["domain_name"], DomainNameConfigurations=[
                {"CertificateArn": f"arn:aws:acm:{REGION}:123456789012:certificate/1",
                 "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}])
            apigwv2.create_api_mapping(DomainName=ids["domain_name"], ApiId=http_api, Stage="live",
                                       ApiMappingKey=args.http_api_mapping.strip("/"))
            ids["http_api_id"] = http_api


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=["private", "public", "same-name", "v2", "vpc-link"])
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"), required="AWS_ENDPOINT_URL" not in os.environ)
    parser.add_argument("--name", default="orders")
    parser.add_argument("--account", help="seed into this account (through an assumed role)")
    parser.add_argument("--no-policy", action="store_true")
    parser.add_argument("--no-endpoint", action="store_true")
    parser.add_argument("--private-dns-off", action="store_true")
    parser.add_argument("--vpc-dns", choices=["on", "support-off", "hostnames-off"], default="on")
    parser.add_argument("--sg-blocks-443", action="store_true")
    parser.add_argument("--client-sg-blocks-443", action="store_true")
    parser.add_argument("--sg-prefix-list", choices=["vpc", "elsewhere"],
                        help="the endpoint group admits 443 only from a prefix list of this range")
    parser.add_argument("--nacl-blocks-443", action="store_true")
    parser.add_argument("--nacl-app-subnet-only", action="store_true",
                        help="the endpoint subnet's ACL admits the client subnet 10.0.2.0/24 alone")
    parser.add_argument("--policy-names-missing-endpoint", action="store_true")
    parser.add_argument("--policy-names-other-vpc", action="store_true")
    parser.add_argument("--policy-allows-other-endpoint-only", action="store_true")
    parser.add_argument("--endpoint-policy-denies", action="store_true")
    parser.add_argument("--logging-off", action="store_true", help="stages write no execution logs")
    parser.add_argument("--ws-authorizer-on-route", action="store_true",
                        help="the WebSocket sendMessage route carries a Lambda authorizer")
    parser.add_argument("--ws-authorizer-on-connect", action="store_true",
                        help="the WebSocket $connect route carries a Lambda authorizer (where it runs)")
    parser.add_argument("--v2-undeployed-change", action="store_true",
                        help="a route is added to the HTTP API after its stage's deployment")
    parser.add_argument("--ws-route-logging", action="store_true",
                        help="every WebSocket route logs at INFO by its own route settings")
    parser.add_argument("--ws-auto-deploy", action="store_true",
                        help="the WebSocket API's stage deploys every change itself")
    parser.add_argument("--ws-no-connection-id", action="store_true",
                        help="the WebSocket VPC-link integration maps no connectionId header")
    parser.add_argument("--ws-connection", action="append", metavar="ID",
                        help="a live WebSocket connection on stage prod, from 203.0.113.7 (repeatable)")
    parser.add_argument("--no-cloudwatch-role", action="store_true", help="the account has no CloudWatch Logs role")
    parser.add_argument("--undeployed-change", action="store_true", help="POST /items added after the deployment")
    parser.add_argument("--rolled-back", action="store_true", help="prod points back at the first of two deployments")
    parser.add_argument("--tag-stage", action="append", metavar="KEY=VALUE", help="tag the prod stage(s)")
    parser.add_argument("--tag-endpoint", action="append", metavar="KEY=VALUE", help="tag the execute-api endpoint")
    parser.add_argument("--default-endpoint-off", action="store_true",
                        help="the REST API's default execute-api endpoint is disabled")
    parser.add_argument("--waf", action="store_true", help="a WAF web ACL is associated with stage prod")
    parser.add_argument("--api-key-required", choices=["no-plan", "plan", "disabled-key"],
                        help="GET /items requires an API key; 'plan': a usage plan with an enabled key "
                             "includes stage prod; 'disabled-key': the plan's only key is disabled")
    parser.add_argument("--http-api-mapping", metavar="BASE_PATH",
                        help="with --custom-domain: an HTTP API's stage live is mapped at BASE_PATH too (API Gateway v2)")
    parser.add_argument("--mtls-warning", metavar="TEXT",
                        help="with --custom-domain: the domain requires mutual TLS and its truststore has this warning")
    parser.add_argument("--orders-post", action="store_true", help="the REST API also has POST /orders (and no other method there)")
    parser.add_argument("--stage-variable", action="append", metavar="KEY=VALUE", help="a variable of stage prod (repeatable)")
    parser.add_argument("--test-invoke-status", type=int, help="a test invocation of each REST method answers this status (ext.py gap 16)")
    parser.add_argument("--test-invoke-line", action="append", metavar="LINE",
                        help="a line the execution log of each REST method's test invocation carries (repeatable)")
    parser.add_argument("--custom-domain", metavar="BASE_PATH",
                        help="custom domain name <name>.example.com maps stage prod at BASE_PATH ('/': the root)")
    parser.add_argument("--private", action="store_true",
                        help="vpc-link: the REST API is PRIVATE, admitted through an execute-api endpoint")
    parser.add_argument("--resources", type=int, default=1, help="vpc-link: this many GET resources through the link")
    parser.add_argument("--beta", action="store_true", help="vpc-link: stage beta beside prod, on the same deployment")
    parser.add_argument("--link-version", choices=["v1", "v2"], default="v1", help="vpc-link: the link's kind")
    parser.add_argument("--link-status", metavar="STATUS[:MESSAGE]",
                        help="vpc-link: the link reports this status (FAILED, INACTIVE, PENDING, ...)")
    parser.add_argument("--listener-port", type=int, default=80, help="vpc-link: the TCP listener's port")
    parser.add_argument("--alb", action="store_true",
                        help="vpc-link: an Application Load Balancer (HTTP, or HTTPS with --tls) whose rule forwards /items*")
    parser.add_argument("--targets-unhealthy", action="store_true", help="vpc-link: both targets fail health checks")
    parser.add_argument("--unused-target", action="store_true",
                        help="vpc-link: a third target in us-east-1c, a zone the load balancer does not serve")
    parser.add_argument("--endpoint-connection", default="available",
                        help="vpc-link v1: the state of API Gateway's endpoint connection")
    parser.add_argument("--lb-deleted", action="store_true", help="vpc-link: the load balancer is deleted")
    parser.add_argument("--link-sg-blocks", action="store_true",
                        help="vpc-link v2: the link's security group allows egress to 5432 only")
    parser.add_argument("--tls", metavar="NAMES", help="vpc-link: a TLS listener on 443 with a certificate for NAMES")
    parser.add_argument("--tls-extra", metavar="NAMES",
                        help="vpc-link --tls: the listener also serves a certificate for NAMES by SNI")
    parser.add_argument("--tls-host", metavar="HOST", help="vpc-link: the integration URI's host")
    parser.add_argument("--cert-expired", action="store_true", help="vpc-link --tls: the certificate has expired")
    parser.add_argument("--direct-post", action="store_true",
                        help="vpc-link: POST /items names the (prod) link by its id, on every stage")
    parser.add_argument("--link-stage-variable", action="store_true",
                        help="vpc-link: the connection id is ${stageVariables.link}; stage beta names a second link")
    parser.add_argument("--http-api", action="store_true",
                        help="vpc-link v2: an HTTP API whose route invokes an integration through the link")
    parser.add_argument("--http-route-to-missing", action="store_true",
                        help="vpc-link --http-api: the route invokes the integration to a listener that does not exist")
    args = parser.parse_args()
    ec2, apigw, apigwv2 = clients(args.endpoint, args.account)
    if args.scenario == "private":
        ids = scenario_private(ec2, apigw, args)
    elif args.scenario == "public":
        ids = scenario_public(ec2, apigw, apigwv2, args)
    elif args.scenario == "v2":
        ids = scenario_v2(ec2, apigw, apigwv2, args)
    elif args.scenario == "vpc-link":
        ids = scenario_vpc_link(ec2, apigw, apigwv2, args)
    else:
        ids = scenario_same_name(apigw, args)
    rest_api_extras(apigw, ids, args)
    json.dump(ids, sys.stdout)
    print()


if __name__ == "__main__":
    main()
