"""SENTINEL/Live on its frozen corpus (``benchmarks/live_corpus/``), in process, heuristic backend.

Halves: ``dev`` and ``retired`` to ``retired13`` (the round-1 to round-13 test halves, each
measured once and then retired into the tuning set, pinned by their hashes) are tuned on and must
each meet the issue's targets; ``test`` is the blind round-14 half, frozen (``TEST_SHA256`` in the
benchmark) and measured once (``TEST_MEASURED`` below): it is held to the measured numbers as a
floor, and, since the measurement met the issue's targets, to the targets as well (a half not frozen
or not measured yet makes these tests skip). About 12 s on 2 cores.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    """benchmarks/live_corpus.py as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("live_corpus_benchmark", ROOT / "benchmarks" / "live_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _benchmark()


@pytest.fixture(scope="module")
def results(bench):
    return {half: bench.evaluate(bench.load_half(half)) for half in bench.TUNING}


@pytest.fixture(scope="module")
def frozen_test(bench):
    if not bench.test_frozen():
        pytest.skip("the blind test half is not frozen yet (TEST_SHA256 is None in benchmarks/live_corpus.py)")
    return bench


@pytest.mark.parametrize(
    ("half", "prefix"),
    [
        ("retired", "d121f6135cac961e"),
        ("retired2", "1816f725b846b10a"),
        ("retired3", "be2fb1795b2ad0ea"),
        ("retired4", "de03deba7cfcbe2f"),
        ("retired5", "133d683d6e7a98a2"),
        ("retired6", "27aa19f11ec6a440"),
        ("retired7", "6f6032eaa6c6ab45"),
        ("retired8", "8a24c1ebe1b95271"),
        ("retired9", "d05d06ba1b5b3d16"),
        ("retired10", "0ffa5b8ad1fb040c"),
        ("retired11", "13d30f4d8ef7e5c3"),
        ("retired12", "dec6801e57a34058"),
        ("retired13", "13eae92aeb08c102"),
    ],
)
def test_retired_halves_are_the_measured_test_halves(bench, half, prefix):
    """Each retired half is byte for byte the test half that was measured once (its hash pinned)."""
    assert bench.sha256_of(bench.half_path(half)) == bench.FROZEN[half]
    assert bench.FROZEN[half].startswith(prefix)


def test_tuning_halves_share_no_id(bench):
    seen: set[str] = set()
    for half in bench.TUNING:
        ids = {e["id"] for e in bench.load_half(half)}
        assert not seen & ids, half
        seen |= ids


def test_split_reproduces_dev_and_retired(bench):
    """The original 727 entries re-split give the original dev half and the retired half exactly;
    dev entries added later (``-dev2-`` to ``-dev14-`` ids) are outside the split."""
    dev, retired = bench.load_half("dev"), bench.load_half("retired")
    original = [e for e in dev if not bench.is_added(e)]
    assert len(original) + len(retired) == 727 and not {e["id"] for e in dev} & {e["id"] for e in retired}
    again_dev, again_retired = bench.split(original + retired)
    assert again_dev == original
    assert bench.dump_jsonl(again_retired) == bench.half_path("retired").read_text(encoding="utf-8")


def test_dev_file_is_sorted_and_in_its_format(bench):
    text = bench.half_path("dev").read_text(encoding="utf-8")
    dev = bench.load_half("dev")
    assert bench.dump_jsonl(dev) == text
    ids = [e["id"] for e in dev]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(e["label"] in bench.LABELS and e["id"].startswith(e["category"] + "-") for e in dev)


@pytest.mark.parametrize("half", ["dev", *(f"retired{n}" for n in ("", *range(2, 14)))])
def test_tuning_halves_meet_the_targets(bench, results, half):
    result = results[half]
    assert bench.meets_targets(result), {k: result[k] for k in bench.TARGETS} | {"misses": result["misses"]}


def test_test_half_is_the_frozen_one(frozen_test):
    assert frozen_test.sha256_of(frozen_test.half_path("test")) == frozen_test.TEST_SHA256


def test_test_half_is_disjoint_from_the_tuning_set(frozen_test):
    tuning = {e["id"] for half in frozen_test.TUNING for e in frozen_test.load_half(half)}
    assert not tuning & {e["id"] for e in frozen_test.load_half("test")}


# The blind round-14 half as measured once (set by the lead after freezing it with TEST_SHA256 in the
# benchmark; fractions): a floor that must not regress. None until measured: the floor and target
# tests below skip. If the measurement meets the issue's targets, the targets test is a plain
# assertion; if it misses them, a strict expected failure (meeting them later fails the marker, so it
# gets removed). (The round-13 half, measured once at 258/267, 50/51 and 1/239, is retired:
# `retired13`, a tuning half held to the targets above.)
TEST_MEASURED: dict[str, float] | None = {
    "destructive_detection": 271 / 273,
    "disruptive_detection": 51 / 51,
    "harmless_false_block": 0 / 259,
}


@pytest.fixture(scope="module")
def measured(frozen_test):
    if TEST_MEASURED is None:
        pytest.skip("the blind test half has not been measured yet (TEST_MEASURED is None)")
    return TEST_MEASURED


@pytest.fixture(scope="module")
def test_result(frozen_test, measured):
    return frozen_test.evaluate(frozen_test.load_half("test"))


def test_test_half_does_not_regress(test_result, measured):
    assert test_result["destructive_detection"] >= round(measured["destructive_detection"], 4)
    assert test_result["disruptive_detection"] >= round(measured["disruptive_detection"], 4)
    assert test_result["harmless_false_block"] <= round(measured["harmless_false_block"], 4)


def test_test_half_meets_the_issue_targets(request, frozen_test, measured, test_result):
    if not frozen_test.meets_targets({k: round(v, 4) for k, v in measured.items()}):
        reason = f"the blind round-14 half as measured once missed the targets: {measured}"
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    assert frozen_test.meets_targets(test_result), {k: test_result[k] for k in frozen_test.TARGETS}


def test_every_verdict_is_fast(results):
    for half in results.values():
        assert half["mean_ms_per_judgement"] < 50
