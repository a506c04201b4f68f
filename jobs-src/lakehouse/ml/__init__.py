"""The churn model's lifecycle: features from the catalogue, training, promotion and batch scoring (docs/ml.md)."""
