// A deliberately small, SDK-free OpenAgentMesh client on plain npm `nats`.
// It knows only the protocol (subjects, X-Mesh-* headers, envelopes, KV buckets): nothing of OamOrleans.
import { randomBytes } from 'node:crypto';
import { connect, headers as natsHeaders, StringCodec } from 'nats';

const sc = StringCodec();

export const HEX32 = /^[0-9a-f]{32}$/;

/** The mesh URL, resolved like the reference SDK: OAM_URL, else the default. */
export const meshUrl = () => process.env.OAM_URL || 'nats://localhost:4222';

/** A fresh uuid4-hex style id (32 lowercase hex chars, no dashes). */
export const newId = () => randomBytes(16).toString('hex');

/** Each caller names its connection oam-host-{instance_id}, as the reference SDK does. */
export async function connectMesh() {
  const instanceId = newId();
  const nc = await connect({ servers: meshUrl(), name: `oam-host-${instanceId}` });
  return { nc, instanceId };
}

/** NATS headers (a MsgHdrs) as a plain object of first values. */
export function headerObject(msg) {
  const out = {};
  if (msg.headers) {
    for (const [k, v] of msg.headers) {
      out[k] = v[0];
    }
  }
  return out;
}

/** Request payload: a string is sent verbatim, anything else as JSON, undefined as an empty body. */
export const encode = (value) => (value === undefined ? new Uint8Array() : sc.encode(typeof value === 'string' ? value : JSON.stringify(value)));

export const decodeJson = (msg) => (msg.data.length === 0 ? {} : JSON.parse(sc.decode(msg.data)));

export const decodeText = (data) => sc.decode(data);

/**
 * `call` as the reference SDK does it on the wire: request/reply on mesh.agent.{name} with
 * X-Mesh-Request-Id and X-Mesh-Instance-Id. `rawBody` (a string) is sent verbatim; `body` is JSON-encoded
 * (a string `body` is sent as is: pass rawBody for scalars); `undefined` sends an empty body.
 * Returns { msg, headers, body, requestId }.
 */
export async function call(mesh, name, { body, rawBody, headers = {}, timeout = 10000, requestId = newId() } = {}) {
  const h = natsHeaders();
  h.set('X-Mesh-Request-Id', requestId);
  h.set('X-Mesh-Instance-Id', mesh.instanceId);
  for (const [k, v] of Object.entries(headers)) {
    h.set(k, v);
  }
  const payload = rawBody !== undefined ? sc.encode(rawBody) : encode(body);
  const msg = await mesh.nc.request(`mesh.agent.${name}`, payload, { headers: h, timeout });
  return { msg, headers: headerObject(msg), body: decodeJson(msg), requestId };
}

/** Reads a JetStream KV value as JSON (bucket must exist: bind only, never create). */
export async function kvJson(mesh, bucket, key) {
  const kv = await mesh.nc.jetstream().views.kv(bucket, { bindOnly: true });
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') {
    return undefined;
  }
  return JSON.parse(sc.decode(entry.value));
}

/** Resolves with the first message on `subject` (subscribed before `action` runs), or rejects after `timeout` ms. */
export async function firstMessage(nc, subject, action, timeout = 10000) {
  const sub = nc.subscribe(subject, { max: 1, timeout });
  await nc.flush();
  const received = (async () => {
    for await (const m of sub) {
      return m;
    }
    throw new Error(`no message on ${subject}`);
  })();
  const result = await action();
  const msg = await received;
  return { msg, result };
}

/** Polls `probe` until it returns a truthy value or the deadline passes (a condition wait, not a sleep). */
export async function eventually(probe, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) {
      return last;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}
