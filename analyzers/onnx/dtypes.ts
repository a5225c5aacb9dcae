/**
 * ONNX tensor element types (`TensorProto.DataType` in onnx/onnx `onnx/onnx.in.proto`): the bits each
 * element takes in `raw_data`, and which typed field holds it otherwise with how many values per
 * element (complex numbers take two floats; 4-bit and 2-bit types pack two or four elements per int32).
 */
import { TENSOR } from './schema.js';

export interface OnnxDataType {
  readonly name: string;
  /** Bits per element in `raw_data`; undefined for STRING, which cannot use raw_data. */
  readonly bits: number | undefined;
  /** The typed field (`TENSOR.*Data`) that holds elements when raw_data is not used. */
  readonly typedField: number;
  /** Typed values per element, as a fraction: values = ceil(elements × num / den). */
  readonly num: number;
  readonly den: number;
}

const type = (name: string, bits: number | undefined, typedField: number, num = 1, den = 1): OnnxDataType => ({ name, bits, typedField, num, den });

const I32 = TENSOR.int32Data;

export const ONNX_DATA_TYPES: ReadonlyMap<number, OnnxDataType> = new Map([
  [1, type('FLOAT', 32, TENSOR.floatData)],
  [2, type('UINT8', 8, I32)],
  [3, type('INT8', 8, I32)],
  [4, type('UINT16', 16, I32)],
  [5, type('INT16', 16, I32)],
  [6, type('INT32', 32, I32)],
  [7, type('INT64', 64, TENSOR.int64Data)],
  [8, type('STRING', undefined, TENSOR.stringData)],
  [9, type('BOOL', 8, I32)],
  [10, type('FLOAT16', 16, I32)],
  [11, type('DOUBLE', 64, TENSOR.doubleData)],
  [12, type('UINT32', 32, TENSOR.uint64Data)],
  [13, type('UINT64', 64, TENSOR.uint64Data)],
  [14, type('COMPLEX64', 64, TENSOR.floatData, 2)],
  [15, type('COMPLEX128', 128, TENSOR.doubleData, 2)],
  [16, type('BFLOAT16', 16, I32)],
  [17, type('FLOAT8E4M3FN', 8, I32)],
  [18, type('FLOAT8E4M3FNUZ', 8, I32)],
  [19, type('FLOAT8E5M2', 8, I32)],
  [20, type('FLOAT8E5M2FNUZ', 8, I32)],
  [21, type('UINT4', 4, I32, 1, 2)],
  [22, type('INT4', 4, I32, 1, 2)],
  [23, type('FLOAT4E2M1', 4, I32, 1, 2)],
  [24, type('FLOAT8E8M0', 8, I32)],
  [25, type('UINT2', 2, I32, 1, 4)],
  [26, type('INT2', 2, I32, 1, 4)],
]);

/** Bytes `elements` take in raw_data (sub-byte types are packed, the last byte partly used). */
export function rawBytes(type: OnnxDataType, elements: number): number | undefined {
  return type.bits === undefined ? undefined : Math.ceil((elements * type.bits) / 8);
}

/** Typed values `elements` take in the type's typed field. */
export function typedValues(type: OnnxDataType, elements: number): number {
  return Math.ceil((elements * type.num) / type.den);
}
