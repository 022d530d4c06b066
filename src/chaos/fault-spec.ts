import { ConfigError, H2ErrorCode, ScenarioError } from '../errors.js';
import { parseBitRate, parseCount, parseDuration, parseProbability, parseSize } from '../units.js';

/**
 * The fault model and its text grammar, shared by the CLI flags, scenario files and the
 * library. Grammar of one fault value:
 *
 *   VALUE[,key=value…][:up|:down][@P]
 *
 * `:up` limits the fault to client→server bytes, `:down` to server→client; `@P` applies it to
 * a fraction P of connections (toxiproxy's "toxicity"). Pure: no I/O.
 */

/** Which byte stream a fault applies to: `up` is client→server, `down` is server→client. */
export type FaultDirection = 'up' | 'down' | 'both';

interface FaultCommon {
  /** Stable name: keys the per-connection selection draw and lets phases/APIs remove it. */
  name: string;
  direction: FaultDirection;
  /** Fraction of connections the fault applies to, decided once per connection (0–1). */
  toxicity: number;
}

/** Adds `ms` (± uniform `jitterMs`) to every chunk: propagation delay. */
export interface LatencyFault extends FaultCommon { kind: 'latency'; ms: number; jitterMs: number }
/** Serialises bytes at `bitsPerSecond`, like a slow link. */
export interface BandwidthFault extends FaultCommon {
  kind: 'bandwidth';
  bitsPerSecond: number;
  /**
   * `link=shared`: one link for all the route's connections in that direction (a WAN uplink),
   * instead of toxiproxy's per-connection rate.
   */
  shared?: boolean;
}
/**
 * Loss as TCP shows it: each 1460-byte segment is lost with probability `p`, and the data waits
 * an RTO-shaped pause (`ms`, doubled for each further consecutive loss, RFC 6298 §5.5 back-off).
 * User space cannot drop a segment, so the stall is what the application would see.
 */
export interface StallFault extends FaultCommon { kind: 'stall'; p: number; ms: number }
/** Resets (TCP RST) both sides after a time or after a number of bytes in the direction. */
export interface ResetAfterFault extends FaultCommon { kind: 'reset-after'; afterMs?: number; afterBytes?: number }
/** Swallows all data; closes after `closeAfterMs` when given (toxiproxy `timeout`). */
export interface BlackholeFault extends FaultCommon { kind: 'blackhole'; closeAfterMs?: number }
/** Holds the FIN for `ms` after the source closed. */
export interface SlowCloseFault extends FaultCommon { kind: 'slow-close'; ms: number }
/** Splits chunks into pieces of about `size` bytes (± `variation`), `delayMs` apart. */
export interface SliceFault extends FaultCommon { kind: 'slice'; size: number; variation: number; delayMs: number }
/** Closes cleanly after `bytes` bytes in the direction (toxiproxy `limit_data`). */
export interface LimitDataFault extends FaultCommon { kind: 'limit-data'; bytes: number }

/** Resets a fraction `p` of streams to both peers with `code` (RFC 9113 §6.4). */
export interface RstStreamFault extends FaultCommon { kind: 'rst-stream'; p: number; code: number }
/** Sends the client GOAWAY (RFC 9113 §6.8) after `streams` streams or `afterMs`. */
export interface GoawayAfterFault extends FaultCommon { kind: 'goaway-after'; streams?: number; afterMs?: number; code: number }
/** Drops a fraction `p` of WINDOW_UPDATE frames (RFC 9113 §6.9): the sender stalls on flow control. */
export interface WithholdWindowUpdateFault extends FaultCommon { kind: 'withhold-window-update'; p: number }
/** Holds each SETTINGS ACK (RFC 9113 §6.5.3) for `ms`. */
export interface DelaySettingsAckFault extends FaultCommon { kind: 'delay-settings-ack'; ms: number }
/** Drops a fraction `p` of PING ACKs (RFC 9113 §6.7): keepalive and RTT probes time out. */
export interface DropPingAckFault extends FaultCommon { kind: 'drop-ping-ack'; p: number }

export type TcpFault =
  | LatencyFault | BandwidthFault | StallFault | ResetAfterFault | BlackholeFault
  | SlowCloseFault | SliceFault | LimitDataFault;
export type FrameFault =
  | RstStreamFault | GoawayAfterFault | WithholdWindowUpdateFault | DelaySettingsAckFault | DropPingAckFault;
export type Fault = TcpFault | FrameFault;
export type FaultKind = Fault['kind'];

export const tcpFaultKinds: readonly FaultKind[] = [
  'latency', 'bandwidth', 'stall', 'reset-after', 'blackhole', 'slow-close', 'slice', 'limit-data',
];
export const frameFaultKinds: readonly FaultKind[] = [
  'rst-stream', 'goaway-after', 'withhold-window-update', 'delay-settings-ack', 'drop-ping-ack',
];
export const faultKinds: readonly FaultKind[] = [...tcpFaultKinds, ...frameFaultKinds];

export function isFrameFault(f: Fault): f is FrameFault {
  return frameFaultKinds.includes(f.kind);
}

/** True when the fault acts on bytes travelling in `dir`. */
export function appliesTo(f: Fault, dir: 'up' | 'down'): boolean {
  return f.direction === 'both' || f.direction === dir;
}

/**
 * Runs a unit parser (src/units.ts) so a bad value in a fault or a scenario is a ScenarioError:
 * the message (which already names the flag or field) and the cause are kept.
 */
export function scenarioValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw new ScenarioError(err.message, { cause: err });
    throw err;
  }
}

function parseH2Code(text: string, where: string): number {
  const upper = text.toUpperCase();
  if (Object.hasOwn(H2ErrorCode, upper)) return H2ErrorCode[upper as keyof typeof H2ErrorCode];
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return Number(text);
  throw new ScenarioError(`${where}: '${text}' is not an HTTP/2 error code (e.g. REFUSED_STREAM, CANCEL, 0x8)`);
}

const sizeWithUnit = /^\d+(?:\.\d+)?(b|kb|mb|gb)$/i;

/**
 * Parses one fault value as typed after `--<kind>`. `name` defaults to `<kind>#<index>` so
 * every fault in a set has a stable, distinct name.
 * @throws ScenarioError naming the flag
 */
export function parseFault(kind: string, text: string, name?: string): Fault {
  return parseFaultAt(kind, text, name, undefined);
}

/** {@link parseFault}, with messages naming `field` (a scenario field) instead of the flag. */
function parseFaultAt(kind: string, text: string, name: string | undefined, field: string | undefined): Fault {
  const where = field ?? `--${kind}`;
  if (!(faultKinds as readonly string[]).includes(kind)) {
    throw new ScenarioError(`${field === undefined ? '' : `${field}: `}unknown fault '${kind}' (known: ${faultKinds.join(', ')})`);
  }
  let rest = text.trim();
  let toxicity = 1;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    toxicity = scenarioValue(() => parseProbability(rest.slice(at + 1), `${where} @`));
    rest = rest.slice(0, at);
  }
  let direction: FaultDirection = 'both';
  const dm = /:(up|down)$/.exec(rest);
  if (dm) {
    direction = dm[1] as 'up' | 'down';
    rest = rest.slice(0, dm.index);
  } else if (/:[^:]*$/.test(rest)) {
    throw new ScenarioError(`${where}: '${text}': direction must be :up or :down`);
  }
  const value = new FaultValue(rest, text, where);
  const fault = faultOfKind(kind, { name: name ?? kind, direction, toxicity }, value, where);
  value.checkAllTaken();
  return fault;
}

/** The VALUE[,key=value…] part of a fault: the bare value and the keys, each taken once. */
class FaultValue {
  /** The value before the first comma, when it is not a key=value. */
  readonly bare: string | undefined;
  /** key=value pairs not taken yet. */
  private readonly keys = new Map<string, string>();

  constructor(rest: string, private readonly text: string, private readonly where: string) {
    const parts = rest === '' || rest === 'on' ? [] : rest.split(',');
    let bare: string | undefined;
    for (const [i, part] of parts.entries()) {
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (i !== 0) throw new ScenarioError(`${where}: '${text}': expected key=value after the first comma`);
        bare = part.trim();
      } else {
        this.keys.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
      }
    }
    this.bare = bare;
  }

  take(key: string): string | undefined {
    const v = this.keys.get(key);
    this.keys.delete(key);
    return v;
  }

  need(what: string): string {
    if (this.bare === undefined || this.bare === '') throw new ScenarioError(`${this.where}: missing ${what} in '${this.text}'`);
    return this.bare;
  }

  prob(v: string | undefined, dflt: number): number {
    return v === undefined ? dflt : scenarioValue(() => parseProbability(v, `${this.where} p`));
  }

  checkAllTaken(): void {
    if (this.keys.size > 0) throw new ScenarioError(`${this.where}: unknown key '${[...this.keys.keys()][0]}' in '${this.text}'`);
  }
}

function faultOfKind(kind: string, common: FaultCommon, value: FaultValue, where: string): Fault {
  switch (kind) {
    case 'latency':
      return { ...common, kind, ms: scenarioValue(() => parseDuration(value.need('a duration'), where)), jitterMs: scenarioValue(() => parseDuration(value.take('jitter') ?? '0', `${where} jitter`)) };
    case 'bandwidth': {
      const bits = scenarioValue(() => parseBitRate(value.need('a rate (e.g. 1mbit)'), where));
      if (bits <= 0) throw new ScenarioError(`${where}: rate must be above 0`);
      const link = value.take('link') ?? 'connection';
      if (link !== 'connection' && link !== 'shared') throw new ScenarioError(`${where}: link must be 'connection' or 'shared', got '${link}'`);
      return { ...common, kind, bitsPerSecond: bits, ...(link === 'shared' ? { shared: true } : {}) };
    }
    case 'stall':
      return { ...common, kind, p: value.prob(value.take('p') ?? value.bare, 0.15), ms: scenarioValue(() => parseDuration(value.take('ms') ?? '200', `${where} ms`)) };
    case 'reset-after': {
      const v = value.need('a duration or a size (5s, 64kb)');
      return sizeWithUnit.test(v)
        ? { ...common, kind, afterBytes: scenarioValue(() => parseSize(v, where)) }
        : { ...common, kind, afterMs: scenarioValue(() => parseDuration(v, where)) };
    }
    case 'blackhole':
      return value.bare === undefined ? { ...common, kind } : { ...common, kind, closeAfterMs: scenarioValue(() => parseDuration(value.bare!, where)) };
    case 'slow-close':
      return { ...common, kind, ms: scenarioValue(() => parseDuration(value.need('a duration'), where)) };
    case 'slice': {
      const size = scenarioValue(() => parseSize(value.need('a size'), where));
      if (size < 1) throw new ScenarioError(`${where}: size must be 1 byte or more`);
      return {
        ...common, kind, size,
        variation: scenarioValue(() => parseSize(value.take('variation') ?? '0', `${where} variation`)),
        delayMs: scenarioValue(() => parseDuration(value.take('delay') ?? '0', `${where} delay`)),
      };
    }
    case 'limit-data':
      return { ...common, kind, bytes: scenarioValue(() => parseSize(value.need('a size'), where)) };
    case 'rst-stream':
      return { ...common, kind, p: value.prob(value.take('p') ?? value.bare, 1), code: parseH2Code(value.take('code') ?? 'REFUSED_STREAM', where) };
    case 'goaway-after': {
      const v = value.need('a stream count or a duration (100, 10s)');
      const code = parseH2Code(value.take('code') ?? 'NO_ERROR', where);
      return /^\d+$/.test(v)
        ? { ...common, kind, streams: scenarioValue(() => parseCount(v, where)), code }
        : { ...common, kind, afterMs: scenarioValue(() => parseDuration(v, where)), code };
    }
    case 'withhold-window-update':
      return { ...common, kind, p: value.prob(value.take('p') ?? value.bare, 1) };
    case 'delay-settings-ack':
      return { ...common, kind, ms: scenarioValue(() => parseDuration(value.need('a duration'), where)) };
    case 'drop-ping-ack':
      return { ...common, kind, p: value.prob(value.take('p') ?? value.bare, 1) };
    default:
      throw new ScenarioError(`unknown fault '${kind}'`);
  }
}

/**
 * Parses `latency 100ms:down`, `--latency=100ms:down` or `blackhole` (scenario files and the
 * library accept faults as such strings).
 */
export function parseFaultText(text: string, name?: string): Fault {
  return parseFaultTextAt(text, name, undefined);
}

/** {@link parseFaultText} for a fault at a field of a scenario file: messages name `field`. */
export function parseFaultTextAt(text: string, name: string | undefined, field: string | undefined): Fault {
  const m = /^\s*(?:--)?([a-z-]+)(?:[\s=]+(.*)|([:@].*))?$/.exec(text);
  if (!m) throw new ScenarioError(`${field === undefined ? '' : `${field}: `}'${text}' is not a fault (e.g. "latency 100ms:down")`);
  return parseFaultAt(m[1]!, m[2] ?? m[3] ?? '', name, field);
}

/** Gives every fault in a list a distinct name (`latency`, `latency#2`, …) where none was chosen. */
export function nameFaults(faults: readonly Fault[]): Fault[] {
  const seen = new Map<string, number>();
  return faults.map((f) => {
    const n = (seen.get(f.name) ?? 0) + 1;
    seen.set(f.name, n);
    return n === 1 ? f : { ...f, name: `${f.name}#${n}` };
  });
}

/** One-line description of a fault, e.g. `latency ms=100 jitterMs=20 :down @0.15`. */
export function describeFault(f: Fault): string {
  const { name: _name, direction, toxicity, kind, ...fields } = f;
  const parts = [kind, ...Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)];
  if (direction !== 'both') parts.push(`:${direction}`);
  if (toxicity < 1) parts.push(`@${toxicity}`);
  return parts.join(' ');
}
