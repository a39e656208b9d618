"""Before the suite: are the servers and the browser it needs there? Fails loudly, never skips.

Each one can be turned off on purpose (its suites are then skipped, and say so):
SMM_TEST_POSTGRES_URL=off, SMM_TEST_REDIS_URL=off, SMM_TEST_BROWSER=off.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import sys
from urllib.parse import urlsplit

POSTGRES_URL = os.environ.get("SMM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SMM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BROWSER = os.environ.get("SMM_TEST_BROWSER", "/usr/bin/chromium")


def address(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def check_postgres() -> str:
    """A PostgreSQL server answers an SSLRequest with one byte, S or N."""
    with socket.create_connection(address(POSTGRES_URL, 5432), timeout=5) as sock:
        sock.sendall(struct.pack("!ii", 8, 80877103))
        answer = sock.recv(1)
    if answer not in (b"S", b"N"):
        raise ConnectionError(f"not a PostgreSQL server (answered {answer!r})")
    return "server"


def check_redis() -> str:
    with socket.create_connection(address(REDIS_URL, 6379), timeout=5) as sock:
        sock.sendall(b"PING\r\n")
        answer = sock.recv(64)
    if not answer.startswith(b"+PONG"):
        raise ConnectionError(f"not a Redis server (answered {answer[:20]!r})")
    return "server"


def main() -> int:
    problems: list[str] = []
    for name, variable, value, check in (
            ("PostgreSQL", "SMM_TEST_POSTGRES_URL", POSTGRES_URL, check_postgres),
            ("Redis", "SMM_TEST_REDIS_URL", REDIS_URL, check_redis)):
        if value == "off":
            print(f"preflight: {name} tests turned off ({variable}=off)")
            continue
        try:
            check()
            print(f"preflight: {name} at {value}")
        except Exception as exc:  # whatever the driver says, the answer is "not there"
            problems.append(f"{name} is not reachable at {value} ({type(exc).__name__}: {exc}); "
                            f"start it, point {variable} at one, or set {variable}=off")
    if BROWSER == "off":
        print("preflight: browser tests turned off (SMM_TEST_BROWSER=off)")
    elif shutil.which(BROWSER):
        print(f"preflight: browser {BROWSER}")
    else:
        problems.append(f"no browser at {BROWSER}: `apt-get install chromium`, point "
                        "SMM_TEST_BROWSER at one, or set SMM_TEST_BROWSER=off")
    for problem in problems:
        print(f"preflight: MISSING: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
