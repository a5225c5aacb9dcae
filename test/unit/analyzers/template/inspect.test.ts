import { describe, expect, it } from 'vitest';
import { inspectJinjaTemplate, MAX_TEMPLATE_CHARS } from '../../../../analyzers/template/inspect.js';
import { MAX_PARSE_NESTING } from '../../../../analyzers/template/jinja-nodes.js';

const kinds = (template: string) => [...new Set(inspectJinjaTemplate(template).map((i) => i.kind))].sort();
const details = (template: string) => inspectJinjaTemplate(template).map((i) => i.detail);

describe('inspectJinjaTemplate', () => {
  it.each([
    "{% set ns = namespace(found=false) %}{% for m in messages %}{% set ns.found = true %}{% endfor %}{{ ns.found }}",
    '{% set config = {"a": 1} %}{{ config.a }}',
    '{% for self in messages %}{{ self.content }}{% endfor %}',
    '{% macro render(request) %}{{ request.content }}{% endmacro %}{{ render(messages[0]) }}',
    "{{ range(3) | list }}{{ dict(a=1).a }}",
    "{{ message.content.split('</think>')[-1] }}{{ tool | tojson(indent=2) }}",
    "{{ '{\"name\": \"' + fn.name + '\"}' }}",
    "{{ 'Today is %s' | format(date_string) }}",
  ])('should find nothing in %s', (template) => {
    expect(inspectJinjaTemplate(template)).toEqual([]);
  });

  it.each([
    ["{{ messages|attr('%c%c%s%c%c'|format(95,95,'class',95,95)) }}", 'dunder attribute __class__ (attr())'],
    ["{{ messages|attr('__SSALC__'|lower|reverse) }}", 'dunder attribute __class__ (attr())'],
    ["{{ messages|attr(dict(__class__=1)|list|first) }}", 'dunder attribute __class__ (attr())'],
    ["{{ messages|attr('{0}{0}class{0}{0}'.format('_')) }}", 'dunder attribute __class__ (attr())'],
    ["{{ x[('_' * 2) ~ 'init' ~ ('_' * 2)] }}", 'dunder attribute __init__ (subscript)'],
    ['{{ namespace.__init__ }}', 'global namespace used as an object'],
    ['{{ range|attr("mro") }}', 'attribute mro (attr())'],
    ['{{ request.application }}', 'template global request'],
    ['{{ x.f_globals }}', 'attribute f_globals (.)'],
    ['{{ x._private }}', 'private attribute _private (.)'],
  ])('should see through %s', (template, detail) => {
    expect(details(template)).toContain(detail);
  });

  it('should not hand the parser a template nested deeper than its bound', () => {
    const template = `{{ ${'('.repeat(MAX_PARSE_NESTING + 10)}x${')'.repeat(MAX_PARSE_NESTING + 10)}.__class__ }}`;
    expect(kinds(template)).toEqual(['code-reach', 'unparsed']);
  });

  it('should scan only the first characters of an oversized template and say so', () => {
    const template = `${'a'.repeat(MAX_TEMPLATE_CHARS)}{{ lipsum.__globals__ }}`;
    expect(kinds(template)).toEqual(['unparsed']);
  });
});
