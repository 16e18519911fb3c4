"""The documentation's examples run, so they stay true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def test_embedding_example_runs(capsys: object) -> None:
    blocks = _python_blocks(ROOT / "docs" / "embedding.md")
    assert blocks, "docs/embedding.md has no python example"
    for block in blocks:
        exec(compile(block, "docs/embedding.md", "exec"), {"__name__": "docs_example"})


def test_docs_pages_exist() -> None:
    for name in ("architecture.md", "glossary.md", "embedding.md"):
        assert (ROOT / "docs" / name).is_file(), name
    assert "```mermaid" in (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
