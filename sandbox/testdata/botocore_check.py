"""Drives the sandbox with boto3/botocore (a second, independent client).

Usage: botocore_check.py ENDPOINT_URL. Prints "ok" on success.
"""
import sys

import boto3
from botocore.exceptions import ClientError

url = sys.argv[1]


def client(svc, key, secret, region="us-east-1", token=None):
    return boto3.client(svc, endpoint_url=url, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token)


PAY = ("AKIASANDBOXPAYMENTS1", "payments-sandbox-secret-key0000000000000")
CHK = ("AKIASANDBOXCHECKOUT1", "checkout-sandbox-secret-key0000000000000")
OP = ("AKIASANDBOXOPERATOR1", "operator-sandbox-secret-key0000000000000")

ident = client("sts", *OP).get_caller_identity()
assert ident["Account"] == "999999999999", ident
creds = client("sts", *OP).assume_role(RoleArn="arn:aws:iam::111111111111:role/plink", RoleSessionName="boto")["Credentials"]
prov = client("ec2", creds["AccessKeyId"], creds["SecretAccessKey"], token=creds["SessionToken"])
cons = client("ec2", *CHK)

svc = prov.create_vpc_endpoint_service_configuration(
    NetworkLoadBalancerArns=["arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/payments-api/011000000005c0c1"],
    AcceptanceRequired=True,
    TagSpecifications=[{"ResourceType": "vpc-endpoint-service", "Tags": [{"Key": "plink:project", "Value": "boto"}]}],
)["ServiceConfiguration"]
assert svc["ServiceState"] == "Available", svc
prov.modify_vpc_endpoint_service_permissions(ServiceId=svc["ServiceId"], AddAllowedPrincipals=["arn:aws:iam::222222222222:root"])
details = cons.describe_vpc_endpoint_services(ServiceNames=[svc["ServiceName"]])["ServiceDetails"]
assert details[0]["Owner"] == "111111111111", details
ep = cons.create_vpc_endpoint(VpcEndpointType="Interface", VpcId="vpc-02100000000000001", ServiceName=svc["ServiceName"],
                              SubnetIds=["subnet-0210000000000000a", "subnet-0210000000000000b"],
                              SecurityGroupIds=["sg-02100000000000001"])["VpcEndpoint"]
assert ep["State"] == "pendingAcceptance", ep
conns = prov.describe_vpc_endpoint_connections()["VpcEndpointConnections"]
assert conns[0]["VpcEndpointOwner"] == "222222222222", conns
res = prov.accept_vpc_endpoint_connections(ServiceId=svc["ServiceId"], VpcEndpointIds=[ep["VpcEndpointId"]])
assert res["Unsuccessful"] == [], res
got = cons.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])["VpcEndpoints"][0]
assert got["State"] == "available" and len(got["NetworkInterfaceIds"]) == 2, got
try:
    cons.describe_vpc_endpoints(VpcEndpointIds=["vpce-0ffffffffffffffff"])
    raise SystemExit("expected an error")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidVpcEndpointId.NotFound", e.response
lbs = client("elbv2", *PAY).describe_load_balancers()["LoadBalancers"]
assert lbs[0]["AvailabilityZones"][0]["ZoneName"] == "us-east-1a", lbs
azs = cons.describe_availability_zones()["AvailabilityZones"]
assert {z["ZoneName"]: z["ZoneId"] for z in azs}["us-east-1a"] == "use1-az2", azs
# A gateway endpoint (S3) and the route tables it adds its prefix-list route to.
gw = cons.create_vpc_endpoint(VpcEndpointType="Gateway", VpcId="vpc-02100000000000001", ServiceName="com.amazonaws.us-east-1.s3",
                              RouteTableIds=["rtb-02100000000000002"])["VpcEndpoint"]
assert gw["State"] == "available" and gw["RouteTableIds"] == ["rtb-02100000000000002"], gw
res = cons.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"], AddRouteTableIds=["rtb-02100000000000001"])
assert res["Return"], res
rts = cons.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": ["vpc-02100000000000001"]}])["RouteTables"]
assert [r["RouteTableId"] for r in rts] == ["rtb-02100000000000001", "rtb-02100000000000002"], rts
assert rts[0]["Associations"][0]["Main"] is True, rts
assert [a["SubnetId"] for a in rts[1]["Associations"]] == ["subnet-0210000000000000a", "subnet-0210000000000000b", "subnet-0210000000000000c"], rts
for r in rts:
    pl = [x for x in r["Routes"] if x.get("DestinationPrefixListId")]
    assert pl == [{"DestinationPrefixListId": "pl-63a5400a", "GatewayId": gw["VpcEndpointId"], "State": "active", "Origin": "CreateRoute"}], r
got = cons.describe_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"]])["VpcEndpoints"][0]
assert sorted(got["RouteTableIds"]) == ["rtb-02100000000000001", "rtb-02100000000000002"] and got["VpcEndpointType"] == "Gateway", got
# A resource endpoint (VPC Lattice resource configuration shared with checkout),
# its private DNS preference, and the VPC Lattice read of the configuration.
RCFG = "arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000a"
rep = cons.create_vpc_endpoint(VpcEndpointType="Resource", VpcId="vpc-02100000000000001", ResourceConfigurationArn=RCFG,
                               SubnetIds=["subnet-0210000000000000c"], PrivateDnsEnabled=True,
                               DnsOptions={"PrivateDnsPreference": "SPECIFIED_DOMAINS_ONLY", "PrivateDnsSpecifiedDomains": ["db.example.com"]})["VpcEndpoint"]
assert rep["ResourceConfigurationArn"] == RCFG and rep["VpcEndpointType"] == "Resource" and "ServiceName" not in rep, rep
assert rep["DnsOptions"]["PrivateDnsPreference"] == "SPECIFIED_DOMAINS_ONLY" and rep["DnsOptions"]["PrivateDnsSpecifiedDomains"] == ["db.example.com"], rep
try:
    cons.create_vpc_endpoint(VpcEndpointType="Resource", VpcId="vpc-02100000000000001", SubnetIds=["subnet-0210000000000000c"],
                             ResourceConfigurationArn="arn:aws:vpc-lattice:us-east-1:111111111111:resourceconfiguration/rcfg-0111000000000000b")
    raise SystemExit("expected an error")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameter", e.response
lat = client("vpc-lattice", *CHK)
rc = lat.get_resource_configuration(resourceConfigurationIdentifier=RCFG)
assert rc["arn"] == RCFG and rc["resourceGatewayId"] == "rgw-0111000000000000a", rc
try:
    lat.get_resource_configuration(resourceConfigurationIdentifier="rcfg-0111000000000000b")
    raise SystemExit("expected an error")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
print("ok")
