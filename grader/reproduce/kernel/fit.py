"""The linear-learner stand-in's models: scikit-learn fits, stored as plain JSON coefficients.

- `binary_classifier`: logistic regression on the features as given (standardised internally,
  as linear-learner's `normalize_data` default does), with the decision threshold tuned on the
  training data for accuracy (linear-learner's default `binary_classifier_model_selection_criteria`).
- `regressor`: the loss the hyperparameters name: `squared_loss` (default, also `auto`),
  `absolute_loss` (median regression), `huber_loss`, `quantile_loss` (with `quantile`); other
  losses fall back to squared loss and say so in the training log.
- `multiclass_classifier`: multinomial logistic regression (score = class probabilities).

A model is a dict (JSON-safe): no pickle crosses the fake S3.
"""

from __future__ import annotations

import numpy as np

BINARY, REGRESSOR, MULTICLASS = "binary_classifier", "regressor", "multiclass_classifier"


class TrainingError(ValueError):
    """Data linear-learner would reject (the job fails with this reason)."""


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return (x - mean) / scale, mean, scale


def _fold(coef: np.ndarray, intercept: np.ndarray, mean: np.ndarray, scale: np.ndarray):
    """Coefficients on standardised features -> coefficients on the raw features."""
    raw = coef / scale
    return raw, intercept - raw @ mean


def best_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The score threshold (predict 1 when score >= t) with the highest training accuracy;
    ties go to the threshold nearest 0.5."""
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], y[order]
    # predicting 1 for the first k rows: correct = ones among them + zeros after them
    ones = np.concatenate([[0], np.cumsum(t)])
    zeros_after = (t == 0).sum() - np.concatenate([[0], np.cumsum(t == 0)])
    correct = ones + zeros_after
    cuts = np.concatenate([[s[0] + 1e-9 if len(s) else 1.0], s])  # k=0: predict none
    # only cut between distinct scores
    valid = np.concatenate([[True], np.append(s[1:] != s[:-1], True)])
    best = correct[valid].max()
    candidates = cuts[valid][correct[valid] == best]
    return float(candidates[np.argmin(np.abs(candidates - 0.5))])


def train(x: np.ndarray, y: np.ndarray, hp: dict[str, str]) -> tuple[dict, list[str]]:
    """Fit a model for the hyperparameters; returns (model, log lines)."""
    from sklearn.linear_model import HuberRegressor, LinearRegression, LogisticRegression, QuantileRegressor

    kind = hp.get("predictor_type", "").strip('"')
    if kind not in (BINARY, REGRESSOR, MULTICLASS):
        raise TrainingError(f"predictor_type must be one of {BINARY}, {MULTICLASS}, {REGRESSOR} (got {kind!r})")
    if x.ndim != 2 or len(x) == 0 or x.shape[1] == 0:
        raise TrainingError("no training records were found in the train channel")
    if len(y) != len(x) or not np.isfinite(y).all():
        raise TrainingError("every training record needs a finite label")
    if not np.isfinite(x).all():
        raise TrainingError("the features hold NaN or infinite values")
    z, mean, scale = _standardise(x)
    log = []
    if kind == BINARY:
        if not set(np.unique(y)) <= {0.0, 1.0}:
            raise TrainingError("binary_classifier labels must be 0 or 1")
        if len(np.unique(y)) < 2:
            raise TrainingError("the training labels hold only one class")
        fitted = LogisticRegression(max_iter=2000).fit(z, y)
        coef, intercept = _fold(fitted.coef_[0], fitted.intercept_, mean, scale)
        scores = 1 / (1 + np.exp(-(x @ coef + intercept[0])))
        threshold = best_threshold(scores, y)
        acc = float(((scores >= threshold) == (y == 1)).mean())
        log.append(f"scikit-learn LogisticRegression; decision threshold {threshold:.4f} tuned for accuracy")
        log.append(f"#quality_metric: host=algo-1, train binary_classification_accuracy <score>={acc:.6f}")
        return {"predictor_type": kind, "coef": coef.tolist(), "intercept": float(intercept[0]),
                "threshold": threshold}, log
    if kind == MULTICLASS:
        fitted = LogisticRegression(max_iter=2000).fit(z, y)
        coef, intercept = _fold(fitted.coef_, fitted.intercept_, mean, scale)
        log.append("scikit-learn LogisticRegression (multinomial)")
        return {"predictor_type": kind, "coef": coef.tolist(), "intercept": intercept.tolist(),
                "classes": fitted.classes_.tolist()}, log
    loss = hp.get("loss", "auto").strip('"')
    if loss == "absolute_loss":
        model, name = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs"), "QuantileRegressor(0.5)"
    elif loss == "quantile_loss":
        q = float(hp.get("quantile", 0.5))
        model, name = QuantileRegressor(quantile=q, alpha=0.0, solver="highs"), f"QuantileRegressor({q})"
    elif loss == "huber_loss":
        model, name = HuberRegressor(max_iter=1000), "HuberRegressor"
    else:
        model, name = LinearRegression(), "LinearRegression"
        if loss not in ("auto", "squared_loss"):
            log.append(f"loss {loss!r} is not simulated: squared loss used instead")
    fitted = model.fit(z, y)
    coef, intercept = _fold(np.ravel(fitted.coef_), np.atleast_1d(fitted.intercept_), mean, scale)
    pred = x @ coef + intercept[0]
    mse = float(((pred - y) ** 2).mean())
    log.append(f"scikit-learn {name} (loss {loss})")
    log.append(f"#quality_metric: host=algo-1, train mse_objective <loss>={mse:.6f}")
    return {"predictor_type": kind, "coef": coef.tolist(), "intercept": float(intercept[0]), "loss": loss}, log


def predict(model: dict, x: np.ndarray) -> list[dict]:
    """linear-learner's prediction objects for the rows of `x`."""
    kind = model["predictor_type"]
    coef = np.asarray(model["coef"], dtype="float64")
    width = coef.shape[-1]
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"each record must have {width} features (got {x.shape[1] if x.ndim == 2 else x.shape})")
    if kind == MULTICLASS:
        logits = x @ coef.T + np.asarray(model["intercept"])
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        classes = model["classes"]
        return [{"score": [float(p) for p in row], "predicted_label": float(classes[int(row.argmax())])}
                for row in probs]
    raw = x @ coef + model["intercept"]
    if kind == BINARY:
        scores = 1 / (1 + np.exp(-raw))
        return [{"score": float(s), "predicted_label": float(s >= model["threshold"])} for s in scores]
    return [{"score": float(s)} for s in raw]


def evaluate(model: dict, x: np.ndarray, y: np.ndarray) -> str:
    """A `#quality_metric` log line for a test channel."""
    preds = predict(model, x)
    if model["predictor_type"] == REGRESSOR:
        mse = float(np.mean([(p["score"] - t) ** 2 for p, t in zip(preds, y, strict=True)]))
        return f"#quality_metric: host=algo-1, test mse <loss>={mse:.6f}"
    acc = float(np.mean([p["predicted_label"] == t for p, t in zip(preds, y, strict=True)]))
    return f"#quality_metric: host=algo-1, test binary_classification_accuracy <score>={acc:.6f}"
