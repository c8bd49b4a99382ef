"""Opening a file a user named, safely: a FIFO, a device, a directory or a symlink loop is
refused by its type before anything is read (so `/dev/zero` cannot fill memory and a FIFO
cannot hang), and reads are capped.

`open_regular` opens without blocking (`O_NONBLOCK`: opening a FIFO would otherwise wait for a
writer), checks the open file's own type (`fstat`: no race with a swapped path), and returns a
binary file object. Problems raise `UnusableFile` with a short reason, which callers prefix
with the file's name in their own error type.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class UnusableFile(OSError):
    """The path is not a readable regular file; `reason` says why, in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return (exc.strerror or type(exc).__name__).lower()


def open_regular(path: str | Path) -> BinaryIO:
    """`path` opened for reading, if it is a regular file (symlinks followed)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise UnusableFile(f"cannot open: {_reason(exc)}") from None
    except ValueError:  # an embedded NUL character
        raise UnusableFile("cannot open: the name contains a NUL character") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = kind(mode)
            raise UnusableFile(f"{what}, not a file" if what.startswith("a ") else what)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def size(fh: BinaryIO) -> int:
    """The open file's size in bytes (0 for many /proc files, whose size is unknown)."""
    return os.fstat(fh.fileno()).st_size


def read_capped(path: str | Path, cap: int) -> bytes:
    """The whole of a regular file of at most `cap` bytes; larger files are refused without
    reading more than `cap + 1` bytes."""
    with open_regular(path) as fh:
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise UnusableFile(f"cannot read: {_reason(exc)}") from None
    if len(data) > cap:
        raise UnusableFile(f"larger than {cap // 1024} KB")
    return data


def exists(path: str | Path) -> bool:
    """Whether anything is at `path`: a file, a directory, a device, or a link (even a broken
    one or a loop)."""
    try:
        return os.path.lexists(path)
    except (OSError, ValueError):
        return False
