"""Unmodified boto3 against the sandbox's authorization.

Usage: botocore_authz.py ENDPOINT_URL. The test gives the checkout user a
policy that allows ec2:Describe* and sts:DecodeAuthorizationMessage only.
Prints "ok" on success.
"""
import json
import re
import sys

import boto3
from botocore.exceptions import ClientError

url = sys.argv[1]
CHK = ("AKIASANDBOXCHECKOUT1", "checkout-sandbox-secret-key0000000000000")


def client(svc):
    return boto3.client(svc, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=CHK[0], aws_secret_access_key=CHK[1])


ec2, sts = client("ec2"), client("sts")


def error(call, **kw):
    try:
        call(**kw)
    except ClientError as e:
        return e.response
    raise AssertionError("%s succeeded" % call.__name__)


# Not allowed: UnauthorizedOperation with an encoded message, dry run or not.
for dry in (True, False):
    r = error(ec2.create_vpc_endpoint, VpcEndpointType="Interface", VpcId="vpc-02100000000000001",
              ServiceName="com.amazonaws.us-east-1.s3", SubnetIds=["subnet-0210000000000000a"], DryRun=dry)
    assert r["Error"]["Code"] == "UnauthorizedOperation", r
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 403, r
    m = re.match(r"^You are not authorized to perform this operation\. Encoded authorization failure message: (\S+)$",
                 r["Error"]["Message"])
    assert m, r["Error"]["Message"]
    msg = json.loads(sts.decode_authorization_message(EncodedMessage=m.group(1))["DecodedMessage"])
    assert msg["allowed"] is False and msg["explicitDeny"] is False, msg
    assert msg["context"]["action"] == "ec2:CreateVpcEndpoint", msg
    assert msg["context"]["resource"] == "arn:aws:ec2:us-east-1:222222222222:vpc-endpoint/*", msg
    assert msg["context"]["principal"]["arn"] == "arn:aws:iam::222222222222:user/checkout-admin", msg

# Allowed: DryRunOperation, and the call itself succeeds.
r = error(ec2.describe_vpcs, DryRun=True)
assert r["Error"]["Code"] == "DryRunOperation" and r["ResponseMetadata"]["HTTPStatusCode"] == 412, r
assert ec2.describe_vpcs()["Vpcs"], "describe_vpcs"

# A message the sandbox did not issue.
r = error(sts.decode_authorization_message, EncodedMessage="bm90LWEtbWVzc2FnZQ.AAAA")
assert r["Error"]["Code"] == "InvalidAuthorizationMessageException", r
print("ok")
