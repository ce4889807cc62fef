"""In-process extension of the pinned moto (5.2.5) for apigw-doctor's tests.

``install()`` monkeypatches moto's own models and responses before the server starts. It refuses
to run on any other moto version, and checks that every class, method and url map it touches
still exists, so an upgrade fails loudly instead of silently changing what the tests prove.

Gaps closed (wire shapes follow botocore's apigateway, apigatewayv2, ec2 and cloudtrail service
models, because the client under test is the real AWS SDK for Rust):

1. REST ``GetDeployment`` with ``embed=apisummary``. Moto ignores ``embed`` and forgets what a
   deployment contained, yet the doctor compares a stage's deployment with the live API. Every
   REST deployment now snapshots, at creation, ``apiSummary``: path -> HTTP method ->
   ``{"authorizationType", "apiKeyRequired"}``, listing only resources that have methods, as AWS
   does. GetDeployment returns it only when asked (``?embed=apisummary``, repeated or
   comma-separated). An unknown deployment id is a 404 NotFoundException, not a 500 KeyError.
2. API Gateway v2 deployments, which moto lacks: CreateDeployment (201), GetDeployments and
   GetDeployment under ``/v2/apis/{apiId}/deployments``. CreateDeployment with a ``stageName``
   points that stage at the new deployment (404 if the stage does not exist). Stages now keep
   and return ``deploymentId`` (CreateStage, GetStage, GetStages).
3. API Gateway v2 ``UpdateStage`` (PATCH ``/v2/apis/{apiId}/stages/{stageName}``), which moto
   lacks. Object members (defaultRouteSettings, accessLogSettings, stageVariables, each entry of
   routeSettings) are merged key by key, as AWS patches only the members sent; scalars replace.
   An unknown ``deploymentId`` is a 404 NotFoundException and leaves the stage untouched.
4. EC2 ``ModifyVpcEndpoint`` with ``PrivateDnsEnabled``: moto accepted and dropped it; it is now
   stored, so DescribeVpcEndpoints reports the new ``privateDnsEnabled``. Everything else moto
   does for ModifyVpcEndpoint is unchanged.
5. A deterministic state dump at ``GET /moto-api/apigw-doctor/state``, for "a dry run changed
   nothing" tests. Moto's ``/moto-api/data.json`` cannot serve: it lists every model instance
   ever created (deleted ones too) and silently drops any attribute that is not plain JSON, so
   REST methods, DynamoDB items and EC2 tags are missing. The dump is JSON with sorted keys:
   ``{"apigateway", "apigatewayv2", "ec2", "dynamodb"}``, each ``{account_id: {region: ...}}``
   holding only accounts/regions with state, so a read that merely instantiates an empty
   backend does not change it.

   - apigateway: ``{"account": <GetAccount JSON, only if changed from moto's default>,
     "restApis": {id: <GetRestApi JSON> + {"resources": {path: <GetResource JSON>},
     "deployments": {id: <GetDeployment JSON incl. apiSummary>}, "stages": {name: <GetStage>}}}}``
   - apigatewayv2: ``{"apis": {id: <GetApi JSON> + {"stages": {name: <GetStage>},
     "deployments": {id: <GetDeployment>}}}}``
   - ec2: ``{"vpcEndpoints": {id: {vpcId, serviceName, vpcEndpointType, state,
     policyDocument, routeTableIds, subnetIds, securityGroupIds, privateDnsEnabled, tags}}}``
   - dynamodb: ``{"tables": {name: [item in DynamoDB JSON, in key order]}}``

6. REST ``CreateDeployment`` on an existing stage: moto replaced the stage, dropping its method
   settings and tags; AWS only points the stage at the new deployment, which is what a
   redeploy must leave behind.
7. API Gateway v2 ``TagResource``/``UntagResource`` on a stage ARN: moto filed the tags apart
   from the stage, so GetStage never returned them; they now reach the stage's ``tags``.
8. CloudTrail management events for REST ``UpdateRestApi``, and CloudTrail ``LookupEvents``,
   neither of which moto has; the doctor asks CloudTrail when a REST API's resource policy last
   changed. Every successful UpdateRestApi files one event in the CloudTrail backend of the same
   account and region: ``EventName`` "UpdateRestApi", ``EventSource``
   "apigateway.amazonaws.com", ``ReadOnly`` "false", ``Username`` "moto", ``Resources``
   ``[{"ResourceType": "AWS::ApiGateway::RestApi", "ResourceName": <restApiId>}]``, a uuid4
   ``EventId``, and ``CloudTrailEvent``: the record as a JSON string (eventVersion "1.10",
   eventTime ISO 8601 ``...Z``, eventSource, eventName, awsRegion, eventID, recipientAccountId,
   ``requestParameters: {"restApiId", "updateRestApiInput": {"patchOperations": <as sent>},
   "template": false}``, as real UpdateRestApi records carry them, userIdentity,
   eventType, readOnly, managementEvent, eventCategory). Times are whole seconds, as
   CloudTrail's are. Failed calls are not recorded (AWS records them with an errorCode).
   LookupEvents (JSON 1.1, ``X-Amz-Target: ...CloudTrail_20131101.LookupEvents``) answers
   ``{"Events": [...], "NextToken"?}``, newest first, ``EventTime`` in epoch seconds. It takes
   at most one LookupAttribute (any key of botocore's enum; AccessKeyId matches nothing, as no
   key is recorded), StartTime/EndTime (inclusive; epoch seconds, or ISO 8601 strings),
   MaxResults (1-50, default 50), NextToken (opaque, only valid with the same filters), and
   EventCategory (only "insight", which finds nothing). Errors are 400s:
   InvalidLookupAttributesException (two or more attributes, unknown key, bad value),
   InvalidTimeRangeException, InvalidMaxResultsException, InvalidNextTokenException,
   InvalidEventCategoryException, SerializationException (unparsable body or timestamp).
   The events are an audit trail, not state an action changes, so the state dump (gap 5)
   leaves them out and its keys are unchanged.

9. EC2 ``CreateNetworkAcl``: a new custom network ACL on AWS carries the two catch-all entries
   (rule number 32767, shown as ``*``: all traffic from and to 0.0.0.0/0 denied, inbound and
   outbound), so until rules are added it denies everything
   (https://docs.aws.amazon.com/vpc/latest/userguide/custom-network-acl.html). Moto created it
   empty; it now adds those two entries. VPC default ACLs are unchanged (moto already gives them
   rule 100 allow and rule 32767 deny both ways, as AWS does).

10. WebSocket connections that can be gone (API Gateway Management API, signed for
   ``execute-api``). Moto's connections are a defaultdict: every id "exists", and its
   ``GetConnection`` answers epoch numbers where botocore's model says ISO 8601
   (``__timestampIso8601``), and a request to a stage's endpoint behind one URL
   (``<endpoint>/<stage>/@connections/<id>``, as the SDK sends it under ``AWS_ENDPOINT_URL``)
   was routed to IoT (moto maps the signing name ``execute-api`` to ``iot`` unless the path
   starts with ``/@connections``), and moto's own url entry for a stage path cannot match (the
   ``+`` after its group stays literal in the Flask rule). Now: a request signed for
   ``execute-api`` whose path holds ``/@connections/`` reaches the Management API, under
   ``/<stage>/@connections/<id>`` too; connections exist only once registered;
   GetConnection (and PostToConnection) on an unknown id answer 410 ``GoneException``
   (botocore: ``"error": {"httpStatusCode": 410}``, no members) as JSON with
   ``x-amzn-ErrorType: GoneException``, and so does a GetConnection whose path names another
   stage than the one the connection was made to; the id in the path is percent-decoded;
   ``connectedAt`` and ``lastActiveAt`` are ISO 8601 with milliseconds and ``Z``. A live
   connection is registered with ``POST /moto-api/apigw-doctor/ws-connections``, body
   ``{"connection_id", "stage", "source_ip"?, "region"?}`` (account 123456789012, region
   us-east-1 unless given); it answers 201 with the connection's GetConnection JSON. The
   connections are not configuration an action changes, so the state dump (gap 5) leaves them
   out.

11. API Gateway v2 automatic deployment: a stage created or updated with ``autoDeploy: true``
    gets a new deployment whenever the API changes, and AWS marks it ``autoDeployed: true``
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html); moto
    never deploys. Every successful v2 UpdateIntegration now makes one deployment per
    auto-deploying stage of the API (``autoDeployed: true``, no description) and points that
    stage at it, as AWS does once the change is deployed. The state dump (gap 5) also lists each
    v2 API's ``integrations`` (id -> GetIntegration JSON), so a dry run is seen to leave request
    parameters alone.

12. API Gateway v2 ``GetAuthorizers`` (GET ``/v2/apis/{apiId}/authorizers``), which moto
    lacks (it has CreateAuthorizer and GetAuthorizer on the same paths): answers
    ``{"items": [<GetAuthorizer JSON>...]}`` in creation order, all in one page as moto's other
    v2 listings do; an unknown API is moto's own 404 NotFoundException.

13. CloudTrail management events for API Gateway v2 route and integration writes
    (CreateRoute, UpdateRoute, DeleteRoute, CreateIntegration, UpdateIntegration,
    DeleteIntegration), which the doctor reads to tell whether an HTTP or WebSocket stage's
    deployment predates a change. Each successful call files one event as gap 8 does, in the
    layout real v2 records have (aws-spotlight's APIGATEWAY_DeleteApi record:
    ``requestParameters: {"apiId": ...}``, no ``resources``), with the route's or
    integration's id as ``routeId`` / ``integrationId``.

14. Opt-in slow answers, for tests of a deadline that lands while a call is in flight. Off by
    default. ``POST /moto-api/apigw-doctor/delays`` with ``{"operation": "<service>:<Operation>",
    "ms": N}`` (the service as moto names it: ``apigateway``, ``apigatewayv2``, ``ec2``, ``sts``,
    ...; the operation as botocore does, e.g. ``ec2:ModifyVpcEndpoint``) makes every later
    request for that operation be handled at once, as usual, and its answer (success or error)
    held N ms (0 < N <= 600000) before it is sent; ``"ms": 0`` removes the delay. A write's
    effect is therefore in the state as soon as the request arrives, while the caller waits:
    the case of a write that may have taken effect. It answers 200 with every delay in force,
    ``{operation: ms}``; ``GET`` lists them; a malformed body is a 400. Delays are test
    plumbing, not configuration an action changes, so the state dump (gap 5) leaves them out.
    ``"*:*"`` is the delay of every operation without one of its own: a uniform per-call
    latency, as a real region adds to each call (the benchmark's diagnosis at the floor).

15. REST custom domain names with mutual TLS. Moto's CreateDomainName drops
    ``mutualTlsAuthentication``; it is now kept (``truststoreUri``, ``truststoreVersion`` as sent)
    and returned by CreateDomainName, GetDomainName and GetDomainNames with
    ``truststoreWarnings`` (``[]`` until set), as AWS's MutualTlsAuthentication shape has it
    (https://docs.aws.amazon.com/apigateway/latest/api/API_MutualTlsAuthentication.html). AWS
    computes the warnings from the truststore's certificates, which moto cannot read, so a test
    sets them: ``POST /moto-api/apigw-doctor/truststore-warnings`` with ``{"domain_name": str,
    "warnings": [str], "region"?: str}`` (account 123456789012) answers 200 with the domain's
    GetDomainName JSON; an unknown domain or one without mutual TLS is a 404, a malformed body a
    400. Domain names without mutual TLS are unchanged.

16. REST ``TestInvokeMethod`` (POST ``/restapis/{id}/resources/{rid}/methods/{httpMethod}``),
    which moto lacks (https://docs.aws.amazon.com/apigateway/latest/api/API_TestInvokeMethod.html).
    It answers ``{"status", "body", "headers", "multiValueHeaders", "log", "latency"}`` as
    botocore's TestInvokeMethodResponse shapes them (integer status, string body and log, string
    and list maps, long latency in ms); an unknown API, resource or method is moto's own 404
    NotFoundException. ``log`` is an execution log in the layout API Gateway writes for a test
    invocation: ``Execution log for request <id>``, then ``<Day Mon DD HH:MM:SS UTC YYYY> :
    <message>`` lines: ``Starting execution for request``, ``HTTP Method: <M>, Resource Path:
    <path>``, ``Method request path``, ``Method request query string: {k=v}``, ``Method request
    headers``, ``Method request body before transformations``, the lines seeded for the method,
    and ``Method completed with status: <status>``. AWS's log is what the backend really did,
    which moto cannot know, so a test seeds it: ``POST /moto-api/apigw-doctor/test-invoke``
    with ``{"rest_api_id", "resource_id", "http_method", "status"?: int (200), "lines"?: [str],
    "body"?: str, "latency"?: int (ms, 0..600000), "region"?: str}`` (account 123456789012)
    answers 200 with what was seeded; an unknown method is a 404, a malformed body a 400. An
    unseeded method answers 200 with an empty body and no extra line. ``GET`` on that path lists
    every TestInvokeMethod received, oldest first, as ``{"calls": [{"restApiId", "resourceId",
    "httpMethod", "pathWithQueryString", "stageVariables", "headers", "region"}]}``, so a test
    can see what was sent, and that nothing was. Seeds and calls are test plumbing, not
    configuration an action changes, so the state dump (gap 5) leaves them out.

17. REST ``PutIntegration`` keeps ``connectionId`` and ``integrationTarget``. Moto drops both,
    so a private integration (``connectionType: VPC_LINK``) names no VPC link and no load
    balancer; they are now stored as sent and returned wherever the integration is (GetMethod,
    GetIntegration, GetResources with ``embed=methods``)
    (https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html).

18. VPC links that are not ``AVAILABLE``. Moto reports every v1 and v2 link ``AVAILABLE``;
    AWS reports ``PENDING``, ``DELETING``, ``FAILED`` (with ``statusMessage``) and, for v2,
    ``INACTIVE`` after 60 days without traffic. ``POST /moto-api/apigw-doctor/vpc-link-status``
    with ``{"vpc_link_id", "status", "message"?, "region"?}`` (account 123456789012) sets the
    link's status (v1 ``status``/``statusMessage``, v2 ``vpcLinkStatus``/
    ``vpcLinkStatusMessage``) and answers 200 with its Get JSON; an unknown id is a 404, a
    malformed body a 400. Links without a set status stay ``AVAILABLE``. A body
    ``{"new_links": "PENDING", "region"?}`` (``null`` turns it off) makes every link created
    afterwards (v1 or v2) report that status until one is set for it, as a new link does on
    AWS for minutes.

19. Target health that is not ``healthy``. Moto reports a registered IP target ``healthy`` and
    never ``unhealthy``; AWS's health checks decide. ``POST
    /moto-api/apigw-doctor/target-health`` with ``{"target_group_arn", "target_id", "state",
    "reason"?, "description"?, "availability_zone"?, "region"?}`` makes DescribeTargetHealth
    report that target so (``TargetHealth.State``/``Reason``/``Description``, and
    ``Target.AvailabilityZone``) and answers 200; an unknown target group is a 404, a malformed
    body a 400. Other targets are unchanged.

20. EC2 ``DescribeVpcEndpointConnections``, which moto lacks. AWS lists the endpoint
    connections to the caller's endpoint services; a v1 VPC link's is API Gateway's endpoint to
    the service of the link's Network Load Balancer. Moto has no connections, so a test files
    them: ``POST /moto-api/apigw-doctor/endpoint-connections`` with ``{"service_id",
    "vpc_endpoint_id", "state", "owner"?, "region"?}`` (one per service and endpoint; a second
    replaces the state) answers 201. DescribeVpcEndpointConnections answers
    ``VpcEndpointConnections`` (ServiceId, VpcEndpointId, VpcEndpointOwner, VpcEndpointState,
    NetworkLoadBalancerArns of the service), filtered by ``service-id`` when asked, in one page;
    an unknown service id in the route is a 404.

21. REST ``UpdateIntegration`` (PATCH
    ``/restapis/{id}/resources/{id}/methods/{verb}/integration``), which moto lacks: ``replace``
    (or ``add``) of ``/connectionId``, ``/connectionType``, ``/uri``, ``/integrationTarget`` and
    ``/httpMethod`` sets the member and answers 200 with the integration's JSON
    (https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateIntegration.html); ``remove``
    of ``/connectionId`` or ``/integrationTarget`` clears it; any other path or op is a 400
    BadRequestException and changes nothing; an unknown API, resource or method is moto's own
    404.

22. Elastic Load Balancing ``DescribeListeners`` names a listener's default certificate only
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Listener.html:
    "the default certificate for the listener"); the certificates it serves by SNI are listed by
    ``DescribeListenerCertificates``. Moto listed every certificate added with
    ``AddListenerCertificates`` in DescribeListeners too; now only the first (the default).
    DescribeListenerCertificates is unchanged (every certificate, ``IsDefault`` on the first).

30. Opt-in API Gateway control-plane throttle, for benchmarks that must pay for what they send
    (``make bench-fleet``). Off by default. AWS holds the REST and v2 management API to "Total
    operations: 10 requests per second per account, burst 40"
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html, quotas for
    creating, deploying and managing an API); moto answers everything. ``POST
    /moto-api/apigw-doctor/throttle`` with ``{"rate": R, "burst": B}`` (R requests per second,
    0 < R <= 10000, 1 <= B <= 100000) puts one token bucket per account in front of every
    ``apigateway`` and ``apigatewayv2`` request (not the Management API), starting full; ``{"rate":
    0}`` turns it off. A request that finds the bucket empty is not handled: it answers 429
    ``TooManyRequestsException`` as botocore's models shape it (``x-amzn-ErrorType`` header,
    body ``{"message": "Too Many Requests"}``, and ``retryAfterSeconds`` in the ``Retry-After``
    header: the whole seconds until a token is back, at least 1). Each POST also zeroes the
    counters, which ``GET`` on the same path returns with the settings: ``{"rate", "burst",
    "requests": {"<service>:<Operation>": n}, "throttled": {...}}`` (handled and refused
    requests, counted only while the throttle is on), so a benchmark counts API Gateway calls
    at the server instead of estimating them. A malformed body is a 400. The throttle is
    plumbing, not configuration an action changes, so the state dump (gap 5) leaves it out.

31. Lambda ``Invoke`` runs a local custom runtime. Moto runs a function's code in Docker, which
    the test machines lack (Invoke then answers "error running docker: ..."). A function whose
    environment variables hold ``MOTO_EXT_LOCAL_BOOTSTRAP`` (the absolute path of an executable:
    the ``bootstrap`` of a ``provided.al2023`` function) is run on this machine instead, for a
    ``RequestResponse`` Invoke: a Runtime API of its own (the 2018-06-01 interface,
    tests/lambda/runtime_api.py) on a free loopback port serves the event to that one invocation
    (``Lambda-Runtime-Deadline-Ms``: when it is fetched + the function's Timeout), and the
    executable runs in its own directory as a new process group with only the function's
    variables (less that one), ``AWS_LAMBDA_RUNTIME_API``, ``AWS_LAMBDA_FUNCTION_NAME``,
    ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``, ``AWS_LAMBDA_FUNCTION_VERSION=$LATEST`` and ``PATH``.
    Its stdout and stderr go to the server's stderr, each line prefixed ``[lambda <name>]``; the
    last 4 KB are the ``LogResult`` of a ``LogType: Tail`` call. Invoke answers as Lambda does:
    200 with the posted response as the payload, or with ``X-Amz-Function-Error: Unhandled``
    and the posted body for a posted invocation or init error; ``{"errorType", "errorMessage"}``
    with ``Runtime.ExitError`` for a process that exits without answering,
    ``Runtime.InvalidEntrypoint`` for one that cannot start, and ``Sandbox.Timedout`` when no
    answer came by the Timeout + 3 s. The process group is then killed and reaped. Other
    functions, and other invocation types, are moto's as before.

32. Step Functions executions run. Moto interprets a state machine's definition only when its
    ``stepfunctions.execute_state_machine`` config is on; it is off by default, and an execution
    then runs no state at all. ``install()`` turns it on. The interpreter calls the services its
    tasks name (``arn:aws:states:::lambda:invoke`` is a Lambda Invoke, so gap 31) with boto3 at
    ``http://localhost:$MOTO_PORT``: ``serving_on(port)`` sets ``MOTO_PORT`` once the server
    knows its port (server.py and ext_check.py call it). A StartExecution without a name was
    named ``None`` (``...:execution:<machine>:None``, so a second one of the same machine is
    ExecutionAlreadyExists); it now gets a UUID, as on AWS and in moto's non-executing backend.

33. A request timeline, for the benchmark's critical path (issue 15). Off by default.
    ``POST /moto-api/apigw-doctor/timeline`` with ``{"record": true}`` empties the timeline and
    records every later AWS request (``/moto-api`` plumbing is not one) as ``{"operation",
    "start_ms", "end_ms"}``: when the server began handling it and when its answer was ready, a
    gap 14 delay included, in milliseconds of one monotonic clock; ``{"record": false}`` stops.
    It answers ``{"recording": bool, "requests": [...]}`` in start order, as ``GET`` does; a
    malformed body is a 400. Plumbing, so the state dump (gap 5) leaves it out.

Moto already does what the project relies on for REST UpdateStage method settings, UpdateAccount
cloudwatchRoleArn, TagResource on a stage ARN, CreateTags on a vpce id and DynamoDB conditional
PutItem, and for ACM DescribeCertificate of an imported certificate (its DomainName,
SubjectAlternativeNames, NotBefore and NotAfter come from the certificate itself);
``ext_check.py`` proves those too.
"""

from __future__ import annotations

import base64
import collections
import copy
import dataclasses
import datetime
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import json
import math
import os
import queue
import re
import signal
import string
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

PINNED_MOTO = "5.2.5"
STATE_PATH = "/moto-api/apigw-doctor/state"
V2_STAGE_ARN = re.compile(r":/apis/(?P<api_id>[^/]+)/stages/(?P<stage>[^/]+)$")

# The attribute on moto's REST Deployment that carries the snapshot taken at creation.
API_SUMMARY_ATTR = "api_summary"
# The attribute on moto's v2 Api that holds this extension's deployments.
V2_DEPLOYMENTS_ATTR = "deployments"

# Gap 13: the v2 backend methods whose calls CloudTrail records, with the event's name and the
# request parameter naming what changed.
V2_CHANGES = {
    "create_route": ("CreateRoute", "routeId"),
    "update_route": ("UpdateRoute", "routeId"),
    "delete_route": ("DeleteRoute", "routeId"),
    "create_integration": ("CreateIntegration", "integrationId"),
    "update_integration": ("UpdateIntegration", "integrationId"),
    "delete_integration": ("DeleteIntegration", "integrationId"),
}

_installed = False
# GetAccount JSON of an untouched moto account, so the dump can leave it out.
_default_account_json: dict[str, Any] = {}


class MotoExtensionOutdated(RuntimeError):
    def __init__(self, what: str) -> None:
        super().__init__(f"moto extension for {PINNED_MOTO} no longer applies: {what}")


def _require(owner: Any, name: str, *, absent: bool = False) -> Any:
    """Returns owner.name, or raises if moto no longer has it (or, with absent, now has it)."""
    label = f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
    present = hasattr(owner, name)
    if absent:
        if present:
            raise MotoExtensionOutdated(f"{label} now exists in moto; drop it from the extension")
        return None
    if not present:
        raise MotoExtensionOutdated(f"{label} is missing")
    return getattr(owner, name)


def _request_json(request: Any) -> Any:
    """The JSON body of a request to one of this extension's routes; None when it is not JSON."""
    try:
        return json.loads(request.get_data() or b"{}")
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Gap 1: REST deployments remember their API summary.


def _api_summary(rest_api: Any) -> dict[str, dict[str, dict[str, Any]]]:
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for resource in rest_api.resources.values():
        if resource.resource_methods:
            summary[resource.get_path()] = {
                verb: {
                    "authorizationType": method.authorization_type,
                    "apiKeyRequired": bool(method.api_key_required),
                }
                for verb, method in resource.resource_methods.items()
            }
    return summary


def _wants_api_summary(querystring: dict[str, list[str]]) -> bool:
    # The SDKs repeat the parameter (embed=a&embed=b); the REST docs show embed=a,b.
    values = (part.strip().lower() for v in querystring.get("embed", []) for part in v.split(","))
    return "apisummary" in values


def _rest_deployment_json(deployment: Any, with_summary: bool) -> dict[str, Any]:
    body: dict[str, Any] = deployment.to_json()
    if with_summary:
        # Deployments made before install() have no snapshot; AWS would list their methods,
        # but an empty summary is the honest answer here.
        body["apiSummary"] = getattr(deployment, API_SUMMARY_ATTR, {})
    return body


# ---------------------------------------------------------------------------------------------
# Gaps 2 and 3: API Gateway v2 deployments and UpdateStage.


@dataclasses.dataclass
class V2Deployment:
    deployment_id: str
    description: str | None
    created: datetime.datetime
    auto_deployed: bool = False

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "deploymentId": self.deployment_id,
            "deploymentStatus": "DEPLOYED",
            "createdDate": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "autoDeployed": self.auto_deployed,
        }
        if self.description is not None:
            body["description"] = self.description
        return body


def _v2_deployments(api: Any) -> dict[str, V2Deployment]:
    deployments: dict[str, V2Deployment] = api.__dict__.setdefault(V2_DEPLOYMENTS_ATTR, {})
    return deployments


def _new_v2_deployment_id() -> str:
    # moto's seedable random, so POST /moto-api/seed makes ids reproducible like moto's own.
    from moto.moto_api._internal import mock_random

    alphabet = string.ascii_lowercase + string.digits
    return "".join(mock_random.choice(alphabet) for _ in range(6))


def _merge_stage_update(stage: Any, params: dict[str, Any]) -> None:
    if "defaultRouteSettings" in params:
        stage.default_route_settings = {
            **(stage.default_route_settings or {}),
            **params["defaultRouteSettings"],
        }
    if "accessLogSettings" in params:
        stage.access_log_settings = {
            **(stage.access_log_settings or {}),
            **params["accessLogSettings"],
        }
    if "stageVariables" in params:
        stage.stage_variables = {**(stage.stage_variables or {}), **params["stageVariables"]}
    if "routeSettings" in params:
        merged = dict(stage.route_settings or {})
        for route_key, settings in params["routeSettings"].items():
            merged[route_key] = {**merged.get(route_key, {}), **settings}
        stage.route_settings = merged
    if "deploymentId" in params:
        stage.deployment_id = params["deploymentId"]
    if "autoDeploy" in params:
        stage.auto_deploy = params["autoDeploy"]
    if "description" in params:
        stage.description = params["description"]
    if "clientCertificateId" in params:
        stage.client_certificate_id = params["clientCertificateId"]


# ---------------------------------------------------------------------------------------------
# Gap 5: deterministic state dump.


def _by_account_region(
    backends: Any, dump: Callable[[Any], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for account_id, region, backend in list(backends.iter_backends()):
        state = {key: value for key, value in dump(backend).items() if value}
        if state:
            out.setdefault(account_id, {})[region] = state
    return out


def _dump_apigateway(backend: Any) -> dict[str, Any]:
    apis: dict[str, Any] = {}
    for api_id, api in list(backend.apis.items()):
        entry = api.to_dict()
        entry["resources"] = {res.get_path(): res.to_dict() for res in api.resources.values()}
        entry["deployments"] = {
            dep_id: _rest_deployment_json(dep, with_summary=True)
            for dep_id, dep in api.deployments.items()
        }
        entry["stages"] = {name: stage.to_json() for name, stage in api.stages.items()}
        apis[api_id] = entry
    account = backend.account.to_json()
    return {
        "account": account if account != _default_account_json else None,
        "restApis": apis,
    }


def _dump_apigatewayv2(backend: Any) -> dict[str, Any]:
    apis: dict[str, Any] = {}
    for api_id, api in list(backend.apis.items()):
        entry = api.to_json()
        entry["stages"] = {name: stage.to_json() for name, stage in api.stages.items()}
        entry["deployments"] = {
            dep_id: dep.to_json() for dep_id, dep in _v2_deployments(api).items()
        }
        entry["integrations"] = {
            int_id: integration.to_json() for int_id, integration in api.integrations.items()
        }
        apis[api_id] = entry
    return {"apis": apis}


def _dump_ec2(backend: Any) -> dict[str, Any]:
    endpoints: dict[str, Any] = {}
    for vpce_id, vpce in list(backend.vpc_end_points.items()):
        endpoints[vpce_id] = {
            "vpcId": vpce.vpc_id,
            "serviceName": vpce.service_name,
            "vpcEndpointType": vpce.vpc_endpoint_type,
            "state": vpce.state,
            "policyDocument": vpce.policy_document,
            "routeTableIds": sorted(vpce.route_table_ids or []),
            "subnetIds": sorted(vpce.subnet_ids or []),
            "securityGroupIds": sorted(vpce.security_group_ids or []),
            "privateDnsEnabled": vpce.private_dns_enabled,
            "tags": {tag["key"]: tag["value"] for tag in vpce.get_tags()},
        }
    return {"vpcEndpoints": endpoints}


def _dump_dynamodb(backend: Any) -> dict[str, Any]:
    return {
        "tables": {
            name: [item.to_json()["Attributes"] for item in table.all_items()]
            for name, table in list(backend.tables.items())
        }
    }


def state_dump() -> dict[str, Any]:
    from moto.apigateway.models import apigateway_backends
    from moto.apigatewayv2.models import apigatewayv2_backends
    from moto.dynamodb.models import dynamodb_backends
    from moto.ec2.models import ec2_backends

    return {
        "apigateway": _by_account_region(apigateway_backends, _dump_apigateway),
        "apigatewayv2": _by_account_region(apigatewayv2_backends, _dump_apigatewayv2),
        "ec2": _by_account_region(ec2_backends, _dump_ec2),
        "dynamodb": _by_account_region(dynamodb_backends, _dump_dynamodb),
    }


def _state_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    body = json.dumps(state_dump(), sort_keys=True, default=str)
    return 200, {"Content-Type": "application/json"}, body


# ---------------------------------------------------------------------------------------------
# Gap 8: CloudTrail management events for REST UpdateRestApi, and LookupEvents.

# The attribute on moto's CloudTrailBackend that holds the recorded events, oldest first.
CLOUDTRAIL_EVENTS_ATTR = "management_events"
CLOUDTRAIL_EVENT_VERSION = "1.10"
CLOUDTRAIL_USERNAME = "moto"
LOOKUP_KEYS = frozenset(
    {
        "EventId",
        "EventName",
        "ReadOnly",
        "Username",
        "ResourceType",
        "ResourceName",
        "EventSource",
        "AccessKeyId",
    }
)
LOOKUP_MAX_RESULTS = 50

_event_lock = threading.Lock()
_event_sequence = itertools.count(1)


@dataclasses.dataclass(frozen=True)
class ManagementEvent:
    """One CloudTrail management event, as LookupEvents returns it."""

    sequence: int  # recording order, so "newest first" is exact within one second
    event_id: str
    event_name: str
    event_time: datetime.datetime  # UTC, whole seconds, as CloudTrail records it
    event_source: str
    username: str
    read_only: bool
    resources: tuple[tuple[str, str], ...]  # (ResourceType, ResourceName)
    record: str  # the CloudTrailEvent JSON string

    def lookup_values(self, key: str) -> list[str]:
        if key == "ResourceType":
            return [rtype for rtype, _ in self.resources]
        if key == "ResourceName":
            return [name for _, name in self.resources]
        return {
            "EventId": [self.event_id],
            "EventName": [self.event_name],
            "ReadOnly": [str(self.read_only).lower()],
            "Username": [self.username],
            "EventSource": [self.event_source],
        }.get(key, [])  # AccessKeyId: none is recorded, so nothing matches

    def to_json(self) -> dict[str, Any]:
        return {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": str(self.read_only).lower(),
            # JSON 1.1 timestamps are epoch seconds; CloudTrail times are whole seconds.
            "EventTime": int(self.event_time.timestamp()),
            "EventSource": self.event_source,
            "Username": self.username,
            "Resources": [
                {"ResourceType": rtype, "ResourceName": name} for rtype, name in self.resources
            ],
            "CloudTrailEvent": self.record,
        }


def _cloudtrail_events(backend: Any) -> list[ManagementEvent]:
    events: list[ManagementEvent] = backend.__dict__.setdefault(CLOUDTRAIL_EVENTS_ATTR, [])
    return events


def record_management_event(
    account_id: str,
    region: str,
    *,
    event_name: str,
    event_source: str,
    resources: list[tuple[str, str]],
    request_parameters: dict[str, Any],
    read_only: bool = False,
) -> ManagementEvent:
    """Files a management event in the CloudTrail backend of account_id/region."""
    from moto.cloudtrail.models import cloudtrail_backends

    backend = cloudtrail_backends[account_id][region]
    with _event_lock:
        # Stamped under the lock, so recording order and time order agree.
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        event_id = str(uuid.uuid4())
        record = {
            "eventVersion": CLOUDTRAIL_EVENT_VERSION,
            "userIdentity": {
                "type": "IAMUser",
                "accountId": account_id,
                "userName": CLOUDTRAIL_USERNAME,
            },
            "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": region,
            "requestParameters": request_parameters,
            "responseElements": None,
            "requestID": str(uuid.uuid4()),
            "eventID": event_id,
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        }
        event = ManagementEvent(
            sequence=next(_event_sequence),
            event_id=event_id,
            event_name=event_name,
            event_time=now,
            event_source=event_source,
            username=CLOUDTRAIL_USERNAME,
            read_only=read_only,
            resources=tuple(resources),
            record=json.dumps(record),
        )
        _cloudtrail_events(backend).append(event)
    return event


class LookupRejected(Exception):
    """A LookupEvents request CloudTrail answers with a 400 error of this type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


def _lookup_time(value: Any, member: str) -> datetime.datetime | None:
    """StartTime/EndTime: epoch seconds (what the SDKs send), or an ISO 8601 string."""
    if value is None:
        return None
    not_a_timestamp = LookupRejected("SerializationException", f"{member} is not a timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise not_a_timestamp
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                parsed = datetime.datetime.fromisoformat(value.strip())
            except ValueError as err:
                raise not_a_timestamp from err
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=datetime.UTC)
            return parsed.astimezone(datetime.UTC)
    try:
        return datetime.datetime.fromtimestamp(value, datetime.UTC)
    except (ValueError, OverflowError, OSError) as err:  # nan, inf, or past year 9999
        raise LookupRejected("InvalidTimeRangeException", f"{member} is out of range") from err


def _lookup_token(query: dict[str, Any], before: int) -> str:
    digest = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
    raw = json.dumps({"before": before, "query": digest}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _lookup_token_position(token: Any, query: dict[str, Any]) -> int:
    invalid = LookupRejected("InvalidNextTokenException", "Invalid NextToken.")
    if not isinstance(token, str) or not token:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        before = json.loads(raw)["before"]
    except (ValueError, TypeError, KeyError) as err:
        raise invalid from err
    if not isinstance(before, int) or _lookup_token(query, before) != token:
        # Garbage, or a token from a request with other parameters.
        raise invalid
    return before


def lookup_events(events: list[ManagementEvent], params: dict[str, Any]) -> dict[str, Any]:
    """The LookupEvents answer over one account/region's events, newest first."""
    attributes = params.get("LookupAttributes") or []
    if not isinstance(attributes, list):
        raise LookupRejected("InvalidLookupAttributesException", "LookupAttributes is a list.")
    if len(attributes) > 1:
        raise LookupRejected(
            "InvalidLookupAttributesException", "You can specify at most one lookup attribute."
        )
    attribute: tuple[str, str] | None = None
    if attributes:
        item = attributes[0]
        key = item.get("AttributeKey") if isinstance(item, dict) else None
        value = item.get("AttributeValue") if isinstance(item, dict) else None
        if key not in LOOKUP_KEYS:
            raise LookupRejected(
                "InvalidLookupAttributesException", f"Invalid attribute key: {key}."
            )
        if not isinstance(value, str) or not 1 <= len(value) <= 2000:
            raise LookupRejected(
                "InvalidLookupAttributesException", "AttributeValue must be 1 to 2000 characters."
            )
        attribute = (key, value.lower() if key == "ReadOnly" else value)

    start = _lookup_time(params.get("StartTime"), "StartTime")
    end = _lookup_time(params.get("EndTime"), "EndTime")
    if start is not None and end is not None and start > end:
        raise LookupRejected("InvalidTimeRangeException", "Start time must be before end time.")

    category = params.get("EventCategory")
    if category is not None and category != "insight":
        raise LookupRejected(
            "InvalidEventCategoryException", f"Invalid event category: {category}."
        )

    max_results = params.get("MaxResults")
    if max_results is None:
        max_results = LOOKUP_MAX_RESULTS
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= LOOKUP_MAX_RESULTS
    ):
        raise LookupRejected(
            "InvalidMaxResultsException", f"MaxResults must be 1 to {LOOKUP_MAX_RESULTS}."
        )

    query = {
        "attribute": list(attribute) if attribute else None,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "category": category,
    }
    token = params.get("NextToken")
    before = _lookup_token_position(token, query) if token is not None else None

    matching = [
        event
        for event in sorted(events, key=lambda e: e.sequence, reverse=True)
        # Only management events are recorded; EventCategory=insight asks for Insights ones.
        if category is None
        and (before is None or event.sequence < before)
        and (attribute is None or attribute[1] in event.lookup_values(attribute[0]))
        and (start is None or event.event_time >= start)
        and (end is None or event.event_time <= end)
    ]
    page = matching[:max_results]
    body: dict[str, Any] = {"Events": [event.to_json() for event in page]}
    if len(matching) > len(page):
        body["NextToken"] = _lookup_token(query, page[-1].sequence)
    return body


# ---------------------------------------------------------------------------------------------
# install()


# ---------------------------------------------------------------------------------------------
# Gap 10: WebSocket connections that can be gone (API Gateway Management API).

WS_CONNECTIONS_PATH = "/moto-api/apigw-doctor/ws-connections"
# moto's own url map entry for a stage's @connections path: its "+" after the group is left
# literal when moto turns the regex into a Flask rule, so no real path ever matches it.
STAGE_CONNECTIONS_URL = "{0}/(?P<stage_name>.+/)+@connections/(?P<connection_id>[^/]+)$"
# The entry that matches a stage (or a custom domain's base path) before /@connections/.
ROUTABLE_STAGE_CONNECTIONS_URL = "{0}/(?P<stage_name>[^@]+)/@connections/(?P<connection_id>[^/]+)$"
# The raw (percent-encoded) request path of a connection call: optional stage, then the id.
CONNECTION_PATH = re.compile(r"^(?:/(?P<stage>.+?))?/@connections/(?P<connection_id>[^/]+)$")
# Attributes this extension puts on moto's management-API Connection.
CONNECTION_STAGE_ATTR = "stage"
CONNECTION_LAST_ACTIVE_ATTR = "last_active_at"
MOTO_ACCOUNT = "123456789012"


def _iso8601(epoch_seconds: float) -> str:
    """The Management API's timestamps: ISO 8601 with milliseconds, in UTC."""
    moment = datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _connection_json(connection: Any) -> dict[str, Any]:
    return {
        "connectedAt": _iso8601(connection.connected_at),
        "lastActiveAt": _iso8601(getattr(connection, CONNECTION_LAST_ACTIVE_ATTR, connection.connected_at)),
        "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
    }


def _signed_for(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(region, service) of a SigV4 request's credential scope, or None."""
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    match = re.search(r"Credential=[^/,]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request", auth)
    return (match["region"], match["service"]) if match else None


def _seed_connection_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Registers a live connection, as a finished $connect would."""
    from moto.apigatewaymanagementapi.models import Connection, apigatewaymanagementapi_backends

    if request.method != "POST":
        return 405, {"Allow": "POST"}, ""
    params = _request_json(request)
    if not isinstance(params, dict) or not all(
        isinstance(params.get(key), str) and params[key] for key in ("connection_id", "stage")
    ):
        return 400, {}, json.dumps({"message": "expected {\"connection_id\": str, \"stage\": str}"})
    backend = apigatewaymanagementapi_backends[MOTO_ACCOUNT][params.get("region", "us-east-1")]
    connection = Connection()
    setattr(connection, CONNECTION_STAGE_ATTR, params["stage"])
    setattr(connection, CONNECTION_LAST_ACTIVE_ATTR, connection.connected_at)
    if params.get("source_ip"):
        connection.source_ip = params["source_ip"]
    backend.connections[params["connection_id"]] = connection
    return 201, {"Content-Type": "application/json"}, json.dumps(_connection_json(connection))


# ---------------------------------------------------------------------------------------------
# Gap 14: opt-in slow answers.

DELAYS_PATH = "/moto-api/apigw-doctor/delays"
MAX_DELAY_MS = 600_000
# "service:Operation" -> milliseconds each answer is held; empty unless a test asks.
_delays: dict[str, int] = {}
_delays_lock = threading.Lock()


def _operation(response: Any) -> str | None:
    """``service:Operation`` of the request `response` (a moto BaseResponse) handles, if moto
    can name it."""
    try:
        return f"{response.service_name}:{response._get_action()}"
    except Exception:  # noqa: BLE001 - a request moto cannot name is neither delayed nor timed
        return None


def _delay_ms(response: Any) -> int:
    """How long to hold the answer of the request `response` handles: its operation's delay,
    else the ``*:*`` one."""
    with _delays_lock:
        if not _delays:
            return 0
        delays = dict(_delays)
    operation = _operation(response)
    if operation is None:
        return 0
    return delays.get(operation, delays.get("*:*", 0))


def _valid_delay(params: Any) -> tuple[str, int] | None:
    """(operation, ms) from a delays request body, or None when it is malformed."""
    if not isinstance(params, dict):
        return None
    operation, ms = params.get("operation"), params.get("ms")
    if not isinstance(operation, str) or operation.count(":") != 1 or not all(operation.split(":")):
        return None
    if isinstance(ms, bool) or not isinstance(ms, int) or not 0 <= ms <= MAX_DELAY_MS:
        return None
    return operation, ms


def _delays_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Sets (POST) or lists (GET) the delays in force."""
    if request.method == "POST":
        params = _request_json(request)
        valid = _valid_delay(params)
        if valid is None:
            message = f"expected {{\"operation\": \"service:Operation\", \"ms\": 0..{MAX_DELAY_MS}}}"
            return 400, {}, json.dumps({"message": message})
        operation, ms = valid
        with _delays_lock:
            if ms:
                _delays[operation] = ms
            else:
                _delays.pop(operation, None)
    elif request.method != "GET":
        return 405, {"Allow": "GET, POST"}, ""
    with _delays_lock:
        body = json.dumps(_delays, sort_keys=True)
    return 200, {"Content-Type": "application/json"}, body


# ---------------------------------------------------------------------------------------------
# Gap 33: a request timeline.

TIMELINE_PATH = "/moto-api/apigw-doctor/timeline"
_timeline: list[dict[str, Any]] = []
_timeline_recording = False
_timeline_lock = threading.Lock()


def _record_request(response: Any, started: float) -> None:
    """Files the request `response` handled, begun at `started` (monotonic s), while recording."""
    if not _timeline_recording:
        return
    operation = _operation(response)
    if operation is None:
        return
    ended = time.monotonic()
    with _timeline_lock:
        _timeline.append({"operation": operation, "start_ms": started * 1000, "end_ms": ended * 1000})


def _timeline_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Starts or stops recording (POST ``{"record": bool}``, emptying the timeline), or lists it."""
    global _timeline_recording
    if request.method == "POST":
        params = _request_json(request)
        if not isinstance(params, dict) or not isinstance(params.get("record"), bool):
            return 400, {}, json.dumps({"message": 'expected {"record": true|false}'})
        with _timeline_lock:
            _timeline_recording = params["record"]
            if _timeline_recording:
                _timeline.clear()
    elif request.method != "GET":
        return 405, {"Allow": "GET, POST"}, ""
    with _timeline_lock:
        requests = sorted(_timeline, key=lambda r: r["start_ms"])
        body = json.dumps({"recording": _timeline_recording, "requests": requests})
    return 200, {"Content-Type": "application/json"}, body


# ---------------------------------------------------------------------------------------------
# Gap 15: REST custom domain names with mutual TLS.

TRUSTSTORE_WARNINGS_PATH = "/moto-api/apigw-doctor/truststore-warnings"
# The attribute on moto's REST DomainName that carries mutualTlsAuthentication.
MTLS_ATTR = "mutual_tls_authentication"


def _mtls_from_input(params: Any) -> dict[str, Any] | None:
    """The stored mutualTlsAuthentication for a CreateDomainName input, or None without one."""
    if not isinstance(params, dict) or not params.get("truststoreUri"):
        return None
    stored: dict[str, Any] = {"truststoreUri": params["truststoreUri"], "truststoreWarnings": []}
    if params.get("truststoreVersion"):
        stored["truststoreVersion"] = params["truststoreVersion"]
    return stored


def _truststore_warnings_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Sets a domain name's truststore warnings, as AWS would after reading its truststore."""
    from moto.apigateway.models import apigateway_backends

    if request.method != "POST":
        return 405, {"Allow": "POST"}, ""
    params = _request_json(request)
    valid = (
        isinstance(params, dict)
        and isinstance(params.get("domain_name"), str)
        and isinstance(params.get("warnings"), list)
        and all(isinstance(w, str) for w in params["warnings"])
        and isinstance(params.get("region", "us-east-1"), str)
    )
    if not valid:
        message = "expected {\"domain_name\": str, \"warnings\": [str], \"region\"?: str}"
        return 400, {}, json.dumps({"message": message})
    backend = apigateway_backends[MOTO_ACCOUNT][params.get("region", "us-east-1")]
    domain = backend.domain_names.get(params["domain_name"])
    mtls = getattr(domain, MTLS_ATTR, None) if domain is not None else None
    if mtls is None:
        return 404, {}, json.dumps({"message": "no such domain name with mutual TLS"})
    mtls["truststoreWarnings"] = list(params["warnings"])
    return 200, {"Content-Type": "application/json"}, json.dumps(domain.to_json())


# ---------------------------------------------------------------------------------------------
# Gap 16: REST TestInvokeMethod, with a log a test seeds.

TEST_INVOKE_PATH = "/moto-api/apigw-doctor/test-invoke"
# (region, rest api id, resource id, HTTP method) -> what a test invocation answers.
_test_invoke_seeds: dict[tuple[str, str, str, str], dict[str, Any]] = {}
# Every TestInvokeMethod received, oldest first.
_test_invoke_calls: list[dict[str, Any]] = []
_test_invoke_lock = threading.Lock()


def _valid_test_invoke_seed(params: Any) -> dict[str, Any] | None:
    """The seed in a test-invoke request body, with defaults; None when it is malformed."""
    if not isinstance(params, dict):
        return None
    names = ("rest_api_id", "resource_id", "http_method", "region")
    if not all(isinstance(params.get(n, "us-east-1"), str) for n in names):
        return None
    if not all(params.get(n) for n in names[:3]):
        return None
    status, latency = params.get("status", 200), params.get("latency", 0)
    lines, body = params.get("lines", []), params.get("body", "")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    if isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= MAX_DELAY_MS:
        return None
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        return None
    if not isinstance(body, str):
        return None
    return {"status": status, "latency": latency, "lines": list(lines), "body": body}


def _test_invoke_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Seeds what a method's test invocation answers (POST), or lists the calls received (GET)."""
    from moto.apigateway.models import apigateway_backends

    if request.method == "GET":
        with _test_invoke_lock:
            body = json.dumps({"calls": list(_test_invoke_calls)})
        return 200, {"Content-Type": "application/json"}, body
    if request.method != "POST":
        return 405, {"Allow": "GET, POST"}, ""
    params = _request_json(request)
    seed = _valid_test_invoke_seed(params)
    if seed is None:
        message = ("expected {\"rest_api_id\", \"resource_id\", \"http_method\", \"status\"?: 100..599, "
                   "\"lines\"?: [str], \"body\"?: str, \"latency\"?: ms, \"region\"?: str}")
        return 400, {}, json.dumps({"message": message})
    region = params.get("region", "us-east-1")
    backend = apigateway_backends[MOTO_ACCOUNT][region]
    api = backend.apis.get(params["rest_api_id"])
    resource = api.resources.get(params["resource_id"]) if api is not None else None
    if resource is None or params["http_method"] not in resource.resource_methods:
        return 404, {}, json.dumps({"message": "no such REST API method"})
    key = (region, params["rest_api_id"], params["resource_id"], params["http_method"])
    with _test_invoke_lock:
        _test_invoke_seeds[key] = seed
    return 200, {"Content-Type": "application/json"}, json.dumps(seed)


def _test_invoke_log(request_id: str, method: str, path_with_query: str, headers: dict[str, str],
                     body: str, lines: list[str], status: int, now: datetime.datetime) -> str:
    """An execution log in the layout API Gateway writes for a test invocation."""
    stamp = now.strftime("%a %b %d %H:%M:%S UTC %Y")
    path, _, query = path_with_query.partition("?")
    query_map = ", ".join(f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True))
    header_map = ", ".join(f"{k}={v}" for k, v in headers.items())
    messages = [
        f"Starting execution for request: {request_id}",
        f"HTTP Method: {method}, Resource Path: {path or '/'}",
        "Method request path: {}",
        f"Method request query string: {{{query_map}}}",
        f"Method request headers: {{{header_map}}}",
        f"Method request body before transformations: {body}",
        *lines,
        f"Method completed with status: {status}",
    ]
    return "\n".join([f"Execution log for request {request_id}", *(f"{stamp} : {m}" for m in messages)])


# Gaps 18-20: VPC link status, target health and endpoint connections a test sets.

VPC_LINK_STATUS_PATH = "/moto-api/apigw-doctor/vpc-link-status"
TARGET_HEALTH_PATH = "/moto-api/apigw-doctor/target-health"
ENDPOINT_CONNECTIONS_PATH = "/moto-api/apigw-doctor/endpoint-connections"
# Attributes this extension keeps on moto's objects.
LINK_STATUS_ATTR = "doctor_status"
# Region -> the status links created from now on report (gap 18), when a test asked for one.
NEW_LINK_STATUS: dict[str, str | None] = {}
TARGET_HEALTH_ATTR = "doctor_health"
TARGET_ZONE_ATTR = "doctor_zone"
ENDPOINT_CONNECTIONS_ATTR = "doctor_endpoint_connections"


def _json_body(request: Any, required: dict[str, type], optional: dict[str, type]) -> dict[str, Any] | None:
    """The request's JSON object when it has the required keys and types, else None."""
    params = _request_json(request)
    if not isinstance(params, dict):
        return None
    for key, kind in required.items():
        if not isinstance(params.get(key), kind):
            return None
    for key, kind in optional.items():
        if key in params and not isinstance(params[key], kind):
            return None
    return params


def _vpc_link_status_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Sets a v1 or v2 VPC link's status, as AWS reports it when the link is not AVAILABLE."""
    from moto.apigateway.models import apigateway_backends
    from moto.apigatewayv2.models import apigatewayv2_backends

    if request.method != "POST":
        return 405, {"Allow": "POST"}, ""
    new_links = _json_body(request, {}, {"region": str})
    if new_links is not None and "new_links" in new_links and "vpc_link_id" not in new_links:
        status = new_links["new_links"]
        if status is not None and not isinstance(status, str):
            return 400, {}, json.dumps({"message": 'expected {"new_links": str | null}'})
        NEW_LINK_STATUS[new_links.get("region", "us-east-1")] = status
        return 200, {"Content-Type": "application/json"}, json.dumps({"new_links": status})
    params = _json_body(request, {"vpc_link_id": str, "status": str}, {"message": str, "region": str})
    if params is None:
        return 400, {}, json.dumps({"message": 'expected {"vpc_link_id": str, "status": str, "message"?: str, "region"?: str}'})
    region = params.get("region", "us-east-1")
    status = {"status": params["status"], "message": params.get("message")}
    for backend in (apigateway_backends[MOTO_ACCOUNT][region], apigatewayv2_backends[MOTO_ACCOUNT][region]):
        link = backend.vpc_links.get(params["vpc_link_id"])
        if link is not None:
            setattr(link, LINK_STATUS_ATTR, status)
            return 200, {"Content-Type": "application/json"}, json.dumps(link.to_json())
    return 404, {}, json.dumps({"message": "no such VPC link"})


def _target_health_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Sets what DescribeTargetHealth reports for one target of a target group."""
    from moto.elbv2.models import elbv2_backends

    if request.method != "POST":
        return 405, {"Allow": "POST"}, ""
    params = _json_body(
        request,
        {"target_group_arn": str, "target_id": str, "state": str},
        {"reason": str, "description": str, "availability_zone": str, "region": str},
    )
    if params is None:
        return 400, {}, json.dumps({"message": 'expected {"target_group_arn", "target_id", "state": str, ...}'})
    backend = elbv2_backends[MOTO_ACCOUNT][params.get("region", "us-east-1")]
    group = backend.target_groups.get(params["target_group_arn"])
    if group is None:
        return 404, {}, json.dumps({"message": "no such target group"})
    health = getattr(group, TARGET_HEALTH_ATTR, None)
    if health is None:
        health = {}
        setattr(group, TARGET_HEALTH_ATTR, health)
    health[params["target_id"]] = {
        key: params.get(key) for key in ("state", "reason", "description", "availability_zone")
    }
    return 200, {"Content-Type": "application/json"}, json.dumps(health[params["target_id"]])


def _endpoint_connections_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Files an endpoint connection to one of the account's endpoint services."""
    from moto.ec2.models import ec2_backends

    if request.method != "POST":
        return 405, {"Allow": "POST"}, ""
    params = _json_body(
        request, {"service_id": str, "vpc_endpoint_id": str, "state": str}, {"owner": str, "region": str}
    )
    if params is None:
        return 400, {}, json.dumps({"message": 'expected {"service_id", "vpc_endpoint_id", "state": str, ...}'})
    backend = ec2_backends[MOTO_ACCOUNT][params.get("region", "us-east-1")]
    service = backend.configurations.get(params["service_id"])
    if service is None:
        return 404, {}, json.dumps({"message": "no such endpoint service"})
    connections = getattr(backend, ENDPOINT_CONNECTIONS_ATTR, None)
    if connections is None:
        connections = {}
        setattr(backend, ENDPOINT_CONNECTIONS_ATTR, connections)
    connection = {
        "ServiceId": params["service_id"],
        "VpcEndpointId": params["vpc_endpoint_id"],
        "VpcEndpointOwner": params.get("owner", "392220576650"),
        "VpcEndpointState": params["state"],
        "NetworkLoadBalancerArns": list(service.network_load_balancer_arns or []),
    }
    connections[(params["service_id"], params["vpc_endpoint_id"])] = connection
    return 201, {"Content-Type": "application/json"}, json.dumps(connection)
# ---------------------------------------------------------------------------------------------
# Gap 30: opt-in API Gateway control-plane throttle, with counters.

THROTTLE_PATH = "/moto-api/apigw-doctor/throttle"
THROTTLED_SERVICES = ("apigateway", "apigatewayv2")
MAX_THROTTLE_RATE = 10_000
MAX_THROTTLE_BURST = 100_000


@dataclasses.dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclasses.dataclass
class _Throttle:
    rate: float = 0.0
    burst: int = 0
    buckets: dict[str, _Bucket] = dataclasses.field(default_factory=dict)
    requests: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    throttled: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)


_throttle = _Throttle()
_throttle_lock = threading.Lock()


def _throttle_wait(response: Any) -> int | None:
    """None when the request `response` (a moto BaseResponse) handles may go on; otherwise the
    whole seconds until its account's bucket holds a token again."""
    with _throttle_lock:
        if not _throttle.rate:
            return None
    if getattr(response, "service_name", None) not in THROTTLED_SERVICES:
        return None
    try:
        operation = f"{response.service_name}:{response._get_action()}"
    except Exception:  # noqa: BLE001 - a request moto cannot name is counted under its service
        operation = f"{response.service_name}:?"
    account = getattr(response, "current_account", "")
    now = time.monotonic()
    with _throttle_lock:
        if not _throttle.rate:
            return None
        bucket = _throttle.buckets.setdefault(account, _Bucket(float(_throttle.burst), now))
        bucket.tokens = min(float(_throttle.burst), bucket.tokens + (now - bucket.stamp) * _throttle.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            _throttle.requests[operation] += 1
            return None
        _throttle.throttled[operation] += 1
        return max(1, math.ceil((1 - bucket.tokens) / _throttle.rate))


def _too_many_requests(retry_after: int) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException",
               "Retry-After": str(retry_after)}
    return 429, headers, json.dumps({"message": "Too Many Requests"})


def _valid_throttle(params: Any) -> tuple[float, int] | None:
    """(rate, burst) from a throttle request body ((0, 0) turns it off), or None if malformed."""
    if not isinstance(params, dict):
        return None
    rate, burst = params.get("rate"), params.get("burst", 0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= MAX_THROTTLE_RATE:
        return None
    if not rate:
        return 0.0, 0
    if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= MAX_THROTTLE_BURST:
        return None
    return float(rate), burst


def _throttle_route(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """Sets the throttle and zeroes the counters (POST), or reports both (GET)."""
    if request.method == "POST":
        params = _request_json(request)
        valid = _valid_throttle(params)
        if valid is None:
            message = (f"expected {{\"rate\": 0..{MAX_THROTTLE_RATE}, \"burst\": 1..{MAX_THROTTLE_BURST}}}"
                       " (no burst with rate 0)")
            return 400, {}, json.dumps({"message": message})
        with _throttle_lock:
            _throttle.rate, _throttle.burst = valid
            _throttle.buckets.clear()
            _throttle.requests.clear()
            _throttle.throttled.clear()
    elif request.method != "GET":
        return 405, {"Allow": "GET, POST"}, ""
    with _throttle_lock:
        rate = int(_throttle.rate) if _throttle.rate == int(_throttle.rate) else _throttle.rate
        body = json.dumps({"rate": rate, "burst": _throttle.burst, "requests": dict(_throttle.requests),
                           "throttled": dict(_throttle.throttled)}, sort_keys=True)
    return 200, {"Content-Type": "application/json"}, body



# ---------------------------------------------------------------------------------------------
# Gap 31: Lambda Invoke runs a local custom runtime.

LOCAL_BOOTSTRAP_VAR = "MOTO_EXT_LOCAL_BOOTSTRAP"
# Seconds past the function's Timeout before an invocation without an answer is timed out.
TIMEOUT_GRACE_SECONDS = 3
LOG_TAIL_BYTES = 4096
RUNTIME_API_SCRIPT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, "lambda", "runtime_api.py"
)
# tests/lambda/runtime_api.py, loaded by install().
_runtime_api: Any = None


def _load_runtime_api() -> Any:
    """tests/lambda/runtime_api.py as a module: the Runtime API each local invocation gets."""
    spec = importlib.util.spec_from_file_location("apigw_doctor_runtime_api", RUNTIME_API_SCRIPT)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(RUNTIME_API_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # before it runs: its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def _lambda_error(error_type: str, message: str) -> bytes:
    """The payload Lambda answers for an invocation the runtime did not answer itself."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _forward_output(stream: Any, function_name: str) -> tuple[threading.Thread, bytearray]:
    """Copies a function's output to the server's stderr line by line, keeping the last 4 KB."""
    tail = bytearray()

    def copy_lines() -> None:
        for line in iter(stream.readline, b""):
            sys.stderr.write(f"[lambda {function_name}] {line.decode(errors='replace').rstrip()}\n")
            sys.stderr.flush()
            tail.extend(line)
            del tail[:-LOG_TAIL_BYTES]
        stream.close()

    thread = threading.Thread(target=copy_lines, daemon=True)
    thread.start()
    return thread, tail


def _await_answer(
    api: Any, process: subprocess.Popen[bytes], request_id: str, timeout: float
) -> tuple[bytes, str | None]:
    """The invocation's payload and FunctionError (None, or "Unhandled"), as Lambda answers it."""
    give_up = time.monotonic() + timeout + TIMEOUT_GRACE_SECONDS
    exited_at = None
    while True:
        try:
            answer = api.answers.get(timeout=0.1)
        except queue.Empty:
            now = time.monotonic()
            if process.poll() is not None:
                exited_at = exited_at or now  # a POST sent just before exiting may still land
                if now - exited_at > 0.5:
                    code = process.returncode
                    status = f"exit status {code}" if code >= 0 else f"signal {-code}"
                    message = f"RequestId: {request_id} Error: Runtime exited with error: {status}"
                    return _lambda_error("Runtime.ExitError", message), "Unhandled"
            if now > give_up:
                message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
                return _lambda_error("Sandbox.Timedout", message), "Unhandled"
            continue
        ours = answer.request_id == request_id and answer.kind in ("response", "error")
        if ours or answer.kind == "init_error":
            return answer.body, None if answer.kind == "response" else "Unhandled"


def invoke_local(fn: Any, event: bytes, bootstrap: str) -> tuple[bytes, str | None, bytes]:
    """Runs one invocation of moto's LambdaFunction `fn` with a local bootstrap on a Runtime API
    of its own: (payload, FunctionError or None, the last 4 KB of its output)."""
    api = _runtime_api.RuntimeApi(function_arn=fn.function_arn)
    request_id = str(uuid.uuid4())
    timeout = float(fn.timeout)
    api.offer(request_id, event, int(timeout * 1000))
    env = {k: str(v) for k, v in fn.environment_vars.items() if k != LOCAL_BOOTSTRAP_VAR}
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}",
        "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "PATH": os.environ.get("PATH", os.defpath),
    })
    try:
        if not os.path.isabs(bootstrap) or not os.access(bootstrap, os.X_OK):
            raise OSError(f"{LOCAL_BOOTSTRAP_VAR} is not the absolute path of an executable: {bootstrap}")
        # Its own directory, as /var/task is on Lambda; its own group, so all of it can be killed.
        process = subprocess.Popen([bootstrap], env=env, cwd=os.path.dirname(bootstrap),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as err:
        api.close()
        message = f"RequestId: {request_id} Error: {err}"
        return _lambda_error("Runtime.InvalidEntrypoint", message), "Unhandled", b""
    reader, tail = _forward_output(process.stdout, fn.function_name)
    try:
        payload, error = _await_answer(api, process, request_id, timeout)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the bootstrap and any child it started
        except OSError:
            pass  # all gone already
        process.wait()
        api.close()
        reader.join(timeout=2)
    return payload, error, bytes(tail)


# ---------------------------------------------------------------------------------------------
# Gap 32: Step Functions executions run.


def serving_on(port: int) -> None:
    """Tells moto's own clients (the Step Functions interpreter's) the port this server serves."""
    os.environ["MOTO_PORT"] = str(port)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise MotoExtensionOutdated(f"module {name} cannot be imported ({err})") from err


def _wrap(owner: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = _require(owner, name)
    setattr(owner, name, make(original))


def install() -> None:
    """Patches moto in-process; call before the server handles its first request."""
    global _installed, _default_account_json, _runtime_api
    import moto

    if moto.__version__ != PINNED_MOTO:
        raise MotoExtensionOutdated(f"moto {moto.__version__} is installed")
    if _installed:
        # The guards below would now see this extension's own additions (the "absent" ones).
        return

    rest_models = _module("moto.apigateway.models")
    rest_responses = _module("moto.apigateway.responses")
    rest_urls = _module("moto.apigateway.urls")
    v2_exceptions = _module("moto.apigatewayv2.exceptions")
    v2_models = _module("moto.apigatewayv2.models")
    v2_responses = _module("moto.apigatewayv2.responses")
    v2_urls = _module("moto.apigatewayv2.urls")
    core_backend = _module("moto.core.base_backend")
    core_exceptions = _module("moto.core.exceptions")
    trail_models = _module("moto.cloudtrail.models")
    trail_responses = _module("moto.cloudtrail.responses")
    ddb_table = _module("moto.dynamodb.models.table")
    ec2_vpcs = _module("moto.ec2.models.vpcs")
    ec2_acls = _module("moto.ec2.models.network_acls")
    ec2_vpc_responses = _module("moto.ec2.responses.vpcs")
    moto_api_urls = _module("moto.moto_api._internal.urls")
    werkzeug_app = _module("moto.moto_server.werkzeug_app")
    mgmt_models = _module("moto.apigatewaymanagementapi.models")
    mgmt_responses = _module("moto.apigatewaymanagementapi.responses")
    mgmt_urls = _module("moto.apigatewaymanagementapi.urls")
    _module("moto.dynamodb.models")
    _module("moto.ec2.models")

    # Check everything first, so a half-applied patch never happens.
    RestAPI = _require(rest_models, "RestAPI")
    Deployment = _require(rest_models, "Deployment")
    _require(rest_models, "apigateway_backends")
    for name in ("create_deployment", "get_deployment", "to_dict"):
        _require(RestAPI, name)
    _require(Deployment, "to_json")
    _require(_require(rest_models, "Resource"), "get_path")
    _require(rest_models.Resource, "to_dict")
    _require(_require(rest_models, "Stage"), "to_json")
    Account = _require(rest_models, "Account")
    _require(Account, "to_json")
    DeploymentNotFoundException = _require(rest_models, "DeploymentNotFoundException")
    RestResponse = _require(rest_responses, "APIGatewayResponse")
    _require(RestResponse, "get_deployment")
    _require(RestResponse, "backend")
    _require(RestResponse, "create_domain_name")
    _require(RestResponse, "test_invoke_method", absent=True)
    _require(_require(rest_models, "APIGatewayBackend"), "get_method")
    _require(rest_models.Resource, "get_path")
    RestDomainName = _require(rest_models, "DomainName")
    _require(RestDomainName, "to_json")
    _require(_require(rest_models, "APIGatewayBackend"), "get_domain_name")

    V2Stage = _require(v2_models, "Stage")
    V2Api = _require(v2_models, "Api")
    _require(v2_models, "apigatewayv2_backends")
    _require(V2Stage, "__init__")
    _require(V2Stage, "to_json")
    _require(V2Api, "get_stage")
    _require(V2Api, "update_integration")
    _require(_require(v2_models, "Integration"), "to_json")
    _require(V2Api, "to_json")
    V2Backend = _require(v2_models, "ApiGatewayV2Backend")
    for name in ("get_api", "tag_resource", "untag_resource", *V2_CHANGES):
        _require(V2Backend, name)
    V2Error = _require(v2_exceptions, "APIGatewayV2Error")
    _require(v2_exceptions, "StageNotFound")
    V2Response = _require(v2_responses, "ApiGatewayV2Response")
    _require(V2Response, "apigatewayv2_backend")
    for name in (
        "create_deployment",
        "get_deployment",
        "get_deployments",
        "update_stage",
        "get_authorizers",
    ):
        _require(V2Response, name, absent=True)
    _require(V2Response, "get_authorizer")
    _require(_require(v2_models, "Authorizer"), "to_json")
    v2_url_paths: dict[str, Any] = _require(v2_urls, "url_paths")
    rest_url_paths: dict[str, Any] = _require(rest_urls, "url_paths")
    stages_path = "{0}/v2/apis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)$"
    if stages_path not in v2_url_paths or stages_path not in rest_url_paths:
        raise MotoExtensionOutdated(f"url map entry {stages_path!r} is missing")
    authorizers_path = "{0}/v2/apis/(?P<api_id>[^/]+)/authorizers$"
    if authorizers_path not in v2_url_paths or authorizers_path not in rest_url_paths:
        raise MotoExtensionOutdated(f"url map entry {authorizers_path!r} is missing")

    VpcResponses = _require(ec2_vpc_responses, "VPCs")
    _require(VpcResponses, "modify_vpc_endpoint")
    _require(_require(ec2_vpcs, "VPCBackend"), "describe_vpc_endpoints")
    _require(_require(ec2_vpcs, "VPCEndPoint"), "get_tags")
    AclBackend = _require(ec2_acls, "NetworkAclBackend")
    _require(AclBackend, "create_network_acl")
    _require(AclBackend, "create_network_acl_entry")
    _require(_require(ddb_table, "Table"), "all_items")
    _require(_require(core_backend, "BackendDict"), "iter_backends")
    moto_api_paths: dict[str, Any] = _require(moto_api_urls, "url_paths")

    RestBackend = _require(rest_models, "APIGatewayBackend")
    _require(RestBackend, "update_rest_api")
    _require(RestResponse, "update_rest_api")
    _require(trail_models, "cloudtrail_backends")
    TrailBackend = _require(trail_models, "CloudTrailBackend")
    _require(TrailBackend, "lookup_events", absent=True)
    # The events live in an instance attribute; make sure moto's own __init__ does not use it.
    probe = TrailBackend.__new__(TrailBackend)
    probe.__init__("us-east-1", "000000000000")
    _require(probe, CLOUDTRAIL_EVENTS_ATTR, absent=True)
    TrailResponse = _require(trail_responses, "CloudTrailResponse")
    _require(TrailResponse, "cloudtrail_backend")
    _require(TrailResponse, "lookup_events", absent=True)
    JsonRESTError = _require(core_exceptions, "JsonRESTError")

    Dispatcher = _require(werkzeug_app, "DomainDispatcherApplication")
    _require(Dispatcher, "infer_service_region_host")
    _require(mgmt_models, "Connection")
    _require(mgmt_models, "apigatewaymanagementapi_backends")
    MgmtBackend = _require(mgmt_models, "ApiGatewayManagementApiBackend")
    _require(MgmtBackend, "get_connection")
    # The gap itself: unknown ids spring into existence.
    probe_backend = MgmtBackend.__new__(MgmtBackend)
    probe_backend.__init__("us-east-1", "000000000000")
    if not isinstance(getattr(probe_backend, "connections", None), collections.defaultdict):
        raise MotoExtensionOutdated(
            "ApiGatewayManagementApiBackend.connections is no longer a defaultdict; check whether moto answers 410 itself"
        )
    MgmtResponse = _require(mgmt_responses, "ApiGatewayManagementApiResponse")
    _require(MgmtResponse, "get_connection")
    _require(MgmtResponse, "apigatewaymanagementapi_backend")
    _require(MgmtResponse, "connect_to_apigateway")
    mgmt_url_paths: dict[str, Any] = _require(mgmt_urls, "url_paths")
    if STAGE_CONNECTIONS_URL not in mgmt_url_paths:
        raise MotoExtensionOutdated(f"url map entry {STAGE_CONNECTIONS_URL!r} is missing")
    core_responses = _module("moto.core.responses")
    BaseResponse = _require(core_responses, "BaseResponse")
    _require(BaseResponse, "call_action")
    _require(BaseResponse, "_get_action")

    RestIntegration = _require(rest_models, "Integration")
    _require(RestIntegration, "to_json")
    _require(RestResponse, "put_integration")
    _require(_require(rest_models, "APIGatewayBackend"), "get_integration")
    _require(rest_models.APIGatewayBackend, "create_vpc_link")
    _require(RestResponse, "update_integration", absent=True)
    _require(v2_models.ApiGatewayV2Backend, "create_vpc_link")
    RestVpcLink = _require(rest_models, "VpcLink")
    _require(RestVpcLink, "to_json")
    V2VpcLink = _require(v2_models, "VpcLink")
    _require(V2VpcLink, "to_json")
    elbv2_models = _module("moto.elbv2.models")
    _require(elbv2_models, "elbv2_backends")
    ElbTargetGroup = _require(elbv2_models, "FakeTargetGroup")
    _require(ElbTargetGroup, "health_for")
    ElbHealth = _require(elbv2_models, "FakeHealthStatus")
    _require(ElbHealth, "target")
    ec2_service_responses = _module("moto.ec2.responses.vpc_service_configuration")
    ServiceConfigResponse = _require(ec2_service_responses, "VPCEndpointServiceConfiguration")
    _require(ServiceConfigResponse, "describe_vpc_endpoint_connections", absent=True)
    _require(_module("moto.ec2.models.vpc_service_configuration"), "VPCServiceConfigurationBackend")
    ActionResult = _require(core_responses, "ActionResult")
    ElbListener = _require(elbv2_models, "FakeListener")
    _require(ElbListener, "Certificates", absent=True)

    LambdaFunction = _require(_module("moto.awslambda.models"), "LambdaFunction")
    _require(LambdaFunction, "_invoke_lambda")  # the Docker run gap 31 stands in for
    if list(inspect.signature(_require(LambdaFunction, "invoke")).parameters) != [
        "self", "body", "request_headers", "response_headers"
    ]:
        raise MotoExtensionOutdated("LambdaFunction.invoke's parameters changed")
    user_config = _require(_module("moto.core.config"), "default_user_config")
    sfn_config = user_config.get("stepfunctions")
    if not isinstance(sfn_config, dict) or sfn_config.get("execute_state_machine") is not False:
        raise MotoExtensionOutdated("moto's stepfunctions.execute_state_machine is no longer off by default")
    _require(_module("moto.stepfunctions.responses"), "get_backend")
    SfnParserBackend = _require(_module("moto.stepfunctions.parser.models"), "StepFunctionsParserBackend")
    if list(inspect.signature(_require(SfnParserBackend, "start_execution")).parameters)[:4] != [
        "self", "state_machine_arn", "name", "execution_input"
    ]:
        raise MotoExtensionOutdated("StepFunctionsParserBackend.start_execution's parameters changed")
    # The interpreter reaches this server at localhost:MOTO_PORT (serving_on sets it).
    _require(_module("moto.stepfunctions.parser.asl.utils.boto_client"), "moto_server_port")
    from moto.moto_api._internal import mock_random
    runtime_api = _load_runtime_api()

    # Built without calling the class, whose metaclass would track it in /moto-api/data.json.
    pristine = Account.__new__(Account)
    pristine.__init__()
    _default_account_json = pristine.to_json()

    # Gap 1 -------------------------------------------------------------------------------
    def wrap_create_deployment(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_deployment(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            # Gap 6: moto replaces an existing stage (losing its settings and tags); AWS only
            # points it at the new deployment.
            existing = self.stages.get(name) if name else None
            deployment = original(self, name, *args, **kwargs)
            setattr(deployment, API_SUMMARY_ATTR, _api_summary(self))
            if existing is not None:
                existing.deployment_id = deployment.id
                self.stages[name] = existing
            return deployment

        return create_deployment

    class RestDeploymentNotFound(DeploymentNotFoundException):  # type: ignore[misc, valid-type]
        # moto's REST NotFoundExceptions answer 400; AWS answers 404.
        code = 404

    def wrap_get_deployment(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_deployment(self: Any, deployment_id: str) -> Any:
            if deployment_id not in self.deployments:
                raise RestDeploymentNotFound()
            return original(self, deployment_id)

        return get_deployment

    def rest_get_deployment_response(self: Any) -> str:
        parts = self.path.split("/")
        deployment = self.backend.get_deployment(parts[2], parts[4])
        return json.dumps(_rest_deployment_json(deployment, _wants_api_summary(self.querystring)))

    _wrap(RestAPI, "create_deployment", wrap_create_deployment)
    _wrap(RestAPI, "get_deployment", wrap_get_deployment)
    RestResponse.get_deployment = rest_get_deployment_response

    # Gap 2 -------------------------------------------------------------------------------
    class DeploymentNotFound(V2Error):  # type: ignore[misc, valid-type]
        code = 404

        def __init__(self, deployment_id: str) -> None:
            super().__init__(
                "NotFoundException", f"Invalid Deployment identifier specified {deployment_id}"
            )

    def wrap_stage_init(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, api: Any, config: dict[str, Any]) -> None:
            original(self, api, config)
            self.deployment_id = config.get("deploymentId")

        return __init__

    def wrap_stage_to_json(original: Callable[..., Any]) -> Callable[..., Any]:
        def to_json(self: Any) -> dict[str, Any]:
            body: dict[str, Any] = original(self)
            if getattr(self, "deployment_id", None):
                body["deploymentId"] = self.deployment_id
            return body

        return to_json

    def path_parts(self: Any) -> list[str]:
        return [unquote(part) for part in self.path.split("/")]

    def create_deployment(self: Any) -> tuple[int, dict[str, Any], str]:
        api = self.apigatewayv2_backend.get_api(path_parts(self)[3])
        params = json.loads(self.body or "{}")
        stage = api.get_stage(params["stageName"]) if params.get("stageName") else None
        deployment = V2Deployment(
            deployment_id=_new_v2_deployment_id(),
            description=params.get("description"),
            created=datetime.datetime.now(datetime.UTC),
        )
        _v2_deployments(api)[deployment.deployment_id] = deployment
        if stage is not None:
            stage.deployment_id = deployment.deployment_id
            stage.updated = datetime.datetime.now()
        return 201, {"status": 201}, json.dumps(deployment.to_json())

    def get_deployments(self: Any) -> tuple[int, dict[str, Any], str]:
        api = self.apigatewayv2_backend.get_api(path_parts(self)[3])
        items = [d.to_json() for d in _v2_deployments(api).values()]
        return 200, {}, json.dumps({"items": items})

    def get_deployment(self: Any) -> tuple[int, dict[str, Any], str]:
        parts = path_parts(self)
        api = self.apigatewayv2_backend.get_api(parts[3])
        deployment = _v2_deployments(api).get(parts[5])
        if deployment is None:
            raise DeploymentNotFound(parts[5])
        return 200, {}, json.dumps(deployment.to_json())

    # Gap 3 -------------------------------------------------------------------------------
    def update_stage(self: Any) -> tuple[int, dict[str, Any], str]:
        parts = path_parts(self)
        api = self.apigatewayv2_backend.get_api(parts[3])
        stage = api.get_stage(parts[5])
        params: dict[str, Any] = json.loads(self.body or "{}")
        deployment_id = params.get("deploymentId")
        if deployment_id is not None and deployment_id not in _v2_deployments(api):
            raise DeploymentNotFound(deployment_id)
        _merge_stage_update(stage, params)
        # Matches moto's own (local-time) stamping of v2 stages.
        stage.updated = datetime.datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    # Gap 7: v2 TagResource had no route for stage ARNs, and kept tags apart from the stage.
    def wrap_v2_tagging(original: Callable[..., Any]) -> Callable[..., Any]:
        def tagging(self: Any, resource_arn: str, tags: Any) -> None:
            original(self, resource_arn, tags)
            match = V2_STAGE_ARN.search(resource_arn)
            if match is None:
                return
            stage = self.get_api(match["api_id"]).get_stage(match["stage"])
            if isinstance(tags, dict):
                stage.tags = {**(stage.tags or {}), **tags}
            else:
                stage.tags = {k: v for k, v in (stage.tags or {}).items() if k not in tags}

        return tagging

    for url_map in (v2_url_paths, rest_url_paths):
        url_map["{0}/v2/tags/(?P<resource_arn_pt1>[^/]+)/apis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)$"] = V2Response.dispatch
    _wrap(V2Backend, "tag_resource", wrap_v2_tagging)
    _wrap(V2Backend, "untag_resource", wrap_v2_tagging)
    _wrap(V2Stage, "__init__", wrap_stage_init)
    _wrap(V2Stage, "to_json", wrap_stage_to_json)
    V2Response.create_deployment = create_deployment
    V2Response.get_deployments = get_deployments
    V2Response.get_deployment = get_deployment
    V2Response.update_stage = update_stage
    # The apigateway url map copied the v2 one at import, and v2 calls (signed "apigateway")
    # are served by the apigateway app, so both maps need the new paths.
    dispatch = V2Response.dispatch
    for url_map in (v2_url_paths, rest_url_paths):
        url_map["{0}/v2/apis/(?P<api_id>[^/]+)/deployments$"] = dispatch
        url_map["{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$"] = dispatch

    # Gap 13 ------------------------------------------------------------------------------
    def wrap_v2_change(event_name: str, id_member: str) -> Callable[..., Any]:
        def make(original: Callable[..., Any]) -> Callable[..., Any]:
            def changed(self: Any, *args: Any, **kwargs: Any) -> Any:
                result = original(self, *args, **kwargs)
                api_id = kwargs.get("api_id", args[0] if args else None)
                snake = "route_id" if id_member == "routeId" else "integration_id"
                ident = kwargs.get(snake) or getattr(result, snake, None) or getattr(result, "id", None)
                record_management_event(
                    self.account_id,
                    self.region_name,
                    event_name=event_name,
                    event_source="apigateway.amazonaws.com",
                    resources=[],
                    request_parameters={"apiId": api_id, id_member: ident},
                )
                return result

            return changed

        return make

    for method, (event_name, id_member) in V2_CHANGES.items():
        _wrap(V2Backend, method, wrap_v2_change(event_name, id_member))

    # Gap 12 ------------------------------------------------------------------------------
    def get_authorizers(self: Any) -> tuple[int, dict[str, Any], str]:
        api = self.apigatewayv2_backend.get_api(path_parts(self)[3])
        items = [authorizer.to_json() for authorizer in api.authorizers.values()]
        return 200, {}, json.dumps({"items": items})

    V2Response.get_authorizers = get_authorizers

    # Gap 11 ------------------------------------------------------------------------------
    def wrap_update_integration(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_integration(self: Any, *args: Any, **kwargs: Any) -> Any:
            integration = original(self, *args, **kwargs)
            for stage in self.stages.values():
                if stage.auto_deploy:
                    deployment = V2Deployment(
                        deployment_id=_new_v2_deployment_id(),
                        description=None,
                        created=datetime.datetime.now(datetime.UTC),
                        auto_deployed=True,
                    )
                    _v2_deployments(self)[deployment.deployment_id] = deployment
                    stage.deployment_id = deployment.deployment_id
                    stage.updated = datetime.datetime.now()
            return integration

        return update_integration

    _wrap(V2Api, "update_integration", wrap_update_integration)

    # Gap 4 -------------------------------------------------------------------------------
    def wrap_modify_vpc_endpoint(original: Callable[..., Any]) -> Callable[..., Any]:
        def modify_vpc_endpoint(self: Any) -> Any:
            result = original(self)
            enabled = self._get_bool_param("PrivateDnsEnabled")
            if enabled is not None:
                endpoint_id = self._get_param("VpcEndpointId")
                for endpoint in self.ec2_backend.describe_vpc_endpoints([endpoint_id]):
                    endpoint.private_dns_enabled = enabled
            return result

        return modify_vpc_endpoint

    _wrap(VpcResponses, "modify_vpc_endpoint", wrap_modify_vpc_endpoint)

    # Gap 9 -------------------------------------------------------------------------------
    def wrap_create_network_acl(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_network_acl(self: Any, vpc_id: str, tags: Any = None, default: bool = False) -> Any:
            network_acl = original(self, vpc_id, tags=tags, default=default)
            if not default:
                for egress in (False, True):
                    self.create_network_acl_entry(
                        network_acl_id=network_acl.id,
                        rule_number=32767,
                        protocol="-1",
                        rule_action="deny",
                        egress=egress,
                        cidr_block="0.0.0.0/0",
                        icmp_code=None,
                        icmp_type=None,
                        port_range_from=None,
                        port_range_to=None,
                        ipv6_cidr_block=None,
                    )
            return network_acl

        return create_network_acl

    _wrap(AclBackend, "create_network_acl", wrap_create_network_acl)

    # Gap 5 -------------------------------------------------------------------------------
    moto_api_paths["{0}" + STATE_PATH] = _state_route

    # Gap 8 -------------------------------------------------------------------------------
    def wrap_update_rest_api(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_rest_api(
            self: Any, function_id: str, patch_operations: list[dict[str, Any]]
        ) -> Any:
            sent = copy.deepcopy(patch_operations)
            rest_api = original(self, function_id, patch_operations)
            # Only after success: AWS also logs failed calls (with errorCode); not modelled.
            record_management_event(
                self.account_id,
                self.region_name,
                event_name="UpdateRestApi",
                event_source="apigateway.amazonaws.com",
                resources=[("AWS::ApiGateway::RestApi", function_id)],
                request_parameters={
                    "restApiId": function_id,
                    "updateRestApiInput": {"patchOperations": sent},
                    "template": False,
                },
            )
            return rest_api

        return update_rest_api

    class CloudTrailLookupError(JsonRESTError):  # type: ignore[misc, valid-type]
        code = 400

    def trail_lookup_events(self: Any) -> tuple[int, dict[str, str], str]:
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise CloudTrailLookupError("SerializationException", "The body is not a JSON object.")
        events = list(_cloudtrail_events(self.cloudtrail_backend))
        try:
            body = json.dumps(lookup_events(events, params))
        except LookupRejected as err:
            raise CloudTrailLookupError(err.error_type, err.message) from err
        # Moto's own CloudTrail answers text/html; AWS sends the JSON 1.1 media type.
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, body

    _wrap(RestBackend, "update_rest_api", wrap_update_rest_api)
    TrailResponse.lookup_events = trail_lookup_events

    # Gap 10 ------------------------------------------------------------------------------
    class GoneException(JsonRESTError):  # type: ignore[misc, valid-type]
        code = 410

        def __init__(self, connection_id: str) -> None:
            super().__init__("GoneException", f"Connection {connection_id} is gone")

    def wrap_infer_service_region_host(original: Callable[..., Any]) -> Callable[..., Any]:
        def infer_service_region_host(self: Any, environ: dict[str, Any], path: str) -> Any:
            signed = _signed_for(environ)
            if signed and signed[1] == "execute-api" and "/@connections/" in environ.get("PATH_INFO", ""):
                return f"execute-api.{signed[0]}.amazonaws.com"
            return original(self, environ, path)

        return infer_service_region_host

    def mgmt_backend_init(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, region_name: str, account_id: str) -> None:
            original(self, region_name, account_id)
            self.connections = {}

        return __init__

    def mgmt_backend_get_connection(self: Any, connection_id: str) -> Any:
        connection = self.connections.get(connection_id)
        if connection is None:
            raise GoneException(connection_id)
        return connection

    def mgmt_get_connection(self: Any) -> str:
        match = CONNECTION_PATH.match(self.path)
        if match is None:
            raise GoneException(self.path)
        connection_id = unquote(match["connection_id"])
        connection = self.apigatewaymanagementapi_backend.get_connection(connection_id)
        stage = match["stage"]
        if stage is not None and unquote(stage) != getattr(connection, CONNECTION_STAGE_ATTR, None):
            raise GoneException(connection_id)
        return json.dumps(_connection_json(connection))

    _wrap(Dispatcher, "infer_service_region_host", wrap_infer_service_region_host)
    _wrap(MgmtBackend, "__init__", mgmt_backend_init)
    MgmtBackend.get_connection = mgmt_backend_get_connection
    MgmtResponse.get_connection = mgmt_get_connection
    mgmt_url_paths[ROUTABLE_STAGE_CONNECTIONS_URL] = MgmtResponse.connect_to_apigateway
    moto_api_paths["{0}" + WS_CONNECTIONS_PATH] = _seed_connection_route

    # Gap 14 and gap 33 ----------------------------------------------------------------------
    def wrap_call_action(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            started = time.monotonic()
            try:
                return original(self)
            finally:
                delay = _delay_ms(self)
                if delay:
                    time.sleep(delay / 1000)
                _record_request(self, started)

        return call_action

    _wrap(BaseResponse, "call_action", wrap_call_action)
    moto_api_paths["{0}" + DELAYS_PATH] = _delays_route
    moto_api_paths["{0}" + TIMELINE_PATH] = _timeline_route

    # Gap 15 ------------------------------------------------------------------------------
    def wrap_create_domain_name(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_domain_name(self: Any) -> Any:
            status, response_headers, body = original(self)
            mtls = _mtls_from_input(self._get_param("mutualTlsAuthentication"))
            if mtls is not None:
                domain = self.backend.get_domain_name(self._get_param("domainName"))
                setattr(domain, MTLS_ATTR, mtls)
                body = json.dumps(domain.to_json())
            return status, response_headers, body

        return create_domain_name

    def wrap_domain_to_json(original: Callable[..., Any]) -> Callable[..., Any]:
        def to_json(self: Any) -> dict[str, Any]:
            dct: dict[str, Any] = original(self)
            mtls = getattr(self, MTLS_ATTR, None)
            if mtls is not None:
                dct["mutualTlsAuthentication"] = copy.deepcopy(mtls)
            return dct

        return to_json

    _wrap(RestResponse, "create_domain_name", wrap_create_domain_name)
    _wrap(RestDomainName, "to_json", wrap_domain_to_json)
    moto_api_paths["{0}" + TRUSTSTORE_WARNINGS_PATH] = _truststore_warnings_route

    # Gap 16 ------------------------------------------------------------------------------
    def test_invoke_method(self: Any) -> tuple[int, dict[str, str], str]:
        parts = [unquote(part) for part in self.path.split("/")]
        api_id, resource_id, http_method = parts[2], parts[4], parts[6]
        # Moto's own 404s for an unknown API, resource or method.
        self.backend.get_method(api_id, resource_id, http_method)
        resource_path = self.backend.get_resource(api_id, resource_id).get_path()
        params = json.loads(self.body or "{}")
        path_with_query = params.get("pathWithQueryString") or resource_path
        sent_headers = params.get("headers") or {}
        with _test_invoke_lock:
            _test_invoke_calls.append({
                "restApiId": api_id,
                "resourceId": resource_id,
                "httpMethod": http_method,
                "pathWithQueryString": params.get("pathWithQueryString"),
                "stageVariables": params.get("stageVariables") or {},
                "headers": sent_headers,
                "region": self.region,
            })
            seed = _test_invoke_seeds.get((self.region, api_id, resource_id, http_method))
        seed = seed or {"status": 200, "latency": 0, "lines": [], "body": ""}
        log = _test_invoke_log(str(uuid.uuid4()), http_method, path_with_query, sent_headers,
                               params.get("body") or "", seed["lines"], seed["status"],
                               datetime.datetime.now(datetime.UTC))
        answer = {
            "status": seed["status"],
            "body": seed["body"],
            "headers": {"Content-Type": "application/json"},
            "multiValueHeaders": {"Content-Type": ["application/json"]},
            "log": log,
            "latency": seed["latency"],
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    RestResponse.test_invoke_method = test_invoke_method
    moto_api_paths["{0}" + TEST_INVOKE_PATH] = _test_invoke_route

    # Gap 17 ------------------------------------------------------------------------------
    def wrap_put_integration(original: Callable[..., Any]) -> Callable[..., Any]:
        def put_integration(self: Any) -> Any:
            result = original(self)
            parts = self.path.split("/")
            integration = self.backend.get_integration(parts[2], parts[4], parts[6])
            integration.connection_id = self._get_param("connectionId")
            integration.integration_target = self._get_param("integrationTarget")
            if isinstance(result, tuple):
                return result[0], result[1], json.dumps(integration.to_json())
            return json.dumps(integration.to_json())

        return put_integration

    def wrap_integration_to_json(original: Callable[..., Any]) -> Callable[..., Any]:
        def to_json(self: Any) -> dict[str, Any]:
            body: dict[str, Any] = original(self)
            for attr, member in (("connection_id", "connectionId"), ("integration_target", "integrationTarget")):
                if getattr(self, attr, None):
                    body[member] = getattr(self, attr)
            return body

        return to_json

    _wrap(RestResponse, "put_integration", wrap_put_integration)
    _wrap(RestIntegration, "to_json", wrap_integration_to_json)

    # Gap 21 ------------------------------------------------------------------------------
    class BadPatch(JsonRESTError):  # type: ignore[misc, valid-type]
        code = 400

        def __init__(self, message: str) -> None:
            super().__init__("BadRequestException", message)

    patchable = {"/connectionId": "connection_id", "/connectionType": "connection_type", "/uri": "uri",
                 "/integrationTarget": "integration_target", "/httpMethod": "http_method"}

    def rest_update_integration(self: Any) -> tuple[int, dict[str, Any], str]:
        parts = self.path.split("/")
        integration = self.backend.get_integration(parts[2], parts[4], parts[6])
        if integration is None:
            raise BadPatch("Invalid Integration identifier specified")
        operations = self._get_param("patchOperations") or []
        changes = []
        for operation in operations:
            op, path = operation.get("op"), operation.get("path")
            if path not in patchable or op not in ("replace", "add", "remove"):
                raise BadPatch(f"Invalid patch operation specified: {op} {path}")
            if op == "remove" and path not in ("/connectionId", "/integrationTarget"):
                raise BadPatch(f"Invalid patch operation specified: {op} {path}")
            changes.append((patchable[path], None if op == "remove" else operation.get("value")))
        for attr, value in changes:
            setattr(integration, attr, value)
        return 200, {}, json.dumps(integration.to_json())

    RestResponse.update_integration = rest_update_integration

    # Gap 18 ------------------------------------------------------------------------------
    def wrap_link_to_json(status_member: str, message_member: str) -> Callable[..., Any]:
        def make(original: Callable[..., Any]) -> Callable[..., Any]:
            def to_json(self: Any) -> dict[str, Any]:
                body: dict[str, Any] = original(self)
                status = getattr(self, LINK_STATUS_ATTR, None)
                if status is not None:
                    body[status_member] = status["status"]
                    if status["message"]:
                        body[message_member] = status["message"]
                return body

            return to_json

        return make

    def wrap_create_link(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_vpc_link(self: Any, *args: Any, **kwargs: Any) -> Any:
            link = original(self, *args, **kwargs)
            status = NEW_LINK_STATUS.get(self.region_name)
            if status:
                setattr(link, LINK_STATUS_ATTR, {"status": status, "message": None})
            return link

        return create_vpc_link

    _wrap(RestBackend, "create_vpc_link", wrap_create_link)
    _wrap(V2Backend, "create_vpc_link", wrap_create_link)
    _wrap(RestVpcLink, "to_json", wrap_link_to_json("status", "statusMessage"))
    _wrap(V2VpcLink, "to_json", wrap_link_to_json("vpcLinkStatus", "vpcLinkStatusMessage"))
    moto_api_paths["{0}" + VPC_LINK_STATUS_PATH] = _vpc_link_status_route

    # Gap 19 ------------------------------------------------------------------------------
    plain_target = ElbHealth.target

    def target_with_zone(self: Any) -> dict[str, Any]:
        body = dict(plain_target.fget(self))
        if getattr(self, TARGET_ZONE_ATTR, None):
            body["AvailabilityZone"] = getattr(self, TARGET_ZONE_ATTR)
        return body

    def wrap_health_for(original: Callable[..., Any]) -> Callable[..., Any]:
        def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
            status = original(self, target, ec2_backend)
            set_health = (getattr(self, TARGET_HEALTH_ATTR, None) or {}).get(target["Id"])
            if set_health is None:
                return status
            status.status = set_health["state"]
            status.reason = set_health["reason"]
            status.description = set_health["description"]
            setattr(status, TARGET_ZONE_ATTR, set_health["availability_zone"])
            return status

        return health_for

    ElbHealth.target = property(target_with_zone)
    _wrap(ElbTargetGroup, "health_for", wrap_health_for)
    moto_api_paths["{0}" + TARGET_HEALTH_PATH] = _target_health_route

    # Gap 22 ------------------------------------------------------------------------------
    def default_certificate_only(self: Any) -> list[str]:
        # The serializer picks `Certificates` before moto's own `certificates` list (ARNs, which
        # it writes as CertificateArn).
        return list(self.certificates[:1])

    ElbListener.Certificates = property(default_certificate_only)

    # Gap 20 ------------------------------------------------------------------------------
    def describe_vpc_endpoint_connections(self: Any) -> Any:
        connections = getattr(self.ec2_backend, ENDPOINT_CONNECTIONS_ATTR, None) or {}
        wanted = self._filters_from_querystring().get("service-id")
        listed = [
            copy.deepcopy(c) for c in connections.values()
            if not wanted or c["ServiceId"] in wanted
        ]
        return ActionResult({"VpcEndpointConnections": listed})

    ServiceConfigResponse.describe_vpc_endpoint_connections = describe_vpc_endpoint_connections
    moto_api_paths["{0}" + ENDPOINT_CONNECTIONS_PATH] = _endpoint_connections_route

    # Gap 30 ------------------------------------------------------------------------------
    def wrap_throttled_call_action(original: Callable[..., Any]) -> Callable[..., Any]:
        def call_action(self: Any) -> Any:
            wait = _throttle_wait(self)
            return original(self) if wait is None else _too_many_requests(wait)

        return call_action

    _wrap(BaseResponse, "call_action", wrap_throttled_call_action)
    moto_api_paths["{0}" + THROTTLE_PATH] = _throttle_route

    # Gap 31 ------------------------------------------------------------------------------
    def wrap_lambda_invoke(original: Callable[..., Any]) -> Callable[..., Any]:
        def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
            bootstrap = (self.environment_vars or {}).get(LOCAL_BOOTSTRAP_VAR)
            invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
            if not bootstrap or invocation_type != "RequestResponse":
                return original(self, body, request_headers, response_headers)
            event = body.encode() if isinstance(body, str) else bytes(body or b"")
            payload, error, log = invoke_local(self, event or b"{}", bootstrap)
            if error:
                response_headers["x-amz-function-error"] = error
            response_headers["x-amz-log-result"] = base64.b64encode(log).decode()
            return payload

        return invoke

    _runtime_api = runtime_api
    _wrap(LambdaFunction, "invoke", wrap_lambda_invoke)

    # Gap 32 ------------------------------------------------------------------------------
    def wrap_start_execution(original: Callable[..., Any]) -> Callable[..., Any]:
        def start_execution(
            self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any
        ) -> Any:
            name = name or str(mock_random.uuid4())
            return original(self, state_machine_arn, name, *args, **kwargs)

        return start_execution

    sfn_config["execute_state_machine"] = True
    _wrap(SfnParserBackend, "start_execution", wrap_start_execution)

    _installed = True
