"""End to end through the pipeline on the fixture corpus: every format indexed, cited answers."""

from assistant.answer import verify


def test_every_fixture_format_is_indexed(indexed):
    titles = {d.meta.title for d in indexed.documents()}
    assert "Partnership governance for test purposes" in titles
    assert "Innovation labs in government" in titles  # HTML title
    assert "Shared leadership agreements" in titles  # DOCX core title
    assert len(titles) == 6


def test_answer_cites_the_boundary_spanner_passage(indexed):
    answer = indexed.ask("What does a boundary spanner do?")
    assert not answer.abstained
    verify(answer)
    assert any("boundary spanner" in c.sentence.lower() for c in answer.citations)
    assert answer.citations[0].title == "Partnership governance for test purposes"
    assert answer.citations[0].section == "Boundary spanners in the partnership"


def test_pdf_passages_carry_their_page(indexed):
    result = indexed.search("job shadowing partner culture", k=1)
    top = result.passages[0]
    assert top.source.endswith("coordination-report.pdf")
    assert top.page == 2
    assert top.section == "Job shadowing"
