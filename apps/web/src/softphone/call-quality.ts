import { type CallQuality } from './phone';

/** One entry of an `RTCStatsReport`, as far as the summary reads it. */
type StatsEntry = { type: string; kind?: string; [field: string]: unknown };

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * The audio figures an agent (or the support desk) looks at: packets both ways, loss, jitter and
 * round trip. Jitter and round trip come in seconds; they are shown in ms.
 */
export function summarizeCallStats(entries: Iterable<StatsEntry>): CallQuality {
  const quality: CallQuality = { packetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: null, roundTripMs: null };
  for (const entry of entries) {
    if (entry.kind !== undefined && entry.kind !== 'audio') continue;
    if (entry.type === 'outbound-rtp') quality.packetsSent += num(entry.packetsSent) ?? 0;
    if (entry.type === 'inbound-rtp') {
      quality.packetsReceived += num(entry.packetsReceived) ?? 0;
      quality.packetsLost += Math.max(0, num(entry.packetsLost) ?? 0);
      const jitter = num(entry.jitter);
      if (jitter !== null) quality.jitterMs = Math.round(jitter * 1000);
    }
    if (entry.type === 'remote-inbound-rtp') {
      const rtt = num(entry.roundTripTime);
      if (rtt !== null) quality.roundTripMs = Math.round(rtt * 1000);
    }
    if (entry.type === 'candidate-pair' && entry.nominated === true && quality.roundTripMs === null) {
      const rtt = num(entry.currentRoundTripTime);
      if (rtt !== null) quality.roundTripMs = Math.round(rtt * 1000);
    }
  }
  return quality;
}
