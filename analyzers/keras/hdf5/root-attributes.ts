/**
 * Reads the root group's attributes of an HDF5 file — where legacy Keras keeps `model_config` — through
 * ranges of the source: the superblock, the root object header (and its continuation blocks) and, for
 * variable-length strings, one global heap collection. Datasets are never touched.
 *
 * Covered: superblock versions 0–3, object header versions 1 and 2, attributes stored in the object
 * header (h5py's default, and `libver="latest"` up to 8 attributes). Dense attribute storage (a fractal
 * heap, used beyond 8 attributes or for attributes above 64 KiB with the latest format) and shared
 * messages are reported as not analysable rather than read.
 */
import type { ByteSource } from '../../source.js';
import { readAttribute, type H5Attribute } from './attributes.js';
import { H5File } from './file.js';
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
  for (const message of messages) {
    if (message.type === MESSAGE.attribute) {
      if (message.flags & FLAG_SHARED) {
        unreadable = 'an attribute is stored as a shared message';
        continue;
      }
      const attribute = await readAttribute(message, file, superblock, (name) => wanted.has(name));
      if (wanted.has(attribute.name)) found.set(attribute.name, [...(found.get(attribute.name) ?? []), attribute]);
    } else if (message.type === MESSAGE.attributeInfo && usesDenseStorage(message, superblock))
      unreadable = 'attributes are kept in dense storage (a fractal heap)';
  }
  return { found, unreadable };
}

/** Attribute info message: version, flags, [max creation index], fractal heap address, … */
function usesDenseStorage(message: H5Message, superblock: Superblock): boolean {
  const c = message.data;
  c.u8(); // version
  const flags = c.u8();
  if (flags & 0x01) c.skip(2);
  return c.sized(superblock.offsetSize) !== undefined;
}
