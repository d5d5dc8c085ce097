"""Release gate: check a stored run against a TOML policy (exit codes and JUnit XML for CI)."""

from auditkit.gate._gate import GateCheck, GateResult, evaluate_gate
from auditkit.gate._policy import CHECKS, Policy, default_policy_path, load_policy

__all__ = [
    "GateCheck",
    "GateResult",
    "Policy",
    "evaluate_gate",
    "load_policy",
    "default_policy_path",
    "CHECKS",
]
