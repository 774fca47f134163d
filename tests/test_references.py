"""Structured references: every corpus reference is well-formed CSL-JSON, and BibTeX, RIS and APA made from them parse back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.app import references as refs
from assistant.ingest.loaders import load
from assistant.ingest.metadata import DocumentMeta, build_meta

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILES = sorted((ROOT / "corpus").rglob("*.md"))
CSL_TYPES = {"article-journal", "article", "book", "chapter", "report", "webpage", "thesis", "paper-conference", "legislation", "document"}
DOI = re.compile(r"^10\.\d{4,9}/\S+$")


def corpus_meta(path: Path) -> DocumentMeta:
    loaded = load(path, path.read_bytes())
    return build_meta(path, loaded.text, loaded.meta)


def corpus_works() -> list[tuple[str, dict]]:
    return [(path.name, work) for path in CORPUS_FILES for work in refs.works(corpus_meta(path))]


def test_the_corpus_has_documents_with_references():
    assert len(CORPUS_FILES) >= 30
    assert len(corpus_works()) >= 150


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_reference_is_structured_with_type_author_issued_and_title(path):
    meta = corpus_meta(path)
    assert meta.references, f"{path.name} lists no references"
    for ref in meta.references:
        assert isinstance(ref, dict), f"{path.name}: still a plain string: {ref!r}"
        where = f"{path.name}: {ref.get('title')!r}"
        assert ref.get("type") in CSL_TYPES, where
        people = ref.get("author") or ref.get("editor") or []  # an edited book names its editors
        # A work whose authors could not be confirmed is cited by title, as APA does, and must carry a DOI to be found.
        assert (people or ref.get("DOI")) and all(p.get("family") or p.get("literal") for p in people), where
        issued = ref.get("issued") or {}
        assert issued.get("date-parts") or issued.get("literal"), where
        if issued.get("date-parts"):
            assert all(1800 <= int(part[0]) <= 2030 for part in issued["date-parts"]), where
        assert str(ref.get("title", "")).strip(), where
        if "DOI" in ref:
            assert DOI.match(ref["DOI"]), where
        if ref["type"] == "article-journal":
            assert ref.get("container-title"), where


def test_a_legacy_string_reference_is_still_accepted():
    meta = DocumentMeta(title="Old note", references=["Smith, J. (2001). A title. Journal, 1(2), 3-4.", {"type": "book", "title": "New"}, ""])
    assert meta.references == ["Smith, J. (2001). A title. Journal, 1(2), 3-4.", {"type": "book", "title": "New"}]
    assert refs.works(meta)[0] == {"type": "document", "title": "Smith, J. (2001). A title. Journal, 1(2), 3-4."}


def test_every_corpus_work_renders_in_apa_and_round_trips_through_bibtex_and_ris():
    import bibtexparser
    import rispy

    unique = {refs.identity(w): w for _, w in corpus_works()}
    used: set[str] = set()
    cited = [refs.Cited(refs._unique(refs.citation_key(w), used), w) for w in unique.values()]

    lines = refs.apa(cited)
    assert len(lines) == len(cited)
    for c, line in zip(cited, lines):
        assert str(c.work["title"]).split()[0] in line, line
        if c.work.get("DOI"):
            assert f"https://doi.org/{c.work['DOI']}" in line, line

    library = bibtexparser.parse_string(refs.bibtex(cited))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [c.key for c in cited]
    named = [bool(c.work.get("author") or c.work.get("editor")) for c in cited]  # a work cited by title names nobody
    assert all("title" in e.fields_dict and ("author" in e.fields_dict or "editor" in e.fields_dict or not who) for e, who in zip(library.entries, named))

    records = rispy.loads(refs.ris(cited))
    assert [r["id"] for r in records] == [c.key for c in cited]
    with_doi = [c for c in cited if c.work.get("DOI")]
    assert with_doi and all(r.get("doi") == c.work.get("DOI") for r, c in zip(records, cited) if c.work.get("DOI"))


def test_a_passage_draws_on_the_works_it_names_and_the_work_its_document_summarises():
    meta = corpus_meta(ROOT / "corpus" / "literature" / "williams-competent-boundary-spanner.md")
    assert refs.primary_work(meta)["title"] == "The competent boundary spanner"
    named = refs.drawn_on("Boundary spanners manage within multi-organisational settings (Williams, 2012).", meta)
    assert [w["title"] for w in named] == [
        "The competent boundary spanner",
        "Collaboration in Public Policy and Practice: Perspectives on Boundary Spanners",
    ]
    plain = refs.drawn_on("Trust allows partners to share information.", meta)
    assert [w["title"] for w in plain] == ["The competent boundary spanner"]


def test_guidance_without_a_summarised_work_cites_only_what_a_passage_names():
    meta = corpus_meta(ROOT / "corpus" / "guidance" / "key-worker-as-boundary-spanner.md")
    assert refs.primary_work(meta) is None
    assert refs.drawn_on("Key workers keep a caseload of families.", meta) == []


@pytest.mark.parametrize(
    ("work", "key"),
    [
        ({"author": [{"family": "Williams", "given": "P."}], "issued": {"date-parts": [[2002]]}, "title": "The competent boundary spanner"}, "williams2002competent"),
        ({"author": [{"family": "Sørensen", "given": "E."}], "issued": {"date-parts": [[2011]]}, "title": "Enhancing collaborative innovation"}, "sorensen2011enhancing"),
        ({"author": [{"family": "Le Grand", "given": "J."}], "issued": {"date-parts": [[1993]]}, "title": "Quasi-Markets and Social Policy"}, "grand1993quasi"),
        ({"author": [{"literal": "Information Commissioner's Office"}], "issued": {"literal": "n.d."}, "title": "Data protection impact assessments"}, "informationnddata"),
        ({"title": "Untitled"}, "anonnduntitled"),
    ],
)
def test_citation_keys_are_author_year_title(work, key):
    assert refs.citation_key(work) == key


def test_the_same_work_cited_by_two_documents_is_listed_once_with_unique_keys():
    a = corpus_meta(ROOT / "corpus" / "literature" / "ansell-gash-collaborative-governance.md")
    b = corpus_meta(ROOT / "corpus" / "literature" / "emerson-nabatchi-balogh-integrative-framework.md")
    cited = refs.collect(
        [("a", "Ansell and Gash (2008) reviewed 137 cases.", a.title, "a.md"), ("b", "Ansell and Gash (2008) model.", b.title, "b.md")],
        {"a": a, "b": b},
    )
    titles = [c.work["title"] for c in cited]
    assert titles.count("Collaborative governance in theory and practice") == 1
    assert len({c.key for c in cited}) == len(cited)
    assert [c.secondary for c in cited][-2:] == [True, True]
