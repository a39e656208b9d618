"""What `pip install .` ships is what users run: the wheel carries every file of every package,
the suite tests the installed package when asked to, and the Dockerfile copies what exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib import import_module
from pathlib import Path

import pytest

from bot.i18n import (
    SUPPORTED_LANGUAGES,
    CatalogueError,
    check_catalogues,
    get_translator,
    message_keys,
)
from tests.paths import PACKAGE_ROOT, SOURCE_ROOT

PYPROJECT = tomllib.loads((SOURCE_ROOT / "pyproject.toml").read_text())
PACKAGES = sorted(
    path.name for path in SOURCE_ROOT.iterdir()
    if (path / "__init__.py").exists()
    and any(re.fullmatch(pattern.replace("*", ".*"), path.name)
            for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]))


def source_files(package: str) -> set[str]:
    """Every file of a package on disk, as a path inside the wheel."""
    root = SOURCE_ROOT / package
    return {path.relative_to(SOURCE_ROOT).as_posix() for path in root.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
            and path.suffix not in (".pyc", ".pyo")}


def test_the_project_declares_the_five_layers():
    assert {"bot", "handlers", "storage", "charts", "kpi"} <= set(PACKAGES)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # Built from a clean copy: a build in the checkout would reuse a stale *.egg-info
    # (SOURCES.txt lists data files from earlier builds) and hide a missing pattern.
    clean = tmp_path_factory.mktemp("source") / "src"
    shutil.copytree(SOURCE_ROOT, clean, ignore=shutil.ignore_patterns(
        ".git", "*.egg-info", "build", "dist", ".*venv*", "__pycache__", ".ruff_cache"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(out), str(clean)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [built] = out.glob("smm_kpi_bot-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_ships_every_file_of_every_package(wheel):
    shipped = set(wheel.namelist())
    for package in PACKAGES:
        missing = sorted(source_files(package) - shipped)
        assert not missing, f"the wheel lacks {package} files: {missing[:10]}"


def test_wheel_ships_both_languages_and_the_migrations(wheel):
    shipped = set(wheel.namelist())
    for lang in SUPPORTED_LANGUAGES:
        assert any(name.startswith(f"bot/locales/{lang}/") and name.endswith(".ftl")
                   for name in shipped), lang
    assert any(name.startswith("storage/migrations/") and name.endswith(".sql")
               for name in shipped)


@pytest.mark.skipif(os.environ.get("SMM_KPI_EXPECT_INSTALLED") != "1",
                    reason="the suite runs from a checkout (scripts/test.sh sets this)")
def test_the_suite_imports_the_installed_package_not_the_checkout():
    for package in PACKAGES:
        where = Path(import_module(package).__file__).resolve()
        assert "site-packages" in where.parts, f"{package} imported from {where}"
        # the venv may live inside the checkout (.ci-venv): what matters is not the source folder
        assert not where.is_relative_to((SOURCE_ROOT / package).resolve()), \
            f"{package} imported from {where}"


def test_the_imported_package_speaks_both_languages():
    check_catalogues()
    assert get_translator("ru")("cmd-start") != "cmd-start"
    assert get_translator("en")("digest-header", name="x", week="w") != "digest-header"
    assert message_keys("ru") == message_keys("en")
    assert (PACKAGE_ROOT / "bot" / "locales").is_dir()


def test_a_missing_language_stops_the_talking_commands_with_one_line(
        tmp_path, monkeypatch, capsys):
    import bot.i18n
    from bot.cli import main

    only_en = tmp_path / "locales"
    (only_en / "en").mkdir(parents=True)
    for path in (bot.i18n.LOCALES_DIR / "en").glob("*.ftl"):
        (only_en / "en" / path.name).write_text(path.read_text(encoding="utf-8"))
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", only_en)
    with pytest.raises(CatalogueError, match="no ru messages"):
        check_catalogues()
    for argv in (["demo", "--out", str(tmp_path / "d")], ["analyze", "x.csv"], ["run"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "no ru messages" in err[0], err
    assert not (tmp_path / "d").exists()


def test_a_catalogue_that_does_not_parse_is_refused(tmp_path, monkeypatch):
    import bot.i18n

    broken = tmp_path / "locales"
    for lang in SUPPORTED_LANGUAGES:
        (broken / lang).mkdir(parents=True)
        (broken / lang / "core.ftl").write_text("cmd-start = Hi\n")
    (broken / "ru" / "core.ftl").write_text("cmd-start = {\n")
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", broken)
    with pytest.raises(CatalogueError, match="does not parse"):
        check_catalogues()


def test_a_language_lacking_messages_is_refused(tmp_path, monkeypatch):
    import bot.i18n

    partial = tmp_path / "locales"
    for lang in SUPPORTED_LANGUAGES:
        (partial / lang).mkdir(parents=True)
        (partial / lang / "core.ftl").write_text("cmd-start = Hi\nextra = x\n")
    (partial / "ru" / "core.ftl").write_text("cmd-start = Привет\n")
    monkeypatch.setattr(bot.i18n, "LOCALES_DIR", partial)
    with pytest.raises(CatalogueError, match="ru messages lack 1 key"):
        check_catalogues()


DOCKERFILE = (SOURCE_ROOT / "Dockerfile").read_text()


def test_every_path_the_dockerfile_copies_exists():
    copies = re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+(\S+)$", DOCKERFILE, re.MULTILINE)
    assert copies
    for sources, _dest in copies:
        for source in sources.split():
            assert (SOURCE_ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_the_dockerfile_copies_every_package_and_installs_it_non_editable():
    copied = {source.strip("./") for sources, _ in re.findall(
        r"^COPY\s+(?:--\S+\s+)*(.+?)\s+(\S+)$", DOCKERFILE, re.MULTILINE)
        for source in sources.split()}
    assert set(PACKAGES) <= copied, f"not copied: {set(PACKAGES) - copied}"
    assert re.search(r"^RUN pip install (--\S+ )*\.$", DOCKERFILE, re.MULTILINE)
    assert "-e ." not in DOCKERFILE
    # The image checks its own install the same way the bot does at start.
    assert "check_catalogues" in DOCKERFILE
