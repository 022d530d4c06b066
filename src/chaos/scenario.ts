import { ScenarioError } from '../errors.js';
import { parseCount, parseDuration } from '../units.js';
import { parseFaultTextAt, scenarioValue, type Fault } from './fault-spec.js';

/**
 * Scenario files: routes and timed phases of faults, as JSON. Parsing and the phase schedule
 * are pure; scenario-runner.ts applies them to a live proxy.
 *
 * {
 *   "seed": 7,
 *   "routes": [{ "name": "orders", "listen": "127.0.0.1:9000", "upstream": "127.0.0.1:8443", "faults": ["latency 20ms"] }],
 *   "phases": [
 *     { "name": "spike", "at": "5s", "for": "10s", "faults": ["latency 3000ms@0.15"] },
 *     { "afterConnections": 100, "faults": ["reset-after 64kb:up@0.1"], "route": "orders" },
 *     { "afterStreams": 500, "for": "2s", "faults": ["goaway-after 1"] }
 *   ]
 * }
 */

export interface ScenarioRoute {
  name?: string;
  listen?: string;
  upstream: string;
  faults: Fault[];
}

/** What starts a phase: a time since start, or a count of connections or streams. */
export type PhaseTrigger =
  | { kind: 'at'; ms: number }
  | { kind: 'afterConnections'; count: number }
  | { kind: 'afterStreams'; count: number };

export interface ScenarioPhase {
  name: string;
  trigger: PhaseTrigger;
  /** How long the phase's faults stay once started; undefined = until the end. */
  forMs?: number;
  /** Route the phase applies to; undefined = every route. */
  route?: string;
  /** Faults added while the phase is active, named `<phase>/<fault>`. */
  faults: Fault[];
}

export interface Scenario {
  seed?: number;
  routes: ScenarioRoute[];
  phases: ScenarioPhase[];
}

function fail(where: string, message: string): never {
  throw new ScenarioError(`${where}: ${message}`);
}

function parseFaultList(v: unknown, where: string, prefix: string): Fault[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(where, 'must be an array of fault strings (e.g. ["latency 100ms:down"])');
  return v.map((text, i) => {
    if (typeof text !== 'string') fail(`${where}[${i}]`, 'must be a string like "latency 100ms:down"');
    const f = parseFaultTextAt(text, undefined, `${where}[${i}]`);
    return { ...f, name: `${prefix}${f.name}${v.length > 1 ? `#${i + 1}` : ''}` };
  });
}

const phaseKeys = new Set(['name', 'at', 'afterConnections', 'afterStreams', 'for', 'route', 'faults']);
const routeKeys = new Set(['name', 'listen', 'upstream', 'faults']);

/**
 * Parses and validates a scenario file's text. `source` names the file in messages.
 * @throws ScenarioError, one line naming the file and the field
 */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(source, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(source, 'must be a JSON object with "routes" and/or "phases"');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['seed', 'routes', 'phases'].includes(k)) fail(source, `unknown key '${k}' (expected seed, routes, phases)`);
  let seed: number | undefined;
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isSafeInteger(o.seed)) fail(`${source}: seed`, 'must be an integer');
    seed = o.seed;
  }
  const routesIn = o.routes ?? [];
  if (!Array.isArray(routesIn)) fail(`${source}: routes`, 'must be an array');
  const routes = routesIn.map((r: unknown, i: number): ScenarioRoute => {
    const where = `${source}: routes[${i}]`;
    if (typeof r !== 'object' || r === null) fail(where, 'must be an object with "upstream"');
    const ro = r as Record<string, unknown>;
    for (const k of Object.keys(ro)) if (!routeKeys.has(k)) fail(where, `unknown key '${k}'`);
    if (typeof ro.upstream !== 'string' || !/:\d+$/.test(ro.upstream)) fail(`${where}.upstream`, 'must be "HOST:PORT"');
    if (ro.listen !== undefined && (typeof ro.listen !== 'string' || !/:\d+$/.test(ro.listen))) fail(`${where}.listen`, 'must be "HOST:PORT"');
    if (ro.name !== undefined && typeof ro.name !== 'string') fail(`${where}.name`, 'must be a string');
    return {
      name: ro.name as string | undefined, listen: ro.listen as string | undefined, upstream: ro.upstream,
      faults: parseFaultList(ro.faults, `${where}.faults`, ''),
    };
  });
  const phasesIn = o.phases ?? [];
  if (!Array.isArray(phasesIn)) fail(`${source}: phases`, 'must be an array');
  const names = new Set(routes.map((r) => r.name).filter((n) => n !== undefined));
  const phases = phasesIn.map((p: unknown, i: number): ScenarioPhase => {
    const where = `${source}: phases[${i}]`;
    if (typeof p !== 'object' || p === null) fail(where, 'must be an object');
    const po = p as Record<string, unknown>;
    for (const k of Object.keys(po)) if (!phaseKeys.has(k)) fail(where, `unknown key '${k}'`);
    const triggers = ['at', 'afterConnections', 'afterStreams'].filter((k) => po[k] !== undefined);
    if (triggers.length > 1) fail(where, `give one of at, afterConnections, afterStreams (got ${triggers.join(' and ')})`);
    const name = po.name === undefined ? `phase${i + 1}` : String(po.name);
    let trigger: PhaseTrigger = { kind: 'at', ms: 0 };
    if (po.at !== undefined) trigger = { kind: 'at', ms: scenarioValue(() => parseDuration(String(po.at), `${where}.at`)) };
    if (po.afterConnections !== undefined) trigger = { kind: 'afterConnections', count: scenarioValue(() => parseCount(String(po.afterConnections), `${where}.afterConnections`)) };
    if (po.afterStreams !== undefined) trigger = { kind: 'afterStreams', count: scenarioValue(() => parseCount(String(po.afterStreams), `${where}.afterStreams`)) };
    const forMs = po.for === undefined ? undefined : scenarioValue(() => parseDuration(String(po.for), `${where}.for`));
    if (po.route !== undefined && (typeof po.route !== 'string' || !names.has(po.route))) fail(`${where}.route`, `no route named '${String(po.route)}'`);
    const faults = parseFaultList(po.faults, `${where}.faults`, `${name}/`);
    if (faults.length === 0) fail(`${where}.faults`, 'a phase needs at least one fault');
    return { name, trigger, forMs, route: po.route as string | undefined, faults };
  });
  if (routes.length === 0 && phases.length === 0) fail(source, 'has neither routes nor phases');
  return { seed, routes, phases };
}

/** Progress of a run, as the phase schedule sees it. */
export interface ScenarioProgress {
  elapsedMs: number;
  connections: number;
  streams: number;
}

/** Per phase: when it started (elapsed ms) and whether it ended. */
export interface PhaseState {
  startedAt?: number;
  ended: boolean;
}

/** A phase starting or ending. */
export interface PhaseTransition {
  phase: number;
  action: 'start' | 'end';
}

/**
 * Which phases start or end at this point of the run; updates `states`. Pure: call it whenever
 * time passes or a connection or stream is counted.
 */
export function phaseTransitions(phases: readonly ScenarioPhase[], progress: ScenarioProgress, states: PhaseState[]): PhaseTransition[] {
  const out: PhaseTransition[] = [];
  phases.forEach((p, i) => {
    const s = (states[i] ??= { ended: false });
    if (s.startedAt === undefined) {
      const t = p.trigger;
      const due = t.kind === 'at' ? progress.elapsedMs >= t.ms
        : t.kind === 'afterConnections' ? progress.connections >= t.count
        : progress.streams >= t.count;
      if (!due) return;
      s.startedAt = progress.elapsedMs;
      out.push({ phase: i, action: 'start' });
    }
    if (!s.ended && p.forMs !== undefined && progress.elapsedMs >= s.startedAt + p.forMs) {
      s.ended = true;
      out.push({ phase: i, action: 'end' });
    }
  });
  return out;
}

/** The next elapsed time at which a phase may start or end by the clock (undefined: none). */
export function nextPhaseTime(phases: readonly ScenarioPhase[], states: readonly PhaseState[]): number | undefined {
  let next: number | undefined;
  phases.forEach((p, i) => {
    const s = states[i];
    let t: number | undefined;
    if (s?.startedAt === undefined) t = p.trigger.kind === 'at' ? p.trigger.ms : undefined;
    else if (!s.ended && p.forMs !== undefined) t = s.startedAt + p.forMs;
    if (t !== undefined && (next === undefined || t < next)) next = t;
  });
  return next;
}

/** The faults a route carries now: its own plus those of active phases aimed at it. */
export function activeFaults(base: readonly Fault[], phases: readonly ScenarioPhase[], states: readonly PhaseState[], route: string): Fault[] {
  const out = [...base];
  phases.forEach((p, i) => {
    const s = states[i];
    if (s?.startedAt !== undefined && !s.ended && (p.route === undefined || p.route === route)) out.push(...p.faults);
  });
  return out;
}
