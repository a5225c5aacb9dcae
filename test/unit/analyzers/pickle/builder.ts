/**
 * Pickles from opcode constructors (the way fickling's `test_bypasses.py` builds its vectors), so each
 * regression test shows the exact bytes of the technique it guards against.
 */
const te = new TextEncoder();

type Part = Uint8Array | number[] | string;

function bytes(part: Part): Uint8Array {
  if (typeof part === 'string') return te.encode(part);
  return part instanceof Uint8Array ? part : Uint8Array.from(part);
}

/** Concatenate opcode parts into one pickle. */
export function pickle(...parts: Part[]): Uint8Array {
  const chunks = parts.map(bytes);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number): number[] => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];

/** Opcode constructors, named after CPython's pickle opcodes. */
export const op = {
  proto: (v: number) => [0x80, v],
  frame: (length: number) => [0x95, ...u64(length)],
  stop: () => [0x2e],
  mark: () => [0x28],
  pop: () => [0x30],
  popMark: () => [0x31],
  dup: () => [0x32],
  none: () => [0x4e],
  newTrue: () => [0x88],
  newFalse: () => [0x89],
  int: (text: string) => pickle('I', text, '\n'),
  long: (text: string) => pickle('L', text, '\n'),
  float: (text: string) => pickle('F', text, '\n'),
  binint: (n: number) => [0x4a, ...u32(n)],
  binint1: (n: number) => [0x4b, n],
  binint2: (n: number) => [0x4d, n & 0xff, n >> 8],
  binfloat: () => [0x47, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
  long1: (le: number[]) => [0x8a, le.length, ...le],
  string: (quoted: string) => pickle('S', quoted, '\n'),
  binstring: (s: string) => pickle([0x54, ...u32(te.encode(s).length)], s),
  shortBinstring: (s: string) => pickle([0x55, te.encode(s).length], s),
  unicode: (raw: string) => pickle('V', raw, '\n'),
  binunicode: (s: string) => pickle([0x58, ...u32(te.encode(s).length)], s),
  shortBinunicode: (s: string) => pickle([0x8c, te.encode(s).length], s),
  binunicode8: (s: string) => pickle([0x8d, ...u64(te.encode(s).length)], s),
  binbytes: (b: Uint8Array) => pickle([0x42, ...u32(b.length)], b),
  shortBinbytes: (b: Uint8Array) => pickle([0x43, b.length], b),
  binbytes8: (b: Uint8Array) => pickle([0x8e, ...u64(b.length)], b),
  bytearray8: (b: Uint8Array) => pickle([0x96, ...u64(b.length)], b),
  nextBuffer: () => [0x97],
  readonlyBuffer: () => [0x98],
  emptyTuple: () => [0x29],
  tuple: () => [0x74],
  tuple1: () => [0x85],
  tuple2: () => [0x86],
  tuple3: () => [0x87],
  emptyList: () => [0x5d],
  list: () => [0x6c],
  append: () => [0x61],
  appends: () => [0x65],
  emptyDict: () => [0x7d],
  dict: () => [0x64],
  setitem: () => [0x73],
  setitems: () => [0x75],
  emptySet: () => [0x8f],
  additems: () => [0x90],
  frozenset: () => [0x91],
  global: (module: string, name: string) => pickle('c', module, '\n', name, '\n'),
  inst: (module: string, name: string) => pickle('i', module, '\n', name, '\n'),
  stackGlobal: () => [0x93],
  reduce: () => [0x52],
  build: () => [0x62],
  obj: () => [0x6f],
  newobj: () => [0x81],
  newobjEx: () => [0x92],
  persid: (id: string) => pickle('P', id, '\n'),
  binpersid: () => [0x51],
  put: (key: number) => pickle('p', String(key), '\n'),
  binput: (key: number) => [0x71, key],
  longBinput: (key: number) => [0x72, ...u32(key)],
  get: (key: number) => pickle('g', String(key), '\n'),
  binget: (key: number) => [0x68, key],
  longBinget: (key: number) => [0x6a, ...u32(key)],
  memoize: () => [0x94],
  ext1: (code: number) => [0x82, code],
  ext2: (code: number) => [0x83, code & 0xff, code >> 8],
  ext4: (code: number) => [0x84, ...u32(code)],
};

/** `module.name` via STACK_GLOBAL with SHORT_BINUNICODE operands (protocol 4 style). */
export function stackGlobal(module: string, name: string): Uint8Array {
  return pickle(op.shortBinunicode(module), op.shortBinunicode(name), op.stackGlobal());
}

/** `callable(arg)` where `callable` is pushed by `callee` and `arg` is a string. */
export function callWith(callee: Uint8Array, arg: string): Uint8Array {
  return pickle(callee, op.shortBinunicode(arg), op.tuple1(), op.reduce());
}

/** A protocol-4 pickle calling `module.name(arg)`. */
export function reducePickle(module: string, name: string, arg = 'x'): Uint8Array {
  return pickle(op.proto(4), callWith(stackGlobal(module, name), arg), op.stop());
}
