"""CKV_LH_DBX_1: every cluster the stacks define (all-purpose, job, pipeline) names a cluster policy."""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from lakehouse_check_support import blocks, first, is_set


def _job_clusters(conf: dict[str, Any]) -> list[dict[str, Any]]:
    clusters = [c for jc in blocks(conf, "job_cluster") for c in blocks(jc, "new_cluster")]
    clusters += [c for task in blocks(conf, "task") for c in blocks(task, "new_cluster")]
    clusters += blocks(conf, "new_cluster")
    return clusters


class ClusterPolicyBound(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure every Databricks cluster is bound to a cluster policy",
            id="CKV_LH_DBX_1",
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=["databricks_cluster", "databricks_job", "databricks_pipeline"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        resource_type = self.entity_type
        if resource_type == "databricks_cluster":
            clusters = [conf]
        elif resource_type == "databricks_job":
            clusters = _job_clusters(conf)
        else:
            clusters = blocks(conf, "cluster")
        if not clusters:
            return CheckResult.UNKNOWN
        unbound = [c for c in clusters if not is_set(first(c, "policy_id"))]
        return CheckResult.FAILED if unbound else CheckResult.PASSED


check = ClusterPolicyBound()
