"""`civicgrid backup` and `civicgrid restore`: a round trip on the configured database (SQLite
or PostgreSQL, whichever the suite runs on) gives back every row and every photo."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicgrid.core import backup
from civicgrid.core.models import Notification
from civicgrid.needs.models import Need, NeedEvent, NeedPhoto
from civicgrid.needs.tests import factories as nf
from civicgrid.privacy import services as privacy
from civicgrid.privacy.tests.helpers import closed_need


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def checksum() -> str:
    """sha256 over the needs and their events, every column, in primary-key order."""
    digest = hashlib.sha256()
    for model in (Need, NeedEvent):
        for row in model.objects.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def media_files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_row_and_photo_after_changes_and_deletions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    w = nf.world()
    kept = closed_need(w)
    closed_need(w)
    open_need = nf.raise_need(w)
    counts, sums, photos = row_counts(), checksum(), media_files(settings.MEDIA_ROOT)
    assert counts["needs_needphoto"] == 4 and len(photos) == 4

    out = StringIO()
    archive = tmp_path / "backups" / "civicgrid.tar"
    call_command("backup", "--output", str(archive), stdout=out)
    assert str(archive) in out.getvalue() and "4" in out.getvalue()

    # Change, add and delete: rows, events and photo files.
    privacy.need_anonymise(need=kept, by=None, reason="test", via="command")
    nf.raise_need(w, contact_phone="13800000000")
    Need.objects.filter(pk=open_need.pk).update(description="changed")
    Notification.objects.all().delete()
    assert not NeedPhoto.objects.filter(need=kept).exists()
    assert row_counts() != counts and checksum() != sums
    assert media_files(settings.MEDIA_ROOT) != photos
    (settings.MEDIA_ROOT / "stray.txt").write_text("not in the backup")

    call_command("restore", str(archive), "--yes", stdout=StringIO())

    assert row_counts() == counts
    assert checksum() == sums
    assert media_files(settings.MEDIA_ROOT) == photos
    kept.refresh_from_db()
    assert kept.contact_phone == "13912345678" and kept.anonymised_at is None
    # The restored database takes new writes (sequences restored too on PostgreSQL).
    nf.raise_need(w)


def _tar_with(tmp_path: Path, files: dict[str, bytes]) -> Path:
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db
def test_restore_refuses_what_is_not_a_backup_of_this_kind_of_database(tmp_path, monkeypatch):
    with pytest.raises(CommandError, match=r"missing\.tar"):
        call_command("restore", str(tmp_path / "missing.tar"), "--yes")
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    with pytest.raises(CommandError, match=r"junk\.tar"):
        call_command("restore", str(junk), "--yes")
    with pytest.raises(CommandError):
        call_command("restore", str(_tar_with(tmp_path, {"readme.txt": b"hi"})), "--yes")
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    manifest = {"format": backup.FORMAT, "version": 1, "vendor": other, "database": "db"}
    wrong = _tar_with(tmp_path, {backup.MANIFEST: json.dumps(manifest).encode(), "db": b"x"})
    with pytest.raises(CommandError, match=other):
        call_command("restore", str(wrong), "--yes", stdout=StringIO())
    # Without --yes it asks, and anything but "yes" changes nothing.
    manifest["vendor"] = connection.vendor
    mine = _tar_with(tmp_path, {backup.MANIFEST: json.dumps(manifest).encode(), "db": b"x"})
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match=r"cancelled|取消"):
        call_command("restore", str(mine), stdout=StringIO())
    with pytest.raises(CommandError, match=r"\.tar"):
        call_command("backup", "--output", str(tmp_path / "backup.zip"))


@pytest.mark.django_db
def test_a_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        # SQLite needs no external tool; check the PostgreSQL lookup's message alone.
        monkeypatch.setattr(connection, "pg_version", 150004, raising=False)
    monkeypatch.setenv("PG_BIN_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup.Path, "is_file", lambda self: False)
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.pg_tool("pg_dump")
