"""Starter notebooks students receive for lesson 13.2, and their data.

- `rainfall_forecast.ipynb` (lesson step 6) and `credit-risk-classification.ipynb` (steps 8-9):
  the lesson's notebooks rewritten for the SageMaker Python SDK 2 (`image_uris.retrieve`,
  `instance_count`/`instance_type`, `serializers.CSVSerializer`, `deserializers.JSONDeserializer`),
  unexecuted, with `# YOUR CODE HERE` gaps; valid nbformat 4.5.
- `data/`: the real German credit CSV and a SYNTHETIC stand-in for the Austin weather files, with
  their provenance in `data/README.md`. The notebooks read them from `data/` next to themselves.

`files()` gives the folder as a path (e.g. to copy the templates for a class).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

NOTEBOOKS = ("rainfall_forecast.ipynb", "credit-risk-classification.ipynb")


def files() -> Path:
    """The folder holding the starter notebooks and `data/`."""
    return Path(str(resources.files(__name__)))
