import { ConfigError } from '../errors.js';
import type { Fault } from './fault-spec.js';
import { activeFaults, nextPhaseTime, phaseTransitions, type PhaseState, type Scenario } from './scenario.js';
import { startChaos, type ChaosOptions, type ChaosProxy } from './start-chaos.js';

/**
 * Runs a scenario: starts its routes on one proxy and switches phase faults on and off as
 * time passes and connections and streams are counted (phaseTransitions decides; this file
 * only keeps the timer and applies the result).
 */

export interface ScenarioRun {
  readonly proxy: ChaosProxy;
  /** Subscribes to phase changes; returns the unsubscribe. */
  onPhase(listener: (e: PhaseEvent) => void): () => void;
  close(): Promise<void>;
}

export interface ScenarioRunOptions extends Omit<ChaosOptions, 'routes' | 'upstream' | 'onStream' | 'onConnection' | 'countStreams'> {
  /** Subscribed before the first phase can start (a phase at 0 s starts during runScenario). */
  onPhase?: (e: PhaseEvent) => void;
}

/** A phase starting or ending, with the elapsed run time. */
export interface PhaseEvent {
  phase: string;
  action: 'start' | 'end';
  elapsedMs: number;
}

export async function runScenario(scenario: Scenario, options: ScenarioRunOptions = {}, signal?: AbortSignal): Promise<ScenarioRun> {
  if (scenario.routes.length === 0) throw new ConfigError('the scenario has no routes: give "routes" in the file or --listen/--upstream');
  const states: PhaseState[] = [];
  const listeners = new Set<(e: PhaseEvent) => void>();
  if (options.onPhase) listeners.add(options.onPhase);
  const counts = { connections: 0, streams: 0 };
  const base = new Map<string, Fault[]>();
  let timer: NodeJS.Timeout | undefined;
  let proxy: ChaosProxy | undefined;
  let origin = 0;
  let closed = false;

  const evaluate = () => {
    if (!proxy || closed) return;
    const elapsedMs = proxy.clock.now() - origin;
    const changes = phaseTransitions(scenario.phases, { elapsedMs, ...counts }, states);
    if (changes.length > 0) {
      for (const [name, route] of proxy.routes) route.setFaults(activeFaults(base.get(name) ?? [], scenario.phases, states, name));
      for (const c of changes) for (const l of listeners) l({ phase: scenario.phases[c.phase]!.name, action: c.action, elapsedMs });
    }
    if (timer) clearTimeout(timer);
    const next = nextPhaseTime(scenario.phases, states);
    if (next !== undefined) {
      timer = setTimeout(evaluate, Math.max(0, next - (proxy.clock.now() - origin)));
      timer.unref();
    }
  };
  const countStreams = scenario.phases.some((p) => p.trigger.kind === 'afterStreams');
  proxy = await startChaos(
    {
      clock: options.clock,
      log: options.log,
      tls: options.tls,
      seed: options.seed ?? scenario.seed,
      routes: scenario.routes,
      countStreams,
      onConnection: () => {
        counts.connections++;
        evaluate();
      },
      onStream: () => {
        counts.streams++;
        evaluate();
      },
    },
    signal,
  );
  origin = proxy.clock.now();
  for (const [name, route] of proxy.routes) base.set(name, [...route.faults().faults]);
  evaluate();
  const px = proxy;
  return {
    proxy: px,
    onPhase(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await px.close();
    },
  };
}
