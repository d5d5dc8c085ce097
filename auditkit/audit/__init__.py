"""The audit runner: predictions → metrics → bias probes → attributions."""

from auditkit.audit._runner import AuditOptions, AuditResult, check_audit_options, predictions_frame, prepare_route, run_audit

__all__ = ["AuditOptions", "AuditResult", "check_audit_options", "predictions_frame", "prepare_route", "run_audit"]
