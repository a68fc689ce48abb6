"""A process killed (SIGKILL) in the middle of an ingest leaves the store exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from geo.store import Store

ROOT = Path(__file__).resolve().parents[2]
POLICE_UK = ROOT / "data" / "winchester" / "police-uk"
MARCH = POLICE_UK / "2017-03-hampshire-street-winchester.csv"
BROKEN = ROOT / "tests" / "data" / "broken"

# The child ingests in small batches and says when each batch is staged, so the parent can kill
# it with a transaction open, batches written and rejects already streaming to their file.
_CHILD = """
import sys
import geo._duckdb_writer
from geo._duckdb_writer import DuckDBWriter
from geo.ingest import IngestLimits
import pytest

from geo.store import Store

real_stage = DuckDBWriter.stage
def stage(self, frame):
    real_stage(self, frame)
    print("staged", len(frame), flush=True)
DuckDBWriter.stage = stage
geo._duckdb_writer.DIRECT_BYTES = int(sys.argv[2])
geo._duckdb_writer.INSERT_ROWS = 1  # write each batch as it comes, so the kill meets rows written
store = Store.open(sys.argv[1], read_only=False)
store.ingest(sys.argv[3:], limits=IngestLimits(chunk_bytes=4096))
print("finished", flush=True)
"""


def _fingerprint(path: Path, district) -> tuple:
    store = Store.open(path, district=district)
    df = store.all()
    return store.version, len(df), tuple(sorted(df["incident_id"]))


@pytest.mark.parametrize("direct_bytes", [1 << 30, 0], ids=["direct", "staged"])
def test_sigkill_during_ingest_leaves_store_and_folder_as_they_were(tmp_path, district, direct_bytes):
    path = tmp_path / "s.duckdb"
    Store.open(path, district=district, read_only=False).ingest([MARCH])
    before = _fingerprint(path, district)
    listing = sorted(p.name for p in tmp_path.iterdir())
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), str(direct_bytes), str(BROKEN / "bad_values.csv"), str(POLICE_UK)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    staged = 0
    for line in child.stdout:
        staged += line.startswith("staged")
        if staged == 12:
            os.kill(child.pid, signal.SIGKILL)
            break
    child.wait()
    child.stdout.close()
    assert staged == 12 and child.returncode == -signal.SIGKILL
    assert _fingerprint(path, district) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    # And the store still takes the same ingest afterwards.
    report = Store.open(path, district=district, read_only=False).ingest([POLICE_UK])
    assert report.duplicates == before[1] and report.stored + report.duplicates == report.read
