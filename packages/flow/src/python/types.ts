import type { Connection } from '../connections/model.js';

/** One parameter of a Python tool, as the worker reads it with `inspect.signature`. */
export interface PythonParamMeta {
  name: string;
  /**
   * The declared type: a builtin name (`str`, `int`, `float`, `bool`, `list`, `dict`), a Prompt flow
   * type (`PromptTemplate`, `Secret`, `FilePath`, `Image`, `AssistantDefinition`), a connection class
   * (`AzureOpenAIConnection`, …), `A | B` for a Union, a generic's repr (`typing.List[str]`),
   * `module.Class` for any other class, or null when unannotated. `Optional[T]` is reported as `T`.
   */
  annotation: string | null;
  /** The annotation was a string (PEP 563 / quoted): Prompt flow then treats the parameter as `object`. */
  stringAnnotation?: boolean;
  hasDefault: boolean;
  /** The default value, as JSON (absent when there is none). */
  default?: unknown;
  /** Unannotated with a default: the default's type, which Prompt flow uses instead. */
  inferredType?: string;
  /** Enum-typed: the allowed values (Prompt flow treats these as strings). */
  enum?: string[];
  /** Connection-typed: the accepted connection class names (a custom strong type counts as CustomConnection). */
  connection?: string[];
  /** Custom strong-type connection class names, when the parameter uses them. */
  customType?: string[];
}

/** What `load` learns about a tool file. */
export interface PythonToolMeta {
  /** The Python function's name. */
  function: string;
  /** The tool name: `@tool(name=…)` or the function's qualified name (`MyTool.call` for a method). */
  name: string;
  /** The ToolProvider class for a class tool, else null. */
  className: string | null;
  description: string | null;
  isAsync: boolean;
  isGenerator: boolean;
  /** The function takes `**kwargs`. */
  enableKwargs: boolean;
  /** The tool function's parameters in order (without `self`, `*args`, `**kwargs`). */
  parameters: PythonParamMeta[];
  /** A class tool's `__init__` parameters, which must be literal node inputs. */
  initParameters: PythonParamMeta[];
}

export interface PythonMetric {
  key: string;
  value: unknown;
}

export interface PythonCallRequest {
  /** The node name, used in errors and to keep one class-tool instance per node. */
  node: string;
  /** The tool's `.py` file, relative to the flow dir or absolute. */
  toolPath: string;
  /** Resolved node inputs, passed as `f(**kwargs)`. */
  kwargs: Record<string, unknown>;
  /** Connections the inputs may name; a connection-typed parameter receives the object. */
  connections?: Connection[];
  /** Inputs that become connection objects whatever their annotation (literal inputs naming a connection). */
  connectionInputs?: string[];
  /** A class tool's `__init__` arguments (literal node inputs). */
  initArgs?: Record<string, unknown>;
  /** Aborting kills the worker running the call (it is replaced) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface PythonCallResult {
  value: unknown;
  /** What the tool printed, in Prompt flow's node-log form (`[<UTC time>] text`). */
  stdout: string;
  stderr: string;
  /** The `log_metric` calls made during the call, in order. */
  metrics: PythonMetric[];
}
