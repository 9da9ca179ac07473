"""Durable audit log of Live verdicts (SQLite in WAL mode), shared by every server worker.

Writes go through one writer thread per process that commits in groups (everything queued
within a few milliseconds goes into one transaction); a request is answered only after its
verdict is committed, so an answered verdict survives ``kill -9``. The writers of different
worker processes take turns through an advisory file lock rather than SQLite's busy handler:
the busy handler polls with sleeps of up to 100 ms, which put a long tail on answer latency,
while a waiter on ``flock`` wakes the moment the other writer commits. Stats, rate limits and the
audit pages are computed from the database, so every worker sees the same numbers.

Checkpoints (copying the write-ahead log into the database file, with an fsync) are taken by a
background thread every ``CHECKPOINT_EVERY_S`` seconds, in ``PASSIVE`` mode, never by a commit:
SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so every few
hundred verdicts one answer waited for the fsync (7 ms alone, tens of ms under load).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not POSIX: fall back to SQLite's own busy handler
    fcntl = None  # type: ignore[assignment]

SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, ts REAL NOT NULL, key_hash TEXT NOT NULL,
  backend TEXT NOT NULL, decision TEXT NOT NULL, severity TEXT NOT NULL, risk REAL NOT NULL,
  shield INTEGER NOT NULL, latency_ms REAL NOT NULL, request TEXT NOT NULL, verdict TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS verdicts_key_ts ON verdicts(key_hash, ts);
CREATE INDEX IF NOT EXISTS verdicts_ts ON verdicts(ts);
"""
COLUMNS = (
    "request_id",
    "ts",
    "key_hash",
    "backend",
    "decision",
    "severity",
    "risk",
    "shield",
    "latency_ms",
    "request",
    "verdict",
)
LATENCY_WINDOW = 1000
MAX_GROUP = 512
CHECKPOINT_EVERY_S = 1.0


@contextlib.contextmanager
def _writers_turn(lock_file: Any) -> Iterator[None]:
    """Hold the cross-process writer lock (see the module docstring) for one transaction."""
    if fcntl is None:
        yield
        return
    fcntl.flock(lock_file, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock_file, fcntl.LOCK_UN)


class AuditLog:
    """Group-committing SQLite audit log (one instance per process)."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        init = sqlite3.connect(self.path, timeout=30.0)
        init.execute("PRAGMA journal_mode=WAL")
        init.executescript(SCHEMA)
        init.close()
        self.started = time.time()
        self._queue: queue.Queue[tuple[dict[str, Any], Future] | None] = queue.Queue()
        self._read_lock = threading.Lock()
        self._reader = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        self._writer = threading.Thread(target=self._write_loop, name="sentinel-audit-writer", daemon=True)
        self._writer.start()
        self._stop = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint_loop, name="sentinel-audit-ckpt", daemon=True)
        self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        """Checkpoint the write-ahead log off the commit path (see the module docstring)."""
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            with contextlib.suppress(sqlite3.Error):  # busy or locked: the next round takes it
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        db.close()

    # -- writing -------------------------------------------------------------------------------
    def _write_loop(self) -> None:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        lock_file = open(self.path + ".writer-lock", "a+b")  # noqa: SIM115 - held for the writer's lifetime
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against process crashes
        db.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it, not a commit
        sql = f"INSERT INTO verdicts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        while True:
            item = self._queue.get()
            if item is None:
                break
            group = [item]
            while len(group) < MAX_GROUP:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    break
                group.append(nxt)
            try:
                with _writers_turn(lock_file):
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany(sql, [tuple(row[c] for c in COLUMNS) for row, _ in group])
                    db.execute("COMMIT")
            except Exception as exc:  # report to every waiter; the server answers fail-closed
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                for _, fut in group:
                    fut.set_exception(exc)
                continue
            for _, fut in group:
                fut.set_result(None)
        db.close()
        lock_file.close()

    def submit(self, row: dict[str, Any]) -> Future:
        fut: Future = Future()
        self._queue.put((row, fut))
        return fut

    async def record(self, rows: list[dict[str, Any]]) -> None:
        """Queue rows and wait until they are committed."""
        await asyncio.gather(*(asyncio.wrap_future(self.submit(r)) for r in rows))

    def record_sync(self, rows: list[dict[str, Any]]) -> None:
        for fut in [self.submit(r) for r in rows]:
            fut.result(timeout=30)

    def close(self) -> None:
        self._queue.put(None)
        self._writer.join(timeout=10)
        self._stop.set()
        self._checkpointer.join(timeout=10)
        with self._read_lock:
            self._reader.close()

    # -- reading -------------------------------------------------------------------------------
    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._read_lock:
            return self._reader.execute(sql, args).fetchall()

    def count_since(self, key_hash: str, since: float) -> int:
        return self._query("SELECT COUNT(*) FROM verdicts WHERE key_hash = ? AND ts >= ?", (key_hash, since))[0][0]

    def stats(self) -> dict[str, Any]:
        def grouped(column: str) -> dict[str, int]:
            return {k: n for k, n in self._query(f"SELECT {column}, COUNT(*) FROM verdicts GROUP BY {column}")}

        total, shield, blocked = self._query(
            "SELECT COUNT(*), COALESCE(SUM(shield), 0), "
            "COALESCE(SUM(severity = 'catastrophic' AND decision IN ('block', 'escalate')), 0) FROM verdicts"
        )[0]
        latencies = sorted(
            r[0] for r in self._query("SELECT latency_ms FROM verdicts ORDER BY id DESC LIMIT ?", (LATENCY_WINDOW,))
        )

        def pct(p: float) -> float | None:
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 3) if latencies else None

        return {
            "total": total,
            "by_decision": grouped("decision"),
            "by_severity": grouped("severity"),
            "by_backend": grouped("backend"),
            "shield_trips": shield,
            "catastrophes_blocked": blocked,
            "latency_window": len(latencies),
            "latency_ms_p50": pct(0.5),
            "latency_ms_p99": pct(0.99),
            "uptime_s": round(time.time() - self.started, 1),
        }

    def page(
        self,
        *,
        limit: int,
        offset: int,
        decision: str | None = None,
        backend: str | None = None,
        severity: str | None = None,
        since: float | None = None,
    ) -> dict[str, Any]:
        where: list[str] = []
        args: list[object] = []
        for column, value in (("decision", decision), ("backend", backend), ("severity", severity)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since is not None:
            where.append("ts >= ?")
            args.append(since)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        total = self._query(f"SELECT COUNT(*) FROM verdicts{clause}", tuple(args))[0][0]
        rows = self._query(
            f"SELECT id, ts, request, verdict FROM verdicts{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return {
            "total": total,
            "limit": limit,
            "offset": offset,
            "items": [
                {"id": i, "ts": ts, "request": json.loads(req), "verdict": json.loads(ver)} for i, ts, req, ver in rows
            ],
        }
