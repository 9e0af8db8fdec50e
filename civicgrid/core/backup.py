"""Backups of the configured database and the uploaded media, as one .tar file.

The archive holds `manifest.json` (what it is), the database (`database.dump`, pg_dump's
custom format, on PostgreSQL; `database.sqlite3`, a copy made with SQLite's online backup API,
on SQLite) and `media/` (the photos). `civicgrid backup` writes one, `civicgrid restore` puts
it back. See docs/deploy.md, "Backups".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "civicgrid-backup"
VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Written:
    path: Path
    vendor: str
    database_bytes: int
    media_files: int
    total_bytes: int


def vendor() -> str:
    return connection.vendor  # "postgresql" or "sqlite"


def default_path(now: dt.datetime | None = None) -> Path:
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"civicgrid-{stamp}.tar"


# --- PostgreSQL ----------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore of the server's major version (PG_BIN_DIR overrides)."""
    folders = []
    if os.environ.get("PG_BIN_DIR"):
        folders.append(Path(os.environ["PG_BIN_DIR"]))
    connection.ensure_connection()
    major = (connection.pg_version or 0) // 10000  # type: ignore[attr-defined]
    folders.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    for folder in folders:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _(
                "%(tool)s was not found in %(folders)s or on the PATH: install the PostgreSQL "
                "%(major)d client (postgresql-client-%(major)d) or set PG_BIN_DIR."
            )
            % {"tool": name, "folders": ", ".join(map(str, folders)), "major": major}
        )
    return found


def _pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment: the password goes in PGPASSWORD, never argv."""
    s = connection.settings_dict
    args = ["--dbname", s["NAME"]]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The command is ours (a pg tool and connection settings), never user input; no shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(
            _("%(tool)s failed (exit %(code)d): %(error)s")
            % {"tool": tool, "code": done.returncode, "error": done.stderr.strip()[-2000:]}
        )


def _dump_postgres(target: Path) -> None:
    args, env = _pg_args()
    _run(
        [pg_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(target), *args], env
    )


def _restore_postgres(source: Path) -> None:
    tool = pg_tool("pg_restore")
    args, env = _pg_args()
    connection.close()  # our own session must not hold locks on the tables being replaced
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--no-password",
            *args,
            str(source),
        ],
        env,
    )


# --- SQLite --------------------------------------------------------------------------------


def _raw_sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _dump_sqlite(target: Path) -> None:
    """A consistent copy while the site runs: SQLite's backup API, not a file copy (which
    could catch a half-written page or miss what is still in the WAL)."""
    copy = sqlite3.connect(target)
    try:
        _raw_sqlite().backup(copy)
    finally:
        copy.close()


def _restore_sqlite(source: Path) -> None:
    """Replace the live database's content with the backup's, in one write transaction of
    SQLite's backup API: other connections see either the old database or the new one."""
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        check = backup.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupError(_("The database in the backup is damaged: %(c)s") % {"c": check})
        backup.backup(_raw_sqlite())
    except sqlite3.DatabaseError as exc:
        raise BackupError(_("Could not restore the SQLite database: %(e)s") % {"e": exc}) from exc
    finally:
        backup.close()
    connection.close()


# --- The archive ---------------------------------------------------------------------------


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def backup(output: Path | None = None) -> Written:
    """Write a backup of the database and MEDIA_ROOT to `output` (a .tar file)."""
    path = Path(output) if output else default_path()
    if path.suffix != ".tar":
        raise BackupError(_("The backup file must end in .tar."))
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = vendor()
    if kind not in ("postgresql", "sqlite"):
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(v)s.") % {"v": kind})
    media = _media_root()
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        db_file = Path(work) / (PG_DUMP_NAME if kind == "postgresql" else SQLITE_NAME)
        if kind == "postgresql":
            _dump_postgres(db_file)
        else:
            _dump_sqlite(db_file)
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "vendor": kind,
            "database": db_file.name,
            "created_at": timezone.now().isoformat(),
            "media_files": len(files),
        }
        (Path(work) / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = Path(work) / "partial.tar"
        with tarfile.open(partial, "w") as tar:
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST)
            tar.add(db_file, arcname=db_file.name)
            for file in files:
                tar.add(file, arcname=f"{MEDIA}/{file.relative_to(media).as_posix()}")
        os.replace(partial, path)  # never a half-written backup under the final name
        return Written(path, kind, db_file.stat().st_size, len(files), path.stat().st_size)


def read_manifest(path: Path) -> dict[str, Any]:
    """The backup's manifest; BackupError if the file is missing or not a backup."""
    if not path.is_file():
        raise BackupError(_("No such file: %(path)s") % {"path": path})
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.loads(member.read()) if member else None
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(
            _("%(path)s is not a CivicGrid backup (a .tar written by `civicgrid backup`).")
            % {"path": path}
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("%(path)s is not a CivicGrid backup.") % {"path": path})
    if manifest.get("version") != VERSION:
        raise BackupError(
            _("%(path)s is a backup of format version %(v)s; this version reads %(ours)d.")
            % {"path": path, "v": manifest.get("version"), "ours": VERSION}
        )
    return manifest


def restore(path: Path) -> dict[str, Any]:
    """Put the backup's database and media back in place of the current ones."""
    path = Path(path)
    manifest = read_manifest(path)
    kind = vendor()
    if manifest["vendor"] != kind:
        raise BackupError(
            _("This backup is of a %(theirs)s database; the configured database is %(ours)s.")
            % {"theirs": manifest["vendor"], "ours": kind}
        )
    media = _media_root()
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".restore-") as work:
        with tarfile.open(path, "r") as tar:
            try:
                tar.extractall(work, filter="data")  # no absolute paths, links or ../
            except (tarfile.TarError, OSError) as exc:
                message = _("Could not read %(path)s: %(e)s") % {"path": path, "e": exc}
                raise BackupError(message) from exc
        db_file = Path(work) / manifest["database"]
        if not db_file.is_file():
            raise BackupError(_("The backup holds no database file."))
        if kind == "postgresql":
            _restore_postgres(db_file)
        else:
            _restore_sqlite(db_file)
        # Media: the backup's folder takes the place of the current one in two renames.
        restored = Path(work) / MEDIA
        restored.mkdir(exist_ok=True)
        old = Path(work) / "media-before-restore"
        if media.exists():
            os.replace(media, old)
        os.replace(restored, media)
    return manifest
