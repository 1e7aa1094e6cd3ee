"""Prompt templates (``*.txt``), shipped as package data and read with ``importlib.resources``."""
