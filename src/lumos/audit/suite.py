"""Audit suites: a YAML file read with its positions kept, checked against the shipped
JSON Schema (``suite.schema.json``, ``additionalProperties: false`` at every level).

Every problem is a :class:`SuiteError` naming the file, line, column and key, with
"did you mean ..." for a misspelt key or name::

    suite.yaml:12:5: checks[1].thresold: unknown key; did you mean 'at_most'?

A suite is wrong before anything runs: its schema, its references (a check's model and
dataset are keys of ``models``/``datasets``; ids are unique) and each generator's
options (checked against the generator's typed config) are all checked on load.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

Path_ = tuple[str | int, ...]

SCHEMA_VERSION = 1
DEFAULT_GENERATORS = {"fairness": "group_swap", "templates": "templates"}


class SuiteError(Exception):
    """The suite file is wrong: ``lumos audit`` exits 2 with this message."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f"\n(and {len(problems) - 8} more)" if len(problems) > 8 else ""
        super().__init__("\n".join(problems[:8]) + more)


def schema() -> dict[str, Any]:
    """The shipped suite schema (draft 2020-12)."""
    text = resources.files("lumos.audit").joinpath("suite.schema.json").read_text("utf-8")
    out: dict[str, Any] = json.loads(text)
    return out


def key_path(path: Path_) -> str:
    """``("checks", 1, "at_most")`` as ``checks[1].at_most``."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


# ------------------------------------------------------------------ YAML with positions
@dataclass
class Positions:
    """Line and column (1-based) of each key and value, by path."""

    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path_, *, key: bool = True) -> tuple[int, int]:
        """Where ``path`` is: its key (else its value); a missing path, its parent's."""
        p = tuple(path)
        while p:
            hit = (self.keys.get(p) if key else None) or self.values.get(p) \
                or self.keys.get(p)
            if hit:
                return hit
            p = p[:-1]
        return self.values.get((), (1, 1))


def _walk(node: Any, path: Path_, pos: Positions, file: str, dupes: list[str]) -> None:
    import yaml

    pos.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for knode, vnode in node.value:
            k = knode.value
            sub = (*path, k)
            if k in seen:
                dupes.append(f"{file}:{knode.start_mark.line + 1}:"
                             f"{knode.start_mark.column + 1}: {key_path(sub)}: key given "
                             "twice")
            seen.add(k)
            pos.keys[sub] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            _walk(vnode, sub, pos, file, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), pos, file, dupes)


def read_yaml(path: Path) -> tuple[Any, Positions]:
    """The document and its positions; YAML syntax errors name line and column."""
    import yaml

    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise SuiteError([f"{path}: no such suite file"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SuiteError([f"{path}: cannot read it: {e}"]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise SuiteError([f"{where}: not valid YAML: {e.problem or e.context}"]) from None
    except yaml.YAMLError as e:
        raise SuiteError([f"{path}: not valid YAML: {e}"]) from None
    pos = Positions()
    dupes: list[str] = []
    if node is not None:
        _walk(node, (), pos, str(path), dupes)
    if dupes:
        raise SuiteError(dupes)
    return data, pos


# ---------------------------------------------------------------------------- suite
@dataclass
class Suite:
    """A checked suite: the document as given, where each part of it is, its hash."""

    path: Path
    data: dict[str, Any]
    positions: Positions
    sha256: str

    def where(self, path: Path_, *, key: bool = True) -> str:
        line, col = self.positions.of(path, key=key)
        return f"{self.path}:{line}:{col}"

    def error(self, path: Path_, message: str, *, key: bool = True) -> SuiteError:
        return SuiteError([f"{self.where(path, key=key)}: {key_path(path)}: {message}"])

    @property
    def checks_sha256(self) -> str:
        """The hash of what the checks measure: everything but the models (and the
        suite's name), so a baseline made with another model stays comparable."""
        part = {k: v for k, v in self.data.items() if k not in ("models", "name")}
        return hashlib.sha256(canonical(part)).hexdigest()

    @property
    def seed(self) -> int:
        return int(self.data.get("seed", 0))

    @property
    def confidence(self) -> float:
        return float(self.data.get("confidence", 0.95))

    def checks(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each check with the suite's defaults filled in."""
        defaults = self.data.get("defaults") or {}
        for i, chk in enumerate(self.data["checks"]):
            full = {"pass_on": "interval", "on_insufficient": "fail", "min_count": 30,
                    "examples": 20, "tolerance": 0.0, **defaults, **chk}
            if "generator" not in full and chk["kind"] in DEFAULT_GENERATORS:
                full["generator"] = DEFAULT_GENERATORS[chk["kind"]]
            yield i, full

    def model_names(self, check: dict[str, Any]) -> list[str]:
        return [check["model"]] if "model" in check else list(self.data["models"])

    def dataset_name(self, check: dict[str, Any]) -> str:
        return str(check.get("dataset") or next(iter(self.data["datasets"])))


def _did_you_mean(word: str, known: list[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _schema_problems(data: Any, pos: Positions, file: str) -> list[str]:
    import jsonschema

    sch = schema()
    validator = jsonschema.Draft202012Validator(sch)
    union = set(sch["$defs"]["check"]["properties"])
    found: dict[tuple[Path_, str], tuple[tuple[int, int], str]] = {}

    def add(path: Path_, msg: str, *, key: bool = True) -> None:
        at = pos.of(path, key=key)
        found.setdefault((path, msg), (at, f"{file}:{at[0]}:{at[1]}: {key_path(path)}: "
                                       f"{msg}"))

    def visit(err: Any) -> None:
        path: Path_ = tuple(err.absolute_path)
        v = err.validator
        if v == "oneOf" and not err.context:  # valid under several: too many given
            keys = sorted(k for alt in err.validator_value for k in alt.get("required", []))
            add(path, "give exactly one of " + ", ".join(keys))
            return
        if v in ("oneOf", "anyOf", "allOf") and err.context:
            for sub in err.context:
                visit(sub)
            if v != "oneOf" or any(s.validator != "required" for s in err.context):
                return
            keys = sorted({s.message.split("'")[1] for s in err.context})
            add(path, "give exactly one of " + ", ".join(keys))
            return
        if v == "additionalProperties" and isinstance(err.instance, dict):
            known = sorted(err.schema.get("properties", {}))
            kind = err.instance.get("kind") if "kind" in known else None
            for k in err.instance:
                if k in known:
                    continue
                if kind is not None and k in union:  # a key of another kind of check
                    add((*path, k), f"not a key of a {kind} check (its keys: "
                        f"{', '.join(known)})")
                    continue
                hint = _did_you_mean(str(k), known) or (
                    f" (keys: {', '.join(known)})" if known else "")
                add((*path, k), "unknown key" + hint)
            return
        if v == "required":
            missing = err.message.split("'")[1]
            add((*path, missing), "required key missing")
            return
        if v in ("enum", "const"):
            allowed = err.validator_value if v == "enum" else [err.validator_value]
            hint = _did_you_mean(str(err.instance), [str(a) for a in allowed])
            add(path, f"{err.instance!r} is not one of "
                + ", ".join(repr(a) for a in allowed) + hint, key=False)
            return
        add(path, err.message, key=False)

    for err in validator.iter_errors(data):
        visit(err)
    return [msg for _, msg in sorted(found.values())]


def _config_problems(suite: Suite) -> list[str]:
    """References between parts, unique ids, thresholds, generator options."""
    from lumos.api import registry

    d = suite.data
    out: list[str] = []
    seen: dict[str, int] = {}
    gens = registry.available("generator")
    for i, chk in enumerate(d["checks"]):
        base: Path_ = ("checks", i)
        if chk["id"] in seen:
            out.append(str(suite.error((*base, "id"), f"id '{chk['id']}' is also check "
                                       f"{seen[chk['id']]}'s; ids must be unique",
                                       key=False)))
        seen.setdefault(chk["id"], i)
        for part, table in (("model", "models"), ("dataset", "datasets")):
            name = chk.get(part)
            if name is not None and name not in d[table]:
                out.append(str(suite.error((*base, part), f"no {part} named '{name}' in "
                                           f"{table}{_did_you_mean(name, list(d[table]))}"
                                           f" ({table}: {', '.join(d[table])})",
                                           key=False)))
            if name is None and len(d[table]) > 1 and part == "dataset":
                out.append(str(suite.error(base, "the suite has several datasets: name "
                                           "this check's with dataset:")))
        if "at_least" not in chk and "at_most" not in chk:
            out.append(str(suite.error(base, "give a threshold: at_least, at_most or "
                                       "both")))
        gen_id = chk.get("generator", DEFAULT_GENERATORS.get(chk["kind"]))
        if gen_id is None:
            continue
        if gen_id not in gens:
            out.append(str(suite.error((*base, "generator"), f"no generator named "
                                       f"'{gen_id}'{_did_you_mean(gen_id, list(gens))} "
                                       f"(generators: {', '.join(sorted(gens))})",
                                       key=False)))
            continue
        opts = chk.get("options") or {}
        cfg_fields = {f.name for f in dataclasses.fields(gens[gen_id].Config)}
        bad = [k for k in opts if k not in cfg_fields]
        for k in bad:
            out.append(str(suite.error((*base, "options", k), f"{gen_id} has no option "
                                       f"'{k}'{_did_you_mean(k, sorted(cfg_fields))} "
                                       f"(options: {', '.join(sorted(cfg_fields))})")))
        if not bad:
            try:
                gens[gen_id]().make_config(dict(opts))
            except (ValueError, TypeError) as e:
                out.append(str(suite.error((*base, "options"), f"{gen_id}: {e}")))
    for name, m in d["models"].items():
        p = str(m.get("path", ""))
        if p.lower().endswith((".pkl", ".pickle", ".joblib")) and m.get("trust") is not True:
            out.append(str(suite.error(("models", name, "path"), "a pickled model runs "
                                       "its own code when loaded: add 'trust: true' to "
                                       "this model if you trust the file")))
    return out


def load_suite(path: str | Path) -> Suite:
    """Read, validate and check a suite; :class:`SuiteError` names every problem."""
    p = Path(path)
    data, pos = read_yaml(p)
    if not isinstance(data, dict):
        raise SuiteError([f"{p}:1:1: the suite must be a mapping with version, models, "
                          "datasets and checks"])
    problems = _schema_problems(data, pos, str(p))
    if problems:
        raise SuiteError(problems)
    suite = Suite(path=p, data=data, positions=pos,
                  sha256=hashlib.sha256(canonical(data)).hexdigest())
    problems = _config_problems(suite)
    if problems:
        raise SuiteError(problems)
    return suite


def canonical(data: Any) -> bytes:
    """The suite's content as canonical JSON (its hash ignores comments and layout)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


__all__ = ["SCHEMA_VERSION", "Positions", "Suite", "SuiteError", "canonical", "key_path",
           "load_suite", "read_yaml", "schema"]
