"""The settings tables (docs/configuration.md, docs/telegram.md) and config/default.toml say what the
code does: one source of defaults, every setting documented once."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT
from pydantic import BaseModel, SecretStr

from config.settings import TOML_FILES, Settings

# Where the settings tables live; every Markdown page is searched so that none documents one twice.
TABLE_PAGES = (ROOT / "docs" / "configuration.md", ROOT / "docs" / "telegram.md")
PAGES = sorted({ROOT / "README.md", *TABLE_PAGES, *(ROOT / "docs").glob("*.md")})
# A default written as prose ("unset", "bundled …", "*(empty)*") is checked by name only.
PROSE = re.compile(r"^(unset|empty|\*\(empty\)\*|bundled|see|all cores)")


def _rows(pages=PAGES) -> list[tuple[str, str, str]]:
    """(dotted setting, env var, default cell) of every settings-table row of these pages."""
    rows = []
    lines = [line for page in pages for line in ["# " + page.name, *page.read_text(encoding="utf-8").splitlines()]]
    section = ""
    for line in lines:
        heading = re.match(r"^#+\s+(.*)", line)
        if heading:
            section = heading.group(1)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or not re.fullmatch(r"`DEPECHE_[A-Z0-9_]+`", cells[1]):
            continue
        name = cells[0].strip("`")
        if section == "Telegram settings":
            name = f"telegram.{name}"
        rows.append((name, cells[1].strip("`"), cells[2]))
    return rows


def _fields(model: type[BaseModel], prefix: str = "") -> dict[str, object]:
    """Every leaf setting with its default, by dotted name."""
    found: dict[str, object] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(_fields(annotation, f"{prefix}{name}."))
        else:
            found[f"{prefix}{name}"] = info.get_default(call_default_factory=True)
    return found


DEFAULTS = _fields(Settings)
ROWS = _rows()


def _documented(value: object) -> str:
    """A default as the README writes it."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def test_every_setting_has_a_row_and_every_row_a_setting():
    documented = {name for name, _, _ in ROWS}
    assert documented - set(DEFAULTS) == set(), "rows naming no setting"
    assert set(DEFAULTS) - documented == set(), "settings missing from docs/configuration.md"
    twice = sorted({name for name, _, _ in ROWS if [row[0] for row in ROWS].count(name) > 1})
    assert twice == [], "settings documented twice"
    assert {name for name, _, _ in _rows(TABLE_PAGES)} == documented, "a settings row outside the tables' pages"


@pytest.mark.parametrize(("name", "env", "cell"), ROWS, ids=[row[0] for row in ROWS])
def test_each_row_names_its_env_var_and_default(name, env, cell):
    assert env == "DEPECHE_" + name.upper().replace(".", "__")
    written = re.match(r"^`([^`]*)`", cell)  # the value, when the cell opens with one
    if written is None:
        assert PROSE.match(cell), f"{name}: default {cell!r} is neither a `value` nor known prose"
        default = DEFAULTS[name]
        assert _documented(default) in ("", "None", "0"), f"{name}: prose default {cell!r} hides {default!r}"
        return
    written = written.group(1)
    default = DEFAULTS[name]
    if isinstance(default, float) and not isinstance(default, bool):
        assert float(written) == default, f"{name}: README says {written}, code says {default}"
    else:
        assert written == _documented(default), f"{name}: README says {written}, code says {default}"


def _commented_toml() -> dict[str, object]:
    """The settings config/default.toml shows commented out, as `section.key`: value."""
    values: dict[str, object] = {}
    section = ""
    for line in TOML_FILES[0].read_text(encoding="utf-8").splitlines():
        header = re.match(r"^\[(\w+)\]", line)
        if header:
            section = header.group(1) + "."
            continue
        entry = re.match(r"^#\s*([a-z_]+)\s*=\s*(.+?)\s*(?:#.*)?$", line)
        if entry:
            values[section + entry.group(1)] = tomllib.loads(f"v = {entry.group(2)}")["v"]
    return values


def test_the_shipped_toml_sets_nothing_and_its_comments_match_the_code():
    assert tomllib.loads(TOML_FILES[0].read_text(encoding="utf-8")) == {
        key: {} for key in re.findall(r"^\[(\w+)\]", TOML_FILES[0].read_text(encoding="utf-8"), re.M)
    }
    shown = _commented_toml()
    assert len(shown) > 30
    for name, value in shown.items():
        if name == "chroma.host":
            continue  # an example of what to set, the default being unset
        default = DEFAULTS[name]
        default = default.get_secret_value() if isinstance(default, SecretStr) else default
        assert value == (str(default) if isinstance(default, Path) else default), name


def test_the_readme_stays_a_first_screen_and_points_to_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    for page in ("configuration", "telegram", "commands", "how-it-works", "evals", "benchmarks", "scaling"):
        assert f"(docs/{page}.md)" in readme and (ROOT / "docs" / f"{page}.md").is_file(), page
