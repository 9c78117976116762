"""The memory bounds a months-long run relies on (docs/journal.md, "Memory")."""

from __future__ import annotations

import platform
import subprocess
import sys
import textwrap
import threading

import pytest
from pydantic import ValidationError

from hmi.core.config import MemoryConfig

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt bounds are glibc's")

# Threads that each allocate (and hold) a block from the C library, then glibc's own report of its
# arenas: one <heap nr=...> element per arena.
_ARENAS = textwrap.dedent(
    """
    import ctypes, os, sys, tempfile, threading
    from hmi.core.malloc_bounds import MallocBounds, apply_malloc_bounds
    if sys.argv[1] != "default":
        assert apply_malloc_bounds(MallocBounds(int(sys.argv[1]), 128))
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.fopen.restype = ctypes.c_void_p
    held, go = [], threading.Barrier(12)
    def work():
        held.append(libc.malloc(4096))
        go.wait()  # every thread holds its block while the others allocate
    threads = [threading.Thread(target=work) for _ in range(11)]
    for t in threads:
        t.start()
    held.append(libc.malloc(4096))
    go.wait()
    for t in threads:
        t.join()
    path = os.path.join(tempfile.mkdtemp(), "info.xml")
    f = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(f))
    libc.fclose(ctypes.c_void_p(f))
    print(open(path).read().count("<heap nr="))
    """
)


def _arenas(limit: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _ARENAS, limit], capture_output=True, text=True, timeout=60, check=True
    )
    return int(out.stdout.strip())


@glibc_only
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_threads_share_the_bounded_arenas(limit: int) -> None:
    assert _arenas(str(limit)) <= limit


@glibc_only
def test_without_the_bound_threads_get_arenas_of_their_own() -> None:
    # The control: the same threads make more arenas than any bound above, so the test can fail.
    assert _arenas("default") > 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("malloc_arenas", 0),
        ("malloc_arenas", 65),
        ("malloc_mmap_threshold_kb", 8),
        ("malloc_mmap_threshold_kb", 65536),
    ],
)
def test_memory_config_names_the_out_of_range_field(field: str, value: int) -> None:
    with pytest.raises(ValidationError, match=field):
        MemoryConfig.model_validate({field: value})


def test_sim_history_ring_holds_its_bound_from_the_start() -> None:
    # RSS of a fresh process before and after 40 rings of an hour at 10 Hz: resident at once (pre-touched),
    # not mapped zero pages that become resident over hours as slowly changing tags fill them.
    code = textwrap.dedent(
        """
        def rss():
            for line in open("/proc/self/status"):
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        from asyncua import ua
        from connectors.sim.server import RingHistory
        before = rss()
        h = RingHistory(36016)
        for i in range(40):
            h.add_node(ua.NodeId(i, 2), ua.VariantType.Double)
        print(rss() - before)
        """
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    bound = 40 * 36016 * 20  # int64 time + float64 value + uint32 status per entry
    assert int(out.stdout.strip()) >= 0.9 * bound


_HOLES = textwrap.dedent(
    """
    import ctypes, sys
    from hmi.core.malloc_bounds import MallocTrimmer
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(1024) for _ in range(100_000)]  # 100 MB of small blocks in the main arena
    for b in blocks:
        ctypes.memset(b, 1, 1024)
    for i, b in enumerate(blocks):
        if i % 64:  # every 64th block lives on: the freed pages are holes, not the arena's top
            libc.free(b)
    before = rss()
    trimmer = MallocTrimmer(60.0)
    if sys.argv[1] == "trim":
        trimmer.trim_now()
    print(before - rss())
    """
)


def _given_back(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _HOLES, mode], capture_output=True, text=True, timeout=60, check=True
    )
    return int(out.stdout.strip())


@glibc_only
def test_trim_gives_back_free_pages_between_live_blocks() -> None:
    assert _given_back("none") < 10 * 2**20  # free() alone keeps the holes resident ...
    assert _given_back("trim") > 50 * 2**20  # ... malloc_trim gives them back


@glibc_only
def test_trimmer_thread_trims_until_stopped() -> None:
    from hmi.core.malloc_bounds import MallocTrimmer

    trimmer = MallocTrimmer(0.01).start()
    try:
        for _ in range(500):
            if trimmer.trims >= 2:
                break
            threading.Event().wait(0.01)
    finally:
        trimmer.stop()
    assert trimmer.trims >= 2
    done = trimmer.trims
    threading.Event().wait(0.05)
    assert trimmer.trims == done  # stopped: no trims after stop()
