export * from './pyvalue.js';
export * from './pyjson.js';
