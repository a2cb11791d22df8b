/**
 * `json.loads` for flow inputs of type list/object. Python keeps `1.0` a float
 * and accepts NaN/Infinity; the shared Python-JSON parser provides that.
 */
export class JsonDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JSONDecodeError';
  }
}

export function jsonLoads(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new JsonDecodeError(error instanceof Error ? error.message : String(error));
  }
}
