"""Imported by the worker processes' fork server (`grader.workers.PRELOAD`): botocore's service
models of the services the grader reads, loaded into the shared loader once, and a client of each
made once (which builds what the clients of the process share: grader.aws.sharing), so that
every worker forked from the server has them already instead of building them for its first
student (about 45 ms of CPU a worker). The clients are made with placeholder credentials (no
credential lookup, which could wait on an instance metadata endpoint) and send nothing."""

from __future__ import annotations

from grader.aws.sharing import shared_loader

SERVICES = ("iam", "s3", "s3control", "sagemaker", "sts")


def load_models() -> None:
    loader = shared_loader()
    for service in SERVICES:
        for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
            try:
                loader.load_service_model(service, kind)
            except Exception:  # noqa: BLE001, S112 - a model botocore lacks is loaded (and fails) later, as without this
                continue
    loader.load_data("endpoints")
    loader.load_data("partitions")


def make_clients() -> None:
    from grader.aws.session import GLOBAL_REGION, new_session

    session = new_session(aws_access_key_id="preload", aws_secret_access_key="preload")
    for service in SERVICES:
        try:
            session.create_client(service, region_name=GLOBAL_REGION)
        except Exception:  # noqa: BLE001, S112 - a client that cannot be made is made (and fails) later, as without this
            continue


load_models()
make_clients()
