/**
 * V8 CPU profiles (the inspector's `Profiler.Profile`), cut into compact chunks and folded
 * over a time window: the samples one slow request lived through, as top frames and as
 * Brendan Gregg's folded stacks (`root;caller;callee count`, one line per distinct stack).
 *
 * Pure: takes profile objects and times, returns values. profiler.ts does the I/O.
 */

/** One call frame as the inspector reports it (0-based line). */
export interface InspectorCallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
  scriptId?: string;
}

/** The parts of an inspector `Profiler.Profile` this module reads. */
export interface InspectorProfile {
  nodes: Array<{ id: number; callFrame: InspectorCallFrame; children?: number[] }>;
  /** µs on V8's monotonic clock. */
  startTime: number;
  endTime: number;
  /** Node id of each sample. */
  samples?: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas?: number[];
}

/** A frame in the records: where a function is, 1-based line as editors show it. */
export interface ProfileFrame {
  functionName: string;
  url: string;
  /** 1-based; 0 when V8 does not know (native and synthetic frames). */
  line: number;
}

export interface TopFrame extends ProfileFrame {
  /** Sampled time with this frame on top of the stack (its own code), ms. */
  selfMs: number;
  /** Sampled time with this frame anywhere on the stack (it or what it called), ms. */
  totalMs: number;
}

/** Every distinct frame seen by one profiler, so chunks store small integers. */
export class FrameTable {
  readonly frames: ProfileFrame[] = [];
  /** Folded-format label of each frame. */
  readonly labels: string[] = [];
  private readonly index = new Map<string, number>();

  intern(cf: InspectorCallFrame): number {
    const line = cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
    const key = `${cf.functionName}\u0000${cf.url}\u0000${line}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.frames.length;
      this.frames.push({ functionName: cf.functionName, url: cf.url, line });
      this.labels.push(frameLabel(cf.functionName, cf.url, line));
      this.index.set(key, i);
    }
    return i;
  }
}

/** `name (url:line)`, with the characters the folded format gives meaning to (`;`, newline) replaced. */
function frameLabel(functionName: string, url: string, line: number): string {
  const name = functionName === '' ? '(anonymous)' : functionName;
  const label = url === '' ? name : `${name} (${url}:${line})`;
  return label.replace(/[;\r\n]/g, '_');
}

/** One stretch of samples: a stopped profile, on the clock's timeline (ms). */
export interface ProfileChunk {
  /** Clock time the chunk's profile started and stopped, ms. */
  startMs: number;
  endMs: number;
  /** Per node (dense index): parent node, or -1 at the root. */
  parent: Int32Array;
  /** Per node: index in the FrameTable. */
  frame: Int32Array;
  /** Per sample: node index (dense). */
  sampleNode: Int32Array;
  /** Per sample: clock time, ms. */
  sampleAt: Float64Array;
}

/**
 * Compacts an inspector profile into a chunk. `offsetMs` maps V8's clock to the caller's:
 * clock ms = V8 µs / 1000 - offsetMs.
 */
export function compactProfile(profile: InspectorProfile, offsetMs: number, frames: FrameTable): ProfileChunk {
  const n = profile.nodes.length;
  const dense = new Map<number, number>();
  for (let i = 0; i < n; i++) dense.set(profile.nodes[i]!.id, i);
  const parent = new Int32Array(n).fill(-1);
  const frame = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const node = profile.nodes[i]!;
    frame[i] = frames.intern(node.callFrame);
    for (const child of node.children ?? []) {
      const c = dense.get(child);
      if (c !== undefined) parent[c] = i;
    }
  }
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const sampleNode = new Int32Array(samples.length);
  const sampleAt = new Float64Array(samples.length);
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i] ?? 0;
    sampleNode[i] = dense.get(samples[i]!) ?? 0;
    sampleAt[i] = t / 1000 - offsetMs;
  }
  return { startMs: profile.startTime / 1000 - offsetMs, endMs: profile.endTime / 1000 - offsetMs, parent, frame, sampleNode, sampleAt };
}

/** What the samples of one window add up to. */
export interface FoldedWindow {
  /** Samples taken in the window. */
  samples: number;
  /** Time they stand for (each sample: until the next one), ms. */
  sampledMs: number;
  /** Frames by self time, most first (at most `top`). */
  topFrames: TopFrame[];
  /** Folded stacks, root first, one `a;b;c count` line per distinct stack, most samples first. */
  folded: string;
}

const rootName = '(root)';

/** Folds the samples of `chunks` (oldest first) taken in [from, to] (clock ms). */
export function foldWindow(chunks: readonly ProfileChunk[], frames: FrameTable, from: number, to: number, top = 15): FoldedWindow {
  const self = new Map<number, number>();
  const total = new Map<number, number>();
  const stacks = new Map<string, number>();
  let samples = 0;
  let sampledMs = 0;
  const seen = new Set<number>();
  const path: number[] = [];
  for (const chunk of chunks) {
    if (chunk.endMs < from || chunk.startMs > to) continue;
    const { sampleAt, sampleNode, parent, frame } = chunk;
    for (let i = 0; i < sampleAt.length; i++) {
      const at = sampleAt[i]!;
      if (at < from || at > to) continue;
      const next = i + 1 < sampleAt.length ? sampleAt[i + 1]! : chunk.endMs;
      const ms = Math.max(0, Math.min(next, to) - at);
      samples++;
      sampledMs += ms;
      path.length = 0;
      seen.clear();
      for (let node = sampleNode[i]!; node >= 0; node = parent[node]!) {
        const f = frame[node]!;
        if (frames.frames[f]!.functionName === rootName && parent[node] === -1) break;
        path.push(f);
        if (!seen.has(f)) {
          seen.add(f);
          total.set(f, (total.get(f) ?? 0) + ms);
        }
      }
      if (path.length === 0) continue;
      self.set(path[0]!, (self.get(path[0]!) ?? 0) + ms);
      let line = frames.labels[path[path.length - 1]!]!;
      for (let k = path.length - 2; k >= 0; k--) line += `;${frames.labels[path[k]!]!}`;
      stacks.set(line, (stacks.get(line) ?? 0) + 1);
    }
  }
  const topFrames = [...total.keys()]
    .map((f) => ({ ...frames.frames[f]!, selfMs: round(self.get(f) ?? 0), totalMs: round(total.get(f)!) }))
    .sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs)
    .slice(0, top);
  const folded = [...stacks].sort((a, b) => b[1] - a[1]).map(([stack, count]) => `${stack} ${count}`).join('\n');
  return { samples, sampledMs: round(sampledMs), topFrames, folded };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
