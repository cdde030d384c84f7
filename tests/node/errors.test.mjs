// Typed errors as a foreign client sees them (reference §3.3): the error envelope on the reply subject,
// its copy on mesh.errors.{name}, and NATS no-responders for an agent nobody serves.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { headers as natsHeaders } from 'nats';
import { HEX32, call, connectMesh, decodeJson, encode, headerObject, kvJson, newId } from './lib/mesh.mjs';

let mesh;

before(async () => {
  mesh = await connectMesh();
});

after(async () => {
  await mesh?.nc.close();
});

/** The five envelope keys, always present (§3.3). */
function assertEnvelope(reply, { code, agent }) {
  const { headers: h, body } = reply;
  assert.equal(h['X-Mesh-Status'], 'error');
  assert.equal(h['X-Mesh-Source'], undefined, 'X-Mesh-Source is not set on error replies');
  assert.equal(h['X-Mesh-Request-Id'], reply.requestId);
  assert.match(h['X-Mesh-Instance-Id'] ?? '', HEX32);
  assert.deepEqual(Object.keys(body).sort(), ['agent', 'code', 'details', 'message', 'request_id']);
  assert.equal(body.code, code);
  assert.equal(body.agent, agent);
  assert.equal(body.request_id, reply.requestId);
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
  assert.equal(typeof body.details, 'object');
  assert.ok(body.details !== null && !Array.isArray(body.details));
}

/** Subscribes to mesh.errors.{agent}, runs `action(requestId)`, and returns the reply and the copy carrying that id. */
async function errorCopy(agent, action) {
  const requestId = newId();
  const sub = mesh.nc.subscribe(`mesh.errors.${agent}`, { timeout: 10000 });
  await mesh.nc.flush();
  const copy = (async () => {
    for await (const m of sub) {
      // Other callers may fail the same agent concurrently: match on our request id.
      if (headerObject(m)['X-Mesh-Request-Id'] === requestId) {
        sub.unsubscribe();
        return m;
      }
    }
    throw new Error(`no copy on mesh.errors.${agent}`);
  })();
  const reply = await action(requestId);
  return { reply, copy: await copy };
}

describe('invalid_input', () => {
  test('wrong type for message: details.errors lists the field, the reason and the input', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { message: 42 } });
    assertEnvelope(reply, { code: 'invalid_input', agent: 'demo.echo' });
    assert.equal(reply.body.message, "Input failed validation for agent 'demo.echo'");
    const { errors } = reply.body.details;
    assert.ok(Array.isArray(errors) && errors.length >= 1, 'details.errors is a non-empty list');
    const e = errors[0];
    for (const key of ['type', 'loc', 'msg', 'input']) {
      assert.ok(key in e, `error item has ${key}`);
    }
    assert.deepEqual(e.loc, ['message']);
    assert.equal(e.type, 'string_type');
    assert.equal(typeof e.msg, 'string');
    assert.equal(e.input, 42);
  });

  test('missing required field', async () => {
    const reply = await call(mesh, 'demo.echo', { body: { other: 'x' } });
    assertEnvelope(reply, { code: 'invalid_input', agent: 'demo.echo' });
    const e = reply.body.details.errors[0];
    assert.deepEqual(e.loc, ['message']);
    assert.equal(e.type, 'missing');
  });

  test('malformed JSON', async () => {
    const reply = await call(mesh, 'demo.echo', { rawBody: '{"message": ' });
    assertEnvelope(reply, { code: 'invalid_input', agent: 'demo.echo' });
    assert.ok(Array.isArray(reply.body.details.errors));
  });

  test('a scalar agent given the wrong JSON type', async () => {
    const reply = await call(mesh, 'demo.greet', { rawBody: '42' });
    assertEnvelope(reply, { code: 'invalid_input', agent: 'demo.greet' });
    assert.equal(reply.body.details.errors[0].type, 'string_type');
  });

  test('the error is copied to mesh.errors.{name} with the same envelope and headers', async () => {
    const { reply, copy } = await errorCopy('demo.echo', (requestId) => call(mesh, 'demo.echo', { body: { message: [] }, requestId }));
    assertEnvelope(reply, { code: 'invalid_input', agent: 'demo.echo' });
    const h = headerObject(copy);
    assert.equal(h['X-Mesh-Status'], 'error');
    assert.equal(h['X-Mesh-Request-Id'], reply.requestId);
    assert.equal(h['X-Mesh-Instance-Id'], reply.headers['X-Mesh-Instance-Id']);
    assert.deepEqual(decodeJson(copy), reply.body);
  });
});

describe('handler_error', () => {
  test('demo.fail: the exception message comes back as handler_error with details {}', async () => {
    const reply = await call(mesh, 'demo.fail', { body: { message: 'boom' } });
    assertEnvelope(reply, { code: 'handler_error', agent: 'demo.fail' });
    assert.match(reply.body.message, /boom/);
    assert.deepEqual(reply.body.details, {});
  });

  test('demo.fail: copy on mesh.errors.demo.fail', async () => {
    const { reply, copy } = await errorCopy('demo.fail', (requestId) => call(mesh, 'demo.fail', { body: { message: 'copy me' }, requestId }));
    assertEnvelope(reply, { code: 'handler_error', agent: 'demo.fail' });
    assert.equal(headerObject(copy)['X-Mesh-Status'], 'error');
    assert.equal(headerObject(copy)['X-Mesh-Source'], undefined);
    assert.deepEqual(decodeJson(copy), reply.body);
  });

  test('the host keeps serving after errors', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => call(mesh, 'demo.fail', { body: { message: `f${i}` } })));
    const reply = await call(mesh, 'demo.echo', { body: { message: 'still here' } });
    assert.equal(reply.headers['X-Mesh-Status'], 'ok');
    assert.deepEqual(reply.body, { reply: 'Echo: still here' });
  });
});

describe('unknown agent', () => {
  test('a request to an agent nobody serves fails fast with NATS no-responders (503)', async () => {
    const name = `demo.nobody-${newId().slice(0, 8)}`;
    const started = Date.now();
    await assert.rejects(
      mesh.nc.request(`mesh.agent.${name}`, encode({}), { timeout: 10000 }),
      (err) => {
        assert.equal(err.code, '503', `no responders, got ${err.code}: ${err.message}`);
        return true;
      });
    assert.ok(Date.now() - started < 5000, 'fails fast, not by timeout');
    // A client maps this to not_found because the name is not in the catalog either.
    const catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
    assert.ok(!catalog.some((e) => e.name === name));
  });

  test('a request to an invalid agent name gets no responders, not a reply', async () => {
    const h = natsHeaders();
    h.set('X-Mesh-Request-Id', newId());
    await assert.rejects(
      mesh.nc.request('mesh.agent.demo', encode({ message: 'x' }), { timeout: 10000, headers: h }),
      (err) => err.code === '503');
  });
});
