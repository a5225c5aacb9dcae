/**
 * Attribute messages (format spec §IV.A.2.m) and the string values Keras stores in them: fixed-length
 * strings inside the message, or variable-length strings in a global heap collection (§III.E), which
 * h5py 3 uses for `bytes` and `str` values. Only the first element of an attribute is decoded.
 */
import { H5Cursor, H5File, H5FormatError, H5UnsupportedError, type H5Geometry } from './file.js';
import type { H5Message } from './object-header.js';

const DATATYPE_STRING = 3;
const DATATYPE_VLEN = 9;
const VLEN_STRING = 1;
const PAD_SPACE = 2;
const GLOBAL_HEAP_SIGNATURE = 'GCOL';

export interface H5Attribute {
  readonly name: string;
  /** The first element's bytes for string attributes; undefined for other datatypes. */
  readonly value: Uint8Array | undefined;
  /** What the datatype is, for messages about non-string attributes. */
  readonly datatype: string;
}

/** The attribute's name, and its value when `wanted(name)`; other attributes are not decoded further. */
export async function readAttribute(message: H5Message, file: H5File, geometry: H5Geometry, wanted: (name: string) => boolean): Promise<H5Attribute> {
  const c = message.data;
  const version = c.u8();
  if (version < 1 || version > 3) throw new H5UnsupportedError(`attribute message at offset ${c.origin} has version ${version}`);
  const flags = c.u8();
  const nameSize = c.u16();
  const datatypeSize = c.u16();
  const dataspaceSize = c.u16();
  if (version === 3) c.skip(1); // name character set
  // Version 1 pads the name, datatype and dataspace to multiples of 8 bytes.
  const section = (size: number): H5Cursor => {
    const at = c.pos;
    const bytes = c.take(size);
    if (version === 1) c.align(8);
    return new H5Cursor(bytes, c.origin + at);
  };
  const name = cString(section(nameSize).bytes);
  if (!wanted(name)) return { name, value: undefined, datatype: 'not decoded' };
  if (version > 1 && flags & 0x03) throw new H5UnsupportedError(`attribute ${JSON.stringify(name)} uses a shared datatype or dataspace`);
  const datatype = section(datatypeSize);
  const elements = countElements(section(dataspaceSize), geometry.lengthSize);
  const classAndVersion = datatype.u8();
  const typeClass = classAndVersion & 0x0f;
  const bits = datatype.u8();
  datatype.skip(2);
  const elementSize = datatype.u32();
  if (elements === 0) return { name, value: new Uint8Array(0), datatype: 'empty' };
  if (typeClass === DATATYPE_STRING) return { name, value: fixedString(c.take(elementSize), bits & 0x0f), datatype: 'fixed-length string' };
  if (typeClass === DATATYPE_VLEN && (bits & 0x0f) === VLEN_STRING)
    return { name, value: await variableString(c, file, geometry), datatype: 'variable-length string' };
  return { name, value: undefined, datatype: `datatype class ${typeClass}` };
}

/** Elements described by a dataspace message (scalar: 1, null: 0, simple: product of dimensions). */
function countElements(c: H5Cursor, lengthSize: number): number {
  const version = c.u8();
  const rank = c.u8();
  c.u8(); // flags
  if (version === 1) c.skip(5); // reserved
  else if (version === 2) {
    const type = c.u8();
    if (type === 2) return 0;
  } else throw new H5UnsupportedError(`dataspace message at offset ${c.origin} has version ${version}`);
  let elements = 1;
  for (let i = 0; i < rank; i++) elements *= c.sized(lengthSize) ?? 0;
  return elements;
}

/** A fixed-length string: cut at the first NUL (null-terminated/padded) or right-trimmed of spaces. */
function fixedString(bytes: Uint8Array, padding: number): Uint8Array {
  if (padding === PAD_SPACE) {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0x20) end--;
    return bytes.slice(0, end);
  }
  const nul = bytes.indexOf(0);
  return bytes.slice(0, nul < 0 ? bytes.length : nul);
}

/** A variable-length string element: its length, then a global heap id (collection address, index). */
async function variableString(c: H5Cursor, file: H5File, geometry: H5Geometry): Promise<Uint8Array> {
  const length = c.u32();
  const collection = c.sized(geometry.offsetSize);
  const index = c.u32();
  if (collection === undefined) return new Uint8Array(0);
  const at = geometry.base + collection;
  const head = await file.read(at, 8 + geometry.lengthSize, 'global heap');
  if (String.fromCharCode(...head.take(4)) !== GLOBAL_HEAP_SIGNATURE)
    throw new H5FormatError(`global heap at offset ${at} lacks its GCOL signature`, at);
  head.skip(4); // version, reserved
  const size = head.sized(geometry.lengthSize) ?? 0;
  const heap = await file.read(at, size, 'global heap collection');
  heap.skip(8 + geometry.lengthSize);
  while (heap.remaining >= 8 + geometry.lengthSize) {
    const objectIndex = heap.u16();
    heap.skip(6); // reference count, reserved
    const objectSize = heap.sized(geometry.lengthSize) ?? 0;
    if (objectIndex === 0) break; // free space: no objects after it
    if (objectIndex === index) {
      if (length > objectSize) throw new H5FormatError(`string of ${length} bytes in a ${objectSize}-byte heap object at offset ${at}`, at);
      return heap.take(length).slice();
    }
    heap.skip(Math.min(heap.remaining, Math.ceil(objectSize / 8) * 8));
  }
  throw new H5FormatError(`global heap at offset ${at} has no object ${index}`, at);
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}
