/**
 * @jest-environment node
 */
import { AcdApiClient } from './acd-api.client';
import { InvalidRequestError, ServiceApi } from './api-call';
import { ApiError, UnexpectedResponseError } from './api-error';
import { type HttpRequest, type HttpResponse } from './http-transport';

const CALL_ID = '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';
const COLLEAGUE = '00000000-0000-4000-8000-000000000002';

/** The acd client over a transport that answers what the test queued, in order, and records the requests. */
function clientAnswering(...answers: HttpResponse[]): { client: AcdApiClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const transport = (request: HttpRequest): Promise<HttpResponse> => {
    sent.push(request);
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${request.method} ${request.path}`);
    return Promise.resolve(answer);
  };
  return { client: new AcdApiClient(new ServiceApi(transport, (call) => call('token-1'))), sent };
}

describe('AcdApiClient.consultQueue', () => {
  it('posts { queueId } to the call and returns the consulted agent the acd picked', async () => {
    const view = { callId: CALL_ID, queueId: 'support', agentId: COLLEAGUE, decisionId: 'decision-1', status: 'ringing' };
    const { client, sent } = clientAnswering({ status: 202, body: view });
    await expect(client.consultQueue(CALL_ID, 'support')).resolves.toEqual(view);
    expect(sent).toEqual([{ method: 'POST', path: `/acd/calls/${CALL_ID}/consult`, accessToken: 'token-1', body: { queueId: 'support' } }]);
  });

  it('refuses a queue id the contract does not allow before sending anything', async () => {
    const { client, sent } = clientAnswering();
    await expect(client.consultQueue(CALL_ID, 'Not A Queue')).rejects.toThrow(InvalidRequestError);
    expect(sent).toEqual([]);
  });

  it("rejects with the acd's own message when no agent of the queue is free (409)", async () => {
    const { client } = clientAnswering({ status: 409, body: { statusCode: 409, error: 'Conflict', message: 'no agent of queue support is available' } });
    const failure = await client.consultQueue(CALL_ID, 'support').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(409);
    expect((failure as ApiError).body.message).toBe('no agent of queue support is available');
  });

  it('refuses an answer without the consulted agent, or with another status than 202', async () => {
    const { client } = clientAnswering(
      { status: 202, body: { callId: CALL_ID, queueId: 'support', decisionId: 'decision-1', status: 'ringing' } },
      { status: 200, body: { callId: CALL_ID, queueId: 'support', agentId: COLLEAGUE, decisionId: 'decision-1', status: 'ringing' } },
    );
    await expect(client.consultQueue(CALL_ID, 'support')).rejects.toThrow(UnexpectedResponseError);
    await expect(client.consultQueue(CALL_ID, 'support')).rejects.toThrow(/status 200, expected 202/);
  });
});
