import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { echoUpdate } from '../bench/lib/floor-workflows';

async function main() {
  const extra = (process.env.EXTRA ?? '').split(' ').filter(Boolean).flatMap((v) => ['--dynamic-config-value', v]);
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: '.tools/bin/temporal' }, extraArgs: ['--log-level', 'error', ...extra] } });
  const t = { address: env.address, stop: () => env.teardown() };
  const nc = await NativeConnection.connect({ address: t.address });
  const worker = await Worker.create({ connection: nc, taskQueue: 'floor', workflowsPath: require.resolve('../bench/lib/floor-workflows'), activities: { async noop() {} } });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: t.address }) });
  const h = await client.workflow.start('floorWorkflow', { taskQueue: 'floor', workflowId: 'f1' });
  for (const mode of ['none', 'local', 'activity'] as const) {
    const lat: number[] = [];
    for (let i = 0; i < 40; i++) { const s = performance.now(); await h.executeUpdate(echoUpdate, { args: [{ mode }] }); lat.push(performance.now() - s); }
    lat.sort((a, b) => a - b);
    console.log(mode, 'p50', lat[20].toFixed(1), 'max', lat[39].toFixed(1));
  }
  const hist = await h.fetchHistory();
  const ev = hist.events!.slice(-14);
  let prev = 0;
  for (const e of ev) { const ts = Number(e.eventTime!.seconds) * 1000 + e.eventTime!.nanos! / 1e6; console.log(e.eventType, prev ? (ts - prev).toFixed(1) : ''); prev = ts; }
  worker.shutdown(); await running; await t.stop();
}
main().catch((e) => { console.error(e); process.exit(1); });
