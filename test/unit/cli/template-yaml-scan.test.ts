/** A directory scan through the CLI and the whole engine: chat templates and YAML configs reach their analyzers. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.js';
import type { CliFinding } from '../../../cli/json-report.js';

const FIXTURES = new URL('../../fixtures/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

async function scan(files: Record<string, string>): Promise<{ code: number; findings: CliFinding[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-templates-'));
  const root = path.join(dir, 'model');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  const out = path.join(dir, 'report.json');
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(['scan', root, '--format', 'json', '--output', out, '--fail-on', 'high'], {});
    return { code, findings: (JSON.parse(readFileSync(out, 'utf8')) as { findings: CliFinding[] }).findings };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('scanning a model directory with templates and YAML configs', () => {
  it('should report each hostile template and config on its own file', async () => {
    const { code, findings } = await scan({
      'tokenizer_config.json': JSON.stringify({
        bos_token: '<s>',
        chat_template: [
          { name: 'default', template: fixture('templates/benign/chatml.jinja') },
          { name: 'tool_use', template: fixture('templates/malicious/cycler-globals.jinja') },
        ],
      }),
      'chat_template.jinja': fixture('templates/malicious/attr-hex-escapes.jinja'),
      'prompts/system.j2': fixture('templates/malicious/format-sandbox-escape.jinja'),
      'conf/train.yaml': fixture('yaml/malicious/tag-directive-handle.yaml'),
      MLmodel: fixture('yaml/malicious/MLmodel'),
    });
    expect(code).toBe(1);
    const by = (file: string) => findings.filter((f) => f.file === file).map((f) => `${f.id} ${f.severity}`);
    expect(by('tokenizer_config.json')).toContain('template.code-reach High');
    expect(findings.find((f) => f.file === 'tokenizer_config.json')?.location).toBe('chat_template["tool_use"]');
    expect(by('chat_template.jinja')).toContain('template.code-reach High');
    expect(by('prompts/system.j2')).toContain('template.sandbox-escape Critical');
    expect(by('prompts/system.j2')).toContain('template.code-reach Critical');
    expect(by('conf/train.yaml')).toEqual(['yaml.python-tag Critical']);
    expect(by('MLmodel')).toEqual(['yaml.python-tag Critical']);
  });

  it('should find nothing in published templates and plain configs', async () => {
    const { code, findings } = await scan({
      'tokenizer_config.json': JSON.stringify({ chat_template: fixture('templates/benign/llama-3.1.jinja'), model_max_length: 131072 }),
      'chat_template.json': JSON.stringify({ chat_template: fixture('templates/benign/qwen2.5-tools.jinja') }),
      'chat_template.jinja': fixture('templates/benign/deepseek-r1.jinja'),
      'conf/train.yaml': fixture('yaml/benign/hydra-config.yaml'),
      MLmodel: fixture('yaml/benign/MLmodel'),
    });
    expect(findings.filter((f) => f.analyzer === 'template' || f.analyzer === 'yaml')).toEqual([]);
    expect(code).toBe(0);
  });
});
