"""Check modules. Each module registers its checks with `grader.registry.check`; the registry
imports every module here (see grader.registry.load_checks)."""
