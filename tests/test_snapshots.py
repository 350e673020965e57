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
