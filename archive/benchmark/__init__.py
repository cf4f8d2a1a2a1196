"""Benchmarks: a synthetic corpus (corpus.py, ``manage.py generate_corpus``) and the pages timed
against the naive way of answering the same questions (run.py, ``manage.py benchmark``)."""
