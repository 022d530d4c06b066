/**
 * h2doctor/probe: diagnose a live HTTP/2 service. `runProbe` gathers facts through the wire tap;
 * `diagnose` (h2doctor/diagnose) turns them into findings.
 */
export { runProbe } from './probe.js';
export type { ConnectionFrames, ProbeOptions, ProbeResult } from './probe.js';
export type {
  CertFacts,
  ConnectionEnd,
  ConnectionFacts,
  FlowControlStallFacts,
  IdleFacts,
  ProbeFacts,
  PushDisabledFacts,
  PushFacts,
  RequestFacts,
  ResetFacts,
  ResumptionFacts,
  SessionFacts,
  StepTiming,
  TlsFacts as ProbeTlsFacts,
} from './facts.js';
export { connectionWindowUpdates, firstSettings, flowControlStalls, pushesOf, resetsOf, settingsAckMs, settingValue } from './frame-facts.js';
export type { GrpcProbeOptions } from './grpc-call-spec.js';
export type {
  GrpcCallResult,
  GrpcFacts,
  GrpcHealthFacts,
  GrpcKeepaliveFacts,
  GrpcReflectionFacts,
  GrpcWatchFacts,
  GrpcWatchGoaway,
} from './grpc-facts.js';
