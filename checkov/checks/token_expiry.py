"""CKV_LH_DBX_4: personal access and on-behalf-of tokens expire, within 90 days."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from lakehouse_check_support import first

MAX_LIFETIME_SECONDS = 90 * 24 * 3600


class TokenExpiry(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure Databricks tokens have a lifetime of at most 90 days",
            id="CKV_LH_DBX_4",
            categories=[CheckCategories.SECRETS],
            supported_resources=["databricks_token", "databricks_obo_token"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        value = first(conf, "lifetime_seconds")
        if value is None:
            return CheckResult.FAILED  # without a lifetime the token never expires
        if isinstance(value, str) and value.startswith("${"):
            return CheckResult.UNKNOWN
        try:
            seconds = int(value)
        except (TypeError, ValueError):
            return CheckResult.FAILED
        return CheckResult.PASSED if 0 < seconds <= MAX_LIFETIME_SECONDS else CheckResult.FAILED


check = TokenExpiry()
