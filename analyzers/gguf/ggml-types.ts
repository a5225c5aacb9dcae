/**
 * ggml tensor types and llama.cpp file types as GGUF stores them. Block and byte sizes come from ggml's
 * `type_traits` table (ggml-org/ggml `src/ggml.c`) and the block-size `static_assert`s in
 * `src/ggml-common.h`; ids from `include/ggml.h` (oci-model-formats.md §6.2 lists the older subset).
 */

export interface GgmlType {
  readonly name: string;
  /** Elements per block; a row (dimension 0) must be a whole number of blocks. */
  readonly blockSize: number;
  /** Bytes per block. */
  readonly typeSize: number;
}

const QK_K = 256;

/** Types a GGUF file may use. Ids 4, 5, 31–33 and 36–38 were removed from ggml and are rejected. */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map([
  [0, { name: 'F32', blockSize: 1, typeSize: 4 }],
  [1, { name: 'F16', blockSize: 1, typeSize: 2 }],
  [2, { name: 'Q4_0', blockSize: 32, typeSize: 18 }],
  [3, { name: 'Q4_1', blockSize: 32, typeSize: 20 }],
  [6, { name: 'Q5_0', blockSize: 32, typeSize: 22 }],
  [7, { name: 'Q5_1', blockSize: 32, typeSize: 24 }],
  [8, { name: 'Q8_0', blockSize: 32, typeSize: 34 }],
  [9, { name: 'Q8_1', blockSize: 32, typeSize: 36 }],
  [10, { name: 'Q2_K', blockSize: QK_K, typeSize: 84 }],
  [11, { name: 'Q3_K', blockSize: QK_K, typeSize: 110 }],
  [12, { name: 'Q4_K', blockSize: QK_K, typeSize: 144 }],
  [13, { name: 'Q5_K', blockSize: QK_K, typeSize: 176 }],
  [14, { name: 'Q6_K', blockSize: QK_K, typeSize: 210 }],
  [15, { name: 'Q8_K', blockSize: QK_K, typeSize: 292 }],
  [16, { name: 'IQ2_XXS', blockSize: QK_K, typeSize: 66 }],
  [17, { name: 'IQ2_XS', blockSize: QK_K, typeSize: 74 }],
  [18, { name: 'IQ3_XXS', blockSize: QK_K, typeSize: 98 }],
  [19, { name: 'IQ1_S', blockSize: QK_K, typeSize: 50 }],
  [20, { name: 'IQ4_NL', blockSize: 32, typeSize: 18 }],
  [21, { name: 'IQ3_S', blockSize: QK_K, typeSize: 110 }],
  [22, { name: 'IQ2_S', blockSize: QK_K, typeSize: 82 }],
  [23, { name: 'IQ4_XS', blockSize: QK_K, typeSize: 136 }],
  [24, { name: 'I8', blockSize: 1, typeSize: 1 }],
  [25, { name: 'I16', blockSize: 1, typeSize: 2 }],
  [26, { name: 'I32', blockSize: 1, typeSize: 4 }],
  [27, { name: 'I64', blockSize: 1, typeSize: 8 }],
  [28, { name: 'F64', blockSize: 1, typeSize: 8 }],
  [29, { name: 'IQ1_M', blockSize: QK_K, typeSize: 56 }],
  [30, { name: 'BF16', blockSize: 1, typeSize: 2 }],
  [34, { name: 'TQ1_0', blockSize: QK_K, typeSize: 54 }],
  [35, { name: 'TQ2_0', blockSize: QK_K, typeSize: 66 }],
  [39, { name: 'MXFP4', blockSize: 32, typeSize: 17 }],
  [40, { name: 'NVFP4', blockSize: 64, typeSize: 36 }],
  [41, { name: 'Q1_0', blockSize: 128, typeSize: 18 }],
  [42, { name: 'Q2_0', blockSize: 64, typeSize: 18 }],
]);

/**
 * `general.file_type` values: llama.cpp's `llama_ftype` (`include/llama.h`), the dominant quantization
 * of a file. 4–6 and 33–35 are retired.
 */
export const LLAMA_FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0, 'ALL_F32'],
  [1, 'MOSTLY_F16'],
  [2, 'MOSTLY_Q4_0'],
  [3, 'MOSTLY_Q4_1'],
  [7, 'MOSTLY_Q8_0'],
  [8, 'MOSTLY_Q5_0'],
  [9, 'MOSTLY_Q5_1'],
  [10, 'MOSTLY_Q2_K'],
  [11, 'MOSTLY_Q3_K_S'],
  [12, 'MOSTLY_Q3_K_M'],
  [13, 'MOSTLY_Q3_K_L'],
  [14, 'MOSTLY_Q4_K_S'],
  [15, 'MOSTLY_Q4_K_M'],
  [16, 'MOSTLY_Q5_K_S'],
  [17, 'MOSTLY_Q5_K_M'],
  [18, 'MOSTLY_Q6_K'],
  [19, 'MOSTLY_IQ2_XXS'],
  [20, 'MOSTLY_IQ2_XS'],
  [21, 'MOSTLY_Q2_K_S'],
  [22, 'MOSTLY_IQ3_XS'],
  [23, 'MOSTLY_IQ3_XXS'],
  [24, 'MOSTLY_IQ1_S'],
  [25, 'MOSTLY_IQ4_NL'],
  [26, 'MOSTLY_IQ3_S'],
  [27, 'MOSTLY_IQ3_M'],
  [28, 'MOSTLY_IQ2_S'],
  [29, 'MOSTLY_IQ2_M'],
  [30, 'MOSTLY_IQ4_XS'],
  [31, 'MOSTLY_IQ1_M'],
  [32, 'MOSTLY_BF16'],
  [36, 'MOSTLY_TQ1_0'],
  [37, 'MOSTLY_TQ2_0'],
  [38, 'MOSTLY_MXFP4_MOE'],
  [39, 'MOSTLY_NVFP4'],
  [40, 'MOSTLY_Q1_0'],
  [41, 'MOSTLY_Q2_0'],
]);
