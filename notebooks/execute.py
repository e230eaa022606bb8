"""Executes notebooks with nbclient against one lineage warehouse; exits 1 if any cell fails.

Run by notebooks/run.sh inside its virtual environment. Each notebook runs in a fresh kernel of
this interpreter, with the notebooks folder as its working directory and the warehouse and figure
folder in HORMESIS_WAREHOUSE and HORMESIS_NOTEBOOK_OUT. The executed copies (with outputs) are
written to --out; the committed notebooks stay without outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

KERNEL = "hormesis-notebooks"


def install_kernel(out: Path) -> None:
    """A kernelspec that runs this very interpreter, found first on JUPYTER_PATH, so a python3
    kernelspec elsewhere on the machine cannot swap in another Python."""
    spec = out / ".jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Hormesis notebooks",
                "language": "python",
            }
        )
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in [str(out / ".jupyter"), os.environ.get("JUPYTER_PATH", "")] if p
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--warehouse", required=True, type=Path, help="the Iceberg warehouse directory")
    p.add_argument("--out", required=True, type=Path, help="where executed notebooks and PNGs go")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default: 600)")
    p.add_argument("notebooks", nargs="+", type=Path)
    args = p.parse_args(argv)

    warehouse = args.warehouse.resolve()
    if not warehouse.is_dir():
        print(f"execute: no warehouse directory {warehouse}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    install_kernel(out)
    os.environ["HORMESIS_WAREHOUSE"] = str(warehouse)
    os.environ["HORMESIS_NOTEBOOK_OUT"] = str(out)
    os.environ.setdefault("MPLCONFIGDIR", str(out / ".matplotlib"))

    failed = []
    for path in args.notebooks:
        path = path.resolve()
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=args.timeout,
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(path.parent)}},
        )
        started = time.monotonic()
        try:
            client.execute()
            status = "ok"
        except CellExecutionError as e:
            failed.append(path.name)
            status = "FAILED"
            print(f"execute: {path.name}: a cell failed:\n{e}", file=sys.stderr)
        finally:
            nbformat.write(nb, out / path.name)
        print(
            f"  {status:6} {path.name} ({time.monotonic() - started:.1f} s) -> {out / path.name}",
            flush=True,
        )
    if failed:
        print(f"execute: {len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
