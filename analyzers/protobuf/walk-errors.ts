/**
 * What stops a protobuf walk becomes a finding next to those already found, instead of an exception
 * that would make the engine drop them: broken wire data (or text format) is the family's `malformed` rule, a limit is
 * the engine's `limit-exceeded` (worded as the engine words it).
 */
import { ENGINE_RULES, LimitExceededError } from '../engine-rules.js';
import type { Rule } from '../finding.js';
import type { FindingSink } from '../finding-budget.js';
import { TextFormatError } from './text-format.js';
import { WireFormatError } from './wire-reader.js';

/** Reports `error` to `sink` when it is a wire-format, text-format or limit error; rethrows anything else. */
export function reportWalkError(error: unknown, sink: FindingSink, malformed: Rule, analyzer: string): void {
  if (error instanceof WireFormatError || error instanceof TextFormatError)
    sink.add(malformed, { message: `${error.message}; the rest of the file was not analysed`, location: `offset ${error.offset}` });
  else if (error instanceof LimitExceededError)
    sink.add(ENGINE_RULES.limitExceeded, {
      message: `${error.message}; the rest of the file was not analysed`,
      details: { limit: error.limit, value: error.value, max: error.max, analyzer },
    });
  else throw error;
}
