/**
 * The worker protocol: one JSON object a line each way. Values cross as Python-style JSON so
 * that a Python float stays a float (`1.0` ↔ PyFloat) and NaN/Infinity survive.
 */
import { dumpsPy, parsePyJson } from '../py/pyjson.js';

export type WorkerOp = 'ping' | 'load' | 'call' | 'metrics';

export interface WorkerRequest {
  id: number;
  op: WorkerOp;
  [field: string]: unknown;
}

/** Where a failure happened: the tool's own code, loading the file, a class tool's __init__, … */
export type WorkerErrorKind = 'tool' | 'load' | 'missing' | 'init' | 'serialize' | 'protocol';

export interface WorkerErrorPayload {
  kind: WorkerErrorKind;
  /** The Python exception type name, e.g. `ValueError`. */
  type: string;
  message: string;
  traceback: string;
}

export interface WorkerReply {
  id: number | null;
  ok: boolean;
  value?: unknown;
  error?: WorkerErrorPayload;
  stdout?: string;
  stderr?: string;
  metrics?: { key: string; value: unknown }[];
}

/** A request as one protocol line (newline included). */
export function encodeRequest(request: WorkerRequest): string {
  return `${dumpsPy(request)}\n`;
}

/** A reply line from the worker. */
export function decodeReply(line: string): WorkerReply {
  return parsePyJson(line) as WorkerReply;
}
