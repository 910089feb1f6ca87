"""The shape of the project: the core never depends on a front end, and a plain `pip install .` carries every package."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
import zipfile

import pytest
from conftest import ROOT

CORE = ROOT / "index"


def test_the_core_imports_no_front_end_and_names_no_test_path():
    for path in CORE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+bot\b", source, re.M), path
        # Comments may cite the eval set; no string the code uses may point into tests/.
        strings = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.STRING]
        paths = [s for s in (t.strip("\"'") for t in strings) if s.startswith("tests") or "/tests/" in s]
        assert not paths, path


@pytest.mark.slow
def test_a_non_editable_install_carries_every_package_and_the_default_toml(tmp_path):
    # Built from a copy: setuptools leaves a build/ folder in the tree it builds.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "index", "bot", "config"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}))
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = wheels.glob("depeche-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {
        str(init.parent.relative_to(ROOT))
        for top in ("index", "bot", "config")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert {"index/evals", "bot/tgbot"} <= packages
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    assert "config/default.toml" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "depeche = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    # Run from elsewhere, so the checkout cannot stand in for the installed copy.
    done = subprocess.run(
        [sys.executable, "-c", "import bot.cli, bot.tgbot.app, index.evals.runner, config; print(bot.cli.__file__)"],
        cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().startswith(str(target))
