"""Ingest: files -> normalised documents -> passages with character offsets -> vectors for a sink."""

from ingest.loaders import LoadError, load_file
from ingest.pipeline import PassageSink, ingest_paths
from ingest.text import locate, normalise_text, split_sentences

__all__ = ["LoadError", "PassageSink", "ingest_paths", "load_file", "locate", "normalise_text", "split_sentences"]
