"""Runs in shards: a region split into groups of whole gemeenten, each built in its own process.

A region's extracts are folders of Parquet parts, one partition folder per gemeente
(``<stem>/gemeente=0935/part-0.parquet``, see the data contract). A run over more
verblijfsobjecten than one process should hold is split here into *shards* of whole gemeenten
(:func:`plan_shards`), and the per-shard work runs in worker processes (:func:`run_tasks`) that
end after their shard, so the memory a shard needed goes back to the machine. What the pipeline
does in a shard, and how it puts the shards' results together, is the pipeline's business; this
module only plans, runs and measures.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from vastgoed.core.schema import CONTRACT
from vastgoed.ingest.reader import (
    ParquetFolderReader,
    extract_parts,
    find_extract,
    parquet_rows,
    part_partition,
)

__all__ = ["Shard", "TreeMemory", "plan_shards", "run_tasks", "tree_rss_mib"]

_OBJECTS = "bag_verblijfsobjecten"

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Shard:
    """One shard: whole partitions (gemeenten) of every extract.

    Attributes:
        index: Its number, from 0 in partition order.
        partitions: Its partition folders (``gemeente=0935``), sorted.
        objects: Its verblijfsobjecten (rows of the BAG parts).
    """

    index: int
    partitions: tuple[str, ...]
    objects: int

    @property
    def gemeenten(self) -> list[str]:
        """The partitions' values (``0935`` of ``gemeente=0935``)."""
        return [p.split("=", 1)[-1] for p in self.partitions]


def plan_shards(data_dir: Path, max_objects: int) -> list[Shard] | None:
    """Split a data folder into shards of whole partitions of at most ``max_objects`` objects.

    Args:
        data_dir: The data folder.
        max_objects: The most verblijfsobjecten in a shard (a partition larger than it is a shard
            of its own); 0 never splits.

    Returns:
        The shards in partition order, or None when the folder runs in one process: it is not
        larger than ``max_objects``, or some extract is not a folder of partitioned parts (a CSV
        municipality), or it has a single partition.
    """
    if max_objects <= 0:
        return None
    per_partition: dict[str, int] = {}
    for spec in CONTRACT:
        found = find_extract(data_dir, spec.stem)
        if found is None:
            continue
        folder, reader = found
        if not isinstance(reader, ParquetFolderReader):
            return None
        for part in extract_parts(folder):
            partition = part_partition(folder, part)
            if not partition:
                return None
            rows = (
                parquet_rows(part, f"{spec.stem}/{part.relative_to(folder).as_posix()}")
                if spec.stem == _OBJECTS
                else 0
            )
            per_partition[partition] = per_partition.get(partition, 0) + rows
    if len(per_partition) < 2 or sum(per_partition.values()) <= max_objects:
        return None
    shards: list[Shard] = []
    group: list[str] = []
    size = 0
    for partition in sorted(per_partition):
        n = per_partition[partition]
        if group and size + n > max_objects:
            shards.append(Shard(len(shards), tuple(group), size))
            group, size = [], 0
        group.append(partition)
        size += n
    shards.append(Shard(len(shards), tuple(group), size))
    return shards


# --- memory of a process tree ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out.extend(int(c) for c in (task / "children").read_text(encoding="ascii").split())
        except OSError:
            continue
    return out


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def tree_rss_mib(pid: int | None = None) -> float:
    """Resident memory of a process and all its descendants, in MiB (0 where /proc is absent)."""
    todo = [pid if pid is not None else os.getpid()]
    seen: set[int] = set()
    total = 0
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_kib(p)
        todo.extend(_children(p))
    return round(total / 1024, 1)


class TreeMemory:
    """Samples the resident memory of this process and its workers together, for the run's peak.

    The kernel keeps a high-water mark per process only; the workers of a run in shards and the
    process that waits for them run at once, so their sum is what the machine must hold. It is
    sampled every ``interval`` seconds, so a peak shorter than that can be missed.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, tree_rss_mib())
            self._stop.wait(self.interval)

    @contextmanager
    def sampling(self) -> Iterator[TreeMemory]:
        """Sample while the block runs."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="vastgoed-tree-memory", daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()
            self.peak_mib = max(self.peak_mib, tree_rss_mib())


# --- running tasks in worker processes ------------------------------------------------------------


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int,
    tasks_per_worker: int = 1,
    console: Console | None = None,
    label: str = "shards",
    describe: Callable[[T], str] = str,
) -> list[R]:
    """Run ``fn`` on every task in worker processes, at most ``workers`` at once; results in order.

    Workers are started fresh (``spawn``: nothing of this process's memory is inherited) and each
    is replaced after ``tasks_per_worker`` tasks. ``fn`` must be a module-level function and tasks
    and results must pickle. The first error raised in a task is raised here, after the tasks
    still running have been cancelled or have ended.

    Args:
        fn: The work on one task.
        tasks: The tasks.
        workers: Processes at once.
        tasks_per_worker: Tasks a process takes before it is replaced.
        console: Where progress goes.
        label: The progress bar's name.
        describe: A task's name on the progress bar.
    """
    if not tasks:
        return []
    results: dict[int, R] = {}
    context = multiprocessing.get_context("spawn")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
        console=console or Console(quiet=True),
        transient=True,
    )
    with (
        progress,
        cf.ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)), mp_context=context, max_tasks_per_child=tasks_per_worker
        ) as pool,
    ):
        bar = progress.add_task(label, total=len(tasks), last="")
        futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
        try:
            for future in cf.as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                progress.update(bar, advance=1, last=describe(tasks[i]))
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return [results[i] for i in range(len(tasks))]
