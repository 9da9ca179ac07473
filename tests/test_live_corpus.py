"""SENTINEL/Live on its frozen corpus (``benchmarks/live_corpus/``), in process, heuristic backend.

Halves: ``dev`` and ``retired`` (the original corpus's first test half, measured once and then
retired into the tuning set) are tuned on and must both meet the issue's targets; ``test`` is the
new blind half (round 2), pinned by its hash; it is held to its once-measured numbers as a floor,
and the issue's targets, which it does not meet yet, are a strict expected failure.
About 3 s on 2 cores.
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
    return {half: bench.evaluate(bench.load_half(half)) for half in ("dev", "retired")}


@pytest.fixture(scope="module")
def frozen_test(bench):
    if not bench.test_frozen():
        pytest.skip("the blind test half is not frozen yet (TEST_SHA256 is None in benchmarks/live_corpus.py)")
    return bench


def test_retired_half_is_the_round1_test_half(bench):
    assert bench.sha256_of(bench.half_path("retired")) == bench.RETIRED_SHA256


def test_split_reproduces_dev_and_retired(bench):
    """The original 727 entries re-split give the original dev half and the retired half exactly;
    dev entries added later (``-dev2-`` ids) are outside the split."""
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


@pytest.mark.parametrize("half", ["dev", "retired"])
def test_tuning_halves_meet_the_targets(bench, results, half):
    result = results[half]
    assert bench.meets_targets(result), {k: result[k] for k in bench.TARGETS} | {"misses": result["misses"]}


def test_test_half_is_the_frozen_one(frozen_test):
    assert frozen_test.sha256_of(frozen_test.half_path("test")) == frozen_test.TEST_SHA256


def test_test_half_is_disjoint_from_the_tuning_set(frozen_test):
    tuning = {e["id"] for half in ("dev", "retired") for e in frozen_test.load_half(half)}
    assert not tuning & {e["id"] for e in frozen_test.load_half("test")}


# The blind round-2 half as measured once (docs/live.md): a floor that must not regress.
ROUND2_MEASURED = {"destructive_detection": 170 / 212, "disruptive_detection": 24 / 29, "harmless_false_block": 3 / 194}


@pytest.fixture(scope="module")
def test_result(frozen_test):
    return frozen_test.evaluate(frozen_test.load_half("test"))


def test_test_half_does_not_regress(test_result):
    assert test_result["destructive_detection"] >= round(ROUND2_MEASURED["destructive_detection"], 4)
    assert test_result["disruptive_detection"] >= round(ROUND2_MEASURED["disruptive_detection"], 4)
    assert test_result["harmless_false_block"] <= round(ROUND2_MEASURED["harmless_false_block"], 4)


@pytest.mark.xfail(
    strict=True,
    reason="measured once on the blind round-2 half: 80.2% destructive and 82.8% disruptive caught "
    "(targets 99% and 95%), 1.6% false blocks (target 2%, met); strict, so meeting them fails this marker",
)
def test_test_half_meets_the_issue_targets(frozen_test, test_result):
    assert frozen_test.meets_targets(test_result), {k: test_result[k] for k in frozen_test.TARGETS}


def test_every_verdict_is_fast(results):
    for half in results.values():
        assert half["mean_ms_per_judgement"] < 50
