/**
 * Types for the parts of untyped packages the archive layer uses. Kept to what is called, so a package
 * update that changes these shapes shows up in the decoder tests.
 */

/** unbzip2-stream's block decoder (micro-bunzip port); we drive it block by block ourselves. */
declare module 'unbzip2-stream/lib/bzip2.js' {
  /** Reads `n` bits (MSB first); `null` aligns to the next byte. */
  type BitReader = (n: number | null) => number;
  const bzip2: {
    /** Reads the `BZh<level>` stream header; returns the block size level 1–9. */
    header(bits: BitReader): number;
    /**
     * Decodes one block, calling `emit` per output byte. Returns the running stream CRC, or `null` at the
     * end-of-stream marker. Throws on corrupt data.
     */
    decompress(
      bits: BitReader,
      emit: (byte: number) => void,
      buf: Int32Array,
      bufsize: number,
      streamCRC: number | null,
    ): number | null;
  };
  export default bzip2;
}
