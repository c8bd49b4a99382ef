"""Checks that report every mistake in one run, not only the first (as hassil's validator).

A check raises `Invalid` (or a subclass) for one mistake, as usual; a loader that goes on
after it wraps each independent part in `Problems.each()`, which records the mistake and
continues, and raises them all together at the end (`Problems.raise_if_any`). Each problem
is one line naming the file and the key: "settings.toml: voice.rate: 30 is outside 60-400".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager


class Invalid(ValueError):
    """Invalid input; `problems` are its mistakes, one line each (`str()` joins them)."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))


class Problems:
    """The mistakes found so far in one check."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        self.lines.append(line)

    @contextmanager
    def each(self) -> Iterator[None]:
        """Run one part of the check: a mistake it raises is recorded and the check goes on
        after the block (whatever the block would have made is left out)."""
        try:
            yield
        except Invalid as exc:
            self.lines.extend(exc.problems)

    def raise_if_any(self, error: type[Invalid]) -> None:
        if self.lines:
            raise error(list(dict.fromkeys(self.lines)))
