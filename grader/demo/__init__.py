"""Scaffolding for the demo and the tests, never imported by the grading path.

- `moto_env`: a moto server inside the process (the demo's and the tests' fake AWS).
- `scenario`: student accounts built the way real students leave them. This WRITES to the (fake)
  accounts it builds, with its own boto3 clients; the grader's read-only AWS layer is never used
  for that, and `build_student` refuses an endpoint that is not a local address.
- `notebook_factory`: executed-looking lesson notebooks, made in memory.
- `run`: `grader demo` itself.

The layering contract in `tox` (import-linter) enforces that nothing under `grader/` outside this
package, nor `checks/` or `reports/`, imports it.
"""
