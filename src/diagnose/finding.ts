import type { ProbeFacts } from '../probe/facts.js';

/** How bad a finding is. `error`: fix before anything else; `warn`: likely hurts P99; `info`: worth knowing. */
export type Severity = 'info' | 'warn' | 'error';

/**
 * One verdict, in the Clinic.js Doctor manner: what we saw (`title`, `evidence`), why it hurts
 * the tail (`why`), what to do (`fix`). Ids are stable and documented in docs/findings.md.
 */
export interface Finding {
  id: string;
  severity: Severity;
  /** One line: what we saw. */
  title: string;
  /** Facts behind the verdict, one per line; the first is the summary line. */
  evidence: string[];
  /** Why it hurts tail latency. */
  why: string;
  /** Concrete steps for Node, Go net/http, nginx, Envoy. */
  fix: string;
}

/** A diagnosis rule: pure, facts in, at most one finding out. */
export interface Rule {
  /** The finding id this rule produces. */
  id: string;
  check(facts: ProbeFacts): Finding | null;
}

const rank: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/** True when `s` is at or above `level`. */
export function atOrAbove(s: Severity, level: Severity): boolean {
  return rank[s] >= rank[level];
}

/** Sorts errors first, then warnings, then info; stable within a level. */
export function bySeverity(a: Finding, b: Finding): number {
  return rank[b.severity] - rank[a.severity];
}

export function isSeverity(text: string): text is Severity {
  return text === 'info' || text === 'warn' || text === 'error';
}
