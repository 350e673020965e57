"""The snapshot store refuses any file whose checksum or origin is wrong, and names it."""

import shutil

import pytest
import yaml

from pipelines.core.errors import SnapshotError
from pipelines.core.snapshots import REQUIRED_ORIGIN_FIELDS, SnapshotStore, sidecar_path
from tests.conftest import SNAPSHOTS

WAGWEU = "wagweu/kamerstuk_29861_162/derdelanders_meldloket_2021_2024.csv"


def test_every_shipped_snapshot_verifies():
    verified = SnapshotStore(SNAPSHOTS).verify_all()
    assert len(verified) >= 5
    for s in verified:
        assert s.origin["obtained"] in {"transcription", "api_capture", "file_download", "machine_copy"}
        assert s.layout.get("reader"), f"{s.id} names no reader"


def test_every_shipped_snapshot_names_its_licence_and_citation():
    for s in SnapshotStore(SNAPSHOTS).verify_all():
        assert s.origin["licence"].strip() and s.origin["citation"].strip() and s.origin["url"].startswith("http")


@pytest.fixture
def store(tmp_path):
    root = tmp_path / "snapshots"
    shutil.copytree(SNAPSHOTS, root)
    return SnapshotStore(root)


def test_altered_byte_is_refused_with_the_file_named(store):
    path = store.root / WAGWEU
    path.write_bytes(path.read_bytes().replace(b"27304", b"27340"))
    with pytest.raises(SnapshotError) as err:
        store.read(WAGWEU)
    assert WAGWEU in str(err.value) and "sha256" in str(err.value)
    with pytest.raises(SnapshotError, match="derdelanders_meldloket_2021_2024.csv"):
        store.verify_all()


def test_data_file_without_sidecar_is_refused(store):
    sidecar_path(store.root / WAGWEU).unlink()
    with pytest.raises(SnapshotError, match="no origin sidecar"):
        store.read(WAGWEU)


def test_orphan_sidecar_is_reported(store):
    (store.root / WAGWEU).unlink()
    with pytest.raises(SnapshotError, match="sidecar has no data file"):
        store.verify_all()


@pytest.mark.parametrize("field", REQUIRED_ORIGIN_FIELDS)
def test_missing_origin_field_is_refused(store, field):
    sidecar = sidecar_path(store.root / WAGWEU)
    origin = yaml.safe_load(sidecar.read_text())
    origin.pop(field)
    sidecar.write_text(yaml.safe_dump(origin))
    with pytest.raises(SnapshotError) as err:
        store.read(WAGWEU)
    assert f"field '{field}'" in str(err.value)


def test_bad_origin_values_are_refused(store):
    sidecar = sidecar_path(store.root / WAGWEU)
    origin = yaml.safe_load(sidecar.read_text())
    origin.update(url="tweedekamer.nl", published="1 juli 2025", obtained="copied")
    sidecar.write_text(yaml.safe_dump(origin))
    with pytest.raises(SnapshotError) as err:
        store.read(WAGWEU)
    text = str(err.value)
    assert "field 'url'" in text and "field 'published'" in text and "field 'obtained'" in text


def _directory_snapshot(root):
    """A minimal directory snapshot: a manifest listing one member, with its sidecar."""
    import hashlib
    import json

    from pipelines.core.snapshots import MANIFEST_NAME, write_sidecar

    folder = root / "cbs" / "00000NED" / "capture_x"
    (folder / "pages").mkdir(parents=True)
    page = b'{"value": [1, 2, 3]}'
    (folder / "pages" / "p.json").write_bytes(page)
    manifest = folder / MANIFEST_NAME
    manifest.write_text(json.dumps({"files": [{"path": "pages/p.json", "sha256": hashlib.sha256(page).hexdigest()}]}))
    origin = yaml.safe_load(sidecar_path(root / WAGWEU).read_text())
    write_sidecar(manifest, origin)
    return "cbs/00000NED/capture_x/" + MANIFEST_NAME, folder


def test_directory_snapshot_counts_once_and_verifies_its_members(store):
    snapshot_id, folder = _directory_snapshot(store.root)
    assert snapshot_id in store.data_files() and not any(i.endswith("p.json") for i in store.data_files())
    snap = store.read(snapshot_id)
    assert snap.member("pages/p.json") == b'{"value": [1, 2, 3]}'
    (folder / "pages" / "p.json").write_bytes(b'{"value": [1, 2, 4]}')
    with pytest.raises(SnapshotError, match="pages/p.json") as err:
        snap.member("pages/p.json")
    assert "checksum mismatch" in str(err.value)
    with pytest.raises(SnapshotError, match="capture_x/pages/p.json"):
        store.verify_all()


def test_unlisted_file_in_a_capture_and_dot_folders(store):
    snapshot_id, folder = _directory_snapshot(store.root)
    (folder / "extra.json").write_text("{}")
    with pytest.raises(SnapshotError, match="does not list"):
        store.read(snapshot_id)
    (folder / "extra.json").unlink()
    hidden = store.root / "cbs" / "00000NED" / ".incoming-1"
    hidden.mkdir()
    (hidden / "half.json").write_text("{")
    assert not any(".incoming" in i for i in store.data_files())
    store.verify_all()
