"""Progress on work that takes more than a second: a bar on a terminal, plain lines in CI, nothing with -q.

Nothing is shown for the first DELAY seconds, so quick commands print nothing extra. Then,
on a terminal (stderr is a TTY), tqdm's bar, refreshed by a ticker thread so the clock runs
through a long phase, and erased when the work ends. Elsewhere (CI logs, pipes) a plain line
every EVERY seconds: "vgg16.yaml -> smaug: emit (6 s)", or with a count, "checking: 7/12
files resnet50.yaml (6 s)". tqdm is imported only when a bar is shown, so `nncc --help` and
`nncc lint` do not load it.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, TextIO

DELAY = 1.0  # seconds of work before anything is shown
EVERY = 5.0  # seconds between plain lines
TICK = 0.25  # seconds between refreshes of a bar


class Progress:
    """`step(label)` after each unit of work, `label_as(label)` as a phase begins; a `with` block
    (or `close()`) ends it. `thread=False` leaves the ticking to the caller (`tick()`, for tests)."""

    def __init__(self, what: str, total: int | None = None, unit: str = "it", *, enabled: bool = True,
                 stream: TextIO | None = None, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic, thread: bool = True, every: float = EVERY):
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.clock = clock
        self.start = clock()
        self.last_line: float | None = None
        self.done = 0
        self.label = ""
        self.lines = 0  # plain lines printed
        self.tty = self.stream.isatty() if tty is None else tty
        self._bar: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if enabled and thread:
            self._thread = threading.Thread(target=self._run, name="nncc-progress", daemon=True)
            self._thread.start()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def label_as(self, label: str) -> None:
        """Say what is being done now, without counting a step."""
        with self._lock:
            self.label = label

    def step(self, label: str = "", n: int = 1) -> None:
        with self._lock:
            self.done += n
            if label:
                self.label = label

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            self.tick()

    def tick(self) -> None:
        """Show the state now, if DELAY has passed (a bar refresh, or a plain line every EVERY s)."""
        now = self.clock()
        if not self.enabled or now - self.start < DELAY:
            return
        with self._lock:
            if self.tty:
                self._refresh_bar()
            elif self.last_line is None or now - self.last_line >= self.every:
                unit = {"it": "", "B": " bytes"}.get(self.unit, f" {self.unit}s")
                count = f"{self.done}/{self.total}{unit} " if self.total else ""
                print(f"{self.what}: {count}{self.label} ({now - self.start:.0f} s)".replace("  ", " "),
                      file=self.stream, flush=True)
                self.lines += 1
                self.last_line = now

    def _refresh_bar(self) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=self.what, unit=self.unit, leave=False, file=self.stream,
                             dynamic_ncols=True, unit_scale=self.unit == "B", initial=0)
            self._bar.start_t -= self.clock() - self.start  # the clock counts from the start of the work
        self._bar.n = self.done
        self._bar.set_postfix_str(self.label, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None


def progress(what: str, total: int | None = None, unit: str = "it") -> Progress:
    """A Progress on stderr that the command line's -q silences."""
    from .cmdline import verbosity

    return Progress(what, total, unit, enabled=verbosity() >= 0)
