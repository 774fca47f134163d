"""The public API: ``assistant.__all__`` is exactly what the package exports, and importing it is cheap."""

from __future__ import annotations

import subprocess
import sys
import types

import assistant


def test_all_lists_exactly_the_public_names():
    # As in httpx's tests/test_exported_members.py: every public name is in __all__ and nothing else.
    public = sorted(
        name for name, value in vars(assistant).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    )
    assert assistant.__all__ == public


def test_every_exported_name_is_documented():
    undocumented = [name for name in assistant.__all__ if not (getattr(assistant, name).__doc__ or "").strip()]
    assert undocumented == []


def test_importing_the_package_loads_no_model_or_database():
    # A usage error on the CLI must answer at once: no torch, Chroma or encoder at import time.
    code = "import sys, assistant; print(sorted(m for m in ('torch', 'chromadb', 'sentence_transformers', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
