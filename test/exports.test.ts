import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

// Pins the public surface: adding or removing an export is a deliberate change to this list.
// Each subpath in package.json "exports" must have an entry here, and vice versa.
const expected: Record<string, string[]> = {
  '.': [
    'AbortError', 'AttemptTimeoutError', 'BreakerOpenError', 'CheckFailedError', 'ClientClosedError',
    'CodecError', 'CompressionError', 'ConfigError', 'ConnectError', 'ConnectionClosedError', 'DbAuthError', 'DbError', 'DbUnreachableError',
    'DeadlineExceededError', 'DiskFullError', 'DnsError', 'EndpointDarkError', 'FlowControlError', 'FrameSizeError',
    'GrpcFramingError', 'GrpcMessageTooLargeError', 'GrpcStatusError', 'H2DoctorError', 'H2ErrorCode',
    'HeaderListTooLargeError', 'NoHealthyEndpointError', 'NotGrpcError', 'NotHttp2Error',
    'ProtobufDecodeError', 'ProtocolError', 'PushDeniedError', 'RetryBudgetExhaustedError', 'ScenarioError', 'SchemaTooNewError',
    'StreamResetError', 'TimeoutError', 'TlsError', 'UsageError', 'fromSystemError', 'h2ErrorName', 'version',
  ],
  codec: [
    'CONNECTION_PREFACE', 'CONNECTION_PREFACE_BYTES', 'DEFAULT_HEADER_TABLE_SIZE', 'DEFAULT_INITIAL_WINDOW_SIZE',
    'DEFAULT_MAX_CONTINUATIONS', 'DEFAULT_MAX_FRAME_SIZE', 'DEFAULT_MAX_HEADER_BLOCK_SIZE', 'Flag', 'FrameDecoder',
    'FrameType', 'HpackDecoder', 'HpackEncoder', 'MAX_ALLOWED_FRAME_SIZE', 'SettingId', 'encodeData', 'encodeFrame',
    'encodeGoaway', 'encodeHeaders', 'encodePing', 'encodePriority', 'encodePushPromise', 'encodeRstStream',
    'encodeSettings', 'encodeWindowUpdate', 'frameTypeName', 'huffmanDecode', 'huffmanEncode', 'writeFrameHeader',
  ],
  grpc: [
    'DEFAULT_MAX_MESSAGE_BYTES', 'GRPC_CONTENT_TYPE', 'GrpcFramingError', 'GrpcMessageDecoder', 'GrpcMessageTooLargeError',
    'GrpcStatus', 'GrpcStatusError', 'HEALTH_CHECK_METHOD', 'HEALTH_WATCH_METHOD', 'MESSAGE_PREFIX_BYTES', 'NotGrpcError',
    'ProtobufDecodeError', 'ProtobufWriter', 'REFLECTION_V1ALPHA_METHOD', 'REFLECTION_V1_METHOD', 'ServingStatus', 'WireType',
    'assertGrpcOk', 'decodeHealthCheckRequest', 'decodeHealthCheckResponse', 'decodeListServicesResponse',
    'encodeGrpcTimeout', 'encodeHealthCheckRequest', 'encodeHealthCheckResponse', 'encodeListServicesRequest',
    'encodeListServicesResponse', 'fieldMessage', 'fieldString', 'fieldVarint', 'frameMessage', 'grpcCallStatus',
    'grpcRequestHeaders', 'grpcStatusFromHttpStatus', 'grpcStatusFromRstCode', 'grpcStatusName', 'headerValue',
    'isGrpcContentType', 'parseGrpcMethod', 'parseGrpcTimeout', 'percentDecodeGrpcMessage', 'percentEncodeGrpcMessage',
    'readFields', 'readVarint', 'servingStatusName',
  ],
  tap: [
    'FrameLog', 'TapDecoder', 'WireTap', 'createTap', 'formatDecodeError', 'formatErrorCode', 'formatFrameLog',
    'formatTimestamp', 'ownedFrame', 'parseNghttpLog', 'readTlsFacts', 'tapOf',
  ],
  server: [
    'OTHER_ROUTE', 'PushDeniedError', 'getTraceId', 'instrument', 'normaliseRoute', 'recommendedIdleTimeoutMs',
    'recommendedSettings', 'traceIdFromHeaders',
  ],
  client: [
    'CircuitBreaker', 'ClientResponse', 'CountSlidingWindow', 'EndpointSelector', 'GrpcStatusError', 'H2Client', 'OutlierDetector', 'RetryBudget',
    'TimeSlidingWindow', 'backoffDelay', 'createClient', 'createSlidingWindow', 'deriveBreakerOptions', 'deriveHedgeOptions',
    'isIdempotentMethod', 'isRetryable', 'isUnprocessed',
  ],
  bench: [
    'BenchEngine', 'BenchRecorder', 'LatencyHistogram', 'LoadSchedule', 'Outcome', 'PendingRequests', 'RateCurve',
    'RemoteWriter', 'addPortableHistograms', 'benchDefaults', 'benchWarnings', 'buildBenchResult', 'decodeHistogram',
    'encodeHistogram', 'evaluateThresholds', 'findMaxRate', 'mergeBenchResults', 'outcomeNames', 'parseRequestLog',
    'parseThreshold', 'resolveBenchOptions', 'runBench', 'workerShare',
  ],
  probe: [
    'connectionWindowUpdates', 'firstSettings', 'flowControlStalls', 'pushesOf', 'resetsOf', 'runProbe', 'settingValue',
    'settingsAckMs',
  ],
  diagnose: ['atOrAbove', 'bySeverity', 'cleanFacts', 'diagnose', 'isSeverity', 'probeRules'],
  chaos: [
    'ChaosProxy', 'ChaosRoute', 'FaultLog', 'FrameFaultEngine', 'STALL_SEGMENT_BYTES', 'activeFaults', 'appliesTo',
    'describeFault', 'faultKinds', 'faultToToxic', 'formatFaultCounts', 'formatFaultEvent', 'frameFaultKinds',
    'isFrameFault', 'latencyDelayMs', 'nameFaults', 'nextPhaseTime', 'parseFault', 'parseFaultText', 'parseHostPort',
    'parseScenario', 'phaseTransitions', 'planDirection', 'runScenario', 'scheduleChunk', 'selectsConnection',
    'sliceSizes', 'stallDelayMs', 'startChaos', 'startToxiproxyApi', 'tcpFaultKinds', 'toxicToFault', 'transmitMs',
  ],
  consistency: [
    'InventoryStore', 'OrderStore', 'auditConsistency', 'consistencyMetrics', 'createReconciler', 'deliverWalRow',
    'formatTraceparent', 'httpReservationSource', 'inventorySchema', 'isInconsistent', 'isPostgresUrl', 'judgeOrder',
    'judgeOrphan', 'latestVersion', 'migrate', 'newTraceId', 'openDb', 'orderSchema', 'parseDbTarget',
    'parseTraceparent', 'sqliteTarget', 'startInventoryService', 'startRelay', 'walkOrdersAndReservations',
  ],
};

const sources: Record<string, string> = {
  '.': '../src/index.js',
  codec: '../src/codec/index.js',
  grpc: '../src/grpc/index.js',
  chaos: '../src/chaos/index.js',
  tap: '../src/tap/index.js',
  client: '../src/client/index.js',
  server: '../src/server/index.js',
  bench: '../src/bench/index.js',
  probe: '../src/probe/index.js',
  diagnose: '../src/diagnose/index.js',
  consistency: '../src/consistency/index.js',
};

test('package.json exports exactly the pinned subpaths', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? '.' : k.slice(2)));
  assert.deepEqual(subpaths.sort(), Object.keys(expected).sort());
});

for (const [subpath, names] of Object.entries(expected)) {
  test(`exported names of h2doctor${subpath === '.' ? '' : `/${subpath}`}`, async () => {
    const mod = (await import(sources[subpath]!)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(mod).sort(), [...names].sort());
  });
}

// What a user imports: each subpath resolves by the package's own name (Node's self-reference)
// to the built code, with the same names, and ships its type declarations. `npm test` builds
// dist/ first.
test('every subpath resolves by package name from dist/, with its .d.ts', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string; default: string } | string> };
  for (const [key, entry] of Object.entries(pkg.exports)) {
    if (typeof entry === 'string') continue;
    const subpath = key === '.' ? '.' : key.slice(2);
    assert.ok(existsSync(new URL(`../${entry.types}`, import.meta.url)), `${entry.types} is missing`);
    const mod = (await import(key === '.' ? 'h2doctor' : `h2doctor/${subpath}`)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(mod).sort(), [...expected[subpath]!].sort(), `h2doctor/${subpath}`);
  }
});
