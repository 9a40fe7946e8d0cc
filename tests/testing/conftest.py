import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """tiny(adapter_id) -> (model, examples), built once per session, in float64.

    Float64, so that the rounding that differs between batch shapes (padding) stays far
    below the check's ``1e-5 * max|salience|``: a tiny random model's perturbation maps
    are small, and in float32 that rounding alone can reach the tolerance. A race swaps
    or mixes whole inputs, which no precision hides.
    """
    from lumos.testing.pooled_conformance import torch_module_of
    from lumos.testing.tiny import build_tiny

    workdir = tmp_path_factory.mktemp("tiny_models")
    built = {}

    def get(adapter_id):
        if adapter_id not in built:
            model, examples = build_tiny(adapter_id, workdir)
            torch_module_of(model).double()
            built[adapter_id] = model, examples
        return built[adapter_id]

    yield get
    for model, _ in built.values():
        model.close()
