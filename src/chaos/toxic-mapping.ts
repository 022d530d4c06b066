import { ScenarioError } from '../errors.js';
import { faultKinds, type Fault, type FaultDirection } from './fault-spec.js';

/**
 * Toxiproxy toxics ↔ our faults, with toxiproxy's type names, attribute names and units, so
 * existing toxiproxy clients drive the proxy unchanged. Frame faults are offered too, under
 * their own kind names with our field names as attributes. Pure.
 */

/** A toxic as toxiproxy's REST API spells it. */
export interface ToxicJson {
  name: string;
  type: string;
  /** `upstream` is client→server, `downstream` server→client (toxiproxy's default). */
  stream: 'upstream' | 'downstream' | 'both';
  toxicity: number;
  attributes: Record<string, number>;
}

function num(attrs: Record<string, unknown>, key: string, dflt: number): number {
  const v = attrs[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ScenarioError(`toxic attribute '${key}' must be a number ≥ 0`);
  return v;
}

/** Defaults of our own kinds offered as toxics (the same as the flags'). */
const ownDefaults: Record<string, Record<string, number>> = {
  'rst-stream': { p: 1, code: 0x7 },
  'goaway-after': { code: 0x0 },
  'withhold-window-update': { p: 1 },
  'drop-ping-ack': { p: 1 },
  'delay-settings-ack': { ms: 0 },
  stall: { p: 0.15, ms: 200 },
};

/** Converts a toxic body (as POSTed) to a fault. `name` and `stream` defaults follow toxiproxy. */
export function toxicToFault(body: Record<string, unknown>): Fault {
  const type = body.type;
  if (typeof type !== 'string') throw new ScenarioError('toxic: missing type');
  const stream = body.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream' && stream !== 'both') {
    throw new ScenarioError(`toxic: stream must be upstream or downstream, not '${String(stream)}'`);
  }
  const direction: FaultDirection = stream === 'upstream' ? 'up' : stream === 'downstream' ? 'down' : 'both';
  const toxicity = body.toxicity === undefined ? 1 : Number(body.toxicity);
  if (!(toxicity >= 0 && toxicity <= 1)) throw new ScenarioError('toxic: toxicity must be between 0 and 1');
  const name = typeof body.name === 'string' && body.name !== '' ? body.name : `${type}_${stream}`;
  const a = (body.attributes ?? {}) as Record<string, unknown>;
  const common = { name, direction, toxicity };
  switch (type) {
    case 'latency':
      return { ...common, kind: 'latency', ms: num(a, 'latency', 0), jitterMs: num(a, 'jitter', 0) };
    case 'bandwidth': {
      // toxiproxy's rate is in KB/s (1000 bytes).
      const rate = num(a, 'rate', 0);
      if (rate <= 0) throw new ScenarioError('toxic bandwidth: rate must be above 0');
      return { ...common, kind: 'bandwidth', bitsPerSecond: rate * 8000 };
    }
    case 'slow_close':
      return { ...common, kind: 'slow-close', ms: num(a, 'delay', 0) };
    case 'timeout': {
      const t = num(a, 'timeout', 0);
      return t > 0 ? { ...common, kind: 'blackhole', closeAfterMs: t } : { ...common, kind: 'blackhole' };
    }
    case 'reset_peer':
      return { ...common, kind: 'reset-after', afterMs: num(a, 'timeout', 0) };
    case 'slicer':
      return {
        ...common, kind: 'slice', size: Math.max(1, num(a, 'average_size', 1)), variation: num(a, 'size_variation', 0),
        delayMs: num(a, 'delay', 0) / 1000, // toxiproxy's slicer delay is in microseconds
      };
    case 'limit_data':
      return { ...common, kind: 'limit-data', bytes: num(a, 'bytes', 0) };
    default: {
      const kind = type.replace(/_/g, '-');
      if (!faultKinds.includes(kind as Fault['kind']) || ['latency', 'bandwidth', 'slice', 'blackhole'].includes(kind)) {
        throw new ScenarioError(`toxic: unknown type '${type}'`);
      }
      // Our own kinds: attributes are the fault's fields, over the flag defaults.
      const fields: Record<string, number> = { ...(ownDefaults[kind] ?? {}) };
      for (const k of Object.keys(a)) fields[k] = num(a, k, 0);
      if (kind === 'goaway-after' && fields.streams === undefined && fields.afterMs === undefined) {
        throw new ScenarioError('toxic goaway_after: give attributes.streams or attributes.afterMs');
      }
      return { ...fields, ...common, kind } as unknown as Fault;
    }
  }
}

/** Converts a fault to toxiproxy's toxic JSON. */
export function faultToToxic(f: Fault): ToxicJson {
  const stream = f.direction === 'up' ? 'upstream' : f.direction === 'down' ? 'downstream' : 'both';
  const base = { name: f.name, stream, toxicity: f.toxicity } as const;
  switch (f.kind) {
    case 'latency':
      return { ...base, type: 'latency', attributes: { latency: f.ms, jitter: f.jitterMs } };
    case 'bandwidth':
      return { ...base, type: 'bandwidth', attributes: { rate: f.bitsPerSecond / 8000 } };
    case 'slow-close':
      return { ...base, type: 'slow_close', attributes: { delay: f.ms } };
    case 'blackhole':
      return { ...base, type: 'timeout', attributes: { timeout: f.closeAfterMs ?? 0 } };
    case 'reset-after':
      return f.afterMs !== undefined
        ? { ...base, type: 'reset_peer', attributes: { timeout: f.afterMs } }
        : { ...base, type: 'reset_after', attributes: { afterBytes: f.afterBytes ?? 0 } };
    case 'slice':
      return { ...base, type: 'slicer', attributes: { average_size: f.size, size_variation: f.variation, delay: f.delayMs * 1000 } };
    case 'limit-data':
      return { ...base, type: 'limit_data', attributes: { bytes: f.bytes } };
    default: {
      const { name: _n, direction: _d, toxicity: _t, kind, ...rest } = f;
      return { ...base, type: kind.replace(/-/g, '_'), attributes: rest as Record<string, number> };
    }
  }
}
