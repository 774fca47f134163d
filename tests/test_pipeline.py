"""The factory and its laziness: nothing heavy happens until it is needed."""

from assistant.embeddings import SentenceEmbeddings
from assistant.pipeline import build_pipeline


def test_reingesting_an_unchanged_library_never_loads_the_encoder(make_settings, embeddings, corpus_copy):
    settings = make_settings()
    first = build_pipeline(settings, embeddings=embeddings)
    assert first.ingest([corpus_copy]).ok
    first.close()

    cold = SentenceEmbeddings(settings.embedding)
    again = build_pipeline(settings, embeddings=cold)
    report = again.ingest([corpus_copy])
    assert len(report.unchanged) == 6 and report.embedded == 0
    assert "runner" not in cold.__dict__, "the encoder was loaded although no file changed"
    again.close()


def test_building_a_pipeline_does_not_load_the_encoder(make_settings):
    cold = SentenceEmbeddings()
    p = build_pipeline(make_settings(), embeddings=cold)
    assert p.counts() == (0, 0)
    assert "runner" not in cold.__dict__
    p.close()
