// Calls every sample agent the way any OpenAgentMesh client does (request/reply on mesh.agent.{name})
// and checks bodies and reply headers against the protocol (reference §2, §3).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { headers as natsHeaders } from 'nats';
import { HEX32, call, connectMesh, decodeJson, encode, eventually, firstMessage, headerObject, newId } from './lib/mesh.mjs';

let mesh;
let hostInstanceId;

before(async () => {
  mesh = await connectMesh();
});

after(async () => {
  await mesh?.nc.close();
});

/** Checks the headers every successful reply carries (§3.2). */
function assertOkHeaders(reply, agent) {
  const h = reply.headers;
  assert.equal(h['X-Mesh-Status'], 'ok', `X-Mesh-Status of ${agent}`);
  assert.equal(h['X-Mesh-Source'], agent, 'X-Mesh-Source is the responding agent');
  assert.equal(h['X-Mesh-Request-Id'], reply.requestId, 'X-Mesh-Request-Id is echoed');
  assert.match(h['X-Mesh-Request-Id'], HEX32);
  assert.match(h['X-Mesh-Instance-Id'] ?? '', HEX32, 'X-Mesh-Instance-Id is a 32-hex instance id');
  assert.notEqual(h['X-Mesh-Instance-Id'], mesh.instanceId, "the host's own instance id, not the caller's");
  hostInstanceId ??= h['X-Mesh-Instance-Id'];
  assert.equal(h['X-Mesh-Instance-Id'], hostInstanceId, 'one host, one instance id');
}

describe('responders', () => {
  test('demo.echo: {"message"} -> {"reply": "Echo: <message>"}', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'hi' } });
    assertOkHeaders(reply, 'demo.echo');
    assert.deepEqual(reply.body, { reply: 'Echo: hi' });
  });

  test('demo.echo keeps non-ASCII text intact', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'héllo, мир "quoted" 🚀' } });
    assertOkHeaders(reply, 'demo.echo');
    assert.deepEqual(reply.body, { reply: 'Echo: héllo, мир "quoted" 🚀' });
  });

  test('demo.echo ignores unknown input fields (lenient like a Pydantic model)', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'x', extra: [1, 2] } });
    assertOkHeaders(reply, 'demo.echo');
    assert.deepEqual(reply.body, { reply: 'Echo: x' });
  });

  test('demo.greet: JSON string -> JSON string', async () => {
    const reply = await call(mesh, 'demo.greet', { rawBody: '"Ann"' });
    assertOkHeaders(reply, 'demo.greet');
    assert.equal(reply.body, 'Hello, Ann');
  });

  test('demo.shout calls demo.echo by name and shouts', async () => {
    const reply = await call(mesh, 'demo.shout', { body: { message: 'hi' } });
    assertOkHeaders(reply, 'demo.shout');
    assert.deepEqual(reply.body, { reply: 'ECHO: HI!' });
  });

  test('demo.counter answers {"count", "conversationId"}', async () => {
    const conversation = `call-${newId()}`;
    const reply = await call(mesh, 'demo.counter', { body: { conversation } });
    assertOkHeaders(reply, 'demo.counter');
    assert.deepEqual(reply.body, { count: 1, conversationId: conversation });
  });
});

describe('trigger', () => {
  test('demo.clock with an empty body (no input) returns {"utc"}', async () => {
    const before = Date.now();
    const reply = await call(mesh, 'demo.clock', {});
    assertOkHeaders(reply, 'demo.clock');
    assert.deepEqual(Object.keys(reply.body), ['utc']);
    const t = Date.parse(reply.body.utc);
    assert.ok(Number.isFinite(t), `utc parses as a date: ${reply.body.utc}`);
    assert.ok(Math.abs(t - before) < 60_000, 'utc is close to now');
  });

  test('demo.clock ignores a body ({} from a client that always sends one)', async () => {
    const reply = await call(mesh, 'demo.clock', { body: {} });
    assertOkHeaders(reply, 'demo.clock');
    assert.ok(typeof reply.body.utc === 'string');
  });
});

describe('headers', () => {
  test('a request without any headers still gets a reply, with X-Mesh-Request-Id ""', async () => {
    const msg = await mesh.nc.request('mesh.agent.demo.echo', encode({ message: 'bare' }), { timeout: 10000 });
    const h = headerObject(msg);
    assert.deepEqual(decodeJson(msg), { reply: 'Echo: bare' });
    assert.equal(h['X-Mesh-Status'], 'ok');
    assert.equal(h['X-Mesh-Source'], 'demo.echo');
    assert.equal(h['X-Mesh-Request-Id'], '', 'the agent echoes "" when the header was missing');
    assert.match(h['X-Mesh-Instance-Id'] ?? '', HEX32);
  });

  test('the agent echoes whatever request id string it got', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'x' }, headers: { 'X-Mesh-Request-Id': 'not-a-uuid' } });
    assert.equal(reply.headers['X-Mesh-Request-Id'], 'not-a-uuid');
  });

  test('the reply is not an X-Mesh-Stream frame', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 'x' } });
    assert.equal(reply.headers['X-Mesh-Stream-Seq'], undefined);
    assert.equal(reply.headers['X-Mesh-Stream-End'], undefined);
  });
});

describe('send verbs', () => {
  test('send(on_reply): the agent answers on the message reply subject mesh.results.{rid}', async () => {
    const rid = newId();
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', rid);
    h.set('X-Mesh-Instance-Id', mesh.instanceId);
    const { msg } = await firstMessage(mesh.nc, `mesh.results.${rid}`, async () =>
      mesh.nc.publish('mesh.agent.demo.echo', encode({ message: 'later' }), { headers: h, reply: `mesh.results.${rid}` }));
    const hh = headerObject(msg);
    assert.deepEqual(decodeJson(msg), { reply: 'Echo: later' });
    assert.equal(hh['X-Mesh-Status'], 'ok');
    assert.equal(hh['X-Mesh-Source'], 'demo.echo');
    assert.equal(hh['X-Mesh-Request-Id'], rid);
  });

  test('send(reply_to=S): the reply goes to the NATS reply subject; X-Mesh-Reply-To is informational', async () => {
    const rid = newId();
    const target = `oam.test.replies.${rid}`;
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', rid);
    h.set('X-Mesh-Reply-To', target);
    h.set('X-Mesh-Instance-Id', mesh.instanceId);
    const { msg } = await firstMessage(mesh.nc, target, async () =>
      mesh.nc.publish('mesh.agent.demo.greet', encode('"Bo"'), { headers: h, reply: target }));
    assert.equal(decodeJson(msg), 'Hello, Bo');
    assert.equal(headerObject(msg)['X-Mesh-Request-Id'], rid);
  });

  test('send() fire-and-forget (no reply subject) still runs the handler', async () => {
    const conversation = `ff-${newId()}`;
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', newId());
    h.set('X-Mesh-Instance-Id', mesh.instanceId);
    mesh.nc.publish('mesh.agent.demo.counter', encode({ conversation }), { headers: h });
    await mesh.nc.flush();
    // Every probe is itself a turn, so the fire-and-forget turn shows as count == probes + 1.
    let probes = 0;
    await eventually(async () => {
      probes++;
      const reply = await call(mesh, 'demo.counter', { body: { conversation } });
      return reply.body.count === probes + 1;
    }, { what: 'the fire-and-forget turn to be counted' });
  });

  test('a fire-and-forget failure still reaches mesh.errors.{name}', async () => {
    const rid = newId();
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', rid);
    h.set('X-Mesh-Instance-Id', mesh.instanceId);
    // Other tests may fail demo.fail concurrently: wait for *our* request id.
    const sub = mesh.nc.subscribe('mesh.errors.demo.fail', { timeout: 10000 });
    await mesh.nc.flush();
    mesh.nc.publish('mesh.agent.demo.fail', encode({ message: 'nobody listens' }), { headers: h });
    let found;
    for await (const m of sub) {
      if (headerObject(m)['X-Mesh-Request-Id'] === rid) {
        found = m;
        sub.unsubscribe();
      }
    }
    assert.ok(found, 'an error copy with our request id');
    assert.equal(decodeJson(found).code, 'handler_error');
  });
});

describe('verb/shape check', () => {
  test('a stream request to a non-streaming agent gets invocation_mismatch on mesh.stream.{rid}', async () => {
    const rid = newId();
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', rid);
    h.set('X-Mesh-Stream', 'true');
    h.set('X-Mesh-Instance-Id', mesh.instanceId);
    const errors = mesh.nc.subscribe('mesh.errors.demo.echo', { timeout: 10000 });
    const copy = (async () => {
      for await (const m of errors) {
        if (headerObject(m)['X-Mesh-Request-Id'] === rid) {
          errors.unsubscribe();
          return m;
        }
      }
      throw new Error('no mesh.errors copy');
    })();
    const { msg } = await firstMessage(mesh.nc, `mesh.stream.${rid}`, async () =>
      mesh.nc.publish('mesh.agent.demo.echo', encode({ message: 'x' }), { headers: h }));
    const copied = await copy;
    assert.equal(headerObject(copied)['X-Mesh-Status'], 'error');
    assert.equal(decodeJson(copied).code, 'invocation_mismatch', 'the error is also copied to mesh.errors.{name}');
    const hh = headerObject(msg);
    assert.equal(hh['X-Mesh-Status'], 'error');
    assert.equal(hh['X-Mesh-Stream-End'], 'true');
    assert.equal(hh['X-Mesh-Stream-Seq'], undefined, 'error frames carry no sequence number');
    assert.equal(hh['X-Mesh-Request-Id'], rid);
    const body = decodeJson(msg);
    assert.equal(body.code, 'invocation_mismatch');
    assert.equal(body.agent, 'demo.echo');
    assert.equal(body.request_id, rid);
    assert.equal(body.message, "Agent 'demo.echo' does not support streaming. Use call() instead");
  });
});
