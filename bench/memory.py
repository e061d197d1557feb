"""Peak memory of one workload, measured in a forked child (Linux), nothing estimated.

``method="rss"``: the child resets its high-water mark (``/proc/self/clear_refs``), runs the
workload and reports ``VmHWM - VmRSS at the start`` (real memory, numpy buffers included; right
for graphs of many small objects, which need fresh memory). ``method="tracemalloc"``: the peak of
the bytes allocated through Python's allocators, numpy's data buffers included (right for a few
large arrays, whose memory the C allocator would otherwise reuse from earlier work unseen).
"""
from __future__ import annotations

import gc
import os


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def peak_bytes(work, method: str = "rss") -> int | None:
    """Bytes of resident memory ``work()`` added at its peak; None where this cannot be measured."""
    if not hasattr(os, "fork") or not os.path.exists("/proc/self/clear_refs"):
        return None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: measure, report, exit without running the parent's cleanup
        result = b"-1"
        try:
            os.close(read)
            gc.collect()
            if method == "tracemalloc":
                import tracemalloc
                tracemalloc.start()
                start = tracemalloc.get_traced_memory()[0]
                work()
                result = str(tracemalloc.get_traced_memory()[1] - start).encode()
            else:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")  # reset the peak (VmHWM) to the current resident set
                start = _status_kib("VmRSS")
                work()
                result = str((_status_kib("VmHWM") - start) * 1024).encode()
        except BaseException as error:  # noqa: BLE001 - reported to the parent as text
            result = f"error: {type(error).__name__}: {error}".encode()[:500]
        finally:
            os.write(write, result)
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 4096):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    text = data.decode()
    if text.startswith("error") or text == "-1":
        raise RuntimeError(f"memory measurement failed: {text}")
    return int(text)
