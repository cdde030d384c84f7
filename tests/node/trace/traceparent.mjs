// A plain npm `nats` client (no OpenAgentMesh SDK) that sets a W3C traceparent on a request to demo.echo.
// Run by OamOrleans.Telemetry.Tests: OAM_URL and TRACEPARENT come from the environment; prints the answer as JSON.
import { connect, headers } from "nats";
import { randomUUID } from "node:crypto";

const nc = await connect({ servers: process.env.OAM_URL });
const h = headers();
h.set("X-Mesh-Request-Id", randomUUID().replaceAll("-", ""));
h.set("traceparent", process.env.TRACEPARENT);
h.set("tracestate", "node=1");
const msg = await nc.request("mesh.agent.demo.echo", new TextEncoder().encode(JSON.stringify({ message: "from node" })), { headers: h, timeout: 10000 });
console.log(JSON.stringify({ status: msg.headers?.get("X-Mesh-Status"), body: JSON.parse(new TextDecoder().decode(msg.data)) }));
await nc.close();
