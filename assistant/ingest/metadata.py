"""Document metadata: merge what a file, its sidecar and its front matter say, then fill gaps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, field_validator

from assistant.ingest.headings import first_heading

DocType = Literal["literature", "guidance", "case-study", "glossary", "training", "other"]
DOC_TYPES: tuple[str, ...] = get_args(DocType)


class DocumentMeta(BaseModel):
    """What we know about one document (stored in the manifest, shown with every citation)."""

    title: str = Field(description="Document title.")
    authors: list[str] = Field(default_factory=list, description="Authors of the work (or of the work summarised).")
    year: int | None = Field(None, description="Year of the work (or of the work summarised).")
    doc_type: DocType = Field("other", description="literature | guidance | case-study | glossary | training | other.")
    audience: list[str] = Field(default_factory=list, description="practitioner | trainer | researcher.")
    tags: list[str] = Field(default_factory=list, description="Lower-case topic tags.")
    reference: str = Field("", description="URL or bibliographic reference of the document itself.")
    references: list[dict[str, Any] | str] = Field(
        default_factory=list,
        description="Works the document draws on: CSL-JSON mappings (type, author, issued, title, container-title, volume, issue, page, DOI, URL, ...) or, in older documents, one plain reference string each.",
    )

    @field_validator("references", mode="before")
    @classmethod
    def _references(cls, value: Any) -> list[dict[str, Any] | str]:
        if value is None:
            return []
        if isinstance(value, (str, dict)):
            value = [value]
        out: list[dict[str, Any] | str] = []
        for item in value:
            if isinstance(item, dict):
                work = {str(k).strip(): _plain(v) for k, v in item.items() if v not in (None, "", [])}
                if work:
                    out.append(work)
            elif str(item).strip():
                out.append(str(item).strip())
        return out

    @field_validator("authors", "audience", "tags", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    @field_validator("audience", "tags")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(v.lower() for v in value))

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: Any) -> int | None:
        if value in (None, ""):
            return None
        match = re.search(r"\d{4}", str(value))
        return int(match.group()) if match else None

    @field_validator("doc_type", mode="before")
    @classmethod
    def _doc_type(cls, value: Any) -> str:
        text = str(value or "other").strip().lower().replace("_", "-").replace(" ", "-")
        aliases = {"case": "case-study", "casestudy": "case-study", "case-studies": "case-study"}
        text = aliases.get(text, text)
        return text if text in DOC_TYPES else "other"


def _plain(value: Any) -> Any:
    """YAML values as JSON-safe ones: a date written unquoted becomes its ISO text, numbers and text stay."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


_KNOWN = set(DocumentMeta.model_fields) | {"author", "url", "type", "date"}


def build_meta(path: Path, text: str, *layers: dict[str, Any]) -> DocumentMeta:
    """Merge metadata layers (later layers win) and infer what is missing.

    Args:
        path: The source file, for the fallback title.
        text: The document text, whose first heading is the next-best title.
        *layers: Raw metadata dictionaries, lowest precedence first
            (file properties, then front matter, then sidecar).

    Returns:
        Validated, normalised metadata.
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            key = str(key).strip().lower()
            if key not in _KNOWN or value in (None, "", []):
                continue
            key = {"author": "authors", "url": "reference", "type": "doc_type", "date": "year"}.get(key, key)
            merged[key] = value
    if isinstance(merged.get("reference"), list):
        merged["reference"] = "; ".join(map(str, merged["reference"]))
    if not str(merged.get("title", "")).strip():
        merged["title"] = first_heading(text) or title_from_filename(path)
    merged["title"] = str(merged["title"]).strip()
    return DocumentMeta.model_validate(merged)


def title_from_filename(path: Path) -> str:
    """'making-it-work_case study.pdf' -> 'Making it work case study'."""
    words = re.sub(r"[-_.]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.name
