import { type SipCredentials } from '@parley/contracts';
import { type Phone } from './phone';
import { Softphone, type AudioOutput } from './softphone';

type SinkableAudio = HTMLAudioElement & { setSinkId?: (deviceId: string) => Promise<void> };

/** The far end's audio in one hidden `<audio>` element of the page, on the chosen output where the browser allows it. */
export function elementAudioOutput(element: SinkableAudio): AudioOutput {
  return {
    play(track, stream) {
      element.srcObject = stream ?? new MediaStream([track]);
      // Autoplay is allowed: the agent clicked "answer".
      element.play().catch((error: unknown) => console.warn('the call audio could not start', error));
    },
    stop() {
      element.srcObject = null;
    },
    async setSinkId(deviceId) {
      if (element.setSinkId) await element.setSinkId(deviceId);
    },
    get canChooseOutput() {
      return typeof element.setSinkId === 'function';
    },
  };
}

let sharedAudio: HTMLAudioElement | null = null;

/** The page's call audio element, made once. */
function callAudioElement(): HTMLAudioElement {
  if (!sharedAudio) {
    sharedAudio = document.createElement('audio');
    sharedAudio.autoplay = true;
    sharedAudio.hidden = true;
    sharedAudio.dataset.callAudio = '';
    document.body.append(sharedAudio);
  }
  return sharedAudio;
}

/** The agent's jssip softphone in this browser. */
export function browserPhone(credentials: () => Promise<SipCredentials>): Phone {
  return new Softphone({
    credentials,
    // jssip (about 300 kB) is loaded when an agent's phone starts, not for every screen.
    createUa: async (settings) => (await import('./jssip-ua')).createJssipUa(settings),
    media: navigator.mediaDevices,
    audio: elementAudioOutput(callAudioElement()),
    onProblem: (problem, cause) => console.warn(problem, cause ?? ''),
  });
}
