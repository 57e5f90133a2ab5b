"""A tiny random Qwen2.5-VL or Qwen3-VL checkpoint, for tests and pipeline smoke tests.

It has the real architecture (``Qwen2_5_VLForConditionalGeneration`` or
``Qwen3VLForConditionalGeneration``) at toy size: text hidden 64, 2 decoder layers, vision depth
2, ``out_hidden_size`` = text hidden and an ``mrope_section`` summing to half the attention head
size (Qwen3-VL: interleaved mrope, explicit ``head_dim``, a 16 px patch, a learned position
embedding of 8 x 8 and deepstack mergers after both vision blocks, feeding both decoder layers).
Processor settings and chat template are each generation's own (Qwen3-VL: mean/std 0.5, video
pixel bounds on the whole clip, the published Qwen3-VL-8B-Instruct template, which has no
default system prompt). Its tokenizer is a byte-level BPE trained here with
``tokenizers`` on camera-motion text, with Qwen's special tokens and single tokens for "Yes" and
"No". The folder uses transformers 5's layout (``processor_config.json``,
``chat_template.jinja``) and reloads offline through ``from_pretrained``. Scores it produces are
meaningless: it exists so that ``predict``, ``caption`` and ``train`` can run end to end
without a 15 GB download.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from camerabench.baselines.vlm.arch import ARCHS, QWEN3_VL, QwenArch, arch_by_name
from camerabench.baselines.vlm.checkpoint import check_checkpoint_out, checkpoint_folder
from camerabench.baselines.vlm.compat import ensure_transformers_importable
from camerabench.fileio import atomic_write_text

__all__ = ["QWEN3_CHAT_TEMPLATE", "QWEN_CHAT_TEMPLATE", "QWEN_SPECIAL_TOKENS", "TINY_ARCHS", "make_tiny_vlm"]

log = logging.getLogger(__name__)

#: Qwen2-VL / Qwen2.5-VL's chat template (as shipped with the Qwen2.5-VL-7B-Instruct tokenizer):
#: a default system prompt, then each message; a video item renders as one ``<|video_pad|>``.
QWEN_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

#: Qwen3-VL's chat template as published with Qwen3-VL-8B-Instruct (5292 bytes, sha256 3636d0f0...):
#: no default system prompt; an image or video item renders as one pad between vision start/end.
QWEN3_CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {%- if messages[0].content is string %}
            {{- messages[0].content }}
        {%- else %}
            {%- for content in messages[0].content %}
                {%- if 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0].role == 'system' %}
        {{- '<|im_start|>system\n' }}
        {%- if messages[0].content is string %}
            {{- messages[0].content }}
        {%- else %}
            {%- for content in messages[0].content %}
                {%- if 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- set image_count = namespace(value=0) %}
{%- set video_count = namespace(value=0) %}
{%- for message in messages %}
    {%- if message.role == "user" %}
        {{- '<|im_start|>' + message.role + '\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content in message.content %}
                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}
                    {%- set image_count.value = image_count.value + 1 %}
                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}
                    <|vision_start|><|image_pad|><|vision_end|>
                {%- elif content.type == 'video' or 'video' in content %}
                    {%- set video_count.value = video_count.value + 1 %}
                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}
                    <|vision_start|><|video_pad|><|vision_end|>
                {%- elif 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role + '\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content_item in message.content %}
                {%- if 'text' in content_item %}
                    {{- content_item.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and message.content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- else %}
            {%- for content in message.content %}
                {%- if content.type == 'image' or 'image' in content or 'image_url' in content %}
                    {%- set image_count.value = image_count.value + 1 %}
                    {%- if add_vision_id %}Picture {{ image_count.value }}: {% endif -%}
                    <|vision_start|><|image_pad|><|vision_end|>
                {%- elif content.type == 'video' or 'video' in content %}
                    {%- set video_count.value = video_count.value + 1 %}
                    {%- if add_vision_id %}Video {{ video_count.value }}: {% endif -%}
                    <|vision_start|><|video_pad|><|vision_end|>
                {%- elif 'text' in content %}
                    {{- content.text }}
                {%- endif %}
            {%- endfor %}
        {%- endif %}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""  # noqa: E501 (the published template, byte for byte)

#: ``make-tiny-vlm --arch`` choices.
TINY_ARCHS = tuple(a.name for a in ARCHS.values())

#: Qwen2.5's special tokens, in Qwen's id order (they follow the BPE vocabulary).
QWEN_SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

_TINY_BPE_VOCAB = 600  # BPE tokens (incl. the 256 byte symbols), before the special tokens
_TINY_MIN_PIXELS = 28 * 28 * 4  # keep test clips small: a 64x48 frame stays 56x56
_TINY_MAX_PIXELS = 360 * 420
# Weight scale of the random model (transformers' default 0.02 gives near-uniform next-token
# distributions, P(Yes) ~ 1/vocab for every input) and a gain on the "Yes"/"No" output rows, so
# that P(Yes) varies visibly with the video, the question and the frame rate: tests that compare
# two computations of the score are only meaningful when the score is sensitive to its inputs.
_TINY_INIT_STD = 0.1
_YES_NO_GAIN = 5.0


def _corpus() -> list[str]:
    from camerabench.labelfiles import CAPTION_QUESTION
    from camerabench.taxonomy import Primitive

    lines = [
        "You are a helpful assistant.",
        "Please only answer Yes or No.",
        CAPTION_QUESTION,
        "Yes No Yes. No. yes no",
        "The camera remains completely still. The camera moves and then stops.",
        "Describe what changed between the previous frame and the current frame: the action, the environment, "
        "the appearance and the camera movement.",
        "Summarise these timed descriptions into one caption of the camera movement.",
        "system user assistant",
    ]
    for p in Primitive:
        lines += [p.question, p.definition, f"The camera {p.caption_phrase}.", f"The camera {p.caption_phrase} slowly."]
    # "Yes" and "No" must each be a single token: repeat them so BPE merges them early.
    return lines * 4 + ["Yes", "No"] * 200


def _train_tokenizer() -> Any:
    """A byte-level BPE with Qwen2's pre-tokenisation, wrapped as transformers' Qwen2Tokenizer."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import AddedToken
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX, Qwen2Tokenizer

    backend = Tokenizer(models.BPE())
    backend.normalizer = normalizers.NFC()
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=_TINY_BPE_VOCAB, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    backend.train_from_iterator(_corpus(), trainer=trainer)
    model_state = json.loads(backend.to_str())["model"]
    vocab: dict[str, int] = model_state["vocab"]
    merges: Any = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model_state["merges"]]
    # special tokens are added below, in Qwen's order, so that their ids follow the vocabulary
    no_specials: dict[str, Any] = {"eos_token": None, "pad_token": None, "unk_token": None}
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=merges, model_max_length=32768, **no_specials)
    tokenizer.add_special_tokens(
        {"additional_special_tokens": [AddedToken(t, special=True) for t in QWEN_SPECIAL_TOKENS]}
    )
    tokenizer.eos_token, tokenizer.pad_token = "<|im_end|>", "<|endoftext|>"
    for word in ("Yes", "No"):
        ids = tokenizer.encode(word, add_special_tokens=False)
        if len(ids) != 1:
            raise RuntimeError(f"tiny tokenizer: {word!r} is not a single token ({ids})")
    tokenizer.chat_template = QWEN_CHAT_TEMPLATE
    return tokenizer


def _processor_config(arch: QwenArch) -> dict[str, Any]:
    """transformers 5's composite ``processor_config.json`` for a Qwen2.5-VL or Qwen3-VL processor.

    Qwen3-VL's video ``size`` bounds the whole clip: its lower bound is the published
    checkpoints' 4096 pixels, its upper bound theirs (25165824), so the per-frame cap decides.
    """
    common = {
        "do_convert_rgb": True,
        "do_normalize": True,
        "do_rescale": True,
        "do_resize": True,
        "image_mean": list(arch.image_mean),
        "image_std": list(arch.image_std),
        "merge_size": arch.merge_size,
        "patch_size": arch.patch_size,
        "temporal_patch_size": arch.temporal_patch_size,
        "resample": 3,
        "rescale_factor": 1 / 255,
        "size": {"shortest_edge": _TINY_MIN_PIXELS, "longest_edge": _TINY_MAX_PIXELS},
    }
    if arch is QWEN3_VL:
        video_size = {"shortest_edge": 4096, "longest_edge": 25165824}
        return {
            "processor_class": "Qwen3VLProcessor",
            "image_processor": {**common, "image_processor_type": "Qwen2VLImageProcessor"},
            "video_processor": {
                **common,
                "size": video_size,
                "video_processor_type": "Qwen3VLVideoProcessor",
                "do_sample_frames": False,
                "cap_pixels_per_frame": False,
            },
        }
    return {
        "processor_class": "Qwen2_5_VLProcessor",
        "image_processor": {**common, "image_processor_type": "Qwen2VLImageProcessor"},
        "video_processor": {**common, "video_processor_type": "Qwen2VLVideoProcessor", "do_sample_frames": False},
    }


def _config(arch: QwenArch, vocab_size: int, ids: dict[str, int]) -> Any:  # a transformers config
    """The toy-size model config of ``arch`` (see the module docstring)."""
    from transformers import Qwen2_5_VLConfig, Qwen3VLConfig

    hidden, heads = 64, 4  # head_dim 16 -> mrope_section must sum to 8
    text = {
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": heads,
        "num_key_value_heads": 2,
        "max_position_embeddings": 32768,
        "rms_norm_eps": 1e-6,
        "initializer_range": _TINY_INIT_STD,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
        "pad_token_id": ids["<|endoftext|>"],
    }
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "out_hidden_size": hidden,
        "patch_size": arch.patch_size,
        "spatial_merge_size": arch.merge_size,
        "temporal_patch_size": arch.temporal_patch_size,
        "initializer_range": _TINY_INIT_STD,
    }
    tokens: dict[str, Any] = {
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "tie_word_embeddings": False,
    }
    if arch is QWEN3_VL:
        # interleaved mrope: T takes frequencies 0, 3, 6, 7, H 1, 4 and W 2, 5 of the 8
        rope = {
            "rope_type": "default",
            "rope_theta": 5_000_000.0,
            "mrope_section": [4, 2, 2],
            "mrope_interleaved": True,
        }
        return Qwen3VLConfig(
            text_config={**text, "head_dim": hidden // heads, "rope_parameters": rope},
            vision_config={**vision, "num_position_embeddings": 64, "deepstack_visual_indexes": [0, 1]},
            **tokens,
        )
    rope = {"rope_type": "default", "rope_theta": 1_000_000.0, "mrope_section": [2, 3, 3]}
    return Qwen2_5_VLConfig(
        text_config={**text, "rope_parameters": rope},
        vision_config={**vision, "tokens_per_second": 2, "window_size": 112, "fullatt_block_indexes": [1]},
        **tokens,
    )


def make_tiny_vlm(out_dir: str | Path, seed: int = 0, arch: str = "qwen2.5-vl") -> Path:
    """Write a tiny random Qwen2.5-VL or Qwen3-VL checkpoint to ``out_dir`` (replaced atomically).

    Args:
        out_dir: folder to create; an earlier checkpoint or an empty folder there is replaced,
            anything else refused (:func:`~camerabench.baselines.vlm.checkpoint.check_checkpoint_out`).
        seed: torch seed of the random weights (same seed, same checkpoint).
        arch: ``"qwen2.5-vl"`` or ``"qwen3-vl"``.

    Returns:
        ``out_dir`` as a Path.
    """
    ensure_transformers_importable()
    import torch
    import transformers

    generation = arch_by_name(arch)
    out = Path(out_dir)
    check_checkpoint_out(out)
    tokenizer = _train_tokenizer()
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in QWEN_SPECIAL_TOKENS}
    config = _config(generation, len(tokenizer), ids)
    torch.manual_seed(seed)
    model = getattr(transformers, generation.model_class)(config).eval()
    with torch.no_grad():  # make the random model lean towards answering Yes/No (see _YES_NO_GAIN)
        for word in ("Yes", "No"):
            model.lm_head.weight[tokenizer.convert_tokens_to_ids(word)] *= _YES_NO_GAIN
    model.generation_config.eos_token_id = [ids["<|im_end|>"], ids["<|endoftext|>"]]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    with checkpoint_folder(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        processor = json.dumps(_processor_config(generation), indent=2) + "\n"
        atomic_write_text(tmp / "processor_config.json", processor)
        template = QWEN3_CHAT_TEMPLATE if generation is QWEN3_VL else QWEN_CHAT_TEMPLATE
        atomic_write_text(tmp / "chat_template.jinja", template)
    log.info("tiny %s written to %s (%d parameters)", arch, out, sum(p.numel() for p in model.parameters()))
    return out
