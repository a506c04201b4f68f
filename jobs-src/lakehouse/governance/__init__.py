"""Governance jobs: GDPR / CCPA erasure. Masks, row filters and tags are SQL rendered at synthesis
(`constructs/governance/governance-sql.ts`) and run by the governance bootstrap job."""
