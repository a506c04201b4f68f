"""Governance jobs: GDPR / CCPA erasure. Masks, row filters and tags are SQL in `jobs-src/governance/sql/`."""
