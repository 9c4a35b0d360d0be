"""Run the SageMaker Python SDK's own image_uris.retrieve on requests read from stdin.

Usage: python3 sdk_retrieve.py <path to sagemaker-core/src/sagemaker/core>  < requests.jsonl

Each input line is a JSON object of retrieve's keyword arguments; each output line is
{"uri": ...} or {"error": ...}. image_uris.py is loaded unchanged from the SDK checkout (so it
reads the SDK's own image_uri_config JSON). The modules it imports for features these requests
never reach (JumpStart, pipelines, Spark) are replaced by inert stand-ins; the few values it
needs from its siblings (common_utils.get_instance_type_family and _botocore_resolver,
fw_utils.GRAVITON_*, spark defaults.SPARK_NAME) are taken from the SDK's source with ast, not
rewritten. Used by catalog's TestResolveMatchesThePythonSDK (SAGEBENCH_PYTHON_SDK=<path>).
"""
import ast
import functools
import importlib.util
import json
import logging
import os
import sys
import types

try:
    import packaging.version  # noqa: F401
except ImportError:  # a distribution's copy is as good: image_uris only compares versions
    sys.path.append("/usr/lib/python3/dist-packages")

core = sys.argv[1]


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def from_source(path, names, extra_globals):
    """Execute only the top-level definitions called names from a source file."""
    tree = ast.parse(open(path).read(), path)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in names:
            keep.append(node)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in names for t in node.targets
        ):
            keep.append(node)
    ns = dict(extra_globals)
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, "exec"), ns)
    return {n: ns[n] for n in names}


import re  # noqa: E402

import botocore.loaders  # noqa: E402
import botocore.regions  # noqa: E402

module("sagemaker", __path__=[])
module("sagemaker.core", __path__=[])
common = from_source(
    os.path.join(core, "common_utils.py"),
    ["get_instance_type_family", "_botocore_resolver"],
    {"re": re, "botocore": botocore, "str": str, "Dict": dict, "Optional": object},
)
# The resolver reloads botocore's endpoint data on every call; build it once.
common["_botocore_resolver"] = functools.lru_cache(maxsize=None)(common["_botocore_resolver"])
module("sagemaker.core.common_utils", **common)
module(
    "sagemaker.core.fw_utils",
    **from_source(
        os.path.join(core, "fw_utils.py"),
        ["GRAVITON_ALLOWED_TARGET_INSTANCE_FAMILY", "GRAVITON_ALLOWED_FRAMEWORKS"],
        {},
    ),
)
module("sagemaker.core.spark", __path__=[])
module(
    "sagemaker.core.spark.defaults",
    **from_source(os.path.join(core, "spark", "defaults.py"), ["SPARK_NAME"], {}),
)
module("sagemaker.core.jumpstart", __path__=[])
module(
    "sagemaker.core.jumpstart.constants",
    DEFAULT_JUMPSTART_SAGEMAKER_SESSION=None,
    JUMPSTART_LOGGER=logging.getLogger("jumpstart"),
)
module("sagemaker.core.jumpstart.enums", JumpStartModelType=types.SimpleNamespace(OPEN_WEIGHTS="open_weights"))
module("sagemaker.core.jumpstart.utils", is_jumpstart_model_input=lambda model_id, version: False)
sys.modules["sagemaker.core.jumpstart"].artifacts = module("sagemaker.core.jumpstart.artifacts")
module("sagemaker.core.workflow", __path__=[], is_pipeline_variable=lambda value: False)
module("sagemaker.core.workflow.utilities", override_pipeline_parameter_var=lambda f: f)

spec = importlib.util.spec_from_file_location("sagemaker.core.image_uris", os.path.join(core, "image_uris.py"))
image_uris = importlib.util.module_from_spec(spec)
spec.loader.exec_module(image_uris)

for line in sys.stdin:
    if not line.strip():
        continue
    try:
        print(json.dumps({"uri": image_uris.retrieve(**json.loads(line))}))
    except Exception as e:  # the SDK's refusals are answers too
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}))
