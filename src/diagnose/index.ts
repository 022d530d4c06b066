/** h2doctor/diagnose: pure rules, probe facts in, findings out. Ids are documented in docs/findings.md. */
export { diagnose, probeRules } from './diagnose.js';
export { atOrAbove, bySeverity, isSeverity } from './finding.js';
export type { Finding, Rule, Severity } from './finding.js';
export { cleanFacts } from './clean-facts.js';
