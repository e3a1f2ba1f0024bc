"""`sosrap.paths.read_yaml(generated=True)` reads what sosrap wrote with `yaml.safe_dump` with
libyaml's parser: the same data as PyYAML's own for anything safe_dump writes, and PyYAML's own
error for a file that is not valid YAML."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from sosrap.errors import SosrapError
from sosrap.paths import read_yaml

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
DATA = st.dictionaries(st.text(max_size=8), st.recursive(
    SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner,
                                                                                    max_size=4)), max_leaves=15),
    max_size=6)


@settings(max_examples=150, deadline=None)
@given(data=DATA, width=st.sampled_from([80, 1000]))
def test_what_safe_dump_writes_reads_back_alike(tmp_path_factory, data, width):
    path = tmp_path_factory.mktemp("y") / "v.yml"
    path.write_text("# generated\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=width),
                    encoding="utf-8")
    # the same as PyYAML's own parser (which itself reads a raw U+0085 in a key as a line break)
    assert read_yaml(path, generated=True) == read_yaml(path)


def test_an_invalid_generated_file_fails_with_pyyamls_message(tmp_path):
    path = tmp_path / "v.yml"
    path.write_text("a: [1, 2\nb: 3\n", encoding="utf-8")
    with pytest.raises(SosrapError) as fast:
        read_yaml(path, generated=True)
    with pytest.raises(SosrapError) as plain:
        read_yaml(path)
    assert str(fast.value) == str(plain.value) and "not valid YAML" in str(plain.value)


def test_a_yaml_file_read_twice_gives_separate_values_and_a_changed_file_its_new_value(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("a:\n  b: [1, 2]\n", encoding="utf-8")
    first = read_yaml(f)
    first["a"]["b"].append(3)                       # a caller's edit is its own
    assert read_yaml(f) == {"a": {"b": [1, 2]}}
    f.write_text("a:\n  b: [4]\n", encoding="utf-8")
    assert read_yaml(f) == {"a": {"b": [4]}}
    assert read_yaml(f, generated=True) == {"a": {"b": [4]}}
