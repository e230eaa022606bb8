"""Writes a small synthetic lineage warehouse with every table of the design, hash-chained.

For checking the notebooks' paths that a demo run of today's LINEAGE job does not reach (a
ROLLBACK with its decision, outcomes, model versions, baseline snapshots, DRIFT signals, hash
chains): ``python fixture_warehouse.py DIR`` then ``run.sh --warehouse DIR``. The tables are
written with pyiceberg and laid out as Iceberg's Hadoop catalog lays them out
(``DIR/lineage/TABLE/metadata/v1.metadata.json`` + ``version-hint.text``). The columns follow
the LINEAGE job's tables; the figures are made up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sys
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog.memory import InMemoryCatalog

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
TS = pa.timestamp("us", tz="UTC")
STR, DBL, LONG, INT = pa.string(), pa.float64(), pa.int64(), pa.int32()
STRS = pa.list_(pa.field("element", STR, nullable=False))
DMAP = pa.map_(pa.field("key", STR, nullable=False), pa.field("value", DBL, nullable=False))


def t(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def field(name, type_, required=True):
    return pa.field(name, type_, nullable=not required)


SCHEMAS = {
    "signals": [
        field("signal_id", STR), field("kind", STR), field("deployment", STR),
        field("model_name", STR), field("model_version", STR), field("signal_name", STR),
        field("event_time", TS), field("value", DBL), field("score", DBL), field("reason", STR),
        field("detector", STR), field("statistic", STR), field("statistic_value", DBL),
        field("threshold", DBL), field("baseline", DMAP, False), field("window_start", TS),
        field("window_end", TS), field("window_count", LONG), field("source_ids", STRS, False),
    ],
    "decisions": [
        field("decision_id", STR), field("deployment", STR), field("model_name", STR),
        field("model_version", STR, False), field("decided_at", TS), field("policy", STR),
        field("outcome", STR), field("reason", STR), field("signal_ids", STRS, False),
        field("command_id", STR, False), field("statistics", DMAP, False),
    ],
    "commands": [
        field("command_id", STR), field("kind", STR), field("deployment", STR),
        field("model_name", STR), field("issued_at", TS), field("expires_at", TS),
        field("reason", STR), field("signal_ids", STRS, False), field("from_replicas", INT, False),
        field("target_replicas", INT, False), field("rollback_from_version", STR, False),
        field("rollback_to_version", STR, False), field("retrain_features", STRS, False),
        field("key_id", STR, False), field("signature", STR, False),
    ],
    "command_outcomes": [
        field("command_id", STR), field("deployment", STR), field("status", STR),
        field("event_time", TS), field("detail", STR), field("observed", DMAP, False),
    ],
    "model_versions": [
        field("event_id", STR), field("kind", STR), field("deployment", STR),
        field("model_name", STR), field("model_version", STR), field("previous_version", STR, False),
        field("training_batch_ids", STRS, False), field("event_time", TS),
    ],
    "data_batches": [
        field("batch_id", STR), field("dataset", STR), field("event_time", TS),
        field("range_start", TS), field("range_end", TS), field("row_count", LONG),
        field("location", STR), field("content_hash", STR), field("features", STRS, False),
    ],
    "baselines": [
        field("snapshot_id", STR), field("deployment", STR), field("model_name", STR),
        field("model_version", STR), field("signal_name", STR), field("event_time", TS),
        field("observations", LONG), field("level", DBL), field("spread", DBL),
        field("last_score", DBL), field("statistics", DMAP, False),
    ],
}
CHAIN_COLUMNS = [field("chain", STR), field("seq", LONG), field("prev_hash", STR), field("hash", STR)]


def rows() -> dict[str, list[dict]]:
    sig_anomaly = {
        "signal_id": "sig-1", "kind": "ANOMALY", "deployment": "chat-llm",
        "model_name": "llama-chat", "model_version": "v7", "signal_name": "latency_ms",
        "event_time": t(150), "value": 1765.0, "score": 1.0,
        "reason": "latency_ms 1765.0 vs baseline 690.1", "detector": "tail-probability",
        "statistic": "point_tail_p", "statistic_value": 1.8e-8, "threshold": 1e-6,
        "baseline": [("level", 690.1), ("q05", 408.2), ("q95", 984.7)],
        "window_start": t(149.2), "window_end": t(150), "window_count": 9,
        "source_ids": [f"req-{i}" for i in range(1492, 1501)],
    }
    sig_drift = dict(sig_anomaly, signal_id="sig-2", kind="DRIFT", signal_name="tokens_in",
                     event_time=t(200), value=512.0, score=0.9999, detector="kll-psi",
                     statistic="psi", statistic_value=0.31, threshold=0.2,
                     reason="tokens_in PSI 0.31 > 0.2", window_start=t(100), window_end=t(200),
                     window_count=1000, source_ids=[])
    baselines = []
    for i in range(30):
        slow = i >= 15
        baselines.append({
            "snapshot_id": f"bl-{i}", "deployment": "chat-llm", "model_name": "llama-chat",
            "model_version": "v7", "signal_name": "latency_ms", "event_time": t(10 * i),
            "observations": 100 * (i + 1), "level": 690.0 + (40.0 * (i - 14) if slow else 0.5 * i),
            "spread": 90.0 + (20 if slow else 0), "last_score": 1.0 if i == 15 else 0.2 + 0.01 * i,
            "statistics": [("q05", 408.0), ("q95", 985.0)],
        })
    return {
        "signals": [sig_anomaly, sig_drift],
        "decisions": [{
            "decision_id": "dec-1", "deployment": "chat-llm", "model_name": "llama-chat",
            "model_version": "v7", "decided_at": t(150), "policy": "rollback",
            "outcome": "ISSUED", "reason": "v7 latency 2.6x v6's baseline (p=1.8e-08)",
            "signal_ids": ["sig-1"], "command_id": "cmd-1",
            "statistics": [("p_value", 1.8e-8), ("effect", 2.6)],
        }],
        "commands": [{
            "command_id": "cmd-1", "kind": "ROLLBACK", "deployment": "chat-llm",
            "model_name": "llama-chat", "issued_at": t(150), "expires_at": t(450),
            "reason": "roll back llama-chat v7 -> v6: latency 2.6x v6's baseline",
            "signal_ids": ["sig-1"], "from_replicas": None, "target_replicas": None,
            "rollback_from_version": "v7", "rollback_to_version": "v6",
            "retrain_features": None, "key_id": "k1", "signature": "c2lnbmVk",
        }],
        "command_outcomes": [
            {"command_id": "cmd-1", "deployment": "chat-llm", "status": "APPLIED",
             "event_time": t(155), "detail": "v6 serving", "observed": []},
            {"command_id": "cmd-1", "deployment": "chat-llm", "status": "EFFECTIVE",
             "event_time": t(215), "detail": "latency back to baseline",
             "observed": [("latency_ms", 702.0)]},
        ],
        "model_versions": [
            {"event_id": "mv-1", "kind": "DEPLOYED", "deployment": "chat-llm",
             "model_name": "llama-chat", "model_version": "v7", "previous_version": "v6",
             "training_batch_ids": ["batch-1"], "event_time": t(0)},
        ],
        "data_batches": [
            {"batch_id": "batch-1", "dataset": "chat-logs", "event_time": t(-86400),
             "range_start": t(-8 * 86400), "range_end": t(-86400), "row_count": 120000,
             "location": "s3://example/chat-logs/2026-01-07", "content_hash": "sha256:ab12",
             "features": ["tokens_in"]},
        ],
        "baselines": baselines,
    }


def chained(name: str, records: list[dict], heads: dict) -> list[dict]:
    """Adds chain (the deployment, or the dataset), seq (from 1, counted across the tables of a
    chain, as LINEAGE does), prev_hash and hash (SHA-256 over the previous hash and the table name
    and the record's JSON: the links are real, the canonical bytes are not LINEAGE's)."""
    out = []
    for r in records:
        chain = r.get("deployment", r.get("dataset"))
        seq, prev = heads.get(chain, (0, "0" * 64))
        body = json.dumps(r, default=str, sort_keys=True).encode()
        digest = hashlib.sha256(bytes.fromhex(prev) + name.encode() + body).hexdigest()
        out.append(dict(r, chain=chain, seq=seq + 1, prev_hash=prev, hash=digest))
        heads[chain] = (seq + 1, digest)
    return out


def write(warehouse: Path) -> None:
    if warehouse.exists():
        shutil.rmtree(warehouse)
    catalog = InMemoryCatalog("fixture", warehouse=warehouse.as_uri())
    catalog.create_namespace("lineage")
    heads: dict = {}
    for name, records in rows().items():
        schema = pa.schema(SCHEMAS[name] + CHAIN_COLUMNS)
        data = pa.Table.from_pylist(chained(name, records, heads), schema=schema)
        location = warehouse / "lineage" / name
        table = catalog.create_table(f"lineage.{name}", schema=schema, location=location.as_uri())
        table.append(data)
        # Lay the current metadata out as the Hadoop catalog does.
        metadata = location / "metadata"
        current = Path(table.metadata_location.removeprefix("file://"))
        shutil.copy(current, metadata / "v1.metadata.json")
        (metadata / "version-hint.text").write_text("1")
        print(f"lineage.{name}: {data.num_rows} rows", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: fixture_warehouse.py DIR  (DIR is replaced)")
    write(Path(sys.argv[1]).resolve())
