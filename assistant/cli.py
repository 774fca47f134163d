"""The command line: a thin door onto the pipeline (``assistant`` / ``python -m assistant``)."""

from __future__ import annotations

import argparse
import errno
import gc
import json
import os
import signal
import sqlite3
import sys
import threading
import textwrap
from pathlib import Path
from typing import NoReturn, Sequence

from pydantic import ValidationError


class UsageError(Exception):
    """A mistake in how the command was called (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="assistant", description="Cited answers from the collaborative-innovation corpus.")
    p.add_argument("--data-dir", type=Path, help="index folder (env ASSISTANT_DATA_DIR)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ing = sub.add_parser("ingest", help="index files or folders (recursive)")
    ing.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ing.add_argument("--json", action="store_true", help="print the summary as JSON")
    ing.add_argument("--prune", action="store_true", help="also remove indexed documents whose files are gone")

    for name, arg, help_ in (("ask", "question", "answer a question with citations"), ("search", "query", "ranked passages")):
        q = sub.add_parser(name, help=help_)
        q.add_argument(arg)
        q.add_argument("--json", action="store_true", help="print one JSON object")
        q.add_argument("-k", type=int, default=None, help="passages to retrieve")
        q.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE", help="doc_type, audience, tags, year (2016 or 2008..2016), year_min, year_max; repeatable")
        if name == "search":
            q.add_argument("--per-doc", type=int, default=None, metavar="N", help="at most N passages per document (default ASSISTANT_RETRIEVAL__PER_DOCUMENT, 3; 0 = no cap)")

    st = sub.add_parser("stats", help="document and passage counts")
    st.add_argument("--json", action="store_true")

    rm = sub.add_parser("remove", help="delete one document from the index")
    rm.add_argument("source", help="path as ingested, doc id, or unique file name")

    rs = sub.add_parser("reset", help="delete everything in the index")
    rs.add_argument("--yes", action="store_true", help="do not ask (required in server mode: it empties the shared store)")

    ri = sub.add_parser("reindex", help="embed every passage again with the configured encoder (after changing embedding.backend)")
    ri.add_argument("--json", action="store_true", help="print the summary as JSON")

    ck = sub.add_parser("check", help="compare manifest, Chroma and BM25; exit 1 when they differ")
    ck.add_argument("--repair", action="store_true", help="fix what differs (re-embed, delete orphans, rebuild BM25)")
    ck.add_argument("--json", action="store_true", help="print the findings as JSON")

    ev = sub.add_parser("eval", help="measure retrieval and answers on the gold set or a BEIR folder")
    ev.add_argument("--gold", type=Path, default=None, help="gold questions: a JSONL file or a folder of them (default corpus/eval/)")
    ev.add_argument("--beir", type=Path, default=None, help="BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/)")
    ev.add_argument("--split", default=None, help="gold: report (default), tune or all; BEIR: the qrels split (default test)")
    ev.add_argument("--calibrate", action="store_true", help="gold: pick the abstention threshold on the tune split, show it on the report split")
    ev.add_argument("--realdocs", type=Path, default=None, help="extra Markdown guidance for 'requires: realdocs' questions (default ../shared/data/realdocs beside the repo)")
    ev.add_argument("--json", action="store_true", help="print results as JSON")
    ev.add_argument("--chart", type=Path, default=None, help="write a PNG chart here")
    ev.add_argument("--limit", type=int, default=None, help="evaluate at most this many queries")
    ev.add_argument("--sweep", action="store_true", help="with --beir: sweep fusion settings (use a train split)")
    return p


def run() -> NoReturn:
    """The ``assistant`` command: :func:`main`, then exit without Python's cycle collection at shutdown.

    With torch, transformers and Chroma loaded, the interpreter's final garbage collection
    walks millions of objects: 2-3 s after the last line was printed (measured on 2 busy
    cores), so a CLI that has already said the Chroma server is gone would still not exit.
    ``gc.freeze()`` leaves those objects to the operating system. Nothing durable waits on
    them: the manifest is closed and every write committed before ``main`` returns.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 failure, 2 usage error)."""
    try:
        args = _parser().parse_args(argv)
        if args.command in ("ask", "search") and args.k is not None and args.k < 1:
            raise UsageError("-k must be at least 1")
        if args.command == "search" and args.per_doc is not None and args.per_doc < 0:
            raise UsageError("--per-doc must be 0 (no cap) or more")
        for command, name in (("ask", "question"), ("search", "query")):
            if args.command == command and not getattr(args, name).strip():
                raise UsageError(f"the {name} is empty")
        from assistant.retrieve import FilterError, Filters

        filters = None
        if args.command in ("ask", "search"):
            try:
                filters = Filters.parse(args.filter)
            except FilterError as exc:
                raise UsageError(str(exc)) from None
    except UsageError as exc:
        print(f"assistant: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)

    from assistant.embeddings import EmbeddingBackendUnavailable
    from assistant.index import IndexBusy, VectorSpaceMismatch
    from assistant.index.store import StoreUnavailable

    previous = _stop_on_sigterm()
    try:
        return _run(args, filters)
    except UsageError as exc:
        print(f"assistant: error: {exc}", file=sys.stderr)
        return 2
    except (StoreUnavailable, IndexBusy, VectorSpaceMismatch, EmbeddingBackendUnavailable) as exc:
        print(f"assistant: error: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        print(f"assistant: error: bad setting {where}: {err['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("assistant: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm():
    """Make SIGTERM (``kill``, a service manager) stop the run the way Ctrl-C does; returns the old handler.

    Python's default dies on the spot; as KeyboardInterrupt the ingest drops the batch being
    encoded, keeps what is committed and the rerun resumes. Only the main thread may set it.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


def _run(args: argparse.Namespace, filters) -> int:
    from chromadb.errors import InternalError as ChromaInternalError

    from assistant.pipeline import build_pipeline
    from assistant.settings import Settings

    overrides = {"data_dir": args.data_dir} if args.data_dir else {}
    settings = Settings(**overrides)
    if args.command == "eval":
        from assistant.eval import run_cli

        return run_cli(args, settings)
    from assistant.generate import LLMUnavailable

    try:
        pipeline = build_pipeline(settings)
    except OSError as exc:  # the data dir is a file, or cannot be created
        raise UsageError(f"cannot use {settings.data_dir} as the data dir: {exc.strerror or exc}") from None
    except LLMUnavailable as exc:
        raise UsageError(str(exc)) from None
    try:
        match args.command:
            case "ingest":
                return _ingest(pipeline, args)
            case "ask":
                answer = pipeline.ask(args.question, k=args.k, filters=filters)
                if args.json:
                    print(json.dumps(answer.to_json(), ensure_ascii=False))
                else:
                    _print_answer(answer)
                return 0
            case "search":
                from assistant.answer import passage_json
                from assistant.app.sources import match_label

                per_doc = settings.retrieval.per_document if args.per_doc is None else args.per_doc
                result = pipeline.search(args.query, k=args.k, filters=filters, per_document=per_doc)

                def hit(p) -> dict:
                    return {**passage_json(p), "relevance": round(p.relevance, 3), "match": match_label(p.relevance)}

                if args.json:
                    print(json.dumps({
                        "query": args.query, "results": [hit(p) for p in result.passages],
                        "more": {doc: [hit(p) for p in extra] for doc, extra in result.more.items()},
                    }, ensure_ascii=False))
                else:
                    for p in result.passages:
                        print(f"{p.rank}. {p.title}{_where(p.section, p.page)}  [{match_label(p.relevance)}]")
                        print(textwrap.indent(textwrap.fill(p.text, 96), "   "))
                    if not result.passages:
                        print("No passages found.")
                    held = sum(len(v) for v in result.more.values())
                    if held:
                        print(f"\n{held} more passage{'s' if held != 1 else ''} from these documents held back (at most {per_doc} per document; --per-doc 0 shows all).")
                return 0
            case "stats":
                stats = pipeline.stats()
                if args.json:
                    print(json.dumps(stats))
                else:
                    print(f"{stats['documents']} documents, {stats['chunks']} passages, {stats['vectors']} vectors in {settings.store.url or settings.data_dir}")
                return 0
            case "remove":
                record = pipeline.remove(args.source)
                if record is None:
                    print(f"assistant: error: no single indexed document matches '{args.source}'", file=sys.stderr)
                    return 1
                print(f"removed {record.meta.title} ({record.n_chunks} passages) from {record.source}")
                return 0
            case "reset":
                return _reset(pipeline, args)
            case "reindex":
                done = pipeline.reindex()
                space = pipeline.embeddings.vector_space
                if args.json:
                    print(json.dumps({"embedded": done, **space.to_json()}))
                else:
                    print(f"reindexed: {done} passages embedded again with the {space.backend} backend ({space.space})")
                return 0
            case "check":
                report = pipeline.check(repair=args.repair)
                if args.json:
                    print(json.dumps(report.to_json()))
                elif report.ok:
                    print(f"{'repaired; ' if report.repaired else ''}consistent: {report.passages} passages in the manifest, Chroma (get and query) and BM25")
                else:
                    for line in report.lines():
                        print(line)
                    if not args.repair:
                        print("run 'assistant check --repair' to fix this")
                return 0 if report.ok else 1
    except BrokenPipeError:
        # The reader went away ("assistant ask ... | head"): nothing is wrong with the index. Point stdout
        # at /dev/null so the interpreter's own flush at exit does not complain too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, sqlite3.Error, ChromaInternalError) as exc:  # a disk that is full or failing, under any store
        print(f"assistant: error: {storage_error(exc, Path(settings.data_dir))}", file=sys.stderr)
        return 1
    finally:
        pipeline.close()
    return 2


LOW_SPACE_MB = 64
"""Below this much free space on the data dir's disk, a storage error is reported as a full disk."""


def storage_error(exc: BaseException, data_dir: Path) -> str:
    """One line for an error writing or reading the index files, saying when the disk is (nearly) full.

    Chroma's embedded store reports a full disk only as a failed compaction ("Failed to apply
    logs to the metadata segment"), and cannot even be read until there is space again; so the
    free space is looked up rather than guessed from the message.
    """
    import shutil

    lines = str(exc).strip().splitlines()
    what = f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__
    try:
        free = shutil.disk_usage(data_dir).free
    except OSError:
        free = None
    full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in what or (free is not None and free < LOW_SPACE_MB * 2**20)
    if not full:
        return f"the index in {data_dir} could not be written or read ({what})"
    left = f"{free / 2**20:.1f} MB free" if free is not None else "no space"
    return (
        f"the disk holding {data_dir} is full ({left}; {what}). Free some space and run the command again: "
        "what was stored before is kept, and the next ingest completes the rest"
    )


def _reset(pipeline, args: argparse.Namespace) -> int:
    url = pipeline.settings.store.url
    if url and not args.yes:
        question = f"reset empties the shared store: collection '{pipeline.settings.store.collection}' at {url}, for every app instance using it"
        if not sys.stdin.isatty():
            raise UsageError(f"{question}; add --yes to confirm")
        if input(f"{question}. Type 'yes' to go on: ").strip().lower() != "yes":
            print("reset cancelled")
            return 1
    before = pipeline.stats()
    pipeline.reset()
    where = f"; the shared collection at {url} is empty now" if url else ""
    print(f"index reset: {before['documents']} documents and {before['chunks']} passages removed{where}")
    return 0


def _ingest(pipeline, args: argparse.Namespace) -> int:
    def line(text: str) -> None:
        print(text, file=sys.stderr)

    def waiting(text: str) -> None:
        print(f"assistant: {text}", file=sys.stderr)

    with pipeline.index.writing("ingest", on_wait=waiting):
        report = pipeline.ingest(args.paths, report_line=line, prune=args.prune)
    if args.json:
        summary = {
            "added": len(report.added), "updated": len(report.updated), "unchanged": len(report.unchanged),
            "failed": len(report.failed), "skipped": len(report.skipped), "chunks": report.chunks,
            "embedded": report.embedded, "errors": [{"file": f, "reason": r} for f, r in report.failed],
        }
        if args.prune:
            summary["removed"] = [{"file": f} for f in report.removed]
        print(json.dumps(summary))
    else:
        print(report.summary())
    return 0 if report.ok else 1


def _where(section: str, page: int | None) -> str:
    bits = [b for b in (section, f"p. {page}" if page else "") if b]
    return f" — {', '.join(bits)}" if bits else ""


def _print_answer(answer) -> None:
    for line in answer.text.splitlines():  # numbered steps and labelled definitions keep their lines
        print(textwrap.fill(line, 100, subsequent_indent="   " if line[:1].isdigit() or line.startswith("- ") else ""))
    if answer.generated_by:
        print(f"\n(worded by {answer.generated_by}; each sentence checked against its passage for topic and figures)")
    if answer.note:
        print(f"\n({answer.note})")
    for d in answer.dropped:
        print(f"  not shown: {d.sentence} ({d.reason})")
    if answer.abstained:
        print(f"(searched for: {answer.query or answer.question})")
        if answer.passages:
            print("\nClosest passages:")
            for p in answer.passages:
                print(f"  - {p.title}{_where(p.section, p.page)}")
        return
    print()
    for c in answer.citations:
        print(f"[{c.n}] {c.title}{_where(c.section, c.page)}")
        print(f"    {c.source}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
