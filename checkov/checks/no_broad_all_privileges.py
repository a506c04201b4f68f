"""CKV_LH_DBX_3: no Unity Catalog grant gives ALL_PRIVILEGES (or MANAGE) to a group holding every user."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from lakehouse_check_support import BROAD_PRINCIPALS, as_list, blocks, first

SWEEPING_PRIVILEGES = frozenset({"ALL_PRIVILEGES", "MANAGE"})


class NoBroadAllPrivileges(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure no Unity Catalog grant gives ALL_PRIVILEGES or MANAGE to account-wide groups",
            id="CKV_LH_DBX_3",
            categories=[CheckCategories.IAM],
            supported_resources=["databricks_grants", "databricks_grant"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        grants = blocks(conf, "grant") if self.entity_type == "databricks_grants" else [conf]
        for grant in grants:
            principal = str(first(grant, "principal", "")).strip().lower()
            privileges = {str(p).upper() for p in as_list(grant.get("privileges"))}
            if principal in BROAD_PRINCIPALS and privileges & SWEEPING_PRIVILEGES:
                return CheckResult.FAILED
        return CheckResult.PASSED


check = NoBroadAllPrivileges()
