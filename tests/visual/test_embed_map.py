"""lumos.visual.embed_map on fake models: seeding, the t-SNE perplexity cap, too few
points, colouring by a field, the TensorBoard Projector files and the page's escaping."""

import json
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from lumos.api import types as T
from lumos.api.types import SpecError
from lumos.datasets import from_table
from lumos.engine import Engine, Workspace
from lumos.store import Store
from lumos.testing import FakeClassifier, FakeTagger
from lumos.testing.sample import ner_dataset, sentiment_dataset
from lumos.visual import embed_map
from lumos.visual.embed_map import escape_tsv, unescape_tsv, write_metadata

pytestmark = pytest.mark.timeout(120)

LABELS = ("negative", "positive")


def _dataset(texts, labels=None, **extra):
    labels = labels or [LABELS[i % 2] for i in range(len(texts))]
    spec = {"text": T.TextSegment(), "label": T.CategoryLabel(vocab=LABELS)}
    cols: dict[str, Any] = {"text": texts, "label": labels}
    for name, values in extra.items():
        cols[name] = values
        spec[name] = T.CategoryLabel(required=False) if isinstance(values[0], str) \
            else T.Scalar(required=False)
    return from_table(pa.table(cols), spec=spec)


@pytest.fixture
def ws(store):
    return Workspace({}, {}, engine=Engine(store))


def _fresh(tmp_path, name):
    return Workspace({}, {}, engine=Engine(Store(tmp_path / f"{name}.sqlite")))


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_a_seed_fixes_the_layout_across_fresh_stores(tmp_path, method):
    ds = sentiment_dataset()
    a = embed_map(FakeClassifier(), ds, method=method, seed=3, workspace=_fresh(tmp_path, "a"))
    b = embed_map(FakeClassifier(), ds, method=method, seed=3, workspace=_fresh(tmp_path, "b"))
    c = embed_map(FakeClassifier(), ds, method=method, seed=4, workspace=_fresh(tmp_path, "c"))
    assert not a.cached and not b.cached
    assert a.coords.shape == (len(ds), 2)
    np.testing.assert_allclose(a.coords, b.coords, atol=1e-4)
    assert not np.allclose(a.coords, c.coords, atol=1e-2)


def test_a_second_map_reads_the_layout_from_the_store(ws):
    ds = sentiment_dataset()
    first = embed_map(FakeClassifier(), ds, seed=0, workspace=ws)
    again = embed_map(FakeClassifier(), ds, seed=0, workspace=ws)
    assert again.cached
    np.testing.assert_array_equal(first.coords, again.coords)


@pytest.mark.parametrize("n", [4, 5, 7, 12])
def test_tsne_perplexity_is_capped_below_a_third_of_the_points(ws, n):
    ds = _dataset([f"good film number {i}" if i % 2 else f"bad day {i}" for i in range(n)])
    m = embed_map(FakeClassifier(), ds, method="tsne", workspace=ws)
    p = m.config["effective_perplexity"]
    assert m.config["perplexity"] == 30
    assert p == pytest.approx(max(1.0, (n - 1) / 3))
    assert 3 * p < n and p < n  # openTSNE's 3·perplexity neighbours, scikit-learn's rule
    assert "capped at (points − 1) / 3" in m.description()
    assert np.all(np.isfinite(m.coords))


def test_a_perplexity_that_fits_is_kept(ws):
    m = embed_map(FakeClassifier(), sentiment_dataset(), perplexity=2.5, workspace=ws)
    assert m.config["effective_perplexity"] == 2.5
    assert "perplexity 2.5;" in m.description() and "capped" not in m.description()


def test_umap_neighbourhood_is_capped_for_few_points(ws):
    ds = _dataset([f"good film number {i}" if i % 2 else f"bad day {i}" for i in range(6)])
    m = embed_map(FakeClassifier(), ds, method="umap", workspace=ws)
    assert (m.config["n_neighbors"], m.config["effective_neighbors"]) == (15, 5)
    assert "5 neighbours (asked 15; capped below the points)" in m.description()


@pytest.mark.parametrize("method", ["tsne", "umap"])
def test_fewer_than_four_sentences_are_refused_with_the_count(ws, method):
    ds = _dataset(["good", "bad", "nice one"])
    with pytest.raises(SpecError, match=r"^3 sentences are too few for a map: .* at least "
                                        r"4 points \(3 rows of dataset"):
        embed_map(FakeClassifier(), ds, method=method, workspace=ws)


def test_fewer_than_four_tokens_are_refused_with_the_count(ws):
    ds = _dataset(["good film", "bad"])
    with pytest.raises(SpecError, match=r"^3 tokens are too few for a map"):
        embed_map(FakeClassifier(token_embeddings=True), ds, level="token", workspace=ws)


def test_token_level_needs_per_token_embeddings(ws):
    with pytest.raises(SpecError, match=r"^level: .*no per-token embeddings.*'embedding'"):
        embed_map(FakeClassifier(), sentiment_dataset(), level="token", workspace=ws)


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"level": "word"}, "level"), ({"method": "pca"}, "method"),
    ({"field": "tokens"}, "field"), ({"color_by": "nope"}, "color_by"),
    ({"method": "umap", "perplexity": 5.0}, "perplexity"), ({"limit": 0}, "limit"),
])
def test_bad_arguments_name_themselves(ws, kwargs, word):
    with pytest.raises(SpecError, match=rf"^{word}: "):
        embed_map(FakeClassifier(), sentiment_dataset(), workspace=ws, **kwargs)


def test_an_unknown_colour_field_lists_the_columns(ws):
    with pytest.raises(SpecError, match=r"'nope' is neither.*columns: text, label, score.*"
                                        r"probas:label"):
        embed_map(FakeClassifier(), sentiment_dataset(), color_by="nope", workspace=ws)


def test_a_bad_colour_field_is_refused_before_the_projection_is_fitted(ws, monkeypatch):
    import lumos.engine.projection as projection

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted before checking color_by")

    monkeypatch.setattr(projection, "project", no_fit)
    with pytest.raises(SpecError, match="^color_by: 'nope'"):
        embed_map(FakeClassifier(), sentiment_dataset(), color_by="nope", workspace=ws)


def test_stages_are_reported_and_a_set_cancel_stops_the_map(ws):
    from lumos.api.context import Cancelled

    seen = []
    embed_map(FakeClassifier(), sentiment_dataset(), workspace=ws,
              on_progress=lambda done, total, stage: seen.append(stage))
    assert any(s.startswith("fitting TSNE on 16 × 8") for s in seen) and seen[-1] == "done"
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        embed_map(FakeClassifier(), sentiment_dataset(), workspace=ws, seed=9, cancel=stop)


def test_token_map_has_one_point_per_token_with_its_sentence(ws):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(token_embeddings=True), ds, level="token", workspace=ws)
    texts = ds.to_arrow().column("text").to_pylist()
    assert len(m) == sum(len(t.split()) for t in texts)
    for i in range(len(m)):
        s = m.sentences[m.sentence[i]]
        assert s.text == texts[s.row]
        assert m.point_label(i) == s.text.split()[m.token[i]]
    np.testing.assert_allclose(  # the vectors are the model's, point by point
        m.vectors[0], FakeClassifier(token_embeddings=True).predict(
            [ds.examples([0])[0]], fields=["token_embeddings"])[0]["token_embeddings"][0])


def test_colour_by_the_gold_label_by_default_in_the_vocabulary_order(ws):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(), ds, workspace=ws)
    c = m.colouring
    gold = ds.to_arrow().column("label").to_pylist()
    assert (c.field, c.kind, c.categories) == ("label", "category", LABELS)
    assert [c.categories[k] for k in c.codes] == [gold[m.sentences[s].row]
                                                  for s in m.sentence]
    assert c.counts == (gold.count("negative"), gold.count("positive"))
    assert len(set(c.colours)) == 2


def test_colour_by_a_prediction_column(ws):
    ds = sentiment_dataset()
    model = FakeClassifier()
    m = embed_map(model, ds, color_by="probas:label", workspace=ws)
    preds = [LABELS[int(np.argmax(o["probas"]))] for o in model.predict(ds.examples(
        [m.sentences[s].row for s in m.sentence]))]
    assert m.colouring.field == "probas:label"
    assert list(m.colouring.labels) == preds
    # the classes keep the gold label's order, so each keeps its colour across maps
    gold = embed_map(model, ds, workspace=ws).colouring
    assert m.colouring.categories == gold.categories == LABELS
    assert m.colouring.colours == gold.colours


def test_colour_by_a_number_uses_a_continuous_scale(ws):
    ds = sentiment_dataset()
    m = embed_map(FakeClassifier(), ds, color_by="score", workspace=ws)
    c = m.colouring
    scores = ds.to_arrow().column("score").to_pylist()
    assert c.kind == "number"
    assert (c.lo, c.hi) == (min(scores), max(scores))
    assert list(c.values) == [scores[m.sentences[s].row] for s in m.sentence]
    assert 'class="ramp"' in m.to_html()


def test_many_categories_keep_the_most_frequent_and_group_the_rest(ws):
    n = 30
    topic = [f"t{i % 14}" if i < 28 else "t0" for i in range(n)]
    ds = _dataset([f"good text {i}" for i in range(n)], topic=topic)
    m = embed_map(FakeClassifier(), ds, color_by="topic", workspace=ws)
    c = m.colouring
    assert len(c.categories) == 10 and c.categories[-1] == "other (5 values)"
    assert c.categories[0] == "t0" and c.counts[0] == 4
    assert sum(c.counts) == n


def test_projector_files_round_trip_tabs_newlines_and_backslashes(ws, tmp_path):
    texts = ["a\tgood\tday", "bad\nnews here", "back\\slash and \\t literal", "nice\r\none",
             "plain good text"]
    ds = _dataset(texts)
    m = embed_map(FakeClassifier(token_embeddings=True), ds, level="sentence",
                  workspace=ws)
    out = m.save_projector(tmp_path / "proj")
    vec_lines = (out / "vectors.tsv").read_text(encoding="utf-8").split("\n")
    assert vec_lines[-1] == "" and len(vec_lines) - 1 == len(m)
    vectors = np.array([[float(v) for v in line.split("\t")] for line in vec_lines[:-1]])
    np.testing.assert_allclose(vectors, m.vectors, rtol=1e-6)
    meta = (out / "metadata.tsv").read_text(encoding="utf-8").split("\n")
    assert meta[-1] == ""
    rows = [line.split("\t") for line in meta[:-1]]
    assert rows[0] == ["text", "label", "row", "id"]  # a header: more than one column
    assert len(rows) == len(m) + 1 and all(len(r) == 4 for r in rows)
    assert [unescape_tsv(r[0]) for r in rows[1:]] == [texts[m.sentences[s].row]
                                                      for s in m.sentence]
    assert 'tensor_path: "vectors.tsv"' in (out / "projector_config.pbtxt").read_text()


def test_a_single_metadata_column_has_no_header(tmp_path):
    write_metadata(tmp_path / "m.tsv", {"token": ["a\tb", "c"]})
    assert (tmp_path / "m.tsv").read_text() == "a\\tb\nc\n"


@pytest.mark.parametrize("value", ["", "\\", "\\t", "\t\n\r\\n", "x\\\\ty", "😀 שלום"])
def test_tsv_escaping_is_reversible_and_stays_on_one_cell(value):
    cell = escape_tsv(value)
    assert "\t" not in cell and "\n" not in cell and "\r" not in cell
    assert unescape_tsv(cell) == value


def test_the_page_keeps_markup_in_the_data_as_text(ws):
    texts = ["</script><script>alert(1)</script> good", "<!-- bad", "\u2028 nice & fine",
             'say "hi" awful']
    ds = _dataset(texts, topic=["<b>x</b>", "y", "<b>x</b>", "y"])
    m = embed_map(FakeClassifier(), ds, color_by="topic", workspace=ws)
    page = m.to_html()
    assert page.count("<script>") == 2 and page.count("</script>") == 2
    assert "<b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # the legend escapes
    assert "<!-- bad" not in page
    data = page.split("var LUMOS_MAP = ", 1)[1].split(";</script>", 1)[0]
    assert [s["text"] for s in json.loads(data)["sentences"]] == [
        texts[s.row] for s in m.sentences]
    assert not re.search(r"https?://", page)  # nothing to fetch


def test_notebook_fragment_is_a_sandboxed_frame_of_the_page(ws):
    m = embed_map(FakeClassifier(), sentiment_dataset(), workspace=ws)
    frag = m._repr_html_()
    assert frag.startswith("<iframe") and 'sandbox="allow-scripts"' in frag
    assert "srcdoc=\"&lt;!doctype html&gt;" in frag and "<script" not in frag


def test_png_is_written(ws, tmp_path):
    from matplotlib.image import imread

    m = embed_map(FakeClassifier(), sentiment_dataset(), color_by="score", workspace=ws)
    p = m.save_png(tmp_path / "map.png", dpi=50)
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(p)
    assert img.shape[0] > 200 and img.shape[1] > 300
    assert img[..., :3].std() > 0.01  # not a blank canvas


class WordPieceClassifier(FakeClassifier):
    """FakeClassifier with BERT-like tokens: [CLS], words longer than five letters split
    into a head and a ``##`` tail, [SEP]."""

    def __init__(self) -> None:
        super().__init__(token_embeddings=True)

    def pieces(self, text: str) -> list[str]:
        out = ["[CLS]"]
        for w in text.split():
            out += [w[:5], "##" + w[5:]] if len(w) > 5 else [w]
        return [*out, "[SEP]"]

    def predict(self, inputs: Sequence[Mapping[str, Any]], *,
                fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        outs = super().predict(inputs, fields=fields)
        for ex, o in zip(inputs, outs, strict=True):
            toks = self.pieces(ex["text"])
            if "tokens" in o:
                o["tokens"] = toks
            if "token_embeddings" in o:
                o["token_embeddings"] = np.stack(
                    [np.full(self.dim, len(t) + 0.1 * i, np.float32)
                     for i, t in enumerate(toks)])
        return outs


def test_word_pieces_are_shown_joined_to_their_word(ws):
    ds = _dataset(["wonderful film", "terrible acting", "good", "fine day"])
    m = embed_map(WordPieceClassifier(), ds, level="token", workspace=ws)
    s = next(s for s in m.sentences if s.row == 0)
    assert s.tokens == ("[CLS]", "wonde", "rful", "film", "[SEP]")
    assert s.joins == (False, False, True, False, False)
    assert len(m) == 5 + 6 + 3 + 4


class EmbeddingTagger(FakeTagger):
    """FakeTagger with word vectors (the fake classifier's) aligned with its input words."""

    words = FakeClassifier(token_embeddings=True)

    def output_spec(self) -> T.Spec:
        return {**super().output_spec(), "token_embeddings": T.TokenEmbeddings(align="tokens")}

    def predict(self, inputs, *, fields=None):
        outs = super().predict(inputs, fields=fields)
        for ex, o in zip(inputs, outs, strict=True):
            o["token_embeddings"] = np.concatenate([self.words.predict(
                [{"text": t}], fields=["token_embeddings"])[0]["token_embeddings"]
                for t in ex["tokens"]])
        return outs


def test_a_tagger_token_map_is_coloured_by_its_gold_tags_word_by_word(ws):
    ds = ner_dataset()
    m = embed_map(EmbeddingTagger(), ds, level="token", workspace=ws)
    table = ds.to_arrow()
    words, tags = table.column("tokens").to_pylist(), table.column("tags").to_pylist()
    assert len(m) == sum(len(w) for w in words)
    assert m.colouring.field == "tags"  # the default: gold tags, one per word here
    assert m.colouring.categories == tuple(t for t in FakeTagger.tags
                                           if any(t in row for row in tags))
    for i in range(len(m)):
        s = m.sentences[m.sentence[i]]
        assert s.text == " ".join(words[s.row])
        assert m.point_label(i) == words[s.row][m.token[i]]
        assert m.colouring.labels[i] == tags[s.row][m.token[i]]


def test_a_list_column_that_does_not_align_with_word_pieces_is_refused(ws):
    texts = ["wonderful film", "terrible acting", "good", "fine day"]
    ds = from_table(pa.table({"text": texts, "marks": [t.split() for t in texts]}),
                    spec={"text": T.TextSegment(), "marks": T.Tokens(required=False)})
    with pytest.raises(SpecError, match=r"^color_by: 'marks' holds a list per row, not one "
                                        r"value per token of the map"):
        embed_map(WordPieceClassifier(), ds, level="token", color_by="marks", workspace=ws)
    with pytest.raises(SpecError, match=r"holds a list per row; .*or use level 'token'"):
        embed_map(WordPieceClassifier(), ds, color_by="marks", workspace=ws)
