// Calls OamOrleans agents from Node.js with nothing but the `nats` package and the OpenAgentMesh protocol:
// request/reply on mesh.agent.{name}, JSON bodies, X-Mesh-* headers.
//
//   npm install && node client.mjs            (mesh URL: OAM_URL, else .oam-url, else nats://localhost:4222)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect, headers, JSONCodec } from 'nats';

const url = process.env.OAM_URL
  || (existsSync('.oam-url') ? readFileSync('.oam-url', 'utf8').trim() : '')
  || 'nats://localhost:4222';
const instanceId = randomBytes(16).toString('hex');
const nc = await connect({ servers: url, name: `oam-host-${instanceId}` });
const json = JSONCodec();

/** An OpenAgentMesh `call`: returns the output, or throws the error envelope {code, message, agent, request_id, details}. */
async function call(agent, input, { conversation, timeout = 30_000 } = {}) {
  const h = headers();
  h.set('X-Mesh-Request-Id', randomBytes(16).toString('hex'));
  h.set('X-Mesh-Instance-Id', instanceId);
  if (conversation) {
    h.set('X-Mesh-Conversation-Id', conversation); // OamOrleans extension; other hosts ignore it
  }
  let msg;
  try {
    msg = await nc.request(`mesh.agent.${agent}`, json.encode(input), { headers: h, timeout });
  } catch (err) {
    if (err.code === '503') {
      throw Object.assign(new Error(`no agent '${agent}' on the mesh`), { code: 'not_found', agent });
    }
    throw err;
  }
  const body = msg.data.length ? json.decode(msg.data) : {};
  if (msg.headers?.get('X-Mesh-Status') === 'error') {
    throw Object.assign(new Error(body.message), body);
  }
  return body;
}

try {
  const echo = await call('demo.echo', { message: 'hello from Node.js' });
  console.log(`demo.echo    -> ${echo.reply}`);

  // demo.counter keeps per-conversation state: by header here, or by the "conversation" input property.
  const conversation = `node-${randomBytes(4).toString('hex')}`;
  for (let turn = 1; turn <= 3; turn++) {
    const { count, conversationId } = await call('demo.counter', {}, { conversation });
    console.log(`demo.counter -> conversation ${conversationId}, turn ${count}`);
  }
  const byProperty = await call('demo.counter', { conversation });
  console.log(`demo.counter -> conversation ${byProperty.conversationId}, turn ${byProperty.count} (key from the input)`);

  try {
    await call('demo.echo', { message: 42 });
  } catch (err) {
    console.log(`demo.echo    -> ${err.code}: ${err.details?.errors?.[0]?.msg ?? err.message}`);
  }
} finally {
  await nc.close();
}
