import { describe, expect, it } from 'vitest';
import { ARG_KIND, ArgKind, INTRODUCED_IN, Op, opcodeName } from '../../../../analyzers/pickle/opcodes.js';

describe('opcode table', () => {
  it('should hold the 68 opcodes of protocols 0–5', () => {
    expect(Object.keys(Op)).toHaveLength(68);
    expect(ARG_KIND.filter((kind) => kind !== ArgKind.Invalid)).toHaveLength(68);
  });

  it.each([
    ['FLOAT', ArgKind.Line, 0],
    ['INST', ArgKind.TwoLines, 0],
    ['OBJ', ArgKind.None, 1],
    ['EXT1', ArgKind.U1, 2],
    ['EXT2', ArgKind.U2, 2],
    ['EXT4', ArgKind.I4, 2],
    ['LONG4', ArgKind.Bytes4Signed, 2],
    ['BINSTRING', ArgKind.Bytes4Signed, 1],
    ['BINBYTES', ArgKind.Bytes4, 3],
    ['FRAME', ArgKind.U8, 4],
    ['STACK_GLOBAL', ArgKind.None, 4],
    ['BINUNICODE8', ArgKind.Bytes8, 4],
    ['BYTEARRAY8', ArgKind.Bytes8, 5],
    ['NEXT_BUFFER', ArgKind.None, 5],
    ['READONLY_BUFFER', ArgKind.None, 5],
    ['PERSID', ArgKind.Line, 0],
    ['BINPERSID', ArgKind.None, 1],
    ['MEMOIZE', ArgKind.None, 4],
  ] as const)('should describe %s (argument kind %i, protocol %i)', (name, kind, proto) => {
    const code = Op[name];
    expect(ARG_KIND[code]).toBe(kind);
    expect(INTRODUCED_IN[code]).toBe(proto);
    expect(opcodeName(code)).toBe(name);
  });

  it('should name non-opcode bytes by value', () => {
    expect(opcodeName(0x00)).toBe('0x00');
    expect(ARG_KIND[0xff]).toBe(ArgKind.Invalid);
  });
});
