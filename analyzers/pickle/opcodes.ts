/**
 * The pickle opcode table for protocols 0–5 (CPython `Lib/pickletools.py` is the authoritative list).
 * Built once at module load into flat arrays indexed by the opcode byte, so the decoder's hot loop is a
 * table lookup and never allocates.
 */

/** How an opcode's argument is laid out in the stream. */
export const ArgKind = {
  /** Byte is not an opcode. */
  Invalid: 0,
  None: 1,
  /** 1-byte unsigned (BININT1, BINGET, BINPUT, PROTO, EXT1). */
  U1: 2,
  /** 2-byte little-endian unsigned (BININT2, EXT2). */
  U2: 3,
  /** 4-byte little-endian signed (BININT, EXT4). */
  I4: 4,
  /** 4-byte little-endian unsigned (LONG_BINGET, LONG_BINPUT). */
  U4: 5,
  /** 8-byte little-endian unsigned (FRAME). */
  U8: 6,
  /** 8-byte big-endian IEEE double (BINFLOAT); the value is never needed. */
  F8: 7,
  /** One `\n`-terminated line (INT, LONG, FLOAT, STRING, UNICODE, PERSID, GET, PUT). */
  Line: 8,
  /** Two `\n`-terminated lines, module then name (GLOBAL, INST). */
  TwoLines: 9,
  /** 1-byte length, then payload (SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE, LONG1). */
  Bytes1: 10,
  /** 4-byte unsigned length, then payload (BINUNICODE, BINBYTES). */
  Bytes4: 11,
  /** 4-byte signed length, then payload; negative is an error (BINSTRING, LONG4). */
  Bytes4Signed: 12,
  /** 8-byte unsigned length, then payload (BINUNICODE8, BINBYTES8, BYTEARRAY8). */
  Bytes8: 13,
} as const;
export type ArgKind = (typeof ArgKind)[keyof typeof ArgKind];

/** Opcode bytes, named as in CPython's `pickle.py`. */
export const Op = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  // protocol 2
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  // protocol 3
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  // protocol 4
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  // protocol 5
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

export type OpName = keyof typeof Op;

/** Highest pickle protocol any loader understands (CPython `pickle.HIGHEST_PROTOCOL`). */
export const HIGHEST_PROTOCOL = 5;

const ARGUMENTS: ReadonlyArray<readonly [OpName, ArgKind, number]> = [
  ['MARK', ArgKind.None, 0],
  ['STOP', ArgKind.None, 0],
  ['POP', ArgKind.None, 0],
  ['POP_MARK', ArgKind.None, 1],
  ['DUP', ArgKind.None, 0],
  ['FLOAT', ArgKind.Line, 0],
  ['INT', ArgKind.Line, 0],
  ['BININT', ArgKind.I4, 1],
  ['BININT1', ArgKind.U1, 1],
  ['LONG', ArgKind.Line, 0],
  ['BININT2', ArgKind.U2, 1],
  ['NONE', ArgKind.None, 0],
  ['PERSID', ArgKind.Line, 0],
  ['BINPERSID', ArgKind.None, 1],
  ['REDUCE', ArgKind.None, 0],
  ['STRING', ArgKind.Line, 0],
  ['BINSTRING', ArgKind.Bytes4Signed, 1],
  ['SHORT_BINSTRING', ArgKind.Bytes1, 1],
  ['UNICODE', ArgKind.Line, 0],
  ['BINUNICODE', ArgKind.Bytes4, 1],
  ['APPEND', ArgKind.None, 0],
  ['BUILD', ArgKind.None, 0],
  ['GLOBAL', ArgKind.TwoLines, 0],
  ['DICT', ArgKind.None, 0],
  ['EMPTY_DICT', ArgKind.None, 1],
  ['APPENDS', ArgKind.None, 1],
  ['GET', ArgKind.Line, 0],
  ['BINGET', ArgKind.U1, 1],
  ['INST', ArgKind.TwoLines, 0],
  ['LONG_BINGET', ArgKind.U4, 1],
  ['LIST', ArgKind.None, 0],
  ['EMPTY_LIST', ArgKind.None, 1],
  ['OBJ', ArgKind.None, 1],
  ['PUT', ArgKind.Line, 0],
  ['BINPUT', ArgKind.U1, 1],
  ['LONG_BINPUT', ArgKind.U4, 1],
  ['SETITEM', ArgKind.None, 0],
  ['TUPLE', ArgKind.None, 0],
  ['EMPTY_TUPLE', ArgKind.None, 1],
  ['SETITEMS', ArgKind.None, 1],
  ['BINFLOAT', ArgKind.F8, 1],
  ['PROTO', ArgKind.U1, 2],
  ['NEWOBJ', ArgKind.None, 2],
  ['EXT1', ArgKind.U1, 2],
  ['EXT2', ArgKind.U2, 2],
  ['EXT4', ArgKind.I4, 2],
  ['TUPLE1', ArgKind.None, 2],
  ['TUPLE2', ArgKind.None, 2],
  ['TUPLE3', ArgKind.None, 2],
  ['NEWTRUE', ArgKind.None, 2],
  ['NEWFALSE', ArgKind.None, 2],
  ['LONG1', ArgKind.Bytes1, 2],
  ['LONG4', ArgKind.Bytes4Signed, 2],
  ['BINBYTES', ArgKind.Bytes4, 3],
  ['SHORT_BINBYTES', ArgKind.Bytes1, 3],
  ['SHORT_BINUNICODE', ArgKind.Bytes1, 4],
  ['BINUNICODE8', ArgKind.Bytes8, 4],
  ['BINBYTES8', ArgKind.Bytes8, 4],
  ['EMPTY_SET', ArgKind.None, 4],
  ['ADDITEMS', ArgKind.None, 4],
  ['FROZENSET', ArgKind.None, 4],
  ['NEWOBJ_EX', ArgKind.None, 4],
  ['STACK_GLOBAL', ArgKind.None, 4],
  ['MEMOIZE', ArgKind.None, 4],
  ['FRAME', ArgKind.U8, 4],
  ['BYTEARRAY8', ArgKind.Bytes8, 5],
  ['NEXT_BUFFER', ArgKind.None, 5],
  ['READONLY_BUFFER', ArgKind.None, 5],
];

/** Argument layout per opcode byte; `ArgKind.Invalid` for bytes that are not opcodes. */
export const ARG_KIND: Uint8Array = new Uint8Array(256);
/**
 * Protocol that introduced each opcode. Loaders accept every opcode whatever the declared protocol, but
 * picklers never write an opcode newer than the protocol they declare.
 */
export const INTRODUCED_IN: Uint8Array = new Uint8Array(256);
const NAMES: string[] = new Array<string>(256).fill('');

/** Bytes of the fixed-size argument for `U1`…`F8`; length-prefix bytes for `Bytes*`. */
export const FIXED_ARG_BYTES: Uint8Array = new Uint8Array(16);
FIXED_ARG_BYTES[ArgKind.U1] = 1;
FIXED_ARG_BYTES[ArgKind.U2] = 2;
FIXED_ARG_BYTES[ArgKind.I4] = 4;
FIXED_ARG_BYTES[ArgKind.U4] = 4;
FIXED_ARG_BYTES[ArgKind.U8] = 8;
FIXED_ARG_BYTES[ArgKind.F8] = 8;
FIXED_ARG_BYTES[ArgKind.Bytes1] = 1;
FIXED_ARG_BYTES[ArgKind.Bytes4] = 4;
FIXED_ARG_BYTES[ArgKind.Bytes4Signed] = 4;
FIXED_ARG_BYTES[ArgKind.Bytes8] = 8;

for (const [name, kind, proto] of ARGUMENTS) {
  const code = Op[name];
  if (ARG_KIND[code] !== ArgKind.Invalid) throw new Error(`duplicate opcode 0x${code.toString(16)}`);
  ARG_KIND[code] = kind;
  INTRODUCED_IN[code] = proto;
  NAMES[code] = name;
}

/** The opcode's name, or `0xNN` for a byte that is not an opcode (for messages). */
export function opcodeName(code: number): string {
  return NAMES[code] || `0x${code.toString(16).padStart(2, '0')}`;
}
