/**
 * Dense attribute storage (HDF5 File Format Specification 3.0: §IV.A.2.v attribute info message, §III.G
 * fractal heap, §III.A.2 version 2 B-tree). With `libver="latest"`, more than 8 root attributes — or one
 * above 64 KiB — move out of the object header into a fractal heap indexed by name in a v2 B-tree; h5py
 * and Keras read them from there, so a model config hidden that way must be read too.
 *
 * Covered: name indexes of any depth up to {@link MAX_BTREE_DEPTH}, managed objects in a root direct
 * block or in the direct blocks of a root indirect block, huge objects (attributes above the heap's
 * 4 KiB managed-object limit, like a Keras `model_config`) through their own index, and tiny objects.
 * Nested indirect blocks and filtered heaps are reported as not analysable. Checksums are not verified:
 * the bytes read are what h5py would decode.
 */
import { H5Cursor, H5File, H5FormatError, H5UnsupportedError, type H5Geometry } from './file.js';
import { MESSAGE, type H5Message } from './object-header.js';

/** Where the attribute info message says the dense storage is (absolute file positions). */
export interface DenseStorage {
  readonly heap: number;
  readonly nameIndex: number;
}

/** v2 B-tree record types (§III.A.2): huge objects without filters, attribute names. */
const BTREE_HUGE_OBJECTS = 1;
const BTREE_ATTRIBUTE_NAMES = 8;
/** Caps far above what h5py writes (512-byte nodes, a few hundred attributes): they bound the reads. */
const MAX_NODE_BYTES = 1024 * 1024;
const MAX_BTREE_DEPTH = 4;
/** Every record costs a read (its name is in the heap object), so a few thousand at most. */
const MAX_RECORDS = 4096;
const MAX_NODES = 1024;
/** Signature, version, type and checksum of a v2 B-tree node. */
const NODE_PREFIX_BYTES = 10;

interface FractalHeap {
  readonly at: number;
  readonly idLength: number;
  readonly hugeIndex: number | undefined;
  readonly tableWidth: number;
  readonly startBlockSize: number;
  readonly maxDirectBlockSize: number;
  /** Bytes of a heap offset (maximum heap size in bits, rounded up to bytes). */
  readonly offsetBytes: number;
  /** Bytes of a managed object's length in its heap ID. */
  readonly lengthBytes: number;
  readonly rootBlock: number | undefined;
  readonly rootRows: number;
  /** The huge-object index, once an ID needed it. */
  huge?: Promise<Map<number, { at: number; length: number }>>;
}

/** The attribute messages in dense storage, as object-header messages (decoded by ./attributes.ts). */
export async function readDenseAttributeMessages(file: H5File, geometry: H5Geometry, storage: DenseStorage): Promise<H5Message[]> {
  const heap = await readHeapHeader(file, geometry, storage.heap);
  const records = await readRecords(file, geometry, storage.nameIndex, BTREE_ATTRIBUTE_NAMES);
  const messages: H5Message[] = [];
  for (const record of records) {
    // Name-index record: heap ID, message flags, creation order, name hash.
    const id = record.take(heap.idLength);
    messages.push({ type: MESSAGE.attribute, flags: 0, data: await heapObject(file, geometry, heap, new H5Cursor(id, record.origin)) });
  }
  return messages;
}

/** The huge-object index, read once per heap: id → address and length. */
async function hugeObjects(file: H5File, geometry: H5Geometry, heap: FractalHeap): Promise<Map<number, { at: number; length: number }>> {
  if (heap.hugeIndex === undefined) throw new H5FormatError(`fractal heap at offset ${heap.at} has huge objects but no index for them`, heap.at);
  const objects = new Map<number, { at: number; length: number }>();
  for (const record of await readRecords(file, geometry, heap.hugeIndex, BTREE_HUGE_OBJECTS)) {
    // Record of an unfiltered, indirectly accessed huge object: address, length, id.
    const at = address(record, geometry);
    const length = record.sized(geometry.lengthSize) ?? 0;
    const id = record.sized(geometry.lengthSize);
    if (at !== undefined && id !== undefined) objects.set(id, { at, length });
  }
  return objects;
}

async function readHeapHeader(file: H5File, geometry: H5Geometry, at: number): Promise<FractalHeap> {
  const { offsetSize, lengthSize } = geometry;
  const c = await file.read(at, 4 + 1 + 2 + 2 + 1 + 4 + 12 * lengthSize + 3 * offsetSize + 2 + 2 + 2 + 2 + 4, 'fractal heap header');
  signature(c, 'FRHP', 'fractal heap header');
  if (c.u8() !== 0) throw new H5UnsupportedError(`fractal heap at offset ${at} has an unknown version`);
  const idLength = c.u16();
  if (c.u16() !== 0) throw new H5UnsupportedError(`fractal heap at offset ${at} is filtered (compressed)`);
  c.u8(); // flags
  const maxManagedObject = c.u32();
  c.sized(lengthSize); // next huge object id
  const hugeIndex = address(c, geometry);
  c.sized(lengthSize); // free space in managed blocks
  c.sized(offsetSize); // free-space manager
  for (let i = 0; i < 8; i++) c.sized(lengthSize); // managed/allocated space, iterator, object counts and sizes
  const tableWidth = c.u16();
  const startBlockSize = c.sized(lengthSize) ?? 0;
  const maxDirectBlockSize = c.sized(lengthSize) ?? 0;
  const maxHeapBits = c.u16();
  c.u16(); // starting rows of the root indirect block
  const rootBlock = address(c, geometry);
  const rootRows = c.u16();
  if (tableWidth < 1 || startBlockSize < 1 || maxDirectBlockSize < startBlockSize || maxHeapBits < 1 || maxHeapBits > 64 || idLength < 2)
    throw new H5FormatError(`fractal heap at offset ${at} has an inconsistent doubling table`, at);
  // The library's own sizing (H5HF_SIZEOF_OFFSET_LEN, H5VM_limit_enc_size).
  const offsetBytes = Math.ceil(maxHeapBits / 8);
  const lengthBytes = Math.min(Math.ceil(Math.log2(maxDirectBlockSize) / 8), Math.floor(Math.log2(Math.max(1, maxManagedObject)) / 8) + 1);
  return { at, idLength, hugeIndex, tableWidth, startBlockSize, maxDirectBlockSize, offsetBytes, lengthBytes, rootBlock, rootRows };
}

/** The object a heap ID names: tiny (inside the ID), managed (in a direct block) or huge (indexed). */
async function heapObject(file: H5File, geometry: H5Geometry, heap: FractalHeap, id: H5Cursor): Promise<H5Cursor> {
  const first = id.u8();
  if (first >> 6 !== 0) throw new H5UnsupportedError(`heap ID version ${first >> 6}`);
  const kind = (first >> 4) & 0x03;
  if (kind === 2) return new H5Cursor(id.take(Math.min(id.remaining, (first & 0x0f) + 1)), id.origin);
  if (kind === 1) {
    const huge = littleEndian(id.take(heap.idLength - 1));
    heap.huge ??= hugeObjects(file, geometry, heap);
    const object = (await heap.huge).get(huge);
    if (!object) throw new H5FormatError(`huge heap object ${huge} is not in its index`, heap.at);
    return file.read(object.at, object.length, 'huge attribute in a fractal heap');
  }
  if (kind !== 0) throw new H5FormatError(`heap ID of unknown type ${kind}`, id.origin);
  const offset = littleEndian(id.take(heap.offsetBytes));
  const length = littleEndian(id.take(heap.lengthBytes));
  const block = await directBlockFor(file, geometry, heap, offset);
  if (offset + length > block.offset + block.size) throw new H5FormatError(`heap object at ${offset} (+${length}) runs past its block`, block.at);
  return file.read(block.at + (offset - block.offset), length, 'attribute in a fractal heap');
}

/** The direct block holding heap offset `offset`: the root block, or a child of the root indirect block. */
async function directBlockFor(file: H5File, geometry: H5Geometry, heap: FractalHeap, offset: number): Promise<{ at: number; offset: number; size: number }> {
  if (heap.rootBlock === undefined) throw new H5FormatError(`fractal heap at offset ${heap.at} has no root block`, heap.at);
  if (heap.rootRows === 0) return { at: heap.rootBlock, offset: 0, size: heap.startBlockSize };
  // Doubling table: rows 0 and 1 hold blocks of the starting size, each later row doubles it.
  let rowStart = 0;
  for (let row = 0; row < heap.rootRows; row++) {
    const size = row < 2 ? heap.startBlockSize : heap.startBlockSize * 2 ** (row - 1);
    if (size > heap.maxDirectBlockSize) break;
    if (offset < rowStart + size * heap.tableWidth) {
      const column = Math.floor((offset - rowStart) / size);
      const entry = row * heap.tableWidth + column;
      const headerBytes = 4 + 1 + geometry.offsetSize + heap.offsetBytes;
      const c = await file.read(heap.rootBlock, headerBytes + (entry + 1) * geometry.offsetSize, 'fractal heap indirect block');
      signature(c, 'FHIB', 'fractal heap indirect block');
      c.skip(headerBytes - 4 + entry * geometry.offsetSize);
      const at = address(c, geometry);
      if (at === undefined) throw new H5FormatError(`heap offset ${offset} falls in an unallocated block`, heap.rootBlock);
      return { at, offset: rowStart + column * size, size };
    }
    rowStart += size * heap.tableWidth;
  }
  throw new H5UnsupportedError(`heap offset ${offset} lies in a nested indirect block`);
}

/** The records of a v2 B-tree, in key order, from its leaves and internal nodes. */
async function readRecords(file: H5File, geometry: H5Geometry, at: number, type: number): Promise<H5Cursor[]> {
  const c = await file.read(at, 4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + geometry.offsetSize + 2 + geometry.lengthSize + 4, 'v2 B-tree header');
  signature(c, 'BTHD', 'v2 B-tree header');
  c.u8(); // version
  if (c.u8() !== type) throw new H5FormatError(`v2 B-tree at offset ${at} indexes the wrong kind of record`, at);
  const nodeSize = c.u32();
  const recordSize = c.u16();
  const depth = c.u16();
  c.skip(2); // split and merge percentages
  const root = address(c, geometry);
  const rootRecords = c.u16();
  if (root === undefined || rootRecords === 0) return [];
  if (nodeSize > MAX_NODE_BYTES || recordSize < 1 || nodeSize < NODE_PREFIX_BYTES + recordSize)
    throw new H5FormatError(`v2 B-tree at offset ${at} has ${recordSize}-byte records in ${nodeSize}-byte nodes`, at);
  if (depth > MAX_BTREE_DEPTH) throw new H5UnsupportedError(`v2 B-tree at offset ${at} has depth ${depth}`);
  const tree = { file, geometry, nodeSize, recordSize, pointerSizes: pointerSizes(geometry, nodeSize, recordSize, depth), records: [] as H5Cursor[], nodes: 0 };
  await readNode(tree, root, depth, rootRecords);
  return tree.records;
}

interface BTree {
  readonly file: H5File;
  readonly geometry: H5Geometry;
  readonly nodeSize: number;
  readonly recordSize: number;
  /** Per depth: bytes of a child's record count and of its subtree's record total (H5B2hdr.c sizing). */
  readonly pointerSizes: ReadonlyArray<{ readonly count: number; readonly total: number }>;
  readonly records: H5Cursor[];
  nodes: number;
}

async function readNode(tree: BTree, at: number, depth: number, count: number): Promise<void> {
  if (tree.records.length + count > MAX_RECORDS) throw new H5UnsupportedError(`v2 B-tree holds more than ${MAX_RECORDS} records`);
  if (++tree.nodes > MAX_NODES) throw new H5UnsupportedError(`v2 B-tree has more than ${MAX_NODES} nodes`);
  const node = await tree.file.read(at, tree.nodeSize, 'v2 B-tree node');
  signature(node, depth === 0 ? 'BTLF' : 'BTIN', 'v2 B-tree node');
  node.skip(2); // version, type
  const records = Array.from({ length: count }, () => {
    const origin = node.origin + node.pos;
    return new H5Cursor(node.take(tree.recordSize), origin);
  });
  if (depth === 0) {
    tree.records.push(...records);
    return;
  }
  const sizes = tree.pointerSizes[depth]!;
  const children = Array.from({ length: count + 1 }, () => {
    const child = address(node, tree.geometry);
    const childCount = littleEndian(node.take(sizes.count));
    node.skip(sizes.total);
    if (child === undefined) throw new H5FormatError(`v2 B-tree node at offset ${at} has an undefined child`, at);
    return { child, childCount };
  });
  // In-order: child 0, record 0, child 1, record 1, …, child n.
  for (const [i, { child, childCount }] of children.entries()) {
    await readNode(tree, child, depth - 1, childCount);
    if (i < records.length) tree.records.push(records[i]!);
  }
}

/** Child-pointer field sizes of internal nodes at each depth, as the HDF5 library derives them. */
function pointerSizes(geometry: H5Geometry, nodeSize: number, recordSize: number, depth: number): Array<{ count: number; total: number }> {
  const leafMax = Math.floor((nodeSize - NODE_PREFIX_BYTES) / recordSize);
  const count = encodedSize(leafMax);
  const sizes = [{ count, total: 0 }];
  let cumulative = leafMax;
  for (let d = 1; d <= depth; d++) {
    const total = d > 1 ? encodedSize(cumulative) : 0;
    const pointer = geometry.offsetSize + count + total;
    const max = Math.floor((nodeSize - (NODE_PREFIX_BYTES + pointer)) / (recordSize + pointer));
    if (max < 1) throw new H5FormatError('v2 B-tree nodes too small for their pointers', 0);
    sizes.push({ count, total });
    cumulative = (max + 1) * cumulative + max;
  }
  return sizes;
}

/** Bytes to store counts up to `max` (H5VM_limit_enc_size). */
function encodedSize(max: number): number {
  return Math.floor(Math.log2(Math.max(1, max)) / 8) + 1;
}

function signature(c: H5Cursor, expected: string, what: string): void {
  if (String.fromCharCode(...c.take(4)) !== expected) throw new H5FormatError(`${what} at offset ${c.origin} lacks its ${expected} signature`, c.origin);
}

/** A file address, made absolute; undefined for the "undefined address". */
function address(c: H5Cursor, geometry: H5Geometry): number | undefined {
  const value = c.sized(geometry.offsetSize);
  return value === undefined ? undefined : geometry.base + value;
}

function littleEndian(bytes: Uint8Array): number {
  let value = 0;
  for (let i = bytes.length - 1; i >= 0; i--) value = value * 256 + bytes[i]!;
  if (!Number.isSafeInteger(value)) throw new H5FormatError('heap ID field exceeds 2^53', 0);
  return value;
}
