"""The UI's TypeScript types are generated from lumos.api.types; fail when they drift."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _gen():
    spec = importlib.util.spec_from_file_location("gen_types", ROOT / "scripts" / "gen_types.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_types_match_python_specs(tmp_path):
    gen = _gen()
    gen.write(tmp_path)
    committed = ROOT / "ui" / "src" / "generated"
    for name in ("types.ts", "schema.json"):
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        assert (committed / name).is_file(), f"{committed / name} is missing"
        assert (committed / name).read_text(encoding="utf-8") == fresh, (
            f"ui/src/generated/{name} is out of date: run `python scripts/gen_types.py`")


def test_every_field_type_is_generated(tmp_path):
    from lumos.api.types import FIELD_TYPES

    text = _gen().render()["types.ts"]
    for name in FIELD_TYPES:
        assert f"export interface {name} {{" in text
    assert 'vocab: string[] | null;' in text  # CategoryLabel's optional vocab
