"""auditkit's subgroup_auc as an ``evaluate`` metric (computed by auditkit.metrics.subgroup_auc)."""

from auditkit.evaluate_modules._build import auc_metric

SubgroupAuc = auc_metric("subgroup_auc", "SubgroupAuc", module=__name__)
