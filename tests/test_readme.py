"""The README documents what the code really has: every setting and every CLI verb."""

from pathlib import Path

from pydantic import BaseModel

from assistant.cli import _parser
from assistant.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _env_names():
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            for sub in ann.model_fields:
                yield f"ASSISTANT_{name.upper()}__{sub.upper()}"
        else:
            yield f"ASSISTANT_{name.upper()}"


def test_every_setting_is_documented():
    missing = [n for n in _env_names() if f"`{n}`" not in README]
    assert not missing, f"README lacks {missing}"


def test_every_cli_verb_is_documented():
    sub = next(a for a in _parser()._actions if a.dest == "command")
    missing = [verb for verb in sub.choices if f"assistant {verb}" not in README and f"assistant [--data-dir DIR] {verb}" not in README]
    assert not missing, f"README lacks {missing}"


def test_the_two_commands_come_first():
    first = README.split("## ", 2)[1]
    assert "make run" in first and "make test" in first


def test_the_first_screen_says_how_to_change_the_port_and_where_the_index_lives():
    first = README.split("## ", 2)[1]
    assert "make run PORT=" in first
    assert "~/.local/share/collab-assistant" in first and "ASSISTANT_DATA_DIR" in first
    assert "corpus/.assistantignore" in first
