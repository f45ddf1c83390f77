"""AWS for the local run: moto in server mode, provisioned from template.yaml (tables, Cognito, queues, buckets)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from moto.server import ThreadedMotoServer

from local import faithful, template

LOCAL_CLIENT_FLOWS = ["ALLOW_USER_PASSWORD_AUTH"]  # so curl can sign in locally; the template's flows are kept
Service = Literal["cognito-idp", "dynamodb", "s3", "ses", "sqs"]  # what the local run provisions and drives


@dataclass
class Cloud:
    endpoint: str
    server: ThreadedMotoServer
    region: str = "eu-west-2"
    user_pool_id: str = ""
    client_id: str = ""
    queues: dict[str, str] = field(default_factory=dict)  # logical id -> queue URL
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name

    def client(self, service: Service) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def arn(self, logical_id: str) -> str:
        if logical_id in self.queues:
            return str(template.resolve({"Fn::GetAtt": [logical_id, "Arn"]}))
        if logical_id in self.buckets:
            return f"arn:aws:s3:::{self.buckets[logical_id]}"
        raise KeyError(logical_id)

    def stop(self) -> None:
        self.server.stop()


def start(region: str = "eu-west-2") -> Cloud:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines
    faithful.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    cloud = Cloud(endpoint=f"http://{host}:{port}", server=server, region=region)
    provision(cloud)
    return cloud


def provision(cloud: Cloud) -> None:
    template.create_tables(cloud.client("dynamodb"))
    _cognito(cloud)
    _queues(cloud)
    _buckets(cloud)
    _mail_identities(cloud)


def _cognito(cloud: Cloud) -> None:
    pools = template.resources("AWS::Cognito::UserPool")
    clients = template.resources("AWS::Cognito::UserPoolClient")
    if not pools:
        return
    idp = cloud.client("cognito-idp")
    logical_id, pool = next(iter(pools.items()))
    props = pool["Properties"]
    created = idp.create_user_pool(
        PoolName=template.local_name(logical_id),
        UsernameAttributes=props.get("UsernameAttributes", ["email"]),
        AutoVerifiedAttributes=props.get("AutoVerifiedAttributes", ["email"]),
        Policies=props.get("Policies", {}),
        AccountRecoverySetting=props.get("AccountRecoverySetting", {}),
        AdminCreateUserConfig=props.get("AdminCreateUserConfig", {}),
    )
    cloud.user_pool_id = created["UserPool"]["Id"]
    client_props = next(iter(clients.values()))["Properties"] if clients else {}
    flows = list(dict.fromkeys([*client_props.get("ExplicitAuthFlows", []), *LOCAL_CLIENT_FLOWS]))
    cloud.client_id = idp.create_user_pool_client(
        UserPoolId=cloud.user_pool_id, ClientName=client_props.get("ClientName", "local"), GenerateSecret=False,
        ExplicitAuthFlows=flows,
    )["UserPoolClient"]["ClientId"]


def _queues(cloud: Cloud) -> None:
    """Dead-letter queues first, so a redrive policy can name them."""
    sqs = cloud.client("sqs")
    declared = template.resources("AWS::SQS::Queue")
    ordered = sorted(declared.items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for logical_id, res in ordered:
        props = res.get("Properties", {})
        attributes = {}
        if "VisibilityTimeout" in props:
            attributes["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "MessageRetentionPeriod" in props:
            attributes["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": cloud.arn(target), "maxReceiveCount": str(redrive["maxReceiveCount"])}
            )
        url = sqs.create_queue(QueueName=template.local_name(logical_id), Attributes=attributes)["QueueUrl"]
        cloud.queues[logical_id] = url


def _buckets(cloud: Cloud) -> None:
    s3 = cloud.client("s3")
    for logical_id, res in template.resources("AWS::S3::Bucket").items():
        name = template.local_name(logical_id)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": cloud.region})
        cloud.buckets[logical_id] = name
        props = res.get("Properties", {})
        if props.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        queue_configs = []
        for config in props.get("NotificationConfiguration", {}).get("QueueConfigurations", []):
            queue = config["Queue"]["Fn::GetAtt"][0]
            entry: dict[str, Any] = {"QueueArn": cloud.arn(queue), "Events": [config["Event"]]}
            if "Filter" in config:
                entry["Filter"] = {"Key": {"FilterRules": config["Filter"]["S3Key"]["Rules"]}}
            queue_configs.append(entry)
        if queue_configs:
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": queue_configs}
            )


def _mail_identities(cloud: Cloud) -> None:
    """SES refuses a sender it has not verified (moto too): verify each identity the template declares."""
    ses = cloud.client("ses")
    for res in template.resources("AWS::SES::EmailIdentity").values():
        ses.verify_email_identity(EmailAddress=str(template.resolve(res["Properties"]["EmailIdentity"])))
