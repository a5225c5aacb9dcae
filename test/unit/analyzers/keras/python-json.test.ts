import { describe, expect, it } from 'vitest';
import { parsePythonJson } from '../../../../analyzers/keras/python-json.js';

const utf16 = (text: string, littleEndian: boolean, bom: boolean): Uint8Array => {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(out.buffer);
  [...(bom ? '\ufeff' : ''), ...text].forEach((c, i) => view.setUint16(i * 2, c.charCodeAt(0), littleEndian));
  return out;
};
const utf32 = (text: string, littleEndian: boolean, bom: boolean): Uint8Array => {
  const points = [...(bom ? '\ufeff' : ''), ...text].map((c) => c.codePointAt(0)!);
  const out = new Uint8Array(points.length * 4);
  points.forEach((p, i) => new DataView(out.buffer).setUint32(i * 4, p, littleEndian));
  return out;
};
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('parsePythonJson', () => {
  const doc = '{"class_name": "Lambda", "config": {"name": "λ"}}';
  const expected = { class_name: 'Lambda', config: { name: 'λ' } };

  it.each([
    ['UTF-8', utf8(doc)],
    ['UTF-8 with a BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(doc)])],
    ['UTF-16LE', utf16(doc, true, false)],
    ['UTF-16BE', utf16(doc, false, false)],
    ['UTF-16LE with a BOM', utf16(doc, true, true)],
    ['UTF-16BE with a BOM', utf16(doc, false, true)],
    ['UTF-32LE', utf32(doc, true, false)],
    ['UTF-32BE with a BOM', utf32(doc, false, true)],
  ])('should decode %s as json.loads does', (_, data) => {
    expect(parsePythonJson(data)).toEqual({ ok: true, value: expected });
  });

  it('should accept the non-finite literals Python writes when they appear outside strings', () => {
    const parsed = parsePythonJson(utf8('{"a": NaN, "b": [Infinity, -Infinity, -1], "c": "NaN Infinity"}'));
    expect(parsed).toEqual({ ok: true, value: { a: null, b: [null, null, -1], c: 'NaN Infinity' } });
  });

  it('should keep escaped quotes inside strings when replacing literals', () => {
    expect(parsePythonJson(utf8('["say \\"NaN\\"", NaN]'))).toEqual({ ok: true, value: ['say "NaN"', null] });
  });

  it.each([
    ['truncated JSON', utf8('{"a": ')],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
    ['a bare identifier', utf8('{"a": nan}')],
    ['UTF-32 with a partial code unit', new Uint8Array([0x7b, 0, 0, 0, 0x7d, 0])],
  ])('should report an error when the bytes are %s', (_, data) => {
    expect(parsePythonJson(data).ok).toBe(false);
  });
});
