/** Formats recognised from content. Names and media types are only hints compared against these. */
export const FORMATS = [
  'safetensors',
  'gguf',
  'zip',
  'tar',
  'gzip',
  'zlib',
  'bzip2',
  'xz',
  'lzma',
  'lz4',
  'zstd',
  '7z',
  'pickle',
  'npy',
  'hdf5',
  'protobuf',
  'json',
  'text',
  'empty',
  'unknown',
] as const;
export type Format = (typeof FORMATS)[number];
