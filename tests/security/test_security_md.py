"""SECURITY.md names the tests that cover each threat; a renamed or deleted test must not leave
it citing something that no longer runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_SPAN = re.compile(r"`([^`]+)`")


def citations(text: str) -> list[tuple[str, str]]:
    """(file, test) for each `file::test`, and each `::test` that continues the file before."""
    cited, current = [], None
    for span in CODE_SPAN.findall(text):
        if span.startswith("tests/") and "::" in span:
            current, test = span.split("::", 1)
        elif span.startswith("::") and current is not None:
            test = span[2:]
        else:
            continue
        cited.append((current, test.split("[")[0]))
    return cited


def test_security_md_cites_only_tests_that_exist() -> None:
    cited = citations((ROOT / "SECURITY.md").read_text())
    missing = [
        f"{path}::{test}"
        for path, test in cited
        if not (ROOT / path).is_file() or not re.search(rf"def {test}\(", (ROOT / path).read_text())
    ]
    assert len(cited) > 50
    assert missing == []
