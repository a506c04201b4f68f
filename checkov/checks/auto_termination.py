"""CKV_LH_DBX_2: all-purpose clusters and SQL warehouses stop by themselves when idle."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from lakehouse_check_support import first

MAX_IDLE_MINUTES = 120
"""Longest idle time we accept before a cluster or warehouse stops."""


class AutoTermination(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=f"Ensure Databricks clusters and SQL warehouses stop within {MAX_IDLE_MINUTES} idle minutes",
            id="CKV_LH_DBX_2",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["databricks_cluster", "databricks_sql_endpoint"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        key = "autotermination_minutes" if self.entity_type == "databricks_cluster" else "auto_stop_mins"
        value = first(conf, key)
        if value is None:
            # The provider's default (60 minutes for clusters, 120 for warehouses) terminates.
            return CheckResult.PASSED
        if isinstance(value, str) and value.startswith("${"):
            return CheckResult.UNKNOWN
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            return CheckResult.FAILED
        return CheckResult.PASSED if 0 < minutes <= MAX_IDLE_MINUTES else CheckResult.FAILED


check = AutoTermination()
