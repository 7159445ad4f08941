#!/usr/bin/env bash
# The install check (issue 11), once per CI run: the core install is light (no SageMaker SDK,
# moto, pandas, scikit-learn, scipy; site-packages <= 150 MB) and grades a complete synthetic
# student like the full install; the wheel's core Requires-Dist has none of the heavy packages;
# installing the core next to SageMaker SDK 3 leaves the SDK alone. It takes about 7 minutes with
# pip's cache warm: (a) 45-75 s, (b) 5-15 s, (c) 5-6 min, nearly all of it pip installing the
# SDK 3 itself (1 GB, 136 distributions, and pip's resolver backtracks through ~20 aiobotocore
# versions); a machine that never downloaded them takes a little longer.
# Argument: the python of an environment with '.[all]' (default: tox's tests env).
set -euo pipefail
cd "$(dirname "$0")/.."
full_python="${1:-.tox/tests/bin/python}"
python3 .ci/install_check.py --full-python "$full_python"
