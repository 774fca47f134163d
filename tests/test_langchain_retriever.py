"""LangChain's standard retriever suite, unchanged, against the hybrid retriever on a real index."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieve import HybridRetriever


class TestHybridRetriever(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _indexed(self, indexed):
        # The standard suite reads plain properties; hand them the session's indexed pipeline.
        self.pipeline = indexed

    @property
    def retriever_constructor(self) -> type[HybridRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"searcher": self.pipeline.searcher}

    @property
    def retriever_query_example(self) -> str:
        return "What does a boundary spanner do in a partnership?"
