/**
 * What a file claims to be, from its extension and media type. Only used to report disagreement with
 * the sniffed content; routing always follows content.
 */
import type { Format } from './formats.js';

const PYTORCH: readonly Format[] = ['zip', 'pickle', 'tar'];

const BY_EXTENSION: Readonly<Record<string, readonly Format[]>> = {
  safetensors: ['safetensors'],
  gguf: ['gguf'],
  pt: PYTORCH,
  pth: PYTORCH,
  bin: [...PYTORCH, 'unknown'],
  ckpt: PYTORCH,
  pkl: ['pickle'],
  pickle: ['pickle'],
  joblib: ['pickle', 'zlib', 'gzip', 'bzip2', 'xz', 'lzma', 'lz4', 'zstd'],
  npy: ['npy'],
  npz: ['zip'],
  keras: ['zip'],
  h5: ['hdf5'],
  hdf5: ['hdf5'],
  onnx: ['protobuf'],
  json: ['json'],
  zip: ['zip'],
  tar: ['tar'],
  gz: ['gzip'],
  tgz: ['gzip'],
  zst: ['zstd'],
  xz: ['xz'],
  bz2: ['bzip2'],
};

const BY_MEDIA_TYPE_SUFFIX: ReadonlyArray<readonly [RegExp, readonly Format[]]> = [
  [/\.(safetensors)$/, ['safetensors']],
  [/\.gguf(\.v\d+)?$|ollama\.image\.(model|adapter|projector)$/, ['gguf']],
];

/** Formats the name or media type admits; undefined when they make no claim. */
export function declaredFormats(path: string, mediaType?: string): readonly Format[] | undefined {
  const base = path.slice(path.lastIndexOf('!') + 1);
  const name = base.slice(base.lastIndexOf('/') + 1).toLowerCase();
  const dot = name.lastIndexOf('.');
  const byName = dot > 0 ? BY_EXTENSION[name.slice(dot + 1)] : undefined;
  if (byName) return byName;
  if (mediaType) for (const [re, formats] of BY_MEDIA_TYPE_SUFFIX) if (re.test(mediaType)) return formats;
  return undefined;
}
