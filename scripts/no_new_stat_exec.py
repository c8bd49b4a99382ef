"""Run a command (proot, for scripts/check-arm64) with two newer x86_64 syscalls refused.

    python3 scripts/no_new_stat_exec.py proot -q qemu-aarch64-static ...

proot 5.1 (Debian 12's) predates `statx` and `faccessat2`, so it passes their paths to the
kernel untranslated: inside the guest `ls` and `[ -x FILE ]` then look at the host's files,
not the guest's. With a seccomp filter answering ENOSYS to them (and to `openat2`), qemu-user
and glibc fall back to `fstatat` and `faccessat`, which proot translates. The filter is
inherited by every process the command starts, and by nothing else.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
ENOSYS = 38
REFUSED = {"statx": 332, "openat2": 437, "faccessat2": 439}  # x86_64 syscall numbers

LD_W_ABS, JEQ_K, RET_K = 0x20, 0x15, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000


def program() -> list[tuple[int, int, int, int]]:
    """(code, jt, jf, k) instructions: ENOSYS for REFUSED on x86_64, allow everything else."""
    nrs = list(REFUSED.values())
    n = len(nrs)
    prog = [(LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
            (JEQ_K, 0, n + 1, AUDIT_ARCH_X86_64),  # another ABI: allow
            (LD_W_ABS, 0, 0, 0)]  # seccomp_data.nr
    prog += [(JEQ_K, n - i, 0, nr) for i, nr in enumerate(nrs)]
    prog += [(RET_K, 0, 0, ALLOW), (RET_K, 0, 0, ERRNO | ENOSYS)]
    return prog


def install() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    raw = b"".join(struct.pack("HBBI", *ins) for ins in program())
    buf = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HxxxxxxP", len(raw) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
            PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fbuf), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: no_new_stat_exec.py COMMAND [ARG...]")
    if os.uname().machine != "x86_64":
        sys.exit("no_new_stat_exec.py: only for x86_64 hosts")
    install()
    os.execvp(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
