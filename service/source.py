"""Where an analysis reads from: one store and one district, named by paths (hashable, cheap).

Every service function takes a :class:`Source` first, so the one cache can key results on the
store's identity and version.  Faces build it once: the dashboard from its Flask config, the CLI
from ``--store``/``--district``, tests from fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from geo.backends.duckdb_file import identity, read_session
from geo.backends.errors import StoreError
from geo.config import DEFAULT_DISTRICT, District, load_district
from geo.selection import Selection, SelectionResult
from geo.store import Store, default_store_location, is_database_url
from service import cache


@dataclass(frozen=True)
class Source:
    """A store (file path or database URL) and a district folder.

    Parameters
    ----------
    store : str
        Absolute path of a DuckDB file, or a ``postgresql://`` URL.
    district_folder : str
        Absolute path of the district's config folder.
    """

    store: str
    district_folder: str

    @classmethod
    def build(cls, store: str | Path | None = None, district: str | Path | District | None = None) -> Source:
        """A source from optional paths: defaults ``$HOTSPOTS_STORE`` / ``var/hotspots.duckdb`` and Winchester."""
        raw = str(store) if store else str(default_store_location())
        store_key = raw if is_database_url(raw) else str(Path(raw).resolve())
        folder = district.folder if isinstance(district, District) else (district or DEFAULT_DISTRICT)
        return cls(store=store_key, district_folder=str(Path(folder).resolve()))

    @property
    def key(self) -> tuple[str, str]:
        """What the cache keys results on, beside the version."""
        return (self.store, self.district_folder)

    def district(self) -> District:
        """The district config (loaded once per process; layers load lazily on the instance)."""
        return cache.memo(("district", self.district_folder), lambda: load_district(self.district_folder))

    def open_store(self, read_only: bool = True) -> Store:
        """Open the store (short-lived connections: nothing to close).

        A read-only store is opened (its schema checked) once per process and per file: while the
        file at the path is the same one (device and inode), every call returns the same object;
        a replaced file is opened afresh.  The object's connections stay short-lived, so this keeps
        no file open.
        """
        if not read_only:
            return Store.open(self.store, district=self.district(), read_only=False)
        same_file = None if is_database_url(self.store) else identity(Path(self.store))
        key = ("store", self.store, self.district_folder, same_file)
        return cache.memo(key, lambda: Store.open(self.store, district=self.district(), read_only=True))

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Let the block's reads of this store share one connection per thread (:meth:`Store.reading`).

        Nothing is opened until the first read; a store that cannot be opened is left to the
        block's own calls to report.
        """
        if not is_database_url(self.store):  # a DuckDB file: the session is the file's, whichever object reads
            with read_session(Path(self.store)):
                yield
            return
        try:
            store = self.open_store()
        except StoreError:  # unreachable, no store yet: the block's own calls say so in their words
            yield
            return
        with store.reading():
            yield

    def version(self) -> str:
        """The store's state key, memoised briefly: changes after every ingest, and when the store is replaced."""
        return cache.remembered_version(self.store, lambda: self.open_store().state_key)

    def query(
        self,
        selection: Selection,
        columns: tuple[str, ...] | None = None,
        categorical: bool = False,
        ordered: bool = True,
    ) -> SelectionResult:
        """The incidents of a selection (cached per store version, selection and columns; do not mutate).

        ``columns`` (stored column names) reads only those, for an analysis that needs a few: its
        rows then cost a fraction of the whole record; ``categorical`` returns the repeated text
        columns as categoricals (:meth:`geo.store.Store.query`).  Row sets are kept within
        :data:`service.cache.ROWS_BUDGET_BYTES`, most recently used first, so a worker's memory
        follows what its users look at now, not every selection since it started nor the store's size.
        """
        return _query(self, selection, columns, categorical, ordered)


@cache.cached_rows
def _query(
    source: Source, selection: Selection, columns: tuple[str, ...] | None, categorical: bool, ordered: bool
) -> SelectionResult:
    return source.open_store().query(selection, columns, categorical, ordered)
