import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AnalysisContext } from '../../../../analyzers/analyzer.js';
import { makeLimits } from '../../../../analyzers/limits.js';
import { DEFAULT_SETTINGS } from '../../../../analyzers/settings.js';
import { BufferSource } from '../../../../analyzers/source.js';
import { templateAnalyzer, templateFileKind } from '../../../../analyzers/template/analyzer.js';
import { TEMPLATE_RULES as RULES } from '../../../../analyzers/template/rules.js';

const fixture = (name: string) => readFileSync(new URL(`../../../fixtures/templates/${name}`, import.meta.url), 'utf8');

async function analyze(path: string, text: string, mediaType?: string) {
  const bytes = new TextEncoder().encode(text);
  const ctx: AnalysisContext = {
    file: { path, size: bytes.length, ...(mediaType ? { mediaType } : {}) },
    source: new BufferSource(bytes),
    format: 'text',
    head: bytes.subarray(0, 4096),
    limits: makeLimits(),
    settings: DEFAULT_SETTINGS,
    depth: 0,
    signal: new AbortController().signal,
    scanMember: async () => [],
    record: () => undefined,
  };
  return templateAnalyzer.analyze(ctx);
}

describe('templateFileKind', () => {
  it.each([
    ['tokenizer_config.json', undefined, 'json-config'],
    ['repo/processor_config.json', undefined, 'json-config'],
    ['model.zip!chat_template.json', undefined, 'json-config'],
    ['chat_template.jinja', undefined, 'sandboxed'],
    ['additional_chat_templates/tool_use.jinja', undefined, 'sandboxed'],
    ['prompts/x.j2', undefined, 'unknown'],
    ['prompts/x.jinja2', undefined, 'unknown'],
    ['x.template', undefined, 'unknown'],
    ['sha256:abc', 'application/vnd.ollama.image.template', 'go'],
    ['chat.jinja', 'application/vnd.docker.ai.chat.template.jinja', 'unknown'],
    ['config.json', undefined, undefined],
    ['README.md', undefined, undefined],
  ])('should classify %s (%s) as %s', (path, mediaType, expected) => {
    const kind = templateFileKind(path, mediaType);
    expect(kind === undefined ? undefined : kind.kind === 'json-config' ? 'json-config' : kind.renderer).toBe(expected);
  });
});

describe('templateAnalyzer', () => {
  it('should grade a tokenizer_config.json payload High: transformers renders it sandboxed', async () => {
    const findings = await analyze('tokenizer_config.json', JSON.stringify({ chat_template: fixture('malicious/lipsum-globals.jinja') }));
    expect(findings.map((f) => f.severity)).toContain('High');
    expect(findings.every((f) => f.severity !== 'Critical' && f.location === 'chat_template')).toBe(true);
  });

  it('should grade a standalone template Critical: its renderer is unknown', async () => {
    const findings = await analyze('templates/chat.j2', fixture('malicious/lipsum-globals.jinja'));
    expect(findings.map((f) => `${f.ruleId} ${f.severity}`)).toContain(`${RULES.codeReach.id} Critical`);
  });

  it('should read an Ollama template layer as a Go template', async () => {
    const layer = 'application/vnd.ollama.image.template';
    expect(await analyze('template', fixture('benign/ollama-llama3.gotmpl'), layer)).toEqual([]);
    const findings = await analyze('template', fixture('malicious/ollama-call.gotmpl'), layer);
    expect(findings.map((f) => f.ruleId)).toEqual([RULES.goCall.id]);
  });

  it.each([
    [{ chat_template: 7 }, 'chat_template is a number'],
    [{ chat_template: [{ name: 'default' }] }, 'chat_template["default"] is an entry whose template is missing'],
    [{ chat_template: ['x'] }, 'chat_template[0] is a string'],
  ])('should report a chat_template that is not a template: %j', async (config, message) => {
    const findings = await analyze('tokenizer_config.json', JSON.stringify(config));
    expect(findings.map((f) => [f.ruleId, f.message])).toEqual([[RULES.malformed.id, `${message}, not a template string`]]);
  });

  it('should say a tokenizer config that is not JSON was not checked', async () => {
    const findings = await analyze('tokenizer_config.json', '{"chat_template": "{{ x }}"');
    expect(findings.map((f) => f.ruleId)).toEqual([RULES.malformed.id]);
  });

  it('should ignore configs without a chat template and files that carry none', async () => {
    expect(await analyze('tokenizer_config.json', JSON.stringify({ model_max_length: 2048, chat_template: null }))).toEqual([]);
    expect(await analyze('notes.txt', '{{ lipsum.__globals__ }}')).toEqual([]);
  });

  it('should fall back to the token scanner, and say so, for Jinja2 constructs the parser lacks', async () => {
    const findings = await analyze('chat_template.jinja', "{% raw %}{{ x }}{% endraw %}{% with a = 1 %}{{ a }}{% endwith %}");
    expect(findings.map((f) => `${f.ruleId} ${f.severity}`)).toEqual([`${RULES.unparsed.id} Medium`]);
  });
});
