import type { ProbeFacts } from '../probe/facts.js';
import { bySeverity, type Finding, type Rule } from './finding.js';
import { noH2Rule } from './rules/no-h2.js';
import { tlsChainIncompleteRule } from './rules/tls-chain-incomplete.js';
import { tlsVerifyFailedRule } from './rules/tls-verify-failed.js';
import { tlsCertExpiringRule } from './rules/tls-cert-expiring.js';
import { tlsNoResumptionRule } from './rules/tls-no-resumption.js';
import { pushAfterDisabledRule } from './rules/push-after-disabled.js';
import { pushOnApiRule } from './rules/push-on-api.js';
import { pushStarvesWindowRule } from './rules/push-starves-window.js';
import { connectionChurnRule } from './rules/connection-churn.js';
import { closeWithoutGoawayRule } from './rules/close-without-goaway.js';
import { streamResetsRule } from './rules/stream-resets.js';
import { requestsFailedRule } from './rules/requests-failed.js';
import { lowMaxConcurrentStreamsRule } from './rules/low-max-concurrent-streams.js';
import { flowControlStallRule } from './rules/flow-control-stall.js';
import { idleTimeoutRule } from './rules/idle-timeout.js';
import { ttfbTailRule } from './rules/ttfb-tail.js';
import { noGrpcRule } from './rules/no-grpc.js';
import { grpcHealthNotServingRule } from './rules/grpc-health-not-serving.js';
import { grpcCallErrorsRule } from './rules/grpc-call-errors.js';
import { grpcKeepaliveRejectedRule } from './rules/grpc-keepalive-rejected.js';
import { grpcConnectionAgeRule } from './rules/grpc-connection-age.js';
import { grpcHealthUnimplementedRule } from './rules/grpc-health-unimplemented.js';
import { grpcDetectedRule } from './rules/grpc-detected.js';

/** Every rule, in the order their findings read best within one severity. docs/findings.md lists each id. */
export const probeRules: readonly Rule[] = [
  noH2Rule,
  tlsChainIncompleteRule,
  tlsVerifyFailedRule,
  tlsCertExpiringRule,
  pushAfterDisabledRule,
  connectionChurnRule,
  requestsFailedRule,
  pushOnApiRule,
  pushStarvesWindowRule,
  streamResetsRule,
  closeWithoutGoawayRule,
  lowMaxConcurrentStreamsRule,
  flowControlStallRule,
  tlsNoResumptionRule,
  idleTimeoutRule,
  ttfbTailRule,
  // gRPC (facts.grpc): no-grpc first, as nothing else about gRPC could be measured then.
  noGrpcRule,
  grpcHealthNotServingRule,
  grpcCallErrorsRule,
  grpcKeepaliveRejectedRule,
  grpcConnectionAgeRule,
  grpcHealthUnimplementedRule,
  grpcDetectedRule,
];

/** Runs every rule over the facts: errors first, then warnings, then info. Pure. */
export function diagnose(facts: ProbeFacts, rules: readonly Rule[] = probeRules): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const f = rule.check(facts);
    if (f) findings.push(f);
  }
  return findings.sort(bySeverity);
}
