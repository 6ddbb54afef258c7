// What the walk and the benchmark read inside the pages, without hooks in the app itself: scripts
// installed before the app's own code runs (plain JavaScript: they run in the browser) and the
// readers that collect what they saw.
import { type Page } from 'playwright-core';

/** Keeps every RTCPeerConnection the page makes (jssip makes the softphone's), for getStats. */
export const PEER_CONNECTIONS_PROBE = `(() => {
  const Native = window.RTCPeerConnection;
  const made = [];
  window.__parleyPeerConnections = made;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      made.push(this);
    }
  };
})();`;

/**
 * Times each offer: when the cti WebSocket delivers its 'offer' push (and the offeredAt it
 * carries, the ACD's), when the ringing panel for that call appears, and when its Answer button
 * becomes usable (the softphone rings). Date.now() in the page: the same machine clock as the server.
 */
export const OFFER_TIMING_PROBE = `(() => {
  const offers = new Map();
  const entry = (callId) => {
    let e = offers.get(callId);
    if (!e) {
      e = { callId, offeredAt: null, pushAt: null, panelAt: null, phoneAt: null };
      offers.set(callId, e);
    }
    return e;
  };
  window.__parleyOffers = () => [...offers.values()];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes('/api/v1/cti/ws')) return;
      this.addEventListener('message', (event) => {
        const at = Date.now();
        let message;
        try { message = JSON.parse(event.data); } catch { return; }
        if (!message || message.type !== 'offer' || typeof message.callId !== 'string') return;
        const e = entry(message.callId);
        if (e.pushAt === null) {
          e.pushAt = at;
          e.offeredAt = Date.parse(message.offeredAt);
        }
      });
    }
  };
  const look = () => {
    const at = Date.now();
    for (const panel of document.querySelectorAll('[data-panel="ringing"]')) {
      const callId = panel.getAttribute('data-call-id');
      if (!callId) continue;
      const e = entry(callId);
      if (e.panelAt === null) e.panelAt = at;
      const answer = panel.querySelector('.actions button');
      if (e.phoneAt === null && answer && !answer.disabled) e.phoneAt = at;
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled', 'data-call-id'] });
})();`;

export interface OfferTiming {
  callId: string;
  /** acd.call.offered.v1's offeredAt, as the offer push carries it (ms since the epoch). */
  offeredAt: number | null;
  /** When the page's WebSocket received the offer push. */
  pushAt: number | null;
  /** When the ringing panel for the call appeared. */
  panelAt: number | null;
  /** When its Answer button became usable: the softphone rings. */
  phoneAt: number | null;
}

export function readOfferTimings(page: Page): Promise<OfferTiming[]> {
  return page.evaluate<OfferTiming[]>('window.__parleyOffers ? window.__parleyOffers() : []');
}

export interface AudioStats {
  peerConnections: number;
  dtlsState: string | null;
  packetsReceived: number;
  totalAudioEnergy: number;
  packetsSent: number;
}

/** The audio figures of the newest peer connection the page made (null: none yet). */
export function readAudioStats(page: Page): Promise<AudioStats | null> {
  return page.evaluate<AudioStats | null>(`(async () => {
    const made = window.__parleyPeerConnections || [];
    const pc = made[made.length - 1];
    if (!pc) return null;
    const out = { peerConnections: made.length, dtlsState: null, packetsReceived: 0, totalAudioEnergy: 0, packetsSent: 0 };
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'transport' && s.dtlsState) out.dtlsState = s.dtlsState;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        out.packetsReceived += s.packetsReceived || 0;
        out.totalAudioEnergy += s.totalAudioEnergy || 0;
      }
      if (s.type === 'outbound-rtp' && s.kind === 'audio') out.packetsSent += s.packetsSent || 0;
    });
    return out;
  })()`);
}

/**
 * Starts recording, in the dashboard page, every state the agents table shows for the agent named
 * `agentName` (each change once, with the time it was seen).
 */
export async function recordAgentStates(page: Page, agentName: string): Promise<void> {
  await page.evaluate(`(() => {
    const name = ${JSON.stringify(agentName)};
    const seen = [];
    window.__parleyAgentStates = seen;
    const read = () => {
      for (const row of document.querySelectorAll('tr[data-agent]')) {
        const head = row.querySelector('th');
        if (!head || head.textContent.trim() !== name) continue;
        const cell = row.querySelector('td[data-cell="state"]');
        const text = cell ? cell.textContent.trim() : '';
        if (seen.length === 0 || seen[seen.length - 1].text !== text) seen.push({ text, at: Date.now() });
      }
    };
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
    read();
  })()`);
}

export function readAgentStates(page: Page): Promise<{ text: string; at: number }[]> {
  return page.evaluate<{ text: string; at: number }[]>('window.__parleyAgentStates || []');
}
