"""The verdict tool-call format: one text format for SFT targets, GRPO tool calls and evaluation.

GRPO drives the environment through TRL tool calls (``approve``/``flag``/``block``/``escalate``),
while the ``hf`` Overseer that evaluates the trained model reads a plain JSON verdict with
``sentinel.agents.prompt.parse_verdict``. If the model had to speak ``<tool_call>`` markup during
GRPO, the evaluated model and the trained model would speak different languages. Instead, a tool
call *is* the verdict JSON:

    block(justification="…", suspicion=0.9)  ⇔  {"decision": "block", "justification": "…", "suspicion": 0.9}

``VERDICT_CHAT_TEMPLATE`` renders an assistant tool call as that JSON (and plain turns as ChatML,
identical to SmolLM2's/Qwen's template whenever a system message is present, so training prompts
equal evaluation prompts), and renders a tool result — the next observation — as a user turn.
``install_verdict_tool_format`` sets the template on a tokenizer and makes its ``parse_response``
(which TRL calls to find tool calls) use ``parse_verdict``: the same strict parser as evaluation.
"""

from __future__ import annotations

from typing import Any

from sentinel.agents.prompt import parse_verdict

VERDICT_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' }}"
    "{%- if message.get('tool_calls') -%}"
    "{%- for call in message['tool_calls'] -%}"
    "{%- set fn = call['function'] if call.get('function') else call -%}"
    "{%- if not loop.first -%}{{ '\\n' }}{%- endif -%}"
    "{{ '{\"decision\": ' }}{{ fn['name'] | tojson }}"
    "{%- for key, value in (fn['arguments'] or {}).items() -%}"
    "{{ ', ' }}{{ key | tojson }}{{ ': ' }}{{ value | tojson }}"
    "{%- endfor -%}"
    "{{ '}' }}"
    "{%- endfor -%}"
    "{%- else -%}{{ message['content'] }}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'tool' -%}"
    "{{ '<|im_start|>user\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- else -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)

# A valid (content-only) response template: TRL only checks that one is set before calling
# ``parse_response``; the parsing itself is done by ``parse_verdict`` below.
RESPONSE_TEMPLATE: dict[str, Any] = {
    "defaults": {"role": "assistant"},
    "fields": {"content": {"close_pattern": r"<\|im_end\|>\s*", "content": "text"}},
}


def verdict_message(text: str) -> dict[str, Any]:
    """An assistant message: a tool call named after the decision when ``text`` is a valid verdict."""
    verdict = parse_verdict(text)
    if verdict is None:
        return {"role": "assistant", "content": text}
    arguments: dict[str, Any] = {"justification": verdict.justification}
    if verdict.suspicion is not None:
        arguments["suspicion"] = verdict.suspicion
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"type": "function", "function": {"name": verdict.decision, "arguments": arguments}}],
    }


def install_verdict_tool_format(tokenizer: Any) -> Any:
    """Give ``tokenizer`` the verdict chat template and a ``parse_response`` backed by ``parse_verdict``."""
    tokenizer.chat_template = VERDICT_CHAT_TEMPLATE
    tokenizer.response_template = RESPONSE_TEMPLATE

    def parse_response(response: Any, schema: Any = None, *, prefix: Any = None, tools: Any = None) -> Any:
        if isinstance(response, str):
            return verdict_message(response)
        if isinstance(response, (list, tuple)) and response and isinstance(response[0], str):
            return [verdict_message(r) for r in response]
        if hasattr(response, "tolist"):
            response = response.tolist()
        if isinstance(response, (list, tuple)) and response and isinstance(response[0], (list, tuple)):
            return [verdict_message(t) for t in tokenizer.batch_decode(response, skip_special_tokens=True)]
        return verdict_message(tokenizer.decode(list(response), skip_special_tokens=True))

    tokenizer.parse_response = parse_response
    return tokenizer


def renders_like(tokenizer: Any, template: str | None, messages: list[dict[str, str]]) -> bool:
    """Whether ``template`` renders ``messages`` (with a generation prompt) exactly as the tokenizer's own."""
    own = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    other = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, chat_template=template)
    return own == other
