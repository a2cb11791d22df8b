export * from './connection.js';
export * from './credentials.js';
