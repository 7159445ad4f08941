"""Running moto as the AWS of the demo and the tests.

- AWS managed policies are loaded (AdministratorAccess must exist), but trimmed to the few the
  lesson uses: loading all 1,582 costs 1-2 s and ~32 MB per account (see moto-notes).
- Accounts are isolated: one student's credentials cannot read another's buckets.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from contextlib import contextmanager

KEPT_MANAGED_POLICIES = ("AdministratorAccess", "ReadOnlyAccess", "AmazonSageMakerFullAccess", "AmazonS3FullAccess")

_configured = False


def configure_moto() -> None:
    """Set moto's process-wide options. Call before the first request to moto."""
    global _configured
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
    os.environ["GRADER_CLIENT_HOOKS"] = "grader.demo.moto_hooks:MOTO_HOOKS"  # what moto needs, AWS does not
    for var, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(var, value)
    if _configured:
        return
    import moto.iam.models as iam_models

    full = json.loads(iam_models.aws_managed_policies_data)
    iam_models.aws_managed_policies_data = json.dumps({k: v for k, v in full.items() if k in KEPT_MANAGED_POLICIES})
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    _configured = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def moto_server():
    """A ThreadedMotoServer on 127.0.0.1 and a free port; yields its endpoint URL."""
    configure_moto()
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
