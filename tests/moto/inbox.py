"""A place to see what apigw-doctor sends on, in a moto server: an SNS topic and an EventBridge
bus, each delivering to its own SQS queue.

    inbox.py create --endpoint URL      prints {"topic_arn", "bus", "topic_queue", "bus_queue"}
    inbox.py read QUEUE_URL --endpoint URL
                                        prints the queue's message bodies (a JSON list), removed
"""

import argparse
import json
import sys

import boto3

REGION = "us-east-1"


def session_clients(endpoint):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return {name: session.client(name, endpoint_url=endpoint) for name in ("sns", "sqs", "events")}


def create(endpoint):
    c = session_clients(endpoint)
    topic_arn = c["sns"].create_topic(Name="doctor-reports")["TopicArn"]
    topic_queue = c["sqs"].create_queue(QueueName="doctor-report-summaries")["QueueUrl"]
    topic_queue_arn = c["sqs"].get_queue_attributes(
        QueueUrl=topic_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    c["sns"].subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=topic_queue_arn)
    bus = c["events"].create_event_bus(Name="ops")["EventBusArn"].split("/")[-1]
    bus_queue = c["sqs"].create_queue(QueueName="doctor-report-events")["QueueUrl"]
    bus_queue_arn = c["sqs"].get_queue_attributes(
        QueueUrl=bus_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    c["events"].put_rule(Name="diagnoses", EventBusName=bus,
                         EventPattern=json.dumps({"source": ["apigw-doctor"]}))
    c["events"].put_targets(Rule="diagnoses", EventBusName=bus,
                            Targets=[{"Id": "queue", "Arn": bus_queue_arn}])
    return {"topic_arn": topic_arn, "bus": bus, "topic_queue": topic_queue, "bus_queue": bus_queue}


def read(endpoint, queue):
    sqs = session_clients(endpoint)["sqs"]
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["create", "read"])
    parser.add_argument("queue", nargs="?")
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    out = create(args.endpoint) if args.command == "create" else read(args.endpoint, args.queue)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
