"""Checks answers against botocore's service models, for boto3_runner.py.

Each successful answer a client receives is checked against the output shape of its operation
in the service model botocore ships (botocore.loaders): required members present, values of
the modelled type, enums, patterns, lengths and ranges respected, and no member the model does
not define. JSON bodies (awsJson 1.0/1.1) and XML bodies (awsQuery, restXml) are read raw, as
sent, so that a member botocore's parser would silently drop is caught; headers of REST
protocols are checked too (an x-amz-* header the operation does not define is an error). CBOR
bodies are checked as botocore parsed them. Every answer must also carry a request ID, one per
request.
"""

import json
import re
from xml.etree import ElementTree

# Headers every AWS answer may carry whatever its operation: request IDs and S3's host ID.
COMMON_HEADERS = {"x-amzn-requestid", "x-amz-request-id", "x-amz-id-2"}


class Checker:
    def __init__(self):
        self.request_ids = {}

    def check(self, operation_model, response_dict, parsed):
        """Returns the problems of one answer, as strings naming the member."""
        errs = []
        headers = {k.lower(): v for k, v in response_dict.get("headers", {}).items()}
        meta = (parsed or {}).get("ResponseMetadata", {})
        rid = meta.get("RequestId", "")
        name = operation_model.name
        if not rid:
            errs.append(f"{name}: no request ID (ResponseMetadata.RequestId is empty)")
        elif rid in self.request_ids:
            errs.append(f"{name}: request ID {rid} was already the ID of {self.request_ids[rid]}")
        else:
            self.request_ids[rid] = name
        if response_dict.get("status_code", 0) >= 300:
            return errs
        shape = operation_model.output_shape
        if shape is None:
            return errs
        protocol = operation_model.metadata.get("protocol")
        content_type = headers.get("content-type", "").split(";")[0].strip()
        body = response_dict.get("body")
        streaming = operation_model.has_streaming_output or not isinstance(body, (bytes, bytearray))
        if protocol in ("rest-json", "rest-xml"):
            errs += check_headers(name, shape, headers)
        if streaming:
            return errs
        if content_type.startswith("application/x-amz-json") or (protocol == "json" and content_type == "application/json"):
            try:
                value = json.loads(body or b"{}")
            except ValueError as e:
                return errs + [f"{name}: body is not JSON: {e}"]
            check_value(shape, value, name, errs, "json", body_only=protocol == "rest-json")
        elif content_type in ("text/xml", "application/xml") and body:
            try:
                root = ElementTree.fromstring(body)
            except ElementTree.ParseError as e:
                return errs + [f"{name}: body is not XML: {e}"]
            wrapper = shape.serialization.get("resultWrapper")
            if protocol == "query" or wrapper:
                if local(root.tag) != name + "Response":
                    errs.append(f"{name}: root element {local(root.tag)}, want {name}Response")
                result = [c for c in root if local(c.tag) == name + "Result"]
                for c in root:
                    if local(c.tag) not in (name + "Result", "ResponseMetadata"):
                        errs.append(f"{name}: undefined element {local(c.tag)}")
                if result:
                    check_xml(shape, result[0], name, errs)
            else:
                payload = shape.serialization.get("payload")
                if payload:
                    check_xml(shape.members[payload], root, name + "." + payload, errs)
                else:
                    check_xml(shape, root, name, errs)
        elif parsed is not None:
            value = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
            check_value(shape, value, name, errs, "parsed", body_only=protocol in ("rest-json", "rest-xml"))
        return errs


def local(tag):
    return tag.split("}", 1)[-1]


def body_members(shape):
    """The members of a structure that travel in the body (not headers, status or URI)."""
    return {k: m for k, m in shape.members.items() if m.serialization.get("location") is None}


def check_headers(op, shape, headers):
    errs = []
    defined, prefixes = set(), []
    for k, m in shape.members.items():
        loc = m.serialization.get("location")
        if loc == "header":
            defined.add(m.serialization.get("name", k).lower())
            if k in shape.required_members and m.serialization.get("name", k).lower() not in headers:
                errs.append(f"{op}: required header {m.serialization.get('name', k)} ({k}) is missing")
        elif loc == "headers":
            prefixes.append(m.serialization.get("name", "").lower())
    for h in headers:
        if not h.startswith("x-amz") or h in COMMON_HEADERS or h in defined:
            continue
        if any(p and h.startswith(p) for p in prefixes):
            continue
        errs.append(f"{op}: header {h} is not defined by the operation's output")
    return errs


def check_value(shape, v, path, errs, mode, body_only=False):
    """Checks a JSON value (mode "json": as sent) or a parsed value (mode "parsed")."""
    t = shape.type_name
    if v is None:
        errs.append(f"{path}: null")
        return
    if t == "structure":
        if not isinstance(v, dict):
            errs.append(f"{path}: {type(v).__name__}, want a structure")
            return
        members = body_members(shape) if body_only and mode == "json" else shape.members
        if body_only and mode == "json" and shape.serialization.get("payload"):
            return  # the body is the payload member, a blob or structure checked as is
        for k in v:
            if k not in members:
                errs.append(f"{path}.{k}: not defined by the model")
        for r in shape.required_members:
            if r in members and r not in v:
                errs.append(f"{path}.{r}: required, missing")
        for k, x in v.items():
            if k in members:
                check_value(members[k], x, f"{path}.{k}", errs, mode)
    elif t == "list":
        if not isinstance(v, list):
            errs.append(f"{path}: {type(v).__name__}, want a list")
            return
        check_bounds(shape, len(v), path, errs, "length")
        for i, x in enumerate(v):
            check_value(shape.member, x, f"{path}.{i}", errs, mode)
    elif t == "map":
        if not isinstance(v, dict):
            errs.append(f"{path}: {type(v).__name__}, want a map")
            return
        check_bounds(shape, len(v), path, errs, "length")
        for k, x in v.items():
            check_string(shape.key, k, f"{path} key {k!r}", errs)
            check_value(shape.value, x, f"{path}.{k}", errs, mode)
    elif t == "string":
        if not isinstance(v, str):
            errs.append(f"{path}: {type(v).__name__} {v!r}, want a string")
            return
        check_string(shape, v, path, errs)
    elif t in ("integer", "long"):
        if isinstance(v, bool) or not isinstance(v, int):
            errs.append(f"{path}: {type(v).__name__} {v!r}, want an integer")
            return
        if t == "integer" and not -(2**31) <= v < 2**31:
            errs.append(f"{path}: {v} does not fit an integer (32 bits)")
        check_bounds(shape, v, path, errs, "value")
    elif t in ("float", "double"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            errs.append(f"{path}: {type(v).__name__} {v!r}, want a number")
            return
        check_bounds(shape, v, path, errs, "value")
    elif t == "boolean":
        if not isinstance(v, bool):
            errs.append(f"{path}: {type(v).__name__} {v!r}, want a boolean")
    elif t == "timestamp":
        if mode == "json" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            errs.append(f"{path}: {type(v).__name__} {v!r}, want epoch seconds")
    elif t == "blob":
        if mode == "json" and not isinstance(v, str):
            errs.append(f"{path}: {type(v).__name__}, want base64 text")


def check_bounds(shape, n, path, errs, what):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None and n < lo:
        errs.append(f"{path}: {what} {n} below the minimum {lo}")
    if hi is not None and n > hi:
        errs.append(f"{path}: {what} {n} above the maximum {hi}")


_patterns = {}


def check_string(shape, v, path, errs):
    enum = shape.enum
    if enum and v not in enum:
        errs.append(f"{path}: {v!r} is not one of the enum's values {list(enum)}")
    check_bounds(shape, len(v), path, errs, "length")
    pattern = shape.metadata.get("pattern")
    if pattern:
        if pattern not in _patterns:
            try:
                _patterns[pattern] = re.compile(pattern)
            except re.error:  # a Java-only construct (\p{...}): not checkable here
                _patterns[pattern] = None
        rx = _patterns[pattern]
        if rx is not None and not rx.search(v):
            errs.append(f"{path}: {v!r} does not match the pattern {pattern}")


def xml_name(name, m):
    return m.serialization.get("name", name)


def check_xml(shape, el, path, errs):
    t = shape.type_name
    if t == "structure":
        members = body_members(shape)
        by_tag = {}
        for k, m in members.items():
            if m.type_name == "list" and m.serialization.get("flattened"):
                by_tag[xml_name(k, m)] = (k, m.member, True)
            else:
                by_tag[xml_name(k, m)] = (k, m, False)
        seen = set()
        for c in el:
            tag = local(c.tag)
            if tag not in by_tag:
                errs.append(f"{path}.{tag}: not defined by the model")
                continue
            k, m, _ = by_tag[tag]
            seen.add(k)
            check_xml(m, c, f"{path}.{k}", errs)
        for r in shape.required_members:
            if r in members and r not in seen and members[r].type_name not in ("list", "map"):
                errs.append(f"{path}.{r}: required, missing")
    elif t == "list":
        want = xml_name("member", shape.member)
        n = 0
        for c in el:
            if local(c.tag) != want:
                errs.append(f"{path}: element {local(c.tag)} in a list of {want}")
                continue
            check_xml(shape.member, c, f"{path}.{n}", errs)
            n += 1
        check_bounds(shape, n, path, errs, "length")
    elif t == "map":
        pass  # no map in the outputs checked here
    else:
        text = el.text or ""
        if t == "string":
            check_string(shape, text, path, errs)
        elif t in ("integer", "long"):
            try:
                check_bounds(shape, int(text), path, errs, "value")
            except ValueError:
                errs.append(f"{path}: {text!r}, want an integer")
        elif t in ("float", "double"):
            try:
                float(text)
            except ValueError:
                errs.append(f"{path}: {text!r}, want a number")
        elif t == "boolean" and text not in ("true", "false"):
            errs.append(f"{path}: {text!r}, want true or false")
