"""The user docs stay whole: relative links point to files of the checkout, and every metric of
the catalogue is described in docs/kpi-reference.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi import catalogue
from tests.paths import SOURCE_ROOT

DOCS = SOURCE_ROOT / "docs"
# [text](target) — the target up to a space (a title) or the closing parenthesis.
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def markdown_files() -> list[Path]:
    return [SOURCE_ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def relative_links(text: str) -> list[str]:
    text = INLINE_CODE.sub("", CODE_BLOCK.sub("", text))
    targets = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue  # https:, mailto:, tg: and in-page anchors
        targets.append(target.split("#", 1)[0])
    return targets


def test_the_user_docs_exist() -> None:
    for name in ("interface.md", "message-grammar.md", "kpi-reference.md", "alerting.md"):
        assert (DOCS / name).is_file(), name


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.name)
def test_relative_links_point_to_files_of_the_checkout(path: Path) -> None:
    links = relative_links(path.read_text(encoding="utf-8"))
    missing = [link for link in links if not (path.parent / link).exists()]
    assert not missing, f"{path.name}: links to missing files {missing}"


def test_readme_links_every_user_doc_and_nothing_outside_the_checkout() -> None:
    text = (SOURCE_ROOT / "README.md").read_text(encoding="utf-8")
    links = set(relative_links(text))
    for name in ("interface.md", "message-grammar.md", "kpi-reference.md", "alerting.md"):
        assert f"docs/{name}" in links, name
    assert "shared/docs" not in text


def test_link_finder_sees_links_and_skips_code() -> None:
    text = "[a](docs/x.md) [b](https://e.org) [c](#top) `[d](no.md)`\n```\n[e](no2.md)\n```\n"
    assert relative_links(text) == ["docs/x.md"]


def test_every_catalogue_metric_is_in_the_kpi_reference() -> None:
    text = (DOCS / "kpi-reference.md").read_text(encoding="utf-8")
    missing = [key for key in catalogue.METRICS if f"`{key}`" not in text]
    assert not missing, f"docs/kpi-reference.md does not describe {missing}"


def test_every_alias_and_goal_is_in_the_kpi_reference() -> None:
    text = (DOCS / "kpi-reference.md").read_text(encoding="utf-8")
    missing = [alias for metric in catalogue.METRICS.values() for alias in metric.aliases
               if f"`{alias}`" not in text]
    missing += [goal.value for goal in catalogue.GOAL_KPIS if f"`{goal.value}`" not in text]
    assert not missing, f"docs/kpi-reference.md lacks {missing}"
