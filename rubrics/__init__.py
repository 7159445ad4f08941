"""Shipped rubrics (YAML files in this folder, installed with the package)."""
