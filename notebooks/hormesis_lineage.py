"""Reads the Hormesis lineage tables of a local Iceberg warehouse (a Hadoop catalog directory).

pyiceberg has no Hadoop catalog, so each table is opened as a pyiceberg ``StaticTable`` from its
newest metadata file: ``WAREHOUSE/lineage/TABLE/metadata/vN.metadata.json``, where N is the number
in ``version-hint.text`` (the Hadoop catalog's pointer to the current version) or, without a hint,
the highest N present. The tables are scanned into Arrow tables and registered in DuckDB under
their own names, so notebooks query them with SQL.

A table that a run did not write (an older or newer pipeline) is reported as absent rather than
raising: ``Lineage.tables`` holds only the tables found, ``Lineage.status()`` says which are missing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from pyiceberg.table import StaticTable

NAMESPACE = "lineage"

# Every table of the design (DESIGN.md, "Lineage"); a run may have written only some of them.
KNOWN_TABLES = (
    "signals",
    "decisions",
    "commands",
    "command_outcomes",
    "model_versions",
    "data_batches",
    "baselines",
    "policy_updates",
    "dead_letters",
)

_METADATA_FILE = re.compile(r"^v(\d+)(?:\.gz)?\.metadata\.json(?:\.gz)?$")


@dataclass(frozen=True)
class TableInfo:
    """One lineage table as found on disk."""

    name: str
    metadata_file: Path
    snapshot_id: int | None
    rows: int
    columns: tuple[str, ...]


def warehouse_from_env(default: str = "../target/ci-demo/warehouse") -> Path:
    """The warehouse directory: ``$HORMESIS_WAREHOUSE`` (set by run.sh) or ``default``."""
    path = Path(os.environ.get("HORMESIS_WAREHOUSE", default)).expanduser().resolve()
    if not path.is_dir():
        raise FileNotFoundError(
            f"no Iceberg warehouse at {path}: run `./hormesis demo --dir D` and pass"
            " --warehouse D/warehouse to notebooks/run.sh (or set HORMESIS_WAREHOUSE)"
        )
    return path


def output_dir(default: str = "../target/notebooks") -> Path:
    """Where notebooks save figures: ``$HORMESIS_NOTEBOOK_OUT`` (set by run.sh) or ``default``."""
    path = Path(os.environ.get("HORMESIS_NOTEBOOK_OUT", default)).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def latest_metadata_file(table_dir: Path) -> Path | None:
    """The current metadata file of a Hadoop-catalog table, or None if it has none."""
    metadata = table_dir / "metadata"
    if not metadata.is_dir():
        return None
    versions = {}
    for f in metadata.iterdir():
        m = _METADATA_FILE.match(f.name)
        if m:
            versions[int(m.group(1))] = f
    if not versions:
        return None
    hint = metadata / "version-hint.text"
    if hint.is_file():
        text = hint.read_text().strip()
        # A hint that names a missing version (a writer stopped between files) falls back to
        # the newest file present, as Iceberg's HadoopTableOperations does.
        if text.isdigit() and int(text) in versions:
            return versions[int(text)]
    return versions[max(versions)]


class Lineage:
    """The lineage tables of one warehouse, as Arrow tables and as DuckDB views."""

    def __init__(self, warehouse: Path | str):
        self.warehouse = Path(warehouse).resolve()
        self.tables: dict[str, pa.Table] = {}
        self.info: dict[str, TableInfo] = {}
        self.sql = duckdb.connect()
        namespace_dir = self.warehouse / NAMESPACE
        found = sorted(p.name for p in namespace_dir.iterdir()) if namespace_dir.is_dir() else []
        for name in list(KNOWN_TABLES) + [n for n in found if n not in KNOWN_TABLES]:
            metadata_file = latest_metadata_file(namespace_dir / name)
            if metadata_file is None:
                continue
            table = StaticTable.from_metadata(str(metadata_file))
            snapshot = table.current_snapshot()
            if snapshot is not None:
                data = table.scan().to_arrow()
            else:
                data = table.schema().as_arrow().empty_table()
            self.tables[name] = data
            self.info[name] = TableInfo(
                name=name,
                metadata_file=metadata_file,
                snapshot_id=snapshot.snapshot_id if snapshot is not None else None,
                rows=data.num_rows,
                columns=tuple(data.schema.names),
            )
            self.sql.register(name, data)

    def has(self, name: str, *columns: str) -> bool:
        """Whether table ``name`` was written, with every one of ``columns``."""
        info = self.info.get(name)
        return info is not None and all(c in info.columns for c in columns)

    def missing(self, name: str, *columns: str) -> str | None:
        """Why ``has(name, *columns)`` is false, as a sentence for a cell's output; else None."""
        if name not in self.info:
            return f"table lineage.{name} not present in {self.warehouse} (this run did not write it)"
        absent = [c for c in columns if c not in self.info[name].columns]
        if absent:
            return f"table lineage.{name} has no column(s) {', '.join(absent)}"
        return None

    def status(self):
        """One row per known table: present or not, rows, snapshot, metadata file."""
        import pandas as pd

        rows = []
        for name in list(KNOWN_TABLES) + [n for n in self.info if n not in KNOWN_TABLES]:
            info = self.info.get(name)
            rows.append(
                {
                    "table": name,
                    "present": info is not None,
                    "rows": info.rows if info else None,
                    "snapshot_id": str(info.snapshot_id) if info and info.snapshot_id else "",
                    "hash_chained": bool(info) and {"seq", "prev_hash", "hash"} <= set(info.columns),
                    "metadata": info.metadata_file.name if info else "not present",
                }
            )
        return pd.DataFrame(rows).astype({"rows": "Int64"})

    def query(self, statement: str, params=None):
        """Runs DuckDB SQL over the registered tables; returns a pandas DataFrame."""
        return self.sql.execute(statement, params or []).df()


def time_axis(ax, times, pad_minutes: float = 2.0) -> None:
    """Limits a time axis to the data, padded, with concise date labels: a run of a few minutes
    with one event would otherwise be drawn across years."""
    import matplotlib.dates as mdates
    import pandas as pd

    times = pd.to_datetime(pd.Series(list(times)), utc=True).dropna()
    if times.empty:
        return
    lo, hi = times.min(), times.max()
    pad = max((hi - lo) * 0.05, pd.Timedelta(minutes=pad_minutes))
    ax.set_xlim(lo - pad, hi + pad)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
