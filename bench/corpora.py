"""Benchmark corpora from real text: the shipped corpus/ and, when present, BEIR SciFact.

Three things are built here:

* **ingest documents**: files for the ingest benchmark (SciFact abstracts as Markdown, or the
  shipped corpus cut at its ``##`` headings when SciFact is absent);
* **passage corpora** of exactly N passages for the query benchmark, as
  :class:`~assistant.index.PreparedDocument` objects ready for ``Index.write``;
* **query sets**: the gold questions shipped in corpus/eval plus SciFact test claims.

Passage corpora start with *natural* passages: every document cut by the assistant's own loader,
metadata and chunker, exactly as ``assistant ingest`` would. SciFact gives about 13k of them
(5,183 abstracts of ~250 word pieces each, cut at 180) and the shipped corpus a few hundred.
Sizes beyond that take *sentence windows*: 3, then 2, 4 and 5 consecutive sentences of one
section, each a substring of its document and within the encoder window, so every passage is
still real, contiguous prose. SciFact has ~45k usable sentences, which gives ~120k windows:
enough for 100k passages. Windows overlap their natural passages, as overlapping chunks do.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import quote, unquote

import yaml

from assistant.index import PreparedDocument
from assistant.ingest import Chunk, Chunker, doc_id_for
from assistant.ingest.chunking import chunk_id
from assistant.ingest.loaders import load, load_sidecar, supported_suffixes
from assistant.ingest.metadata import DocumentMeta, build_meta
from assistant.ingest.structure import Unit

ROOT = Path(__file__).resolve().parent.parent
REPO_CORPUS = ROOT / "corpus"
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
WINDOWS = (3, 2, 4, 5)
CORPUS_VERSION = "1"  # bump when the construction below changes, to invalidate cached corpora


class NotEnoughText(ValueError):
    """The available real text cannot make a corpus of the requested size."""


@dataclass(frozen=True)
class SciFact:
    """A BEIR-layout SciFact folder."""

    folder: Path

    def abstracts(self) -> Iterator[tuple[str, str, str]]:
        """``(id, title, text)`` in file order."""
        with open(self.folder / "corpus.jsonl", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    yield str(row["_id"]), row.get("title", "").strip(), row.get("text", "").strip()

    def queries(self) -> dict[str, str]:
        """Query id -> text."""
        with open(self.folder / "queries.jsonl", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return {str(r["_id"]): r["text"] for r in rows}

    def qrels(self, split: str = "test") -> dict[str, dict[str, int]]:
        """Query id -> {doc id: relevance}."""
        out: dict[str, dict[str, int]] = {}
        for line in (self.folder / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
            qid, did, score = line.split("\t")[:3]
            out.setdefault(qid, {})[did] = int(score)
        return out

    def virtual_folder(self) -> Path:
        """Folder named in the sources of SciFact documents built in memory (never written)."""
        return self.folder / "as-files"

    def holds(self, doc: PreparedDocument) -> bool:
        """Whether ``doc`` is one of the abstracts built by :func:`natural_documents`."""
        return Path(doc.source).parent == self.virtual_folder()

    def signature(self) -> str:
        """Changes when the files do (cache key)."""
        stat = (self.folder / "corpus.jsonl").stat()
        return f"{stat.st_size}-{int(stat.st_mtime)}"


def find_scifact(shared: Path | None) -> SciFact | None:
    """The SciFact folder under ``shared`` (``../shared/data``), or ``None`` when absent or incomplete."""
    if shared is None:
        return None
    folder = Path(shared) / "scifact"
    needed = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / "test.tsv"]
    return SciFact(folder) if all(p.is_file() for p in needed) else None


def abstract_markdown(title: str, text: str) -> str:
    """One SciFact abstract as a Markdown file, in the layout ``assistant eval --beir`` writes
    (title in front matter), so our figures match the eval module's and share cached vectors."""
    head = yaml.safe_dump({"title": title, "doc_type": "literature"}, allow_unicode=True, width=10_000)
    return f"---\n{head}---\n{text.strip()}\n"


def abstract_file_name(doc_id: str) -> str:
    """File name of one abstract (the BEIR id, URL-quoted)."""
    return f"{quote(doc_id, safe='')}.md"


def beir_id(source: str) -> str:
    """The BEIR id a SciFact file or source path stands for."""
    return unquote(Path(source).stem)


def repo_files() -> list[Path]:
    """Documents of the shipped corpus (eval files excluded), sorted."""
    suffixes = supported_suffixes()
    return sorted(
        p for p in REPO_CORPUS.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and "eval" not in p.relative_to(REPO_CORPUS).parts
    )


def ingest_documents(n: int, scifact: SciFact | None) -> list[tuple[str, str]]:
    """Up to ``n`` ``(file name, content)`` pairs for the ingest benchmark.

    SciFact gives one abstract per file. Without it the shipped corpus is cut at its ``##``
    headings, one section per file titled "Document: Section" (about 300 files in all).
    """
    if scifact is not None:
        docs = []
        for doc_id, title, text in scifact.abstracts():
            if len(docs) == n:
                break
            docs.append((abstract_file_name(doc_id), abstract_markdown(title or doc_id, text)))
        return docs
    import frontmatter

    docs = []
    for path in repo_files():
        if path.suffix.lower() not in {".md", ".markdown"}:
            continue
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
        title = str(post.metadata.get("title") or path.stem)
        body = re.sub(r"^# .*\n", "", post.content, count=1, flags=re.MULTILINE)
        parts = re.split(r"^## +(.+)\n", body, flags=re.MULTILINE)
        sections = [("", parts[0])] + list(zip(parts[1::2], parts[2::2]))
        for i, (heading, text) in enumerate(sections):
            if len(text.strip()) < 200:
                continue
            name = f"{path.stem}-{i:02d}.md"
            head = f"{title}: {heading.strip()}" if heading else title
            docs.append((name, f"# {head}\n\n{text.strip()}\n"))
            if len(docs) == n:
                return docs
    return docs


def write_documents(docs: Iterable[tuple[str, str]], folder: Path) -> list[Path]:
    """Write ``(name, content)`` pairs as files; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in docs:
        path = folder / name
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths


# -- natural passages: the assistant's own loader, metadata and chunker ---------------------------


def prepare(path: Path, source: str, data: bytes, chunker: Chunker) -> PreparedDocument:
    """Load, describe and chunk one document as ``assistant ingest`` does (mirrors ``run_ingest``)."""
    content_hash = hashlib.sha256(data).hexdigest()
    doc = load(path, data)
    meta = build_meta(path, doc.text, doc.meta, load_sidecar(path) if path.exists() else {})
    doc_id = doc_id_for(source)
    return PreparedDocument(doc_id, source, content_hash, meta, doc.text, chunker.chunk(doc, doc_id, content_hash, meta.title))


def natural_documents(chunker: Chunker, scifact: SciFact | None, cache_dir: Path | None) -> list[PreparedDocument]:
    """Every shipped document, then every SciFact abstract, chunked by the real chunker.

    Chunking 5,183 abstracts takes about a minute, so the result is cached under ``cache_dir``
    keyed by the ingest code, the chunking settings, the tokenizer and the source files.
    """
    files = repo_files()
    import assistant.ingest

    code = sorted(Path(assistant.ingest.__file__).parent.glob("*.py"))  # a chunker change invalidates the cache
    key = hashlib.sha1(
        json.dumps([
            CORPUS_VERSION, [hashlib.sha1(p.read_bytes()).hexdigest() for p in code],
            chunker.settings.model_dump(), chunker.limit, type(chunker.tokenizer).__name__,
            len(chunker.tokenizer), [(str(p.relative_to(ROOT)), p.stat().st_size, int(p.stat().st_mtime)) for p in files],
            scifact.signature() if scifact else None,
        ]).encode()
    ).hexdigest()[:16]
    cached = cache_dir / f"natural-{key}.json.gz" if cache_dir else None
    if cached is not None and cached.exists():
        return [_from_json(d) for d in json.loads(gzip.decompress(cached.read_bytes()))]
    docs = [prepare(p, str(p.resolve()), p.read_bytes(), chunker) for p in files]
    if scifact is not None:
        virtual = scifact.virtual_folder()
        for sid, title, text in scifact.abstracts():
            path = virtual / abstract_file_name(sid)
            docs.append(prepare(path, str(path), abstract_markdown(title or sid, text).encode("utf-8"), chunker))
    docs = [d for d in docs if d.chunks]
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(json.dumps([_to_json(d) for d in docs]).encode(), compresslevel=3))
        tmp.rename(cached)
    return docs


def _to_json(doc: PreparedDocument) -> dict:
    return {
        "doc_id": doc.doc_id, "source": doc.source, "content_hash": doc.content_hash,
        "meta": doc.meta.model_dump(), "text": doc.text, "chunks": [asdict(c) for c in doc.chunks],
    }


def _from_json(d: dict) -> PreparedDocument:
    chunks = [
        Chunk(**{**c, "sentences": tuple(tuple(s) for s in c["sentences"]), "units": tuple(_unit(u) for u in c.get("units", ()))})
        for c in d["chunks"]
    ]
    return PreparedDocument(d["doc_id"], d["source"], d["content_hash"], DocumentMeta.model_validate(d["meta"]), d["text"], chunks)


def _unit(u: dict) -> Unit:
    """A unit as ``asdict`` wrote it (lists where the dataclass holds tuples)."""
    return Unit(**{**u, "items": tuple(tuple(i) for i in u.get("items", ())), "lead": tuple(u["lead"]) if u.get("lead") else None})


# -- sentence windows for the larger sizes ---------------------------------------------------------


def window_documents(natural: list[PreparedDocument], tokenizer, limit: int) -> Iterator[PreparedDocument]:
    """Per window width, one derived document per natural one, holding its sentence windows.

    A window is ``w`` consecutive sentences of one section (``text[start:end]`` of the document,
    never crossing a heading), embedded with the same "title > section" trail as the natural
    passage it comes from, and kept only if that fits ``limit`` word pieces.
    """
    for w in WINDOWS:
        for doc in natural:
            candidates = list(_windows(doc, w))
            if not candidates:
                continue
            counts = tokenizer([prefix + text for _, _, text, prefix, _ in candidates], add_special_tokens=False, verbose=False)["input_ids"]
            doc_id = f"{doc.doc_id}-w{w}"
            chunks = []
            for (start, spans, text, prefix, base), ids in zip(candidates, counts):
                if len(ids) > limit:
                    continue
                position = len(chunks)
                chunks.append(Chunk(
                    id=chunk_id(doc_id, doc.content_hash, position), doc_id=doc_id, position=position, text=text,
                    start=start, end=start + len(text), section=base.section, page=base.page,
                    embed_text=prefix + text, sentences=spans,
                ))
            if chunks:
                yield PreparedDocument(doc_id, f"{doc.source}#w{w}", doc.content_hash, doc.meta, doc.text, chunks)


def _windows(doc: PreparedDocument, w: int) -> Iterator[tuple[int, tuple[tuple[int, int], ...], str, str, Chunk]]:
    by_section: dict[str, list[tuple[int, int, Chunk]]] = {}
    for c in doc.chunks:
        start = c.start
        if doc.text[start : start + len(c.text)] != c.text:
            # Defensive: chunkers before 2026-11-28 could misplace a start after an overlap.
            start = doc.text.find(c.text)
            if start < 0:
                continue
        by_section.setdefault(c.section, []).extend((start + a, start + b, c) for a, b in c.sentences)
    for sentences in by_section.values():
        kept: list[tuple[int, int, Chunk]] = []
        for s in sorted(sentences, key=lambda x: (x[0], x[1])):
            if not kept or s[0] >= kept[-1][1]:  # overlapping chunks repeat sentences: keep one
                kept.append(s)
        for i in range(len(kept) - w + 1):
            start, end = kept[i][0], kept[i + w - 1][1]
            text = doc.text[start:end]
            if "\n#" in text:
                continue
            base = kept[i][2]
            prefix = base.embed_text[: len(base.embed_text) - len(base.text)] if base.embed_text.endswith(base.text) else ""
            spans = tuple((a - start, b - start) for a, b, _ in kept[i : i + w])
            yield start, spans, text, prefix, base


def passage_corpus(n: int, natural: list[PreparedDocument], tokenizer, limit: int) -> list[PreparedDocument]:
    """Documents holding exactly ``n`` passages: natural ones first, then sentence windows.

    Raises:
        NotEnoughText: Fewer than ``n`` real passages can be made from the available text.
    """
    out: list[PreparedDocument] = []
    count = 0
    for doc in chain(natural, window_documents(natural, tokenizer, limit)):
        take = doc.chunks[: n - count]
        out.append(doc if len(take) == len(doc.chunks) else replace(doc, chunks=take))
        count += len(take)
        if count == n:
            return out
    raise NotEnoughText(f"only {count:,} real passages can be built from the available text")


# -- queries -----------------------------------------------------------------------------------------


def gold_questions() -> list[str]:
    """Questions of the shipped gold set (corpus/eval/*.jsonl)."""
    out = []
    for path in sorted((REPO_CORPUS / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def latency_queries(n: int, scifact: SciFact | None) -> list[str]:
    """``n`` queries alternating gold questions and SciFact test claims (cycled if needed)."""
    gold = gold_questions()
    claims = []
    if scifact is not None:
        texts = scifact.queries()
        claims = [texts[q] for q in scifact.qrels("test") if q in texts]
    mixed = [q for pair in zip(gold, claims) for q in pair] + gold[len(claims):] + claims[len(gold):]
    if not mixed:
        raise NotEnoughText("no queries found in corpus/eval")
    return [mixed[i % len(mixed)] for i in range(n)]
