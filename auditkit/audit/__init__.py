"""The audit runner: predictions → metrics → bias probes → attributions."""

from auditkit.audit._runner import AuditOptions, AuditResult, predictions_frame, run_audit

__all__ = ["AuditOptions", "AuditResult", "predictions_frame", "run_audit"]
