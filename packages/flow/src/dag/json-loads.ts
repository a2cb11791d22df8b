/**
 * `json.loads` for flow inputs of type list/object: the shared Python-JSON
 * parser keeps `1.0` a float, accepts NaN/Infinity, and raises Python's
 * JSONDecodeError messages (`Expecting value: line 1 column 1 (char 0)`).
 */
export { parsePyJson as jsonLoads } from '../py/pyjson.js';
