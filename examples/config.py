"""An example for `lumos serve examples/config.py`: the models and datasets to serve.

A config file is plain Python that defines two dicts, ``models`` and ``datasets``
(name -> object, or a function that returns one: the server starts at once and the page
shows the model loading). The names are also usable in the CLI with ``--config``:

    lumos predict --config examples/config.py --model sentiment --dataset reviews --out p.csv
"""

from pathlib import Path

import lumos

HERE = Path(__file__).parent


def sentiment():
    # the sentiment demo's fine-tuned MiniLM: trained on first use (about four minutes),
    # then loaded from the user cache dir; any directory saved with save_pretrained works
    from lumos.demos.sentiment import sentiment_model_dir

    return lumos.load_model(sentiment_model_dir(), label_field="label")


models = {"sentiment": sentiment}
datasets = {
    # a CSV whose columns are not named as the model's fields: map them
    "reviews": lumos.load_dataset(HERE / "reviews.csv",
                                  columns={"text": "review", "label": "sentiment"}),
    # a bundled dataset, by name
    "tweets": lumos.load_dataset("tweets"),
}
