"""Regression metrics printed in lines: RMSE and R² in the spellings notebooks use."""

from __future__ import annotations

import re

from grader.notebooks.parsers.base import Found, metric_lines, total

_RMSE_KEY = re.compile(
    r"(?<![a-z0-9])(?:rmse|root[ _-]?mean[ _-]?squared?[ _-]?error|root[ _-]?mse)(?![a-z])", re.IGNORECASE
)
_R2_KEY = re.compile(
    r"(?<![a-z0-9])(?:r[ _-]?(?:2|\u00b2|\^ ?2|\*\*2)|r[ _-]?squared|coefficient[ _]of[ _]determination)"
    r"(?![a-z0-9])(?:[ _-]?score)?",
    re.IGNORECASE,
)

_R2_NEEDLES = ("r2", "r^", "r\u00b2", "squared", "r 2", "r_2", "r-2", "determination", "r**2")


@total(list)
def find_rmse(text: str) -> list[Found]:
    """RMSE values ("RMSE: 0.36", "Root Mean Squared Error = 0.36", "rmse 0.36")."""
    return metric_lines(text, _RMSE_KEY, ("rmse", "root"))


@total(list)
def find_r2(text: str) -> list[Found]:
    """R² values ("R2 score: -0.09", "R^2 = 0.1", "R²: 0.1", "R-squared: 0.1", "r2_score: 0.1")."""
    return metric_lines(text, _R2_KEY, _R2_NEEDLES)
