"""Read the sandbox's target health and CloudWatch metric data with boto3.

Usage: botocore_status_check.py URL TARGET_GROUP_ARN. Prints "ok" when
botocore decodes DescribeTargetHealth (awsquery) and GetMetricData
(smithy-rpc-v2-cbor) unmodified and the values are the ones the Go test set.
"""
import datetime
import sys

import boto3

url, tg = sys.argv[1], sys.argv[2]
session = boto3.session.Session(
    aws_access_key_id="AKIASANDBOXPAYMENTS1",
    aws_secret_access_key="payments-sandbox-secret-key0000000000000",
    region_name="us-east-1",
)
elb = session.client("elbv2", endpoint_url=url)
health = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
states = {d["Target"]["AvailabilityZone"]: d["TargetHealth"]["State"] for d in health}
assert states == {"us-east-1a": "healthy", "us-east-1b": "unhealthy", "us-east-1c": "healthy"}, states
attrs = elb.describe_load_balancer_attributes(LoadBalancerArn=elb.describe_target_groups(TargetGroupArns=[tg])["TargetGroups"][0]["LoadBalancerArns"][0])["Attributes"]
assert {"Key": "load_balancing.cross_zone.enabled", "Value": "false"} in attrs, attrs

cw = session.client("cloudwatch", endpoint_url=url)
end = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
out = cw.get_metric_data(
    StartTime=end - datetime.timedelta(hours=1),
    EndTime=end,
    MetricDataQueries=[
        {
            "Id": "bytes",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/PrivateLinkServices",
                    "MetricName": "BytesProcessed",
                    "Dimensions": [{"Name": "Service Id", "Value": "vpce-svc-0123"}],
                },
                "Period": 3600,
                "Stat": "Sum",
            },
        },
        {
            "Id": "none",
            "MetricStat": {
                "Metric": {"Namespace": "AWS/PrivateLinkServices", "MetricName": "BytesProcessed"},
                "Period": 3600,
                "Stat": "Sum",
            },
        },
    ],
)
res = {r["Id"]: r for r in out["MetricDataResults"]}
assert res["bytes"]["Values"] == [300.0], res
assert res["bytes"]["StatusCode"] == "Complete", res
assert res["none"]["Values"] == [], res
print("ok")
