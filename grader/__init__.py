"""grader: read-only grading of the SageMaker lesson 13.2 (AWS account + executed notebooks)."""

__version__ = "0.1.0"
