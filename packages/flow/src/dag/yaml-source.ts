/**
 * A flow YAML file parsed once, keeping each node's position so that every
 * error can name its line. Values come out with Python semantics: a YAML
 * float such as `1.0` stays a float (PyFloat), as Prompt flow's YAML loader
 * would give it, instead of collapsing into the JavaScript number 1.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { pyFloat } from '../py/pyvalue.js';
import { flowError } from './errors.js';

export type YamlPath = ReadonlyArray<string | number>;

export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter
  ) {}

  /** Parse YAML text; a syntax error (or duplicate key) is a UserError naming the line. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first) {
      const line = lines.linePos(first.pos[0]).line;
      throw flowError('YAMLParseError', `Failed to parse ${file}: ${first.message.split('\n')[0]}`, { file, line });
    }
    return new YamlSource(file, doc, lines);
  }

  /** The whole document with Python value semantics (integral floats boxed as PyFloat). */
  toPython(): unknown {
    return convert(this.doc.contents, this.doc);
  }

  /**
   * The 1-based line where `path` is written: the key's line for a mapping
   * entry, the item's line for a list entry. A missing entry points at its
   * nearest existing parent (e.g. the output that lacks `reference`).
   */
  lineOf(path: YamlPath): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = nodeAt(this.doc.contents, path.slice(0, depth));
      if (node?.range) return this.lines.linePos(node.range[0]).line;
    }
    return undefined;
  }
}

/** The node written at `path`: a mapping entry's key, a list item, or the document root. */
function nodeAt(root: unknown, path: YamlPath): YamlNode | undefined {
  let node = root;
  let located = root;
  for (const key of path) {
    if (isAlias(node)) return undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && scalarKey(item.key) === String(key));
      if (!pair) return undefined;
      located = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      located = node;
    } else {
      return undefined;
    }
    if (located === undefined || located === null) return undefined;
  }
  return located as YamlNode;
}

function scalarKey(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** A plain scalar whose source text spells a float (`1.0`, `1e3`, `.inf`), as YAML 1.2's float tag resolves it. */
const FLOAT_SOURCE = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const INT_SOURCE = /^[-+]?[0-9]+$|^0o[0-7]+$|^0x[0-9a-fA-F]+$/;

function convert(node: unknown, doc: Document.Parsed): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convert(node.resolve(doc), doc);
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'number' && node.type === 'PLAIN' && node.source !== undefined) {
      if (!INT_SOURCE.test(node.source) && FLOAT_SOURCE.test(node.source)) return pyFloat(value);
    }
    return value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const item of node.items) {
      const key = isScalar(item.key) ? item.key.value : item.key;
      out[String(key)] = convert(item.value, doc);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => convert(item, doc));
  return node;
}
