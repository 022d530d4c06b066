/**
 * h2doctor/chaos: a fault-injecting TCP and HTTP/2 proxy with seeded, logged decisions and a
 * toxiproxy-compatible control API.
 */
export { startChaos, ChaosProxy } from './start-chaos.js';
export type { ChaosOptions, ChaosStats, FaultInput, RouteSpec } from './start-chaos.js';
export { ChaosRoute, parseHostPort } from './route.js';
export type { RouteStats, TlsTermination } from './route.js';
export {
  parseFault,
  parseFaultText,
  nameFaults,
  isFrameFault,
  appliesTo,
  describeFault,
  faultKinds,
  tcpFaultKinds,
  frameFaultKinds,
} from './fault-spec.js';
export type {
  Fault,
  FaultKind,
  FaultDirection,
  TcpFault,
  FrameFault,
  LatencyFault,
  BandwidthFault,
  StallFault,
  ResetAfterFault,
  BlackholeFault,
  SlowCloseFault,
  SliceFault,
  LimitDataFault,
  RstStreamFault,
  GoawayAfterFault,
  WithholdWindowUpdateFault,
  DelaySettingsAckFault,
  DropPingAckFault,
} from './fault-spec.js';
export {
  selectsConnection,
  planDirection,
  latencyDelayMs,
  stallDelayMs,
  transmitMs,
  sliceSizes,
  scheduleChunk,
  STALL_SEGMENT_BYTES,
} from './fault-decisions.js';
export type { TimedPiece, ScheduleState, ScheduleDraws, AppliedDelay } from './fault-decisions.js';
export { FrameFaultEngine } from './frame-faults.js';
export type { FrameDecision, FrameVerdict, Injection } from './frame-faults.js';
export { FaultLog, formatFaultEvent, formatFaultCounts } from './fault-log.js';
export type { FaultEvent, FaultListener } from './fault-log.js';
export { parseScenario, phaseTransitions, nextPhaseTime, activeFaults } from './scenario.js';
export type { Scenario, ScenarioRoute, ScenarioPhase, PhaseTrigger, ScenarioProgress, PhaseState, PhaseTransition } from './scenario.js';
export { runScenario } from './scenario-runner.js';
export type { ScenarioRun, ScenarioRunOptions, PhaseEvent } from './scenario-runner.js';
export { startToxiproxyApi } from './toxiproxy-api.js';
export type { ToxiproxyApi } from './toxiproxy-api.js';
export { toxicToFault, faultToToxic } from './toxic-mapping.js';
export type { ToxicJson } from './toxic-mapping.js';
