"""The logic behind the UI pages, one module per job; each reaches the index only through :class:`~assistant.pipeline.Pipeline`.

``library`` (filter facets, the Library table), ``reader`` (a document by section),
``uploads`` (checked uploads, removal), ``admin`` (the admin token), ``first_run`` (indexing
the corpus on a first launch), ``learn`` (concept cards, demos, starter questions),
``sources`` (marked passages, context, one-line descriptions), ``export`` (conversation and
search exports), ``references`` (CSL-JSON works as BibTeX, RIS and APA) and ``feedback`` (the
local feedback log).
"""
