"""History across commits: every run's samples in one SQLite file.

``add`` appends a run (its machine, commit and toolchains, and every sample of
every cell); ``runs`` lists them, ``trend`` follows one cell of one language
run by run, and ``check`` asks whether the latest run of a suite moved against
the runs before it on the same machine.

The file (default ``reports/history.sqlite``):

- its schema is versioned: ``meta`` holds ``schema_version`` and
  ``MIGRATIONS`` lists the SQL steps from one version to the next. A new file
  is made by running every step from version 0, an older one is brought up by
  the steps it lacks, so both end with the same schema;
- it is in WAL mode and every append is one ``BEGIN IMMEDIATE`` transaction:
  a writer killed half-way leaves the run wholly absent, and concurrent
  writers queue behind the busy timeout instead of failing;
- a file that is not SQLite, is truncated, is not a benchnorm history or has a
  schema newer than this code is refused with one line (``HistoryError``)
  before anything is written to it.

Runs are compared only within one ``Environment.fingerprint()``: the CPU,
kernel, virtualisation and toolchain versions they were measured with.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from orchestrator import stats
from orchestrator.models import CellKey, RunRecord
from orchestrator.report import pct
from orchestrator.rundir import utc_iso

DEFAULT_FILE = Path("reports") / "history.sqlite"

#: How long a writer waits for another writer's transaction before giving up.
BUSY_TIMEOUT_SECONDS = 60.0

#: Default effect-size threshold of ``check``: a change smaller than this fraction is never flagged.
DEFAULT_THRESHOLD = 0.05

#: ``MIGRATIONS[n]`` takes a file from schema version n to n + 1: (what it does, its SQL steps).
MIGRATIONS: list[tuple[str, list[str]]] = [
    ("runs and their samples", [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL UNIQUE,
            suite TEXT NOT NULL,
            started_at TEXT NOT NULL,
            git_commit TEXT,
            dirty INTEGER,
            fingerprint TEXT NOT NULL,
            toolchains TEXT NOT NULL,
            environment TEXT NOT NULL,
            added_at TEXT NOT NULL
        )""",
        """CREATE TABLE samples (
            run INTEGER NOT NULL REFERENCES runs (id),
            suite TEXT NOT NULL,
            benchmark TEXT NOT NULL,
            params TEXT NOT NULL,
            threads INTEGER NOT NULL,
            language TEXT NOT NULL,
            sample INTEGER NOT NULL,
            ns_per_op REAL NOT NULL,
            round INTEGER,
            PRIMARY KEY (run, benchmark, params, threads, language, sample)
        )""",
    ]),
    ("indexes for looking up a cell and a suite's runs", [
        "CREATE INDEX samples_by_cell ON samples (suite, benchmark, params, threads, language)",
        "CREATE INDEX runs_by_suite ON runs (suite, fingerprint, started_at)",
    ]),
]

SCHEMA_VERSION = len(MIGRATIONS)

_SQLITE_MAGIC = b"SQLite format 3\x00"


class HistoryError(ValueError):
    """The history file cannot be used as asked; the message names the file and the problem."""


class DuplicateRun(HistoryError):
    """The run is already in the history file; nothing was added."""


def default_path(root: Path) -> Path:
    return root / DEFAULT_FILE


def canonical_params(params: dict[str, str]) -> str:
    """A cell's parameters as stored: JSON, keys sorted, no spaces."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- opening the file --------------------------------------------------------------


def _check_bytes(path: Path) -> None:
    """Refuse a file that is not SQLite or is shorter than its own header says, reading only."""
    size = path.stat().st_size
    if size == 0:
        return  # an empty file is an empty database
    with open(path, "rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
        raise HistoryError(f"{path}: not an SQLite database (it does not begin with the SQLite header)")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    counter_matches = head[24:28] == head[92:96]  # the header's page count is valid only then
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # the file may lag its write-ahead log; SQLite reads both
    if page_size < 512 or size % page_size or (counter_matches and size < pages * page_size):
        raise HistoryError(f"{path}: truncated or damaged SQLite file ({size} bytes; its header counts "
                           f"{pages} pages of {page_size} bytes)")


def _describe(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return f"{text} (another writer held it longer than {BUSY_TIMEOUT_SECONDS:.0f} s)"
    return text


def _stored_version(conn: sqlite3.Connection, path: Path) -> int:
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return 0
    if "meta" not in tables:
        raise HistoryError(f"{path}: an SQLite database but not a benchnorm history (no meta table)")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise HistoryError(f"{path}: not a benchnorm history (no schema version in its meta table)")
    return int(row[0])


def _migrate(conn: sqlite3.Connection, path: Path, target: int) -> None:
    """Run the steps from the file's version up to ``target``, in one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _stored_version(conn, path)  # again: another process may have migrated meanwhile
        for number in range(version, target):
            for step in MIGRATIONS[number][1]:
                conn.execute(step)
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(number + 1),))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Put the file in WAL mode (once: the mode is stored in the file).

    Switching answers "locked" at once, without the busy timeout, while
    another connection has the file open in the old mode (two writers making
    a new file together), so it is retried for as long as the timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            return  # switched, or a file system without WAL: SQLite keeps the mode it can
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class _Open:
    """``with _Open(path, create) as conn``: a checked, migrated connection; errors become one line."""

    def __init__(self, path, create: bool, target: int = SCHEMA_VERSION):
        self.path = Path(path)
        self.create = create
        self.target = target
        self.conn: Optional[sqlite3.Connection] = None

    def __enter__(self) -> sqlite3.Connection:
        path = self.path
        if path.is_dir():
            raise HistoryError(f"{path}: a folder, not a history file")
        if path.exists():
            try:
                _check_bytes(path)
            except OSError as exc:
                raise HistoryError(f"{path}: cannot read ({exc.strerror or exc})") from None
        elif not self.create:
            raise HistoryError(f"{path}: no history file here (`invoke history-add` starts one)")
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"{path}: cannot make its folder ({exc.strerror or exc})") from None
        mode = "rwc" if self.create else "rw"
        try:
            conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode={mode}", uri=True,
                                   timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except sqlite3.Error as exc:
            raise HistoryError(f"{path}: cannot open ({_describe(exc)})") from None
        self.conn = conn
        try:
            # Everything that could refuse the file reads only; it is written to after.
            version = _stored_version(conn, path)
            if version > SCHEMA_VERSION:
                raise HistoryError(f"{path}: schema version {version} is newer than this benchnorm reads "
                                   f"({SCHEMA_VERSION}); upgrade benchnorm (the file was left as it was)")
            _write_ahead_log(conn)
            conn.execute("PRAGMA foreign_keys = ON")
            if version < self.target:
                _migrate(conn, path, self.target)
        except HistoryError:
            self._close()
            raise
        except sqlite3.Error as exc:
            self._close()
            raise HistoryError(f"{path}: not a usable history file ({_describe(exc)})") from None
        return conn

    def _close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __exit__(self, kind, exc, tb) -> bool:
        self._close()
        if isinstance(exc, sqlite3.Error):
            raise HistoryError(f"{self.path}: {_describe(exc)}") from None
        return False


def migrate(db_path, version: int = SCHEMA_VERSION) -> int:
    """Make the file, or bring it up, to schema ``version`` (``add`` does this as needed); returns it."""
    if not 1 <= version <= SCHEMA_VERSION:
        raise ValueError(f"schema version {version}: this benchnorm knows versions 1 to {SCHEMA_VERSION}")
    with _Open(db_path, create=True, target=version):
        pass
    return schema_version(db_path)


def schema_version(db_path) -> int:
    """The file's schema version, read without changing it (0 for a file with no tables)."""
    path = Path(db_path)
    if not path.is_file():
        raise HistoryError(f"{path}: no history file here")
    _check_bytes(path)
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=rw", uri=True)
        try:
            return _stored_version(conn, path)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: not a usable history file ({_describe(exc)})") from None


# --- appending ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    """What ``add`` stores of a record: one row per sample, and the results it cannot place in a cell."""

    samples: list[tuple]  # (benchmark, params, threads, language, sample, ns_per_op, round)
    skipped: list[str]

    def cells(self) -> int:
        return len({row[:4] for row in self.samples})


def rows(record: RunRecord) -> Rows:
    """The sample rows of a record: every result that names its suite benchmark and worker count."""
    out, skipped = [], []
    count: dict[tuple, int] = defaultdict(int)
    for result in record.sorted().results:
        rid = result.id
        if rid.canonical is None or rid.threads is None:
            skipped.append(f"{rid.language} {rid.name} (no "
                           f"{'suite benchmark' if rid.canonical is None else 'worker count'})")
            continue
        key = (rid.canonical, canonical_params(rid.params), rid.threads, rid.language)
        for i, value in enumerate(result.ns_per_op):
            out.append((*key, count[key], value, result.rounds[i] if result.rounds else None))
            count[key] += 1
    return Rows(out, skipped)


def add(db_path, record: RunRecord) -> str:
    """Append one run and all its samples in one transaction; returns its run id.

    Raises ``DuplicateRun`` when the run id is stored already (nothing is added).
    """
    path = Path(db_path)
    if record.inputs:
        raise HistoryError(f"run {record.run_id}: outputs brought to `compare`, not a run of a suite; "
                           "history holds runs of a suite")
    if record.suite is None:
        raise HistoryError(f"run {record.run_id}: names no suite; history keeps runs per suite")
    env = record.environment
    suite = record.suite.name
    stored = rows(record)
    if not stored.samples:
        raise HistoryError(f"run {record.run_id}: holds no samples of a cell of suite {suite}; nothing to add")
    with _Open(path, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            before = conn.execute("SELECT added_at FROM runs WHERE run_id = ?", (record.run_id,)).fetchone()
            if before is not None:
                raise DuplicateRun(f"{path}: run {record.run_id} is already there (added {before[0]}); "
                                   "nothing was added")
            cursor = conn.execute(
                "INSERT INTO runs (run_id, suite, started_at, git_commit, dirty, fingerprint, toolchains, "
                "environment, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.run_id, suite, record.started_at, env.git_commit,
                 None if env.git_dirty is None else int(env.git_dirty), env.fingerprint(),
                 json.dumps(env.toolchains, sort_keys=True),
                 json.dumps(env.model_dump(mode="json"), sort_keys=True), utc_iso()))
            run = cursor.lastrowid
            conn.executemany(
                "INSERT INTO samples (run, suite, benchmark, params, threads, language, sample, ns_per_op, round) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((run, suite, *row) for row in stored.samples))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return record.run_id


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunInfo:
    """One stored run."""

    run_id: str
    suite: str
    started_at: str
    commit: Optional[str]
    dirty: Optional[bool]
    fingerprint: str
    samples: int
    added_at: str
    key: int = field(repr=False, compare=False, default=0)  # the row id: insertion order

    def commit_text(self) -> str:
        text = (self.commit or "no commit")[:12]
        return text + " (dirty)" if self.dirty else text


_RUN_COLUMNS = ("runs.run_id, runs.suite, runs.started_at, runs.git_commit, runs.dirty, runs.fingerprint, "
                "(SELECT COUNT(*) FROM samples WHERE samples.run = runs.id), runs.added_at, runs.id")


def _run_info(row) -> RunInfo:
    return RunInfo(row[0], row[1], row[2], row[3], None if row[4] is None else bool(row[4]), row[5], row[6],
                   row[7], row[8])


def runs(db_path, suite: Optional[str] = None) -> list[RunInfo]:
    """Every stored run (of ``suite``, if given), oldest first."""
    with _Open(db_path, create=False) as conn:
        where, args = ("WHERE runs.suite = ?", (suite,)) if suite else ("", ())
        found = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY runs.started_at, runs.id",
                             args).fetchall()
    return [_run_info(r) for r in found]


@dataclass(frozen=True)
class StoredCell:
    suite: str
    cell: CellKey
    language: str


def cells(db_path, suite: Optional[str] = None) -> list[StoredCell]:
    """Every (suite, cell, language) with samples stored."""
    with _Open(db_path, create=False) as conn:
        where, args = ("WHERE suite = ?", (suite,)) if suite else ("", ())
        found = conn.execute(f"SELECT DISTINCT suite, benchmark, params, threads, language FROM samples {where} "
                             "ORDER BY suite, benchmark, params, threads, language", args).fetchall()
    return [StoredCell(s, CellKey(benchmark=b, params=json.loads(p), threads=t), lang)
            for s, b, p, t, lang in found]


def parse_cell(text: str) -> tuple[str, dict[str, str], Optional[int]]:
    """``hash size=64 T=2`` (as ``CellKey.label()`` writes it) → (benchmark, params, T or None)."""
    words = text.split()
    bench = [w for w in words if "=" not in w]
    if len(bench) != 1:
        raise ValueError(f"--cell: {text!r} is not BENCHMARK [AXIS=VALUE …] [T=N], e.g. 'sum size=16 T=1'")
    params: dict[str, str] = {}
    threads = None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep:
            continue
        if not key or not value:
            raise ValueError(f"--cell: {word!r} in {text!r} is not AXIS=VALUE")
        if key == "T":
            if not value.isdigit() or int(value) < 1:
                raise ValueError(f"--cell: T={value} is not a worker count (allowed: 1 or more)")
            threads = int(value)
        else:
            params[key] = value
    return bench[0], params, threads


@dataclass(frozen=True)
class TrendPoint:
    """One run's samples of one cell and language."""

    run: RunInfo
    n: int
    median: float
    interval: stats.Interval
    samples: tuple[float, ...] = field(repr=False, default=())


def trend(db_path, suite: str, benchmark: str, params: dict[str, str], threads: int,
          language: str) -> list[TrendPoint]:
    """Run by run, oldest first: the median of the cell's samples and its interval."""
    with _Open(db_path, create=False) as conn:
        found = conn.execute(
            f"SELECT {_RUN_COLUMNS}, samples.ns_per_op FROM samples JOIN runs ON runs.id = samples.run "
            "WHERE samples.suite = ? AND samples.benchmark = ? AND samples.params = ? AND samples.threads = ? "
            "AND samples.language = ? ORDER BY runs.started_at, runs.id, samples.sample",
            (suite, benchmark, canonical_params(params), threads, language)).fetchall()
    by_run: dict[int, tuple[RunInfo, list[float]]] = {}
    for row in found:
        by_run.setdefault(row[8], (_run_info(row[:9]), []))[1].append(row[9])
    return [TrendPoint(info, len(xs), stats.median(xs), stats.median_ci(xs), tuple(xs)) for info, xs in by_run.values()]


# --- checking the latest run ---------------------------------------------------------------


@dataclass
class CellChange:
    """The latest run's samples of one cell and language against the pooled samples of the runs before."""

    cell: CellKey
    language: str
    now: list[float] = field(repr=False)  # the latest run's samples
    then: list[float] = field(repr=False)  # the pooled samples of the earlier runs
    comparison: Optional[stats.Comparison] = None  # None: too few samples to test
    p_adj: Optional[float] = None
    verdict: str = "too few"  # regressed, improved, inside threshold, not significant, too few

    @property
    def latest(self) -> int:
        return len(self.now)

    @property
    def before(self) -> int:
        return len(self.then)

    def label(self) -> str:
        return f"{self.language} {self.cell.label()}"

    def line(self, threshold: float, family: int) -> str:
        c = self.comparison
        if c is None:
            return (f"too few samples to test: {self.label()} ({self.latest} now, {self.before} before: no "
                    f"outcome could reach p < {stats.ALPHA} over {family} comparison(s))")
        lo, hi = c.interval.lo, c.interval.hi
        if self.verdict == "regressed":
            return f"regressed by {pct(c.ratio - 1)} [{pct(lo - 1)}, {pct(hi - 1)}]: {self.label()}" + self._p()
        if self.verdict == "improved":
            return f"improved by {pct(1 - c.ratio)} [{pct(1 - hi)}, {pct(1 - lo)}]: {self.label()}" + self._p()
        change = f"{_signed(c.ratio - 1)} [{_signed(lo - 1)}, {_signed(hi - 1)}]"
        if self.verdict == "inside threshold":
            return (f"changed by {change}, not flagged (the interval reaches inside the "
                    f"{pct(threshold)} threshold): {self.label()}" + self._p())
        return f"no significant change ({change}): {self.label()}" + self._p()

    def _p(self) -> str:
        return f" (p = {self.p_adj:.2g} after Holm)"


def _signed(x: float) -> str:
    return f"{100 * x:+.1f}%"


@dataclass
class SuiteCheck:
    """The check of one suite's latest run."""

    suite: str
    latest: RunInfo
    previous: list[RunInfo]
    elsewhere: int  # runs of the suite on other fingerprints, never compared
    changes: list[CellChange]
    new_cells: list[str]  # cells of the latest run no previous run measured


@dataclass
class CheckResult:
    threshold: float
    suites: list[SuiteCheck]
    family: int  # cells tested together (Holm)

    def regressions(self) -> list[CellChange]:
        return [c for s in self.suites for c in s.changes if c.verdict == "regressed"]

    def lines(self) -> list[str]:
        out = []
        if not self.suites:
            return ["no runs in the history"]
        for s in self.suites:
            latest = s.latest
            head = (f"suite {s.suite}: run {latest.run_id} ({latest.started_at}, commit {latest.commit_text()}, "
                    f"machine {latest.fingerprint})")
            if not s.previous:
                out.append(f"{head}: no earlier run on this machine and toolchains; nothing compared")
            else:
                out.append(f"{head} against {len(s.previous)} earlier run(s) on the same machine and toolchains")
            if s.elsewhere:
                out.append(f"  {s.elsewhere} run(s) of {s.suite} on other machines or toolchains: never compared")
            flagged = [c for c in s.changes if c.verdict in ("regressed", "improved")]
            few = [c for c in s.changes if c.verdict == "too few"]
            out += [f"  {c.line(self.threshold, self.family)}" for c in flagged + few]
            quiet = [c for c in s.changes if c not in flagged and c not in few]
            if quiet:
                inside = sum(c.verdict == "inside threshold" for c in quiet)
                out.append(f"  {len(quiet)} cell(s) not flagged: {len(quiet) - inside} without a significant "
                           f"change, {inside} significant but within the {pct(self.threshold)} threshold")
            if s.new_cells:
                out.append(f"  not measured before: {', '.join(s.new_cells)}")
        return out


def check(db_path, suite: Optional[str] = None, threshold: float = DEFAULT_THRESHOLD) -> CheckResult:
    """Compare each suite's latest run with the earlier runs of that suite on the same fingerprint.

    Per (cell, language): the latest run's samples against the pooled samples
    of the earlier runs, by ``stats.compare`` (ratio of medians with its
    bootstrap interval, Mann–Whitney p). Holm's correction runs over every
    cell tested in this call. A cell is flagged when its corrected p is below
    ``stats.ALPHA`` and its whole interval lies beyond ``threshold`` (a
    regression: latest / before ≥ 1 + threshold; an improvement: ≤ 1 −
    threshold, so a threshold of 1 or more flags no improvement); a cell whose sample sizes could not reach significance is
    reported as too few, never with a verdict.
    """
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"--threshold: {threshold!r} is not a fraction of 0 or more, e.g. 0.05 for 5%")
    checks: list[SuiteCheck] = []
    with _Open(db_path, create=False) as conn:
        if suite:
            names = [suite]
        else:
            names = [r[0] for r in conn.execute("SELECT DISTINCT suite FROM runs ORDER BY suite")]
        for name in names:
            found = conn.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE suite = ? "
                                 "ORDER BY started_at, id", (name,)).fetchall()
            if not found:
                raise HistoryError(f"{db_path}: no runs of suite {name!r}")
            all_runs = [_run_info(r) for r in found]
            latest = all_runs[-1]
            previous = [r for r in all_runs[:-1] if r.fingerprint == latest.fingerprint]
            latest_samples = _samples(conn, [latest.key])
            before = _samples(conn, [r.key for r in previous])
            changes, new = [], []
            for key, xs in latest_samples.items():
                cell = CellKey(benchmark=key[0], params=json.loads(key[1]), threads=key[2])
                if key in before:
                    changes.append(CellChange(cell, key[3], xs, before[key]))
                elif previous:
                    new.append(f"{key[3]} {cell.label()}")
            checks.append(SuiteCheck(name, latest, previous, len(all_runs) - 1 - len(previous), changes, new))
    candidates = [c for s in checks for c in s.changes]
    family = len(candidates)
    tested = [c for c in candidates if stats.mann_whitney_can_reject(c.latest, c.before, stats.ALPHA, family)]
    for c in tested:
        c.comparison = stats.compare(c.now, c.then)
    for c, p_adj in zip(tested, stats.holm([c.comparison.p for c in tested])):
        c.p_adj = p_adj
        iv = c.comparison.interval
        if p_adj >= stats.ALPHA:
            c.verdict = "not significant"
        elif iv.lo >= 1 + threshold:
            c.verdict = "regressed"
        elif iv.hi <= 1 - threshold:
            c.verdict = "improved"
        else:
            c.verdict = "inside threshold"
    for s in checks:
        s.changes.sort(key=lambda c: (c.cell.benchmark, sorted(c.cell.params.items()), c.cell.threads, c.language))
    return CheckResult(threshold, checks, family)


def _samples(conn: sqlite3.Connection, run_keys: list[int]) -> dict[tuple, list[float]]:
    """(benchmark, params, threads, language) → samples, over the given runs."""
    out: dict[tuple, list[float]] = defaultdict(list)
    for start in range(0, len(run_keys), 500):
        chunk = run_keys[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for b, p, t, lang, x in conn.execute(
                f"SELECT benchmark, params, threads, language, ns_per_op FROM samples WHERE run IN ({marks}) "
                "ORDER BY run, benchmark, params, threads, language, sample", chunk):
            out[(b, p, t, lang)].append(x)
    return dict(out)
