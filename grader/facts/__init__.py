"""Derived facts: what several checks share, computed once per run from the raw collectors
(grader.aws.facts) and the rubric-level params. Checks read these and decide; they never work
facts out themselves, and never import each other.

- account.Account: the raw collectors plus the derived facts (regions, SageMaker listings,
  training-job analysis, the two buckets, effective Block Public Access).
- params.RunParams / RunSettings: the rubric-level params and the run's regions.
- buckets, jobs, regions, s3_policy: the types and the pure rules behind them.
"""
