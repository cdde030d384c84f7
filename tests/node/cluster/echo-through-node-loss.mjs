// A plain npm `nats` client (no SDK, no retries) on one node of a NATS cluster: it calls demo.echo every 100 ms for
// DURATION_MS and prints one JSON summary line. Another node is killed meanwhile; this client's node survives, so its
// connection must never drop and its calls must be answered again once the silos have reconnected.
import { connect, headers, JSONCodec } from 'nats';

const url = process.env.OAM_URL;
const duration = Number(process.env.DURATION_MS ?? '25000');
const jc = JSONCodec();
const nc = await connect({ servers: url, name: 'node-cluster-client' });
let disconnects = 0;
(async () => {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') disconnects++;
  }
})();

const started = Date.now();
const calls = [];
while (Date.now() - started < duration) {
  const at = Date.now() - started;
  const h = headers();
  h.set('X-Mesh-Request-Id', crypto.randomUUID().replaceAll('-', ''));
  try {
    const reply = await nc.request('mesh.agent.demo.echo', jc.encode({ message: `m${calls.length}` }), { timeout: 2000, headers: h });
    const ok = reply.headers?.get("X-Mesh-Status") === "ok" && jc.decode(reply.data).reply === `Echo: m${calls.length}`;
    calls.push({ at, ok, error: ok ? null : 'unexpected reply: ' + new TextDecoder().decode(reply.data) });
  } catch (e) {
    calls.push({ at, ok: false, error: e.code ?? e.message });
  }
  await new Promise(r => setTimeout(r, 100));
}

const failures = calls.filter(c => !c.ok);
const lastError = failures.at(-1) ?? null;
console.log(JSON.stringify({
  calls: calls.length,
  ok: calls.filter(c => c.ok).length,
  failed: calls.filter(c => !c.ok).length,
  firstErrorAtMs: failures[0]?.at ?? null,
  lastErrorAtMs: lastError?.at ?? null,
  lastError: lastError?.error ?? null,
  lastCallAtMs: calls.at(-1)?.at ?? null,
  server: nc.info?.server_name ?? null,
  disconnects,
}));
await nc.close();
