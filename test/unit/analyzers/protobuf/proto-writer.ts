/**
 * A protobuf wire-format writer for tests: fields are written exactly as told (any number, any wire
 * type, lengths that lie when asked), so both well-formed models and every kind of broken one can be
 * built without a schema compiler.
 */

import { encodeVarint as varintBytes } from '../../../../analyzers/protobuf/varint.js';
import { concat } from '../../../support/bytes.js';

export { concat, varintBytes };

export type Part = Uint8Array;

const tag = (field: number, wireType: number): Uint8Array => varintBytes((BigInt(field) << 3n) | BigInt(wireType));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A varint field (negative numbers as 10-byte two's complement, as int64 fields are written). */
export const varint = (field: number, value: number | bigint): Part => concat(tag(field, 0), varintBytes(value));

/** A length-delimited field holding bytes or UTF-8 text. */
export const bytes = (field: number, data: Uint8Array | string): Part => {
  const payload = typeof data === 'string' ? utf8(data) : data;
  return concat(tag(field, 2), varintBytes(payload.length), payload);
};

/** A length-delimited field holding a nested message. */
export const message = (field: number, ...parts: readonly Part[]): Part => bytes(field, concat(...parts));

/** A length-delimited field whose declared length differs from what follows. */
export const lyingLength = (field: number, declared: number, payload: Uint8Array): Part => concat(tag(field, 2), varintBytes(declared), payload);

export const fixed32 = (field: number, value: number): Part => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return concat(tag(field, 5), b);
};

export const fixed64 = (field: number, value: bigint): Part => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  return concat(tag(field, 1), b);
};

/** A packed repeated varint field. */
export const packedVarints = (field: number, values: ReadonlyArray<number | bigint>): Part => bytes(field, concat(...values.map(varintBytes)));

/** A raw tag with any wire type (including the invalid 6 and 7, and groups). */
export const rawTag = (field: number, wireType: number): Part => tag(field, wireType);

/** A map<string, string> style entry (StringStringEntryProto and protobuf map entries). */
export const entry = (field: number, key: string, value: Part | string): Part =>
  message(field, bytes(1, key), typeof value === 'string' ? bytes(2, value) : value);
