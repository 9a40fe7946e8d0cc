"""The Highlighter: escaping in every context, alignment of sub-words, sources, output."""

import math
from html.parser import HTMLParser

import numpy as np
import pytest

from lumos.api.types import SpecError
from lumos.engine import Engine
from lumos.engine.activations import activations
from lumos.engine.interpret import explain
from lumos.store import Store
from lumos.testing.fakes import FakeClassifier, _vec
from lumos.visual import highlight
from lumos.visual import scales as S
from lumos.visual.align import to_chars, to_words, token_offsets, words_from_tokens
from lumos.visual.highlight import Highlight
from lumos.visual.sources import parse


class Cells(HTMLParser):
    """Collects the token buttons (title, style, text), scripts and every tag seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self.tags, self.rows, self.scripts = [], [], [], []
        self._in = None
        self._bdi = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "button":
            self._in = {"title": a.get("title"), "style": a.get("style", ""),
                        "type": a.get("type"), "text": ""}
        if tag == "bdi":
            self._bdi += 1
        if tag == "p" and "lumos-hl-row" in a.get("class", ""):
            self.rows.append(a)
        if tag == "script":
            self.scripts.append(a)

    def handle_endtag(self, tag):
        if tag == "button" and self._in is not None:
            self.cells.append(self._in)
            self._in = None
        if tag == "bdi":
            self._bdi -= 1

    def handle_data(self, data):
        if self._in is not None:
            assert self._bdi > 0, "token text outside <bdi>"
            self._in["text"] += data


def parse_html(markup: str) -> Cells:
    p = Cells()
    p.feed(markup)
    p.close()
    return p


NASTY = ["<script>alert(1)</script>", "&amp;", "&lt;b&gt;", 'say "hi"', "it's", "a=1&b=2",
         "</p>", "<!--", "\u2028x", "😀👍🏽", "مرحبا", "שלום", "##ing", "Ġword", "▁piece"]


def test_every_token_round_trips_through_text_and_title_without_markup():
    vals = list(np.linspace(-1, 1, len(NASTY)))
    h = highlight(NASTY, vals, align="token", title='<img src=x onerror="y">')
    for markup in (h._repr_html_(), h.html()):
        p = parse_html(markup)
        assert [c["text"] for c in p.cells] == NASTY
        for c, tok, v in zip(p.cells, NASTY, vals, strict=True):
            assert c["type"] == "button"
            assert c["title"] == f"{tok}: {v:+.4g}"
        assert not any(t == "img" for t, _ in p.tags)
        assert not any(k.startswith("on") for _, a in p.tags for k in a)
    assert parse_html(h._repr_html_()).scripts == []  # the fragment has no script at all
    page = h.html()
    assert len(parse_html(page).scripts) == 1  # the tooltip code with its data
    assert page.count("</script>") == 1  # no token closed a script early


def test_rows_are_direction_isolated_for_right_to_left_text():
    h = highlight(["שלום עולם", "مرحبا بالعالم 😀", "mixed שלום text"], model=FakeClassifier(),
                  source="activation:layer=0,dim=0")
    p = parse_html(h._repr_html_())
    assert [r.get("dir") for r in p.rows] == ["rtl", "rtl", "ltr"]  # first strong letter
    assert [c["text"] for c in p.cells] == ["שלום", "עולם", "مرحبا", "بالعالم", "😀",
                                            "mixed", "שלום", "text"]


def test_each_cell_colour_is_its_scale_step_with_readable_text():
    vals = [0.0, 0.25, 0.5, 1.0]
    h = highlight(["a", "b", "c", "d"], vals, align="token")
    assert not h.scale.diverging and (h.scale.lo, h.scale.hi) == (0.0, 1.0)
    for c, v in zip(parse_html(h._repr_html_()).cells, vals, strict=True):
        k = h.scale.step(v)
        bg, fg = S.VIRIDIS_32[k], S.text_colour(S.VIRIDIS_32[k])
        assert f"background-color:{bg};color:{fg};" in c["style"]
        assert S.contrast_ratio(bg, fg) >= 4.5
    assert "#fde725" in h._repr_html_()  # the highest value takes the top step


def test_signed_values_get_a_symmetric_diverging_scale_and_a_legend():
    h = highlight([["x", "y"], ["z"]], [[-0.5, 2.0], [1.0]], align="token")
    assert h.scale.diverging and (h.scale.lo, h.scale.hi) == (-2.0, 2.0)
    frag = h._repr_html_()
    p = parse_html(frag)
    steps = [a for t, a in p.tags if "lumos-hl-step" in a.get("class", "")]
    assert len(steps) == len(S.RDBU_R_33)
    assert all(a["title"].count(" to ") == 1 for a in steps)
    assert "-2</span>" in frag and "+2</span>" in frag  # the legend's ends


def test_word_alignment_aggregates_wordpieces_by_offsets():
    text = "Unbelievably GOOD, café!"
    tokens = ["[CLS]", "un", "##bel", "##ievably", "good", ",", "cafe", "!", "[SEP]"]
    vals = [9.0, 0.1, 0.2, 0.3, 1.0, 0.05, 0.5, 0.0, 9.0]
    offs = token_offsets(text, tokens)
    assert offs[0] is None and offs[-1] is None  # special tokens
    assert offs[1:4] == [(0, 2), (2, 5), (5, 12)]
    assert offs[6] == (19, 23)  # "café" matched without its accent
    cells = [c for c in to_words(text, tokens, vals) if not c.gap]
    assert [c.text for c in cells] == ["Unbelievably", "GOOD,", "café!"]
    assert cells[0].value == pytest.approx(0.6)
    assert cells[1].value == pytest.approx(1.05)
    assert [t for t, _ in cells[0].parts] == ["un", "##bel", "##ievably"]
    mean = [c for c in to_words(text, tokens, vals, how="mean") if not c.gap]
    assert mean[0].value == pytest.approx(0.2)
    chars = to_chars(text, tokens, vals)
    assert "".join(c.text for c in chars) == text  # the original text, spelling kept
    assert [c.text for c in chars if not c.gap][:3] == ["Un", "bel", "ievably"]


@pytest.mark.parametrize(("tokens", "words"), [
    (["<s>", "Ġhello", "Ġwor", "ld", "</s>"], ["hello", "world"]),    # byte-level BPE
    (["▁hello", "▁wor", "ld"], ["hello", "world"]),                 # SentencePiece
    (["[CLS]", "hello", "wor", "##ld", "[SEP]"], ["hello", "world"]),  # WordPiece
])
def test_words_rebuilt_from_subword_markers_without_the_text(tokens, words):
    vals = list(range(len(tokens)))
    cells = [c for c in words_from_tokens(tokens, vals) if not c.gap]
    assert [c.text for c in cells] == words
    assert cells[1].value == sum(v for t, v in zip(tokens, vals, strict=True)
                                 if "wor" in t or "ld" in t)


def test_bpe_tokens_align_onto_the_text_with_offsets():
    text = "hello world"
    cells = [c for c in to_words(text, ["Ġhello", "Ġwor", "ld"], [1.0, 2.0, 3.0])
             if not c.gap]
    assert [(c.text, c.value) for c in cells] == [("hello", 1.0), ("world", 5.0)]


def test_activation_source_gives_the_models_values_and_is_cached():
    m = FakeClassifier(dim=8)
    eng = Engine(Store(":memory:"))
    texts = ["a good film", "bad"]
    h = highlight(texts, model=m, source="activation:layer=0,dim=3", engine=eng)
    got = [c.value for c in h.cells()]
    want = [float(_vec(w, 8)[3]) for w in ["a", "good", "film", "bad"]]
    assert got == pytest.approx(want, rel=1e-6)
    assert h.scale.diverging == any(v < 0 for v in want)
    calls = m.calls
    again = highlight([{"text": "bad", "id": "other"}], model=m, engine=eng,
                      source="activation:layer=0,dim=3")
    assert m.calls == calls  # keyed by content: another id, the same text, no model call
    assert again.cells()[0].value == pytest.approx(want[-1])
    norm = highlight(texts, model=m, source="activation:module=mix", engine=eng)
    assert not norm.scale.diverging
    mixed = activations(eng, m, [{"text": t} for t in texts], "mix")
    assert norm.cells()[1].value == pytest.approx(float(np.linalg.norm(mixed[0]["values"][1])))


def test_attention_from_a_token_and_rollout():
    m = FakeClassifier()
    h = highlight(["one two three four"], model=m, source="attention:token=1,head=0",
                  align="token")
    assert [c.value for c in h.cells()] == pytest.approx([0.25] * 4)
    r = highlight(["one two three four"], model=m, source="rollout")
    ref = explain(None, m, [{"text": "one two three four"}], "attention_rollout")
    assert [c.value for c in r.cells()] == pytest.approx(
        list(ref[0]["attention_rollout"]["salience"]))


def test_a_salience_method_with_options_matches_explain():
    from lumos.testing.linear import LinearTextModel

    m = LinearTextModel()
    texts = ["good movie", "a terrible awful day"]
    h = highlight(texts, model=m, source="salience:integrated_gradients,steps=8")
    ref = explain(None, m, [{"text": t} for t in texts], "integrated_gradients", {"steps": 8})
    flat = [float(v) for r in ref for v in r["integrated_gradients"]["salience"]]
    words = [c for c in h.cells()]
    assert len(words) == 6
    assert sum(c.value for c in words) == pytest.approx(sum(flat), abs=1e-5)
    given = highlight([r["integrated_gradients"] for r in ref], texts=texts)
    assert [c.value for c in given.cells()] == pytest.approx([c.value for c in words])


def test_many_sentences_share_one_scale_and_keep_their_labels():
    texts = [f"sentence {i} is good" for i in range(50)]
    h = highlight(texts, model=FakeClassifier(), source="activation:layer=1,dim=0",
                  labels=[f"row-{i}" for i in range(50)])
    p = parse_html(h._repr_html_())
    assert len(p.rows) == 50 and len(p.cells) == 200
    assert "row-49" in h._repr_html_()
    every = [c.value for c in h.cells()]
    assert h.scale.hi == pytest.approx(max(abs(v) for v in every))


@pytest.mark.parametrize(("source", "match"), [
    ("activation:dim=3", "exactly one of layer"),
    ("activation:layer=x", "'layer' must be an integer"),
    ("activation:layer=0,size=3", "no option 'size'"),
    ("attention:head=first", "'head' must be an integer"),
    ("salience:", "needs a method"),
    ("color=red", "expected one of"),
])
def test_bad_sources_name_the_option(source, match):
    with pytest.raises(SpecError, match=match):
        parse(source)


def test_errors_name_what_is_at_fault():
    m = FakeClassifier()
    with pytest.raises(SpecError, match="'dim': 99 is out of range"):
        highlight(["a b"], model=m, source="activation:layer=0,dim=99")
    with pytest.raises(SpecError, match="'token': 5 is outside"):
        highlight(["a b"], model=m, source="attention:token=5")
    with pytest.raises(SpecError, match="source: no interpreter|source: .*nope"):
        highlight(["a b"], model=m, source="nope_method")
    with pytest.raises(SpecError, match="values: row 1 has 1 values for 2 tokens"):
        highlight(["a", "b"], [1.0])
    with pytest.raises(SpecError, match="align"):
        highlight(["a"], [1.0], align="letters")
    with pytest.raises(SpecError, match="source: give a source"):
        highlight(["a"], model=m)


def test_values_without_a_number_are_shown_as_such():
    h = highlight(["a", "b"], [1.0, math.nan], align="token")
    cells = parse_html(h._repr_html_()).cells
    assert cells[1]["title"] == "b: no value"
    assert "#ffffff;color:#000000" in cells[1]["style"]


def test_save_writes_a_standalone_page(tmp_path):
    h = highlight(["a good film"], model=FakeClassifier(), source="activation:layer=0,dim=1")
    assert isinstance(h, Highlight)
    out = h.save(tmp_path / "h.html")
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "http" not in page
    assert 'data-r="0" data-c="0"' in page and "lumos-hl-tip" in page
    assert 'data-r="' not in h._repr_html_()


def test_interactive_output_scopes_its_tooltips_to_its_own_container():
    a = highlight(["a", "b"], [1.0, 2.0]).interactive()._repr_html_()
    b = highlight(["c"], [3.0]).interactive()._repr_html_()
    ida = parse_html(a).tags[0][1]["id"]
    idb = parse_html(b).tags[0][1]["id"]
    assert ida != idb and ida.startswith("lumos-hl-")
    assert f'getElementById("{ida}")' in a and "<script>" in a
    assert "const " not in a.split("function lumosHighlightTips")[0]  # no global const


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_real_minilm_activation_by_module_name_on_words():
    """The issue's own example on the real MiniLM encoder (packaged weights, a fresh
    classification head): `bert.encoder.layer.3.output`, dimension 17, per word."""
    import torch

    from lumos.models.hf.classifier import HFClassifier
    from lumos.models.packaged import minilm_path

    m = HFClassifier(minilm_path(), labels=("negative", "positive"))
    text = "Unbelievably GOOD acting, naïve plot"
    h = highlight([text], model=m, source="activation:module=bert.encoder.layer.3.output,dim=17")
    cells = h.cells()
    assert [c.text for c in cells] == text.split()
    enc = m._encode([{"text": text}])
    enc.pop("special_tokens_mask")
    with torch.inference_mode():
        hidden = m.model(**enc, output_hidden_states=True).hidden_states[4][0, :, 17]
    tokens = m.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
    assert any(len(c.parts) > 1 for c in cells)  # some words did split into pieces
    # each word's value is the mean of its WordPieces' values ([CLS]/[SEP] dropped)
    k = 1
    for c in cells:
        n = len(c.parts)
        assert [t for t, _ in c.parts] == tokens[k:k + n]
        assert c.value == pytest.approx(float(hidden[k:k + n].mean()), rel=1e-4, abs=1e-5)
        k += n
    assert tokens[k] == "[SEP]"
