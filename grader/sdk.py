"""Lazy, quiet access to the SageMaker SDK (v2). Importing it costs about 3 s, prints config
notices, warns about v3 and installs its own traceback hook: do it only when needed, once."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from functools import cache


@cache
def sagemaker_common():
    """`sagemaker.amazon.common` (RecordIO reader and writer)."""
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    hook = sys.excepthook
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import sagemaker.amazon.common as common
    sys.excepthook = hook
    return common
