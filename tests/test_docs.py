"""The project carries its own account of the mathematics: every docs/ page a source file cites
exists, and no source file cites the reference notes that live outside the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [p for d in ("theory", "numerics", "proofs_check", "tests") for p in (ROOT / d).rglob("*.py")]
OUTSIDE = re.compile(r"\b(theory|interfaces|numerics|paper|certified)\.md\b|\bspec ?§|spec theory")


def cited_pages(text):
    return set(re.findall(r"docs/([\w-]+\.md)", text))


def test_every_cited_docs_page_exists():
    missing = {(p.relative_to(ROOT).as_posix(), page) for p in SOURCES if p.name != "test_docs.py" for page in cited_pages(p.read_text())
               if not (ROOT / "docs" / page).is_file()}
    assert not missing
    assert cited_pages("see docs/no-such-page.md") == {"no-such-page.md"}  # the scan sees a citation


def test_no_source_cites_notes_outside_the_repository():
    found = []
    for p in SOURCES:
        for number, line in enumerate(p.read_text().splitlines(), 1):
            bare = line.replace("docs/certified.md", "").replace("docs/", "")
            if OUTSIDE.search(bare) and p.name != "test_docs.py":
                found.append(f"{p.relative_to(ROOT).as_posix()}:{number}: {line.strip()}")
    assert not found, "\n".join(found[:20])
