"""The local feedback log: thumbs up or down on an answer, with the question, answer and citations, one JSON line each."""

from __future__ import annotations

import json
import threading
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from assistant.answer import Answer
from assistant.retrieve import Filters
from assistant.settings import Settings

Rating = Literal["up", "down"]


class FeedbackLog:
    """Append-only JSONL file of reader feedback, kept beside the index.

    One line per verdict, so a reviewer can ``grep`` or load it with any JSON tool. Writes
    are serialised with a lock: several browser sessions share one server process.

    Args:
        path: The log file (created with its folder on first write).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "FeedbackLog":
        """The log named by ``settings.ui.feedback_file`` inside the data dir."""
        return cls(Path(settings.data_dir) / settings.ui.feedback_file)

    def record(self, answer: Answer, rating: Rating, comment: str = "", *, filters: Filters | None = None, conversation: str = "", turn: int | None = None) -> dict:
        """Append one verdict and return what was written.

        Args:
            answer: The answer being judged (its question, text and citations are stored).
            rating: ``"up"`` or ``"down"``.
            comment: Optional free text from the reader.
            filters: Filters that were active when the question was asked.
            conversation: An id grouping the turns of one conversation.
            turn: Position of the answer in its conversation (0-based).

        Raises:
            ValueError: ``rating`` is neither ``"up"`` nor ``"down"``.
        """
        if rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {rating!r}")
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": rating,
            "comment": comment.strip(),
            "question": answer.question,
            "query": answer.query,
            "answer": answer.text,
            "abstained": answer.abstained,
            "citations": [
                {"n": c.n, "title": c.title, "source": c.source, "page": c.page, "section": c.section, "sentence": c.sentence, "chunk_id": c.chunk_id}
                for c in answer.citations
            ],
            "filters": asdict(filters) if filters is not None and filters.active else None,
            "conversation": conversation,
            "turn": turn,
        }
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        return entry

    def entries(self) -> list[dict]:
        """Everything recorded so far, oldest first (unreadable lines are skipped)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a crash mid-write
                continue
        return out
