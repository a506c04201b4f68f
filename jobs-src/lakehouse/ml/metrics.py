"""How a churn model is judged: ranking (AUC), the top decile a retention campaign would contact, and
calibration (Brier score), computed from labels and predicted probabilities. Pure numpy / scikit-learn."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

TOP_SHARE = 0.1
"""The share of highest-scored customers a campaign contacts: the top decile."""


class UnscorableWindowError(ValueError):
    """An evaluation window without both churned and retained customers: AUC is undefined there."""


def evaluate(labels: Sequence[bool] | np.ndarray, scores: Sequence[float] | np.ndarray) -> dict[str, float]:
    """AUC, precision and recall in the top decile, Brier score, base rate and row count.

    Precision at the top decile: share of churners among the ceil(10 %) highest scores; recall: share of all
    churners found there. Ties at the cut are broken by order (a stable sort), as a campaign list would be.
    """
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(scores, dtype=float)
    if y.size == 0 or y.all() or not y.any():
        raise UnscorableWindowError(
            f"evaluation needs churned and retained customers, got {int(y.sum())} churned of {y.size} rows"
        )
    top = max(1, math.ceil(TOP_SHARE * y.size))
    order = np.argsort(-p, kind="stable")[:top]
    found = int(y[order].sum())
    return {
        "auc": float(roc_auc_score(y, p)),
        "precision_at_top_decile": found / top,
        "recall_at_top_decile": found / int(y.sum()),
        "brier": float(brier_score_loss(y, p)),
        "base_rate": float(y.mean()),
        "rows": float(y.size),
    }
