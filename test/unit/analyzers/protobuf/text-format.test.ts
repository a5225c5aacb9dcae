import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTextFormat, TextFormatError, type TextMessage, type TextValue } from '../../../../analyzers/protobuf/text-format.js';

/** The tree as plain data: scalars by text, messages by their fields. */
function plain(message: TextMessage): unknown[] {
  return message.map(({ name, value }) => [name, show(value)]);
}
const show = (value: TextValue): unknown => (value.kind === 'scalar' ? value.text : plain(value.fields));

describe('parseTextFormat', () => {
  it('should read scalars, nested messages in both bracket styles, lists and comments', () => {
    const text = `# a SavedModel
      saved_model_schema_version: 1
      meta_graphs {
        meta_info_def < tags: "serve" tags: 'train' >
        graph_def: { node { name: "a" op: "Const" } node { name: "b", op: "Relu"; } }
        values: [1, -2.5e-3, DT_FLOAT]
        nodes: [{ id: 1 }, { id: 2 }]
      }`;
    expect(plain(parseTextFormat(text))).toEqual([
      ['saved_model_schema_version', '1'],
      [
        'meta_graphs',
        [
          ['meta_info_def', [['tags', 'serve'], ['tags', 'train']]],
          ['graph_def', [['node', [['name', 'a'], ['op', 'Const']]], ['node', [['name', 'b'], ['op', 'Relu']]]]],
          ['values', '1'],
          ['values', '-2.5e-3'],
          ['values', 'DT_FLOAT'],
          ['nodes', [['id', '1']]],
          ['nodes', [['id', '2']]],
        ],
      ],
    ]);
  });

  it('should decode C escapes to bytes and join adjacent strings, as text_format does', () => {
    const [field] = parseTextFormat(String.raw`s: "a\n\t\"q\"\x41\101\303\251" 'b\'c' "\u00e9"`);
    expect(field?.value.kind === 'scalar' && Buffer.from(field.value.bytes).toString('latin1')).toBe('a\n\t"q"AA\u00c3\u00a9b\'c\u00c3\u00a9');
    expect(field?.value.kind === 'scalar' && field.value.text).toBe('a\n\t"q"AAéb\'cé');
  });

  it('should keep an extension or Any type URL as the field name', () => {
    expect(plain(parseTextFormat('any { [type.googleapis.com/tensorflow.Foo] { x: 1 } }'))).toEqual([['any', [['[type.googleapis.com/tensorflow.Foo]', [['x', '1']]]]]]);
  });

  it.each([
    ['an unterminated string', 's: "abc'],
    ['a missing closing brace', 'a { b: 1'],
    ['a stray closing brace', 'a: 1 }'],
    ['a field without a value', 'a: '],
    ['an unknown escape', String.raw`s: "\q"`],
    ['a list without its bracket', 'a: [1, 2'],
    ['messages nested 200 deep', 'a { '.repeat(200) + '}'.repeat(200)],
  ])('should refuse %s with a TextFormatError', (_, text) => {
    expect(() => parseTextFormat(text)).toThrow(TextFormatError);
  });

  it('should end in a tree or a TextFormatError for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab:{}<>[],;"\'\\#\n 0x-1e.'.split('')), maxLength: 200 }), (text) => {
        try {
          parseTextFormat(text);
        } catch (error) {
          expect(error).toBeInstanceOf(TextFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
