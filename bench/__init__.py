"""Benchmarks of the assistant: ingest and query speed, memory and retrieval quality, each measured
against a baseline taken in the same run (the raw encoder, the naive LangChain recipe, the embedded
store). Run ``python -m bench --help``; results land in ``bench/results/``.
"""
