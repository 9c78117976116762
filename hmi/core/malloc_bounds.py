"""Bound glibc's malloc for a process that runs for months (the logger service, the demo).

A LineHMI station runs a dozen threads (OPC UA client and server loops, the
journal writer, the fault model, the QC inspector). With glibc's defaults every
thread that allocates may get its own malloc arena (up to 8 x the cores), and
the mmap threshold rises each time a large block is freed, so numpy frames,
SQLite pages and OPC UA buffers end up in arenas that fragment and are never
given back. Measured on the headless demo: 26 MB free-but-held in the arenas
after one minute with the defaults, 3 MB with the bounds below
(docs/journal.md, "Memory").

`apply_malloc_bounds` sets both through mallopt(3) before the first thread
starts: a fixed number of arenas, and a fixed mmap threshold (which also stops
the threshold from drifting upward), so every block at or above it is its own
mapping and goes back to the system when freed. On a C library without
mallopt (musl, macOS) nothing is changed and the call says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

# mallopt(3) parameter numbers from glibc's <malloc.h>.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


@dataclass(frozen=True)
class MallocBounds:
    arenas: int  # malloc arenas for the whole process (glibc's default: 8 per core)
    mmap_threshold_kb: int  # blocks at least this large get their own mapping, returned on free


def apply_malloc_bounds(bounds: MallocBounds) -> bool:
    """Set the bounds through mallopt; True when the C library took both."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        log.info("malloc bounds not applied: the C library (%s) has no mallopt", name)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(M_ARENA_MAX, bounds.arenas) == 1
    ok = mallopt(M_MMAP_THRESHOLD, bounds.mmap_threshold_kb * 1024) == 1 and ok
    if not ok:
        log.warning(
            "malloc bounds not fully applied (arenas %d, mmap threshold %d kB): mallopt refused",
            bounds.arenas,
            bounds.mmap_threshold_kb,
        )
    return ok
