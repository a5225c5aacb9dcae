/**
 * safetensors dtypes and their sizes in bits: the reference reader's `Dtype` enum
 * (huggingface/safetensors `safetensors/src/tensor.rs`; oci-model-formats.md §6.1). Sub-byte types
 * (F4, F6_*) are why sizes are in bits: a tensor's bit count must be a whole number of bytes.
 */
export const DTYPE_BITS: ReadonlyMap<string, number> = new Map([
  ['BOOL', 8],
  ['F4', 4],
  ['F6_E2M3', 6],
  ['F6_E3M2', 6],
  ['U8', 8],
  ['I8', 8],
  ['F8_E5M2', 8],
  ['F8_E4M3', 8],
  ['F8_E8M0', 8],
  ['F8_E4M3FNUZ', 8],
  ['F8_E5M2FNUZ', 8],
  ['I16', 16],
  ['U16', 16],
  ['F16', 16],
  ['BF16', 16],
  ['I32', 32],
  ['U32', 32],
  ['F32', 32],
  ['C64', 64],
  ['F64', 64],
  ['I64', 64],
  ['U64', 64],
]);
