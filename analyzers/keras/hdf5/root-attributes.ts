/**
 * Reads the root group's attributes of an HDF5 file — where legacy Keras keeps `model_config` — through
 * ranges of the source: the superblock, the root object header (and its continuation blocks) and, for
 * variable-length strings, one global heap collection. Datasets are never touched.
 *
 * Covered: superblock versions 0–3, object header versions 1 and 2, attributes stored in the object
 * header (h5py's default, and `libver="latest"` up to 8 attributes) and in dense storage (a fractal heap,
 * used beyond 8 attributes or for attributes above 64 KiB with the latest format; ./dense-attributes.ts).
 * Shared messages and the dense layouts that module does not cover are reported as not analysable.
 */
import type { ByteSource } from '../../source.js';
import { readAttribute, type H5Attribute } from './attributes.js';
import { readDenseAttributeMessages, type DenseStorage } from './dense-attributes.js';
import { H5File, H5UnsupportedError } from './file.js';
import { FLAG_SHARED, MESSAGE, readObjectHeader, type H5Message } from './object-header.js';
import { readSuperblock, type Superblock } from './superblock.js';

export interface RootAttributes {
  /** The wanted attributes found in the root object header, each occurrence (a crafted file may repeat a name). */
  readonly found: ReadonlyMap<string, readonly H5Attribute[]>;
  /** Why some root attributes could not be read, when that is so. */
  readonly unreadable: string | undefined;
}

export async function readRootAttributes(source: ByteSource, maxRead: number, wanted: ReadonlySet<string>): Promise<RootAttributes> {
  const file = new H5File(source, maxRead);
  const superblock = await readSuperblock(file);
  const messages = await readObjectHeader(file, superblock.rootObjectHeader, superblock);
  const found = new Map<string, H5Attribute[]>();
  let unreadable: string | undefined;
  const dense = messages.filter((m) => m.type === MESSAGE.attributeInfo).map((m) => denseStorage(m, superblock));
  for (const storage of dense) {
    if (!storage) continue;
    try {
      messages.push(...(await readDenseAttributeMessages(file, superblock, storage)));
    } catch (error) {
      if (!(error instanceof H5UnsupportedError)) throw error;
      unreadable = `attributes are kept in dense storage in a layout the scanner does not read (${error.message})`;
    }
  }
  for (const message of messages) {
    if (message.type === MESSAGE.attribute) {
      if (message.flags & FLAG_SHARED) {
        unreadable = 'an attribute is stored as a shared message';
        continue;
      }
      const attribute = await readAttribute(message, file, superblock, (name) => wanted.has(name));
      if (wanted.has(attribute.name)) found.set(attribute.name, [...(found.get(attribute.name) ?? []), attribute]);
    }
  }
  return { found, unreadable };
}

/** Attribute info message: version, flags, [max creation index], fractal heap and name index addresses. */
function denseStorage(message: H5Message, superblock: Superblock): DenseStorage | undefined {
  const c = message.data;
  c.u8(); // version
  const flags = c.u8();
  if (flags & 0x01) c.skip(2);
  const heap = c.sized(superblock.offsetSize);
  const nameIndex = c.sized(superblock.offsetSize);
  if (heap === undefined || nameIndex === undefined) return undefined;
  return { heap: superblock.base + heap, nameIndex: superblock.base + nameIndex };
}
