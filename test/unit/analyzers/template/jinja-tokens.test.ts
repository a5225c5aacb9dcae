import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TemplateIssueKind } from '../../../../analyzers/template/issues.js';
import { findDunder, scanJinjaTokens as inspectChatTemplate } from '../../../../analyzers/template/jinja-tokens.js';

const kinds = (template: string): TemplateIssueKind[] => [...new Set(inspectChatTemplate(template).map((i) => i.kind))].sort();
const details = (template: string): string[] => inspectChatTemplate(template).map((i) => i.detail);

// Templates in the style of published chat templates (ChatML, Llama 3, tool calling, Mistral).
const BENIGN = [
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  "{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}{%- else %}{%- set system_message = '' %}{%- endif %}{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + system_message + '<|eot_id|>' }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}",
  "{%- set ns = namespace(found=false, system=none) -%}{%- for m in messages -%}{%- if m.role == 'tool' -%}{{ m.content | tojson }}{%- elif m.tool_calls is defined -%}{%- for call in m.tool_calls -%}{{ '{\"name\": \"' + call.function.name + '\"}' }}{%- endfor -%}{%- else -%}{{ raise_exception('Conversation roles must alternate') if loop.index0 % 2 != (m.role == 'assistant') else '' }}{%- endif -%}{%- endfor -%}",
  "{# a comment with __class__ inside is not code #}{% raw %}{{ __globals__ }}{% endraw %}{{ strftime_now('%d %b %Y') }}",
  "{% macro render(m) %}{{ m['content'] }}{% endmacro %}{% for m in messages %}{% generation %}{{ render(m) }}{% endgeneration %}{% endfor %}",
  "{{ {'a': {'b': 1}}['a']['b'] }}{% set x %}block set{% endset %}{{ '_'.join(['a', 'b']) }}",
  "{%- if tools %}{{- tools | tojson(indent=4) }}{%- endif %}{{ messages | selectattr('role', 'equalto', 'user') | list | length }}",
];

describe('scanJinjaTokens', () => {
  it.each(BENIGN)('should find nothing when the template is an ordinary chat template: %s', (template) => {
    expect(inspectChatTemplate(template)).toEqual([]);
  });

  it.each([
    // CVE-2024-34359 proof of concept shape: walk from a literal to os through dunders.
    ["{{ ''.__class__.__mro__[1].__subclasses__() }}", 'code-reach'],
    ["{{ self.__init__.__globals__.__builtins__.__import__('os').popen('id').read() }}", 'code-reach'],
    ['{{ x._TemplateReference__context }}', 'code-reach'],
    ["{{ x | attr('__class__') }}", 'code-reach'],
    ["{{ x | attr('\\x5f\\x5fclass\\x5f\\x5f') }}", 'code-reach'],
    ["{{ x | attr('\\u005f\\u005fglobals\\u005f\\u005f') }}", 'code-reach'],
    ["{{ x | attr('\\137\\137init\\137\\137') }}", 'code-reach'],
    ["{{ x[('__cla' ~ 'ss__')] }}", 'code-reach'],
    ["{{ x[['_', '_', 'cla', 'ss', '_', '_'] | join] }}", 'code-reach'],
    ["{{ x[('_' * 2) ~ 'class' ~ ('_' * 2)] }}", 'code-reach'],
    ["{{ x['\\N{LOW LINE}\\N{LOW LINE}class\\N{LOW LINE}\\N{LOW LINE}'] }}", 'code-reach'],
  ] as const)('should flag dunder access when the template is %s', (template, kind) => {
    expect(kinds(template)).toContain(kind);
  });

  it.each([
    ['{{ cycler.next }}', 'cycler'],
    ['{{ lipsum }}', 'lipsum'],
    ["{{ x.popen('id') }}", 'popen'],
    ['{{ eval }}', 'eval'],
    ["{% set o = os %}", 'os'],
    ['{{ x.f_globals }}', 'f_globals'],
    ["{{ x | attr(name) }}", 'attr() dynamic attribute access'],
    ["{{ x['popen'] }}", '["popen"]'],
    ["{{ '%c%c' | format(95, 95) }}", 'string built from character codes (%c)'],
    ["{% include 'secrets.txt' %}", '{% include %} loads another template'],
    ["{% import 'x' as y %}", '{% import %} loads another template'],
  ])('should flag a dangerous name when the template is %s', (template, detail) => {
    expect(inspectChatTemplate(template).filter((i) => i.kind !== 'malformed').map((i) => i.detail)).toContain(detail);
  });

  it.each([
    ['{{ x ', 'unterminated {{ … }} block'],
    ['{% if x ', 'unterminated {% … %} block'],
    ['{# note ', 'unterminated comment {# … #}'],
    ["{{ 'abc }}", 'unterminated {{ … }} block'],
    ['{% if a %}yes', 'unclosed {% if %}'],
    ['{% endif %}', '{% endif %} without matching {% if %}'],
    ['{% for x in y %}{% endif %}', '{% endif %} without matching {% if %}'],
    ['{% else %}', '{% else %} outside {% if %}'],
    ['{% raw %}never closed', 'unclosed {% raw %}'],
    ['{{ f(x }}', 'unbalanced "(" in block'],
    ['{{ x) }}', 'unexpected ")"'],
  ])('should report the template as malformed when it is %s', (template, detail) => {
    expect(details(template)).toContain(detail);
    expect(kinds(template)).toEqual(['malformed']);
  });

  it('should count repeated occurrences once with their number and first offset', () => {
    const issues = inspectChatTemplate('ab{{ x.__class__ }}{{ y.__class__ }}');
    expect(issues).toEqual([{ kind: 'code-reach', detail: '.__class__', offset: 7, occurrences: 2 }]);
  });

  it('should cap the distinct issues when a template repeats many different tricks', () => {
    const template = Array.from({ length: 500 }, (_, i) => `{{ x.__a${i}__ }}`).join('');
    expect(inspectChatTemplate(template)).toHaveLength(50);
  });

  it('should flag the tricks even when statements nest far deeper than any real template', () => {
    const template = `${'{% if a %}'.repeat(10_000)}{{ x.__class__ }}${'{% endif %}'.repeat(10_000)}`;
    expect(kinds(template)).toEqual(['code-reach', 'malformed']);
  });

  it('should terminate with a bounded report for any text', () => {
    const fragments = fc.constantFrom('{{', '}}', '{%', '%}', '{#', '#}', "'", '"', '\\', '(', ')', '[', ']', '{', '}', '-', 'if', 'endif', 'for', 'raw', 'endraw', '__class__', '.', '|', 'attr', ' ', 'x', '~', '*');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(fragments, { maxLength: 200 }).map((parts) => parts.join(''))), (template) => {
        const issues = inspectChatTemplate(template);
        expect(issues.length).toBeLessThanOrEqual(50);
        for (const issue of issues) expect(issue.offset).toBeLessThanOrEqual(template.length);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('findDunder', () => {
  it.each([
    ['__class__', '__class__'],
    ['x.__init__.y', '__init__'],
    ['a__globals__b', '__globals__'],
    ['___mro___', '___mro__'],
    ['____', undefined],
    ['__init', undefined],
    ['<|im_start|>user', undefined],
    ['snake_case_name', undefined],
  ])('should find %s in the text', (text, expected) => {
    expect(findDunder(text)).toBe(expected);
  });

  it('should scan a megabyte of underscores and letters in linear time', () => {
    expect(findDunder(`__${'a'.repeat(1_000_000)}`)).toBeUndefined();
    expect(findDunder('_'.repeat(1_000_000))).toBeUndefined();
  });
});
