"""The encoder and the chunker's tokenizer: one encoder thread and the chunker never share tokenizer state."""

from __future__ import annotations

import random
import threading

import pytest

WORDS = "partners agency trust boundary spanner co-design budget pooled governance learning evaluation citizens".split()


def varied_texts(rng: random.Random, n: int) -> list[str]:
    """Texts of very different lengths, so that every encoder batch needs padding."""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 150))) + "." for _ in range(n)]


def encoder_pieces(embeddings, text: str) -> tuple[object, list[int]]:
    """The tokenizer the encoder itself runs (torch: sentence-transformers'; ONNX: the tokenizers one) and its ids for ``text``."""
    runner = embeddings.runner
    if hasattr(runner, "model"):
        tokenizer = runner.model.tokenizer
        return tokenizer, tokenizer(text, add_special_tokens=False)["input_ids"]
    return runner.tokenizer, runner.tokenizer.encode(text, add_special_tokens=False).ids


def test_the_chunker_measures_with_its_own_tokenizer_not_the_encoders(pipeline, embeddings):
    text = "Boundary spanners broker trust between agencies, co-design budgets and pooled governance."
    tokenizer, ids = encoder_pieces(embeddings, text)
    assert pipeline.chunker.tokenizer is not tokenizer
    # Same vocabulary, same counts: passages still fit the encoder window exactly.
    assert pipeline.chunker.tokenizer(text, add_special_tokens=False)["input_ids"] == ids


def test_measuring_passages_while_the_encoder_thread_encodes_never_breaks_a_batch(pipeline, embeddings):
    """The race of issue 11: a fast tokenizer's padding is per-object state set on every call.

    With one shared tokenizer, the chunker's unpadded count on this thread switched padding off
    between the encoder thread's setting it and its batch being built: "Unable to create tensor
    ... expected sequence of length 191 at dim 1 (got 189)". Small encoder batches of very
    different lengths make the window wide; on the old code this fails within a few hundred
    batches.
    """
    rng = random.Random(11)
    batches = [varied_texts(rng, 2) for _ in range(200)]
    errors: list[BaseException] = []
    done = threading.Event()

    def encode() -> None:
        try:
            for batch in batches:
                embeddings.encode(batch, batch_size=2)
        except BaseException as exc:  # noqa: BLE001 - reported on the main thread
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=encode)
    worker.start()
    counted = 0
    texts = varied_texts(rng, 50)
    while not done.is_set():
        pipeline.chunker.count(texts[counted % len(texts)])
        counted += 1
    worker.join()
    assert not errors, f"encoder failed after the chunker measured {counted} texts: {errors[0]!r}"
    assert counted > 100  # the two really ran at the same time


@pytest.mark.slow
def test_a_long_ingest_with_small_encoder_batches_completes(make_settings, embeddings, tmp_path):
    """Hundreds of documents read and chunked while the encoder thread encodes two passages per call."""
    from assistant.pipeline import build_pipeline

    rng = random.Random(3)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(200):
        paragraphs = "\n\n".join(varied_texts(rng, rng.randint(2, 6)))
        (folder / f"note-{i:03}.md").write_text(f"# Note {i}\n\n{paragraphs}\n")
    p = build_pipeline(make_settings(embedding={"ingest_batch": 128, "batch_size": 2}), embeddings=embeddings)
    try:
        report = p.ingest([folder])
        assert report.ok and len(report.added) == 200, report.failed
        assert report.embedded == report.chunks == p.stats()["vectors"]
    finally:
        p.close()
