"""Imported by the worker processes' fork server (`grader.workers.PRELOAD`): botocore's service
models of the services the grader reads, loaded into the shared loader once, so that every
worker forked from the server has them already."""

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


load_models()
