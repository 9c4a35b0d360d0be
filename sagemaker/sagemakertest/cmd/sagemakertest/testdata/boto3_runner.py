"""Runs conformance steps with boto3 against an endpoint URL.

Usage: python3 boto3_runner.py URL FILES_DIR

Reads one JSON step per line on stdin:
  {"service": "sagemaker" | "runtime" | "s3", "op": "CreateModel" | "wait:endpoint_in_service",
   "params": {...}}
where a parameter value {"$file": "name"} is the bytes of FILES_DIR/name. Answers one JSON line per
step on stdout:
  {"ok": true, "output": {...}, "status": 200}
  {"ok": false, "code": "...", "message": "...", "status": 400}
  {"ok": false, "unsupported": true}   (this botocore does not know the operation)
Timestamps become ISO 8601 strings; a body becomes its JSON value when it parses, else
{"$base64": "..."}. The conformance test in conformance_test.go drives it.
"""

import base64
import datetime
import json
import os
import sys

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError
from botocore.response import StreamingBody

SERVICES = {"sagemaker": "sagemaker", "runtime": "sagemaker-runtime", "s3": "s3"}


def body_value(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return {"$base64": base64.b64encode(raw).decode()}


def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, StreamingBody):
        return body_value(v.read())
    if isinstance(v, (bytes, bytearray)):
        return body_value(bytes(v))
    return v


def files(v, root):
    if isinstance(v, dict):
        if set(v) == {"$file"}:
            with open(os.path.join(root, v["$file"]), "rb") as f:
                return f.read()
        return {k: files(x, root) for k, x in v.items()}
    if isinstance(v, list):
        return [files(x, root) for x in v]
    return v


def run(clients, step, root):
    client = clients[step["service"]]
    op = step["op"]
    params = files(step.get("params") or {}, root)
    try:
        if op.startswith("wait:"):
            params["WaiterConfig"] = {"Delay": 0.1, "MaxAttempts": 600}
            client.get_waiter(op[len("wait:"):]).wait(**params)
            return {"ok": True, "output": {}, "status": 200}
        method = getattr(client, botocore.xform_name(op), None)
        if method is None:  # an older botocore than the API
            return {"ok": False, "unsupported": True}
        out = method(**params)
        status = out.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return {"ok": True, "output": norm(out), "status": status}
    except ClientError as e:
        err = e.response.get("Error", {})
        return {"ok": False, "code": err.get("Code", ""), "message": err.get("Message", ""),
                "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)}
    except WaiterError as e:
        return {"ok": False, "code": "WaiterError", "message": str(e), "status": 0}


def main():
    url, root = sys.argv[1], sys.argv[2]
    cfg = Config(retries={"total_max_attempts": 1})
    clients = {k: boto3.client(v, endpoint_url=url, config=cfg) for k, v in SERVICES.items()}
    sys.stdout.write(json.dumps({"ready": True, "boto3": boto3.__version__, "botocore": botocore.__version__}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(run(clients, json.loads(line), root)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
