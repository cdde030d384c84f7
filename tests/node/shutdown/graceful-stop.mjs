// Graceful stop seen from a foreign client (reference §4.3, §4.6). NOT part of the shared suite: it stops
// the silo. Run by the interop tests against a silo of its own: OAM_URL and OAM_SILO_PID in the environment.
// The client sends SIGTERM itself, then watches the mesh: death notices, catalog, registry, instances.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, connectMesh, decodeText, eventually, kvJson } from '../lib/mesh.mjs';

let mesh;

before(async () => {
  mesh = await connectMesh();
});

after(async () => {
  await mesh?.nc.close();
});

test('SIGTERM: death notices without headers, catalog and registry cleaned up, instance record deleted', async () => {
  const pid = Number(process.env.OAM_SILO_PID);
  assert.ok(pid > 0, 'OAM_SILO_PID is set');

  const reply = await call(mesh, 'demo.echo', { body: { message: 'last words' } });
  assert.equal(reply.headers['X-Mesh-Status'], 'ok');
  const hostId = reply.headers['X-Mesh-Instance-Id'];
  const record = await kvJson(mesh, 'mesh-instances', hostId);
  assert.ok(record, 'the instance record exists while serving');
  // Every agent the host serves, as it says itself (sample agents come and go; the protocol record is the truth).
  const AGENTS = record.agents;
  assert.ok(AGENTS.includes('demo.echo') && AGENTS.length >= 6, `the host lists its agents: ${AGENTS}`);

  const notices = new Map();
  const sub = mesh.nc.subscribe('mesh.death.>');
  const allDead = (async () => {
    for await (const m of sub) {
      notices.set(m.subject, { headers: m.headers, body: JSON.parse(decodeText(m.data)) });
      if (AGENTS.every((a) => notices.has(`mesh.death.${a}`))) {
        return;
      }
    }
  })();
  await mesh.nc.flush();

  process.kill(pid, 'SIGTERM');

  let timer;
  try {
    await Promise.race([
      allDead,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`death notices so far: ${[...notices.keys()]}`)), 30000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }

  for (const agent of AGENTS) {
    const { headers, body } = notices.get(`mesh.death.${agent}`);
    assert.equal(headers, undefined, `mesh.death.${agent} is sent without headers`);
    assert.deepEqual(Object.keys(body).sort(), ['agent', 'detected_at', 'instance_id', 'reason']);
    assert.equal(body.agent, agent);
    assert.equal(body.reason, 'graceful_shutdown');
    assert.equal(body.instance_id, hostId);
    assert.match(body.detected_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
  }

  await eventually(async () => {
    const catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
    return Array.isArray(catalog) && !catalog.some((e) => AGENTS.includes(e.name));
  }, { timeout: 15000, what: 'the catalog to drop the agents (the key stays, as [])' });
  const catalog = await kvJson(mesh, 'mesh-catalog', 'catalog');
  assert.deepEqual(catalog, [], 'an empty catalog stays as []');

  for (const agent of AGENTS) {
    assert.equal(await kvJson(mesh, 'mesh-registry', agent), undefined, `mesh-registry/${agent} is deleted`);
  }
  assert.equal(await kvJson(mesh, 'mesh-instances', hostId), undefined, 'the instance record is deleted');

  await assert.rejects(
    mesh.nc.request('mesh.agent.demo.echo', new TextEncoder().encode('{"message":"anyone?"}'), { timeout: 10000 }),
    (err) => err.code === '503',
    'nobody serves the agents any more');
});
