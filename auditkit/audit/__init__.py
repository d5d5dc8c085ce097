"""The audit runner: predictions → metrics → bias probes → attributions."""

from auditkit.audit._runner import AuditOptions, AuditResult, run_audit

__all__ = [
    "AuditOptions",
    "AuditResult",
    "run_audit",
]
