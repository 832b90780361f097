"""Peak memory of this process, per stage: the resident set's high-water mark (Linux ``VmHWM``).

A stage's peak is measured by resetting the kernel's high-water mark when the stage starts
(``/proc/self/clear_refs``, value 5) and reading ``VmHWM`` when it ends. Where the kernel does not
allow the reset (or off Linux), the process's peak so far (``ru_maxrss``) is reported instead, which
is an upper bound of the stage's peak; :func:`peak_is_per_stage` tells which.

Memory of child processes (a Spark driver's JVM) is not included.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

__all__ = ["current_rss_mib", "peak_is_per_stage", "peak_rss_mib", "reset_peak"]

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")
_can_reset: bool | None = None


def _status_kib(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the high-water mark to the current resident set; False when the kernel refuses."""
    global _can_reset
    if _can_reset is False:
        return False
    try:
        _CLEAR.write_text("5")
        _can_reset = True
    except OSError:
        _can_reset = False
    return _can_reset


def peak_is_per_stage() -> bool:
    """Whether :func:`peak_rss_mib` is the peak since the last :func:`reset_peak` (else since start)."""
    return bool(_can_reset)


def peak_rss_mib() -> float:
    """Peak resident memory in MiB since the last reset (or since the process started)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":  # bytes there
            kib //= 1024
    return round(kib / 1024, 1)


def current_rss_mib() -> float:
    """Resident memory now, in MiB."""
    kib = _status_kib("VmRSS")
    return round(kib / 1024, 1) if kib is not None else peak_rss_mib()
