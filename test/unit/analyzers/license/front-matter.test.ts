import { describe, expect, it } from 'vitest';
import { readFrontMatter } from '../../../../analyzers/license/front-matter.js';

describe('readFrontMatter', () => {
  it('should read the license trio, base models and card data when the block is valid', () => {
    const card = '---\nlicense: other\nlicense_name: acme\nlicense_link: LICENSE\nbase_model:\n  - a/b\n  - c/d\npipeline_tag: text-generation\nlibrary_name: peft\ndatasets: [x/y]\nlanguage: en\nmodel-index:\n  - name: tuned\n---\n# Title\n';
    expect(readFrontMatter(card)).toEqual({
      ok: true,
      metadata: {
        licenses: ['other'],
        licenseName: 'acme',
        licenseLink: 'LICENSE',
        baseModels: ['a/b', 'c/d'],
        task: 'text-generation',
        library: 'peft',
        datasets: ['x/y'],
        languages: ['en'],
        name: 'tuned',
      },
    });
  });

  it.each([
    ['no block', '# Just a readme\n', undefined],
    ['an unclosed block', '---\nlicense: mit\n', false],
    ['invalid YAML', '---\nlicense: [mit\n---\n', false],
    ['a list instead of a mapping', '---\n- mit\n---\n', false],
    ['an alias bomb', `---\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nlicense: mit\n---\n`, false],
  ])('should report %s without throwing', (_name, text, ok) => {
    const result = readFrontMatter(text);
    expect(result === undefined ? undefined : result.ok).toBe(ok);
  });

  it('should clip long values and cap long lists when the card is hostile', () => {
    const card = `---\nlicense: ${'x'.repeat(10_000)}\ndatasets: [${Array.from({ length: 500 }, (_, i) => `d${i}`).join(',')}]\n---\n`;
    const result = readFrontMatter(card);
    expect(result?.ok && result.metadata.licenses[0]!.length).toBeLessThanOrEqual(201);
    expect(result?.ok && result.metadata.datasets.length).toBe(64);
  });
});
