/**
 * `ValueType.parse` (`contracts/tool.py`) with Python semantics, and the
 * per-line flow-input preparation of `FlowValidator.ensure_flow_inputs_type`
 * (defaults for absent keys, then conversion). A bad input fails its line
 * with Prompt flow's InputNotFound / InputTypeError / InputParseError message.
 */
import { isPlainObject, isPyFloat, pyFloat, pyRepr, pyStr } from '../py/pyvalue.js';
import { LineError } from './errors.js';
import { jsonLoads } from './json-loads.js';
import type { Flow, ValueTypeName } from './model.js';

/** A conversion failure, named after the Python exception `ValueType.parse` would raise. */
export class ValueTypeError extends Error {
  constructor(
    readonly pythonType: 'ValueError' | 'TypeError' | 'OverflowError' | 'JSONDecodeError',
    message: string
  ) {
    super(message);
    this.name = pythonType;
  }
}

/** Convert `value` to `type` as Python's `ValueType(type).parse(value)`; throws ValueTypeError. */
export function parseValueType(type: ValueTypeName, value: unknown): unknown {
  switch (type) {
    case 'int':
      return pyInt(value);
    case 'double':
      return pyFloat(pyFloatValue(value));
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) return value.toLowerCase() === 'true';
      throw new ValueTypeError('ValueError', `Invalid boolean value ${pyRepr(value)}`);
    case 'string':
      return pyStr(value);
    case 'list': {
      const parsed = typeof value === 'string' ? decodeJson(value) : value;
      if (!Array.isArray(parsed)) throw new ValueTypeError('ValueError', `Invalid list value ${pyRepr(parsed)}`);
      return parsed;
    }
    case 'object':
      if (typeof value === 'string') {
        try {
          return jsonLoads(value);
        } catch {
          // Prompt flow keeps the string: it may really be a string.
        }
      }
      return value;
    default:
      return value;
  }
}

function decodeJson(text: string): unknown {
  try {
    return jsonLoads(text);
  } catch (error) {
    throw new ValueTypeError('JSONDecodeError', error instanceof Error ? error.message : String(error));
  }
}

/** Python's `int(v)`: ints kept, floats truncated, strings parsed as base-10 integer literals. */
function pyInt(value: unknown): number | bigint {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || isPyFloat(value)) {
    const n = typeof value === 'number' ? value : value.value;
    if (Number.isNaN(n)) throw new ValueTypeError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(n)) throw new ValueTypeError('OverflowError', 'cannot convert float infinity to integer');
    const truncated = Math.trunc(n);
    return Number.isSafeInteger(truncated) ? truncated + 0 : BigInt(truncated);
  }
  if (typeof value === 'string') {
    const text = value.normalize('NFKC').trim();
    if (!/^[+-]?[0-9]+(_[0-9]+)*$/.test(text)) {
      throw new ValueTypeError('ValueError', `invalid literal for int() with base 10: ${pyRepr(value)}`);
    }
    const big = BigInt(text.replace(/_/g, ''));
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  throw new ValueTypeError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`);
}

/** Python's `float(v)` as a JavaScript number (the caller boxes it). */
function pyFloatValue(value: unknown): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (isPyFloat(value)) return value.value;
  if (typeof value === 'string') {
    const text = value.normalize('NFKC').trim();
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(text);
    if (special) return special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
    const digits = '[0-9](?:_?[0-9])*';
    const number = new RegExp(`^[+-]?(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?$`);
    if (!number.test(text)) throw new ValueTypeError('ValueError', `could not convert string to float: ${pyRepr(value)}`);
    return Number(text.replace(/_/g, ''));
  }
  throw new ValueTypeError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'dict';
  if (typeof value === 'string') return 'str';
  return typeof value;
}

/**
 * Prepare one line's flow inputs: fill defaults for absent keys (only non-null
 * defaults), require every declared input, then convert each to its type.
 * Keys not declared by the flow are kept as they are. `lineNumber` goes into
 * the messages, as Prompt flow's `idx`.
 */
export function coerceFlowInputs(flow: Pick<Flow, 'inputs'>, inputs: Record<string, unknown>, lineNumber?: number): Record<string, unknown> {
  const withDefaults: Record<string, unknown> = { ...inputs };
  for (const def of flow.inputs) {
    if (!(def.name in withDefaults) && def.default !== undefined && def.default !== null) withDefaults[def.name] = def.default;
  }
  for (const def of flow.inputs) {
    if (!(def.name in withDefaults)) {
      throw new LineError(
        'InputNotFound',
        "The input for flow is incorrect. The value for flow input '{input_name}' is not provided {line_info}. " +
          "Please review your input data or remove this input in your flow if it's no longer needed.",
        { input_name: def.name, line_info: lineNumber === undefined ? 'in input data' : `in line ${lineNumber} of input data` }
      );
    }
  }
  const result: Record<string, unknown> = { ...withDefaults };
  for (const def of flow.inputs) result[def.name] = parseFlowInputValue(def.name, withDefaults[def.name], def.type, lineNumber);
  return result;
}

/** `FlowValidator._parse_input_value`: one flow input, with Prompt flow's error for a bad value. */
export function parseFlowInputValue(name: string, value: unknown, type: ValueTypeName, lineNumber?: number): unknown {
  const flowInputInfo = `'${name}'${lineNumber === undefined ? '' : ` in line ${lineNumber} of input data`}`;
  try {
    return parseValueType(type, value);
  } catch (error) {
    if (error instanceof ValueTypeError && error.pythonType === 'JSONDecodeError') {
      throw new LineError(
        'InputParseError',
        'Failed to parse the flow input. The value for flow input {flow_input_info} was interpreted as JSON string since its type is ' +
          "'{value_type}'. However, the value '{input_value}' is invalid for JSON parsing. Error details: {error_type_and_message}. " +
          'Please make sure your inputs are properly formatted.',
        { flow_input_info: flowInputInfo, input_value: pyStr(value), value_type: type, error_type_and_message: `(JSONDecodeError) ${error.message}` },
        { cause: error }
      );
    }
    throw new LineError(
      'InputTypeError',
      "The input for flow is incorrect. The value for flow input {flow_input_info} does not match the expected type '{expected_type}'. " +
        'Please change flow input type or adjust the input value in your input data.',
      { flow_input_info: flowInputInfo, expected_type: type },
      { cause: error }
    );
  }
}


