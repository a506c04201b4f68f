"""The churn model's lifecycle: catalogue features, training, promotion and batch scoring (docs/ml.md)."""
