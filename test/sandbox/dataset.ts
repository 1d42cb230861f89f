import { createRng, deriveSeed, type Rng } from './prng';

/**
 * The sandbox's synthetic trading desk: agents, queues, conversations and recordings, all derived from (seed, anchor).
 * Pure and deterministic: the same options give the same dataset, byte for byte once serialised.
 */

export type GenerateDatasetOptions = {
  seed: number;
  /** "Now" of the dataset: every conversation ends before it. */
  anchor: Date;
  /** Standard mode: number of conversations (default 240). Ignored when `recordings` is set. */
  conversations?: number;
  /** Bulk mode: total number of recordings, each 2-6 s long. */
  recordings?: number;
  /** Span of the dataset in days before the anchor. */
  days: number;
  /** Share of recordings already moved to the cloud archive (default 0.03). */
  archivedFraction?: number;
  /** Share of recordings that answer 202 "transcoding" on their first media request (default 0.2). */
  transcodeFraction?: number;
  /** Adds one more trading call with a single recording this many hours long (`--long-call`), for long-call tests and benchmarks. */
  longCallHours?: number;
};

export type SeedDivision = { id: string; name: string };

export type SeedQueue = { id: string; name: string; description: string; trading: boolean; divisionId: string };

export type SeedAgent = {
  id: string;
  name: string;
  email: string;
  title: string;
  divisionId: string;
  queueIds: Array<string>;
};

export type SeedClient = { name: string; firm: string; account: string; phone: string };

export type SegmentType = 'interact' | 'alert' | 'dialing' | 'contacting' | 'hold' | 'wrapup';

export type SeedSegment = {
  type: SegmentType;
  start: string;
  end: string;
  queueId?: string;
  wrapUpCode?: string;
  disconnectType?: 'client' | 'peer' | 'endpoint';
};

export type ParticipantPurpose = 'customer' | 'external' | 'acd' | 'agent';

export type SeedParticipant = {
  id: string;
  purpose: ParticipantPurpose;
  name: string;
  userId?: string;
  queueId?: string;
  sessionId: string;
  direction: 'inbound' | 'outbound';
  ani: string;
  dnis: string;
  startTime: string;
  endTime: string;
  connectedTime?: string;
  /** True for the sessions the call recorder captured. */
  recorded: boolean;
  segments: Array<SeedSegment>;
  /** Participant data set by the flow or the agent script; only the client-side participant carries any. */
  attributes: Record<string, string>;
};

export type SeedRecordingFileState = 'AVAILABLE' | 'ARCHIVED';

export type SeedRecording = {
  id: string;
  conversationId: string;
  /** 0 for the first recording of the conversation, 1 for the part after a hold. */
  part: number;
  sessionId: string;
  startTime: string;
  endTime: string;
  durationMs: number;
  creationTime: string;
  fileState: SeedRecordingFileState;
  archiveDate: string;
  deleteDate: string;
  /** The first media request answers 202 while the service "transcodes". */
  transcodeOnFirstRequest: boolean;
  /** Size of the WAV the sandbox serves (header + 16-bit stereo PCM at 8 kHz). */
  sizeBytes: number;
  /** Seed of the generated audio, so bytes are stable for a given dataset. */
  audioSeed: number;
  userIds: Array<string>;
};

export type SeedDeal = {
  instrument: string;
  /** How a dealer says the instrument ("euro dollar", "the ten-year gilt"). */
  instrumentSpoken: string;
  side: 'buy' | 'sell';
  amountText: string;
  amountSpoken: string;
  price: string;
};

export type SeedConversation = {
  id: string;
  startTime: string;
  endTime: string;
  direction: 'inbound' | 'outbound';
  queueId: string;
  agentId: string;
  divisionIds: Array<string>;
  trading: boolean;
  tradingId: string | null;
  clientAccount: string | null;
  client: SeedClient;
  /** The trade discussed; null on non-trading calls. */
  deal: SeedDeal | null;
  /** Set when this call discusses a trade first agreed on an earlier call (same trading id). */
  followUpOf: string | null;
  participants: Array<SeedParticipant>;
  recordings: Array<SeedRecording>;
};

export type SeedRetentionPolicy = {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  order: number;
  queueIds: Array<string>;
  archiveDays: number;
  deleteDays: number;
  createdDate: string;
  modifiedDate: string;
};

export type SeedOrganization = {
  id: string;
  name: string;
  thirdPartyOrgName: string;
  /** Where recordings are stored (`RecordingMetadata.region`); Genesys's org model has no region field. */
  recordingRegion: string;
};

export type Dataset = {
  seed: number;
  anchor: string;
  days: number;
  mode: 'standard' | 'bulk';
  /** The recording `longCallHours` added, or null. */
  longCallRecordingId: string | null;
  organization: SeedOrganization;
  divisions: Array<SeedDivision>;
  queues: Array<SeedQueue>;
  agents: Array<SeedAgent>;
  clients: Array<SeedClient>;
  retentionPolicies: Array<SeedRetentionPolicy>;
  /** Sorted by start time. */
  conversations: Array<SeedConversation>;
  /** Every recording of every conversation, in conversation order. */
  recordings: Array<SeedRecording>;
};

export const WAV_HEADER_BYTES = 44;
export const AUDIO_SAMPLE_RATE = 8000;
export const AUDIO_BYTES_PER_FRAME = 4; // 16-bit stereo

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The default anchor: now, to the minute, so no call lies in the future of the client's clock. */
export function defaultAnchor(now: Date = new Date()): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

export function wavSizeForDuration(durationMs: number): number {
  return WAV_HEADER_BYTES + durationMs * (AUDIO_SAMPLE_RATE / 1000) * AUDIO_BYTES_PER_FRAME;
}

const AGENT_NAMES: ReadonlyArray<[string, string]> = [
  ['James Whitfield', 'FX Spot Dealer'],
  ['Priya Raman', 'Senior FX Dealer'],
  ['Tom Okafor', 'Rates Trader'],
  ['Sophie Laurent', 'Rates Sales Trader'],
  ['Daniel Reyes', 'Client Services Associate'],
  ['Hannah Brooks', 'Client Services and FX Support'],
];

const CLIENT_FIRST = ['Oliver', 'Amelia', 'Raj', 'Chloe', 'Marcus', 'Elena', 'Kenji', 'Fatima', 'Lucas', 'Isla', 'Samuel', 'Grace'];
const CLIENT_LAST = ['Hartley', 'Novak', 'Mehta', 'Fischer', 'Osei', 'Moreau', 'Tanaka', 'Costa', 'Byrne', 'Lindqvist'];
const CLIENT_FIRMS = [
  'Northgate Asset Management',
  'Calder Pension Trustees',
  'Bluewater Capital',
  'Ashby & Crane Family Office',
  'Heron Bay Insurance',
  'Stratton Global Macro',
  'Kestrel Treasury Services',
  'Lowther Investment Partners',
];

const FX_PAIRS: ReadonlyArray<{ instrument: string; spoken: string; ccy: string; ccyWord: string; price: number }> = [
  { instrument: 'EUR/USD spot', spoken: 'euro dollar', ccy: 'EUR', ccyWord: 'euro', price: 1.08 },
  { instrument: 'GBP/USD spot', spoken: 'cable', ccy: 'GBP', ccyWord: 'sterling', price: 1.27 },
  { instrument: 'USD/JPY spot', spoken: 'dollar yen', ccy: 'USD', ccyWord: 'dollars', price: 151.2 },
  { instrument: 'EUR/GBP spot', spoken: 'euro sterling', ccy: 'EUR', ccyWord: 'euro', price: 0.85 },
];

const RATES_INSTRUMENTS: ReadonlyArray<{ instrument: string; spoken: string; ccy: string; ccyWord: string; yieldBase: number }> = [
  { instrument: 'UKT 4.25% 2034 (10y gilt)', spoken: 'the ten year gilt', ccy: 'GBP', ccyWord: 'sterling', yieldBase: 4.1 },
  { instrument: 'GBP 5y SONIA swap', spoken: 'five year sonia swaps', ccy: 'GBP', ccyWord: 'sterling', yieldBase: 3.8 },
  { instrument: 'DBR 2.6% 2034 (10y Bund)', spoken: 'ten year bunds', ccy: 'EUR', ccyWord: 'euro', yieldBase: 2.4 },
];

const AMOUNTS_MILLIONS: ReadonlyArray<[number, string]> = [
  [1, 'one'],
  [2, 'two'],
  [3, 'three'],
  [5, 'five'],
  [10, 'ten'],
  [15, 'fifteen'],
  [20, 'twenty'],
  [25, 'twenty five'],
  [50, 'fifty'],
];

const WRAP_UP_CODES = ['Trade executed', 'Price only', 'Trade amended', 'Enquiry resolved'];

export function generateDataset(options: GenerateDatasetOptions): Dataset {
  const { seed, anchor, days } = options;
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  if (!(days > 0)) throw new Error(`days must be positive, got ${days}`);
  if (Number.isNaN(anchor.getTime())) throw new Error('anchor is not a valid date');
  const archivedFraction = options.archivedFraction ?? 0.03;
  const transcodeFraction = options.transcodeFraction ?? 0.2;
  const bulk = options.recordings !== undefined;
  if (bulk && !(Number.isInteger(options.recordings) && (options.recordings ?? 0) > 0)) {
    throw new Error(`recordings must be a positive integer, got ${options.recordings}`);
  }
  const conversationCount = options.conversations ?? 240;
  if (!bulk && !(Number.isInteger(conversationCount) && conversationCount > 0)) {
    throw new Error(`conversations must be a positive integer, got ${conversationCount}`);
  }

  const rng = createRng(deriveSeed(seed, 0x0b5e));
  const anchorMs = anchor.getTime();
  const createdDate = iso(anchorMs - 900 * DAY_MS);

  const organization: SeedOrganization = {
    id: rng.uuid(),
    name: 'Meridian Capital Markets (sandbox)',
    thirdPartyOrgName: 'meridian-capital-sandbox',
    recordingRegion: 'eu-west-2',
  };
  const tradingDivision: SeedDivision = { id: rng.uuid(), name: 'Trading Floor' };
  const homeDivision: SeedDivision = { id: rng.uuid(), name: 'Home' };
  const queues: Array<SeedQueue> = [
    { id: rng.uuid(), name: 'FX Spot Desk', description: 'Voice-traded FX spot and forwards', trading: true, divisionId: tradingDivision.id },
    { id: rng.uuid(), name: 'Rates Desk', description: 'Gilts, Bunds and sterling swaps', trading: true, divisionId: tradingDivision.id },
    { id: rng.uuid(), name: 'Client Services', description: 'Statements, settlement and onboarding queries', trading: false, divisionId: homeDivision.id },
  ];
  const [fxQueue, ratesQueue, servicesQueue] = queues as [SeedQueue, SeedQueue, SeedQueue];
  const agentQueues = [[fxQueue], [fxQueue], [ratesQueue], [ratesQueue], [servicesQueue], [servicesQueue, fxQueue]];
  const agents: Array<SeedAgent> = AGENT_NAMES.map(([name, title], index) => ({
    id: rng.uuid(),
    name,
    email: `${name.toLowerCase().replace(/ /g, '.')}@meridian-capital.example`,
    title,
    divisionId: index < 4 ? tradingDivision.id : homeDivision.id,
    queueIds: (agentQueues[index] ?? []).map((q) => q.id),
  }));

  const clients: Array<SeedClient> = [];
  const usedAccounts = new Set<string>();
  while (clients.length < 36) {
    const account = `ACC-${rng.int(100000, 199999)}`;
    if (usedAccounts.has(account)) continue;
    usedAccounts.add(account);
    clients.push({
      name: `${rng.pick(CLIENT_FIRST)} ${rng.pick(CLIENT_LAST)}`,
      firm: rng.pick(CLIENT_FIRMS),
      account,
      phone: `+4420794600${String(clients.length).padStart(2, '0')}`,
    });
  }

  const retentionPolicies: Array<SeedRetentionPolicy> = [
    {
      id: rng.uuid(),
      name: 'MiFID II trading desk calls',
      description: 'Art. 16(7) MiFID II: keep voice-trading recordings 7 years; archive after 1 year.',
      enabled: true,
      order: 1,
      queueIds: [fxQueue.id, ratesQueue.id],
      archiveDays: 365,
      deleteDays: 2555,
      createdDate,
      modifiedDate: iso(anchorMs - 400 * DAY_MS),
    },
    {
      id: rng.uuid(),
      name: 'Client services calls',
      description: 'Non-trading calls: archive after 90 days, delete after 2 years.',
      enabled: true,
      order: 2,
      queueIds: [servicesQueue.id],
      archiveDays: 90,
      deleteDays: 730,
      createdDate,
      modifiedDate: createdDate,
    },
    {
      id: rng.uuid(),
      name: 'Legacy 90-day purge (disabled)',
      description: 'Superseded by the MiFID II policy; kept disabled for the audit trail.',
      enabled: false,
      order: 3,
      queueIds: [],
      archiveDays: 30,
      deleteDays: 90,
      createdDate,
      modifiedDate: iso(anchorMs - 420 * DAY_MS),
    },
  ];
  const policyForQueue = (queueId: string): SeedRetentionPolicy =>
    retentionPolicies.find((p) => p.enabled && p.queueIds.includes(queueId)) ?? (retentionPolicies[1] as SeedRetentionPolicy);

  const context: BuildContext = {
    seed,
    anchorMs,
    days,
    bulk,
    archivedFraction,
    transcodeFraction,
    queues,
    agents,
    clients,
    policyForQueue,
  };
  const conversations: Array<SeedConversation> = [];
  if (bulk) {
    let remaining = options.recordings ?? 0;
    for (let index = 0; remaining > 0; index += 1) {
      const conversation = buildConversation(context, index, remaining);
      remaining -= conversation.recordings.length;
      conversations.push(conversation);
    }
  } else {
    for (let index = 0; index < conversationCount; index += 1) conversations.push(buildConversation(context, index, Infinity));
  }
  let longCallRecordingId: string | null = null;
  if (options.longCallHours !== undefined) {
    if (!(options.longCallHours > 0 && options.longCallHours <= 24)) throw new Error(`longCallHours must be more than 0 and at most 24, got ${options.longCallHours}`);
    // Its own stream index (after every other), so the other calls do not change; whole seconds of audio.
    const longCallMs = Math.max(1, Math.round(options.longCallHours * 3600)) * 1000;
    const longCall = buildConversation(context, conversations.length + 1_000_000, Infinity, longCallMs);
    longCallRecordingId = longCall.recordings[0]!.id;
    conversations.push(longCall);
  }
  conversations.sort((a, b) => (a.startTime === b.startTime ? compare(a.id, b.id) : compare(a.startTime, b.startTime)));
  assignTradingIds(conversations, createRng(deriveSeed(seed, 0x7d1d)));

  return {
    seed,
    anchor: anchor.toISOString(),
    days,
    mode: bulk ? 'bulk' : 'standard',
    longCallRecordingId,
    organization,
    divisions: [tradingDivision, homeDivision],
    queues,
    agents,
    clients,
    retentionPolicies,
    conversations,
    recordings: conversations.flatMap((c) => c.recordings),
  };
}

type BuildContext = {
  seed: number;
  anchorMs: number;
  days: number;
  bulk: boolean;
  archivedFraction: number;
  transcodeFraction: number;
  queues: ReadonlyArray<SeedQueue>;
  agents: ReadonlyArray<SeedAgent>;
  clients: ReadonlyArray<SeedClient>;
  policyForQueue: (queueId: string) => SeedRetentionPolicy;
};

/** Each conversation has its own stream, so conversation i does not change when the total count does. */
function buildConversation(ctx: BuildContext, index: number, recordingBudget: number, longCallMs?: number): SeedConversation {
  const rng = createRng(deriveSeed(ctx.seed, index, 0xc0a7));
  const [fxQueue, ratesQueue, servicesQueue] = ctx.queues as [SeedQueue, SeedQueue, SeedQueue];
  const roll = rng.next();
  const queue = roll < 0.4 ? fxQueue : roll < 0.73 ? ratesQueue : servicesQueue;
  const agent = rng.pick(ctx.agents.filter((a) => a.queueIds.includes(queue.id)));
  const direction: 'inbound' | 'outbound' = rng.chance(queue.trading ? 0.55 : 0.85) ? 'inbound' : 'outbound';
  // A few frequent clients make "several calls share a client account" common.
  const client = ctx.clients[Math.floor(Math.pow(rng.next(), 1.6) * ctx.clients.length)] as SeedClient;

  const talkDurationsMs = longCallMs ? [longCallMs] : drawTalkDurations(rng, ctx.bulk, recordingBudget);
  const holdMs = talkDurationsMs.length > 1 ? rng.int(8, 90) * 1000 : 0;
  const queueWaitMs = direction === 'inbound' ? rng.int(3, 40) * 1000 : 0;
  const ringMs = rng.int(2, 9) * 1000;
  const hangupMs = rng.int(1, 3) * 1000;
  const totalMs = queueWaitMs + ringMs + talkDurationsMs.reduce((a, b) => a + b, 0) + holdMs + hangupMs;
  // Start times come from their own stream, so ids and content do not move when the anchor does.
  const startMs = drawStartTime(createRng(deriveSeed(ctx.seed, index, 0x71e5)), ctx, totalMs);

  const conversationId = rng.uuid();
  const connectMs = startMs + queueWaitMs + ringMs;
  const endMs = startMs + totalMs;
  const talkEndMs = endMs - hangupMs;
  const wrapUpMs = rng.int(10, 60) * 1000;
  const wrapUpCode = rng.pick(WRAP_UP_CODES);
  const deskNumber = `+44203000${queue === fxQueue ? '0101' : queue === ratesQueue ? '0202' : '0303'}`;

  const clientSessionId = rng.uuid();
  const agentSessionId = rng.uuid();
  const acdSessionId = rng.uuid();
  const clientParticipantId = rng.uuid();
  const agentParticipantId = rng.uuid();
  const acdParticipantId = rng.uuid();

  const talkSegments: Array<SeedSegment> = [];
  const recordingSpans: Array<{ start: number; end: number }> = [];
  let cursor = connectMs;
  talkDurationsMs.forEach((duration, part) => {
    if (part > 0) {
      talkSegments.push({ type: 'hold', start: iso(cursor), end: iso(cursor + holdMs), queueId: queue.id });
      cursor += holdMs;
    }
    talkSegments.push({ type: 'interact', start: iso(cursor), end: iso(cursor + duration), queueId: queue.id });
    recordingSpans.push({ start: cursor, end: cursor + duration });
    cursor += duration;
  });
  const lastTalk = talkSegments[talkSegments.length - 1];
  if (lastTalk) lastTalk.disconnectType = direction === 'inbound' ? 'peer' : 'client';

  const clientPurpose: ParticipantPurpose = direction === 'inbound' ? 'customer' : 'external';
  const clientParticipant: SeedParticipant = {
    id: clientParticipantId,
    purpose: clientPurpose,
    name: client.name,
    sessionId: clientSessionId,
    direction,
    ani: direction === 'inbound' ? `tel:${client.phone}` : `tel:${deskNumber}`,
    dnis: direction === 'inbound' ? `tel:${deskNumber}` : `tel:${client.phone}`,
    startTime: iso(direction === 'inbound' ? startMs : connectMs - ringMs),
    endTime: iso(talkEndMs),
    connectedTime: iso(direction === 'inbound' ? startMs : connectMs),
    recorded: true,
    segments: [{ type: 'interact', start: iso(direction === 'inbound' ? startMs : connectMs), end: iso(talkEndMs), disconnectType: 'peer' }],
    attributes: {},
  };
  const agentSegments: Array<SeedSegment> =
    direction === 'inbound'
      ? [{ type: 'alert', start: iso(connectMs - ringMs), end: iso(connectMs), queueId: queue.id }]
      : [
          { type: 'dialing', start: iso(startMs), end: iso(startMs + 1000), queueId: queue.id },
          { type: 'contacting', start: iso(startMs + 1000), end: iso(connectMs), queueId: queue.id },
        ];
  agentSegments.push(...talkSegments, { type: 'wrapup', start: iso(talkEndMs), end: iso(talkEndMs + wrapUpMs), queueId: queue.id, wrapUpCode });
  const agentParticipant: SeedParticipant = {
    id: agentParticipantId,
    purpose: 'agent',
    name: agent.name,
    userId: agent.id,
    queueId: queue.id,
    sessionId: agentSessionId,
    direction,
    ani: direction === 'inbound' ? `tel:${client.phone}` : `tel:${deskNumber}`,
    dnis: direction === 'inbound' ? `tel:${deskNumber}` : `tel:${client.phone}`,
    startTime: iso(direction === 'inbound' ? connectMs - ringMs : startMs),
    endTime: iso(talkEndMs),
    connectedTime: iso(connectMs),
    recorded: true,
    segments: agentSegments,
    attributes: {},
  };
  const participants: Array<SeedParticipant> = [clientParticipant];
  if (direction === 'inbound') {
    participants.push({
      id: acdParticipantId,
      purpose: 'acd',
      name: queue.name,
      queueId: queue.id,
      sessionId: acdSessionId,
      direction,
      ani: `tel:${client.phone}`,
      dnis: `tel:${deskNumber}`,
      startTime: iso(startMs),
      endTime: iso(connectMs),
      recorded: false,
      segments: [{ type: 'interact', start: iso(startMs), end: iso(connectMs), queueId: queue.id, disconnectType: 'peer' }],
      attributes: {},
    });
    participants.push(agentParticipant);
  } else {
    participants.unshift(agentParticipant);
  }

  const policy = ctx.policyForQueue(queue.id);
  const recordings: Array<SeedRecording> = recordingSpans.map((span, part) => {
    const creationMs = span.end + rng.int(5, 60) * 1000;
    // Every draw happens whatever the outcome, keeping the stream aligned across anchors.
    const archivedRoll = rng.chance(ctx.archivedFraction);
    const transcodeRoll = rng.chance(ctx.transcodeFraction);
    const earlyArchiveDays = rng.int(1, 3);
    // The long call is always playable at once: what it measures is the transfer, not a restore or a transcode.
    const archived = !longCallMs && span.start < ctx.anchorMs - 4 * DAY_MS && archivedRoll;
    const transcode = !longCallMs && !archived && transcodeRoll;
    const durationMs = span.end - span.start;
    return {
      id: rng.uuid(),
      conversationId,
      part,
      sessionId: agentSessionId,
      startTime: iso(span.start),
      endTime: iso(span.end),
      durationMs,
      creationTime: iso(creationMs),
      fileState: archived ? 'ARCHIVED' : 'AVAILABLE',
      // Archived early (a bulk archive job), otherwise the policy's schedule.
      archiveDate: iso(archived ? Math.min(creationMs + earlyArchiveDays * DAY_MS, ctx.anchorMs - DAY_MS) : creationMs + policy.archiveDays * DAY_MS),
      deleteDate: iso(creationMs + policy.deleteDays * DAY_MS),
      transcodeOnFirstRequest: transcode,
      sizeBytes: wavSizeForDuration(durationMs),
      audioSeed: rng.uint32(),
      userIds: [agent.id],
    };
  });

  const attributesRoll = rng.next();
  // About 10% of trading calls lack one or both tags: the MiFID II record-keeping failure the app must surface.
  const missing = !queue.trading ? 'both' : attributesRoll < 0.04 ? 'tradingId' : attributesRoll < 0.07 ? 'account' : attributesRoll < 0.1 ? 'both' : 'none';
  const deal = queue.trading ? drawDeal(rng, queue === fxQueue) : null;
  const conversation: SeedConversation = {
    id: conversationId,
    startTime: iso(startMs),
    endTime: iso(endMs),
    direction,
    queueId: queue.id,
    agentId: agent.id,
    divisionIds: [queue.divisionId],
    trading: queue.trading,
    // Trading ids are numbered per day once all calls are sorted; a placeholder marks who gets one.
    tradingId: missing === 'none' || missing === 'account' ? PENDING_TRADING_ID : null,
    clientAccount: missing === 'none' || missing === 'tradingId' ? client.account : null,
    client,
    deal,
    followUpOf: null,
    participants,
    recordings,
  };
  return conversation;
}

const PENDING_TRADING_ID = 'pending';

function drawTalkDurationsStandard(rng: Rng): Array<number> {
  // Log-normal around 2.5 min (most calls 1-5 min), plus a thin tail of long calls of 30-45 min.
  const seconds = rng.chance(0.02) ? rng.uniform(1805, 2700) : clamp(Math.exp(Math.log(150) + 0.75 * rng.normal()), 20, 1790);
  const totalMs = Math.round(seconds) * 1000;
  if (totalMs >= 70_000 && rng.chance(0.06)) {
    const first = Math.round((totalMs * rng.uniform(0.3, 0.7)) / 1000) * 1000;
    return [first, totalMs - first];
  }
  return [totalMs];
}

function drawTalkDurations(rng: Rng, bulk: boolean, budget: number): Array<number> {
  if (!bulk) return drawTalkDurationsStandard(rng);
  const draw = (): number => rng.int(2000, 6000);
  return budget >= 2 && rng.chance(0.05) ? [draw(), draw()] : [draw()];
}

/** Mostly London business hours on weekdays; the call ends before the anchor. */
function drawStartTime(rng: Rng, ctx: BuildContext, totalMs: number): number {
  const windowStart = ctx.anchorMs - ctx.days * DAY_MS;
  const latestStart = ctx.anchorMs - totalMs - MINUTE_MS;
  for (let attempt = 0; attempt < 40; attempt += 1) {
    const dayMs = Math.floor((windowStart + rng.next() * ctx.days * DAY_MS) / DAY_MS) * DAY_MS;
    const weekday = new Date(dayMs).getUTCDay();
    if ((weekday === 0 || weekday === 6) && rng.chance(0.9)) continue;
    const businessHours = rng.chance(0.88);
    const secondOfDay = businessHours ? rng.int(7 * 3600, 18 * 3600) : rng.int(0, 86_399);
    const start = dayMs + secondOfDay * 1000;
    if (start >= windowStart && start <= latestStart) return start;
  }
  return Math.max(windowStart, latestStart - rng.int(0, 3600) * 1000);
}

function drawDeal(rng: Rng, fx: boolean): SeedDeal {
  const side = rng.chance(0.5) ? 'buy' : 'sell';
  const [millions, words] = rng.pick(AMOUNTS_MILLIONS);
  if (fx) {
    const pair = rng.pick(FX_PAIRS);
    const price = (pair.price * (1 + rng.uniform(-0.01, 0.01))).toFixed(pair.price > 100 ? 2 : 4);
    return {
      instrument: pair.instrument,
      instrumentSpoken: pair.spoken,
      side,
      amountText: `${pair.ccy} ${formatMillions(millions)}`,
      amountSpoken: `${words} million ${pair.ccyWord}`,
      price,
    };
  }
  const bond = rng.pick(RATES_INSTRUMENTS);
  return {
    instrument: bond.instrument,
    instrumentSpoken: bond.spoken,
    side,
    amountText: `${bond.ccy} ${formatMillions(millions)}`,
    amountSpoken: `${words} million ${bond.ccyWord}`,
    price: `${(bond.yieldBase + rng.uniform(-0.2, 0.2)).toFixed(3)}%`,
  };
}

/**
 * Trading ids look like T-YYYYMMDD-NNNN, numbered per day. About 5% of tagged calls are follow-ups that reuse the
 * trading id (and client account) of an earlier call with the same client, so a trading id can match two calls.
 */
function assignTradingIds(conversations: Array<SeedConversation>, rng: Rng): void {
  const perDay = new Map<string, number>();
  // Calls that may still get a follow-up, by client account and desk.
  const openTrades = new Map<string, Array<SeedConversation>>();
  for (const conversation of conversations) {
    if (conversation.tradingId !== PENDING_TRADING_ID) continue;
    const key = `${conversation.client.account}|${conversation.queueId}`;
    const candidates = openTrades.get(key) ?? [];
    const startMs = Date.parse(conversation.startTime);
    const earlier = candidates.find((c) => startMs - Date.parse(c.startTime) < 5 * DAY_MS);
    if (earlier && earlier.tradingId && rng.chance(0.3)) {
      conversation.tradingId = earlier.tradingId;
      conversation.deal = earlier.deal;
      conversation.followUpOf = earlier.id;
      candidates.splice(candidates.indexOf(earlier), 1);
    } else {
      const day = conversation.startTime.slice(0, 10).replace(/-/g, '');
      const next = (perDay.get(day) ?? rng.int(10, 60)) + rng.int(1, 4);
      perDay.set(day, next);
      conversation.tradingId = `T-${day}-${String(next).padStart(4, '0')}`;
      candidates.push(conversation);
      openTrades.set(key, candidates);
    }
  }
  for (const conversation of conversations) {
    const external = conversation.participants.find((p) => p.purpose === 'customer' || p.purpose === 'external');
    if (!external) continue;
    if (conversation.tradingId) external.attributes.trading_id = conversation.tradingId;
    if (conversation.clientAccount) external.attributes.client_account = conversation.clientAccount;
  }
}

function formatMillions(millions: number): string {
  return `${millions},000,000`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
