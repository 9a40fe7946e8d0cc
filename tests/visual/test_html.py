import json

import pytest

from lumos.visual import html


def test_text_and_attr_escape_markup_and_quotes():
    assert html.text("<script>&amp;") == "&lt;script&gt;&amp;amp;"
    assert html.attr('a" onload="x\'') == "a&quot; onload=&quot;x&#x27;"


def test_script_json_never_closes_its_element_and_round_trips():
    value = {"t": "</script><!-- \u2028 & é 😀", "n": [1, 2.5]}
    out = html.script_json(value)
    assert "</" not in out and "<!--" not in out and "\u2028" not in out
    assert json.loads(out) == value  # the escapes are valid JSON (and JavaScript)


def test_script_json_refuses_nan():
    with pytest.raises(ValueError):
        html.script_json(float("nan"))


def test_page_refuses_a_script_that_would_end_early():
    with pytest.raises(ValueError, match="</script"):
        html.page(title="t", body="", scripts=["var a = '</script>'"])
    doc = html.page(title="<x>", body="<p>ok</p>", scripts=["var a = 1;"])
    assert "<title>&lt;x&gt;</title>" in doc and "<script>var a = 1;</script>" in doc
