export * from './py/pyvalue.js';
export type * from './dag/model.js';
