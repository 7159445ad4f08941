"""A synthetic AWS for the demo and the tests: a moto server inside the process (moto_env.py)
and student accounts built the way real students leave them (scenario.py).

This package WRITES to the (fake) accounts it builds, with its own boto3 clients; the grader's
read-only AWS layer (grader.aws) is never used for that. Nothing here talks to real AWS:
`build_student` refuses an endpoint that is not a local address.
"""
