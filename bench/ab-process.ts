import { subscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AbReply, AbRequest, ChildStats } from './ab.js';
import { startMonitor } from './monitor.js';
import type { ServerStats } from './monitor.js';
import { startFloor, startService } from './servers.js';
import type { GcPauses } from '../src/main/hook-call-threads.js';

/**
 * Child process of the A/B rows (ab.ts): the service (startService, with the benchmark's clock
 * and configuration) or the floor (startFloor), alone in its own process as an external harness
 * runs them, so the figures are the process's own: CPU of all its threads, its collector, its
 * memory. It reports `{ type: 'listening', baseUrl }` over IPC, then answers the parent:
 *
 * - `begin`: once idle, marks CPU, GC and the requests received so far;
 * - `end`: once idle, reports what the process spent since `begin` (ChildStats);
 * - `stop`: closes the server and exits with process.exit, which writes a `--cpu-prof` profile.
 *
 * Both wait until no request is in flight: when a timed autocannon run stops, up to one request
 * per connection is still being worked on. Its CPU is then counted, and so is the request, in
 * `requestsReceived`; CPU per request divides by that count.
 *
 * Run as `node --import tsx bench/ab-process.ts <service|floor>` with an IPC channel.
 */

const side = process.argv[2];
if (side !== 'service' && side !== 'floor') throw new Error('usage: ab-process <service|floor>');
const send = process.send?.bind(process);
if (send === undefined) throw new Error('ab-process needs an IPC channel');
const reply = (message: AbReply): void => {
  send(message);
};

// Node's own HTTP server reports each request here, so the shared servers.ts needs no hook.
let received = 0;
let inFlight = 0;
subscribe('http.server.request.start', (message) => {
  const { response } = message as { response: ServerResponse };
  received += 1;
  inFlight += 1;
  // 'close' follows both a finished answer and a connection closed before it.
  response.once('close', () => {
    inFlight -= 1;
  });
});

async function idle(): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (inFlight > 0 && Date.now() < giveUp) await delay(5);
}

const running = side === 'service' ? await startService() : await startFloor();

let mark:
  | {
      cpu: NodeJS.CpuUsage;
      received: number;
      stopMonitor: () => ServerStats;
      threadGc: GcPauses | undefined;
    }
  | undefined;

/** The main thread's GC pauses with those of the hook-call threads since `since`. */
async function allGc(
  main: ServerStats['gc'],
  since: GcPauses | undefined,
): Promise<ServerStats['gc']> {
  const threads = await running.threadGc?.();
  if (!threads || !since) return main;
  return {
    count: main.count + threads.count - since.count,
    totalMs: main.totalMs + threads.totalMs - since.totalMs,
    // The threads report their longest pause since they started: an upper bound.
    maxMs: Math.max(main.maxMs, threads.maxMs),
  };
}

async function answer(request: AbRequest): Promise<void> {
  switch (request.type) {
    case 'begin':
      await idle();
      mark = {
        cpu: process.cpuUsage(),
        received,
        stopMonitor: startMonitor(),
        threadGc: await running.threadGc?.(),
      };
      reply({ type: 'begun' });
      return;
    case 'end': {
      await idle();
      if (mark === undefined) throw new Error('end without begin');
      const cpu = process.cpuUsage(mark.cpu);
      const stats: ChildStats = {
        cpuUs: cpu.user + cpu.system,
        gc: await allGc(mark.stopMonitor().gc, mark.threadGc),
        requestsReceived: received - mark.received,
        rssBytes: process.memoryUsage().rss,
        maxRssKb: process.resourceUsage().maxRSS,
      };
      mark = undefined;
      reply({ type: 'stats', stats });
      return;
    }
    case 'stop':
      await running.close();
      // process.exit, not a signal: it is what makes --cpu-prof write its profile.
      process.exit(0);
  }
}

process.on('message', (request: AbRequest) => {
  answer(request).catch((error: unknown) => {
    process.stderr.write(`ab-process (${side}): ${String(error)}\n`);
    process.exit(1);
  });
});
// The parent gone, nobody will ask for a stop.
process.once('disconnect', () => process.exit(0));
reply({ type: 'listening', baseUrl: running.baseUrl });
