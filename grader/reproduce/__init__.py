"""Reproduction: re-execute a student's lesson notebooks offline, in a sandbox, against a fake
AWS whose linear-learner really trains, and judge the printed figures against re-executed ones.
(filled in below)
"""
