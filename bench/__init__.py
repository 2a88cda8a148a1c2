"""Benchmarks: a generator for a large workspace (:mod:`bench.generate`) and the
page rerun driver behind ``make bench`` (:mod:`bench.run`). See bench/README.md."""


def say(message: str) -> None:
    """Progress and result lines of the benchmark scripts (stdout, flushed at once)."""
    print(message, flush=True)  # noqa: T201 - these scripts report on the console
