// One user of a role minted by `oam auth user add`, as a plain npm `nats` client (what the reference TypeScript SDK and its
// admin UI are built on), through every verb its role allows. Prints one line per verb and exits 1 if any failed.
//
//   node roles/role-client.mjs invoker|observer
//
// Environment: OAM_URL, OAM_CREDS (the user's .creds), OAM_INBOX_PREFIX (optional: a private inbox, nats.js `inboxPrefix`),
// OAM_READY_FILE (observer: written once the logs tap is subscribed, so the test can make a log line).
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, credsAuthenticator, headers as natsHeaders, StringCodec } from 'nats';

const sc = StringCodec();
const role = process.argv[2];
const newId = () => randomBytes(16).toString('hex');
const instanceId = newId();

const nc = await connect({
  servers: process.env.OAM_URL,
  name: `oam-host-${instanceId}`,
  authenticator: credsAuthenticator(readFileSync(process.env.OAM_CREDS)),
  ...(process.env.OAM_INBOX_PREFIX ? { inboxPrefix: process.env.OAM_INBOX_PREFIX } : {}),
});

let failed = 0;
async function verb(name, action) {
  try {
    const detail = await action();
    console.log(`ok ${name}: ${detail}`);
  } catch (err) {
    failed++;
    console.log(`FAILED ${name}: ${err?.message ?? err}`);
  }
}

/** Binds (never creates) a mesh bucket and reads one key as JSON, as the reference TypeScript SDK does. */
async function kvRead(bucket, key) {
  const kv = await nc.jetstream().views.kv(bucket, { bindOnly: true });
  const entry = await kv.get(key);
  if (!entry || entry.operation !== 'PUT') {
    throw new Error(`${bucket}/${key} is missing`);
  }
  return JSON.parse(sc.decode(entry.value));
}

function meshHeaders(rid) {
  const h = natsHeaders();
  h.set('X-Mesh-Request-Id', rid);
  h.set('X-Mesh-Instance-Id', instanceId);
  return h;
}

async function firstOn(subject, what) {
  const sub = nc.subscribe(subject, { max: 1, timeout: 20000 });
  for await (const m of sub) {
    return m;
  }
  throw new Error(`no ${what} on ${subject}`);
}

await verb('catalog', async () => {
  const catalog = await kvRead('mesh-catalog', 'catalog');
  if (!catalog.some((e) => e.name === 'demo.echo')) {
    throw new Error('demo.echo is not in the catalog');
  }
  return `${catalog.length} entries`;
});

if (role === 'invoker') {
  await verb('call', async () => {
    const msg = await nc.request('mesh.agent.demo.echo', sc.encode(JSON.stringify({ message: 'from node' })), { headers: meshHeaders(newId()), timeout: 20000 });
    const reply = JSON.parse(sc.decode(msg.data)).reply;
    if (reply !== 'Echo: from node') {
      throw new Error(`unexpected reply ${sc.decode(msg.data)}`);
    }
    return reply;
  });

  await verb('stream', async () => {
    const rid = newId();
    const sub = nc.subscribe(`mesh.stream.${rid}`, { timeout: 20000 });
    await nc.flush();
    const h = meshHeaders(rid);
    h.set('X-Mesh-Stream', 'true');
    nc.publish('mesh.agent.demo.words', sc.encode(JSON.stringify({ message: 'one two three' })), { headers: h });
    const words = [];
    for await (const m of sub) {
      if (m.headers?.get('X-Mesh-Stream-End') === 'true') {
        break;
      }
      words.push(JSON.parse(sc.decode(m.data)).text.trim());
    }
    if (words.join(' ') !== 'one two three') {
      throw new Error(`unexpected frames ${JSON.stringify(words)}`);
    }
    return words.join(' ');
  });

  await verb('events', async () => {
    const event = await firstOn('mesh.agent.auth.deep.pulse.events', 'event');
    return `auth.deep.pulse event ${sc.decode(event.data)}`;
  });

  await verb('kv read', async () => {
    const contract = await kvRead('mesh-registry', 'demo.echo');
    return `contract of ${contract.name}`;
  });
} else if (role === 'observer') {
  await verb('logs tap', async () => {
    const logs = nc.subscribe('mesh.logs.>', { max: 1, timeout: 20000 });
    await nc.flush();
    writeFileSync(process.env.OAM_READY_FILE, 'tapping\n');
    for await (const m of logs) {
      return `${m.subject} ${sc.decode(m.data)}`;
    }
    throw new Error('no log line');
  });

  await verb('kv read', async () => {
    const instances = await nc.jetstream().views.kv('mesh-instances', { bindOnly: true });
    const keys = [];
    for await (const k of await instances.keys()) {
      keys.push(k);
    }
    if (keys.length === 0) {
      throw new Error('mesh-instances is empty');
    }
    return `${keys.length} instance record(s)`;
  });
} else {
  console.log(`FAILED usage: role must be invoker or observer, got '${role}'`);
  failed++;
}

await nc.close();
process.exit(failed === 0 ? 0 : 1);
