"""Runs conformance steps with boto3 against an endpoint URL.

Usage: python3 boto3_runner.py URL FILES_DIR

Reads one JSON step per line on stdin:
  {"service": "sagemaker" | "runtime" | "s3" | "cloudwatch", "op": "CreateModel" | "wait:endpoint_in_service",
   "params": {...}, "protocol": ""}
where a parameter value {"$file": "name"} is the bytes of FILES_DIR/name, and protocol, when set,
makes the client speak that protocol of the service model's (CloudWatch lists
smithy-rpc-v2-cbor, json and query; botocore picks the first it supports). Answers one JSON line
per step on stdout:
  {"ok": true, "output": {...}, "status": 200, "model_errors": [...]}
  {"ok": false, "code": "...", "message": "...", "status": 400, "model_errors": [...]}
  {"ok": false, "unsupported": true}   (this botocore does not know the operation)
  {"ok": false, "cannot_send": true}   (this botocore does not speak the protocol)
model_errors lists what in the answers of the step does not conform to botocore's service model
for the operation (see model_check.py).
Timestamps become ISO 8601 strings; a body becomes its JSON value when it parses, else
{"$base64": "..."}. The conformance test in conformance_test.go drives it.
"""

import base64
import copy
import datetime
import json
import os
import sys

import boto3
import botocore
import botocore.loaders
import botocore.serialize
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError, WaiterError
from botocore.response import StreamingBody

from model_check import Checker

SERVICES = {"sagemaker": "sagemaker", "runtime": "sagemaker-runtime", "s3": "s3", "cloudwatch": "cloudwatch"}


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


class Clients:
    """boto3 clients by service and forced protocol, each checking its answers."""

    def __init__(self, url, cfg, tmp):
        self.url, self.cfg = url, cfg
        self.checker = Checker()
        self.errors = []
        self.clients = {}
        self.tmp = tmp  # where forced-protocol models are written

    def get(self, service, protocol):
        key = (service, protocol or "")
        if key not in self.clients:
            self.clients[key] = self.make(SERVICES[service], protocol)
        return self.clients[key]

    def make(self, name, protocol):
        session = botocore.session.get_session()
        if protocol:
            if protocol not in botocore.serialize.SERIALIZERS:
                return None
            model = copy.deepcopy(botocore.loaders.Loader().load_service_model(name, "service-2"))
            md = model["metadata"]
            md["protocol"], md["protocols"] = protocol, [protocol]
            if protocol in ("json", "smithy-rpc-v2-cbor"):
                # What the current model says, for an older botocore whose model is query only.
                md.setdefault("jsonVersion", "1.0")
                md.setdefault("targetPrefix", "GraniteServiceVersion20100801")
                md.setdefault("awsQueryCompatible", {})
            d = os.path.join(self.tmp, protocol, name, md["apiVersion"])
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "service-2.json"), "w") as f:
                json.dump(model, f)
            session.get_component("data_loader").search_paths.insert(0, os.path.join(self.tmp, protocol))
        client = boto3.session.Session(botocore_session=session).client(name, endpoint_url=self.url, config=self.cfg)
        model = client.meta.service_model

        def received(response_dict=None, parsed_response=None, exception=None, **kwargs):
            if response_dict is None:
                return
            op = model.operation_model(response_dict["context"]["operation_name"])
            self.errors.extend(self.checker.check(op, response_dict, parsed_response))

        client.meta.events.register("response-received", received)
        return client


def run(clients, step, root):
    client = clients.get(step["service"], step.get("protocol"))
    if client is None:  # a protocol this botocore cannot speak
        return {"ok": False, "cannot_send": True}
    op = step["op"]
    params = files(step.get("params") or {}, root)
    clients.errors = []
    try:
        if op.startswith("wait:"):
            params["WaiterConfig"] = {"Delay": 0.1, "MaxAttempts": 600}
            client.get_waiter(op[len("wait:"):]).wait(**params)
            return {"ok": True, "output": {}, "status": 200, "model_errors": clients.errors}
        method = getattr(client, botocore.xform_name(op), None)
        if method is None:  # an older botocore than the API
            return {"ok": False, "unsupported": True}
        out = method(**params)
        status = out.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return {"ok": True, "output": norm(out), "status": status, "model_errors": clients.errors}
    except ClientError as e:
        err = e.response.get("Error", {})
        return {"ok": False, "code": err.get("Code", ""), "message": err.get("Message", ""),
                "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0),
                "model_errors": clients.errors}
    except ParamValidationError as e:  # refused before sending, by this botocore's model
        return {"ok": False, "code": "ParamValidationError", "message": str(e), "status": 0,
                "model_errors": clients.errors}
    except WaiterError as e:
        return {"ok": False, "code": "WaiterError", "message": str(e), "status": 0, "model_errors": clients.errors}


def main():
    url, root = sys.argv[1], sys.argv[2]
    cfg = Config(retries={"total_max_attempts": 1})
    clients = Clients(url, cfg, os.path.join(root, "botocore-models"))
    sys.stdout.write(json.dumps({"ready": True, "boto3": boto3.__version__, "botocore": botocore.__version__}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(run(clients, json.loads(line), root)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
