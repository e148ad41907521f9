"""Where nhiguard's time goes: one in-process scan, timed per rule, per view and per file.

    .venv/bin/python benchmarks/profile_scan.py PATH          # any tree
    .venv/bin/python benchmarks/profile_scan.py --real        # the real-code corpus (corpus.py)
    .venv/bin/python benchmarks/profile_scan.py --real --quick --top 30
    .venv/bin/python benchmarks/profile_scan.py CLONE --history   # every blob of a history

Runs `nhiguard scan PATH --jobs 1` inside this process (one process, so
every call is seen) with timers wrapped, from outside, around:

- every rule's `check` (its findings are drawn inside the timer, since
  `check` may be a generator);
- every `functools.cached_property` of every class in `nhiguard.document`
  (`Document.tree`, `Document.python`, ...), found by looking, so a view
  added later is timed without a change here;
- the engine's steps where they exist: reading, the keyword prefilter,
  decoding, suppressions, fingerprints, the listing; a step that is not
  found (renamed) is named in the notes, never an error.

Times are this process's CPU time (`time.process_time`), not wall time, so
other work on a busy machine does not inflate them; the wall time is shown
beside the total. Timers nest: a view first built inside a rule counts as
the view's time, and the rule's *self* time is what is left. Self times add
up to the time spent in timed code; the rest of the CPU time (start-up of
the command, configuration, the report) is shown as unattributed. The
cycle collector's time is shown beside it (it runs inside whatever
allocates).

The scan's report is written to a temporary file and deleted: nothing it
found is printed, only times, file names and sizes.
"""

from __future__ import annotations

import argparse
import functools
import gc
import heapq
import inspect
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import corpus
from _report import table

FileEntry = tuple[float, str, int, list[tuple[str, float]]]  # seconds, uri, bytes, biggest parts
clock = time.process_time  # CPU seconds of this process: immune to a busy machine
MIN_PART_S = 0.001  # a file's parts below this are noise, not where its time went


class Timers:
    """Inclusive and self time per label, with a stack so nested regions are not counted twice."""

    def __init__(self, top_files: int) -> None:
        self.total: defaultdict[str, float] = defaultdict(float)
        self.own: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self._stack: list[float] = []  # time spent in children of each open region
        self._file_parts: defaultdict[str, float] | None = None  # self time per label, this file
        self.top_files = top_files
        self.files: list[FileEntry] = []  # a min-heap of the slowest files
        self.gc_s = 0.0
        self._gc_start = 0.0

    def call(self, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._stack.append(0.0)
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            spent = clock() - start
            children = self._stack.pop()
            self.total[label] += spent
            self.own[label] += spent - children
            self.calls[label] += 1
            if self._stack:
                self._stack[-1] += spent
            if self._file_parts is not None:
                self._file_parts[label] += spent - children

    def per_file(self, label: str, fn: Callable[..., Any], artifact: Any, *args: Any) -> Any:
        """Time one artifact's scan, keeping the slowest files and what they spent it on."""
        outer, self._file_parts = self._file_parts, defaultdict(float)
        start = clock()
        try:
            return self.call(label, fn, artifact, *args)
        finally:
            spent = clock() - start
            biggest = sorted(self._file_parts.items(), key=lambda kv: -kv[1])[:3]
            parts = [(k, v) for k, v in biggest if v >= MIN_PART_S]
            self._file_parts = outer
            entry: FileEntry = (spent, str(getattr(artifact, "uri", "?")),
                                int(getattr(artifact, "size", 0)), parts)
            if len(self.files) < self.top_files:
                heapq.heappush(self.files, entry)
            elif spent > self.files[0][0]:
                heapq.heapreplace(self.files, entry)

    def on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = clock()
        else:
            self.gc_s += clock() - self._gc_start


_INHERITED = object()


class Patches:
    """Attributes replaced for the profile, put back afterwards."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []
        self.missing: list[str] = []

    def set(self, owner: Any, name: str, value: Any) -> None:
        # A class's own attribute, or _INHERITED when it comes from a base (then deleted again).
        self._saved.append((owner, name, vars(owner).get(name, _INHERITED)))
        setattr(owner, name, value)

    def restore(self) -> None:
        for owner, name, value in reversed(self._saved):
            if value is _INHERITED:
                delattr(owner, name)
            else:
                setattr(owner, name, value)
        self._saved.clear()


def _timed(timers: Timers, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return timers.call(label, fn, *args, **kwargs)
    return wrapper


def wrap_rules(timers: Timers, patches: Patches, rule_classes: Iterable[Any]) -> None:
    """Time each rule's `check`, draining it inside the timer (it may be a generator)."""
    classes = list(rule_classes)
    originals = {cls: cls.check for cls in classes}  # before any patch: no wrapper wraps another
    for cls, original in originals.items():
        label = f"rule {cls.id} {getattr(cls, 'name', cls.__name__)}"

        def check(self: Any, doc: Any, _orig: Any = original, _label: str = label) -> list[Any]:
            return timers.call(_label, lambda: list(_orig(self, doc)))

        patches.set(cls, "check", check)


def wrap_views(timers: Timers, patches: Patches, module: Any) -> list[str]:
    """Time every cached_property of every class defined in `module`; return their labels."""
    labels: list[str] = []
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != module.__name__:
            continue
        for name, attr in list(vars(cls).items()):
            if not isinstance(attr, functools.cached_property):
                continue
            label = f"view {cls.__name__}.{name}"
            timed = functools.cached_property(_timed(timers, label, attr.func))
            timed.__set_name__(cls, name)
            patches.set(cls, name, timed)
            labels.append(label)
    return labels


# Engine steps worth seeing, as (label, module, dotted attribute). Each is optional: the
# engine is free to rename them, and a missing one is only reported.
ENGINE_STEPS = (
    ("engine: read bytes", "nhiguard.sources", "Artifact.read"),
    ("engine: read a git blob", "nhiguard.sources.gitsource", "GitBlob.read"),
    ("engine: prefilter", "nhiguard.engine", "Prefilter.candidates"),
    ("engine: decode", "nhiguard.engine", "decode"),
    ("engine: suppressions", "nhiguard.engine", "apply_suppressions"),
    ("engine: bare ignores", "nhiguard.engine", "report_bare_ignores"),
    ("engine: fingerprints", "nhiguard.engine", "with_fingerprints"),
    ("listing the tree", "nhiguard.sources", "PathSource.list"),
)
PER_FILE_STEP = ("engine: per file, rest", "nhiguard.engine", "scan_artifact")


def _resolve(module_name: str, dotted: str) -> tuple[Any, str, Any] | None:
    try:
        owner: Any = __import__(module_name, fromlist=["_"])
    except ImportError:
        return None
    *path, name = dotted.split(".")
    for part in path:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    found = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
    return (owner, name, found) if callable(found) else None


def wrap_engine(timers: Timers, patches: Patches) -> None:
    for label, module_name, dotted in ENGINE_STEPS:
        target = _resolve(module_name, dotted)
        if target is None:
            patches.missing.append(f"{module_name}.{dotted}")
            continue
        owner, name, fn = target
        patches.set(owner, name, _timed(timers, label, fn))
    label, module_name, dotted = PER_FILE_STEP
    target = _resolve(module_name, dotted)
    if target is None:
        patches.missing.append(f"{module_name}.{dotted} (no per-file times)")
        return
    owner, name, fn = target

    def per_file(artifact: Any, *args: Any, **kwargs: Any) -> Any:
        return timers.per_file(label, functools.partial(fn, **kwargs), artifact, *args)

    patches.set(owner, name, per_file)


def profile_tree(tree: Path, top: int, extra: list[str]) -> tuple[Timers, float, int, list[str]]:
    """Scan `tree` once in this process; (timers, CPU seconds, exit code, notes)."""
    import nhiguard.document
    from nhiguard.cli import main as cli_main
    from nhiguard.registry import all_rule_classes

    timers, patches = Timers(top), Patches()
    notes: list[str] = []
    wrap_rules(timers, patches, all_rule_classes())
    views = wrap_views(timers, patches, nhiguard.document)
    notes.append("views timed: " + (", ".join(v.removeprefix("view ") for v in views) or "none"))
    wrap_engine(timers, patches)
    if patches.missing:
        notes.append("engine steps not found (not timed): " + ", ".join(patches.missing))
    cwd = os.getcwd()
    gc.callbacks.append(timers.on_gc)
    with tempfile.TemporaryDirectory(prefix="nhiguard-profile-") as scratch:
        # No per-file time budget: while its CPU timer is armed, Linux updates the
        # process's CPU clock only at scheduler ticks, and short regions (a blob
        # read, a small rule) would be charged for time spent elsewhere.
        args = ["scan", ".", "--jobs", "1", "--no-progress", "--format", "json",
                "--file-timeout", "0", "--output", os.path.join(scratch, "report.json"), *extra]
        code = 0
        os.chdir(tree)
        start, wall_start = clock(), time.perf_counter()
        try:
            cli_main(args, standalone_mode=False)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 3
        finally:
            cpu = clock() - start
            wall = time.perf_counter() - wall_start
            busy = " (far apart: the machine was busy)" if wall > 1.2 * cpu + 0.1 else ""
            notes.append(f"wall time {wall:.2f} s for {cpu:.2f} s of CPU{busy}")
            os.chdir(cwd)
            gc.callbacks.remove(timers.on_gc)
            patches.restore()
    return timers, cpu, code, notes


def render(timers: Timers, cpu: float) -> str:
    """The Markdown tables: CPU time per label by self time, then the slowest files."""
    rows: list[list[str]] = []
    timed = sum(timers.own.values())
    for label in sorted(timers.own, key=lambda k: -timers.own[k]):
        own, calls = timers.own[label], timers.calls[label]
        rows.append([label, f"{calls:,}", f"{timers.total[label]:.2f}", f"{own:.2f}",
                     f"{100 * own / cpu:.1f}%", f"{1000 * timers.total[label] / calls:.3f}"])
    rows.append(["unattributed (start-up, configuration, report, harness)", "-", "-",
                 f"{cpu - timed:.2f}", f"{100 * (cpu - timed) / cpu:.1f}%", "-"])
    out = [table(["what", "calls", "total CPU s", "self CPU s", "self % of all", "ms per call"],
                 rows)]
    out.append(f"\nCPU {cpu:.2f} s in all; the cycle collector took {timers.gc_s:.2f} s of it"
               " (inside the rows above).")
    if timers.files:
        files = sorted(timers.files, reverse=True)
        frows = [[f"`{uri}`", f"{size / 1024:,.0f}", f"{spent:.3f}",
                  ", ".join(f"{p} {s:.3f}" for p, s in parts)]
                 for spent, uri, size, parts in files]
        out += ["", f"Slowest {len(files)} files:", "",
                table(["file", "KB", "CPU s", "where (self CPU s)"], frows)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("tree", nargs="?", type=Path, help="the tree to scan")
    p.add_argument("--real", action="store_true", help="scan the real-code corpus (fetched once)")
    p.add_argument("--quick", action="store_true", help="with --real: the small subset")
    p.add_argument("--top", type=int, default=20, help="how many slowest files to list")
    p.add_argument("--select", help="passed to nhiguard scan --select")
    p.add_argument("--history", nargs="?", const="HEAD", metavar="REV-RANGE",
                   help="profile `nhiguard scan --history` of the repository TREE instead")
    args = p.parse_args(argv)
    if args.real:
        tree, _ = corpus.ensure_corpus(args.quick)
    elif args.tree is not None:
        tree = args.tree.expanduser().resolve()
    else:
        p.error("give a tree, or --real")
    if not tree.is_dir():
        p.error(f"not a folder: {tree}")
    try:
        import nhiguard
    except ImportError:
        print("profile: nhiguard is not importable; run with the project's .venv python",
              file=sys.stderr)
        return 2
    extra = ["--select", args.select] if args.select else []
    if args.history:
        extra.append(f"--history={args.history}")
    timers, cpu, code, notes = profile_tree(tree, args.top, extra)
    print(f"# Where the time goes: nhiguard {nhiguard.__version__}, one process, --jobs 1\n")
    print(f"Tree: {tree}; exit code {code}.\n")
    print(render(timers, cpu))
    print("\nNotes:\n" + "\n".join(f"- {n}" for n in notes))
    return 0 if code in (0, 1) else 3


if __name__ == "__main__":
    sys.exit(main())
