"""Runs AWS CLI commands in one Python process, each as `aws ARGS...` runs it.

Usage: python3 awscli_runner.py   (the Python of the `aws` program, see clients_test.go)

Starting `aws` costs about a second of CPU (Python and botocore imports) before it sends a
request; the conformance test sends over a hundred commands, so it runs them here instead.
Each command goes through the AWS CLI's own entry point (v2's awscli.clidriver.AWSCLIEntryPoint,
v1's awscli.clidriver.create_clidriver().main), with a fresh CLIDriver and botocore session as a new `aws` process has: the CLI's own
argument parsing, serialization, retries, waiters, output formatting and error messages. Only
two things differ from `aws`: the service model files are read once and shared, and the
waiters poll every 100 ms instead of the model's 30 s (see _fast_waiters).

Prints first one JSON line {"version": "<what aws --version prints>"}, then reads one JSON
list per line on stdin, the arguments of one command without "aws", and answers one JSON
line per command on stdout:
  {"rc": 0, "stdout": "...", "stderr": "..."}
rc is the exit status `aws` would have. The conformance test in conformance_test.go drives it.
"""

import copy
import io
import json
import os
import sys

# As /usr/bin/aws does before importing the CLI.
if os.environ.get("LC_CTYPE", "") == "UTF-8":
    os.environ["LC_CTYPE"] = "en_US.UTF-8"

import awscli.clidriver


def _main(args):
    """The `aws` program's main with args: AWS CLI v2's entry point, or v1's driver."""
    if hasattr(awscli.clidriver, "AWSCLIEntryPoint"):  # v2
        return awscli.clidriver.AWSCLIEntryPoint().main(args)
    rc = awscli.clidriver.create_clidriver().main(args)  # v1, as awscli.clidriver.main
    awscli.clidriver.HISTORY_RECORDER.record("CLI_RC", rc, "CLI")
    return rc


# Every command's botocore session reads the same service models from disk; they share one
# data loader (botocore's cache of those files, which one session already shares among its
# clients) instead of parsing the JSON again for each command.
_session_module = sys.modules[awscli.clidriver.botocore.session.Session.__module__]
_create_loader, _loaders = _session_module.create_loader, {}


def _shared_loader(search_path_string=None):
    if search_path_string not in _loaders:
        _loaders[search_path_string] = _fast_waiters(_create_loader(search_path_string))
    return _loaders[search_path_string]


def _fast_waiters(loader):
    """Makes the waiters poll every 100 ms, up to 600 times.

    `aws ... wait` polls at the delay of the service model's waiters-2.json (30 s for
    SageMaker's endpoints), and has no flag to change it; so the waiter model says 100 ms, as
    boto3_runner.py's WaiterConfig and the Go client's MinDelay do, or a step that polls once
    before the emulator's 50 ms endpoint creation is over waits 30 s.
    """
    load = loader.load_service_model

    def load_service_model(service_name, type_name, api_version=None):
        data = load(service_name, type_name, api_version)
        if type_name == "waiters-2":
            data = copy.deepcopy(data)
            for waiter in data.get("waiters", {}).values():
                waiter["delay"], waiter["maxAttempts"] = 0.1, 600
        return data

    loader.load_service_model = load_service_model
    return loader


_session_module.create_loader = _shared_loader


def run(args):
    """Runs `aws args...` with stdout and stderr captured; returns its answer."""
    real_out, real_err = sys.stdout, sys.stderr
    out, err = io.BytesIO(), io.BytesIO()
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict")
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="replace")
    try:
        rc = _main(args)
    except SystemExit as e:  # as the process would exit
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        for w in (sys.stdout, sys.stderr):
            w.flush()
            w.detach()
        sys.stdout, sys.stderr = real_out, real_err
    return {"rc": rc or 0, "stdout": out.getvalue().decode("utf-8"),
            "stderr": err.getvalue().decode("utf-8", "replace")}


def main():
    sys.argv = ["aws"]  # the program name argparse prints in usage errors
    version = run(["--version"])
    sys.stdout.write(json.dumps({"version": (version["stdout"] + version["stderr"]).strip()}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(run(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
