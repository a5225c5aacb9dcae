/**
 * Field numbers of the ONNX messages the walker visits (onnx/onnx `onnx/onnx.in.proto`, summarised in
 * oci-model-formats.md §6.3). Only the fields a check needs are named; the rest are skipped unread.
 */

export const MODEL = { irVersion: 1, graph: 7, opsetImport: 8, trainingInfo: 20, functions: 25 } as const;

export const OPSET_ID = { domain: 1, version: 2 } as const;

export const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;

export const NODE = { name: 3, opType: 4, attribute: 5, domain: 7 } as const;

export const ATTRIBUTE = { name: 1, t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;

export const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;

export const FUNCTION = { name: 1, node: 7, domain: 10 } as const;

export const SPARSE_TENSOR = { values: 1, indices: 2 } as const;

export const TENSOR = {
  dims: 1,
  dataType: 2,
  segment: 3,
  floatData: 4,
  int32Data: 5,
  stringData: 6,
  int64Data: 7,
  name: 8,
  rawData: 9,
  doubleData: 10,
  uint64Data: 11,
  externalData: 13,
  dataLocation: 14,
} as const;

export const STRING_ENTRY = { key: 1, value: 2 } as const;

/** `TensorProto.DataLocation.EXTERNAL`. */
export const DATA_LOCATION_EXTERNAL = 1;
