import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A small GitHub REST API on 127.0.0.1 (port chosen by the OS) with the shapes the
 * adapter uses: issue comments (Link-header pagination), commit → PRs, repository,
 * workflow runs, run artifacts and the artifact zip download (302 to a "blob" URL
 * serving a real zip). It records every request and can be told to fail.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: any;
  authorization?: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: string };
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface FakeRun {
  id: number;
  workflow_id: number;
  workflowFile: string;
  head_branch: string;
  head_sha: string;
  conclusion: 'success' | 'failure';
  artifacts: { id: number; name: string; files: Record<string, string>; expired?: boolean }[];
}

/** GitHub's body for a token that lacks a permission (e.g. a fork PR's read-only token). */
export const FORBIDDEN_BODY = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  status: '403'
};

type Route = 'listComments' | 'createComment' | 'updateComment' | 'commitPulls' | 'getRepo' | 'getRun' | 'listRuns' | 'listArtifacts' | 'downloadArtifact' | 'blob';

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Comments by issue number, oldest first. */
  readonly comments = new Map<number, FakeComment[]>();
  /** Open/closed PRs returned for a commit sha. */
  readonly commitPulls = new Map<string, any[]>();
  readonly runs: FakeRun[] = [];
  defaultBranch = 'main';
  /** Routes that answer with a forced status and body. */
  readonly failures = new Map<Route, { status: number; body: unknown }>();
  private nextId = 1000;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Answer `route` with GitHub's 403 "Resource not accessible by integration". */
  forbid(route: Route): void {
    this.failures.set(route, { status: 403, body: FORBIDDEN_BODY });
  }

  fail(route: Route, status: number, body: unknown): void {
    this.failures.set(route, { status, body });
  }

  reset(): void {
    this.requests.length = 0;
    this.comments.clear();
    this.commitPulls.clear();
    this.runs.length = 0;
    this.failures.clear();
  }

  /** Adds a comment as someone else would have written it. */
  addComment(issue: number, body: string, user = { login: 'octocat', type: 'User' }): FakeComment {
    const now = new Date().toISOString();
    const id = this.nextId++;
    const comment = { id, body, user, html_url: `https://github.com/o/r/pull/${issue}#issuecomment-${id}`, created_at: now, updated_at: now };
    const list = this.comments.get(issue) ?? [];
    list.push(comment);
    this.comments.set(issue, list);
    return comment;
  }

  requestsTo(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams.entries());
    const text = await readBody(req);
    const body = text ? JSON.parse(text) : undefined;
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, body, authorization: req.headers.authorization });

    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(data));
    };
    const route = (name: Route): boolean => {
      const failure = this.failures.get(name);
      if (failure) send(failure.status, failure.body);
      return !failure;
    };
    const m = (re: RegExp) => url.pathname.match(re);
    let match: RegExpMatchArray | null;

    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) {
      if (!route('listComments')) return;
      const all = this.comments.get(Number(match[1])) ?? [];
      const perPage = Math.min(Number(query.per_page ?? 30), 100);
      const page = Number(query.page ?? 1);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) => {
        const u = new URL(url.toString());
        u.searchParams.set('per_page', String(perPage));
        u.searchParams.set('page', String(p));
        return `<${u.toString()}>; rel="${rel}"`;
      };
      const links: string[] = [];
      if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
      if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
      return send(200, slice, links.length ? { link: links.join(', ') } : {});
    }
    if (req.method === 'POST' && (match = m(/^\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/))) {
      if (!route('createComment')) return;
      if (typeof body?.body !== 'string') return send(422, { message: 'Invalid request.\n\n"body" wasn\'t supplied.', status: '422' });
      if (body.body.length > 65536) return send(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }], status: '422' });
      const comment = this.addComment(Number(match[1]), body.body, { login: 'github-actions[bot]', type: 'Bot' });
      return send(201, comment);
    }
    if (req.method === 'PATCH' && (match = m(/^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/))) {
      if (!route('updateComment')) return;
      const id = Number(match[1]);
      const comment = [...this.comments.values()].flat().find((c) => c.id === id);
      if (!comment) return send(404, { message: 'Not Found', status: '404' });
      if (body.body.length > 65536) return send(422, { message: 'Validation Failed', status: '422' });
      comment.body = body.body;
      comment.updated_at = new Date().toISOString();
      return send(200, comment);
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/commits\/([^/]+)\/pulls$/))) {
      if (!route('commitPulls')) return;
      return send(200, this.commitPulls.get(match[1]!) ?? []);
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/([^/]+)\/([^/]+)$/))) {
      if (!route('getRepo')) return;
      return send(200, { name: match[2], full_name: `${match[1]}/${match[2]}`, default_branch: this.defaultBranch });
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)$/))) {
      if (!route('getRun')) return;
      const run = this.runs.find((r) => r.id === Number(match![1]));
      return run ? send(200, this.runJson(run)) : send(404, { message: 'Not Found', status: '404' });
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/actions\/workflows\/([^/]+)\/runs$/))) {
      if (!route('listRuns')) return;
      const wf = decodeURIComponent(match[1]!);
      const known = this.runs.some((r) => r.workflowFile === wf || String(r.workflow_id) === wf);
      if (!known) return send(404, { message: 'Not Found', status: '404' });
      const runs = this.runs
        .filter((r) => r.workflowFile === wf || String(r.workflow_id) === wf)
        .filter((r) => !query.branch || r.head_branch === query.branch)
        .filter((r) => !query.status || r.conclusion === query.status)
        .sort((a, b) => b.id - a.id)
        .slice(0, Number(query.per_page ?? 30));
      return send(200, { total_count: runs.length, workflow_runs: runs.map((r) => this.runJson(r)) });
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/artifacts$/))) {
      if (!route('listArtifacts')) return;
      const run = this.runs.find((r) => r.id === Number(match![1]));
      const artifacts = (run?.artifacts ?? [])
        .filter((a) => !query.name || a.name === query.name)
        .map((a) => ({ id: a.id, name: a.name, expired: a.expired ?? false, size_in_bytes: 1, workflow_run: { id: run!.id, head_sha: run!.head_sha } }));
      return send(200, { total_count: artifacts.length, artifacts });
    }
    if (req.method === 'GET' && (match = m(/^\/repos\/[^/]+\/[^/]+\/actions\/artifacts\/(\d+)\/zip$/))) {
      if (!route('downloadArtifact')) return;
      res.writeHead(302, { location: `${this.url}/blob/artifact-${match[1]}.zip?sig=secret` });
      return void res.end();
    }
    if (req.method === 'GET' && (match = m(/^\/blob\/artifact-(\d+)\.zip$/))) {
      if (!route('blob')) return;
      const artifact = this.runs.flatMap((r) => r.artifacts).find((a) => a.id === Number(match![1]));
      if (!artifact) return send(404, { message: 'BlobNotFound' });
      const zip = buildZip(artifact.files);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zip.length) });
      return void res.end(zip);
    }
    send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  private runJson(run: FakeRun) {
    return {
      id: run.id,
      name: 'eval',
      workflow_id: run.workflow_id,
      head_branch: run.head_branch,
      head_sha: run.head_sha,
      status: 'completed',
      conclusion: run.conclusion,
      html_url: `https://github.com/o/r/actions/runs/${run.id}`,
      path: `.github/workflows/${run.workflowFile}`
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A real zip archive (deflated entries, no data descriptors), as artifact storage serves. */
export function buildZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, packed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Object.keys(files).length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
