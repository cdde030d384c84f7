// Per-conversation state seen from a foreign client: demo.counter counts turns per conversation, the
// conversation chosen by the X-Mesh-Conversation-Id header, else the input property "conversation", else "default".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, connectMesh, newId } from './lib/mesh.mjs';

let mesh;

before(async () => {
  mesh = await connectMesh();
});

after(async () => {
  await mesh?.nc.close();
});

const byInput = (conversation) => call(mesh, 'demo.counter', { body: { conversation } });
const byHeader = (conversation, body = {}) =>
  call(mesh, 'demo.counter', { body, headers: { 'X-Mesh-Conversation-Id': conversation } });

describe('conversation key from the input property', () => {
  test('turns of one conversation are counted 1, 2, 3', async () => {
    const c = `in-${newId()}`;
    for (const expected of [1, 2, 3]) {
      const reply = await byInput(c);
      assert.equal(reply.headers['X-Mesh-Status'], 'ok');
      assert.deepEqual(reply.body, { count: expected, conversationId: c });
    }
  });

  test('interleaved conversations keep separate state', async () => {
    const a = `in-a-${newId()}`;
    const b = `in-b-${newId()}`;
    assert.equal((await byInput(a)).body.count, 1);
    assert.equal((await byInput(b)).body.count, 1);
    assert.equal((await byInput(a)).body.count, 2);
    assert.equal((await byInput(a)).body.count, 3);
    assert.equal((await byInput(b)).body.count, 2);
  });

  test('concurrent turns of one conversation are never raced (turn-based)', async () => {
    const c = `in-par-${newId()}`;
    const replies = await Promise.all(Array.from({ length: 25 }, () => byInput(c)));
    assert.deepEqual(replies.map((r) => r.body.count).sort((x, y) => x - y), Array.from({ length: 25 }, (_, i) => i + 1));
    assert.equal((await byInput(c)).body.count, 26);
  });
});

describe('conversation key from the X-Mesh-Conversation-Id header', () => {
  test('turns are counted and the header is echoed on the reply', async () => {
    const c = `hdr-${newId()}`;
    for (const expected of [1, 2]) {
      const reply = await byHeader(c);
      assert.equal(reply.headers['X-Mesh-Status'], 'ok');
      assert.deepEqual(reply.body, { count: expected, conversationId: c });
      assert.equal(reply.headers['X-Mesh-Conversation-Id'], c, 'the conversation header is echoed');
    }
  });

  test('the header and the input property address the same conversation', async () => {
    const c = `both-${newId()}`;
    assert.equal((await byHeader(c)).body.count, 1);
    assert.equal((await byInput(c)).body.count, 2);
    assert.equal((await byHeader(c)).body.count, 3);
  });

  test('the header wins over the input property', async () => {
    const header = `hdr-wins-${newId()}`;
    const property = `prop-loses-${newId()}`;
    const reply = await byHeader(header, { conversation: property });
    assert.deepEqual(reply.body, { count: 1, conversationId: header });
    assert.equal((await byInput(property)).body.count, 1, 'the property conversation was not touched');
  });

  test('interleaved header conversations with many parallel callers stay separate', async () => {
    const convs = Array.from({ length: 5 }, () => `hdr-many-${newId()}`);
    const calls = [];
    for (let turn = 0; turn < 8; turn++) {
      for (const c of convs) {
        calls.push(byHeader(c).then((r) => [c, r.body]));
      }
    }
    const results = await Promise.all(calls);
    for (const c of convs) {
      const counts = results.filter(([k]) => k === c).map(([, b]) => b.count).sort((x, y) => x - y);
      assert.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8], `conversation ${c}`);
      assert.ok(results.filter(([k]) => k === c).every(([, b]) => b.conversationId === c));
    }
  });
});

describe('no key', () => {
  test('without header or property the conversation is "default"', async () => {
    const first = await call(mesh, 'demo.counter', { body: {} });
    assert.equal(first.headers['X-Mesh-Status'], 'ok');
    assert.equal(first.body.conversationId, 'default');
    const second = await call(mesh, 'demo.counter', { body: { conversation: null } });
    assert.equal(second.body.conversationId, 'default');
    assert.ok(second.body.count > first.body.count, 'the default conversation keeps counting');
    assert.equal(first.headers['X-Mesh-Conversation-Id'], undefined, 'no conversation header when none was sent');
  });
});
