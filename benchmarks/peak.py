"""Peak memory of the running process, for the benchmark scripts."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's own peak RSS in MiB: /proc's VmHWM where Linux has it.

    Not ru_maxrss: a child started by subprocess (vfork + exec) inherits its parent's peak into
    it, so a run that first generated a data file (the parent peaking near 1 GB) reported that
    peak for every child, baselines included. VmHWM belongs to the memory the process got at
    its exec and counts the process alone.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    [kib] = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(kib) / 1024
