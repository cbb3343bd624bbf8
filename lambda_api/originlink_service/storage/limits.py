"""Where rate limits keep their state: a small compare-and-set store of JSON values, shared
by every process that serves requests — the worker processes of `originlink serve` and, on AWS,
every Lambda instance. A bucket kept per process would multiply each limit by the number of
processes and let a guesser spread its attempts over them; a lockout must hold wherever the
next attempt lands. (`ratelimits.py` holds the token-bucket and lockout arithmetic.)

- SQLite: its own file beside the database (`DATA/limits.sqlite3`), WAL, `synchronous=OFF`:
  the counters are advisory, so a power cut that forgets the last few attempts costs nothing,
  while an fsync per public lookup would; and a separate file never queues behind the
  certificate writes for its lock.
- DynamoDB: `LIMIT#<key>` items in the service's table, with `expires_at` for the table's TTL
  (only these items carry it; certificates are never expired).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS limits (
    key TEXT PRIMARY KEY, version INTEGER NOT NULL, expires_at REAL NOT NULL, state TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS limits_expiry ON limits (expires_at);
"""


class SqliteLimitStore:
    def __init__(self, path: str | Path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._writes = 0
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=OFF")
            self._local.conn = conn
        return conn

    def read(self, key: str, now: float) -> tuple[dict | None, int]:
        """The value (None when absent or expired at `now`) and its version (0: never
        written)."""
        row = (
            self._conn()
            .execute("SELECT version, expires_at, state FROM limits WHERE key = ?", (key,))
            .fetchone()
        )
        if row is None:
            return None, 0
        version, expires_at, state = row
        return (json.loads(state) if expires_at > now else None), version

    def write(self, key: str, value: dict, version: int, expires_at: float) -> bool:
        """Store `value` if the stored version is still `version`; False if another writer
        came first."""
        conn = self._conn()
        state = json.dumps(value, separators=(",", ":"))
        if version == 0:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO limits (key, version, expires_at, state) VALUES (?,1,?,?)",
                (key, expires_at, state),
            )
        else:
            cursor = conn.execute(
                "UPDATE limits SET version = version + 1, expires_at = ?, state = ? "
                "WHERE key = ? AND version = ?",
                (expires_at, state, key, version),
            )
        self._writes += 1
        if self._writes % 1000 == 0:  # forget what has expired, now and then
            conn.execute("DELETE FROM limits WHERE expires_at < ?", (time.time(),))
        return cursor.rowcount == 1


class DynamoLimitStore:
    def __init__(self, table: str, client):
        self.table = table
        self._db = client

    @staticmethod
    def _key(key: str) -> dict:
        return {"pk": {"S": f"LIMIT#{key}"}, "sk": {"S": "META"}}

    def read(self, key: str, now: float) -> tuple[dict | None, int]:
        item = self._db.get_item(TableName=self.table, Key=self._key(key), ConsistentRead=True)
        item = item.get("Item")
        if item is None:
            return None, 0
        version = int(item["version"]["N"])
        # TTL deletes expired items within a day or two, not at once: expired = absent.
        if float(item["expires_at"]["N"]) <= now:
            return None, version
        return json.loads(item["state"]["S"]), version

    def write(self, key: str, value: dict, version: int, expires_at: float) -> bool:
        item = {
            **self._key(key),
            "version": {"N": str(version + 1)},
            "expires_at": {"N": str(int(expires_at) + 1)},
            "state": {"S": json.dumps(value, separators=(",", ":"))},
        }
        condition = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if version == 0
            else {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(version)}},
            }
        )
        try:
            self._db.put_item(TableName=self.table, Item=item, **condition)
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True
