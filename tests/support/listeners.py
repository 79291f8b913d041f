"""The TCP sockets a process listens on, read from /proc: for the tests that every service
of the stack listens on loopback only."""

from __future__ import annotations

from pathlib import Path


def listening_inodes() -> dict[str, str]:
    """socket inode -> local address (hex, as /proc shows it) of every listening TCP socket."""
    listening = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                listening[fields[9]] = fields[1].split(":")[0]
    return listening


def socket_inodes(pid: int) -> list[str]:
    """The inodes of the sockets a process holds open."""
    inodes = []
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in descriptors:
        try:
            target = fd.readlink().as_posix()
        except OSError:
            continue
        if target.startswith("socket:"):
            inodes.append(target.removeprefix("socket:[").removesuffix("]"))
    return inodes


def is_loopback(hex_address: str) -> bool:
    if len(hex_address) == 8:  # IPv4, little-endian
        return hex_address.endswith("7F")
    # IPv6: ::1, or an IPv4-mapped 127.x address
    return hex_address == "00000000000000000000000001000000" or (
        hex_address.startswith("0000000000000000FFFF0000") and hex_address.endswith("7F")
    )


def process_tree(root: int) -> list[int]:
    """A process and all its descendants (a Spark worker's executors, say)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (2nd field) may hold spaces: the parent pid follows its ')'.
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
        except OSError:
            continue  # exited meanwhile
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree
