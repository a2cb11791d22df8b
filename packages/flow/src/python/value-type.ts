import { CONNECTION_CLASS_NAMES } from '../connections/model.js';
import type { PythonParamMeta } from './types.js';

/** Prompt flow's `ValueType` for a tool parameter, plus `connection` for connection classes. */
export type PythonValueType =
  | 'int' | 'double' | 'bool' | 'string' | 'list' | 'object'
  | 'secret' | 'prompt_template' | 'file_path' | 'image' | 'assistant_definition'
  | 'connection';

const CONNECTION_NAMES = new Set([...Object.values(CONNECTION_CLASS_NAMES), 'CustomConnection', 'BingConnection']);

/** `ValueType.from_type` (contracts/tool.py): exact types only, so `dict` and `List[str]` are `object`. */
const VALUE_TYPES: Record<string, PythonValueType> = {
  int: 'int',
  float: 'double',
  bool: 'bool',
  str: 'string',
  list: 'list',
  Secret: 'secret',
  PromptTemplate: 'prompt_template',
  FilePath: 'file_path',
  Image: 'image',
  AssistantDefinition: 'assistant_definition'
};

/**
 * The value type Prompt flow gives a Python tool parameter (`param_to_definition` in
 * _utils/tool_utils.py): str→string, int→int, float→double, bool→bool, list→list, dict,
 * generics and unannotated→object, connection classes (or a Union of them)→connection.
 * Given a parameter, an unannotated one with a default takes its default's type, an enum
 * is a string, and a quoted annotation is object, as in Prompt flow.
 */
export function pythonParamValueType(annotationOrParam: string | null | undefined | PythonParamMeta): PythonValueType {
  if (annotationOrParam !== null && typeof annotationOrParam === 'object') {
    const param = annotationOrParam;
    if (param.connection?.length) return 'connection';
    if (param.enum) return 'string';
    if (param.stringAnnotation) return 'object';
    return pythonParamValueType(param.annotation ?? param.inferredType ?? null);
  }
  const annotation = annotationOrParam?.trim();
  if (!annotation) return 'object';
  const members = annotation.split('|').map((s) => s.trim());
  if (members.length > 1) return members.every((m) => CONNECTION_NAMES.has(m)) ? 'connection' : 'object';
  if (CONNECTION_NAMES.has(annotation)) return 'connection';
  return VALUE_TYPES[annotation] ?? 'object';
}
