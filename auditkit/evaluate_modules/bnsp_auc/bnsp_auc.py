"""auditkit's bnsp_auc as an ``evaluate`` metric (computed by auditkit.metrics.bnsp_auc)."""

from auditkit.evaluate_modules._build import auc_metric

BnspAuc = auc_metric("bnsp_auc", "BnspAuc", module=__name__)
