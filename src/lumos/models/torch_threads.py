"""Worker threads that each run PyTorch on one intra-op thread.

On a CPU, a small model's batches scale poorly across intra-op threads: each matrix
product is split between the cores and they wait for each other after every one of the
hundreds of small products in a forward pass. Running as many batches at once as there
are threads, each on one thread, keeps every core on its own products instead. With
MiniLM-L6 on 2 cores that is 2–6 % more whole tweets per second and about 10 % more of
LIME's half-length copies, whose products are smaller (``benchmarks/RESULTS.md``). The
engine uses this pool when a call has more than one batch; a single batch (a live
edit) still runs on every thread.

The threads are set up once per process and shared by every torch model. PyTorch's
OpenMP and MKL thread counts are per thread once a thread has started using them, so
each worker sets its own count to one and the process-wide count is then put back.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lumos.api.model import BatchPool

_lock = threading.Lock()
_pools: dict[int, BatchPool] = {}


def cpu_batch_pool(module: Any) -> BatchPool | None:
    """The shared pool for a torch ``module`` whose weights are on the CPU, or None
    (weights elsewhere, or torch set to one thread: nothing to gain)."""
    import torch

    first = next(iter(module.parameters()), None)
    if first is not None and first.device.type != "cpu":
        return None
    n = torch.get_num_threads()
    if n < 2:
        return None
    with _lock:
        pool = _pools.get(n)
        if pool is None:
            pool = _pools[n] = BatchPool(_start(n), n)
    return pool


def _start(n: int) -> ThreadPoolExecutor:
    import torch

    ready = threading.Barrier(n + 1)

    def one_thread() -> None:
        torch.get_num_threads()  # this thread's OpenMP set-up happens now, not later
        torch.set_num_threads(1)  # this thread's OpenMP and MKL now use one thread
        ready.wait()

    executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="lumos-torch",
                                  initializer=one_thread)
    started = [executor.submit(lambda: None) for _ in range(n)]  # one thread each
    ready.wait()
    torch.set_num_threads(n)  # the workers' calls also set the process-wide count
    for f in started:
        f.result()
    return executor
