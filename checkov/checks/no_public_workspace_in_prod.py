"""CKV_LH_DBX_5: a production Databricks workspace is reachable only through private endpoints.

A workspace is production when its ``environment`` tag is ``prod`` or ``production`` (every taggable
resource carries that tag, see constructs/core/tags.ts).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from lakehouse_check_support import first

PRODUCTION = frozenset({"prod", "production"})


class NoPublicWorkspaceInProd(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure production Databricks workspaces disable public network access",
            id="CKV_LH_DBX_5",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["azurerm_databricks_workspace"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        tags = first(conf, "tags") or {}
        environment = str(first(tags, "environment", "")).lower() if isinstance(tags, dict) else ""
        if environment not in PRODUCTION:
            return CheckResult.UNKNOWN
        public = first(conf, "public_network_access_enabled", True)  # the provider's default is true
        if public in (False, "false"):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = NoPublicWorkspaceInProd()
