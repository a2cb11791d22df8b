export * from './pyvalue.js';
export * from './pyjson.js';
export { PyFormatError, formatSpec, percentFormat, strFormat, toFixedPy, type FieldAccess } from './pyformat.js';
