/**
 * Template rules, shared by every place a chat template lives (GGUF `tokenizer.chat_template*`,
 * `tokenizer_config.json`, `chat_template.jinja`/`.json`, `processor_config.json`, standalone Jinja files,
 * Ollama template layers). Grading (template/report.ts) follows the renderer:
 * - transformers renders chat templates in Jinja2's `ImmutableSandboxedEnvironment`
 *   (`transformers/utils/chat_template_utils.py`), whose `is_safe_attribute` refuses every attribute that
 *   starts with `_`, the frame/code/generator internals and `mro` (`jinja2/sandbox.py`
 *   `UNSAFE_*_ATTRIBUTES`), and whose `is_safe_callable` refuses `unsafe_callable`/`alters_data`. What the
 *   sandbox blocks is still High: a template that tries is hostile.
 * - What escapes that sandbox (format-string lookups reached indirectly) is Critical everywhere.
 * - Templates that may be rendered without a sandbox are Critical: GGUF's (llama-cpp-python rendered
 *   them with a plain `jinja2.Environment` until 0.2.72, CVE-2024-34359) and standalone Jinja files whose
 *   renderer is unknown.
 * - Ollama renders its template layers as Go `text/template`, which reaches no Python: High at most.
 */
import { defineRules } from '../finding.js';

const analyzer = 'template';
const TEMPLATE_FIX =
  'Do not render the template. Replace it with the chat template the model authors published (compare with the original repository), render chat templates only in a sandboxed environment on a current Jinja2 (≥ 3.1.6), and treat the whole artifact as untrusted.';

export const TEMPLATE_RULES = defineRules({
  codeReach: {
    id: 'template.code-reach',
    analyzer,
    severity: 'Critical',
    title: 'Template reaches Python internals (server-side template injection)',
    why: 'Dunder and private attributes (`__class__`, `__mro__`, `__subclasses__`, `__globals__`, `__builtins__`, however the name is spelled or assembled), escape objects (`cycler`, `joiner`, `lipsum`, `self`, `request`, `config`, `url_for`…), class walks to `catch_warnings` and names such as `os` or `eval` are how a Jinja template runs code (CVE-2024-34359). No chat template needs them. Critical where the renderer may be unsandboxed (GGUF, standalone templates); High where transformers\' sandbox renders it, because the sandbox blocks these but the template is still hostile.',
    remediation: TEMPLATE_FIX,
  },
  sandboxEscape: {
    id: 'template.sandbox-escape',
    analyzer,
    severity: 'Critical',
    title: 'Template uses a format-string route out of the Jinja sandbox',
    why: 'Format strings with attribute or index fields (`"{0.__class__}"`) reached through `str.format` or `format_map` indirectly read any attribute despite Jinja\'s sandbox: CVE-2016-10745, CVE-2019-10906, CVE-2024-56326, CVE-2025-27516. transformers accepts Jinja2 from 3.1.0, so unpatched installations run it even sandboxed.',
    remediation: TEMPLATE_FIX,
  },
  loadsTemplate: {
    id: 'template.loads-template',
    analyzer,
    severity: 'High',
    title: 'Template loads other templates or files',
    why: '`{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` read other templates from the renderer\'s loader (the filesystem in many setups); a chat template never needs them and can use them to read files.',
    remediation: TEMPLATE_FIX,
  },
  goCall: {
    id: 'template.go-call',
    analyzer,
    severity: 'Medium',
    title: 'Ollama template calls functions or named templates',
    why: 'Ollama renders template layers as Go text/template with its own few functions; `call`, `define`/`template`/`block` (which can recurse until the renderer gives up) are not used by the templates Ollama publishes and make the template do more than lay out messages.',
    remediation: 'Use the template of the model as published in the Ollama library, or write one using only fields of the messages and Ollama\'s functions.',
  },
  unparsed: {
    id: 'template.unparsed',
    analyzer,
    severity: 'Medium',
    title: 'Template was not parsed; judged by the token scanner only',
    why: 'The Jinja parser rejected the template (a construct it does not implement, an escape it does not decode, nesting or size beyond the scanner\'s bounds), so it was judged by a bounded token scanner, which sees names and strings but not how they combine. It cannot be reported clean on the full analysis.',
    remediation: 'Inspect the template by hand, or replace it with the one the model authors published.',
  },
  malformed: {
    id: 'template.malformed',
    analyzer,
    severity: 'Medium',
    title: 'Template does not parse or is not a string',
    why: 'Unterminated or unbalanced blocks, or a template field that is not text, make runtimes fail or fall back to another template, and text a checker cannot parse is text it has not checked.',
    remediation: 'Replace the chat template with the one published by the model authors.',
  },
});

/** The rules a Jinja template can produce (all but the Go-template one), for hosts that only carry Jinja. */
export const JINJA_TEMPLATE_RULES = Object.values(TEMPLATE_RULES).filter((rule) => rule !== TEMPLATE_RULES.goCall);
