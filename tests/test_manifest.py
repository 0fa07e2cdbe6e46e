"""The npe2 manifest: valid, importable, discovered, and shipped inside the wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_symlinked_manifest_is_the_root_manifest():
    link = ROOT / "src" / "napari_maliang" / "napari.yaml"
    assert link.is_symlink() and link.readlink().as_posix() == "../../napari.yaml"
    assert link.read_text() == (ROOT / "napari.yaml").read_text()


def test_npe2_validate_with_imports():
    npe2 = Path(sys.executable).with_name("npe2")
    result = subprocess.run(
        [str(npe2), "validate", "napari-maliang", "--imports"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in (result.stdout + result.stderr).lower()


def test_manifest_points_at_submodules_only():
    manifest = yaml.safe_load((ROOT / "napari.yaml").read_text())
    for command in manifest["contributions"]["commands"]:
        module = command["python_name"].split(":")[0]
        assert module.startswith("napari_maliang.") and module != "napari_maliang", command
    widgets = {w["command"] for w in manifest["contributions"]["widgets"]}
    commands = {c["id"] for c in manifest["contributions"]["commands"]}
    assert widgets <= commands


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (path,) = out.glob("napari_maliang-*.whl")
    return path


def test_wheel_contains_manifest_and_entry_point(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "napari_maliang/napari.yaml" in names
        assert "napari_maliang/lowlight/data/natural_shapes.npy" in names  # the exposure prior's data
        manifest = yaml.safe_load(zf.read("napari_maliang/napari.yaml"))
        entry_points = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert manifest["name"] == "napari-maliang"
    assert "napari_maliang:napari.yaml" in entry_points
    assert "maliang = napari_maliang.cli:main" in entry_points


def test_wheel_metadata_is_what_the_napari_hub_reads(wheel):
    """The hub and PyPI show the wheel's METADATA: summary, the README as markdown, the napari framework
    classifier, only the Python versions CI tests, and the project links."""
    from email.parser import Parser

    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    meta = Parser().parsestr(text)
    assert "PALM/STORM" in meta["Summary"]
    assert meta["Description-Content-Type"] == "text/markdown"
    classifiers = meta.get_all("Classifier")
    assert "Framework :: napari" in classifiers
    assert [c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")] == [
        f"Programming Language :: Python :: 3.{sys.version_info.minor}"
    ]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Source Code", "Bug Tracker", "User Support", "Documentation"} <= set(urls)
    readme = meta.get_payload()
    assert "pip install napari-maliang" in readme
    images = [line for line in readme.splitlines() if "![" in line]
    assert images and all("](https://" in line for line in images), "README images need absolute URLs on PyPI"
