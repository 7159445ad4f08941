#!/usr/bin/env bash
# The install check (issue 11), once per CI run: the core install is light (no SageMaker SDK,
# moto, pandas, scikit-learn, scipy; site-packages <= 150 MB) and grades a complete synthetic
# student like the full install; the wheel's core Requires-Dist has none of the heavy packages;
# installing the core next to SageMaker SDK 3 leaves the SDK alone. It makes three fresh venvs:
# about 2 minutes with pip's cache warm, 8-9 minutes on a machine that has not downloaded the
# SDK 3 before. Argument: the python of an environment with '.[all]' (default: tox's tests env).
set -euo pipefail
cd "$(dirname "$0")/.."
full_python="${1:-.tox/tests/bin/python}"
python3 .ci/install_check.py --full-python "$full_python"
