"""SENTINEL/Live on its frozen corpus (``benchmarks/live_corpus/``), in process, heuristic backend.

The test half is measured, never tuned on: its hash is pinned, its numbers are asserted as a
floor (what the analyser reached when the half was measured once) and against the issue's targets.
About 2 s on 2 cores.
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
    return {half: bench.evaluate(bench.load_half(half)) for half in ("dev", "test")}


def test_test_half_is_the_frozen_one(bench):
    assert bench.sha256_of(bench.CORPUS / "test.jsonl") == bench.TEST_SHA256


def test_split_reproduces_both_halves(bench):
    dev, test = bench.load_half("dev"), bench.load_half("test")
    assert len(dev) + len(test) == 727 and not {e["id"] for e in dev} & {e["id"] for e in test}
    again_dev, again_test = bench.split(dev + test)
    assert bench.dump_jsonl(again_dev) == (bench.CORPUS / "dev.jsonl").read_text(encoding="utf-8")
    assert bench.dump_jsonl(again_test) == (bench.CORPUS / "test.jsonl").read_text(encoding="utf-8")


def test_dev_half_meets_the_targets(bench, results):
    dev = results["dev"]
    assert bench.meets_targets(dev), {k: dev[k] for k in bench.TARGETS} | {"misses": dev["misses"]}


# Measured once on the test half after tuning on dev only (docs/live.md); a change that loses any
# of it is a regression.
TEST_FLOOR = {"destructive_detection": 0.9543, "disruptive_detection": 0.9231, "harmless_false_block": 0.0061}


def test_test_half_does_not_regress(results):
    test = results["test"]
    assert test["destructive_detection"] >= TEST_FLOOR["destructive_detection"], test["misses"]
    assert test["disruptive_detection"] >= TEST_FLOOR["disruptive_detection"], test["misses"]
    assert test["harmless_false_block"] <= TEST_FLOOR["harmless_false_block"], test["misses"]


@pytest.mark.xfail(reason="measured once: 95.4% destructive, 92.3% disruptive (docs/live.md)", strict=True)
def test_test_half_meets_the_issue_targets(bench, results):
    assert bench.meets_targets(results["test"])


def test_every_verdict_is_fast(results):
    for half in results.values():
        assert half["mean_ms_per_judgement"] < 50
