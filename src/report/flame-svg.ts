/**
 * A flame graph as one self-contained SVG (no script, no external resource): stacks in
 * Brendan Gregg's folded format (`root;…;leaf count`), root at the bottom, each frame as wide
 * as the samples it was on the stack for, siblings sorted by name as flamegraph.pl does, so two
 * graphs of the same code line up. Each frame has a `<title>` (name, samples, share), which
 * browsers show on hover.
 *
 * Written here rather than taken from a library: the npm flame-graph packages render in the
 * browser with D3 (a script and a DOM), and this output must be a file that opens anywhere.
 */

export interface FlameOptions {
  /** Heading and the SVG's title (default 'Flame graph'). */
  title?: string;
  /** Width in px (default 1200). */
  width?: number;
  /** A line under the heading (e.g. what the samples cover). */
  subtitle?: string;
}

interface FlameNode {
  name: string;
  /** Samples with this frame on the stack at this position. */
  value: number;
  children: Map<string, FlameNode>;
}

/** Adds folded lines (`a;b;c 12`) into one tree; lines that are not folded stacks are skipped. */
export function foldedTree(lines: Iterable<string>): FlameNode {
  const root: FlameNode = { name: 'all', value: 0, children: new Map() };
  for (const raw of lines) {
    const line = raw.trim();
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const count = Number(line.slice(space + 1));
    if (!Number.isFinite(count) || count <= 0) continue;
    root.value += count;
    let node = root;
    for (const name of line.slice(0, space).split(';')) {
      let child = node.children.get(name);
      if (child === undefined) {
        child = { name, value: 0, children: new Map() };
        node.children.set(name, child);
      }
      child.value += count;
      node = child;
    }
  }
  return root;
}

const rowHeight = 17;
const fontSize = 11;
/** Average glyph width of the 11 px sans-serif, for fitting labels. */
const charWidth = 6.2;
const top = 48;

export function renderFlameSvg(folded: Iterable<string>, options: FlameOptions = {}): string {
  const width = options.width ?? 1200;
  const title = options.title ?? 'Flame graph';
  const root = foldedTree(folded);
  const pad = 10;
  const usable = width - 2 * pad;
  const rows: string[] = [];
  let depthMax = 0;
  const total = root.value;
  // Lay out depth-first; y is filled in once the depth is known (root at the bottom).
  const boxes: Array<{ node: FlameNode; x: number; w: number; depth: number }> = [];
  const walk = (node: FlameNode, x: number, depth: number) => {
    const w = total === 0 ? 0 : (node.value / total) * usable;
    if (w < 0.3) return;
    boxes.push({ node, x, w, depth });
    depthMax = Math.max(depthMax, depth);
    let cx = x;
    for (const child of [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      walk(child, cx, depth + 1);
      cx += total === 0 ? 0 : (child.value / total) * usable;
    }
  };
  walk(root, pad, 0);
  const height = top + (depthMax + 1) * rowHeight + pad + 20;
  for (const { node, x, w, depth } of boxes) {
    const y = height - pad - 20 - (depth + 1) * rowHeight;
    const share = total === 0 ? 0 : (node.value / total) * 100;
    const label = fit(node.name, w);
    rows.push(
      `<g><title>${xml(node.name)} (${node.value} sample${node.value === 1 ? '' : 's'}, ${share.toFixed(2)}%)</title>`
      + `<rect class="bar" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${rowHeight - 1}" rx="2" fill="${colour(node.name, depth === 0)}"/>`
      + (label === '' ? '' : `<text x="${(x + 3).toFixed(2)}" y="${y + rowHeight - 5}">${xml(label)}</text>`)
      + '</g>',
    );
  }
  const empty = total === 0 ? `<text x="${width / 2}" y="${top + 20}" text-anchor="middle">no samples</text>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xml(title)}" font-family="Verdana, DejaVu Sans, sans-serif" font-size="${fontSize}">
<title>${xml(title)}</title>
<rect x="0" y="0" width="${width}" height="${height}" fill="#fdfdf7"/>
<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${xml(title)}</text>
<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">${xml(options.subtitle ?? `${total} samples; width = share of samples, bottom = outermost frame`)}</text>
${empty}${rows.join('\n')}
</svg>
`;
}

/** The label that fits in `w` px: the name, cut with '…', or nothing. */
function fit(name: string, w: number): string {
  const chars = Math.floor((w - 6) / charWidth);
  if (chars < 3) return '';
  return name.length <= chars ? name : `${name.slice(0, chars - 1)}…`;
}

/** Warm colours as flamegraph.pl's default, picked by a hash of the name so a frame keeps its colour. */
function colour(name: string, root: boolean): string {
  if (root) return 'rgb(220,220,220)';
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const v = (h >>> 0) / 0xffffffff;
  const r = 205 + Math.round(50 * v);
  const g = Math.round(230 * ((h >>> 8) & 0xff) / 0xff * 0.75);
  const b = Math.round(55 * ((h >>> 16) & 0xff) / 0xff);
  return `rgb(${r},${g},${b})`;
}

function xml(s: string): string {
  // eslint-disable-next-line no-control-regex -- characters XML 1.0 does not allow at all
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}
