"""Code that runs INSIDE the sandboxed kernel: the prelude, the fake AWS's linear-learner
stand-in and its data formats. It imports nothing from `grader` (the sandbox copies this folder,
and `grader/recordio.py` as `_recordio.py`, into the scratch folder), so the kernel never imports the
grader package; tests import it in-process as `grader.reproduce.kernel`.
"""
