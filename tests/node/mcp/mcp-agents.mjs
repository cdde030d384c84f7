// A foreign client's view of MCP tools served as mesh agents (OamOrleans.Mcp.Tests drives it step by step).
//   node mcp/mcp-agents.mjs catalog          -> JSON array of the catalog's agent names
//   node mcp/mcp-agents.mjs call NAME JSON   -> {"status", "headers", "body"} of one request/reply
//   node mcp/mcp-agents.mjs calls JSON       -> an array of those for [[NAME, JSON], ...], one after the other
// Plain npm `nats` and the protocol only (lib/mesh.mjs), nothing of OamOrleans.
import { call, connectMesh, kvJson } from '../lib/mesh.mjs';

const [command, name, payload] = process.argv.slice(2);
const mesh = await connectMesh();
try {
  if (command === 'catalog') {
    const entries = (await kvJson(mesh, 'mesh-catalog', 'catalog')) ?? [];
    console.log(JSON.stringify(entries.map((e) => e.name)));
  } else if (command === 'call') {
    console.log(JSON.stringify(await callOnce(name, payload)));
  } else if (command === 'calls') {
    const results = [];
    for (const [agent, body] of JSON.parse(name)) {
      results.push(await callOnce(agent, body));
    }
    console.log(JSON.stringify(results));
  } else {
    console.error(`unknown command '${command}'`);
    process.exitCode = 2;
  }
} finally {
  await mesh.nc.close();
}

async function callOnce(agent, body) {
  try {
    const reply = await call(mesh, agent, { rawBody: body, timeout: 15000 });
    return { status: reply.headers['X-Mesh-Status'], headers: reply.headers, body: reply.body };
  } catch (e) {
    return { status: 'nats_error', error: String(e?.code ?? e) };
  }
}
