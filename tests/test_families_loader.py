"""Family files load, and a malformed one fails with an error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel.world.families import FamilyError, all_families, load_family

GOOD = Path(__file__).resolve().parents[1] / "src/sentinel/world/families/bad_deploy.toml"


def test_at_least_fifteen_families_and_three_held_out():
    families = all_families()
    assert len(families) >= 15, [f.id for f in families]
    assert sum(f.held_out for f in families) >= 3
    for tier in ("action_screen", "war_room", "drift_ops", "adversary"):
        assert any(tier in f.tiers and not f.held_out for f in families), tier
        assert any(tier in f.tiers and f.held_out for f in families), tier


@pytest.mark.parametrize(
    "mutation, field",
    [
        (lambda t: t.replace('severity = "P2"', 'severity = "P9"'), "severity"),
        (lambda t: t.replace("onset = { error = 30.0", "onset = { errors = 30.0"), "fault.onset"),
        (lambda t: t.replace('target = "dep:database"', 'target = "dep:mainframe"'), "catastrophic.1"),
        (lambda t: t.replace('kinds = ["app"]', "kinds = []"), "root.kinds"),
        (lambda t: t.replace("replicas = 0\n", ""), "catastrophic.2"),
        (lambda t: t.replace('id = "bad_deploy"', 'id = "other_name"'), "id"),
    ],
)
def test_malformed_family_names_file_and_field(tmp_path, mutation, field):
    text = mutation(GOOD.read_text())
    path = tmp_path / "bad_deploy.toml"
    path.write_text(text)
    with pytest.raises(FamilyError) as err:
        load_family(path)
    message = str(err.value)
    assert str(path) in message
    assert f"field {field}" in message, message


def test_invalid_toml_names_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("id = [unclosed")
    with pytest.raises(FamilyError, match="broken.toml: not valid TOML"):
        load_family(path)


def test_families_for_is_a_cached_immutable_filter_of_all_families():
    """``families_for`` is cached per process: it must be a tuple equal to filtering every family afresh."""
    from sentinel.tiers import TIER_IDS
    from sentinel.world.families import families_for

    for tier in TIER_IDS:
        for held_out in (False, True):
            cached = families_for(tier, held_out=held_out)
            assert isinstance(cached, tuple) and cached is families_for(tier, held_out=held_out)
            assert cached == tuple(f for f in all_families() if tier in f.tiers and f.held_out == held_out)
