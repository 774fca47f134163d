"""The factory: one place that wires settings, encoder, index, retriever and composer together."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, ContextManager, Sequence

from assistant.answer import NO_INDEX_TEXT, Answer, ExtractiveComposer
from assistant.chat import QUESTION_STOPWORDS, Conversation
from assistant.embeddings import SentenceEmbeddings, build_embeddings
from assistant.index import DocumentRecord, Index
from assistant.ingest import IngestReport, run_ingest
from assistant.ingest.chunking import Chunker
from assistant.compose.cues import facets_asked
from assistant.compose.outline import EXERCISE_WANTED
from assistant.question import FACET_WORDS, WORD, QuestionAnalysis, analyse_question, sources_wanted, split_context, split_question, weak_names, with_topic_for_pronouns
from assistant.compose.sources import SOURCES_SHOWN
from assistant.retrieve import Filters, HybridRetriever, HybridSearcher, Passage, SearchResult, rrf
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.generate import GenerativeComposer
    from assistant.index.check import CheckReport
    from assistant.index.manifest import ChunkRecord


NAMED_DEPTH = 50
"""Passages searched for those of the documents a question names in common words (:meth:`Pipeline._with_names`)."""
PHRASE_DEPTH = 30
"""Passages searched for one that says a defined or compared subject of several words as a phrase (:meth:`Pipeline._with_subjects`)."""


@dataclass
class Pipeline:
    """Everything the doors (CLI, UI) call. Build it with :func:`build_pipeline`."""

    settings: Settings
    embeddings: SentenceEmbeddings
    index: Index
    chat: "BaseChatModel | None" = None
    """Chat model that words answers (``None``: extractive answers only)."""

    @cached_property
    def chunker(self) -> Chunker:
        """Passage cutter measuring with the encoder's tokenizer."""
        return Chunker(lambda: self.embeddings.tokenizer, self.settings.chunking, self.settings.embedding.max_seq_length)

    @cached_property
    def searcher(self) -> HybridSearcher:
        """Hybrid dense + BM25 search."""
        return HybridSearcher(self.index, self.embeddings, self.settings.retrieval)

    @cached_property
    def composer(self) -> ExtractiveComposer:
        """Extractive answer builder sharing the BM25 analyser."""
        lexical = self.index.lexical
        ignore = frozenset(t for terms in lexical.tokenize(sorted(QUESTION_STOPWORDS)) for t in terms)
        return ExtractiveComposer(
            lexical.tokenize, lambda terms: self.index.refresh_lexical().idf(terms), self.settings.answer, ignore,
            expand=self.document_passages,
        )

    def document_passages(self, doc_id: str) -> list[Passage]:
        """A document's stored passages in order (the composer completes a list cut across passages)."""
        return [_passage(r) for r in self.index.manifest.document_chunks(doc_id)]

    def passage(self, chunk_id: str) -> Passage | None:
        """One stored passage by id (``score`` 0), or ``None`` when it is no longer indexed."""
        record = self.index.manifest.chunks([chunk_id]).get(chunk_id)
        return _passage(record) if record is not None else None

    def document(self, doc_id: str) -> DocumentRecord | None:
        """An indexed document by doc id (or source path, or unique file name); ``None`` when there is no such one."""
        return self.index.manifest.find(doc_id)

    def document_text(self, doc_id: str) -> str:
        """A document's full text as it was chunked (passage offsets index it); empty when it is not indexed."""
        return self.index.manifest.text(doc_id)

    @cached_property
    def generator(self) -> "GenerativeComposer | None":
        """Generated answers checked against their passages, when a chat model is configured."""
        if self.chat is None:
            return None
        from assistant.generate import GenerativeComposer

        return GenerativeComposer(self.chat, self.embeddings, self.settings.llm, self.settings.answer.passages)

    def retriever(self, k: int | None = None, filters: Filters | None = None) -> HybridRetriever:
        """A LangChain ``BaseRetriever`` over this pipeline."""
        return HybridRetriever(searcher=self.searcher, k=k or self.settings.retrieval.k, filters=filters)

    def ingest(
        self, paths: Sequence[Path | str], *, progress: bool | None = None, report_line: Callable[[str], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None, prune: bool = False, wait: float | None = None,
    ) -> IngestReport:
        """Index files and folders (see :func:`assistant.ingest.run_ingest`), holding the data dir's writer lock.

        Args:
            wait: Seconds to wait while another process or session writes (``None``: the
                ``store.writer_wait`` setting; 0: do not wait).

        Raises:
            assistant.index.IndexBusy: Another writer still held the lock after ``wait`` seconds.
        """
        with self.index.writing("ingest", wait=wait, on_wait=report_line):
            # Checked before any file is read (without loading the encoder), and again on the
            # first batch, when the encoder that really runs is known (an ONNX export may fall back).
            self.index.claim_vectors(self.embeddings.expected_space, drop_orphans=True)
            return run_ingest(
                [Path(p) for p in paths], self.index, self._embed, self.chunker,
                batch_chunks=self.settings.embedding.ingest_batch, encode_batch=self.settings.embedding.batch_size, progress=progress,
                report_line=report_line, on_progress=on_progress, prune=prune, limits=self.settings.ingest,
            )

    def _embed(self, texts: list[str]):
        """Passages to vectors for the index: refused if the index holds vectors made another way."""
        self.index.claim_vectors(self.embeddings.vector_space)
        return self.embeddings.encode(texts)

    def reindex(self) -> int:
        """Embed every stored passage again with this pipeline's encoder (after a change of backend or model).

        Returns:
            How many passages were embedded.
        """
        return self.index.reindex(self.embeddings.vector_space, self.embeddings.encode)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None, per_document: int | None = None) -> SearchResult:
        """Ranked passages for a query, at most ``per_document`` from any one document (``None``: no cap).

        The Search page and ``assistant search`` pass ``settings.retrieval.per_document``;
        answers and evaluation search uncapped.
        """
        return self.searcher.search(query, k=k, filters=filters, per_document=per_document)

    def ask(self, question: str, k: int | None = None, filters: Filters | None = None, conversation: Conversation | None = None) -> Answer:
        """Answer a question with citations (or abstain).

        Args:
            question: The user's words.
            k: Passages to retrieve (at least the composer's ``passages``).
            filters: Metadata restrictions.
            conversation: Earlier turns; follow-ups are resolved against them and the turn is added.
        """
        # "and for safeguarding?" after "who does what" is answered as "who does what in safeguarding?"
        asked = conversation.switched(question) if conversation is not None else None
        query = asked or (conversation.resolve(question) if conversation is not None else question)
        analysis = analyse_question(asked or question)
        if query != question and not asked and conversation is not None and conversation.last_topic:
            analysis = with_topic_for_pronouns(analysis, conversation.last_topic)
        if not self.index.manifest.has_passages():
            answer = Answer(question, NO_INDEX_TEXT, True, [], [], query, None, kind=analysis.kind)
        else:
            result = self.answer_search(asked or question, query, k, filters)
            answer = self.compose(asked or question, result, analysis, filters)
            answer.question = question
            answer.query = query
        answer.merged = query != question
        if conversation is not None:
            conversation.add(question, query, answer, asked)
        return answer

    def answer_search(self, question: str, query: str, k: int | None = None, filters: Filters | None = None) -> SearchResult:
        """The search an answer is composed from (what :meth:`ask` runs, and ``assistant eval`` too).

        ``answer_depth`` passages; for a question asking which documents treat a topic ("Which
        papers discuss boundary spanners?"), one passage from each of twice ``SOURCES_SHOWN`` documents.
        """
        if sources_wanted(question):
            return self.search(query, k=k or SOURCES_SHOWN * 2, filters=filters, per_document=1)
        return self.search(query, k=k or self.answer_depth, filters=filters)

    @property
    def answer_depth(self) -> int:
        """Passages an answer is composed from: what :meth:`ask` retrieves, and what ``assistant eval`` composes from."""
        return max(self.settings.retrieval.k, self.settings.answer.passages)

    def compose(self, question: str, result: SearchResult, analysis: QuestionAnalysis | None = None, filters: Filters | None = None) -> Answer:
        """The answer to ``question`` from a search already run (what :meth:`ask` and ``assistant eval`` both do).

        Args:
            question: The user's words (their kind decides the composition).
            result: Passages retrieved for the question (or for its resolved follow-up query).
            analysis: The question's analysis (made here when not given).
            filters: Metadata restrictions, applied again to the per-subject searches.
        """
        analysis = analysis or analyse_question(question)
        result = self._with_ask(result, question, filters)
        result = self._with_first_part(result, question, filters)
        result = self._with_facet_topic(result, question, filters)
        result = self._with_names(result, question, filters)
        result = self._with_session_plans(result, question, filters)
        result = self._with_subjects(result, analysis, filters)
        answer = self.composer.compose(question, result, analysis)
        if self.generator is not None:
            answer = self.generator.compose(question, result, answer)
        return answer

    def _with_ask(self, result: SearchResult, question: str, filters: Filters | None) -> SearchResult:
        """For a question that opens with statements, fuse in a search for the question sentence alone.

        "We have just been funded for a two-year programme. How do we set up the partnership
        board?" searched whole finds guidance on funding ending; the question sentence alone finds
        "Setting up the partnership board". Neither search is dropped ("Our key workers are burning
        out. What support should we give them?" needs the first sentence to know who "them" is):
        the two rankings are fused by reciprocal rank, and closeness in meaning is taken from the
        question sentence's search where it has one.
        """
        context, ask = split_context(question)
        if not context or result.best_dense is None or not result.passages:
            return result
        return self._fused(result, self.search(ask, k=len(result.passages), filters=filters))

    def _with_first_part(self, result: SearchResult, question: str, filters: Filters | None) -> SearchResult:
        """For a question with a yes-no part after a comma, fuse in a search for the question without it.

        "We've interviewed unpaid carers and want to turn them into personas. What steps should we
        follow, and does building the personas raise any Paperwork Reduction Act issues?" searched
        whole finds the cards' government considerations (every card has one, and the Act's words
        are rare); without its last part it finds the personas card's steps. The whole question is
        answered first and the yes-no part from the documents it cites (``ExtractiveComposer.two_parts``),
        so both searches are kept, fused by reciprocal rank; closeness in meaning stays the whole question's.
        """
        parts = split_question(question)
        if len(parts) != 2 or result.best_dense is None or not result.passages or analyse_question(parts[1]).kind != "yes-no":
            return result
        return self._fused(result, self.search(parts[0], k=len(result.passages), filters=filters), closeness_from_other=False)

    def _with_facet_topic(self, result: SearchResult, question: str, filters: Filters | None) -> SearchResult:
        """For a question asking for a facet of something (its pitfalls, who does what), fuse in a search for the something alone.

        "I'm about to re-commission services that our partners currently deliver together. What
        traps should I avoid?" searched whole finds the conflict guide on "traps", "avoid" and
        "partners": words naming the facet weigh most because they are rare. Searched without them
        it finds the commissioning guide, whose pitfalls section then answers. The two rankings are
        fused by reciprocal rank; closeness in meaning stays the whole question's. A follow-up ("What
        are the common mistakes?") searches the query it was resolved to, with the topic it borrowed.
        """
        if result.best_dense is None or not result.passages or not facets_asked(question):
            return result
        words = result.query or question  # a follow-up's resolved query carries the topic it borrowed
        topic = WORD.sub(lambda m: "" if m.group().lower() in FACET_WORDS else m.group(), words)
        if topic == words:
            return result
        return self._fused(result, self.search(topic, k=len(result.passages), filters=filters), closeness_from_other=False)

    def _with_names(self, result: SearchResult, question: str, filters: Filters | None) -> SearchResult:
        """For a question naming something in common words ("When did Making It Work start?"), the passages of the documents so named lead.

        Searched whole, that question finds when Austin's open data programme started: "making",
        "it" and "work" say little. The documents whose titles hold the name are the ones asked
        about; their passages among a wider search of the question come first, best first, and the
        rest follow (closeness in meaning stays the question's).
        """
        names = weak_names(question)
        if not names or result.best_dense is None or not result.passages:
            return result
        named = self.index.manifest.titled(names)
        if not named:
            return result
        wide = self.search(question, k=NAMED_DEPTH, filters=filters)
        first = [p for p in wide.passages if p.doc_id in named][: len(result.passages)]
        if not first:
            return result
        have = {p.id for p in first}
        passages = (first + [p for p in result.passages if p.id not in have])[: len(result.passages)]
        return SearchResult(result.query, passages, result.best_dense, result.timings, similarity={**wide.similarity, **result.similarity})

    def _with_session_plans(self, result: SearchResult, question: str, filters: Filters | None) -> SearchResult:
        """For a trainer's question, fuse in a search for the question with "session plan" added.

        "How do I teach distributed leadership?" finds Bolden's review first: the session plan
        that teaches it says "trainer" and "session", never "teach", and ranks 14th. What a trainer
        asks for (:data:`EXERCISE_WANTED`: an exercise, teaching something, opening or closing a
        session) is found in session plans, so their passages join the ranking by reciprocal rank.
        """
        if not EXERCISE_WANTED.search(question) or result.best_dense is None or not result.passages:
            return result
        # The added words make any session plan look close: whether to abstain, and how close each
        # passage is in meaning, stay the question's own ("How do I teach knitting?" is still refused).
        plans = self.search(f"{question} session plan", k=len(result.passages), filters=filters)
        return self._fused(result, plans, closeness_from_other=False)

    def _fused(self, result: SearchResult, other: SearchResult, closeness_from_other: bool = True) -> SearchResult:
        """``result``'s passages re-ranked by reciprocal-rank fusion with ``other``'s, as many as before (best scaled to 1).

        ``closeness_from_other``: the best dense similarity (what abstention reads) and each
        passage's closeness in meaning come from ``other`` where it has them, for a search that
        asks the question better (its question sentence alone); otherwise from ``result``.
        """
        first, second = (result, other) if closeness_from_other else (other, result)
        found = {p.id: p for p in first.passages + second.passages}
        fused = rrf([[p.id for p in other.passages], [p.id for p in result.passages]], [1.0, 1.0], self.settings.retrieval.rrf_k)
        fused = fused[: len(result.passages)]
        top = fused[0][1]
        passages = [replace(found[i], score=score / top) for i, score in fused]
        if closeness_from_other:
            best = max(d for d in (result.best_dense, other.best_dense) if d is not None)
        else:
            best = result.best_dense
        return SearchResult(result.query, passages, best, result.timings, similarity={**first.similarity, **second.similarity})

    def _with_subjects(self, result: SearchResult, analysis: QuestionAnalysis, filters: Filters | None) -> SearchResult:
        """For a comparison or definition, add the top passages found for each subject on its own.

        "What is the difference between co-production and co-design?" retrieves passages about
        the pair; each thing's own definition may rank lower. Three passages per subject are
        appended after the question's own (they never displace them). A subject of two or more
        words that no passage found says as a phrase gets up to two more, from the first
        ``PHRASE_DEPTH`` found for it, that do: "What is permitted work?" ranks guidance on
        permission to stop work and on continuing the work above "**Permitted work:** people on
        Employment and Support Allowance ... can do paid involvement under the permitted work rules".
        """
        if analysis.kind not in ("comparison", "definition") or result.best_dense is None:
            return result
        have = {p.id for p in result.passages}
        extra = []
        for subject in analysis.subjects:
            phrase = re.compile(r"\b" + r"\s+".join(re.escape(w) for w in subject.split()) + r"\b", re.I) if len(subject.split()) >= 2 else None
            found = self.search(subject, k=PHRASE_DEPTH if phrase else 3, filters=filters).passages
            said = [p for p in result.passages + extra + found[:3] if phrase and phrase.search(p.text)]
            for p in found[:3] + ([p for p in found[3:] if phrase.search(p.text)][:2] if phrase and not said else []):
                if p.id not in have:
                    have.add(p.id)
                    extra.append(p)
        if not extra:
            return result
        return SearchResult(result.query, result.passages + extra, result.best_dense, result.timings, similarity=result.similarity)

    def analyse(self, texts: Sequence[str]) -> list[list[str]]:
        """The BM25 analyser (lower-case, stop words out, stemmed), for marking query terms."""
        return self.index.lexical.tokenize(texts)

    def counts(self) -> tuple[int, int]:
        """``(documents, passages)`` from the manifest (no call to the vector store)."""
        return self.index.manifest.counts()

    def documents(self) -> list[DocumentRecord]:
        """Indexed documents."""
        return self.index.manifest.documents()

    def stats(self) -> dict[str, int]:
        """Document and passage counts."""
        return self.index.stats()

    def writing(self, doing: str = "ingest", wait: float | None = None) -> ContextManager[None]:
        """Hold the data dir's writer lock for a ``with`` block (re-entrant: :meth:`ingest` inside it does not wait).

        An upload takes it before saving files, so a refused upload leaves nothing on disk.

        Raises:
            assistant.index.IndexBusy: Another writer still held the lock after ``wait`` seconds.
        """
        return self.index.writing(doing, wait=wait)

    def remove(self, source: str, wait: float | None = None) -> DocumentRecord | None:
        """Delete a document by source path, doc id or unique file name (``wait``: see :meth:`ingest`)."""
        return self.index.remove(source, wait=wait)

    def reset(self) -> None:
        """Delete everything indexed (in server mode: the shared collection, for every instance)."""
        self.index.reset()

    def check(self, repair: bool = False) -> "CheckReport":
        """Compare manifest, Chroma (``get`` and ``query``) and BM25; with ``repair``, fix what differs first."""
        from assistant.index.check import check, repair as fix

        return fix(self.index, self._embed) if repair else check(self.index)

    def close(self) -> None:
        """Release files."""
        self.index.close()


def _passage(r: "ChunkRecord") -> Passage:
    return Passage(
        id=r.id, doc_id=r.doc_id, title=r.title, source=r.source, page=r.page, section=r.section, text=r.text,
        start=r.start, end=r.end, sentences=r.sentences, score=0.0, units=r.units,
    )


def build_pipeline(
    settings: Settings | None = None, *, embeddings: SentenceEmbeddings | None = None, index: Index | None = None,
    chat: "BaseChatModel | None" = None,
) -> Pipeline:
    """Wire a pipeline from settings; pass ``embeddings``, ``index`` or ``chat`` to share or replace them.

    Nothing heavy happens here: the encoder loads on first use.

    Raises:
        assistant.generate.LLMUnavailable: settings name a chat backend whose package is missing.
    """
    settings = settings or Settings()
    if chat is None and settings.llm.backend != "none":
        from assistant.generate import build_chat_model

        chat = build_chat_model(settings.llm)
    return Pipeline(
        settings=settings,
        embeddings=embeddings or build_embeddings(settings.embedding),
        index=index or Index(settings),
        chat=chat,
    )
