"""SNS GetTopicAttributes through unmodified boto3.

Usage: botocore_sns.py ENDPOINT_URL. The test denies the analytics user
sns:GetTopicAttributes. Prints "ok" on success.
"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

url = sys.argv[1]
PAY = ("AKIASANDBOXPAYMENTS1", "payments-sandbox-secret-key0000000000000")
CHK = ("AKIASANDBOXCHECKOUT1", "checkout-sandbox-secret-key0000000000000")
ANA = ("AKIASANDBOXANALYTIC1", "analytics-sandbox-secret-key000000000000")


def client(key, region="us-east-1"):
    return boto3.client("sns", endpoint_url=url, region_name=region, aws_access_key_id=key[0], aws_secret_access_key=key[1])


def error(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response
    raise AssertionError("%s succeeded" % call.__name__)


sns = client(PAY)
arn = "arn:aws:sns:us-east-1:111111111111:pl-events"
a = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
assert a["TopicArn"] == arn and a["Owner"] == "111111111111" and a["DisplayName"] == "PrivateLink events", a
pol = json.loads(a["Policy"])
assert any(s.get("Principal") == {"Service": "vpce.amazonaws.com"} for s in pol["Statement"]), pol

closed = sns.get_topic_attributes(TopicArn="arn:aws:sns:us-east-1:111111111111:pl-events-closed")["Attributes"]
pol = json.loads(closed["Policy"])
assert pol["Id"] == "__default_policy_ID", pol
assert pol["Statement"][0]["Condition"] == {"StringEquals": {"AWS:SourceOwner": "111111111111"}}, pol

r = error(sns.get_topic_attributes, TopicArn="arn:aws:sns:us-east-1:111111111111:nope")
assert r["Error"]["Code"] == "NotFound" and r["ResponseMetadata"]["HTTPStatusCode"] == 404, r
r = error(sns.get_topic_attributes, TopicArn="not-an-arn")
assert r["Error"]["Code"] == "InvalidParameter", r
r = error(client(PAY, "us-west-2").get_topic_attributes, TopicArn=arn)
assert r["Error"]["Code"] == "InvalidParameter", r
r = error(client(CHK).get_topic_attributes, TopicArn=arn)
assert r["Error"]["Code"] == "AuthorizationError" and r["ResponseMetadata"]["HTTPStatusCode"] == 403, r
r = error(client(ANA).get_topic_attributes, TopicArn="arn:aws:sns:us-east-1:333333333333:t")
assert r["Error"]["Code"] == "AccessDenied", r
assert r["Error"]["Message"] == ("User: arn:aws:iam::333333333333:user/analytics-admin is not authorized to perform: "
                                 "sns:GetTopicAttributes on resource: arn:aws:sns:us-east-1:333333333333:t "
                                 "because no identity-based policy allows the sns:GetTopicAttributes action"), r
print("ok")
