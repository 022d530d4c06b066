import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { ConfigError, H2DoctorError, ScenarioError, fromSystemError } from '../errors.js';
import { version } from '../version.js';
import type { ChaosProxy } from './start-chaos.js';
import type { ChaosRoute } from './route.js';
import { parseHostPort } from './route.js';
import { faultToToxic, toxicToFault } from './toxic-mapping.js';

/**
 * The core of toxiproxy's REST API (proxies, toxics, populate, reset, version) over a
 * ChaosProxy, so existing toxiproxy clients drive it. Error bodies follow toxiproxy:
 * `{"error": "...", "status": N}`.
 */

class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function proxyJson(r: ChaosRoute) {
  return {
    name: r.name,
    listen: r.listenAddress,
    upstream: r.upstream,
    enabled: r.enabled,
    toxics: r.faults().faults.map(faultToToxic),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'bad request body: not JSON');
  }
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ApiError(400, `missing ${what}`);
  return v;
}

export interface ToxiproxyApi {
  /** `http://host:port` of the API. */
  readonly url: string;
  close(): Promise<void>;
}

type Reply = (status: number, body?: unknown) => void;

function replyTo(res: ServerResponse): Reply {
  return (status, body) => {
    if (body === undefined) {
      res.writeHead(status).end();
    } else {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }).end(text);
    }
  };
}

async function createRoute(proxy: ChaosProxy, body: Record<string, unknown>): Promise<ChaosRoute> {
  const name = str(body.name, 'proxy name');
  if (proxy.routes.has(name)) throw new ApiError(409, 'proxy already exists');
  const listenAt = str(body.listen, 'listen address');
  const upstream = str(body.upstream, 'upstream address');
  parseHostPort(upstream, 'upstream');
  const route = await proxy.addRoute({ name, listen: listenAt, upstream });
  if (body.enabled === false) await route.close();
  return route;
}

/** One API request: `/version`, `/reset`, `/populate`, `/proxies[/NAME[/toxics[/TOXIC]]]`. */
async function handleApi(proxy: ChaosProxy, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? 'GET';
  const send = replyTo(res);
  if (parts[0] === 'version' && method === 'GET') return send(200, `${version}`);
  if (parts[0] === 'reset' && method === 'POST') {
    for (const r of proxy.routes.values()) {
      r.setFaults([]);
      if (!r.enabled) await r.listen(r.listenAddress);
    }
    return send(204);
  }
  if (parts[0] === 'populate' && method === 'POST') {
    const body = await readJson(req);
    const list = (Array.isArray(body) ? body : (body as { proxies?: unknown }).proxies) as Array<Record<string, unknown>> | undefined;
    if (!Array.isArray(list)) throw new ApiError(400, 'populate: expected an array of proxies');
    const out = [];
    for (const p of list) {
      const name = str(p.name, 'proxy name');
      if (proxy.routes.has(name)) await proxy.removeRoute(name);
      out.push(proxyJson(await createRoute(proxy, p)));
    }
    return send(201, { proxies: out });
  }
  if (parts[0] !== 'proxies') throw new ApiError(404, 'not found');
  if (parts.length === 1) {
    if (method === 'GET') return send(200, Object.fromEntries([...proxy.routes.values()].map((r) => [r.name, proxyJson(r)])));
    if (method === 'POST') return send(201, proxyJson(await createRoute(proxy, (await readJson(req)) as Record<string, unknown>)));
    throw new ApiError(405, 'method not allowed');
  }
  const route = proxy.routes.get(parts[1]!);
  if (!route) throw new ApiError(404, 'proxy not found');
  if (parts.length === 2) return handleProxy(proxy, route, method, req, send);
  if (parts[2] !== 'toxics') throw new ApiError(404, 'not found');
  return handleToxics(route, parts[3], method, req, send);
}

/** `/proxies/NAME`: read, delete, or update (upstream, listen address, enabled). */
async function handleProxy(proxy: ChaosProxy, route: ChaosRoute, method: string, req: IncomingMessage, send: Reply): Promise<void> {
  if (method === 'GET') return send(200, proxyJson(route));
  if (method === 'DELETE') {
    await proxy.removeRoute(route.name);
    return send(204);
  }
  if (method === 'POST' || method === 'PATCH') {
    const body = (await readJson(req)) as Record<string, unknown>;
    if (typeof body.upstream === 'string') {
      parseHostPort(body.upstream, 'upstream');
      route.upstream = body.upstream;
    }
    const newListen = typeof body.listen === 'string' && body.listen !== route.listenAddress ? body.listen : undefined;
    if (newListen !== undefined || body.enabled === false) await route.close();
    if (newListen !== undefined || (body.enabled === true && !route.enabled)) await route.listen(newListen ?? route.listenAddress);
    return send(200, proxyJson(route));
  }
  throw new ApiError(405, 'method not allowed');
}

/** `/proxies/NAME/toxics[/TOXIC]`: list, add, read, delete, update (attributes merge). */
async function handleToxics(route: ChaosRoute, name: string | undefined, method: string, req: IncomingMessage, send: Reply): Promise<void> {
  const faults = route.faults().faults;
  if (name === undefined) {
    if (method === 'GET') return send(200, faults.map(faultToToxic));
    if (method === 'POST') {
      const fault = toxicToFault((await readJson(req)) as Record<string, unknown>);
      if (faults.some((f) => f.name === fault.name)) throw new ApiError(409, 'toxic already exists');
      route.setFaults([...faults, fault]);
      return send(200, faultToToxic(fault));
    }
    throw new ApiError(405, 'method not allowed');
  }
  const existing = faults.find((f) => f.name === name);
  if (!existing) throw new ApiError(404, 'toxic not found');
  if (method === 'GET') return send(200, faultToToxic(existing));
  if (method === 'DELETE') {
    route.setFaults(faults.filter((f) => f !== existing));
    return send(204);
  }
  if (method === 'POST' || method === 'PATCH') {
    // An update merges attributes into the toxic's current ones (toxiproxy semantics).
    const body = (await readJson(req)) as Record<string, unknown>;
    const cur = faultToToxic(existing);
    const merged = toxicToFault({
      ...cur,
      toxicity: body.toxicity ?? cur.toxicity,
      stream: body.stream ?? cur.stream,
      attributes: { ...cur.attributes, ...((body.attributes ?? {}) as object) },
    });
    route.setFaults(faults.map((f) => (f === existing ? merged : f)));
    return send(200, faultToToxic(merged));
  }
  throw new ApiError(405, 'method not allowed');
}

/** Serves the toxiproxy-compatible API for `proxy` on `listen` (e.g. `127.0.0.1:8474`). */
export async function startToxiproxyApi(proxy: ChaosProxy, listen: string, signal?: AbortSignal): Promise<ToxiproxyApi> {
  const { host, port } = parseHostPort(listen, '--api');
  const server: Server = http.createServer((req, res) => {
    handleApi(proxy, req, res).catch((err: unknown) => {
      const status = err instanceof ApiError ? err.status : err instanceof ScenarioError || err instanceof ConfigError ? 400 : err instanceof H2DoctorError ? 409 : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: message, status }));
    });
  });
  server.listen({ host, port, signal });
  try {
    await once(server, 'listening');
  } catch (err) {
    throw fromSystemError(err, `listen ${listen}`);
  }
  const a = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
