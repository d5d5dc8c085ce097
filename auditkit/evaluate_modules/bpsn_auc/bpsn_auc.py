"""auditkit's bpsn_auc as an ``evaluate`` metric (computed by auditkit.metrics.bpsn_auc)."""

from auditkit.evaluate_modules._build import auc_metric

BpsnAuc = auc_metric("bpsn_auc", "BpsnAuc", module=__name__)
