/**
 * A throwaway GitHub workspace for action-run-flow: a small flow mixing a Python
 * node and an LLM node, a dataset, and a connections file pointing at the fake
 * Azure OpenAI/OpenAI server. Tests add or break files as they need.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../../packages/github/test/support/env.js';

export const FLOW_YAML = `inputs:
  question:
    type: string
  tone:
    type: string
    default: plain
outputs:
  answer:
    type: string
    reference: \${ask.output}
  prepared:
    type: string
    reference: \${prep.output}
nodes:
- name: prep
  type: python
  source:
    type: code
    path: prep.py
  inputs:
    question: \${inputs.question}
    tone: \${inputs.tone}
- name: ask
  type: llm
  source:
    type: code
    path: ask.jinja2
  inputs:
    deployment_name: gpt-35-turbo
    question: \${prep.output}
  connection: aoai
  api: chat
`;

/** Raises on "explode" (a tool error on one line); reads QUESTION_SUFFIX from the flow's environment. */
export const PREP_PY = `import os
from promptflow.core import tool


@tool
def prep(question: str, tone: str = "plain") -> str:
    if question == "explode":
        raise ValueError(f"cannot prepare {question}")
    return f"{question}{os.environ.get('QUESTION_SUFFIX', '')} ({tone})"
`;

export const ASK_JINJA = `system:
Answer briefly.
user:
{{question}}
`;

export const QUESTIONS = ['alpha', 'beta', 'gamma'];

export class Workspace {
  readonly dir = tempDir('llmops-run-flow-ws-');

  constructor() {
    this.write('flow/flow.dag.yaml', FLOW_YAML);
    this.write('flow/prep.py', PREP_PY);
    this.write('flow/ask.jinja2', ASK_JINJA);
    this.data('data.jsonl', QUESTIONS.map((q, i) => ({ question: q, topic: `topic ${i}` })));
    this.write('output.txt', '');
  }

  path(relative: string): string {
    return join(this.dir, relative);
  }

  write(relative: string, text: string): string {
    const path = this.path(relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  read(relative: string): string {
    return readFileSync(this.path(relative), 'utf8');
  }

  data(relative: string, rows: unknown[]): string {
    return this.write(relative, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  /** Connections in our file format; the key comes from the environment, as a workflow passes a secret. */
  connections(apiBase: string, openaiBaseUrl: string, keyVariable: string): string {
    return this.write(
      'connections.yml',
      `aoai:\n  type: azure_open_ai\n  api_base: ${apiBase}\n  api_key: \${env:${keyVariable}}\n  api_version: 2024-02-01\n` +
        `oai:\n  type: open_ai\n  base_url: ${openaiBaseUrl}\n  api_key: \${env:${keyVariable}}\n`
    );
  }
}

/** Every file under a directory, recursively, as [path, text]. */
export function filesUnder(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push([path, readFileSync(path, 'utf8')]);
  }
  return out;
}

/** output.jsonl as objects (the run writes it with Python's json.dumps spacing). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
