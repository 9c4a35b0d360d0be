"""Reads the emulator's CloudWatch metrics with boto3, a client sagebench did not write.

Usage: cloudwatch_boto3.py URL ENDPOINT START END. Prints one JSON object: the sum of
each queried metric and the protocol botocore used, or the error code of a call the
emulator refused.
"""
import atexit
import datetime
import json
import os
import shutil
import sys
import tempfile

import boto3
import botocore.config
import botocore.exceptions
import botocore.session

url, endpoint, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])

# CloudWatch's model offers smithy-rpc-v2-cbor, json and query, and botocore prefers json;
# the emulator serves what aws-sdk-go-v2 speaks, RPC v2 CBOR, so the model is narrowed to it.
session = botocore.session.get_session()
loader = session.get_component("data_loader")
model = loader.load_service_model("cloudwatch", "service-2")
model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
model["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
data = tempfile.mkdtemp()
atexit.register(shutil.rmtree, data, True)
os.makedirs(os.path.join(data, "cloudwatch", model["metadata"]["apiVersion"]))
with open(os.path.join(data, "cloudwatch", model["metadata"]["apiVersion"], "service-2.json"), "w") as f:
    json.dump(model, f)
loader.search_paths.insert(0, data)

cw = boto3.Session(botocore_session=session).client(
    "cloudwatch", endpoint_url=url, region_name="eu-west-1",
    aws_access_key_id="AKIDSAGEMAKERTEST", aws_secret_access_key="sagemakertest-secret",
    config=botocore.config.Config(retries={"max_attempts": 1}),
)


def query(i, ns, name, stat):
    return {
        "Id": "q%d" % i,
        "MetricStat": {
            "Metric": {
                "Namespace": ns, "MetricName": name,
                "Dimensions": [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": "AllTraffic"},
                ],
            },
            "Period": 60, "Stat": stat,
        },
    }


metrics = [
    ("AWS/SageMaker", "Invocations", "Sum"),
    ("AWS/SageMaker", "InvocationModelErrors", "Sum"),
    ("AWS/SageMaker", "ModelLatency", "SampleCount"),
    ("/aws/sagemaker/Endpoints", "CPUUtilization", "Maximum"),
]
try:
    out = cw.get_metric_data(
        MetricDataQueries=[query(i, *m) for i, m in enumerate(metrics)],
        StartTime=datetime.datetime.fromtimestamp(start - 60, datetime.timezone.utc),
        EndTime=datetime.datetime.fromtimestamp(end + 60, datetime.timezone.utc),
    )
except botocore.exceptions.ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))
    sys.exit(0)

sums = {}
for r in out["MetricDataResults"]:
    name = metrics[int(r["Id"][1:])][1]
    sums[name] = sum(r["Values"])
    for ts in r["Timestamps"]:
        if ts.timestamp() % 60:
            sys.exit("timestamp %s is not a whole minute" % ts)

print(json.dumps({"sums": sums, "protocol": cw.meta.service_model.protocol}))
