"""Imports every built-in demo module (each registers itself)."""

import importlib

DEMO_MODULES = (
    "lumos.demos.sentiment",
    "lumos.demos.ner",
    "lumos.demos.keras_demo",
    "lumos.demos.multitask",
    "lumos.demos.generation",
    "lumos.demos.seq2seq",
)

for _mod in DEMO_MODULES:
    importlib.import_module(_mod)
